//! `sdsl fit latency --roofline GPU`: the roofline law recalibrated on a
//! user's engine runs or latency table (docs/latency.md, "Recalibrating on
//! your engine"), and the profile it writes used by `speedup` and `plan`.

use crate::common::{num, sdsl, sdsl_fails, sdsl_json};

const BASELINES: [&str; 2] = [
    "datasets/engines/vllm/bench-nosd-1.7b.log",
    "datasets/engines/vllm/bench-nosd-32b.log",
];

fn recal_json(extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "fit",
        "latency",
        "--roofline",
        "h100-sxm",
        "--registry",
        "datasets/models-engines.csv",
        "--json",
        "--runs",
    ];
    args.extend(BASELINES);
    args.extend(extra);
    sdsl_json(&args)
}

/// The two vLLM baselines (Qwen3-1.7B at 2.27 ms, Qwen3-32B at 23.65 ms per
/// token, SOURCE.md) against the H100 SXM's datasheet 3.35 TB/s: a hand
/// computation on the weights alone, 2 bytes × (32.8e9 − 1.72e9) parameters
/// (registry) read in 23.65 − 2.27 ms, gives η_bw = 0.868 and
/// t0 = 2.27 − 2·1.72e9/(η_bw·BW) = 1.087 ms. The fit also reads each
/// run's KV cache (ctx 512 assumed), ≈ 0.4% of the bytes, so it agrees to
/// within that share, and reproduces both TPOTs exactly (two runs, two
/// parameters); η_fl is the H200 calibration's, and the record says so.
#[test]
fn two_vllm_baselines_recalibrate_t0_and_eta_bw_as_a_hand_computation_does() {
    let p = recal_json(&[]);
    assert_eq!(p["kind"], "roofline-runs");
    let r = &p["roofline"];
    let bw: f64 = 3.35e12;
    let eta_hand = 2.0 * (32.8e9 - 1.72e9) / bw * 1e3 / (23.65 - 2.27);
    let t0_hand = 2.27 - 2.0 * 1.72e9 / (eta_hand * bw) * 1e3;
    assert!((eta_hand - 0.868).abs() < 1e-3, "{eta_hand}");
    let (eta, t0) = (num(r, "eta_bw"), num(r, "t0_ms"));
    assert!(
        (eta - eta_hand).abs() / eta_hand < 0.005,
        "{eta} vs {eta_hand}"
    );
    assert!((t0 - t0_hand).abs() < 0.02, "{t0} vs {t0_hand}");
    let rec = &r["recalibration"];
    assert_eq!(rec["on"], "runs");
    assert_eq!(rec["eta_fl_fitted"], false);
    assert!(rec["eta_fl_source"].as_str().unwrap().contains("kept"));
    let h200 = sdsl::catalog::roofline::calibration(sdsl::ingest::latency::Mode::Graph).unwrap();
    assert_eq!(num(r, "eta_fl"), h200.eta_fl);
    assert!(r["calibrated_on"].as_str().unwrap().contains("engine runs"));
    for run in rec["runs"].as_array().unwrap() {
        let (t, f) = (num(run, "tpot_ms"), num(run, "fitted_ms"));
        assert!((t - f).abs() < 1e-9 * t, "{run}");
        // the mean batch (Little's law), not the configured concurrency 1
        let b = num(run, "mean_batch");
        assert!(b < 1.0 && b > 0.9, "{run}");
    }
}

/// The profile file works wherever `latency:FILE.json` does, and is
/// re-priced per batch: `speedup` prices the Qwen3 pair near the runs' own
/// c = 2.27/23.65 (the profile's affine law over the H200 shapes, ≈ 1%),
/// and `plan --hardware FILE.json` over three batches says which
/// calibration it used.
#[test]
fn the_recalibrated_profile_prices_speedup_and_plan_and_plan_names_its_calibration() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("h100.json");
    let fs = f.to_str().unwrap();
    let mut args = vec![
        "fit",
        "latency",
        "--roofline",
        "h100-sxm",
        "--registry",
        "datasets/models-engines.csv",
        "--out",
        fs,
        "--runs",
    ];
    args.extend(BASELINES);
    assert!(sdsl(&args).status.success());
    let cm = format!("latency:{fs}");
    let s = sdsl_json(&[
        "speedup",
        "--alpha",
        "0.79",
        "--cost-model",
        &cm,
        "--draft",
        "Qwen3-1.7B",
        "--target",
        "Qwen3-32B",
        "--registry",
        "datasets/models-engines.csv",
        "--json",
    ]);
    let c = num(&s, "cost_ratio");
    assert!((c - 2.27 / 23.65).abs() / (2.27 / 23.65) < 0.01, "{c}");
    let cm16 = format!("latency:{fs}:batch=16");
    let s16 = sdsl_json(&[
        "speedup",
        "--alpha",
        "0.79",
        "--cost-model",
        &cm16,
        "--draft",
        "Qwen3-1.7B",
        "--target",
        "Qwen3-32B",
        "--registry",
        "datasets/models-engines.csv",
        "--json",
    ]);
    assert!(num(&s16, "cost_ratio") != c, "batch 16 is re-priced");
    let plan = sdsl_json(&[
        "plan",
        "--target-params",
        "32.8e9",
        "--target-tokens",
        "36e12",
        "--drafts",
        "Qwen3-0.6B,Qwen3-1.7B",
        "--registry",
        "datasets/models-engines.csv",
        "--hardware",
        fs,
        "--batch",
        "1,4,16",
        "--json",
    ]);
    assert_eq!(plan["rows"].as_array().unwrap().len(), 6);
    assert!(
        plan["calibration"]
            .as_str()
            .unwrap()
            .contains("engine runs"),
        "{}",
        plan["calibration"]
    );
    let human = sdsl(&[
        "plan",
        "--target-params",
        "32.8e9",
        "--target-tokens",
        "36e12",
        "--drafts",
        "Qwen3-1.7B",
        "--registry",
        "datasets/models-engines.csv",
        "--hardware",
        fs,
        "--batch",
        "1,4",
    ]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("roofline calibration: engine runs"), "{text}");
}

/// A latency table measured on the GPU recalibrates all three efficiencies:
/// noiseless times from known (t0, η_bw, η_fl) on the H100 SXM's datasheet
/// figures, computed here from the law's definition, with verification
/// rows at batch 64 past the ridge, are recovered.
#[test]
fn a_noiseless_table_on_the_gpu_gives_back_its_efficiencies() {
    let (t0, eta_bw, eta_fl) = (0.9, 0.8, 0.4);
    let (bw, fl) = (3.35e12, 989.5e12);
    // (arch, params_total, layers, d_model, heads, kv_heads)
    let shapes = [
        ("OPT-1.3B", 1.3157e9, 24, 2048, 32, 32),
        ("LLaMA3-8B", 8.0303e9, 32, 4096, 32, 8),
        ("OPT-13B", 12.853e9, 40, 5120, 40, 40),
    ];
    let mut csv = String::from(
        "arch,params_total,layers,d_model,heads,kv_heads,mode,batch,q,ctx,ms_median\n",
    );
    for (a, p, l, d, h, kv) in shapes {
        let kvb = 2.0 * 2.0 * l as f64 * kv as f64 * (d / h) as f64;
        for b in [1u32, 16, 64] {
            for q in [1u32, 4, 9] {
                let bytes = 2.0 * p + kvb * 512.0 * b as f64;
                let flops = 2.0 * p * b as f64 * q as f64;
                let ms = t0 + 1e3 * (bytes / (eta_bw * bw)).max(flops / (eta_fl * fl));
                csv += &format!("{a},{p},{l},{d},{h},{kv},graph,{b},{q},512,{ms}\n");
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("h100_table.csv");
    std::fs::write(&f, csv).unwrap();
    let p = sdsl_json(&[
        "fit",
        "latency",
        "--roofline",
        "h100-sxm",
        f.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(p["kind"], "roofline-table");
    let r = &p["roofline"];
    assert!((num(r, "t0_ms") - t0).abs() < 1e-9, "{r}");
    assert!((num(r, "eta_bw") - eta_bw).abs() < 1e-9, "{r}");
    assert!((num(r, "eta_fl") - eta_fl).abs() < 1e-6, "{r}");
    assert_eq!(r["recalibration"]["eta_fl_fitted"], true);
}

/// Bad inputs: an unknown GPU lists the catalogue and how to add a row;
/// speculative runs only are refused naming the file, block, column and
/// fix; one baseline is too few.
#[test]
fn bad_recalibration_inputs_are_refused_with_the_fix() {
    let e = sdsl_fails(&[
        "fit",
        "latency",
        "--roofline",
        "h100-sxn",
        "--runs",
        BASELINES[0],
        BASELINES[1],
    ]);
    assert!(
        e.contains("did you mean 'h100-sxm'") && e.contains("a100-40gb") && e.contains("add a row"),
        "{e}"
    );
    let e = sdsl_fails(&[
        "fit",
        "latency",
        "--roofline",
        "h100-sxm",
        "--registry",
        "datasets/models-engines.csv",
        "--runs",
        "datasets/engines/vllm/bench-sd-32b-1.7b-k4.log",
        "datasets/engines/vllm/serve-sd-32b-1.7b-k4.log",
    ]);
    assert!(
        e.contains("bench-sd-32b-1.7b-k4.log block 1")
            && e.contains("column 'method'")
            && e.contains("no single-model run")
            && e.contains("alone"),
        "{e}"
    );
    let e = sdsl_fails(&[
        "fit",
        "latency",
        "--roofline",
        "h100-sxm",
        "--registry",
        "datasets/models-engines.csv",
        "--runs",
        BASELINES[1],
    ]);
    assert!(
        e.contains("1 usable single-model run") && e.contains("at least two"),
        "{e}"
    );
    // speculative rows among the baselines are left out, with a warning
    let out = sdsl(&[
        "fit",
        "latency",
        "--roofline",
        "h100-sxm",
        "--registry",
        "datasets/models-engines.csv",
        "--runs",
        BASELINES[0],
        BASELINES[1],
        "datasets/engines/vllm/bench-sd-32b-1.7b-k4.log",
        "datasets/engines/vllm/serve-sd-32b-1.7b-k4.log",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("left out") && err.contains("k4.log block 1"),
        "{err}"
    );
}
