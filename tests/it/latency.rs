//! Latency tables (ingest) and the latency law, v(q) and their bootstrap
//! (fit), docs/latency.md.

use sdsl::fit::latency::{
    ArchTimes, LatencyFitSpec, LatencyProfile, LatencySelection, fit_affine, select,
};
use sdsl::ingest::latency::{LatencyRow, LatencyTable, Mode, read_latency_table};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const H200: &str = "datasets/hardware/h200_decode_latency.csv";
const H200_BATCHED: &str = "datasets/hardware/h200_decode_latency_batched.csv";

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn h200() -> LatencyTable {
    read_latency_table(&repo(H200), None).expect("the shipped table reads")
}

fn graph512() -> LatencySelection {
    LatencySelection::default()
}

fn fit(table: &LatencyTable, sel: LatencySelection, replicates: usize) -> LatencyProfile {
    LatencyFitSpec {
        selection: sel,
        replicates,
        seed: 7,
    }
    .validated()
    .unwrap()
    .fit(table)
    .unwrap()
}

// ---------- ingest ----------

#[test]
fn the_shipped_h200_tables_read_with_their_meta() {
    let t = h200();
    assert_eq!(t.rows.len(), 720); // SOURCE.md: 720 rows
    let meta = t
        .meta
        .as_ref()
        .expect("h200_decode_latency.meta is found by stem");
    assert_eq!(meta.device.as_deref(), Some("NVIDIA H200"));
    assert_eq!(meta.memory_bytes, Some(150754820096.0));
    assert_eq!(t.selections().len(), 6); // 2 modes × 3 ctx, batch 1
    assert!(t.rows.iter().all(|r| r.batch == 1));
    let b = read_latency_table(&repo(H200_BATCHED), None).unwrap();
    assert_eq!(b.rows.len(), 432); // SOURCE.md: 432 rows
    assert!(
        b.meta.is_none(),
        "the batched table has no .meta of its own"
    );
    let batches: std::collections::BTreeSet<u64> = b.rows.iter().map(|r| r.batch).collect();
    assert_eq!(batches.into_iter().collect::<Vec<_>>(), [1, 4, 16, 64]);
}

const HEADER: &str = "arch,family,layers,params_total,mode,q,ctx,ms_median\n";

fn good_rows() -> String {
    let mut s = String::from(HEADER);
    for (arch, layers, p, t1) in [
        ("A", 12, 1.0e8, 0.8),
        ("B", 24, 1.0e9, 1.4),
        ("C", 40, 1.0e10, 6.8),
    ] {
        for (q, f) in [(1, 1.0), (2, 1.05), (9, 1.2)] {
            s += &format!("{arch},x,{layers},{p},graph,{q},512,{:.4}\n", t1 * f);
        }
    }
    s
}

/// Writes `text` to a fresh temp dir and reads it; returns the error text.
fn read_error(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, text).unwrap();
    let e = read_latency_table(&path, None).expect_err("the table must be refused");
    let msg = e.to_string();
    assert!(msg.contains("bad.csv"), "the file is named: {msg}");
    msg
}

#[test]
fn a_good_small_table_reads_and_fits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ok.csv");
    std::fs::write(&path, good_rows()).unwrap();
    let t = read_latency_table(&path, None).unwrap();
    assert_eq!(t.rows.len(), 9);
    assert_eq!(t.rows[3].row, 4);
    assert_eq!(t.rows[3].layers, Some(24));
    let p = fit(&t, graph512(), 0);
    assert_eq!(p.architectures.len(), 3);
    assert_eq!(p.q_max, 9);
}

#[test]
fn a_missing_decode_row_is_refused_with_row_and_column() {
    // drop B's q = 1 row (data row 4)
    let text: String = good_rows()
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != 4)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let e = read_error(&text);
    assert!(e.contains("row 4") && e.contains("column 'q'"), "{e}");
    assert!(e.contains("no q = 1 row") && e.contains("'B'"), "{e}");
}

#[test]
fn non_positive_or_non_finite_times_are_refused() {
    for bad in ["0", "-1.5", "inf", "NaN"] {
        let text = good_rows().replacen("graph,2,512,0.8400", &format!("graph,2,512,{bad}"), 1);
        assert_ne!(text, good_rows());
        let e = read_error(&text);
        assert!(
            e.contains("row 2") && e.contains("column 'ms_median'"),
            "{bad}: {e}"
        );
    }
}

#[test]
fn a_duplicate_key_is_refused_naming_both_rows() {
    let mut text = good_rows();
    text += "B,x,24,1e9,graph,2,512,1.5\n"; // data row 10 repeats row 5
    let e = read_error(&text);
    assert!(
        e.contains("row 10") && e.contains("row 5") && e.contains("duplicate key"),
        "{e}"
    );
    assert!(e.contains("column 'arch'"), "{e}");
}

#[test]
fn an_unknown_mode_is_refused() {
    let text = good_rows().replacen("graph,9", "compiled,9", 1);
    let e = read_error(&text);
    assert!(
        e.contains("row 3") && e.contains("column 'mode'") && e.contains("'compiled'"),
        "{e}"
    );
    assert!(
        e.contains("'graph'") && e.contains("'eager'"),
        "the fix is named: {e}"
    );
}

#[test]
fn fractional_or_zero_q_and_inconsistent_sizes_are_refused() {
    let e = read_error(&good_rows().replacen("graph,2,512", "graph,2.5,512", 1));
    assert!(
        e.contains("row 2") && e.contains("column 'q'") && e.contains("whole number"),
        "{e}"
    );
    let e = read_error(&good_rows().replacen("graph,2,512", "graph,0,512", 1));
    assert!(e.contains("row 2") && e.contains("column 'q'"), "{e}");
    let e = read_error(&good_rows().replacen("A,x,12,100000000,graph,9", "A,x,12,2e8,graph,9", 1));
    assert!(
        e.contains("row 3") && e.contains("column 'params_total'"),
        "{e}"
    );
    let e = read_error(&good_rows().replace("ms_median", "ms"));
    assert!(e.contains("missing column 'ms_median'"), "{e}");
}

// ---------- fit ----------

fn arch(name: &str, p: f64, layers: u64, t1: f64, v: &[(u32, f64)]) -> ArchTimes {
    let mut times_ms = BTreeMap::from([(1, t1)]);
    for &(q, r) in v {
        times_ms.insert(q, t1 * r);
    }
    ArchTimes {
        arch: name.into(),
        params_total: p,
        layers: Some(layers),
        times_ms,
        kv_bytes_per_token: None,
    }
}

/// Rows of a synthetic table from per-arch times.
fn table_from(archs: &[ArchTimes], extra_tiny: bool) -> LatencyTable {
    let mut rows = Vec::new();
    let mut push = |a: &ArchTimes, family: &str| {
        for (&q, &t) in &a.times_ms {
            rows.push(LatencyRow {
                row: rows.len() + 1,
                arch: a.arch.clone(),
                family: Some(family.into()),
                params_total: a.params_total,
                params_non_embedding: None,
                layers: a.layers,
                shape: BTreeMap::new(),
                mode: Mode::Graph,
                q,
                ctx: 512,
                batch: 1,
                ms_median: t,
            });
        }
    };
    for a in archs {
        push(a, "synthetic");
    }
    if extra_tiny {
        // a lab-scale shape far off any law: must be left out
        push(&arch("tiny-2x128", 4e5, 2, 50.0, &[(2, 0.5)]), "tiny");
    }
    LatencyTable::from_rows("synthetic.csv", "00", rows, None).unwrap()
}

/// Relative-error least squares, solved independently: the 2×2 normal
/// equations of Σ w(t0 + kP − t)², w = 1/t², by Cramer's rule.
fn cramer_rel_ls(p: &[f64], t: &[f64]) -> (f64, f64) {
    let (mut s0, mut s1, mut s2, mut y0, mut y1) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (&p, &t) in p.iter().zip(t) {
        let w = 1.0 / (t * t);
        s0 += w;
        s1 += w * p;
        s2 += w * p * p;
        y0 += w * t;
        y1 += w * p * t;
    }
    let det = s0 * s2 - s1 * s1;
    ((y0 * s2 - s1 * y1) / det, (s0 * y1 - s1 * y0) / det)
}

fn rel_objective(p: &[f64], t: &[f64], t0: f64, k: f64) -> f64 {
    p.iter()
        .zip(t)
        .map(|(&p, &t)| ((t0 + k * p - t) / t).powi(2))
        .sum()
}

#[test]
fn the_affine_law_is_the_relative_error_least_squares_solution_on_the_h200_table() {
    let t = h200();
    let sdsl::fit::latency::Selected {
        archs,
        excluded: tiny,
        ..
    } = select(&t, &graph512()).unwrap();
    assert_eq!((archs.len(), tiny.len()), (16, 4)); // 20 shapes, 4 tiny
    let refs: Vec<&ArchTimes> = archs.iter().collect();
    let law = fit_affine(&refs).unwrap();
    let p: Vec<f64> = archs.iter().map(|a| a.params_total).collect();
    let y: Vec<f64> = archs.iter().map(|a| a.decode_ms()).collect();
    let (t0, k) = cramer_rel_ls(&p, &y);
    assert!(
        (law.t0_ms - t0).abs() < 1e-9 * t0.abs(),
        "{} vs {t0}",
        law.t0_ms
    );
    assert!(
        (law.k_ms_per_param - k).abs() < 1e-9 * k,
        "{} vs {k}",
        law.k_ms_per_param
    );
    // and it is a minimum: every nudge raises the objective
    let f0 = rel_objective(&p, &y, t0, k);
    for (dt, dk) in [
        (1e-4, 0.0),
        (-1e-4, 0.0),
        (0.0, 1e-4),
        (0.0, -1e-4),
        (1e-4, -1e-4),
    ] {
        assert!(rel_objective(&p, &y, t0 * (1.0 + dt), k * (1.0 + dk)) > f0);
    }
    // docs/latency.md (approximate, not a test constant): t0 ≈ 0.74 ms, k ≈ 6.1e-10
    assert!(law.t0_ms > 0.0 && law.k_ms_per_param > 0.0);
}

#[test]
fn noiseless_synthetic_tables_recover_both_forms_and_the_verify_lines() {
    // t = 0.5 + 3e-10·P (affine exactly); v(q) = a_q + b_q ln P exactly
    let (a2, b2, a9, b9) = (1.3, -0.01, 2.0, -0.04);
    let sizes: [(f64, u64); 6] = [
        (1e8, 12),
        (3e8, 24),
        (1e9, 16),
        (3e9, 32),
        (1e10, 40),
        (3e10, 60),
    ];
    let archs: Vec<ArchTimes> = sizes
        .iter()
        .enumerate()
        .map(|(i, &(p, l))| {
            let v2 = a2 + b2 * p.ln();
            let v9 = a9 + b9 * p.ln();
            arch(&format!("m{i}"), p, l, 0.5 + 3e-10 * p, &[(2, v2), (9, v9)])
        })
        .collect();
    let p = fit(&table_from(&archs, true), graph512(), 0);
    assert_eq!(p.excluded, ["tiny-2x128"]);
    assert!((p.affine.law.t0_ms - 0.5).abs() < 1e-10);
    assert!((p.affine.law.k_ms_per_param / 3e-10 - 1.0).abs() < 1e-10);
    assert!(p.affine.loao.as_ref().unwrap().max_abs < 1e-10);
    let l2 = p.verify.iter().find(|l| l.q == 2).unwrap();
    let l9 = p.verify.iter().find(|l| l.q == 9).unwrap();
    assert!((l2.a - a2).abs() < 1e-10 && (l2.b - b2).abs() < 1e-11);
    assert!((l9.a - a9).abs() < 1e-10 && (l9.b - b9).abs() < 1e-11);
    assert_eq!(p.q_max, 9);
    // the depth form contains the affine one: τ ≈ 0, same LOAO quality
    let d = p.depth.as_ref().unwrap();
    assert!(
        d.law.tau_ms_per_layer.abs() < 1e-10,
        "{}",
        d.law.tau_ms_per_layer
    );
    assert_eq!(p.nstar_form, "affine");

    // t = 0.3 + 0.02·layers + 1e-10·P: the depth form recovers it exactly
    let archs: Vec<ArchTimes> = sizes
        .iter()
        .enumerate()
        .map(|(i, &(p, l))| {
            arch(
                &format!("m{i}"),
                p,
                l,
                0.3 + 0.02 * l as f64 + 1e-10 * p,
                &[(2, 1.1)],
            )
        })
        .collect();
    let p = fit(&table_from(&archs, false), graph512(), 0);
    let d = p.depth.as_ref().unwrap();
    assert!((d.law.t0_ms - 0.3).abs() < 1e-9 && (d.law.tau_ms_per_layer - 0.02).abs() < 1e-10);
    assert!((d.law.k_ms_per_param / 1e-10 - 1.0).abs() < 1e-9);
    assert!(d.loao.as_ref().unwrap().max_abs < 1e-9);
    assert!(
        p.affine.loao.as_ref().unwrap().mean_abs > 0.01,
        "the affine form cannot follow depth"
    );
    assert_eq!(p.most_accurate_form, "depth");
    assert_eq!(p.nstar_form, "affine", "N* uses the affine law regardless");
}

#[test]
fn loao_errors_are_refits_without_each_architecture() {
    let t = h200();
    let p = fit(&t, graph512(), 0);
    let archs = select(&t, &graph512()).unwrap().archs;
    for a in &archs {
        let rest: Vec<f64> = archs
            .iter()
            .filter(|b| b.arch != a.arch)
            .map(|b| b.params_total)
            .collect();
        let ty: Vec<f64> = archs
            .iter()
            .filter(|b| b.arch != a.arch)
            .map(|b| b.decode_ms())
            .collect();
        let (t0, k) = cramer_rel_ls(&rest, &ty);
        let want = (t0 + k * a.params_total - a.decode_ms()) / a.decode_ms();
        let got = p.affine.loao.as_ref().unwrap().per_arch[&a.arch];
        assert!((got - want).abs() < 1e-9, "{}: {got} vs {want}", a.arch);
    }
    let max = p
        .affine
        .loao
        .as_ref()
        .unwrap()
        .per_arch
        .values()
        .fold(0.0f64, |m, e| m.max(e.abs()));
    assert_eq!(max, p.affine.loao.as_ref().unwrap().max_abs);
    // docs/latency.md (approximate): depth-aware LOAO ≈ 3% against ≈ 18% for affine
    let d = p.depth.as_ref().unwrap();
    assert!(d.loao.as_ref().unwrap().mean_abs < p.affine.loao.as_ref().unwrap().mean_abs);
    assert_eq!(p.most_accurate_form, "depth");
}

#[test]
fn verify_ratio_is_clamped_in_size_and_value_and_linear_in_q() {
    let t = h200();
    let p = fit(&t, graph512(), 0);
    let [lo, hi] = p.params_range;
    // inside the range: knots are the lines, v(1) = 1
    let mid = (lo * hi).sqrt();
    let one = p.verify_ratio(mid, 1.0).unwrap();
    assert_eq!((one.v, one.params_clamped), (1.0, false));
    let at = |q: u32| {
        let l = p.verify.iter().find(|l| l.q == q).unwrap();
        (l.a + l.b * mid.ln()).max(1.0)
    };
    assert!((p.verify_ratio(mid, 9.0).unwrap().v - at(9)).abs() < 1e-12);
    // between measured q = 9 and 17: linear
    let v13 = p.verify_ratio(mid, 13.0).unwrap().v;
    assert!((v13 - 0.5 * (at(9) + at(17))).abs() < 1e-12);
    // outside the size range: clamped and flagged
    let big = p.verify_ratio(hi * 10.0, 9.0).unwrap();
    assert!(big.params_clamped);
    assert_eq!(big.v, p.verify_ratio(hi, 9.0).unwrap().v);
    // beyond the measured q: none
    assert_eq!(p.q_max, 17);
    assert!(p.verify_ratio(mid, 18.0).is_none());
    // a line below 1 is clamped at 1 and flagged
    let mut low = p.clone();
    low.verify[0].a = 0.5;
    low.verify[0].b = 0.0;
    let e = low.verify_ratio(mid, low.verify[0].q as f64).unwrap();
    assert!(e.v_clamped && e.v == 1.0);
}

#[test]
fn the_bootstrap_over_architectures_is_the_same_on_one_and_four_threads() {
    let t = h200();
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| fit(&t, graph512(), 200))
    };
    let (a, b) = (run(1), run(4));
    assert_eq!(
        serde_json::to_string(&a.bootstrap).unwrap(),
        serde_json::to_string(&b.bootstrap).unwrap()
    );
    let boot = a.bootstrap.as_ref().unwrap();
    let k = &boot.estimates["affine.k_ms_per_param"];
    assert_eq!(k.point, a.affine.law.k_ms_per_param);
    let ci = k.ci95.unwrap();
    assert!(ci[0] < k.point && k.point < ci[1], "{k:?}");
    assert!(
        boot.estimates.contains_key("v.q9.a")
            && boot.estimates.contains_key("depth.tau_ms_per_layer")
    );
    // a different seed gives different draws
    let c = LatencyFitSpec {
        selection: graph512(),
        replicates: 200,
        seed: 8,
    }
    .validated()
    .unwrap()
    .fit(&t)
    .unwrap();
    assert_ne!(c.bootstrap.unwrap().estimates["affine.k_ms_per_param"], *k);
}

#[test]
fn a_profile_survives_a_json_round_trip() {
    let p = fit(
        &h200(),
        LatencySelection {
            mode: Mode::Eager,
            ctx: 512,
            batch: 1,
        },
        50,
    );
    let text = serde_json::to_string_pretty(&p).unwrap();
    let back: LatencyProfile = serde_json::from_str(&text).unwrap();
    assert_eq!(back, p);
    assert_eq!(p.hardware, "NVIDIA H200");
    assert_eq!(p.memory_bytes, Some(150754820096.0));
    assert_eq!(p.source.sha256.len(), 64);
}

#[test]
fn an_absent_selection_or_too_few_architectures_is_refused() {
    let t = h200();
    let e = LatencyFitSpec {
        selection: LatencySelection {
            mode: Mode::Graph,
            ctx: 999,
            batch: 1,
        },
        replicates: 0,
        seed: 0,
    }
    .validated()
    .unwrap()
    .fit(&t)
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("ctx 999") && e.contains("mode graph ctx 512 batch 1"),
        "{e}"
    );
    let two: Vec<ArchTimes> = vec![arch("a", 1e8, 12, 1.0, &[]), arch("b", 1e9, 24, 2.0, &[])];
    let e = LatencyFitSpec {
        selection: graph512(),
        replicates: 0,
        seed: 0,
    }
    .validated()
    .unwrap()
    .fit(&table_from(&two, true))
    .unwrap_err()
    .to_string();
    assert!(e.contains("at least 3"), "{e}");
    assert!(
        LatencyFitSpec {
            selection: graph512(),
            replicates: 1,
            seed: 0
        }
        .validated()
        .is_err()
    );
}

// ---------- batch interpolation and memory ----------

/// (arch, q) → ms_median of one (mode graph, ctx 512, batch) of the batched
/// H200 table, parsed here with the csv crate (independently of the library).
fn batched_rows(batch: u64) -> BTreeMap<(String, u32), f64> {
    let mut r = csv::Reader::from_path(repo(H200_BATCHED)).unwrap();
    let head = r.headers().unwrap().clone();
    let col = |n: &str| head.iter().position(|h| h == n).unwrap();
    let mut out = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        if &rec[col("mode")] == "graph"
            && &rec[col("ctx")] == "512"
            && rec[col("batch")].parse::<u64>().unwrap() == batch
        {
            out.insert(
                (rec[col("arch")].to_string(), rec[col("q")].parse().unwrap()),
                rec[col("ms_median")].parse().unwrap(),
            );
        }
    }
    out
}

#[test]
fn a_batch_between_measured_ones_is_interpolated_linearly_in_ln_b() {
    let t = read_latency_table(&repo(H200_BATCHED), None).unwrap();
    let (lo, hi) = (batched_rows(4), batched_rows(16));
    for (b, w) in [(8u64, 0.5), (6, (6f64 / 4.0).ln() / 4f64.ln())] {
        let sel = LatencySelection {
            batch: b,
            ..graph512()
        };
        let s = select(&t, &sel).unwrap();
        assert_eq!(s.batch_from, Some([4, 16]));
        assert!(s.archs.len() >= 10, "{}", s.archs.len());
        for a in &s.archs {
            for (q, ms) in &a.times_ms {
                let (t4, t16) = (lo[&(a.arch.clone(), *q)], hi[&(a.arch.clone(), *q)]);
                let want = t4 + (t16 - t4) * w;
                assert!(
                    (ms - want).abs() <= 1e-12 * want,
                    "{} q={q}: {ms} vs {want}",
                    a.arch
                );
            }
        }
        let p = fit(&t, sel, 0);
        assert_eq!(p.batch_interpolated_from, Some([4, 16]));
        assert!(
            p.warnings.iter().any(|w| w.contains("interpolated")),
            "{:?}",
            p.warnings
        );
    }
    // a measured batch is read as it is
    let s = select(
        &t,
        &LatencySelection {
            batch: 16,
            ..graph512()
        },
    )
    .unwrap();
    assert_eq!(s.batch_from, None);
    let a = s.archs.iter().find(|a| a.arch == "OPT-13B").unwrap();
    assert_eq!(a.times_ms[&9], hi[&("OPT-13B".to_string(), 9)]);
    // beyond the measured batches: refused, naming them
    let err = select(
        &t,
        &LatencySelection {
            batch: 128,
            ..graph512()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("batch 128") && err.contains("1, 4, 16, 64"),
        "{err}"
    );
}

#[test]
fn the_kv_cache_and_the_weights_decide_whether_a_pair_fits_the_device() {
    // KV bytes per token = 2 (K, V) · 2 (bf16) · layers · kv_heads · d_model/heads,
    // from the public configs: OPT-13B 40 layers, d 5120, 40 heads (MHA);
    // Llama-3-70B 80 layers, d 8192, 64 heads, 8 KV heads (GQA).
    let opt13 = 2.0 * 2.0 * 40.0 * 40.0 * 128.0;
    let llama70 = 2.0 * 2.0 * 80.0 * 8.0 * 128.0;
    let p = fit(&h200(), graph512(), 0);
    assert_eq!(p.kv_bytes_per_token("OPT-13B", 0.0), Some(opt13));
    assert_eq!(p.kv_bytes_per_token("LLaMA3-70B", 0.0), Some(llama70));
    // a size the table did not measure takes the power law: between the
    // measured neighbours' values for a size between theirs
    let mid = p.kv_bytes_per_token("", 3e10).unwrap();
    assert!(mid > 1e5 && mid < 2e6, "{mid}");
    let m = p
        .memory_need(("LLaMA3-70B", 7.055e10), ("OPT-125M", 1.25e8))
        .unwrap();
    let opt125 = 2.0 * 2.0 * 12.0 * 12.0 * 64.0;
    let tokens = (512 + 17) as f64; // ctx + q_max at batch 1
    assert!((m.weights_bytes - 2.0 * (7.055e10 + 1.25e8)).abs() < 1.0);
    assert!(
        (m.kv_bytes - tokens * (llama70 + opt125)).abs() < 1e-6,
        "{m:?}"
    );
    assert!(m.fits && m.memory_bytes == 150_754_820_096.0);
    // 110B in bf16 (222 GB) does not fit one H200
    assert_eq!(p.fits_memory(("", 1.112e11), ("", 4e8)), Some(false));
    // at batch 64 the KV cache of an MHA 30B target is ≈ 44 GB: counted
    let meta = repo("datasets/hardware/h200_decode_latency.meta");
    let tb = read_latency_table(&repo(H200_BATCHED), Some(&meta)).unwrap();
    let p64 = fit(
        &tb,
        LatencySelection {
            batch: 64,
            ..graph512()
        },
        0,
    );
    let m64 = p64
        .memory_need(("OPT-30B", 2.997e10), ("OPT-125M", 1.25e8))
        .unwrap();
    let opt30 = 2.0 * 2.0 * 48.0 * 56.0 * 128.0;
    assert!((m64.kv_bytes - 64.0 * tokens * (opt30 + opt125)).abs() < 1e-3 * m64.kv_bytes);
}

// ---------- profile files are validated (issue #27, bug 6) ----------

/// The H200 graph/512 profile as JSON, changed by `edit`, written to a fresh
/// folder (kept alive by the returned guard).
fn profile_file(edit: impl FnOnce(&mut serde_json::Value)) -> (tempfile::TempDir, PathBuf) {
    let mut v = serde_json::to_value(fit(&h200(), graph512(), 0)).unwrap();
    edit(&mut v);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profile.json");
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    (dir, path)
}

/// Resolves `latency:FILE` on another thread and, when it resolves, prices
/// with it (v at 1e10 parameters, the pair of the smallest and the largest
/// measured architecture, the memory check). Returns the error's text; fails
/// when the file was accepted, when anything panicked, or when no answer came
/// within 5 s (a hang detector, not a speed assertion).
fn refusal(path: &Path) -> String {
    use std::sync::mpsc::RecvTimeoutError;
    let spec = format!("latency:{}", path.display());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let r = sdsl::catalog::latency::latency_cost_model(&spec).map(|(cost, p)| {
            let _ = cost.verification(1e10);
            let small = p.architectures.first().unwrap();
            let large = p.architectures.last().unwrap();
            let priced = p.price_pair(
                0.7,
                (&small.arch, small.params_total),
                (&large.arch, large.params_total),
            );
            let fits = p.fits_memory(("LLaMA3-70B", 7.055e10), ("OPT-125M", 1.25e8));
            format!("{priced:?}, fits {fits:?}")
        });
        let _ = tx.send(r.map_err(|e| e.to_string()));
    });
    match rx.recv_timeout(std::time::Duration::from_secs(5)) {
        Ok(Ok(priced)) => panic!("{} was accepted: {priced}", path.display()),
        Ok(Err(e)) => e,
        Err(RecvTimeoutError::Timeout) => {
            panic!("{}: no answer within 5 s (a hang)", path.display())
        }
        Err(RecvTimeoutError::Disconnected) => panic!("{}: panicked", path.display()),
    }
}

fn assert_names(err: &str, path: &Path, field: &str) {
    assert!(
        err.contains(&path.display().to_string()),
        "the error does not name the file: {err}"
    );
    assert!(
        err.contains(field),
        "the error does not name '{field}': {err}"
    );
}

#[test]
fn a_profile_with_a_reversed_params_range_is_refused() {
    let (_dir, path) = profile_file(|v| {
        let r = v["params_range"].as_array_mut().unwrap();
        r.swap(0, 1);
    });
    assert_names(&refusal(&path), &path, "params_range");
}

#[test]
fn a_profile_without_a_decode_time_is_refused() {
    let (_dir, path) = profile_file(|v| {
        let archs = v["architectures"].as_array_mut().unwrap();
        let last = archs.len() - 1;
        archs[last]["times_ms"]
            .as_object_mut()
            .unwrap()
            .remove("1")
            .unwrap();
    });
    let err = refusal(&path);
    assert_names(&err, &path, "architectures[15].times_ms");
}

#[test]
fn a_profile_with_an_absurd_q_max_is_refused() {
    let (_dir, path) = profile_file(|v| v["q_max"] = serde_json::json!(4294967295u64));
    assert_names(&refusal(&path), &path, "q_max");
    // refused by the reader itself, not only by the cost model's γ cap
    let err = sdsl::catalog::latency::read_profile(&path)
        .expect_err("read_profile accepted q_max = 4294967295")
        .to_string();
    assert_names(&err, &path, "q_max");
}

#[test]
fn a_profile_with_a_huge_ctx_is_refused() {
    // ctx + q_max (17) = 2^64: wrapped to 0 tokens, the check said "fits"
    let huge = u64::MAX - 16;
    let (_dir, path) = profile_file(|v| v["selection"]["ctx"] = serde_json::json!(huge));
    assert_names(&refusal(&path), &path, "selection.ctx");
}

#[test]
fn the_memory_check_does_not_wrap_at_a_huge_ctx() {
    let huge = u64::MAX - 16;
    let mut p = fit(&h200(), graph512(), 0);
    p.selection.ctx = huge;
    let m = p
        .memory_need(("LLaMA3-70B", 7.055e10), ("OPT-125M", 1.25e8))
        .unwrap();
    assert!(!m.fits && m.kv_bytes > 1e19, "{m:?}");
}

// ---------- no size dependence (issue #27) ----------

/// The fit of `archs` (graph, ctx 512, batch 1) with `replicates`.
fn fit_archs(archs: &[ArchTimes], replicates: usize) -> LatencyProfile {
    fit(&table_from(archs, false), graph512(), replicates)
}

fn assert_flat(p: &LatencyProfile, what: &str) {
    assert!(
        p.warnings
            .iter()
            .any(|w| w.starts_with("no size dependence:")),
        "{what}: warnings {:?}",
        p.warnings
    );
    let err = p
        .latency_cost()
        .expect_err("a flat profile must not price drafts")
        .to_string();
    for needle in [
        "no size dependence",
        "interval of k",
        "contains 0",
        "wider range of sizes",
        "fixed:C",
    ] {
        assert!(err.contains(needle), "{what}: missing '{needle}' in: {err}");
    }
    // a profile file is refused alike (its bootstrap or its architectures)
    let back: LatencyProfile = serde_json::from_str(&serde_json::to_string(p).unwrap()).unwrap();
    assert!(
        back.latency_cost()
            .is_err_and(|e| e.to_string().contains("no size dependence")),
        "{what}: read back from JSON"
    );
}

#[test]
fn a_constant_time_table_has_no_size_dependence_and_cannot_price_drafts() {
    // every architecture takes 1.5 ms: k is rounding (≈ 1e-28), not a cost
    let sizes = [(1e8, 12), (3e8, 24), (1e9, 16), (3e9, 32), (1e10, 40)];
    let archs: Vec<ArchTimes> = sizes
        .iter()
        .enumerate()
        .map(|(i, &(p, l))| arch(&format!("m{i}"), p, l, 1.5, &[(2, 1.1)]))
        .collect();
    for replicates in [0, 200] {
        assert_flat(
            &fit_archs(&archs, replicates),
            &format!("constant, {replicates} replicates"),
        );
    }
    // flat with noise: 1.00 and 1.02 ms at every size, so the weighted
    // least-squares slope is 0 up to rounding and its interval is wide
    let archs: Vec<ArchTimes> = [1e8, 1e9, 1e10]
        .iter()
        .enumerate()
        .flat_map(|(i, &p)| {
            [
                arch(&format!("lo{i}"), p, 12, 1.0, &[(2, 1.1)]),
                arch(&format!("hi{i}"), p, 12, 1.02, &[(2, 1.1)]),
            ]
        })
        .collect();
    for replicates in [0, 200] {
        assert_flat(
            &fit_archs(&archs, replicates),
            &format!("noisy flat, {replicates} replicates"),
        );
    }
}

#[test]
fn the_h200_selections_have_a_size_dependence_and_price_drafts() {
    let t = h200();
    for mode in [Mode::Graph, Mode::Eager] {
        for ctx in [128, 512, 2048] {
            let sel = LatencySelection {
                mode,
                ctx,
                batch: 1,
            };
            for replicates in [0, 200] {
                let p = fit(&t, sel, replicates);
                assert!(
                    !p.warnings.iter().any(|w| w.contains("no size dependence")),
                    "{mode} ctx {ctx}, {replicates} replicates: {:?}",
                    p.warnings
                );
                p.latency_cost()
                    .unwrap_or_else(|e| panic!("{mode} ctx {ctx}, {replicates} replicates: {e}"));
            }
        }
    }
}

#[test]
fn loao_errors_of_many_architectures_are_refits_without_each_one() {
    // more architectures than the explicit-refit path takes: the errors
    // come from the leverage identity, and must equal refits from scratch
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(27);
    for n in [65, 150, 400] {
        let archs: Vec<ArchTimes> = (0..n)
            .map(|i| {
                let p: f64 = 10f64.powf(rng.random_range(8.0..11.0));
                let l: u64 = rng.random_range(4..=96);
                let t1 = (0.7 + 0.02 * l as f64 + 6e-10 * p)
                    * (1.0 + 0.05 * rng.random_range(-1.0..1.0));
                arch(&format!("a{i:03}"), p, l, t1, &[])
            })
            .collect();
        let p = fit_archs(&archs, 0);
        let refs: Vec<&ArchTimes> = archs.iter().collect();
        for (i, a) in archs.iter().enumerate() {
            let rest: Vec<&ArchTimes> = refs
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, b)| *b)
                .collect();
            let t = a.decode_ms();
            let affine = fit_affine(&rest).unwrap();
            let want = (affine.time_ms(a.params_total) - t) / t;
            let got = p.affine.loao.as_ref().unwrap().per_arch[&a.arch];
            assert!(
                (got - want).abs() <= 1e-10 * want.abs().max(1e-3),
                "n {n}, affine, {}: {got} vs {want}",
                a.arch
            );
            let depth = sdsl::fit::latency::fit_depth(&rest).unwrap();
            let want = (depth.time_ms(a.layers.unwrap() as f64, a.params_total) - t) / t;
            let got = p.depth.as_ref().unwrap().loao.as_ref().unwrap().per_arch[&a.arch];
            assert!(
                (got - want).abs() <= 1e-10 * want.abs().max(1e-3),
                "n {n}, depth, {}: {got} vs {want}",
                a.arch
            );
        }
    }
}
