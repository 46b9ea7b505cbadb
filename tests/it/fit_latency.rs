//! `sdsl fit latency`: the command line over the latency fit.

use crate::common;
use common::{num, sdsl, sdsl_fails, sdsl_json};

const H200: &str = "datasets/hardware/h200_decode_latency.csv";

#[test]
fn prints_both_forms_with_their_loao_errors_and_says_which_one_nstar_uses() {
    let out = sdsl(&["fit", "latency", H200, "--bootstrap", "50"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "NVIDIA H200",
        "mode graph, ctx 512, batch 1: 16 architectures",
        "affine  t = t0 + k·P",
        "depth   t = t0 + τ·layers + k·P",
        "leave-one-architecture-out",
        "N* uses: affine",
        "layer count",
        "verification ratio",
    ] {
        assert!(text.contains(needle), "missing '{needle}' in:\n{text}");
    }
}

#[test]
fn json_is_the_profile_and_out_writes_the_same_profile() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("profile.json");
    let out_s = out.to_str().unwrap();
    let v = sdsl_json(&[
        "fit",
        "latency",
        H200,
        "--mode",
        "eager",
        "--bootstrap",
        "40",
        "--seed",
        "3",
        "--json",
        "--out",
        out_s,
    ]);
    assert_eq!(v["kind"], "latency_profile");
    assert_eq!(v["selection"]["mode"], "eager");
    assert_eq!(v["nstar_form"], "affine");
    assert_eq!(num(&v, "memory_bytes"), 150754820096.0);
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written, v);
    // the table's own hash, so a profile names the exact input
    let bytes = std::fs::read(H200).unwrap();
    assert_eq!(v["source"]["sha256"], sdsl::ingest::sha256_hex(&bytes));
    assert!(num(&v["affine"]["loao"], "mean_abs") > 0.0);
    let ci = &v["bootstrap"]["estimates"]["affine.t0_ms"]["ci95"];
    assert!(ci[0].as_f64().unwrap() < ci[1].as_f64().unwrap());
}

#[test]
fn graph_and_eager_fits_differ_and_the_batched_table_selects_by_batch() {
    let g = sdsl_json(&["fit", "latency", H200, "--bootstrap", "0", "--json"]);
    let e = sdsl_json(&[
        "fit",
        "latency",
        H200,
        "--mode",
        "eager",
        "--bootstrap",
        "0",
        "--json",
    ]);
    let t0 = |v: &serde_json::Value| num(&v["affine"]["law"], "t0_ms");
    // eager decode steps are launch-bound: a larger fixed cost (SOURCE.md)
    assert!(t0(&e) > 2.0 * t0(&g), "{} vs {}", t0(&e), t0(&g));
    assert!(g["bootstrap"].is_null());
    let b = sdsl_json(&[
        "fit",
        "latency",
        "datasets/hardware/h200_decode_latency_batched.csv",
        "--batch",
        "64",
        "--bootstrap",
        "0",
        "--json",
    ]);
    assert_eq!(b["selection"]["batch"], 64);
    // no .meta for the batched table: named after the file
    assert_eq!(b["hardware"], "h200_decode_latency_batched");
    // SOURCE.md: verification is far from free at b = 64 (v(9) 3–4×)
    let l9 = b["verify"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["q"] == 9)
        .unwrap();
    let v9_13b = num(l9, "a") + num(l9, "b") * 12.84e9f64.ln();
    assert!(v9_13b > 2.0, "{v9_13b}");
}

#[test]
fn a_bad_table_is_refused_by_name_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "arch,params_total,mode,q,ctx,ms_median\nA,1e8,graph,1,512,0.8\nA,1e8,graph,2,512,-1\n",
    )
    .unwrap();
    let out = dir.path().join("profile.json");
    let err = sdsl_fails(&[
        "fit",
        "latency",
        bad.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        err.contains("bad.csv") && err.contains("row 2") && err.contains("ms_median"),
        "{err}"
    );
    assert!(!out.exists(), "nothing is written on error");
    let err = sdsl_fails(&[
        "fit",
        "latency",
        H200,
        "--ctx",
        "1000",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(err.contains("ctx 1000") && err.contains("--ctx"), "{err}");
    assert!(!out.exists());
    let err = sdsl_fails(&["fit", "latency", H200, "--mode", "jit"]);
    assert!(err.contains("jit"), "{err}");
}

/// Issue #27, bug 2: `--out` naming the table itself, or its `.meta`
/// hardware description, is refused before anything is computed, and both
/// files are left as they were.
#[test]
fn out_never_overwrites_the_table_or_its_meta() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("h200.csv");
    let meta = dir.path().join("h200.meta");
    std::fs::copy(H200, &table).unwrap();
    std::fs::copy("datasets/hardware/h200_decode_latency.meta", &meta).unwrap();
    let before = (
        std::fs::read(&table).unwrap(),
        std::fs::read(&meta).unwrap(),
    );
    let t = table.to_str().unwrap();
    for out in [t, meta.to_str().unwrap()] {
        let err = sdsl_fails(&["fit", "latency", t, "--bootstrap", "0", "--out", out]);
        assert!(err.contains("would be overwritten"), "{err}");
    }
    // an explicit --meta elsewhere is protected too
    let other = dir.path().join("device.meta");
    std::fs::copy(&meta, &other).unwrap();
    let o = other.to_str().unwrap();
    let err = sdsl_fails(&["fit", "latency", t, "--meta", o, "--out", o]);
    assert!(err.contains("would be overwritten"), "{err}");
    assert_eq!(
        (
            std::fs::read(&table).unwrap(),
            std::fs::read(&meta).unwrap()
        ),
        before
    );
}
