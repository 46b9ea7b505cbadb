//! The GPU catalogue, the roofline law's calibration on the H200 tables and
//! `latency:roofline:GPU` (docs/latency.md, "Roofline").

use crate::common::{num, sdsl, sdsl_fails, sdsl_json};
use sdsl::catalog::gpus::{Gpu, catalogue};
use sdsl::catalog::latency::latency_cost_model;
use sdsl::catalog::roofline::calibration_reports;
use sdsl::ingest::latency::Mode;

/// The numbers of a quote segment (thousands separators removed).
fn numbers(seg: &str) -> Vec<f64> {
    let after = seg.split_once(':').map_or(seg, |(_, v)| v);
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in after.chars().chain(std::iter::once(' ')) {
        if ch.is_ascii_digit() || ((ch == '.' || ch == ',') && !cur.is_empty()) {
            if ch != ',' {
                cur.push(ch);
            }
        } else if !cur.is_empty() {
            out.push(cur.trim_end_matches('.').parse().unwrap());
            cur.clear();
        }
    }
    out
}

/// The unit multiplier of a segment: bytes/s, bytes or FLOP/s.
fn unit(seg: &str) -> f64 {
    let s = seg.to_ascii_lowercase();
    for (u, m) in [
        ("pflops", 1e15),
        ("teraflops", 1e12),
        ("tflops", 1e12),
        ("tb/s", 1e12),
        ("gb/sec", 1e9),
        ("gb/s", 1e9),
        ("gb", 1e9),
    ] {
        if s.contains(u) {
            return m;
        }
    }
    panic!("no unit in '{seg}'")
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs()
}

/// Checks one row's columns against the figures parsed from its quote.
fn check_row(g: &Gpu) {
    let k = g.quote_gpus; // the quote's figures are for this many GPUs
    let segs: Vec<&str> = g.quote.split(';').map(str::trim).collect();
    let (mut dense, mut sparse) = (None, None);
    let (mut bw, mut mem) = (None, None);
    for seg in &segs {
        let lower = seg.to_ascii_lowercase();
        let label = lower.split(':').next().unwrap_or_default().to_string();
        let n = numbers(seg);
        if label.contains("bf16") || label.contains("bfloat16") {
            let m = unit(seg);
            if label.contains("sparsity") {
                sparse = Some(n[0] * m);
            } else if n.len() >= 2 {
                // "dense | sparse*" or "dense/sparse"
                dense = Some(n[0] * m);
                sparse = Some(n[1] * m);
            } else if lower.contains("with sparsity") {
                sparse = Some(n[0] * m);
            } else {
                dense = Some(n[0] * m);
            }
        } else if label.contains("bandwidth") {
            bw = Some(n[0] * unit(seg));
        } else if label.contains("memory") {
            mem = Some(n[0] * unit(seg));
        }
    }
    let id = &g.id;
    let bw = bw.unwrap_or_else(|| panic!("{id}: no bandwidth in the quote"));
    let mem = mem.unwrap_or_else(|| panic!("{id}: no memory in the quote"));
    assert!(
        close(g.memory_bandwidth_bytes_per_s * k, bw, 1e-9),
        "{id}: bandwidth {bw}"
    );
    assert!(close(g.memory_bytes * k, mem, 1e-9), "{id}: memory {mem}");
    assert!(dense.is_some() || sparse.is_some(), "{id}: no bf16 figure");
    if let Some(d) = dense {
        assert!(close(g.bf16_dense_flops * k, d, 1e-9), "{id}: dense {d}");
    }
    if let Some(s) = sparse {
        // dense = sparse / 2; the L40S datasheet prints 362.05 | 733
        // (733/2 = 366.5, 1.2% apart), every other row agrees to its rounding
        let tol = if id == "l40s" { 0.015 } else { 1e-3 };
        assert!(
            close(g.bf16_dense_flops * k, s / 2.0, tol),
            "{id}: sparse {s}"
        );
    }
    // units: bandwidth in bytes/s (0.1–20 TB/s), memory in bytes (8–300 GB),
    // dense bf16 in FLOP/s (50 TFLOP/s – 5 PFLOP/s)
    assert!(
        (1e11..2e13).contains(&g.memory_bandwidth_bytes_per_s),
        "{id}"
    );
    assert!((8e9..3e11).contains(&g.memory_bytes), "{id}");
    assert!((5e13..5e15).contains(&g.bf16_dense_flops), "{id}");
    if let Some(u) = g.memory_usable_bytes {
        assert!(close(u, g.memory_bytes, 0.1), "{id}: usable {u}");
    }
    assert!(!g.source.is_empty(), "{id}: no source");
}

#[test]
fn every_catalogue_row_matches_the_figures_its_datasheet_quote_gives() {
    let all = catalogue().unwrap();
    for g in &all {
        check_row(g);
    }
    let ids: Vec<&str> = all.iter().map(|g| g.id.as_str()).collect();
    for want in [
        "a100-40gb",
        "a100-80gb-sxm",
        "a100-80gb-pcie",
        "h100-sxm",
        "h100-pcie",
        "h200",
        "b200",
        "l40s",
        "l4",
        "rtx4090",
        "mi300x",
    ] {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
    // the H200 row's usable memory is the measured machine's (.meta)
    let meta = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("datasets/hardware/h200_decode_latency.meta"),
    )
    .unwrap();
    let h200 = all.iter().find(|g| g.id == "h200").unwrap();
    assert!(meta.contains(&format!(
        "memory_bytes,{}",
        h200.memory_usable_bytes.unwrap()
    )));
}

#[test]
fn the_quote_parser_catches_a_wrong_figure() {
    let mut g = catalogue()
        .unwrap()
        .into_iter()
        .find(|g| g.id == "h100-sxm")
        .unwrap();
    g.bf16_dense_flops = 1979e12; // the sparsity figure taken as dense
    assert!(std::panic::catch_unwind(|| check_row(&g)).is_err());
}

/// The affine law's leave-one-architecture-out error at batch 1, q = 1,
/// ctx 512 (the shipped `h200-graph` / `h200-eager` profiles).
fn affine_loao(spec: &str) -> f64 {
    latency_cost_model(spec)
        .unwrap()
        .1
        .affine
        .loao
        .expect("a table fit has a leave-one-out error")
        .mean_abs
}

#[test]
fn the_h200_roofline_reproduces_the_measured_tables_within_the_stated_error() {
    let [g, e] = calibration_reports().unwrap();
    for r in [&g, &e] {
        eprintln!(
            "{}: t0 {:.4} ms, η_bw {:.4}, η_fl {:.4}; {} rows, {} architectures",
            r.mode,
            r.t0_ms,
            r.eta_bw,
            r.eta_fl,
            r.rows,
            r.architectures.len()
        );
        for (what, s) in [("in-sample", &r.in_sample), ("LOAO", &r.loao)] {
            let show = |e: &Option<sdsl::fit::roofline::RowErrors>| {
                e.as_ref().map_or("-".into(), |e| {
                    format!(
                        "{:.1}% (max {:.1}%, {})",
                        100.0 * e.mean_abs,
                        100.0 * e.max_abs,
                        e.worst
                    )
                })
            };
            eprintln!("  {what}: all {}", show(&s.all));
            eprintln!("  {what}: decode {}", show(&s.decode));
            eprintln!(
                "  {what}: decode b1 ctx512 {}",
                show(&s.decode_batch1_ctx512)
            );
            for (b, v) in &s.verify_by_batch {
                eprintln!(
                    "  {what}: v at batch {b}: {:.1}% (max {:.1}%, {})",
                    100.0 * v.mean_abs,
                    100.0 * v.max_abs,
                    v.worst
                );
            }
        }
    }
    assert_eq!((g.mode, e.mode), (Mode::Graph, Mode::Eager));
    assert!(e.eta_fl_given && e.eta_fl == g.eta_fl);
    // the architectures: the tables' non-tiny shapes, both modes
    assert_eq!(g.architectures, e.architectures);
    assert!(g.architectures.len() >= 15 && !g.architectures.iter().any(|a| a.starts_with("tiny")));
    // efficiencies are fractions; t0 a launch overhead of the order the
    // affine law finds (docs/latency.md)
    for r in [&g, &e] {
        assert!(r.eta_bw > 0.0 && r.eta_bw <= 1.0, "{}", r.eta_bw);
        assert!(r.eta_fl > 0.0 && r.eta_fl <= 1.0, "{}", r.eta_fl);
        assert!(r.t0_ms > 0.0, "{}", r.t0_ms);
    }
    // the stated errors (docs/latency.md, Roofline): decode steps within
    // 13% (graph) and 16% (eager) on average in-sample; every graph row
    // within 24%; v at batch 1 within 15% (graph) and 7% (eager)
    let m = |e: &Option<sdsl::fit::roofline::RowErrors>| e.as_ref().unwrap().mean_abs;
    assert!(m(&g.in_sample.decode) < 0.13);
    assert!(m(&e.in_sample.decode) < 0.16);
    assert!(m(&g.in_sample.all) < 0.24);
    assert!(g.in_sample.verify_by_batch[&1].mean_abs < 0.15);
    assert!(e.in_sample.verify_by_batch[&1].mean_abs < 0.07);
    for b in [4, 16, 64] {
        assert!(g.in_sample.verify_by_batch.contains_key(&b), "batch {b}");
    }
    // leave one architecture out, batch 1, q = 1, ctx 512: no worse than
    // the affine law on the same rows, in each mode
    let rg = m(&g.loao.decode_batch1_ctx512);
    let re = m(&e.loao.decode_batch1_ctx512);
    let (ag, ae) = (
        affine_loao("latency:h200-graph"),
        affine_loao("latency:h200-eager"),
    );
    eprintln!(
        "affine LOAO b1 ctx512: graph {:.1}%, eager {:.1}%",
        100.0 * ag,
        100.0 * ae
    );
    assert_eq!(g.loao.decode_batch1_ctx512.as_ref().unwrap().rows, 16);
    assert!(rg <= ag, "graph: roofline {rg} vs affine {ag}");
    assert!(re <= ae, "eager: roofline {re} vs affine {ae}");
}

fn predict(cost_model: &str) -> serde_json::Value {
    sdsl_json(&[
        "predict",
        "--target",
        "OPT-13B",
        "--draft-family",
        "OPT",
        "--cost-model",
        cost_model,
        "--json",
    ])
}

#[test]
fn the_h200_roofline_puts_opt13b_nstar_near_the_measured_tables() {
    // within 10% in N* (the acceptance bound), both modes
    for mode in ["graph", "eager"] {
        let measured = num(&predict(&format!("latency:h200-{mode}")), "n_star");
        let roof = predict(&format!("latency:roofline:h200:mode={mode}"));
        let n = num(&roof, "n_star");
        eprintln!(
            "{mode}: N* roofline {n:.4e} vs measured {measured:.4e} ({:+.1}%)",
            100.0 * (n / measured - 1.0)
        );
        assert!(
            (n / measured - 1.0).abs() < 0.10,
            "{mode}: {n} vs {measured}"
        );
        assert_eq!(roof["roofline_weights"], "bf16");
    }
}

#[test]
fn twice_the_bandwidth_halves_the_memory_bound_part_of_a_decode_step() {
    // H100 PCIe vs the A100 80GB PCIe twin with everything but bandwidth
    // equal is not in the catalogue; the profiles' own times are: t − t0 of
    // every shape scales with 1/BW at batch 1 (memory-bound), so the ratio of
    // two GPUs' (t − t0) is the inverse ratio of their bandwidths
    let (_, a) = latency_cost_model("latency:roofline:a100-80gb-pcie").unwrap();
    let (_, h) = latency_cost_model("latency:roofline:h100-pcie").unwrap();
    let t0 = a.roofline.as_ref().unwrap().t0_ms;
    let want = h.roofline.as_ref().unwrap().memory_bandwidth_bytes_per_s
        / a.roofline.as_ref().unwrap().memory_bandwidth_bytes_per_s;
    for (x, y) in a.architectures.iter().zip(&h.architectures) {
        let ratio = (x.decode_ms() - t0) / (y.decode_ms() - t0);
        assert!(close(ratio, want, 1e-9), "{}: {ratio} vs {want}", x.arch);
    }
}

#[test]
fn an_unknown_gpu_is_refused_with_the_catalogue_and_a_suggestion() {
    let e = sdsl_fails(&[
        "predict",
        "--target",
        "OPT-13B",
        "--cost-model",
        "latency:roofline:h100-sxn",
    ]);
    assert!(e.contains("did you mean 'h100-sxm'"), "{e}");
    for id in ["a100-40gb", "l40s", "mi300x", "rtx4090"] {
        assert!(e.contains(id), "{e}");
    }
    assert!(e.contains("add a row") && e.contains("latency:FILE"), "{e}");
    let e = sdsl_fails(&[
        "predict",
        "--target",
        "OPT-13B",
        "--cost-model",
        "latency:roofline",
    ]);
    assert!(
        e.contains("needs a GPU id") && e.contains("h100-sxm"),
        "{e}"
    );
    let e = sdsl_fails(&[
        "predict",
        "--target",
        "OPT-13B",
        "--cost-model",
        "latency:h200-graph:weights=fp8",
    ]);
    assert!(e.contains("roofline"), "{e}");
    let e = sdsl_fails(&[
        "predict",
        "--target",
        "OPT-13B",
        "--cost-model",
        "latency:roofline:h100-sxm:weights=int4",
    ]);
    assert!(e.contains("weights=fp8"), "{e}");
    let e = sdsl_fails(&[
        "predict",
        "--target",
        "OPT-13B",
        "--cost-model",
        "latency:roofline:h200:mode=eager:batch=4",
    ]);
    assert!(e.contains("eager"), "{e}");
}

#[test]
fn a_70b_bf16_target_does_not_fit_one_80gb_gpu_and_fits_with_fp8_weights() {
    // LLaMA3.1-70B: 70.6e9 parameters, 141 GB in bf16 > 80e9 bytes (H100 SXM
    // datasheet: 80GB); 70.6 GB in fp8 fits
    let out = sdsl(&[
        "predict",
        "--target",
        "LLaMA3.1-70B",
        "--cost-model",
        "latency:roofline:h100-sxm",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("does not fit (bf16, one GPU)"), "{text}");
    let v = sdsl_json(&[
        "predict",
        "--target",
        "LLaMA3.1-70B",
        "--cost-model",
        "latency:roofline:h100-sxm",
        "--json",
    ]);
    assert_eq!(v["fits_memory"], false, "{v}");
    assert!(num(&v["memory"], "weights_bytes") > 2.0 * 70e9);
    let f = sdsl_json(&[
        "predict",
        "--target",
        "LLaMA3.1-70B",
        "--cost-model",
        "latency:roofline:h100-sxm:weights=fp8",
        "--json",
    ]);
    assert_eq!(f["fits_memory"], true, "{f}");
    assert_eq!(f["roofline_weights"], "fp8");
    // fp8 halves the weight bytes only, so the decode step is faster but not half
    let t_bf16 = num(&v, "ms_per_token") * num(&v, "speedup_int");
    let t_fp8 = num(&f, "ms_per_token") * num(&f, "speedup_int");
    assert!(t_fp8 < t_bf16 && t_fp8 > 0.5 * t_bf16, "{t_fp8} {t_bf16}");
}

#[test]
fn speedup_and_the_nstar_queries_accept_a_roofline_cost_model() {
    let s = sdsl_json(&[
        "speedup",
        "--alpha",
        "0.7",
        "--cost-model",
        "latency:roofline:l40s",
        "--draft",
        "OPT-125M",
        "--target",
        "OPT-13B",
        "--json",
    ]);
    assert!(num(&s, "speedup_star_int") > 1.0, "{s}");
    assert_eq!(s["latency"]["fits_memory"], true, "{s}");
    let t = sdsl_json(&[
        "nstar",
        "table",
        "--cost-model",
        "latency:roofline:a100-80gb",
        "--json",
    ]);
    let rows = t["rows"].as_array().unwrap();
    // 111.2B parameters in bf16 exceed an A100's 80 GB
    let q110 = rows.iter().find(|r| r["target"] == "Qwen1.5-110B").unwrap();
    assert_eq!(q110["fits_memory"], false);
    let l = sdsl_json(&[
        "nstar",
        "law",
        "--cost-model",
        "latency:roofline:h100-sxm:batch=16",
        "--json",
    ]);
    assert!(l.is_object(), "{l}");
}
