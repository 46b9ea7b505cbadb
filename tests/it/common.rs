//! Helpers shared by the CLI tests: run the `sdsl` binary and read JSON.
#![allow(dead_code)]

use std::process::{Command, Output};

/// Runs `sdsl` with arguments, in the repository root.
pub fn sdsl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sdsl"))
        .args(args)
        // the committed reports/ carry no commit (see report::model::Toolkit)
        .env_remove("SDSL_BUILD_COMMIT")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run sdsl")
}

/// Runs `sdsl`, requires success, parses stdout as JSON.
pub fn sdsl_json(args: &[&str]) -> serde_json::Value {
    let out = sdsl(args);
    assert!(
        out.status.success(),
        "sdsl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// Runs `sdsl`, requires failure with a one-line error and no panic; returns stderr.
pub fn sdsl_fails(args: &[&str]) -> String {
    let out = sdsl(args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        !out.status.success(),
        "sdsl {args:?} should fail; stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!err.contains("panicked"), "sdsl {args:?} panicked: {err}");
    assert!(out.stdout.is_empty(), "nothing on stdout when failing");
    err
}

/// A number from a JSON object.
pub fn num(v: &serde_json::Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("key {key} missing or not a number in {v}"))
}
