//! `sdsl speedup`.
use crate::common;
use common::*;

/// docs/method.md, "Speculative decoding and its speed-up" check values (independent brute force over a fine γ grid):
/// α = 0.7, c = 0.01 → γ* = 9.3424, S* = 2.97231.
#[test]
fn speedup_reproduces_the_spec_check_values() {
    let v = sdsl_json(&[
        "speedup",
        "--alpha",
        "0.7",
        "--cost-ratio",
        "0.01",
        "--json",
    ]);
    assert!((num(&v, "gamma_star") - 9.3424).abs() < 5e-5);
    assert!((num(&v, "speedup_star") - 2.97231).abs() < 5e-6);
    assert!(
        v.get("speedup").is_none(),
        "speedup is absent without --gamma"
    );
    let g = num(&v, "gamma_star_int");
    assert!(g == 9.0 || g == 10.0);
    assert!(num(&v, "speedup_star_int") <= num(&v, "speedup_star"));
}

/// Leviathan et al. (2023) Table 1 gives E = 3.69 for α = 0.8, γ = 5 (c = 0);
/// with c = 0.05 the speed-up is E/(γc + 1) = 3.69/1.25.
#[test]
fn speedup_at_a_given_gamma_follows_leviathan() {
    let v = sdsl_json(&[
        "speedup",
        "--alpha",
        "0.8",
        "--cost-ratio",
        "0.05",
        "--gamma",
        "5",
        "--json",
    ]);
    let e = (1.0 - 0.8f64.powi(6)) / 0.2;
    assert!((num(&v, "speedup") - e / 1.25).abs() < 1e-12);
    assert!((e - 3.69).abs() < 0.005);
}

#[test]
fn speedup_reports_no_integer_gain_when_cost_exceeds_alpha() {
    let v = sdsl_json(&[
        "speedup",
        "--alpha",
        "0.3",
        "--cost-ratio",
        "0.32",
        "--json",
    ]);
    assert_eq!(num(&v, "gamma_star_int"), 0.0);
    assert_eq!(num(&v, "speedup_star_int"), 1.0);
}

#[test]
fn speedup_rejects_bad_values_with_one_line() {
    for args in [
        ["--alpha", "NaN", "--cost-ratio", "0.1"],
        ["--alpha", "1.5", "--cost-ratio", "0.1"],
        ["--alpha", "0.5", "--cost-ratio", "-1"],
        ["--alpha", "0.5", "--cost-ratio", "0"],
        ["--alpha", "0.5", "--cost-ratio", "abc"],
    ] {
        let mut a = vec!["speedup"];
        a.extend(args);
        let err = sdsl_fails(&a);
        assert!(err.contains("error"), "{err}");
    }
}
