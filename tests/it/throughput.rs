//! Brute-force twins of every closed form in law::throughput.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sdsl::law::throughput::{
    expected_tokens, max_helpful_cost_ratio, optimum, speculation_helps, speedup,
};

/// dS/dγ, by differentiating S = E/(γc + 1) with E' = −α^(γ+1)·ln α/(1 − α).
fn ds_dgamma(alpha: f64, gamma: f64, c: f64) -> f64 {
    let e = expected_tokens(alpha, gamma);
    let de = -alpha.powf(gamma + 1.0) * alpha.ln() / (1.0 - alpha);
    let den = gamma * c + 1.0;
    (de * den - e * c) / (den * den)
}

/// Root of dS/dγ by bisection (S is unimodal in γ).
fn gamma_root(alpha: f64, c: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while ds_dgamma(alpha, hi, c) > 0.0 {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if ds_dgamma(alpha, mid, c) > 0.0 {
            lo = mid
        } else {
            hi = mid
        }
    }
    0.5 * (lo + hi)
}

/// Max of S over a grid: a scan in steps of 1e-2 until S falls, then a grid
/// of step 1e-7 over the two cells around the best scan point.
fn grid_max(alpha: f64, c: f64) -> (f64, f64) {
    let s = |g: f64| speedup(alpha, g, c);
    let h = 1e-2;
    let (mut best_g, mut best_s) = (0.0, s(0.0));
    let mut g = h;
    loop {
        let v = s(g);
        if v > best_s {
            best_g = g;
            best_s = v;
        } else if g > best_g + 2.0 * h {
            break;
        }
        g += h;
    }
    let lo = (best_g - h).max(0.0);
    let n = (2.0 * h / 1e-7) as usize;
    for i in 0..=n {
        let g = lo + i as f64 * 1e-7;
        let v = s(g);
        if v > best_s {
            best_g = g;
            best_s = v;
        }
    }
    (best_g, best_s)
}

fn random_helpful_cases(n: usize, seed: u64) -> Vec<(f64, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::new();
    while out.len() < n {
        let alpha: f64 = rng.random_range(0.05..0.98);
        // log-uniform c from 1e-5 up to 95% of the threshold
        let cmax = 0.95 * max_helpful_cost_ratio(alpha);
        let c = (rng.random_range((1e-5f64).ln()..cmax.ln())).exp();
        out.push((alpha, c));
    }
    // extremes: the underflow regime of W-1's argument, and near the threshold
    out.push((0.5, 1e-5));
    out.push((0.3, 2e-5));
    out.push((0.9, 0.99 * max_helpful_cost_ratio(0.9)));
    out
}

#[test]
fn continuous_optimum_matches_a_brute_force_grid_and_the_root_of_the_derivative() {
    let cases = random_helpful_cases(60, 20261129);
    assert!(cases.len() >= 50);
    for (alpha, c) in cases {
        assert!(speculation_helps(alpha, c));
        let o = optimum(alpha, c);
        let (_, s_grid) = grid_max(alpha, c);
        let root = gamma_root(alpha, c);
        assert!(
            ((o.speedup_star - s_grid) / s_grid).abs() <= 1e-9,
            "alpha={alpha} c={c}: S*={} grid {s_grid}",
            o.speedup_star
        );
        assert!(
            ((o.gamma_star - root) / root).abs() <= 1e-9,
            "alpha={alpha} c={c}: gamma*={} root {root}",
            o.gamma_star
        );
    }
}

#[test]
fn integer_optimum_matches_exhaustive_search() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for _ in 0..300 {
        let alpha: f64 = rng.random_range(0.02..0.97);
        let c: f64 = (rng.random_range((1e-4f64).ln()..(1.2f64).ln())).exp();
        let o = optimum(alpha, c);
        // exhaustive: γ = 0 (plain decoding, S = 1) .. 5000
        let (mut bg, mut bs) = (0u64, 1.0f64);
        for g in 1..=5000u64 {
            let s = speedup(alpha, g as f64, c);
            if s > bs {
                bg = g;
                bs = s;
            }
        }
        assert_eq!(o.gamma_star_int, bg, "alpha={alpha} c={c}");
        assert!((o.speedup_star_int - bs).abs() <= 1e-15 * bs);
        // an integer γ ≥ 1 helps iff c < α (S(α, 1, c) > 1)
        assert_eq!(bg > 0, c < alpha, "alpha={alpha} c={c}");
    }
}

#[test]
fn no_speculation_when_the_cost_ratio_is_above_the_threshold() {
    for alpha in [0.1, 0.5, 0.9] {
        let c = 1.0001 * max_helpful_cost_ratio(alpha);
        let o = optimum(alpha, c);
        assert!(!o.helps);
        assert_eq!((o.gamma_star, o.speedup_star), (0.0, 1.0));
        // and the brute force agrees that S never exceeds 1 for γ > 0
        let (g, s) = grid_max(alpha, c);
        assert_eq!((g, s), (0.0, 1.0));
    }
}

#[test]
fn threshold_is_where_the_slope_at_zero_vanishes() {
    for alpha in [0.2, 0.6, 0.95] {
        let c = max_helpful_cost_ratio(alpha);
        assert!(ds_dgamma(alpha, 0.0, c).abs() < 1e-12);
        assert!(ds_dgamma(alpha, 0.0, 0.99 * c) > 0.0);
        assert!(ds_dgamma(alpha, 0.0, 1.01 * c) < 0.0);
    }
}

#[test]
fn expected_tokens_matches_the_sum_of_the_capped_geometric_distribution() {
    for alpha in [0.1f64, 0.5, 0.8, 0.99] {
        for gamma in 0..20u32 {
            // E = Σ_{k=0}^{γ} α^k (tokens accepted + the one from the target)
            let direct: f64 = (0..=gamma).map(|k| alpha.powi(k as i32)).sum();
            let e = expected_tokens(alpha, gamma as f64);
            assert!(((e - direct) / direct).abs() < 1e-14);
        }
    }
}
