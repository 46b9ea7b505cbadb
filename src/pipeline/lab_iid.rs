//! The lab's i.i.d. check (issue 12, item 5): the throughput formulas
//! (Leviathan et al. 2023, Eq. 1) assume every drafted token is accepted
//! independently with one rate α. From the lab's per-iteration logs
//! (`acceptance_logs.csv`: accepted count k ∈ {0..γ} per iteration):
//!
//! - acceptance at block position j: a_j = #{k ≥ j}/#{k ≥ j − 1}, and a
//!   likelihood-ratio test (χ²₁) of one binomial rate for position 1 and
//!   positions 2..γ pooled against two rates;
//! - α̂ per γ (MLE Σk/(Σk + #{k < γ}) with its likelihood-ratio interval) and
//!   a likelihood-ratio test of one α for all γ of a pair (χ² with
//!   #γ − 1 df; log-likelihood Σk·ln α + #{k < γ}·ln(1 − α));
//! - the effect on γ and S: the best integer γ and S at the pooled α̂,
//!   against the γ with the largest measured τ/(γc + 1);
//! - FLOPs recounted: per token 2·params_total (embeddings and head
//!   included) + 2·layers·ctx·width for attention (Kaplan et al. 2020,
//!   Table 1: C_forward ≈ 2N + 2·n_layer·n_ctx·d_attn), with ctx the model's
//!   context (an upper bound: sampling starts from a shorter prefix), next
//!   to c = N/M in non-embedding parameters;
//! - the lab α law α = A·x + B·y + C (OLS on the acceptance table at the
//!   lab's temperature) with CR2 (Bell–McCaffrey 2002) standard errors
//!   clustered one-way by draft architecture and by target, t intervals with
//!   G − 1 degrees of freedom (few clusters: CR2 rather than CR1).

use super::inputs::LabInputs;
use crate::error::SdslError;
use crate::fit::estimate::mle_from_counts;
use crate::fit::interval::{Interval, IntervalMethod};
use crate::fit::t975;
use crate::ingest::table::Table;
use crate::law::throughput::{expected_tokens, optimum};
use crate::report::model::lab_iid::{GammaTest, LabIidSection, PositionRun, RobustCoefficient};
use nalgebra::{DMatrix, DVector, SymmetricEigen};
use statrs::distribution::{ChiSquared, ContinuousCDF};

fn chi2_sf(x: f64, df: f64) -> f64 {
    ChiSquared::new(df).map_or(f64::NAN, |d| 1.0 - d.cdf(x.max(0.0)))
}

/// Binomial log-likelihood s·ln p + (t − s)·ln(1 − p), with 0·ln 0 = 0.
fn binom_ll(s: f64, t: f64, p: f64) -> f64 {
    let term = |n: f64, q: f64| if n > 0.0 { n * q.ln() } else { 0.0 };
    term(s, p) + term(t - s, 1.0 - p)
}

/// Layers and width from a lab model name `L<layers>-W<width>-…`.
fn layers_width(name: &str) -> Option<(f64, f64)> {
    let mut it = name.split('-');
    let l = it.next()?.strip_prefix('L')?.parse().ok()?;
    let w = it.next()?.strip_prefix('W')?.parse().ok()?;
    Some((l, w))
}

/// One (draft, target, γ) run of the lab's logs: the accepted count of
/// every iteration.
#[derive(Debug, Clone)]
pub struct Run {
    draft: String,
    target: String,
    gamma: u64,
    k: Vec<u64>,
}

/// The lab's per-iteration logs as runs.
pub(crate) fn read_runs(t: &Table) -> Result<Vec<Run>, SdslError> {
    let (d, tg) = (t.str_column("draft")?, t.str_column("target")?);
    let (g, a) = (t.f64_column("gamma")?, t.f64_column("accepted")?);
    let mut runs: Vec<Run> = Vec::new();
    for i in 0..t.height() {
        if !(g[i] >= 1.0
            && g[i].fract() == 0.0
            && a[i] >= 0.0
            && a[i] <= g[i]
            && a[i].fract() == 0.0)
        {
            return Err(SdslError::Data {
                path: t.label().into(),
                message: format!(
                    "row {} (line {}), columns 'gamma'/'accepted': accepted {} with gamma {} (need whole numbers, 0 ≤ accepted ≤ gamma ≥ 1)",
                    i + 1,
                    i + 2,
                    a[i],
                    g[i]
                ),
            });
        }
        let (gamma, k) = (g[i] as u64, a[i] as u64);
        match runs
            .iter_mut()
            .find(|r| r.draft == d[i] && r.target == tg[i] && r.gamma == gamma)
        {
            Some(r) => r.k.push(k),
            None => runs.push(Run {
                draft: d[i].clone(),
                target: tg[i].clone(),
                gamma,
                k: vec![k],
            }),
        }
    }
    Ok(runs)
}

fn position_run(r: &Run, pooled: f64) -> PositionRun {
    let n = r.k.len() as f64;
    let at_least = |j: u64| r.k.iter().filter(|&&k| k >= j).count() as f64;
    let by_position: Vec<Option<f64>> = (1..=r.gamma)
        .map(|j| {
            let den = if j == 1 { n } else { at_least(j - 1) };
            (den > 0.0).then(|| at_least(j) / den)
        })
        .collect();
    let (s1, t1) = (at_least(1), n);
    let (sr, tr) = (2..=r.gamma).fold((0.0, 0.0), |(s, t), j| {
        (s + at_least(j), t + at_least(j - 1))
    });
    let later = (tr > 0.0).then(|| sr / tr);
    let p0 = (s1 + sr) / (t1 + tr);
    let lr = match later {
        Some(pr) => {
            2.0 * (binom_ll(s1, t1, s1 / t1) + binom_ll(sr, tr, pr)
                - binom_ll(s1 + sr, t1 + tr, p0))
        }
        None => 0.0,
    };
    let s: f64 = r.k.iter().map(|&k| k as f64).sum();
    let f = r.k.iter().filter(|&&k| k < r.gamma).count() as f64;
    PositionRun {
        draft: r.draft.clone(),
        target: r.target.clone(),
        gamma: r.gamma,
        iterations: r.k.len(),
        first_lower: later.is_some_and(|l| s1 / t1 < l),
        by_position,
        later,
        lr_first_vs_later: [lr, chi2_sf(lr, 1.0)],
        alpha_mle: s / (s + f),
        tokens_per_iter: s / n + 1.0,
        tokens_per_iter_iid: expected_tokens(pooled, r.gamma as f64),
    }
}

/// The lab's i.i.d. check (see the module docs) on the lab's logs and
/// acceptance table; the model context comes from the lab's plan
/// (`manifest.json`), without it the FLOP recount leaves attention out.
pub fn lab_iid_stage(lab: &LabInputs) -> LabIidSection {
    let (runs, acc) = (&lab.runs, &lab.iid_acceptance);
    let ctx = lab
        .plan
        .as_ref()
        .and_then(|p| p.context())
        .map(|c| c as f64);
    let pairs_k = crate::fit::distinct(runs.iter().map(|r| (r.draft.clone(), r.target.clone())));
    let mut out_runs = Vec::new();
    let mut pairs = Vec::new();
    for (d, t) in &pairs_k {
        let rs: Vec<&Run> = runs
            .iter()
            .filter(|r| &r.draft == d && &r.target == t)
            .collect();
        let sf: Vec<(f64, f64)> = rs
            .iter()
            .map(|r| {
                let s: f64 = r.k.iter().map(|&k| k as f64).sum();
                (s, r.k.iter().filter(|&&k| k < r.gamma).count() as f64)
            })
            .collect();
        let (st, ft) = sf.iter().fold((0.0, 0.0), |(a, b), x| (a + x.0, b + x.1));
        let pooled = st / (st + ft);
        out_runs.extend(rs.iter().map(|r| position_run(r, pooled)));
        let lr = 2.0
            * sf.iter()
                .map(|&(s, f)| binom_ll(s, s + f, s / (s + f)) - binom_ll(s, s + f, pooled))
                .sum::<f64>();
        let dfree = (rs.len() as f64 - 1.0).max(1.0);
        let costs = acc.cost_ratios(d, t, ctx);
        let best = |c: f64| optimum(pooled, c);
        let measured_best = rs
            .iter()
            .map(|r| {
                let tau = r.k.iter().map(|&k| k as f64).sum::<f64>() / r.k.len() as f64 + 1.0;
                (r.gamma, tau / (r.gamma as f64 * costs[1] + 1.0))
            })
            .fold(
                (0u64, f64::NEG_INFINITY),
                |b, x| if x.1 > b.1 { x } else { b },
            )
            .0;
        pairs.push(GammaTest {
            draft: d.clone(),
            target: t.clone(),
            alpha_by_gamma: rs
                .iter()
                .zip(&sf)
                .map(|(r, &(s, f))| {
                    let e = mle_from_counts(s, f);
                    (
                        r.gamma,
                        Interval::new(e.alpha, None, e.ci95, IntervalMethod::LikelihoodRatio),
                    )
                })
                .collect(),
            alpha_pooled: pooled,
            lr: [lr, rs.len() as f64 - 1.0, chi2_sf(lr, dfree)],
            cost_ratio: costs,
            best_gamma: [best(costs[0]).gamma_star_int, best(costs[1]).gamma_star_int],
            speedup: [
                best(costs[0]).speedup_star_int,
                best(costs[1]).speedup_star_int,
            ],
            measured_best_gamma: measured_best,
        });
    }
    let first_lower = [
        out_runs.iter().filter(|r| r.first_lower).count(),
        out_runs.len(),
    ];
    let (alpha_law, clusters) = robust_alpha_law(acc, lab.settings.temperature.value);
    LabIidSection {
        notes: notes(ctx),
        first_lower,
        runs: out_runs,
        pairs,
        alpha_law,
        clusters,
    }
}

fn notes(ctx: Option<f64>) -> Vec<String> {
    vec![
        "Acceptance at position j of the draft block: #{k ≥ j}/#{k ≥ j − 1} over the iterations of a run (k accepted of γ). LR tests: one binomial rate for position 1 and positions 2..γ against two rates (χ²₁); one α for every γ of a pair against one per γ (χ² with #γ − 1 df).".into(),
        format!(
            "FLOPs per token recounted: 2·params_total (embeddings and output head included) + 2·layers·ctx·width (attention; Kaplan et al. 2020), ctx = {} (the model context, an upper bound); the lab's laws use c = N/M in non-embedding parameters.",
            ctx.map_or("not found: attention not counted".into(), |c| format!("{c}"))
        ),
        "The lab α law's standard errors: CR2 (Bell–McCaffrey) clustered one-way by draft architecture and by target, t intervals with G − 1 df; with 4 clusters these are wide and themselves uncertain.".into(),
    ]
}

/// The columns of the lab's acceptance table the i.i.d. check reads.
#[derive(Debug, Clone)]
pub struct AccRows {
    draft: Vec<String>,
    target: Vec<String>,
    x: Vec<f64>,
    y: Vec<f64>,
    alpha: Vec<f64>,
    temp: Vec<f64>,
    params: Vec<[f64; 4]>,
}

impl AccRows {
    pub(crate) fn read(t: &Table) -> Result<AccRows, SdslError> {
        let cols = [
            "draft_params",
            "target_params",
            "draft_params_total",
            "target_params_total",
        ]
        .iter()
        .map(|c| {
            let v = t.f64_column(c)?;
            t.require_positive(c, &v)?;
            Ok(v)
        })
        .collect::<Result<Vec<_>, SdslError>>()?;
        Ok(AccRows {
            draft: t.str_column("draft")?,
            target: t.str_column("target")?,
            x: t.f64_column("draft_ppl")?,
            y: t.f64_column("target_ppl")?,
            alpha: t.f64_column("alpha")?,
            temp: t.f64_column("temperature")?,
            params: (0..t.height())
                .map(|i| [cols[0][i], cols[1][i], cols[2][i], cols[3][i]])
                .collect(),
        })
    }

    /// [non-embedding N/M, full-FLOP ratio] of a pair (NaN when the pair
    /// is not in the table).
    fn cost_ratios(&self, d: &str, t: &str, ctx: Option<f64>) -> [f64; 2] {
        let Some(i) = (0..self.draft.len()).find(|&i| self.draft[i] == d && self.target[i] == t)
        else {
            return [f64::NAN; 2];
        };
        let p = self.params[i];
        let attn = |name: &str| match (layers_width(name), ctx) {
            (Some((l, w)), Some(c)) => 2.0 * l * c * w,
            _ => 0.0,
        };
        [p[0] / p[1], (2.0 * p[2] + attn(d)) / (2.0 * p[3] + attn(t))]
    }
}

/// OLS of α on (x, y, 1) at temperature `temp` with classical, and CR2
/// by-draft-architecture and by-target, intervals.
fn robust_alpha_law(a: &AccRows, temp: f64) -> (Vec<RobustCoefficient>, [usize; 2]) {
    let idx: Vec<usize> = (0..a.draft.len()).filter(|&i| a.temp[i] == temp).collect();
    let n = idx.len();
    let x = DMatrix::from_fn(n, 3, |r, c| match c {
        0 => a.x[idx[r]],
        1 => a.y[idx[r]],
        _ => 1.0,
    });
    let y = DVector::from_iterator(n, idx.iter().map(|&i| a.alpha[i]));
    let arch = |s: &str| {
        s.rsplit_once('-')
            .map_or(s.to_string(), |(h, _)| h.to_string())
    };
    let ids = |key: &dyn Fn(usize) -> String| -> Vec<usize> {
        let mut names: Vec<String> = Vec::new();
        idx.iter()
            .map(|&i| {
                let k = key(i);
                names.iter().position(|x| *x == k).unwrap_or_else(|| {
                    names.push(k);
                    names.len() - 1
                })
            })
            .collect()
    };
    let gd = ids(&|i| arch(&a.draft[i]));
    let gt = ids(&|i| a.target[i].clone());
    let count = |g: &[usize]| g.iter().max().map_or(0, |m| m + 1);
    let clusters = [count(&gd), count(&gt)];
    let Some(fit) = cr2_fit(&x, &y, &[&gd, &gt]) else {
        return (Vec::new(), clusters);
    };
    let names = ["A", "B", "C"];
    let coefs = (0..3)
        .map(|j| {
            let b = fit.beta[j];
            let iv = |se: f64, df: f64, m: IntervalMethod| {
                let h = t975(df) * se;
                Interval::new(b, Some(se), Some([b - h, b + h]), m)
            };
            RobustCoefficient {
                name: names[j].into(),
                ols: iv(fit.ols_se[j], (n - 3) as f64, IntervalMethod::OlsT),
                by_draft: iv(
                    fit.cr2_se[0][j],
                    clusters[0] as f64 - 1.0,
                    IntervalMethod::Cr2,
                ),
                by_target: iv(
                    fit.cr2_se[1][j],
                    clusters[1] as f64 - 1.0,
                    IntervalMethod::Cr2,
                ),
            }
        })
        .collect();
    (coefs, clusters)
}

struct Cr2Fit {
    beta: DVector<f64>,
    ols_se: Vec<f64>,
    cr2_se: Vec<Vec<f64>>,
}

/// OLS with classical SEs and, per clustering, CR2 SEs:
/// V = (X'X)⁻¹ [Σ_g X_g' A_g e_g e_g' A_g X_g] (X'X)⁻¹, A_g = (I − H_gg)^(−1/2)
/// (symmetric inverse square root; eigenvalues ≤ 1e-12 are dropped).
fn cr2_fit(x: &DMatrix<f64>, y: &DVector<f64>, clusterings: &[&[usize]]) -> Option<Cr2Fit> {
    let (n, p) = x.shape();
    if n <= p {
        return None;
    }
    let bread = (x.transpose() * x).try_inverse()?;
    let beta = &bread * x.transpose() * y;
    let e = y - x * &beta;
    let s2 = e.norm_squared() / (n - p) as f64;
    let ols_se = (0..p).map(|j| (s2 * bread[(j, j)]).sqrt()).collect();
    let cr2_se = clusterings
        .iter()
        .map(|g| {
            let mut meat = DMatrix::<f64>::zeros(p, p);
            let groups = g.iter().max().map_or(0, |m| m + 1);
            for c in 0..groups {
                let rows: Vec<usize> = (0..n).filter(|&i| g[i] == c).collect();
                let xg = DMatrix::from_fn(rows.len(), p, |r, j| x[(rows[r], j)]);
                let eg = DVector::from_iterator(rows.len(), rows.iter().map(|&i| e[i]));
                let h = &xg * &bread * xg.transpose();
                let m = DMatrix::<f64>::identity(rows.len(), rows.len()) - h;
                let eig = SymmetricEigen::new(m);
                let inv_sqrt = eig
                    .eigenvalues
                    .map(|l| if l > 1e-12 { 1.0 / l.sqrt() } else { 0.0 });
                let ag = &eig.eigenvectors
                    * DMatrix::from_diagonal(&inv_sqrt)
                    * eig.eigenvectors.transpose();
                let u = xg.transpose() * (ag * eg);
                meat += &u * u.transpose();
            }
            let v = &bread * meat * &bread;
            (0..p).map(|j| v[(j, j)].max(0.0).sqrt()).collect()
        })
        .collect();
    Some(Cr2Fit {
        beta,
        ols_se,
        cr2_se,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With one observation per cluster and a design whose leverages are
    /// known, CR2 reduces to HC2: Σ x_i x_i' e_i²/(1 − h_ii). Checked on a
    /// straight line through 4 points against that formula written out.
    #[test]
    fn cr2_with_singleton_clusters_is_hc2() {
        let xs = [1.0, 2.0, 4.0, 7.0];
        let ys = [1.1, 1.9, 4.3, 6.8];
        let x = DMatrix::from_fn(4, 2, |i, j| if j == 0 { xs[i] } else { 1.0 });
        let y = DVector::from_column_slice(&ys);
        let g: Vec<usize> = (0..4).collect();
        let f = cr2_fit(&x, &y, &[&g]).unwrap();
        let bread = (x.transpose() * &x).try_inverse().unwrap();
        let e = &y - &x * &f.beta;
        let mut meat = DMatrix::<f64>::zeros(2, 2);
        for i in 0..4 {
            let xi = x.row(i).transpose();
            let h = (xi.transpose() * &bread * &xi)[(0, 0)];
            meat += &xi * xi.transpose() * (e[i] * e[i] / (1.0 - h));
        }
        let v = &bread * meat * &bread;
        for j in 0..2 {
            assert!((f.cr2_se[0][j] - v[(j, j)].sqrt()).abs() < 1e-12);
        }
    }

    #[test]
    fn layers_and_width_are_read_from_lab_names() {
        assert_eq!(layers_width("L3-W96-D5M"), Some((3.0, 96.0)));
        assert_eq!(layers_width("tiny"), None);
    }
}
