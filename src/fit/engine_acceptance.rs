//! α from the acceptance counts a serving engine prints (docs/import.md,
//! "Acceptance metrics decoded").
//!
//! Under i.i.d. acceptance with probability α, one speculative iteration
//! with lookahead γ accepts k ∈ {0..γ} draft tokens with the capped
//! geometric law P(k) = αᵏ(1 − α) for k < γ and P(γ) = α^γ (Leviathan et
//! al. 2023, arXiv:2211.17192, §3.1). vLLM prints, per benchmark:
//!
//! - drafts n (iterations that drafted), draft tokens n·γ, accepted tokens
//!   Σk;
//! - per-position rates rᵢ (i = 0..γ−1) = #{k ≥ i + 1}/n, *unconditional*
//!   shares, so r_{γ−1} = #{k = γ}/n.
//!
//! **Estimator.** The log-likelihood of the counts is
//! Σk·ln α + #{k < γ}·ln(1 − α), so α̂ = Σk/(Σk + #{k < γ}) with
//! #{k < γ} = n − #{k = γ} and #{k = γ} = round(n·r_{γ−1}). The rates are
//! printed rounded (vLLM's text summary: percent with two decimals, i.e.
//! ±5e-5 as a fraction; its server log: three decimals), so the count is
//! exact only when |n·r − round(n·r)| is within n times that precision; a
//! larger gap is reported. The 95% interval is the likelihood-ratio one of
//! [`mle_from_counts`] (χ²₁ quantile 3.841459; bisection on each side).
//!
//! **i.i.d. check.** The rates imply the whole distribution of k:
//! #{k = j} = n·(r_{j−1} − r_j) for j < γ (r₋₁ = 1) and #{k = γ} =
//! n·r_{γ−1}. A likelihood-ratio (G) test compares these counts with
//! n·P(k) at α̂: G = 2 Σ O·ln(O/E), asymptotically χ² with
//! (γ + 1) − 1 − 1 = γ − 1 degrees of freedom (one parameter estimated).
//! At γ = 1 there are no degrees of freedom and no test. Under i.i.d.
//! acceptance the expected per-position rates are α̂^(i+1).

use super::estimate::{AlphaEstimate, mle_from_counts};
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// α̂ from printed counts, with what the rounding of the rates left.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountsAlpha {
    /// The MLE and its likelihood-ratio 95% interval.
    pub estimate: AlphaEstimate,
    /// #{k = γ}: drafts whose every token was accepted (rounded count).
    pub full_drafts: u64,
    /// #{k < γ} = drafts − #{k = γ}.
    pub rejections: u64,
    /// |drafts·r − round(drafts·r)| for the last per-position rate r: how far
    /// the printed rate is from a whole count.
    pub rounding_gap: f64,
    /// Whether the gap exceeds drafts × the print precision (the count is
    /// then not the one the engine counted).
    pub rounding_suspect: bool,
}

/// α̂ = Σk/(Σk + #{k < γ}) from vLLM-style counts (module docs).
///
/// `accepted` = Σk, `drafts` = n, `last_rate` = the last per-position rate
/// as a fraction, `precision` = half the last printed digit as a fraction
/// (5e-5 for percent with two decimals, 5e-4 for three decimals, 0 for
/// exact JSON floats). None when the counts are impossible (no drafts, a
/// rate outside [0, 1], more full drafts than the accepted tokens allow).
pub fn alpha_from_counts(
    accepted: u64,
    drafts: u64,
    gamma: u32,
    last_rate: f64,
    precision: f64,
) -> Option<CountsAlpha> {
    if drafts == 0 || gamma == 0 || !(0.0..=1.0).contains(&last_rate) {
        return None;
    }
    let n = drafts as f64;
    let raw = n * last_rate;
    let full = raw.round();
    let full_drafts = full as u64;
    // every full draft accepted γ tokens; more accepted than drafted is impossible
    if full_drafts.saturating_mul(u64::from(gamma)) > accepted
        || accepted > drafts.saturating_mul(u64::from(gamma))
    {
        return None;
    }
    let rejections = drafts - full_drafts;
    let gap = (raw - full).abs();
    // an exact float rate (precision 0) still carries a float's rounding
    let tolerance = n * precision.max(1e-9);
    Some(CountsAlpha {
        estimate: mle_from_counts(accepted as f64, rejections as f64),
        full_drafts,
        rejections,
        rounding_gap: gap,
        rounding_suspect: gap > tolerance,
    })
}

/// The i.i.d. check of one run (module docs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IidCheck {
    /// Implied counts of k = 0..γ, n·(r_{k−1} − r_k) (negative differences
    /// from rounded rates are set to 0).
    pub observed: Vec<f64>,
    /// Expected counts n·P(k) under the capped geometric at α̂.
    pub expected: Vec<f64>,
    /// Expected per-position rates α̂^(i+1), i = 0..γ−1.
    pub expected_rates: Vec<f64>,
    /// G = 2 Σ O ln(O/E).
    pub g: f64,
    /// Degrees of freedom, γ − 1.
    pub df: u32,
    /// P(χ²_df > G); None at γ = 1 (no degrees of freedom).
    pub p: Option<f64>,
}

/// Significance level below which the i.i.d. model is flagged.
pub const IID_REJECT_BELOW: f64 = 0.01;

/// The G test of the per-position rates against α̂ (module docs). `rates`
/// are the γ unconditional per-position rates as fractions, `drafts` = n.
/// None for no rates, no drafts or α̂ outside (0, 1) (a boundary MLE
/// predicts zero counts that the test cannot compare).
pub fn iid_check(rates: &[f64], drafts: u64, alpha: f64) -> Option<IidCheck> {
    let gamma = rates.len();
    if gamma == 0 || drafts == 0 || !(alpha > 0.0 && alpha < 1.0) {
        return None;
    }
    let n = drafts as f64;
    let mut observed = Vec::with_capacity(gamma + 1);
    let mut prev = 1.0;
    for &r in rates {
        observed.push((n * (prev - r)).max(0.0));
        prev = r;
    }
    observed.push((n * prev).max(0.0));
    let expected: Vec<f64> = (0..=gamma)
        .map(|k| {
            let ak = alpha.powi(k as i32);
            if k < gamma {
                n * ak * (1.0 - alpha)
            } else {
                n * ak
            }
        })
        .collect();
    let g = 2.0
        * observed
            .iter()
            .zip(&expected)
            .filter(|(o, _)| **o > 0.0)
            .map(|(o, e)| o * (o / e).ln())
            .sum::<f64>();
    let df = (gamma - 1) as u32;
    let p = if df == 0 || !g.is_finite() {
        None
    } else {
        // G ≥ 0 in exact arithmetic; a tiny negative from rounding is 0
        ChiSquared::new(f64::from(df))
            .ok()
            .map(|d| d.sf(g.max(0.0)))
    };
    Some(IidCheck {
        observed,
        expected,
        expected_rates: (1..=gamma).map(|i| alpha.powi(i as i32)).collect(),
        g,
        df,
        p,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_estimate_is_the_closed_form_mle() {
        // 267 drafts at γ = 4, last rate 39.70% → 106 full drafts
        let c = alpha_from_counts(609, 267, 4, 0.3970, 5e-5).unwrap();
        assert_eq!((c.full_drafts, c.rejections), (106, 161));
        assert!((c.estimate.alpha - 609.0 / (609.0 + 161.0)).abs() < 1e-15);
        assert!(!c.rounding_suspect, "gap {}", c.rounding_gap);
        let ci = c.estimate.ci95.unwrap();
        assert!(ci[0] < c.estimate.alpha && c.estimate.alpha < ci[1]);
    }

    #[test]
    fn a_rate_that_is_no_whole_count_is_reported() {
        // 267 × 0.3990 = 106.53: no whole number of drafts prints as 39.90%
        let c = alpha_from_counts(609, 267, 4, 0.3990, 5e-5).unwrap();
        assert!(c.rounding_suspect);
    }

    #[test]
    fn impossible_counts_give_none() {
        assert!(alpha_from_counts(10, 0, 4, 0.5, 5e-5).is_none());
        assert!(alpha_from_counts(10, 10, 4, 1.5, 5e-5).is_none());
        // 10 full drafts need 40 accepted tokens
        assert!(alpha_from_counts(20, 10, 4, 1.0, 5e-5).is_none());
        assert!(alpha_from_counts(50, 10, 4, 0.5, 5e-5).is_none());
    }

    /// Brute-force twin of the likelihood-ratio interval: the set of α on a
    /// fine grid with 2(ℓ(α̂) − ℓ(α)) ≤ 3.841459 has the same end points.
    #[test]
    fn lr_interval_matches_a_grid_scan() {
        for (s, f) in [(609.0, 161.0), (30.0, 70.0), (5.0, 3.0), (900.0, 12.0)] {
            let e = mle_from_counts(s, f);
            let ll = |a: f64| s * f64::ln(a) + f * f64::ln(1.0 - a);
            let top = ll(e.alpha);
            let steps = 2_000_000;
            let inside: Vec<f64> = (1..steps)
                .map(|i| i as f64 / steps as f64)
                .filter(|&a| 2.0 * (top - ll(a)) <= super::super::estimate::CHI2_1_95)
                .collect();
            let (lo, hi) = (inside[0], inside[inside.len() - 1]);
            let ci = e.ci95.unwrap();
            assert!((ci[0] - lo).abs() < 1e-6, "s={s} f={f}: {} vs {lo}", ci[0]);
            assert!((ci[1] - hi).abs() < 1e-6, "s={s} f={f}: {} vs {hi}", ci[1]);
        }
    }

    #[test]
    fn iid_rates_fit_and_decaying_conditionals_are_rejected() {
        // exact i.i.d. rates at α = 0.7: G = 0, p = 1
        let a: f64 = 0.7;
        let rates: Vec<f64> = (1..=5).map(|i| a.powi(i)).collect();
        let n = 100_000u64;
        let accepted: f64 = rates.iter().map(|r| r * n as f64).sum();
        let c = alpha_from_counts(accepted.round() as u64, n, 5, rates[4], 0.0).unwrap();
        let t = iid_check(&rates, n, c.estimate.alpha).unwrap();
        assert_eq!(t.df, 4);
        assert!(t.p.unwrap() > 0.99, "{t:?}");
        for (i, r) in t.expected_rates.iter().enumerate() {
            assert!((r - c.estimate.alpha.powi(i as i32 + 1)).abs() < 1e-15);
        }
        // acceptance that falls with position (0.9, then 0.5 each): rejected
        let rates = [0.9, 0.45, 0.225, 0.1125];
        let t = iid_check(&rates, 10_000, 0.6).unwrap();
        assert!(t.p.unwrap() < IID_REJECT_BELOW, "{t:?}");
    }

    #[test]
    fn gamma_one_has_no_test() {
        let t = iid_check(&[0.6], 100, 0.6).unwrap();
        assert_eq!((t.df, t.p), (0, None));
    }
}
