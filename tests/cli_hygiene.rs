//! The command line as a new user meets it: a closed pipe ends quietly, a
//! missing file names its cause once, `--json` errors are one JSON object on
//! stderr, and shell completions are printed.
mod common;
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
