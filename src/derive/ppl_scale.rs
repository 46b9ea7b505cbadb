//! N* with the acceptance law fed measured perplexities instead of the
//! loss law's (the report's "perplexity scale" rows, issue 19).
//!
//! The loss law's perplexity exp L(N, D) is fitted on Chinchilla's
//! MassiveText losses; a real family's measured perplexities (OPT on
//! WikiText-2) differ from it, most at draft sizes. Here ppl(N) interpolates
//! ln ppl linearly in ln N between the measured sizes (no extrapolation: N
//! outside the measured range has no perplexity), the target's measured
//! perplexity is its own row, and N* maximises S*(α(N), N/M) (the FLOP cost
//! model, continuous γ*) over a log grid of the measured range below M.
//! WikiText-2 is not the text the α law was fitted on (HellaSwag), so the
//! result shows the direction of the effect, not a corrected N*.

use crate::law::AlphaLaw;
use crate::law::throughput::optimum;

/// ln ppl interpolated linearly in ln N between measured `(N, ppl)` points
/// (sorted by N or not; duplicates of one N averaged in ln ppl); None
/// outside [min N, max N] or with a non-positive value.
pub fn interp_ln(points: &[(f64, f64)], n: f64) -> Option<f64> {
    let mut p: Vec<(f64, f64)> = Vec::new();
    let mut sorted: Vec<(f64, f64)> = points
        .iter()
        .filter(|(a, b)| *a > 0.0 && *b > 0.0 && a.is_finite() && b.is_finite())
        .map(|&(a, b)| (a.ln(), b.ln()))
        .collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        let mut s = 0.0;
        while j < sorted.len() && sorted[j].0 == sorted[i].0 {
            s += sorted[j].1;
            j += 1;
        }
        p.push((sorted[i].0, s / (j - i) as f64));
        i = j;
    }
    if !(n > 0.0 && n.is_finite()) || p.is_empty() {
        return None;
    }
    let x = n.ln();
    let (first, last) = (p[0], p[p.len() - 1]);
    if x < first.0 - 1e-12 || x > last.0 + 1e-12 {
        return None;
    }
    if p.len() == 1 {
        return Some(first.1.exp());
    }
    let k = p.windows(2).position(|w| x <= w[1].0 + 1e-12)?;
    let (a, b) = (p[k], p[k + 1]);
    let t = ((x - a.0) / (b.0 - a.0)).clamp(0.0, 1.0);
    Some((a.1 + t * (b.1 - a.1)).exp())
}

/// The optimum of S*(α(N), N/M) over N on a log grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridOptimum {
    /// The best draft size on the grid.
    pub n_star: f64,
    /// α at it.
    pub alpha: f64,
    /// The draft perplexity used there.
    pub draft_ppl: f64,
    /// S* (continuous γ*) there.
    pub speedup: f64,
    /// Whether N* lies on an end of the searched range (no interior optimum).
    pub at_edge: bool,
}

/// N* over `steps` + 1 log-spaced N in [lo, hi] for a target of `m`
/// parameters with perplexity `target_ppl`, the draft perplexity from
/// `draft_ppl(N)` (None: N is skipped). Grid points where α is outside
/// (0, 1) or speculation does not help are skipped; None without any.
pub fn nstar_on_grid(
    law: &AlphaLaw,
    m: f64,
    target_ppl: f64,
    lo: f64,
    hi: f64,
    steps: usize,
    draft_ppl: impl Fn(f64) -> Option<f64>,
) -> Option<GridOptimum> {
    if !(lo > 0.0 && hi > lo && steps > 0) {
        return None;
    }
    let mut best: Option<(usize, GridOptimum)> = None;
    for k in 0..=steps {
        let n = (lo.ln() + (hi.ln() - lo.ln()) * k as f64 / steps as f64).exp();
        let Some(x) = draft_ppl(n) else { continue };
        let a = law.alpha(x, target_ppl);
        if !(a > 0.0 && a < 1.0) {
            continue;
        }
        let o = optimum(a, n / m);
        if !o.helps {
            continue;
        }
        if best.is_none_or(|(_, b)| o.speedup_star > b.speedup) {
            best = Some((
                k,
                GridOptimum {
                    n_star: n,
                    alpha: a,
                    draft_ppl: x,
                    speedup: o.speedup_star,
                    at_edge: false,
                },
            ));
        }
    }
    best.map(|(k, mut b)| {
        b.at_edge = k == 0 || k == steps;
        b
    })
}
