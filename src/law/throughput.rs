//! Speculative-decoding throughput under the i.i.d. acceptance model.
//!
//! Reference: Leviathan, Kalman & Matias (2023), "Fast Inference from
//! Transformers via Speculative Decoding", arXiv:2211.17192, Eq. 1 and
//! Theorem 3.8; the closed-form optimum through Lambert W₋₁ is SDSL's
//! (Bozorgkhoo & Molybog, arXiv:2603.11053).
//!
//! Assumptions: each of the γ drafted tokens is accepted independently with
//! probability α ∈ (0, 1); one iteration costs γ draft passes plus one target
//! pass that verifies all γ + 1 positions; a draft pass costs c target passes.
//!
//! FLOP convention (SDSL's): one forward pass for one token costs 2·params
//! FLOPs, and verifying γ + 1 tokens costs a single target pass (decoding is
//! memory-bound), so throughput in tokens per FLOP is S / (2M).

use super::lambert_w::lambert_wm1_from_log;
use serde::Serialize;

/// Expected tokens produced per iteration, E(α, γ) = (1 − α^(γ+1)) / (1 − α)
/// (Leviathan et al. Eq. 1: a geometric variable capped at γ + 1).
/// γ may be fractional (the continuous relaxation used for γ*).
pub fn expected_tokens(alpha: f64, gamma: f64) -> f64 {
    // -expm1((γ+1)·ln α) = 1 − α^(γ+1) without cancellation when α^(γ+1) ≈ 1.
    -((gamma + 1.0) * alpha.ln()).exp_m1() / (1.0 - alpha)
}

/// Speed-up over plain target decoding (Leviathan et al. Thm 3.8):
/// S(α, γ, c) = (1 − α^(γ+1)) / ((1 − α)(γ·c + 1)).
pub fn speedup(alpha: f64, gamma: f64, c: f64) -> f64 {
    expected_tokens(alpha, gamma) / (gamma * c + 1.0)
}

/// Tokens per FLOP of speculative decoding with speed-up `s` for a target of
/// `target_params` parameters: s / (2M) (SDSL's FLOP convention, see module
/// docs).
pub fn tokens_per_flop(s: f64, target_params: f64) -> f64 {
    s / (2.0 * target_params)
}

/// The largest cost ratio at which a continuous lookahead γ > 0 helps:
/// c_max(α) = −α·ln α / (1 − α). It is the slope condition dS/dγ|γ=0 > 0.
pub fn max_helpful_cost_ratio(alpha: f64) -> f64 {
    -alpha * alpha.ln() / (1.0 - alpha)
}

/// Whether speculation helps at all for a continuous γ: γ* > 0 iff
/// c < −α·ln α / (1 − α).
pub fn speculation_helps(alpha: f64, c: f64) -> bool {
    c < max_helpful_cost_ratio(alpha)
}

/// The optimal lookahead and speed-up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Optimum {
    /// Continuous optimum γ* (0 when speculation does not help).
    pub gamma_star: f64,
    /// S at γ* (1 when speculation does not help).
    pub speedup_star: f64,
    /// Best integer γ ≥ 1, or 0 when no integer γ ≥ 1 beats plain decoding
    /// (which happens iff c ≥ α, since S(α, 1, c) > 1 ⇔ c < α).
    pub gamma_star_int: u64,
    /// S at the best integer γ (1 when `gamma_star_int` is 0).
    pub speedup_star_int: f64,
    /// Whether a continuous γ > 0 helps (c < −α ln α/(1 − α)).
    pub helps: bool,
}

/// W₋₁ at the optimum's argument x = −α^(1/c − 1)/e, computed from
/// ln(−x) = (1/c − 1)·ln α − 1 so that it never underflows.
fn optimum_w(alpha: f64, c: f64) -> f64 {
    lambert_wm1_from_log((1.0 / c - 1.0) * alpha.ln() - 1.0)
}

/// Continuous optimal lookahead γ*(α, c) and S*(α, c).
///
/// Setting dS/dγ = 0 gives α^(γ+1)·[c − (γc + 1)·ln α] = c. With
/// z = c − (γc + 1)·ln α we have γ + 1 = (c − z)/(c·ln α) + 1 − 1/c, hence
/// α^(γ+1) = e^(1 − z/c)·α^(1 − 1/c), and the condition becomes
/// (−z/c)·e^(−z/c) = −α^(1/c − 1)/e =: x, so w = −z/c = W(x).
/// Since z > c, w < −1: the lower branch W₋₁ is the right one; x lies in
/// (−1/e, 0). Then
///   γ* = (1 + w)/ln α − 1/c,   S* = ln α / (c·(1 − α)·w).
/// We evaluate γ* in the equivalent form γ* = −1 − ln(−w)/ln α, obtained by
/// substituting w = ln(−x) − ln(−w) (the log of w·eʷ = x); it avoids the
/// cancellation between (1 + w)/ln α and 1/c when c is small.
///
/// Valid for α ∈ (0, 1) and c > 0. When c ≥ −α ln α/(1 − α), γ* ≤ 0 and
/// speculation does not help: γ* = 0 and S* = 1 are returned.
/// c = 0 (free drafts) has no finite optimum and gives γ* = ∞.
pub fn optimal_continuous(alpha: f64, c: f64) -> (f64, f64) {
    if !speculation_helps(alpha, c) {
        return (0.0, 1.0);
    }
    if c == 0.0 {
        return (f64::INFINITY, 1.0 / (1.0 - alpha));
    }
    let la = alpha.ln();
    let w = optimum_w(alpha, c);
    let gamma = -1.0 - (-w).ln() / la;
    let s = la / (c * (1.0 - alpha) * w);
    (gamma, s)
}

/// Best integer lookahead: S is unimodal in γ, so the best integer is ⌊γ*⌋ or
/// ⌈γ*⌉; plain decoding (γ = 0, S = 1) is also a candidate.
pub fn optimal_integer(alpha: f64, c: f64, gamma_star: f64) -> (u64, f64) {
    let mut best = (0u64, 1.0f64);
    if gamma_star.is_nan() || gamma_star <= 0.0 || gamma_star.is_infinite() {
        return best;
    }
    let lo = gamma_star.floor().max(1.0);
    for g in [lo, lo + 1.0] {
        let s = speedup(alpha, g, c);
        if s > best.1 {
            best = (g as u64, s);
        }
    }
    best
}

/// γ*, S*, best integer γ and its S for acceptance rate α and cost ratio c.
pub fn optimum(alpha: f64, c: f64) -> Optimum {
    let (gamma_star, speedup_star) = optimal_continuous(alpha, c);
    let (gamma_star_int, speedup_star_int) = optimal_integer(alpha, c, gamma_star);
    Optimum {
        gamma_star,
        speedup_star,
        gamma_star_int,
        speedup_star_int,
        helps: speculation_helps(alpha, c),
    }
}

/// Speed-up with measured costs (docs/latency.md): one iteration is γ draft decode
/// steps plus one target pass over γ + 1 tokens, so
/// S(α, γ) = E(α, γ)·t_M(1) / (γ·t_N(1) + t_M(γ+1)) = E(α, γ) / (γ·c + v),
/// with c = t_N(1)/t_M(1) and `v_verify` = v(γ+1) = t_M(γ+1)/t_M(1).
/// SDSL's model is v ≡ 1 (then this is [`speedup`]).
pub fn speedup_measured(alpha: f64, gamma: f64, c: f64, v_verify: f64) -> f64 {
    expected_tokens(alpha, gamma) / (gamma * c + v_verify)
}

/// γ*, S* and the best integer γ when verification is affine in the tokens
/// verified, v(q) = 1 + ρ·(q − 1), ρ ≥ 0: then γ·c + v(γ+1) = γ·(c + ρ) + 1,
/// so S is Leviathan's Thm 3.8 with c replaced by c + ρ and every closed form
/// of [`optimum`] holds with c + ρ (docs/latency.md). ρ = 0 (free verification,
/// SDSL's model) gives exactly [`optimum`]`(α, c)`.
pub fn optimum_affine_verify(alpha: f64, c: f64, rho: f64) -> Optimum {
    optimum(alpha, c + rho)
}

/// The default cap on γ in searches over a measured verification cost
/// (`--max-gamma`): 16, the H200 tables' longest measured verification
/// (q = 17).
pub const DEFAULT_MAX_GAMMA: u64 = 16;

/// The largest q a latency table or profile may hold under a γ cap:
/// 1 + 4·max(`max_gamma`, [`DEFAULT_MAX_GAMMA`]) (saturating), 65 by
/// default. A larger q is refused as absurd (issue #27): no
/// engine drafts that far, and the integer γ search would walk every γ up
/// to q − 1. Lowering the cap below the default never makes a table absurd
/// (a cap of 2 still reads the H200 table's q = 17); raising it admits
/// longer verifications.
pub fn absurd_q_limit(max_gamma: u64) -> u64 {
    max_gamma
        .max(DEFAULT_MAX_GAMMA)
        .saturating_mul(4)
        .saturating_add(1)
}

/// The best integer lookahead under a measured verification ratio.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IntegerOptimum {
    /// Best γ in 0..=γ_max (0 = plain decoding beats every γ ≥ 1).
    pub gamma: u64,
    /// S at that γ (1 for γ = 0).
    pub speedup: f64,
    /// The optimum is the largest γ searched (γ_max ≥ 1): a larger γ, beyond
    /// the measured verification lengths, might be better.
    pub at_edge: bool,
}

/// Best integer γ ∈ {0, 1, …, γ_max} of S(α, γ) = E(α, γ)/(γ·c + v(γ+1)),
/// with `v(q)` the verification ratio for q = γ + 1 new tokens (v(1) = 1, so
/// γ = 0 gives S = 1). A measured v need not be affine or convex, so S need
/// not be unimodal in γ: every γ is evaluated (γ_max is small, the measured
/// q range minus one). Ties keep the smaller γ. Use it for a measured,
/// non-affine v (docs/latency.md); `at_edge` flags an optimum at γ_max.
pub fn optimal_integer_measured(
    alpha: f64,
    c: f64,
    gamma_max: u64,
    v: impl Fn(u64) -> f64,
) -> IntegerOptimum {
    let mut best = IntegerOptimum {
        gamma: 0,
        speedup: 1.0,
        at_edge: false,
    };
    for g in 1..=gamma_max {
        let s = speedup_measured(alpha, g as f64, c, v(g + 1));
        if s > best.speedup {
            best.gamma = g;
            best.speedup = s;
        }
    }
    best.at_edge = gamma_max >= 1 && best.gamma == gamma_max;
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Leviathan et al. (2023) Table 1 (c = 0, theoretical): α = 0.8, γ = 5
    /// gives E = 3.69 (printed to two decimals).
    #[test]
    fn leviathan_table1_expected_tokens() {
        assert!((expected_tokens(0.8, 5.0) - 3.69).abs() < 0.005);
        assert!((expected_tokens(0.6, 3.0) - 2.18).abs() < 0.005);
    }

    /// docs/method.md, "Speculative decoding and its speed-up" check value (independent brute force over a fine γ grid).
    #[test]
    fn spec_check_value_alpha_07_c_001() {
        let o = optimum(0.7, 0.01);
        assert!((o.gamma_star - 9.3424).abs() < 5e-5, "{}", o.gamma_star);
        assert!(
            (o.speedup_star - 2.97231).abs() < 5e-6,
            "{}",
            o.speedup_star
        );
    }
}
