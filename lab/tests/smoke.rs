//! `sdsl-lab --smoke` runs every stage, and the same seed reproduces the
//! tables byte for byte with one or two child processes.

use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../datasets/corpus/tinyshakespeare.txt")
}

fn run(dir: &Path, jobs: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sdsl-lab"))
        .args(["--smoke", "--jobs", jobs, "--corpus"])
        .arg(corpus())
        .arg("--out")
        .arg(dir.join("out"))
        .arg("--work")
        .arg(dir.join("work"))
        .output()
        .unwrap()
}

fn read(p: PathBuf) -> String {
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn smoke_runs_every_stage_and_reproduces_its_tables() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let ra = run(a.path(), "2");
    assert!(
        ra.status.success(),
        "{}",
        String::from_utf8_lossy(&ra.stderr)
    );
    let rb = run(b.path(), "1");
    assert!(
        rb.status.success(),
        "{}",
        String::from_utf8_lossy(&rb.stderr)
    );
    for f in [
        "loss.csv",
        "acceptance.csv",
        "acceptance_logs.csv",
        "speculative.csv",
    ] {
        assert_eq!(
            read(a.path().join("out").join(f)),
            read(b.path().join("out").join(f)),
            "{f} differs between runs"
        );
    }
    let loss = read(a.path().join("out/loss.csv"));
    assert_eq!(loss.lines().count(), 1 + 3 * 2, "3 rungs × 2 budgets");
    assert!(loss.starts_with("model,layers,width,heads,N,N_total,D,"));
    let acc = read(a.path().join("out/acceptance.csv"));
    // Targets: the final checkpoints of rungs 1 and 2; drafts: every checkpoint of a smaller rung; two temperatures.
    assert_eq!(acc.lines().count(), 1 + 2 * (2 + 4));
    for line in acc.lines().skip(1) {
        let alpha: f64 = line.split(',').nth(4).unwrap().parse().unwrap();
        assert!((0.0..=1.0).contains(&alpha), "{line}");
    }
    let logs = read(a.path().join("out/acceptance_logs.csv"));
    assert_eq!(logs.lines().count(), 1 + 2 * 2 * 60);
    let manifest: serde_json::Value =
        serde_json::from_str(&read(a.path().join("out/manifest.json"))).unwrap();
    assert_eq!(
        manifest["corpus"]["sha256"],
        "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
    );
    assert_eq!(manifest["plan"]["name"], "smoke");
}

#[test]
fn a_missing_corpus_is_a_clear_error() {
    let d = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sdsl-lab"))
        .args(["--smoke", "--corpus", "no/such/corpus.txt", "--out"])
        .arg(d.path().join("out"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no/such/corpus.txt") && err.contains("cannot read the corpus"),
        "{err}"
    );
    assert!(!d.path().join("out").exists(), "no output on error");
}

#[test]
fn candle_version_in_the_manifest_is_the_locked_one() {
    let lock = read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock"));
    let at = lock
        .find("name = \"candle-core\"")
        .expect("candle-core in Cargo.lock");
    let version = lock[at..]
        .lines()
        .nth(1)
        .unwrap()
        .trim_start_matches("version = ")
        .trim_matches('"');
    assert_eq!(version, sdsl_lab::pipeline::CANDLE_VERSION);
}
