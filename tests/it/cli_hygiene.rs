//! The command line as a new user meets it: a closed pipe ends quietly, a
//! missing file names its cause once, `--json` errors are one JSON object on
//! stderr, and shell completions are printed.
use crate::common;
use common::*;
use std::io::Read;
use std::process::{Command, Stdio};

#[test]
fn a_closed_stdout_ends_the_process_quietly_with_exit_0() {
    for args in [&["nstar", "table"][..], &["completions", "bash"][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sdsl"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // close the pipe before the command writes (as `| head -1` does
        // once it has its line): every write then fails with EPIPE
        drop(child.stdout.take());
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn a_missing_file_names_its_cause_once() {
    let out = sdsl(&["fit", "loss", "/no/such/table.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert!(err.contains("/no/such/table.csv"), "{err}");
}

#[test]
fn json_errors_are_one_json_object_with_kind_message_path_row_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "N,D,loss\n1e8,1e9,2.5\n2e8,oops,2.4\n").unwrap();
    let out = sdsl(&["fit", "loss", bad.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let v: serde_json::Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let e = &v["error"];
    assert_eq!(e["kind"], "data");
    assert_eq!(e["path"], bad.to_str().unwrap());
    assert_eq!(e["row"], 2);
    assert_eq!(e["column"], "D");
    assert!(e["message"].as_str().unwrap().contains("oops"));
    // a usage error (clap's) is JSON too, with exit 2
    let out = sdsl(&["predict", "--no-such-flag", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(v["error"]["kind"], "usage");
    assert!(v["error"]["path"].is_null());
}

#[test]
fn completions_are_printed_for_bash() {
    let out = sdsl(&["completions", "bash"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("_sdsl()") && text.contains("refit"),
        "{}",
        &text[..200.min(text.len())]
    );
}

/// Runs `sdsl` with stdout sent to `/dev/full` (every write fails with
/// ENOSPC, as on a full disk).
fn sdsl_into_dev_full(args: &[&str]) -> std::process::Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full (Linux)");
    Command::new(env!("CARGO_BIN_EXE_sdsl"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// Issue #27, bug 1: only a closed pipe may end quietly; a write that fails
/// for any other reason (here ENOSPC) is an error with exit 1 that says so.
/// Covers the three ways the commands write: `println!` tables, pretty JSON
/// and `write_stdout` (completions).
#[test]
fn a_failed_write_to_stdout_is_an_error_not_a_success() {
    for args in [
        &["nstar", "table", "--csv"][..],
        &["predict", "--target", "OPT-13B", "--json"][..],
        &["completions", "bash"][..],
    ] {
        let out = sdsl_into_dev_full(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("No space left on device"), "{args:?}: {err}");
        assert!(err.contains("stdout"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    // with --json the failure is the one JSON object on stderr
    let out = sdsl_into_dev_full(&["predict", "--target", "OPT-13B", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("No space left on device"),
        "{v}"
    );
}

/// Issue #27, bug 3: an `--out` that names a FIFO is written through the
/// FIFO (as a shell redirection would), not replaced by a regular file.
#[test]
fn an_out_fifo_is_written_in_place_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("profile.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    // the reader is a child process, so a test run against a writer that
    // replaces the FIFO (and so never opens it) can still end
    let mut reader = Command::new("cat")
        .arg(&fifo)
        .stdout(Stdio::piped())
        .spawn()
        .expect("cat");
    let out = sdsl(&[
        "fit",
        "latency",
        "datasets/hardware/h200_decode_latency.csv",
        "--bootstrap",
        "0",
        "--out",
        fifo.to_str().unwrap(),
    ]);
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    if !(out.status.success() && kind.is_fifo()) {
        let _ = reader.kill();
        let _ = reader.wait();
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(kind.is_fifo(), "the FIFO was replaced: {kind:?}");
    let text = String::from_utf8(reader.wait_with_output().unwrap().stdout).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).expect("the profile came through");
    assert_eq!(v["kind"], "latency_profile");
    // no temporary left behind
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

/// Issue #27, bug 3: a symbolic link given as `--out` stays a link; its
/// target receives the file.
#[test]
fn an_out_symlink_is_followed_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.json");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = sdsl(&[
        "fit",
        "latency",
        "datasets/hardware/h200_decode_latency.csv",
        "--bootstrap",
        "0",
        "--out",
        link.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&real).unwrap()).unwrap();
    assert_eq!(v["kind"], "latency_profile");
}

/// Issue #27: with `--json`, stderr carries exactly one JSON object: the
/// warnings go inside it (here the eager H200 profile's warnings about
/// measured verification ratios below 1) instead of `warning:` lines.
#[test]
fn json_warnings_are_inside_the_one_stderr_object() {
    let args = [
        "predict",
        "--target",
        "OPT-13B",
        "--cost-model",
        "latency:h200-eager",
        "--json",
    ];
    // without --json the same run prints warning lines
    let plain = sdsl(&args[..5]);
    assert!(plain.status.success());
    let plain_err = String::from_utf8_lossy(&plain.stderr);
    assert!(plain_err.contains("warning: "), "{plain_err}");
    let out = sdsl(&args);
    assert!(out.status.success());
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("stdout is JSON");
    let v: serde_json::Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let w = v["warnings"].as_array().expect("a warnings array");
    assert_eq!(w.len(), plain_err.matches("warning: ").count(), "{v}");
    // a failure carries the warnings given before it
    let out = sdsl(&[
        "predict",
        "--target",
        "no-such-model",
        "--cost-model",
        "latency:h200-eager",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(v["error"]["message"].as_str().is_some(), "{v}");
    assert!(!v["warnings"].as_array().unwrap().is_empty(), "{v}");
}

/// Issue #27: `--threads` beyond the cap is a usage error (exit 2) like
/// every other bad flag value.
#[test]
fn too_many_threads_is_a_usage_error() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let too_many = (4 * cores + 1).to_string();
    for t in [too_many.as_str(), "0"] {
        let out = sdsl(&["--threads", t, "nstar", "table"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "--threads {t}: {err}");
        assert!(err.contains("--threads"), "{err}");
    }
}

/// Issue #27: an `SDSL_SIMD` that is not UTF-8 is refused, not ignored.
#[test]
fn a_non_utf8_simd_level_is_refused() {
    use std::os::unix::ffi::OsStrExt;
    let out = Command::new(env!("CARGO_BIN_EXE_sdsl"))
        .args(["nstar", "table"])
        .env("SDSL_SIMD", std::ffi::OsStr::from_bytes(b"avx\xff"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("SDSL_SIMD") && err.contains("UTF-8"), "{err}");
}

/// Issue #27: a law file that starts with a UTF-8 byte-order mark is read
/// like the table readers read one.
#[test]
fn a_law_file_with_a_byte_order_mark_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let law = dir.path().join("loss.json");
    std::fs::write(
        &law,
        "\u{feff}{\"kind\": \"loss\", \"E\": 1.82, \"A\": 482.0, \"B\": 2085.0, \"alpha\": 0.3478, \"beta\": 0.3658, \"source\": \"Besiroglu et al. 2024\"}\n",
    )
    .unwrap();
    let with_bom = sdsl_json(&[
        "predict",
        "--target",
        "OPT-13B",
        "--loss-law",
        law.to_str().unwrap(),
        "--json",
    ]);
    std::fs::write(
        &law,
        std::fs::read_to_string(&law)
            .unwrap()
            .trim_start_matches('\u{feff}'),
    )
    .unwrap();
    let without = sdsl_json(&[
        "predict",
        "--target",
        "OPT-13B",
        "--loss-law",
        law.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(with_bom["n_star"], without["n_star"]);
}
