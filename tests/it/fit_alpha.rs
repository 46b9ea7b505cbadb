//! `sdsl fit alpha` on a synthetic acceptance table (tests/data/
//! acceptance_synthetic.csv, made by gen_acceptance_synthetic.py from the
//! published SDSL coefficients A = −0.0067, B = 0.01297, C = 0.642 plus
//! Gaussian noise of SD 0.004), bootstrap properties and bad input.
use crate::common;
use common::*;

const TABLE: &str = "tests/data/acceptance_synthetic.csv";

#[test]
fn fit_alpha_recovers_the_generating_coefficients_within_their_intervals() {
    let v = sdsl_json(&["fit", "alpha", TABLE, "--json"]);
    let g = &v["global"];
    for (k, truth) in [("A", -0.0067), ("B", 0.01297), ("C", 0.642)] {
        let ci = g["coefficients"][k]["ci95"].as_array().unwrap();
        let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
        assert!(
            lo <= truth && truth <= hi,
            "{k}: {truth} outside [{lo}, {hi}]"
        );
        assert!(g["coefficients"][k]["se"].as_f64().unwrap() > 0.0);
        assert_eq!(g["coefficients"][k]["method"], "ols-t");
    }
    assert!(num(g, "r2") > 0.9 && num(g, "adj_r2") <= num(g, "r2"));
    assert_eq!(num(g, "n"), 30.0);
    assert_eq!(v["per_target"].as_array().unwrap().len(), 6);
    assert!(v["per_target"][0]["target"].is_string() && v["per_target"][0]["r2"].is_number());
    assert!(v["cv"]["loto_rmse"].is_number() && v["cv"]["lofo_rmse"].is_number());
    let forms = v["forms"].as_array().unwrap();
    assert_eq!(forms.len(), 3);
    for w in forms.windows(2) {
        assert!(
            num(&w[0], "cv_rmse") <= num(&w[1], "cv_rmse"),
            "forms are ranked by CV error"
        );
    }
    assert!(
        v["target_term"]["needed_at_5pct"].as_bool().unwrap(),
        "B is 0.013 with SE ≈ 0.001"
    );
    // the residual noise SD (0.004) is what CV error should approach
    let loto = num(&v["cv"], "loto_rmse");
    assert!(loto > 0.002 && loto < 0.008, "LOTO RMSE {loto}");
}

#[test]
fn bootstrap_intervals_bracket_the_estimate_and_do_not_depend_on_threads() {
    let run = |t: &str| {
        let out = sdsl(&[
            "fit",
            "alpha",
            TABLE,
            "--bootstrap",
            "400",
            "--seed",
            "11",
            "--json",
            "--threads",
            t,
        ]);
        assert!(out.status.success());
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    let v: serde_json::Value = serde_json::from_slice(&one).unwrap();
    let b = &v["global"]["bootstrap"];
    for k in ["A", "B", "C", "r2"] {
        let e = &b["estimates"][k];
        let point = num(&e["percentile"], "point");
        assert_eq!(num(&e["bca"], "point"), point);
        let p = e["percentile"]["ci95"].as_array().unwrap();
        assert!(
            p[0].as_f64().unwrap() <= point && point <= p[1].as_f64().unwrap(),
            "{k} percentile"
        );
        let bca = e["bca"]["ci95"]
            .as_array()
            .unwrap_or_else(|| panic!("BCa defined for n = 30 ({k})"));
        assert!(
            bca[0].as_f64().unwrap() <= point && point <= bca[1].as_f64().unwrap(),
            "{k} BCa"
        );
    }
}

#[test]
fn the_written_alpha_law_is_accepted_by_predict() {
    let dir = tempfile::tempdir().unwrap();
    let law = dir.path().join("alpha.json");
    let v = sdsl_json(&[
        "fit",
        "alpha",
        TABLE,
        "--out",
        law.to_str().unwrap(),
        "--json",
    ]);
    let p = sdsl_json(&[
        "predict",
        "--target-params",
        "12.85e9",
        "--target-tokens",
        "1.8e11",
        "--alpha-law",
        law.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(
        p["alpha_law"]["A"],
        v["global"]["coefficients"]["A"]["point"]
    );
}

fn bad(file: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("alpha.json");
    let err = sdsl_fails(&[
        "fit",
        "alpha",
        &format!("tests/data/bad_alpha/{file}"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!out.exists(), "nothing written on failure");
    for n in needles {
        assert!(err.contains(n), "{file}: expected '{n}' in: {err}");
    }
}

#[test]
fn bad_acceptance_tables_are_refused_with_row_column_and_fix() {
    bad(
        "alpha_out_of_range.csv",
        &[
            "alpha_out_of_range.csv",
            "row 2",
            "column 'alpha'",
            "strictly between 0 and 1",
        ],
    );
    bad("conflicting.csv", &["rows 1 and 3", "different values"]);
    bad(
        "single_draft.csv",
        &[
            "target 't2' has a single draft",
            "row 3",
            "at least two drafts",
        ],
    );
    bad(
        "missing_col.csv",
        &[
            "missing column 'target_ppl'",
            "draft, target, draft_ppl, alpha",
        ],
    );
    bad("ppl_below_one.csv", &["row 1", "column 'draft_ppl'", "≥ 1"]);
}

/// Issue #15 item 4: one target whose α is the same for every draft made
/// statrs panic (XOutOfRange in the incomplete beta function: a t statistic
/// of 0/0). The degenerate per-target fit must give undefined (null) p
/// values, not a panic; the global fit stays usable.
const CONSTANT_ONE_TARGET: &str = "draft,target,draft_ppl,target_ppl,alpha
d1,T1,10,8,0.69
d2,T1,20,8,0.64
d3,T1,30,8,0.60
d1,T2,10,6,0.5
d2,T2,20,6,0.5
d3,T2,30,6,0.5
";

#[test]
fn a_target_with_constant_alpha_gives_undefined_intervals_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("constant.csv");
    std::fs::write(&f, CONSTANT_ONE_TARGET).unwrap();
    for extra in [&[][..], &["--bootstrap", "200"][..]] {
        let mut args = vec!["fit", "alpha", f.to_str().unwrap(), "--json", "--quiet"];
        args.extend_from_slice(extra);
        let out = sdsl(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(out.status.code(), Some(0), "{err}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let t2 = v["per_target"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["target"] == "T2")
            .expect("T2's own fit is reported");
        // T2's slope is exactly 0 with a zero standard error: t = 0/0, so its
        // p value, and the F test's (0/0 too), are undefined (null)
        assert!(
            t2["coefficients"]["A"]["p"].is_null(),
            "{}",
            t2["coefficients"]
        );
        assert!(t2["f_p"].is_null(), "{}", t2["f_p"]);
        assert_eq!(num(&t2["coefficients"]["A"], "point"), 0.0);
        assert_eq!(num(&v["global"], "n"), 6.0);
    }
}

/// Issue #15 item 6: `--threads` was unbounded (thousands of threads).
#[test]
fn threads_above_four_per_core_are_refused_naming_the_cap() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cap = 4 * cores;
    let over = (cap + 1).to_string();
    for t in [over.as_str(), "99999999999"] {
        let err = sdsl_fails(&["fit", "alpha", TABLE, "--threads", t]);
        assert!(
            err.contains("--threads") && err.contains(&format!("at most {cap}")),
            "{err}"
        );
    }
    let ok = sdsl(&[
        "fit",
        "alpha",
        TABLE,
        "--threads",
        &cap.to_string(),
        "--json",
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn a_rank_deficient_fit_names_the_file_the_fit_and_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("acc.csv");
    // target T1's drafts all have draft ppl 10: its line has no slope to fit
    std::fs::write(
        &p,
        "draft,target,draft_ppl,target_ppl,alpha\n\
         a,T1,10,6,0.60\nb,T1,10,6,0.62\nc,T1,10,6,0.64\n\
         a,T2,10,7,0.61\nb,T2,20,7,0.55\nc,T2,30,7,0.50\n",
    )
    .unwrap();
    let err = sdsl_fails(&["fit", "alpha", p.to_str().unwrap()]);
    for needle in [
        "acc.csv",
        "the fit for target 'T1'",
        "rows 1, 2, 3",
        "rank-deficient",
    ] {
        assert!(err.contains(needle), "expected '{needle}' in {err}");
    }
}

#[test]
fn out_may_not_overwrite_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("acc.csv");
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/acceptance_synthetic.csv");
    std::fs::copy(&src, &p).unwrap();
    let before = std::fs::read(&p).unwrap();
    let err = sdsl_fails(&[
        "fit",
        "alpha",
        p.to_str().unwrap(),
        "--out",
        p.to_str().unwrap(),
    ]);
    assert!(err.contains("is the input file"), "{err}");
    assert_eq!(std::fs::read(&p).unwrap(), before);
}
