//! Throughput with measured costs (docs/latency.md): S = E/(γ·c + v(γ+1)), the
//! affine-v closed forms with c + ρ, and the integer-γ search, each against
//! an independent brute-force twin.

use proptest::prelude::*;
use sdsl::law::throughput::{
    optimal_integer_measured, optimum, optimum_affine_verify, speedup, speedup_measured,
};

/// E(α, γ) for an integer γ as the sum of the capped geometric variable's
/// survival probabilities, Σ_{i=0..γ} α^i (independent of the closed form).
fn expected_by_sum(alpha: f64, gamma: u64) -> f64 {
    (0..=gamma).map(|i| alpha.powi(i as i32)).sum()
}

/// Exhaustive twin of the integer search: every γ in 0..=γ_max, E by summation.
fn brute_integer(alpha: f64, c: f64, gamma_max: u64, v: &[f64]) -> (u64, f64) {
    let mut best = (0u64, 1.0f64);
    for g in 1..=gamma_max {
        let s = expected_by_sum(alpha, g) / (g as f64 * c + v[(g + 1) as usize]);
        if s > best.1 {
            best = (g, s);
        }
    }
    best
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// A measured (arbitrary, not affine, not monotone) v: the search returns
    /// the exhaustive maximiser and its S.
    #[test]
    fn integer_gamma_search_matches_exhaustive_evaluation(
        alpha in 0.05f64..0.98,
        c in 0.0005f64..0.6,
        extra in proptest::collection::vec(0.0f64..1.5, 16),
    ) {
        // v[q] for q = 0..=17; v[1] = 1, v[q] = 1 + extra[q − 2] for q ≥ 2.
        let mut v = vec![f64::NAN, 1.0];
        v.extend(extra.iter().map(|e| 1.0 + e));
        let gamma_max = 16;
        let got = optimal_integer_measured(alpha, c, gamma_max, |q| v[q as usize]);
        let (g, s) = brute_integer(alpha, c, gamma_max, &v);
        prop_assert!((got.speedup - s).abs() <= 1e-12 * s, "{} vs {}", got.speedup, s);
        // the maximiser agrees unless two γ tie to rounding
        if got.gamma != g {
            let other = expected_by_sum(alpha, got.gamma) / (got.gamma as f64 * c + v[got.gamma as usize + 1]);
            prop_assert!((other - s).abs() <= 1e-12 * s);
        }
        prop_assert_eq!(got.at_edge, got.gamma == gamma_max);
    }

    /// Affine verification v(q) = 1 + ρ(q − 1): the closed-form γ*, S* with
    /// c + ρ against a brute-force maximisation over a fine γ grid of
    /// E(α, γ)/(γ·c + 1 + ρ·γ), and its integer γ against the exhaustive
    /// integer search.
    #[test]
    fn affine_verification_closed_form_matches_brute_force(
        alpha in 0.3f64..0.95,
        c in 0.001f64..0.2,
        rho in 0.0f64..0.1,
    ) {
        let o = optimum_affine_verify(alpha, c, rho);
        prop_assume!(o.helps && o.gamma_star > 0.05 && o.gamma_star < 60.0);
        let s_at = |g: f64| speedup_measured(alpha, g, c, 1.0 + rho * g);
        let (mut bg, mut bs) = (0.0, 1.0);
        let mut g = 0.0;
        while g <= 80.0 {
            let s = s_at(g);
            if s > bs {
                bs = s;
                bg = g;
            }
            g += 1e-3;
        }
        prop_assert!((o.speedup_star - bs).abs() <= 1e-6 * bs, "S* {} vs grid {}", o.speedup_star, bs);
        prop_assert!(o.speedup_star >= bs * (1.0 - 1e-12));
        prop_assert!((o.gamma_star - bg).abs() < 2e-3 * o.gamma_star.max(1.0), "γ* {} vs grid {}", o.gamma_star, bg);
        let v: Vec<f64> = (0..=200).map(|q| 1.0 + rho * (q as f64 - 1.0)).collect();
        let (gi, si) = brute_integer(alpha, c, 199, &v);
        prop_assert!((o.speedup_star_int - si).abs() <= 1e-12 * si, "int S {} vs {}", o.speedup_star_int, si);
        if o.gamma_star_int != gi {
            let other = expected_by_sum(alpha, o.gamma_star_int) / (o.gamma_star_int as f64 * (c + rho) + 1.0);
            prop_assert!((other - si).abs() <= 1e-12 * si);
        }
    }
}

/// SDSL's model is the special case v ≡ 1: the new forms give today's
/// numbers bit for bit (docs/method.md, "Speculative decoding and its speed-up" check value α = 0.7, c = 0.01).
#[test]
fn free_verification_reproduces_the_flop_model_exactly() {
    for (alpha, c) in [(0.7, 0.01), (0.648, 0.0097), (0.5, 0.2), (0.9, 0.05)] {
        assert_eq!(optimum_affine_verify(alpha, c, 0.0), optimum(alpha, c));
        for g in 1..20 {
            let g = g as f64;
            assert_eq!(
                speedup_measured(alpha, g, c, 1.0).to_bits(),
                speedup(alpha, g, c).to_bits()
            );
        }
        let o = optimum(alpha, c);
        let m = optimal_integer_measured(alpha, c, 200, |_| 1.0);
        assert_eq!((m.gamma, m.speedup), (o.gamma_star_int, o.speedup_star_int));
        assert!(!m.at_edge);
    }
    let o = optimum_affine_verify(0.7, 0.01, 0.0);
    assert!((o.gamma_star - 9.3424).abs() < 5e-5 && (o.speedup_star - 2.97231).abs() < 5e-6);
}

/// A window too short for the optimum is flagged at its edge; plain decoding
/// (γ = 0) wins when verification is too dear.
#[test]
fn the_search_flags_its_edge_and_can_choose_plain_decoding() {
    // α = 0.7, c = 0.01: the unconstrained best integer γ is 9 (γ* = 9.34)
    let m = optimal_integer_measured(0.7, 0.01, 4, |_| 1.0);
    assert_eq!((m.gamma, m.at_edge), (4, true));
    // v(q) = 10 for q ≥ 2: no γ ≥ 1 pays (E < 1/(1 − α) ≤ 3.4 < 10)
    let m = optimal_integer_measured(0.7, 0.01, 16, |q| if q == 1 { 1.0 } else { 10.0 });
    assert_eq!((m.gamma, m.speedup, m.at_edge), (0, 1.0, false));
    // γ_max = 0 searches nothing
    let m = optimal_integer_measured(0.7, 0.01, 0, |_| 1.0);
    assert_eq!((m.gamma, m.at_edge), (0, false));
}
