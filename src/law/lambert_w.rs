//! Lambert W on both real branches.
//!
//! W(x) is the inverse of w ↦ w·eʷ. On the reals it has two branches:
//! W₀ on [−1/e, ∞) with W₀ ≥ −1, and W₋₁ on [−1/e, 0) with W₋₁ ≤ −1.
//!
//! Evaluation delegates to the `lambert_w` crate (2.1.9, Fukushima's
//! piecewise minimax approximations refined to full precision), which was
//! checked against mpmath to ≤ 7e-16 relative, including next to the branch
//! point −1/e (see `tests/it/lambert_w.rs`, whose reference values were made with
//! mpmath at 50 digits).
//!
//! The speculative-decoding optimum needs W₋₁(x) for x = −α^(1/c−1)/e, which
//! underflows to −0 when (1/c − 1)·ln α < −745 (small drafts for a large
//! target). [`lambert_wm1_from_log`] therefore takes ln(−x) instead of x and,
//! in the range where x is not a normal double, solves w + ln(−w) = ln(−x)
//! by Newton's method in the log domain.

/// Principal branch W₀(x) for x ∈ [−1/e, ∞). Returns NaN outside the domain.
pub fn lambert_w0(x: f64) -> f64 {
    lambert_w::lambert_w0(x)
}

/// Lower branch W₋₁(x) for x ∈ [−1/e, 0). Returns NaN outside the domain.
pub fn lambert_wm1(x: f64) -> f64 {
    lambert_w::lambert_wm1(x)
}

/// Below this value of ln(−x), x = −exp(ln(−x)) is subnormal or zero, so
/// W₋₁ is computed in the log domain. (ln of the smallest normal double is
/// −708.4; we switch a little earlier to keep full relative precision.)
const LOG_DOMAIN_SWITCH: f64 = -700.0;

/// W₋₁(x) given only `log_neg_x` = ln(−x), for x ∈ [−1/e, 0), i.e.
/// `log_neg_x` ≤ −1.
///
/// For `log_neg_x` ≥ −700 this is `lambert_wm1(-exp(log_neg_x))`. Below, x
/// would underflow, so we solve f(w) = w + ln(−w) − t = 0 (t = ln(−x)),
/// which is w·eʷ = x after taking logs of both sides (valid for w < 0).
/// Newton: w ← w − f(w)/(1 + 1/w), started at w₀ = t − ln(−t), the first two
/// terms of the asymptotic expansion W₋₁(x) ≈ L₁ − L₂ (L₁ = ln(−x),
/// L₂ = ln(−L₁)); there |w| > 700, f is nearly linear and Newton converges to
/// machine precision in two or three steps.
///
/// Returns NaN when `log_neg_x` > −1 (outside the domain) or is NaN.
pub fn lambert_wm1_from_log(log_neg_x: f64) -> f64 {
    if log_neg_x.is_nan() || log_neg_x > -1.0 {
        return f64::NAN;
    }
    if log_neg_x >= LOG_DOMAIN_SWITCH {
        // exp(−1) rounds to a double just above 1/e, so at ln(−x) = −1 the
        // rounded x lies a hair below −1/e; it is the branch point, W = −1.
        let w = lambert_wm1(-log_neg_x.exp());
        return if w.is_nan() { -1.0 } else { w };
    }
    if log_neg_x == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    let t = log_neg_x;
    let mut w = t - (-t).ln();
    for _ in 0..8 {
        let f = w + (-w).ln() - t;
        let step = f / (1.0 + 1.0 / w);
        w -= step;
        if step.abs() <= 4.0 * f64::EPSILON * w.abs() {
            break;
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_domain_agrees_with_direct_evaluation_at_the_switch() {
        for t in [-650.0, -690.0, -699.9] {
            let direct = lambert_wm1(-f64::exp(t));
            // force the log-domain path on the same argument
            let mut w = t - f64::ln(-t);
            for _ in 0..8 {
                let f = w + (-w).ln() - t;
                w -= f / (1.0 + 1.0 / w);
            }
            assert!(
                ((w - direct) / direct).abs() < 1e-15,
                "t={t}: {w} vs {direct}"
            );
        }
    }

    #[test]
    fn log_domain_satisfies_the_defining_equation() {
        for t in [-701.0, -745.0, -1e4, -1e8, -1e15] {
            let w = lambert_wm1_from_log(t);
            let resid = (w + (-w).ln() - t) / t;
            assert!(resid.abs() < 1e-15, "t={t}: w={w} resid {resid}");
            assert!(w < -1.0);
        }
    }
}
