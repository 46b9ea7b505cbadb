//! `sdsl refit` under faults: a run killed at any moment leaves `--out`
//! either the old report or the complete new one, and the next run removes
//! what it left behind; two refits into one `--out` never mix their files
//! (the second fails at once while the first holds the lock).
use crate::common;
use common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const MANIFEST: &str = "tests/data/pipeline/refit.toml";

fn refit(out: &Path, seed: &str) -> std::process::Output {
    sdsl(&[
        "refit",
        "--manifest",
        MANIFEST,
        "--out",
        out.to_str().unwrap(),
        "--seed",
        seed,
        "--quiet",
    ])
}

/// Names beside `out` that look like a writer's temporaries.
fn debris(out: &Path) -> Vec<String> {
    let name = out.file_name().unwrap().to_str().unwrap();
    std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str().map(str::to_string))
        .filter(|n| {
            n.starts_with(&format!(".{name}.tmp-")) || n.starts_with(&format!(".{name}.old-"))
        })
        .collect()
}

fn complete(out: &Path) -> bool {
    [
        "report.md",
        "report.json",
        "figures/loss_fit.svg",
        "figures/nstar_vs_m.png",
    ]
    .iter()
    .all(|f| out.join(f).is_file())
}

#[test]
fn a_killed_refit_leaves_the_old_or_the_new_report_and_the_next_run_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let first = refit(&out, "1");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let old = std::fs::read(out.join("report.json")).unwrap();
    // kill at moments spread over the run (it takes a few seconds)
    for (k, ms) in [50u64, 900, 2200, 3500, 5000].into_iter().enumerate() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sdsl"))
            .args([
                "refit",
                "--manifest",
                MANIFEST,
                "--out",
                out.to_str().unwrap(),
            ])
            .args(["--seed", &(2 + k).to_string(), "--quiet"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        assert!(
            complete(&out),
            "kill after {ms} ms: {} is incomplete",
            out.display()
        );
        let now = std::fs::read(out.join("report.json")).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&now).unwrap();
        assert!(v["schema_version"].is_number(), "kill after {ms} ms");
        // the next run finishes and leaves nothing behind
        let next = refit(&out, "1");
        assert!(
            next.status.success(),
            "{}",
            String::from_utf8_lossy(&next.stderr)
        );
        assert_eq!(
            debris(&out),
            Vec::<String>::new(),
            "after a kill at {ms} ms"
        );
        assert_eq!(std::fs::read(out.join("report.json")).unwrap(), old);
    }
}

#[test]
fn stale_temporaries_of_dead_writers_are_removed_and_a_half_done_swap_is_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    // a previous report that a killed fallback swap left beside a missing `out`
    let old = dir.path().join(".reports.old-4000001");
    std::fs::create_dir_all(old.join("figures")).unwrap();
    std::fs::write(old.join("report.json"), "{\"schema_version\": 1}").unwrap();
    let tmp = dir.path().join(".reports.tmp-4000002");
    std::fs::create_dir_all(tmp.join("figures")).unwrap();
    std::fs::write(tmp.join("report.md"), "half written").unwrap();
    {
        let _lock = sdsl::report::write::lock_out_dir(&out).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("report.json")).unwrap(),
            "{\"schema_version\": 1}",
            "the old report is put back"
        );
        assert_eq!(debris(&out), Vec::<String>::new());
    }
}

#[test]
fn a_second_refit_into_the_same_out_fails_at_once_while_the_first_holds_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let lock = sdsl::report::write::lock_out_dir(&out).unwrap();
    let second = refit(&out, "1");
    assert_eq!(second.status.code(), Some(1));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("another sdsl refit is writing it"), "{err}");
    assert!(!out.exists(), "nothing was written");
    drop(lock);
    let third = refit(&out, "1");
    assert!(
        third.status.success(),
        "{}",
        String::from_utf8_lossy(&third.stderr)
    );
    assert!(complete(&out));
}
