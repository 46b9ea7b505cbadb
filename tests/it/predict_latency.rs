//! `sdsl predict --cost-model latency:…`: N* on measured hardware (docs/latency.md).

use crate::common;
use common::{num, sdsl_fails, sdsl_json};

/// A latency table whose decode times are exactly t = T0 + K·P and whose
/// verification is free (t(q) = t(1) for every q): the latency model must
/// then reduce to `affine:T0,K` with v ≡ 1.
fn exact_affine_table(dir: &std::path::Path, t0: f64, k: f64) -> std::path::PathBuf {
    let mut s = String::from("arch,layers,params_total,mode,q,ctx,ms_median\n");
    for (i, (p, layers)) in [
        (1.2e8, 12),
        (3.5e8, 24),
        (1.3e9, 24),
        (6.6e9, 32),
        (1.3e10, 40),
        (7.0e10, 80),
    ]
    .iter()
    .enumerate()
    {
        for q in [1, 2, 5, 9, 17] {
            s += &format!("m{i},{layers},{p},graph,{q},512,{}\n", t0 + k * p);
        }
    }
    let path = dir.join("affine.csv");
    std::fs::write(&path, s).unwrap();
    path
}

#[test]
fn an_exactly_affine_table_with_free_verification_gives_the_affine_cost_models_nstar() {
    let dir = tempfile::tempdir().unwrap();
    let (t0, k) = (0.7, 6e-10);
    let table = exact_affine_table(dir.path(), t0, k);
    let lat = format!("latency:{}", table.display());
    let aff = format!("affine:{t0},{k}");
    let base = [
        "predict",
        "--target",
        "OPT-13B",
        "--draft-family",
        "OPT",
        "--json",
        "--cost-model",
    ];
    let a = sdsl_json(&[&base[..], &[aff.as_str()]].concat());
    let l = sdsl_json(&[&base[..], &[lat.as_str()]].concat());
    for key in ["n_star", "speedup", "gamma_star", "alpha", "cost_ratio"] {
        let (x, y) = (num(&a, key), num(&l, key));
        assert!(
            (x - y).abs() <= 1e-9 * x.abs(),
            "{key}: affine {x} vs latency {y}"
        );
    }
    assert_eq!(a["gamma_star_int"], l["gamma_star_int"]);
    assert_eq!(num(&l, "verify_ratio"), 1.0);
    assert_eq!(l["cost_model"], lat.as_str());
    assert!(
        l["tokens_per_flop"].is_null(),
        "tokens per FLOP belong to the FLOP model"
    );
}

#[test]
fn the_h200_moves_opt13b_nstar_up_and_its_speedup_down() {
    let flop = sdsl_json(&[
        "predict",
        "--target",
        "OPT-13B",
        "--draft-family",
        "OPT",
        "--json",
    ]);
    let run = |m: &str| {
        sdsl_json(&[
            "predict",
            "--target",
            "OPT-13B",
            "--draft-family",
            "OPT",
            "--json",
            "--cost-model",
            m,
        ])
    };
    let (g, e) = (run("latency:h200-graph"), run("latency:h200-eager"));
    for v in [&g, &e] {
        // a measured, non-affine v: only the integer optimum is defined
        assert!(v["gamma_star"].is_null() && v["speedup"].is_null(), "{v}");
        assert!(num(v, "verify_ratio") >= 1.0);
        assert!(num(v, "ms_per_token") > 0.0 && num(v, "tokens_per_s") > 0.0);
        assert_eq!(v["hardware"], "NVIDIA H200");
        assert_eq!(v["fits_memory"], true);
        // the claim: on the GPU the best draft is larger and the speed-up smaller
        assert!(num(v, "n_star") > num(&flop, "n_star"));
        assert!(num(v, "speedup_int") < num(&flop, "speedup_int"));
    }
    // eager decode steps are launch-bound: drafts are dearer still
    assert!(num(&e, "n_star") > num(&g, "n_star"));
    assert!(num(&e, "speedup_int") < num(&g, "speedup_int"));
    // docs/latency.md (approximate, printed for the record): graph ≈ 198M / 1.68, eager ≈ 271M / 1.21
    eprintln!(
        "OPT-13B: graph N* {:.1}M S {:.3} γ {}; eager N* {:.1}M S {:.3} γ {}",
        num(&g, "n_star") / 1e6,
        num(&g, "speedup_int"),
        g["gamma_star_int"],
        num(&e, "n_star") / 1e6,
        num(&e, "speedup_int"),
        e["gamma_star_int"]
    );
}

#[test]
fn latency_models_are_refused_where_not_yet_supported_and_bad_specs_are_named() {
    let err = sdsl_fails(&[
        "predict",
        "--target",
        "OPT-13B",
        "--cost-model",
        "latency:h100-graph",
    ]);
    assert!(
        err.contains("h100-graph") && err.contains("h200-graph"),
        "{err}"
    );
    let err = sdsl_fails(&[
        "predict",
        "--target",
        "OPT-13B",
        "--cost-model",
        "latency:h200-graph:ctx=999",
    ]);
    assert!(err.contains("ctx 999"), "{err}");
}

/// Decode time (q = 1) of an architecture in the bundled H200 table, read
/// here independently of the library.
fn table_ms(arch: &str, mode: &str) -> f64 {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("datasets/hardware/h200_decode_latency.csv"),
    )
    .unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        if f[col("arch")] == arch
            && f[col("mode")] == mode
            && f[col("q")] == "1"
            && f[col("ctx")] == "512"
        {
            return f[col("ms_median")].parse().unwrap();
        }
    }
    panic!("{arch} {mode} not in the table");
}

#[test]
fn real_drafts_are_ranked_on_measured_times_as_the_sdsl_paper_measured_them() {
    for mode in ["graph", "eager"] {
        let v = sdsl_json(&[
            "predict",
            "--target",
            "OPT-13B",
            "--draft-family",
            "OPT",
            "--cost-model",
            &format!("latency:h200-{mode}"),
            "--json",
        ]);
        let drafts = v["family_drafts"].as_array().unwrap();
        let get =
            |name: &str| drafts.iter().find(|d| d["name"] == name).unwrap()["measured"].clone();
        // c from the measured decode times (issue #11: ≈ 0.069 graph, ≈ 0.26 eager)
        let c = get("OPT-125M")["cost_ratio"].as_f64().unwrap();
        let want = table_ms("OPT-125M", mode) / table_ms("OPT-13B", mode);
        assert!((c - want).abs() < 1e-12 * want, "{mode}: c {c} vs {want}");
        assert_eq!(v["best_family_draft"], "OPT-125M", "{mode}");
        let s = |n: &str| get(n)["speedup"].as_f64().unwrap();
        // OPT-125M on its measured time beats S(N*) from the affine law (docs/latency.md)
        assert!(s("OPT-125M") > v["speedup_int"].as_f64().unwrap(), "{mode}");
        if mode == "eager" {
            // SDSL Appendix F's measured TPOT: 125M (10.1 ms) < 1.3B (14.0) < 350M (14.7)
            assert!(
                s("OPT-125M") > s("OPT-1.3B") && s("OPT-1.3B") > s("OPT-350M"),
                "{drafts:?}"
            );
        }
    }
}

#[test]
fn the_nstar_table_under_the_h200_matches_predict_and_flags_targets_beyond_one_gpu() {
    let t = sdsl_json(&[
        "nstar",
        "table",
        "--cost-model",
        "latency:h200-graph",
        "--json",
    ]);
    assert_eq!(t["cost_model"], "latency:h200-graph");
    let rows = t["rows"].as_array().unwrap();
    let cell = |target: &str, fam: &str| {
        rows.iter()
            .find(|r| r["target"] == target && r["draft_family"] == fam)
            .unwrap()
            .clone()
    };
    let p = sdsl_json(&[
        "predict",
        "--target",
        "OPT-13B",
        "--draft-family",
        "OPT",
        "--cost-model",
        "latency:h200-graph",
        "--json",
    ]);
    assert_eq!(cell("OPT-13B", "OPT")["n_star"], p["n_star"]);
    // 111.2B parameters in bf16 (222 GB) exceed the H200's 150.75e9 bytes
    assert_eq!(cell("Qwen1.5-110B", "OPT")["fits_memory"], false);
    assert_eq!(cell("OPT-13B", "OPT")["fits_memory"], true);
    // the FLOP model's table has no memory flag
    let f = sdsl_json(&["nstar", "table", "--json"]);
    assert!(f["rows"][0].get("fits_memory").is_none());
}

#[test]
fn the_nstar_law_under_the_h200_leaves_out_targets_beyond_one_gpu() {
    let v = sdsl_json(&[
        "nstar",
        "law",
        "--cost-model",
        "latency:h200-graph",
        "--json",
    ]);
    let out = v["beyond_memory"].as_array().unwrap();
    let kept = v["grid"]["points"].as_array().unwrap();
    assert_eq!(out.len() + kept.len(), 84, "12 × 7 grid");
    let mem = 150_754_820_096.0; // datasets/hardware/h200_decode_latency.meta
    for p in out {
        let need = 2.0 * (p["m"].as_f64().unwrap() + p["n_star"].as_f64().unwrap());
        assert!(need > mem, "{p}");
    }
    for p in kept {
        let need = 2.0 * (p["m"].as_f64().unwrap() + p["n_star"].as_f64().unwrap());
        assert!(need <= mem, "{p}");
    }
    // the GPU's cost makes the draft grow faster with M than the FLOP model's
    let f = sdsl_json(&["nstar", "law", "--json"]);
    assert!(f.get("beyond_memory").is_none());
    assert!(num(&v["mu"], "point") > num(&f["mu"], "point"));
}

/// Times t(q) of an architecture (mode, ctx 512) in the bundled H200 table,
/// by q, parsed here independently of the library.
fn table_times(arch: &str, mode: &str) -> Vec<(f64, f64)> {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("datasets/hardware/h200_decode_latency.csv"),
    )
    .unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let mut out: Vec<(f64, f64)> = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[col("arch")] == arch && f[col("mode")] == mode && f[col("ctx")] == "512")
        .map(|f| {
            (
                f[col("q")].parse().unwrap(),
                f[col("ms_median")].parse().unwrap(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

#[test]
fn speedup_under_a_latency_model_is_the_brute_force_maximum_over_measured_costs() {
    for (mode, alpha) in [("eager", 0.65f64), ("graph", 0.72), ("graph", 0.4)] {
        let v = sdsl_json(&[
            "speedup",
            "--alpha",
            &alpha.to_string(),
            "--cost-model",
            &format!("latency:h200-{mode}"),
            "--draft",
            "OPT-125M",
            "--target",
            "OPT-13B",
            "--json",
        ]);
        // brute force: c and v(q) from the table's rows, v linear in q between
        // measured q and at least 1, every γ from 1 to q_max − 1
        let t = table_times("OPT-13B", mode);
        let t1 = t[0].1;
        let c = table_ms("OPT-125M", mode) / t1;
        let v_of = |q: f64| {
            let i = t.iter().position(|p| p.0 >= q).unwrap();
            let r = if t[i].0 == q {
                t[i].1
            } else {
                t[i - 1].1 + (t[i].1 - t[i - 1].1) * (q - t[i - 1].0) / (t[i].0 - t[i - 1].0)
            };
            (r / t1).max(1.0)
        };
        let (mut best_g, mut best_s) = (0u64, 1.0f64);
        for g in 1..=16u64 {
            let e = (1.0 - alpha.powi(g as i32 + 1)) / (1.0 - alpha);
            let s = e / (g as f64 * c + v_of(g as f64 + 1.0));
            if s > best_s {
                (best_g, best_s) = (g, s);
            }
        }
        assert!((num(&v, "cost_ratio") - c).abs() < 1e-12 * c, "{mode}");
        assert_eq!(
            v["gamma_star_int"].as_u64().unwrap(),
            best_g,
            "{mode} {alpha}"
        );
        assert!(
            (num(&v, "speedup_star_int") - best_s).abs() < 1e-12,
            "{mode} {alpha}: {} vs {best_s}",
            num(&v, "speedup_star_int")
        );
        assert!(v["gamma_star"].is_null() && v["speedup_star"].is_null());
        assert_eq!(v["latency"]["draft_measured"], true);
        assert_eq!(v["latency"]["target_measured"], true);
    }
    // docs/latency.md: OPT-125M drafting for OPT-13B reaches S ≈ 1.30 in eager mode
    // (at α from the published laws, ≈ 0.65)
    let v = sdsl_json(&[
        "speedup",
        "--alpha",
        "0.6495",
        "--cost-model",
        "latency:h200-eager",
        "--draft",
        "OPT-125M",
        "--target",
        "OPT-13B",
        "--json",
    ]);
    assert!((num(&v, "speedup_star_int") - 1.30).abs() < 0.01, "{v}");
}

#[test]
fn a_registry_arch_column_lets_llama31_use_llama3s_measured_times() {
    let args = |reg: Option<&str>| {
        let mut a = vec![
            "predict".to_string(),
            "--target".into(),
            "LLaMA3.1-70B".into(),
            "--draft-family".into(),
            "OPT".into(),
            "--cost-model".into(),
            "latency:h200-graph".into(),
            "--json".into(),
        ];
        if let Some(r) = reg {
            a.extend(["--registry".into(), r.into()]);
        }
        a
    };
    let run = |a: Vec<String>| sdsl_json(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let v = run(args(None));
    let d = v["family_drafts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "OPT-125M")
        .unwrap()["measured"]
        .clone();
    assert_eq!(d["target_measured"], true, "{d}");
    let want = table_ms("OPT-125M", "graph") / table_ms("LLaMA3-70B", "graph");
    assert!((num(&d, "cost_ratio") - want).abs() < 1e-12 * want);
    // without the column the name is the arch: LLaMA3.1-70B is not in the table
    let dir = tempfile::tempdir().unwrap();
    let reg = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/models.csv"),
    )
    .unwrap();
    let stripped: String = reg
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n")
        .collect();
    assert!(stripped.starts_with("name,family,role,params,tokens,source\n"));
    let path = dir.path().join("models.csv");
    std::fs::write(&path, stripped).unwrap();
    let v = run(args(Some(path.to_str().unwrap())));
    let d = v["family_drafts"][0]["measured"].clone();
    assert_eq!(d["target_measured"], false, "{d}");
}

#[test]
fn batches_are_interpolated_in_graph_mode_and_refused_in_eager_mode() {
    let at = |b: &str| {
        sdsl_json(&[
            "predict",
            "--target",
            "OPT-13B",
            "--cost-model",
            &format!("latency:h200-graph:batch={b}"),
            "--json",
        ])
    };
    let (s1, s8, s16) = (at("1"), at("8"), at("16"));
    // verification grows with the batch: the speed-up falls
    assert!(num(&s1, "speedup_int") > num(&s8, "speedup_int"));
    assert!(num(&s8, "speedup_int") > num(&s16, "speedup_int"));
    let err = sdsl_fails(&[
        "predict",
        "--target",
        "OPT-13B",
        "--cost-model",
        "latency:h200-eager:batch=4",
    ]);
    assert!(
        err.contains("eager") && err.contains("graph mode only"),
        "{err}"
    );
}

/// A registry `arch` that names another registry model exactly (the bundled
/// LLaMA3.1-70B row points at LLaMA3-70B) is a deliberate pointer: where the
/// table lacks it (the batched H200 table has no LLaMA3-70B) the model is
/// priced by the affine law with a warning, not refused as a typo of
/// LLaMA3-8B; the case-changed name is still a typo.
#[test]
fn an_arch_naming_another_registry_model_is_priced_by_the_law_where_the_table_lacks_it() {
    let out = common::sdsl(&[
        "nstar",
        "table",
        "--cost-model",
        "latency:h200-graph:batch=8",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("LLaMA3.1-70B ('LLaMA3-70B')") && err.contains("affine law"),
        "{err}"
    );
    assert!(table.contains("LLaMA3.1-70B"), "{table}");
    // the same pointer with its case changed is not a registry name: a typo
    let dir = tempfile::tempdir().unwrap();
    let reg = dir.path().join("case.csv");
    let bundled = std::fs::read_to_string("datasets/models.csv").unwrap();
    std::fs::write(&reg, bundled.replace(",LLaMA3-70B\n", ",llama3-70b\n")).unwrap();
    let out = common::sdsl(&[
        "nstar",
        "table",
        "--registry",
        reg.to_str().unwrap(),
        "--cost-model",
        "latency:h200-graph:batch=8",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("'llama3-70b'") && err.contains("did you mean"),
        "{err}"
    );
}

/// Issue #27: a registry `arch` that is not an architecture of the latency
/// table is refused when it looks like a typo of one (edit distance ≤ 2,
/// case-insensitive), and otherwise priced by the affine law with a warning.
#[test]
fn a_registry_arch_the_table_lacks_is_refused_as_a_typo_or_priced_by_the_law_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let registry = |name: &str, arch: &str| {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            format!(
                "name,family,role,params,tokens,source,arch\n\
                 OPT-125M,OPT,draft,1.25e8,1.8e11,card,\n\
                 My-13B,Mine,target,1.285e10,1.8e11,card,{arch}\n"
            ),
        )
        .unwrap();
        path
    };
    let run = |reg: &std::path::Path, cmd: &[&str]| {
        let mut a: Vec<&str> = cmd.to_vec();
        a.extend([
            "--registry",
            reg.to_str().unwrap(),
            "--cost-model",
            "latency:h200-graph",
            "--json",
        ]);
        common::sdsl(&a)
    };
    let predict = ["predict", "--target", "My-13B", "--draft-family", "OPT"];
    let table = ["nstar", "table"];
    for typo in ["opt-13b", "OPT-13", "OTP-13B"] {
        let reg = registry(&format!("typo-{typo}.csv"), typo);
        for cmd in [&predict[..], &table[..]] {
            let out = run(&reg, cmd);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{cmd:?} with arch {typo}: {err}");
            assert!(!err.contains("panicked"), "{err}");
            for needle in [
                "typo-",
                "row 2",
                "column 'arch'",
                &format!("'{typo}'"),
                "did you mean 'OPT-13B'",
            ] {
                assert!(
                    err.contains(needle),
                    "{cmd:?}: expected '{needle}' in {err}"
                );
            }
        }
    }
    let reg = registry("unknown.csv", "Mamba-13B");
    for cmd in [&predict[..], &table[..]] {
        let out = run(&reg, cmd);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{cmd:?}: {err}");
        assert!(
            err.contains("warning")
                && err.contains("My-13B")
                && err.contains("'Mamba-13B'")
                && err.contains("affine law"),
            "{cmd:?}: {err}"
        );
    }
    // an arch the table measured, and no arch at all, raise nothing
    for (name, arch) in [("known.csv", "OPT-13B"), ("none.csv", "")] {
        let reg = registry(name, arch);
        let out = run(&reg, &predict);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && !err.contains("affine law"), "{err}");
    }
}

/// Issue #27: a latency option given twice (`ctx=512:ctx=128`) contradicts
/// itself; it is refused by name instead of taking the last.
#[test]
fn a_repeated_latency_option_is_refused_by_name() {
    for (spec, key) in [
        ("latency:h200-graph:ctx=512:ctx=128", "ctx"),
        ("latency:h200-graph:ctx=512:ctx=512", "ctx"),
        ("latency:h200-graph:mode=graph:batch=1:mode=eager", "mode"),
        ("latency:h200-graph:batch=4:batch=8", "batch"),
    ] {
        let err = sdsl_fails(&["predict", "--target", "OPT-13B", "--cost-model", spec]);
        assert!(
            err.contains(&format!("option '{key}' is given twice")),
            "{spec}: {err}"
        );
    }
}

/// The bundled H200 table with its longest verification (q = 17) renamed to
/// `q`, written to `dir`.
fn h200_with_longest_q(dir: &std::path::Path, q: u64) -> std::path::PathBuf {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/datasets/hardware/h200_decode_latency.csv"
    ))
    .unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let qi = header.split(',').position(|c| c == "q").unwrap();
    let mut out = format!("{header}\n");
    for line in lines {
        let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
        if cells[qi] == "17" {
            cells[qi] = q.to_string();
        }
        out += &cells.join(",");
        out.push('\n');
    }
    let path = dir.join(format!("h200_q{q}.csv"));
    std::fs::write(&path, out).unwrap();
    path
}

/// Runs `sdsl`, killing it after `limit` (a hang detector, not a speed
/// assertion): None when it had to be killed.
fn sdsl_within(args: &[&str], limit: std::time::Duration) -> Option<std::process::Output> {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_sdsl"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if child.try_wait().unwrap().is_some() {
            return Some(child.wait_with_output().unwrap());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Issue #27, bug 4: a latency table with an absurd q (10⁷ here) made the
/// integer γ search walk every γ up to q − 1 (predict, speedup, nstar and
/// refit hung). Now the row is refused by name before any search: q may be
/// at most 1 + 4·max(16, max-gamma) (65 at the default cap of 16).
#[test]
fn an_absurd_q_is_refused_with_its_row_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let table = h200_with_longest_q(dir.path(), 10_000_000);
    let spec = format!("latency:{}", table.display());
    let limit = std::time::Duration::from_secs(60);
    for args in [
        vec!["predict", "--target", "OPT-13B", "--cost-model", &spec],
        vec![
            "speedup",
            "--alpha",
            "0.8",
            "--cost-model",
            &spec,
            "--draft",
            "OPT-125M",
            "--target",
            "OPT-13B",
        ],
        vec!["nstar", "table", "--cost-model", &spec],
    ] {
        let out = sdsl_within(&args, limit).unwrap_or_else(|| panic!("{args:?} hung"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("column 'q'"), "{err}");
        assert!(err.contains("q = 10000000"), "{err}");
        assert!(err.contains("row "), "{err}");
        assert!(err.contains("--max-gamma"), "{err}");
    }
}

/// The absurd-q limit is 1 + 4·max(16, max-gamma): q = 65 passes at the default cap,
/// q = 66 does not, and `--max-gamma 17` (limit 69) admits it.
#[test]
fn the_absurd_q_limit_follows_max_gamma() {
    let dir = tempfile::tempdir().unwrap();
    let ok = format!("latency:{}", h200_with_longest_q(dir.path(), 65).display());
    let over = format!("latency:{}", h200_with_longest_q(dir.path(), 66).display());
    sdsl_json(&[
        "predict",
        "--target",
        "OPT-13B",
        "--cost-model",
        &ok,
        "--json",
    ]);
    let err = sdsl_fails(&["predict", "--target", "OPT-13B", "--cost-model", &over]);
    assert!(err.contains("q = 66") && err.contains("= 65"), "{err}");
    sdsl_json(&[
        "predict",
        "--target",
        "OPT-13B",
        "--cost-model",
        &over,
        "--max-gamma",
        "17",
        "--json",
    ]);
}

/// `--max-gamma` caps the integer γ search under a measured verification
/// cost: at a cap of 2 no γ above 2 is chosen, for N\* and for every real
/// draft, while the uncapped run picks a larger γ (so the cap bites).
#[test]
fn max_gamma_caps_the_measured_gamma_search() {
    let base = [
        "predict",
        "--target",
        "OPT-13B",
        "--draft-family",
        "OPT",
        "--cost-model",
        "latency:h200-graph",
        "--json",
    ];
    let free = sdsl_json(&base);
    assert!(num(&free, "gamma_star_int") > 2.0, "{free}");
    let mut capped_args = base.to_vec();
    capped_args.extend(["--max-gamma", "2"]);
    let capped = sdsl_json(&capped_args);
    assert!(num(&capped, "gamma_star_int") <= 2.0, "{capped}");
    for d in capped["family_drafts"].as_array().unwrap() {
        assert!(d["measured"]["gamma"].as_u64().unwrap() <= 2, "{d}");
    }
    // the FLOP model has no cap to set: refused, not ignored
    let err = sdsl_fails(&["predict", "--target", "OPT-13B", "--max-gamma", "2"]);
    assert!(err.contains("--max-gamma"), "{err}");
    // speedup: γ ≤ the cap
    let s = sdsl_json(&[
        "speedup",
        "--alpha",
        "0.9",
        "--cost-model",
        "latency:h200-graph",
        "--draft",
        "OPT-125M",
        "--target",
        "OPT-13B",
        "--max-gamma",
        "3",
        "--json",
    ]);
    assert!(num(&s, "gamma_star_int") <= 3.0, "{s}");
}

/// Issue #27: `speedup` under a latency model warns, as `predict` does, when
/// a size lies outside the table's range or the pair exceeds the device.
#[test]
fn speedup_warns_about_sizes_beyond_the_table_and_memory() {
    let out = common::sdsl(&[
        "speedup",
        "--alpha",
        "0.8",
        "--cost-model",
        "latency:h200-graph",
        "--draft-params",
        "1e9",
        "--target-params",
        "1e12",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["latency"]["fits_memory"], false, "{v}");
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    let w = err["warnings"].to_string();
    assert!(w.contains("outside the table's fitted range"), "{w}");
    assert!(w.contains("does not fit (bf16, one GPU)"), "{w}");
    // a measured pair inside the table raises neither
    let ok = common::sdsl(&[
        "speedup",
        "--alpha",
        "0.8",
        "--cost-model",
        "latency:h200-graph",
        "--draft",
        "OPT-125M",
        "--target",
        "OPT-13B",
    ]);
    assert!(ok.status.success());
    assert!(
        ok.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}
