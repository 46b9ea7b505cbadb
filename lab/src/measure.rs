//! Acceptance on held-out text for every (draft checkpoint, target) pair:
//! at temperature 1, α = mean over positions of Σ_v min(p_target, p_draft)
//! (Leviathan et al. 2023, Cor. 3.6); at temperature 0 (greedy), the share
//! of positions where the two argmaxes agree.

use crate::model::VOCAB;

/// Acceptance of one pair over held-out positions.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PairAcceptance {
    /// Mean Σ min(p, q) and its standard error (positions taken as independent).
    pub alpha: f64,
    pub alpha_se: f64,
    /// Share of positions with equal argmax and its binomial standard error.
    pub greedy: f64,
    pub greedy_se: f64,
    pub positions: usize,
}

fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

/// α and greedy agreement from two [positions, 256] probability arrays.
pub fn pair_acceptance(target: &[f32], draft: &[f32]) -> PairAcceptance {
    let n = target.len() / VOCAB;
    let (mut s, mut s2, mut agree) = (0f64, 0f64, 0usize);
    for (p, q) in target.chunks_exact(VOCAB).zip(draft.chunks_exact(VOCAB)) {
        let ov: f64 = p.iter().zip(q).map(|(&a, &b)| a.min(b) as f64).sum();
        s += ov;
        s2 += ov * ov;
        agree += usize::from(argmax(p) == argmax(q));
    }
    let nf = n as f64;
    let mean = s / nf;
    let var = (s2 / nf - mean * mean).max(0.0) * nf / (nf - 1.0);
    let g = agree as f64 / nf;
    PairAcceptance {
        alpha: mean,
        alpha_se: (var / nf).sqrt(),
        greedy: g,
        greedy_se: (g * (1.0 - g) / nf).sqrt(),
        positions: n,
    }
}
