//! The serving plan for one target on one GPU over a mix of batch sizes:
//! the record of `sdsl plan --json` (docs/plan.md). The computation and
//! its records live in [`crate::catalog::plan`] (below the report, which
//! embeds plans in `report.json`); this entry resolves the laws by shipped
//! name or file, as the command line and the Python package give them.

pub use crate::catalog::plan::*;
use crate::error::SdslError;
use crate::ingest::registry::Registry;

/// Runs the plan (see [`crate::catalog::plan`]). `loss_law` and
/// `alpha_law` are shipped names or law files.
pub fn plan(
    q: &PlanQuery,
    registry: &Registry,
    loss_law: &str,
    alpha_law: &str,
) -> Result<PlanOut, SdslError> {
    let loss = crate::catalog::laws::loss_law(loss_law)?;
    let alpha = crate::catalog::laws::alpha_law(alpha_law)?;
    plan_with_laws(q, registry, &loss, &alpha)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_mix_is_normalised_and_sorted() {
        let m = parse_batch_mix("32:2, 1:5 ,8:3").unwrap();
        assert_eq!(m.iter().map(|x| x.0).collect::<Vec<_>>(), [1, 8, 32]);
        let w: Vec<f64> = m.iter().map(|x| x.1).collect();
        assert!(
            (w[0] - 0.5).abs() < 1e-15 && (w[1] - 0.3).abs() < 1e-15 && (w[2] - 0.2).abs() < 1e-15
        );
    }

    #[test]
    fn bad_batch_mixes_and_batches_are_refused_by_name() {
        for (s, needle) in [
            ("", "empty"),
            ("1", "not B:W"),
            ("1:x", "not a number"),
            ("1:-1", "≥ 0"),
            ("1:inf", "finite"),
            ("1:0,2:0", "sum to 0"),
            ("0:1", "batch 0"),
            ("4:1,4:2", "twice"),
        ] {
            let e = parse_batch_mix(s).unwrap_err().to_string();
            assert!(e.contains(needle), "{s}: {e}");
        }
        assert!(parse_batches("1,,4").is_err());
        assert!(
            parse_batches("4,1,4")
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        assert_eq!(parse_batches("16,1,4").unwrap(), [1, 4, 16]);
    }

    /// The one-γ-per-server choice is the γ ≥ 1 with the highest
    /// Σ w_b·b·S_b(γ)/t_M(b), where S_b(γ) is evaluated independently by
    /// the speed-up query (`speedup --gamma`) at each batch.
    #[test]
    fn server_gamma_maximises_the_mix_throughput_at_one_gamma() {
        let reg = Registry::bundled().unwrap();
        let q = PlanQuery {
            target: Some("OPT-13B".into()),
            target_params: None,
            target_tokens: None,
            drafts: Drafts::Named(vec!["OPT-350M".into()]),
            hardware: "h200-graph".into(),
            batches: vec![1, 16, 64],
            batch_mix: Some(vec![(1, 0.2), (16, 0.3), (64, 0.5)]),
            max_gamma: 16,
            measured_alpha: None,
        };
        let out = plan(&q, &reg, "besiroglu2024", "sdsl2026").unwrap();
        let alpha = out.rows[0].alpha;
        let priced = |g: u64| -> f64 {
            out.batch_mix
                .iter()
                .map(|m| {
                    let spec = format!("latency:h200-graph:batch={}", m.batch);
                    let pm = |n: &str| crate::query::speedup::PricedModel {
                        name: n.into(),
                        arch: n.into(),
                        params: reg.model(n).unwrap().params,
                    };
                    let s = crate::query::speedup::speedup_latency(
                        alpha,
                        Some(g as f64),
                        &spec,
                        &pm("OPT-350M"),
                        &pm("OPT-13B"),
                        16,
                    )
                    .unwrap();
                    let l = s.latency.unwrap();
                    // t_M(b) = ms_per_token · S at the best γ
                    let t = l.ms_per_token * s.speedup_star_int;
                    m.weight * m.batch as f64 * s.speedup.unwrap() / t
                })
                .sum()
        };
        let best = (1..=16u64)
            .max_by(|a, b| priced(*a).total_cmp(&priced(*b)).then(b.cmp(a)))
            .unwrap();
        assert_eq!(out.recommendation.server_gamma, Some(best));
    }
}
