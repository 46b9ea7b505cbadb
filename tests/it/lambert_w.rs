//! Lambert W accuracy: against mpmath reference values (tests/data/
//! lambert_w_mpmath.csv, made by tests/data/gen_lambert_w.py at 60 digits),
//! the defining equation as a property, and monotonicity of W₋₁.

use proptest::prelude::*;
use sdsl::law::lambert_w::{lambert_w0, lambert_wm1, lambert_wm1_from_log};

const REFERENCE: &str = include_str!("../data/lambert_w_mpmath.csv");
const ONE_OVER_E: f64 = 0.36787944117144233;

fn reference() -> Vec<(f64, f64, Option<f64>)> {
    REFERENCE
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let wm1 = if f[2].is_empty() {
                None
            } else {
                Some(f[2].parse().unwrap())
            };
            (f[0].parse().unwrap(), f[1].parse().unwrap(), wm1)
        })
        .collect()
}

fn rel(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        a.abs()
    } else {
        ((a - b) / b).abs()
    }
}

#[test]
fn both_branches_match_mpmath_to_1e13_including_next_to_the_branch_point() {
    let refs = reference();
    assert!(refs.len() >= 60);
    let near_branch = refs
        .iter()
        .filter(|(x, _, _)| (x + ONE_OVER_E).abs() < 1e-12)
        .count();
    assert!(
        near_branch >= 8,
        "reference must probe within 1e-12 of -1/e"
    );
    for (x, w0, wm1) in refs {
        let got = lambert_w0(x);
        assert!(rel(got, w0) <= 1e-13, "W0({x:e}) = {got:e}, mpmath {w0:e}");
        if let Some(wm1) = wm1 {
            let got = lambert_wm1(x);
            assert!(
                rel(got, wm1) <= 1e-13,
                "W-1({x:e}) = {got:e}, mpmath {wm1:e}"
            );
            let via_log = lambert_wm1_from_log((-x).ln());
            // ln(-x) itself carries a relative rounding of 1 ulp, which W-1
            // amplifies by at most |1/(1+w)| near the branch point.
            let tol = 1e-13 + 4.0 * f64::EPSILON / (1.0 + wm1).abs();
            assert!(
                rel(via_log, wm1) <= tol,
                "log-domain W-1({x:e}) = {via_log:e}, mpmath {wm1:e}"
            );
        }
    }
}

/// Residual |W·e^W − x| scaled by the conditioning |x|·(1 + |W|): the
/// evaluation of W·e^W itself has relative error ≈ ε·|W|.
fn residual_ok(x: f64, w: f64) -> bool {
    let r = w * w.exp() - x;
    r.abs() <= 8.0 * f64::EPSILON * x.abs() * (1.0 + w.abs()) + f64::MIN_POSITIVE
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn w0_satisfies_its_defining_equation(x in -ONE_OVER_E..1e6f64) {
        let w = lambert_w0(x);
        prop_assert!(w >= -1.0);
        prop_assert!(residual_ok(x, w), "x={x:e} w={w:e}");
    }

    #[test]
    fn w0_satisfies_its_defining_equation_on_a_log_scale(e in -300.0..300.0f64) {
        let x = 10f64.powf(e);
        let w = lambert_w0(x);
        prop_assert!(residual_ok(x, w), "x={x:e} w={w:e}");
    }

    #[test]
    fn wm1_satisfies_its_defining_equation(x in -ONE_OVER_E..0.0f64) {
        prop_assume!(x < 0.0);
        let w = lambert_wm1(x);
        prop_assert!(w <= -1.0);
        prop_assert!(residual_ok(x, w), "x={x:e} w={w:e}");
    }

    #[test]
    fn wm1_satisfies_its_defining_equation_on_a_log_scale(e in -300.0..-0.44f64) {
        let x = -(10f64.powf(e));
        prop_assume!(x >= -ONE_OVER_E);
        let w = lambert_wm1(x);
        prop_assert!(residual_ok(x, w), "x={x:e} w={w:e}");
    }

    #[test]
    fn wm1_is_monotone_decreasing(a in -ONE_OVER_E..0.0f64, b in -ONE_OVER_E..0.0f64) {
        prop_assume!(a < 0.0 && b < 0.0);
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        prop_assert!(lambert_wm1(lo) >= lambert_wm1(hi));
    }

    #[test]
    fn wm1_from_log_satisfies_the_log_equation_everywhere(t in -1e12..-1.0f64) {
        let w = lambert_wm1_from_log(t);
        prop_assert!(w <= -1.0);
        let r = (w + (-w).ln() - t) / t.abs().max(1.0);
        prop_assert!(r.abs() <= 4.0 * f64::EPSILON * (1.0 + (-w).ln().abs()), "t={t:e} w={w:e} r={r:e}");
    }

    #[test]
    fn wm1_from_log_is_monotone(a in -1e6..-1.0f64, b in -1e6..-1.0f64) {
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        // t = ln(−x) grows as x moves towards −1/e, where W₋₁ rises to −1
        prop_assert!(lambert_wm1_from_log(lo) <= lambert_wm1_from_log(hi));
    }
}
