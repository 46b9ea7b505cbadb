//! α from raw speculative-decoding measurements (docs/method.md, "The acceptance law").
//!
//! Under the i.i.d. model each drafted token is accepted with probability α
//! until the first rejection, so one iteration with lookahead γ accepts
//! k ∈ {0..γ} tokens with P(k) = αᵏ(1 − α) for k < γ and P(γ) = α^γ.
//!
//! - **Logs** of accepted counts: the log-likelihood is S·ln α + F·ln(1 − α)
//!   with S = Σk and F = #{k < γ}, so the MLE is α̂ = S/(S + F) and a 95%
//!   likelihood-ratio interval is {α : 2(ℓ(α̂) − ℓ(α)) ≤ χ²₁,₀.₉₅ = 3.8415}.
//!   At the boundary (S = 0 or F = 0) the MLE is 0 or 1 and the interval is
//!   one-sided, {α : 2(ℓ(α̂) − ℓ(α)) ≤ χ²₁,₀.₉₀ = 2.7055} (a 95% one-sided
//!   bound).
//! - **Mean tokens per iteration** τ at lookahead γ: solve
//!   E(α, γ) = (1 − α^(γ+1))/(1 − α) = τ (E increases with α; τ ∈ (1, γ + 1)).
//! - **Token acceptance rate** TAR = accepted/drafted as vLLM reports it:
//!   TAR(γ) = α(1 − α^γ)/((1 − α)·γ) = (E(α, γ) − 1)/γ, so α solves
//!   E(α, γ) = 1 + γ·TAR.
//! - Several γ for one group: α minimises Σ (E(α, γᵢ) − τᵢ)² (least squares on
//!   the τ scale); its 95% interval is a t-interval α̂ ± t₀.₉₇₅(m − 1)·sd(αᵢ)/√m
//!   from the m per-γ inversions αᵢ, and undefined for a single γ.

use crate::fit::interval::{Interval, IntervalMethod};
use crate::ingest::acceptance::{MeasureKind, Measurements};
use crate::law::throughput::expected_tokens;
use serde::Serialize;
use serde_json::{Map, Value};

/// χ²₁ 95% quantile (two-sided LR interval).
pub const CHI2_1_95: f64 = 3.841_458_820_694_124;
/// χ²₁ 90% quantile (one-sided 95% LR bound).
pub const CHI2_1_90: f64 = 2.705_543_454_095_404;

/// An α estimate with its interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AlphaEstimate {
    /// Point estimate.
    pub alpha: f64,
    /// Standard error: for counts, from the observed information of
    /// ℓ(α) = S·ln α + F·ln(1 − α), −ℓ''(α̂) = (S + F)³/(S·F), so
    /// se = √(α̂(1 − α̂)/(S + F)) (None on the boundary, where it is 0 and
    /// meaningless); for τ/TAR data the SD of the per-γ inversions over √m
    /// (None for a single γ).
    pub se: Option<f64>,
    /// 95% interval, None when undefined (a single γ for τ/TAR data).
    pub ci95: Option<[f64; 2]>,
    /// Whether the MLE sits on the boundary (0 or 1) with a one-sided interval.
    pub boundary: bool,
}

fn loglik(s: f64, f: f64, a: f64) -> f64 {
    let t1 = if s > 0.0 { s * a.ln() } else { 0.0 };
    let t2 = if f > 0.0 { f * (-a).ln_1p() } else { 0.0 };
    t1 + t2
}

/// Bisection for the point in (lo, hi) where `g` changes sign (g(lo) and
/// g(hi) of opposite signs), to full double precision.
fn bisect(mut lo: f64, mut hi: f64, g: impl Fn(f64) -> f64) -> f64 {
    let glo = g(lo);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if (g(mid) > 0.0) == (glo > 0.0) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// MLE and likelihood-ratio 95% interval from S accepted tokens and F
/// rejections (iterations that stopped before γ).
pub fn mle_from_counts(accepted: f64, rejections: f64) -> AlphaEstimate {
    let (s, f) = (accepted, rejections);
    let a_hat = s / (s + f);
    let boundary = s == 0.0 || f == 0.0;
    let cut = if boundary { CHI2_1_90 } else { CHI2_1_95 };
    let l_hat = loglik(s, f, a_hat);
    let g = |a: f64| 2.0 * (l_hat - loglik(s, f, a)) - cut;
    let lo = if s == 0.0 { 0.0 } else { bisect(0.0, a_hat, g) };
    let hi = if f == 0.0 { 1.0 } else { bisect(a_hat, 1.0, g) };
    AlphaEstimate {
        alpha: a_hat,
        se: (!boundary).then(|| (a_hat * (1.0 - a_hat) / (s + f)).sqrt()),
        ci95: Some([lo, hi]),
        boundary,
    }
}

/// α with E(α, γ) = τ, for τ ∈ (1, γ + 1); None outside that range.
pub fn alpha_from_tau(tau: f64, gamma: f64) -> Option<f64> {
    if !(tau > 1.0 && tau < gamma + 1.0) {
        return None;
    }
    Some(bisect(0.0, 1.0, |a| {
        if a == 0.0 {
            1.0 - tau
        } else {
            expected_tokens(a, gamma) - tau
        }
    }))
}

/// α from vLLM's token acceptance rate at γ: E(α, γ) = 1 + γ·TAR.
pub fn alpha_from_tar(tar: f64, gamma: f64) -> Option<f64> {
    alpha_from_tau(1.0 + gamma * tar, gamma)
}

/// α from (γ, τ) pairs of one group: least squares on the τ scale, with a
/// t-interval over the per-γ inversions (None for a single γ). Returns None
/// when any τ is outside (1, γ + 1).
pub fn alpha_from_taus(points: &[(f64, f64)]) -> Option<AlphaEstimate> {
    let per: Vec<f64> = points
        .iter()
        .map(|&(g, t)| alpha_from_tau(t, g))
        .collect::<Option<_>>()?;
    if per.is_empty() {
        return None;
    }
    let alpha = if per.len() == 1 {
        per[0]
    } else {
        // minimise Σ(E(α, γᵢ) − τᵢ)² by golden section between the smallest
        // and largest per-γ inversion: outside that interval every residual
        // has the same sign and grows, so the minimiser lies inside.
        let ss = |a: f64| -> f64 {
            points
                .iter()
                .map(|&(g, t)| (expected_tokens(a, g) - t).powi(2))
                .sum()
        };
        let lo0 = per.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi0 = per.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        golden(lo0, hi0, ss)
    };
    let (se, ci95) = if per.len() >= 2 {
        let m = per.len() as f64;
        let mean = per.iter().sum::<f64>() / m;
        let sd = (per.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (m - 1.0)).sqrt();
        let t = super::t975(m - 1.0);
        let se = sd / m.sqrt();
        let half = t * se;
        // α is a probability: the t-interval is clipped to [0, 1]
        (
            Some(se),
            Some([(alpha - half).max(0.0), (alpha + half).min(1.0)]),
        )
    } else {
        (None, None)
    };
    Some(AlphaEstimate {
        alpha,
        se,
        ci95,
        boundary: false,
    })
}

/// Golden-section minimisation on [lo, hi] to |Δ| ≤ 1e-15 (at most 200 steps).
fn golden(lo: f64, hi: f64, f: impl Fn(f64) -> f64) -> f64 {
    crate::fit::golden_min(lo, hi, 1e-15, 200, f)
}

/// One estimated row.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EstimateRow {
    /// Draft model.
    pub draft: String,
    /// Target model.
    pub target: String,
    /// Grouping columns and their values.
    #[serde(flatten)]
    pub groups: Map<String, Value>,
    /// Draft perplexity, copied when the input has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft_ppl: Option<f64>,
    /// Target perplexity, copied when the input has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_ppl: Option<f64>,
    /// Estimated α with its 95% interval: likelihood-ratio for logs (no SE),
    /// a t interval over the per-γ inversions for τ/TAR (null for a single γ).
    pub alpha: Interval,
    /// Estimator: logs-mle, tau or tar.
    pub estimator: &'static str,
    /// Iterations (logs) or γ values (τ/TAR) behind the estimate.
    pub n: usize,
    /// The γ values seen.
    pub gammas: Vec<f64>,
    /// Warnings: boundary MLE, suspect source rows.
    pub flags: Vec<String>,
}

/// [`estimate`], refusing the measurements when a group's values admit no
/// acceptance rate (a τ or TAR that no α ∈ (0, 1) produces): the rows
/// `sdsl alpha estimate` prints.
pub fn estimate_rows(m: &Measurements) -> Result<Vec<EstimateRow>, crate::error::SdslError> {
    let rows = estimate(m);
    if let Some(bad) = rows.iter().find(|r| !r.alpha.point.is_finite()) {
        return Err(crate::error::SdslError::Data {
            path: m.path.clone(),
            message: format!(
                "no alpha for {} → {}: the values admit no acceptance rate",
                bad.draft, bad.target
            ),
        });
    }
    Ok(rows)
}

/// Groups rows by (draft, target, grouping columns) in first-appearance order
/// and estimates α for each group.
pub fn estimate(m: &Measurements) -> Vec<EstimateRow> {
    // groups in first-appearance order, built in one pass (linear in rows)
    let mut slot: std::collections::HashMap<&Vec<String>, usize> = std::collections::HashMap::new();
    let mut groups: Vec<(&Vec<String>, Vec<usize>)> = Vec::new();
    for (i, k) in m.keys.iter().enumerate() {
        let g = *slot.entry(k).or_insert_with(|| {
            groups.push((k, Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(i);
    }
    groups
        .into_iter()
        .map(|(key, idx)| {
            let mut gammas: Vec<f64> = idx.iter().map(|&i| m.gamma[i]).collect();
            gammas.sort_by(f64::total_cmp);
            gammas.dedup();
            let mut flags: Vec<String> = idx.iter().filter_map(|&i| m.suspect[i].clone()).collect();
            flags.dedup();
            let (est, method, n): (Option<AlphaEstimate>, &'static str, usize) = match m.kind {
                MeasureKind::Logs => {
                    let s: f64 = idx.iter().map(|&i| m.value[i]).sum();
                    let f = idx.iter().filter(|&&i| m.value[i] < m.gamma[i]).count() as f64;
                    let e = mle_from_counts(s, f);
                    if e.boundary {
                        flags.push(format!(
                            "MLE on the boundary (alpha = {}): every drafted token was {}; the interval is one-sided",
                            e.alpha,
                            if f == 0.0 { "accepted" } else { "rejected" }
                        ));
                    }
                    (Some(e), "logs-mle", idx.len())
                }
                MeasureKind::Tau | MeasureKind::Tar => {
                    // several rows at one γ are averaged first (flagged when they differ)
                    let mut conflicts = Vec::new();
                    let pts: Vec<(f64, f64)> = gammas
                        .iter()
                        .map(|&g| {
                            let vals: Vec<f64> = idx.iter().filter(|&&i| m.gamma[i] == g).map(|&i| m.value[i]).collect();
                            let (lo, hi) = vals.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
                            if lo != hi {
                                conflicts.push(format!("{} rows at gamma {g} disagree ({lo} to {hi}) and were averaged", vals.len()));
                            }
                            let v = vals.iter().sum::<f64>() / vals.len() as f64;
                            (g, if m.kind == MeasureKind::Tar { 1.0 + g * v } else { v })
                        })
                        .collect();
                    flags.extend(conflicts);
                    let name = if m.kind == MeasureKind::Tar { "tar" } else { "tau" };
                    if gammas.len() == 1 {
                        flags.push("a single gamma: no interval".into());
                    }
                    (alpha_from_taus(&pts), name, pts.len())
                }
            };
            let groups = m
                .group_cols
                .iter()
                .zip(&key[2..])
                .map(|(c, v)| (c.clone(), Value::String(v.clone())))
                .collect();
            let first = idx[0];
            let est = est.unwrap_or(AlphaEstimate {
                alpha: f64::NAN,
                se: None,
                ci95: None,
                boundary: false,
            });
            EstimateRow {
                draft: key[0].clone(),
                target: key[1].clone(),
                groups,
                draft_ppl: m.ppl.as_ref().map(|p| p.0[first]),
                target_ppl: m.ppl.as_ref().map(|p| p.1[first]),
                alpha: Interval::new(
                    est.alpha,
                    est.se,
                    est.ci95,
                    if method == "logs-mle" {
                        IntervalMethod::LikelihoodRatio
                    } else {
                        IntervalMethod::T
                    },
                ),
                estimator: method,
                n,
                gammas,
                flags,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tau_inversion_is_exact_on_noiseless_tau() {
        for a in [0.05, 0.3, 0.6, 0.9, 0.99] {
            for g in [1.0, 2.0, 4.0, 7.0, 10.0] {
                let tau = expected_tokens(a, g);
                let got = alpha_from_tau(tau, g).unwrap();
                assert!((got - a).abs() < 1e-12, "a={a} g={g} got {got}");
                let tar = (tau - 1.0) / g;
                assert!((alpha_from_tar(tar, g).unwrap() - a).abs() < 1e-12);
            }
            let pts: Vec<(f64, f64)> = [2.0, 4.0, 8.0]
                .iter()
                .map(|&g| (g, expected_tokens(a, g)))
                .collect();
            let e = alpha_from_taus(&pts).unwrap();
            assert!((e.alpha - a).abs() < 1e-9, "a={a}: {}", e.alpha);
            let ci = e.ci95.unwrap();
            assert!((ci[1] - ci[0]).abs() < 1e-9);
        }
    }

    #[test]
    fn mle_interval_brackets_the_estimate_and_boundaries_are_one_sided() {
        let e = mle_from_counts(70.0, 30.0);
        assert_eq!(e.alpha, 0.7);
        let ci = e.ci95.unwrap();
        assert!(ci[0] < 0.7 && 0.7 < ci[1]);
        let e = mle_from_counts(40.0, 0.0);
        assert!(
            e.boundary && e.alpha == 1.0 && e.ci95.unwrap()[1] == 1.0 && e.ci95.unwrap()[0] < 1.0
        );
        let e = mle_from_counts(0.0, 20.0);
        assert!(e.boundary && e.alpha == 0.0 && e.ci95.unwrap()[0] == 0.0);
    }
}

#[cfg(test)]
mod se_tests {
    use super::*;

    /// The counts' SE is 1/√(observed information): twin by a central
    /// second difference of the log-likelihood at the MLE.
    #[test]
    fn the_mle_se_is_the_inverse_root_of_the_observed_information() {
        for (s, f) in [(609.0, 161.0), (3.0, 7.0), (1974.0, 1026.0)] {
            let e = mle_from_counts(s, f);
            let h = 1e-4;
            let a = e.alpha;
            let d2 = (loglik(s, f, a + h) - 2.0 * loglik(s, f, a) + loglik(s, f, a - h)) / (h * h);
            let se = (-1.0 / d2).sqrt();
            assert!((e.se.unwrap() - se).abs() <= 1e-5 * se, "{s} {f}");
        }
        assert_eq!(mle_from_counts(5.0, 0.0).se, None);
    }

    /// τ data: the SE is the per-γ inversions' SD over √m (twin from the
    /// interval's half-width, t·se).
    #[test]
    fn the_tau_se_is_the_half_width_over_t() {
        let pts = [(2.0, 2.4), (4.0, 3.1), (6.0, 3.5)];
        let e = alpha_from_taus(&pts).unwrap();
        let [lo, hi] = e.ci95.unwrap();
        let t = crate::fit::t975(2.0);
        // the interval is centred on α unless clipped at 0 or 1
        assert!(((hi - lo) / 2.0 - t * e.se.unwrap()).abs() < 1e-12);
    }
}
