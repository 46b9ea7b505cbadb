//! Sensitivity of N*: how far N* and S* move when one input of the
//! derivation moves (the loss-law constants, the α law's slope and
//! intercept, the cost model, continuous versus integer γ), with everything
//! else at the refit's point values.
//!
//! Most variants reuse [`NStarSetup::solve`]. Two have no [`CostModel`](crate::law::CostModel) of
//! their own and are searched here with the same grid and a golden-section
//! refinement: a cost ratio that is a multiple of the FLOP ratio,
//! c = k·N/M (a draft whose pass costs k times its FLOP share, e.g. from
//! launch overhead; Leviathan's and Chen's measured c are 1.5–3× N/M), and
//! the FLOP model under integer γ, where S(N) = max over integer γ of
//! S(α(N), γ, N/M) is kinked (docs/latency.md: find
//! the grid maximiser, then refine within its bracket).

use super::nstar::NStarSetup;
use crate::law::throughput::optimum;
use serde::Serialize;

/// N* and S* of one variant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Solved {
    /// Throughput-optimal draft size.
    pub n_star: f64,
    /// S at N* (at the continuous γ* where a closed form applies, else at
    /// the best integer γ).
    pub speedup: f64,
}

/// N* under c = `scale`·N/M with S at the continuous γ* (`integer` false)
/// or at the best integer γ (`integer` true), on the setup's laws (its cost
/// model is ignored). Grid: [`NStarSetup::grid`] (40 points per decade);
/// the best admissible grid point is refined by golden section in ln N
/// between its neighbours to |Δ ln N| < 1e-9. None when no grid point is
/// admissible (0 < α < 1 and S > 1) or the maximiser is at the grid's edge.
pub fn solve_scaled(setup: &NStarSetup, scale: f64, integer: bool) -> Option<Solved> {
    let y = setup.target_ppl();
    let m = setup.target_params;
    let s_of = |ln_n: f64| -> f64 {
        let n = ln_n.exp();
        let a = setup.alpha.alpha(setup.loss.ppl(n, setup.draft_tokens), y);
        if !(a > 0.0 && a < 1.0) {
            return f64::NAN;
        }
        let o = optimum(a, scale * n / m);
        let s = if integer {
            o.speedup_star_int
        } else {
            o.speedup_star
        };
        if s > 1.0 { s } else { f64::NAN }
    };
    let grid: Vec<f64> = setup.grid().iter().map(|n| n.ln()).collect();
    let vals: Vec<f64> = grid.iter().map(|&g| s_of(g)).collect();
    let mut best: Option<usize> = None;
    for (i, v) in vals.iter().enumerate() {
        if v.is_finite() && best.is_none_or(|b| *v > vals[b]) {
            best = Some(i);
        }
    }
    let i = best?;
    if i == 0 || i + 1 >= grid.len() {
        return None;
    }
    let f = |x: f64| {
        let v = s_of(x);
        if v.is_finite() { -v } else { f64::INFINITY }
    };
    // golden section to 1e-9 (no step cap: the bracket shrinks geometrically)
    let x = crate::fit::golden_min(grid[i - 1], grid[i + 1], 1e-9, usize::MAX, f);
    let (x, s) = if s_of(x) >= vals[i] {
        (x, s_of(x))
    } else {
        (grid[i], vals[i])
    };
    Some(Solved {
        n_star: x.exp(),
        speedup: s,
    })
}

/// One moved input.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SensitivityVariant {
    /// The input moved (`loss law`, `α slope A`, `α intercept C`,
    /// `cost model`, `γ`).
    pub input: String,
    /// The value it was moved to.
    pub variant: String,
    /// N* and S* (null when there is no interior optimum).
    pub solved: Option<Solved>,
    /// N*/N*_base − 1.
    pub rel_change: Option<f64>,
}

/// One target's sensitivities.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SensitivityTarget {
    /// Target.
    pub target: String,
    /// Draft family (the target's own when it has drafts, else the first).
    pub draft_family: String,
    /// N* and S* at the refit's point values (FLOP model, continuous γ).
    pub base: Option<Solved>,
    /// Every variant.
    pub variants: Vec<SensitivityVariant>,
}

/// One input's effect over the targets.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InputEffect {
    /// The input.
    pub input: String,
    /// Median over targets of the largest |N*/N*_base − 1| among its variants.
    pub median_max_abs_change: f64,
    /// The largest |N*/N*_base − 1| over targets and variants.
    pub max_abs_change: f64,
    /// Smallest and largest N*/N*_base − 1 over targets and variants.
    pub range: [f64; 2],
}

/// The sensitivity section.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SensitivitySection {
    /// What is moved and what is held.
    pub note: String,
    /// Per target.
    pub targets: Vec<SensitivityTarget>,
    /// Per input, largest median effect first.
    pub inputs: Vec<InputEffect>,
}

/// Each input's effect over the targets, largest median first (ties: name).
pub fn input_effects(targets: &[SensitivityTarget]) -> Vec<InputEffect> {
    let names = crate::fit::distinct(
        targets
            .iter()
            .flat_map(|t| t.variants.iter().map(|v| v.input.clone())),
    );
    let mut out: Vec<InputEffect> = names
        .into_iter()
        .filter_map(|input| {
            let mut per_target: Vec<f64> = Vec::new();
            let mut all: Vec<f64> = Vec::new();
            for t in targets {
                let ch: Vec<f64> = t
                    .variants
                    .iter()
                    .filter(|v| v.input == input)
                    .filter_map(|v| v.rel_change)
                    .collect();
                if let Some(m) = ch.iter().map(|c| c.abs()).reduce(f64::max) {
                    per_target.push(m);
                }
                all.extend(ch);
            }
            if per_target.is_empty() {
                return None;
            }
            per_target.sort_by(f64::total_cmp);
            let k = per_target.len();
            let median = if k % 2 == 1 {
                per_target[k / 2]
            } else {
                0.5 * (per_target[k / 2 - 1] + per_target[k / 2])
            };
            let lo = all.iter().cloned().fold(f64::INFINITY, f64::min);
            let hi = all.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            Some(InputEffect {
                input,
                median_max_abs_change: median,
                max_abs_change: lo.abs().max(hi.abs()),
                range: [lo, hi],
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.median_max_abs_change
            .total_cmp(&a.median_max_abs_change)
            .then_with(|| a.input.cmp(&b.input))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::law::CostModel;

    /// With k = 1 and continuous γ the grid-and-golden search must find the
    /// N* of the toolkit's own solver (docs/method.md, "Finding N*" check: OPT-13B ≈ 117.3M).
    #[test]
    fn scaled_search_at_k_1_agrees_with_the_nstar_solver() {
        // the shipped constants (read here without the catalogue, a layer up)
        let loss: crate::law::LossLaw =
            serde_json::from_str(include_str!("../../datasets/laws/besiroglu2024.json")).unwrap();
        let alpha: crate::law::AlphaLaw =
            serde_json::from_str(include_str!("../../datasets/laws/sdsl2026.json")).unwrap();
        let setup = NStarSetup {
            target_params: 12.85e9,
            target_tokens: 1.8e11,
            draft_tokens: 1.8e11,
            loss: &loss,
            alpha: &alpha,
            cost: CostModel::Params,
        };
        let exact = setup.solve().unwrap();
        let s = solve_scaled(&setup, 1.0, false).unwrap();
        assert!(
            (s.n_star / exact.n_star - 1.0).abs() < 1e-6,
            "{s:?} {exact:?}"
        );
        assert!((s.speedup - exact.speedup).abs() < 1e-9);
        // a dearer draft (c = 2·N/M) is smaller: S* falls faster with N
        let d = solve_scaled(&setup, 2.0, false).unwrap();
        assert!(d.n_star < s.n_star);
        // integer γ: S at the best integer γ never beats the continuous S*
        let i = solve_scaled(&setup, 1.0, true).unwrap();
        assert!(i.speedup <= s.speedup + 1e-12);
    }
}
