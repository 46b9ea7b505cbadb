//! `sdsl predict`.
use crate::common;
use common::*;
use std::io::Write;

/// docs/method.md, "Finding N*" check value (independent computation): OPT-13B target,
/// M = 12.85e9, Dt = Dd = 1.8e11, published SDSL α coefficients and the
/// Besiroglu et al. constants → N* ≈ 117.3M, α ≈ 0.648, γ* ≈ 8.10, S* ≈ 2.59.
#[test]
fn predict_reproduces_the_opt13b_check_value() {
    let v = sdsl_json(&[
        "predict",
        "--target-params",
        "12.85e9",
        "--target-tokens",
        "1.8e11",
        "--draft-tokens",
        "1.8e11",
        "--json",
    ]);
    for key in [
        "n_star",
        "n_star_over_m",
        "alpha",
        "gamma_star",
        "gamma_star_int",
        "speedup",
        "speedup_int",
        "tokens_per_flop",
        "draft_ppl",
        "target_ppl",
    ] {
        assert!(v[key].is_number(), "missing {key}");
    }
    let n = num(&v, "n_star");
    assert!((n / 117.3e6 - 1.0).abs() < 0.005, "N* = {n}");
    assert!((num(&v, "alpha") - 0.648).abs() < 0.0005);
    assert!((num(&v, "gamma_star") - 8.10).abs() < 0.005);
    assert!((num(&v, "speedup") - 2.59).abs() < 0.005);
    assert!((num(&v, "n_star_over_m") - n / 12.85e9).abs() < 1e-15);
    assert!((num(&v, "tokens_per_flop") - num(&v, "speedup") / (2.0 * 12.85e9)).abs() < 1e-25);
}

#[test]
fn predict_by_registry_name_matches_predict_by_size() {
    let by_name = sdsl_json(&[
        "predict",
        "--target",
        "OPT-13B",
        "--draft-family",
        "OPT",
        "--json",
    ]);
    let by_size = sdsl_json(&[
        "predict",
        "--target-params",
        "12.85e9",
        "--target-tokens",
        "1.8e11",
        "--json",
    ]);
    assert_eq!(by_name["n_star"], by_size["n_star"]);
    let drafts = by_name["family_drafts"].as_array().unwrap();
    assert_eq!(drafts.len(), 4, "OPT-125M..2.7B");
    assert!(by_name["best_family_draft"].is_string());
    // no family draft beats the continuous optimum
    for d in drafts {
        assert!(num(d, "speedup") <= num(&by_name, "speedup") + 1e-12);
    }
}

#[test]
fn predict_accepts_a_law_file_path() {
    let v = sdsl_json(&[
        "predict",
        "--target-params",
        "12.85e9",
        "--target-tokens",
        "1.8e11",
        "--loss-law",
        "datasets/laws/besiroglu2024.json",
        "--alpha-law",
        "datasets/laws/sdsl2026.json",
        "--json",
    ]);
    assert!((num(&v, "n_star") / 117.3e6 - 1.0).abs() < 0.005);
}

#[test]
fn predict_rejects_bad_sizes() {
    for bad in ["NaN", "-5", "0", "inf", "x"] {
        let err = sdsl_fails(&["predict", "--target-params", bad, "--target-tokens", "1e11"]);
        assert!(err.contains("--target-params"), "{err}");
    }
    let err = sdsl_fails(&["predict", "--target-params", "1e10"]);
    assert!(err.contains("--target-tokens"), "{err}");
}

#[test]
fn predict_lists_known_names_for_unknown_target_or_family() {
    let err = sdsl_fails(&["predict", "--target", "GPT-9"]);
    assert!(
        err.contains("unknown target 'GPT-9'")
            && err.contains("OPT-13B")
            // the bundled registry's 13 targets: 10 listed (the cap on lists
            // in messages), then the count of the rest
            && err.contains("(and 3 more)"),
        "{err}"
    );
    let err = sdsl_fails(&["predict", "--target", "OPT-13B", "--draft-family", "Mamba"]);
    assert!(
        err.contains("unknown draft family 'Mamba'") && err.contains("Qwen1.5"),
        "{err}"
    );
}

fn temp_law(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

#[test]
fn predict_rejects_malformed_law_files() {
    let f = temp_law(r#"{"A": -0.0067, "B": 0.01297}"#);
    let err = sdsl_fails(&[
        "predict",
        "--target-params",
        "1e10",
        "--target-tokens",
        "1e11",
        "--alpha-law",
        f.path().to_str().unwrap(),
    ]);
    assert!(err.contains("missing field `C`"), "{err}");
    let f = temp_law("not json");
    let err = sdsl_fails(&[
        "predict",
        "--target-params",
        "1e10",
        "--target-tokens",
        "1e11",
        "--loss-law",
        f.path().to_str().unwrap(),
    ]);
    assert!(err.contains("law file"), "{err}");
    let f = temp_law(r#"{"kind": "alpha", "A": 1, "B": 1, "C": 1}"#);
    let err = sdsl_fails(&[
        "predict",
        "--target-params",
        "1e10",
        "--target-tokens",
        "1e11",
        "--loss-law",
        f.path().to_str().unwrap(),
    ]);
    assert!(err.contains("'alpha' law"), "{err}");
    let f = temp_law(r#"{"E": 1.8, "A": -3, "B": 2000, "alpha": 0.3, "beta": 0.3}"#);
    let err = sdsl_fails(&[
        "predict",
        "--target-params",
        "1e10",
        "--target-tokens",
        "1e11",
        "--loss-law",
        f.path().to_str().unwrap(),
    ]);
    assert!(err.contains("A = -3"), "{err}");
    let err = sdsl_fails(&[
        "predict",
        "--target-params",
        "1e10",
        "--target-tokens",
        "1e11",
        "--loss-law",
        "nonexistent",
    ]);
    assert!(err.contains("besiroglu2024"), "{err}");
}

#[test]
fn predict_explains_an_alpha_law_that_leaves_the_unit_interval() {
    let f = temp_law(
        r#"{"kind": "alpha", "A": 0.01, "B": 0.0, "C": 1.0, "source": "alpha > 1 everywhere"}"#,
    );
    let err = sdsl_fails(&[
        "predict",
        "--target-params",
        "1e10",
        "--target-tokens",
        "1e11",
        "--alpha-law",
        f.path().to_str().unwrap(),
    ]);
    assert!(err.contains("outside (0, 1)"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

#[test]
fn predict_explains_that_a_fixed_cost_ratio_is_degenerate() {
    let err = sdsl_fails(&[
        "predict",
        "--target-params",
        "1e10",
        "--target-tokens",
        "1e11",
        "--cost-model",
        "fixed:0.01",
    ]);
    assert!(err.contains("degenerate"), "{err}");
    let err = sdsl_fails(&[
        "predict",
        "--target-params",
        "1e10",
        "--target-tokens",
        "1e11",
        "--cost-model",
        "affine:1",
    ]);
    assert!(err.contains("affine"), "{err}");
}

/// An affine latency model with a large fixed overhead makes small drafts
/// relatively expensive, which pushes N* up compared with c = N/M.
#[test]
fn predict_affine_cost_model_moves_n_star_up() {
    let base = sdsl_json(&[
        "predict",
        "--target-params",
        "12.85e9",
        "--target-tokens",
        "1.8e11",
        "--json",
    ]);
    let aff = sdsl_json(&[
        "predict",
        "--target-params",
        "12.85e9",
        "--target-tokens",
        "1.8e11",
        "--cost-model",
        "affine:1e7,1",
        "--json",
    ]);
    assert!(num(&aff, "n_star") > num(&base, "n_star"));
    assert!(num(&aff, "speedup") < num(&base, "speedup"));
}

/// Issue #27, bug 7: registry names that differ only in case. An exact
/// match wins; else a unique case-insensitive match; a name that matches
/// several rows only up to case is refused with every candidate listed.
#[test]
fn registry_names_that_differ_only_in_case_resolve_exactly_or_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let reg = dir.path().join("models.csv");
    std::fs::write(
        &reg,
        "name,family,role,params,tokens,source\n\
         OPT-125M,OPT,draft,1.25e8,1.8e11,upper\n\
         opt-350m,opt,draft,3.31e8,1.8e11,lower\n\
         OPT-13B,OPT,target,1.285e10,1.8e11,upper\n\
         opt-13b,opt,target,2.6e10,1.8e11,lower\n\
         Big-70B,Big,target,7e10,1.8e11,unique\n",
    )
    .unwrap();
    let r = reg.to_str().unwrap();
    let predict = |extra: &[&str]| {
        let mut a = vec!["predict", "--registry", r, "--json"];
        a.extend_from_slice(extra);
        sdsl_json(&a)
    };
    let v = predict(&["--target", "opt-13b"]);
    assert_eq!(v["target"], "opt-13b", "{v}");
    assert_eq!(num(&v, "target_params"), 2.6e10);
    let v = predict(&["--target", "OPT-13B"]);
    assert_eq!(v["target"], "OPT-13B", "{v}");
    assert_eq!(num(&v, "target_params"), 1.285e10);
    // a unique case-insensitive match still resolves
    let v = predict(&["--target", "big-70b"]);
    assert_eq!(v["target"], "Big-70B", "{v}");
    // draft families follow the same rule
    let v = predict(&["--target", "OPT-13B", "--draft-family", "opt"]);
    assert_eq!(v["draft_family"], "opt", "{v}");
    assert_eq!(v["family_drafts"][0]["name"], "opt-350m", "{v}");
    let v = predict(&["--target", "OPT-13B", "--draft-family", "OPT"]);
    assert_eq!(v["family_drafts"][0]["name"], "OPT-125M", "{v}");
    for (flag, name) in [("--target", "Opt-13b"), ("--draft-family", "Opt")] {
        let mut a = vec!["predict", "--registry", r, flag, name];
        if flag == "--draft-family" {
            a.extend(["--target", "OPT-13B"]);
        }
        let err = sdsl_fails(&a);
        let (upper, lower) = if flag == "--target" {
            ("OPT-13B", "opt-13b")
        } else {
            ("OPT", "opt")
        };
        assert!(
            err.contains(&format!("'{name}'"))
                && err.contains("ambiguous")
                && err.contains(&format!("{upper}, {lower}")),
            "{err}"
        );
    }
}
