//! `sdsl refit`: regenerating the reports reproduces the committed
//! `reports/` byte for byte on one and two threads (so CI fails when code or
//! data change without a refit), and a bad manifest stops with an error
//! naming its line while leaving the output directory untouched.
mod common;
use common::*;
use std::path::Path;

fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(
                files(&p)
                    .into_iter()
                    .map(|f| format!("{}/{f}", p.file_name().unwrap().to_str().unwrap())),
            );
        } else {
            out.push(p.file_name().unwrap().to_str().unwrap().to_string());
        }
    }
    out.sort();
    out
}

#[test]
fn refit_reproduces_the_committed_reports_on_one_and_two_threads() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
    let want = files(&committed);
    assert!(want.contains(&"report.md".to_string()) && want.contains(&"report.json".to_string()));
    assert!(want.iter().any(|f| f.ends_with(".png")) && want.iter().any(|f| f.ends_with(".svg")));
    for threads in ["1", "2"] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("reports");
        let run = sdsl(&[
            "refit",
            "--out",
            out.to_str().unwrap(),
            "--threads",
            threads,
            "--quiet",
        ]);
        assert!(
            run.status.success(),
            "refit failed: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert_eq!(files(&out), want, "same file set ({threads} threads)");
        for f in &want {
            let a = std::fs::read(committed.join(f)).unwrap();
            let b = std::fs::read(out.join(f)).unwrap();
            assert!(
                a == b,
                "{f} differs from the committed reports/ ({threads} threads): run `just refit` and commit"
            );
        }
    }
}

fn bad_manifest(text: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("datasets")
        .join(".test-manifest.toml");
    // a manifest inside datasets/ so that its relative paths resolve
    let manifest = tempfile::Builder::new()
        .prefix(".test-manifest")
        .suffix(".toml")
        .tempfile_in(manifest.parent().unwrap())
        .unwrap();
    std::fs::write(manifest.path(), text).unwrap();
    let out = dir.path().join("reports");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("sentinel"), "untouched").unwrap();
    let err = sdsl_fails(&[
        "refit",
        "--manifest",
        manifest.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    for n in needles {
        assert!(err.contains(n), "expected '{n}' in: {err}");
    }
    assert_eq!(
        files(&out),
        vec!["sentinel".to_string()],
        "the output directory is left exactly as it was"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("sentinel")).unwrap(),
        "untouched"
    );
}

const GOOD: &str = "seed = 1\nregistry = \"models.csv\"\n[loss]\npath = \"chinchilla/svg_extracted_data.csv\"\ndrop_highest = 5\ngrid = \"init\"\nbootstrap = 20\n";

#[test]
fn a_manifest_naming_a_missing_file_stops_at_its_line() {
    bad_manifest(
        &GOOD.replace("chinchilla/svg_extracted_data.csv", "chinchilla/nope.csv"),
        &["line 4 (loss.path)", "nope.csv", "not found"],
    );
}

#[test]
fn a_bad_setting_stops_at_its_line() {
    bad_manifest(
        &format!("{GOOD}objective = \"l1\"\n"),
        &["line 8 (loss.objective)", "huber, huber-mle or lsq"],
    );
    bad_manifest(
        &format!("{GOOD}[nstar]\ncost_model = \"cheap\"\n"),
        &["line 9 (nstar.cost_model)", "affine:T0,K"],
    );
    bad_manifest(
        &format!("{GOOD}[nstar]\ntargets = [\"GPT-9\"]\n"),
        &["nstar.targets", "unknown target 'GPT-9'"],
    );
    bad_manifest(
        "seed = 1\nregistry = \"models.csv\"\n[loss]\npath = 5\n",
        &["line 4"],
    );
}

#[test]
fn a_table_that_fails_validation_stops_with_the_manifest_line() {
    let bad =
        format!("{GOOD}[alpha]\ntables = [\"../tests/data/bad_alpha/alpha_out_of_range.csv\"]\n");
    bad_manifest(
        &bad,
        &[
            "line 9 (alpha.tables)",
            "alpha_out_of_range.csv",
            "row 2",
            "column 'alpha'",
        ],
    );
}

const LAB: &str = "[lab]\nloss = \"lab/loss.csv\"\nacceptance = \"lab/acceptance.csv\"\nlogs = \"lab/acceptance_logs.csv\"\nspeculative = \"lab/speculative.csv\"\n";

#[test]
fn lab_settings_stop_at_their_line() {
    // GOOD has 7 lines; [lab] is line 8, its keys lines 9–12.
    bad_manifest(
        &format!(
            "{GOOD}{}",
            LAB.replace("lab/acceptance_logs.csv", "lab/none.csv")
        ),
        &["line 11 (lab.logs)", "none.csv", "not found"],
    );
    bad_manifest(
        &format!("{GOOD}{LAB}temperature = -1\n"),
        &["line 13 (lab.temperature)", "≥ 0"],
    );
    bad_manifest(
        &format!("{GOOD}{LAB}temperature = 0.7\n"),
        &[
            "line 13 (lab.temperature)",
            "no row at temperature 0.7",
            "temperatures 1, 0",
        ],
    );
    bad_manifest(
        &format!("{GOOD}{LAB}loss_bootstrap = 1\n"),
        &["line 13 (lab.loss_bootstrap)", "2..=100000"],
    );
}

#[test]
fn fit_alpha_refuses_mixed_temperatures_and_selects_one() {
    let lab = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/lab/acceptance.csv");
    let f = lab.to_str().unwrap();
    let err = sdsl_fails(&["fit", "alpha", f]);
    assert!(
        err.contains("mix temperatures 1 and 0") && err.contains("--temperature"),
        "{err}"
    );
    let one = sdsl_json(&["fit", "alpha", f, "--temperature", "1", "--json"]);
    let rows = one["global"]["n"].as_u64().unwrap();
    let total = std::fs::read_to_string(&lab).unwrap().lines().count() as u64 - 1;
    assert_eq!(2 * rows, total, "half the rows are at temperature 1");
    let err = sdsl_fails(&["fit", "alpha", f, "--temperature", "0.5"]);
    assert!(err.contains("no row at temperature 0.5"), "{err}");
}
