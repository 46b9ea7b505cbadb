//! `sdsl plan` (docs/plan.md): its rows against `sdsl speedup` and
//! `sdsl predict` (independent paths), its recommendation against a brute
//! force over its own rows, and its refusals.
use crate::common;
use common::*;
use serde_json::Value;

fn plan_json(extra: &[&str]) -> Value {
    let mut args = vec!["plan", "--json"];
    args.extend_from_slice(extra);
    sdsl_json(&args)
}

fn rows(v: &Value) -> &Vec<Value> {
    v["rows"].as_array().expect("rows")
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

/// Every row of the OPT-13B plan on the H200 graph tables prices the pair
/// as `sdsl speedup --cost-model latency:h200-graph:batch=B` does (the
/// speed-up query's own path) at the row's α and γ, finds the same best
/// γ, and takes α from the laws as `sdsl predict` does.
#[test]
fn plan_rows_match_speedup_and_predict_for_opt13b_on_h200_graph() {
    let v = plan_json(&[
        "--target",
        "OPT-13B",
        "--drafts",
        "OPT",
        "--hardware",
        "h200-graph",
        "--batch",
        "1,4,16,64",
    ]);
    let p = sdsl_json(&[
        "predict",
        "--target",
        "OPT-13B",
        "--draft-family",
        "OPT",
        "--json",
    ]);
    let family = p["family_drafts"].as_array().expect("family drafts");
    assert_eq!(
        rows(&v).len(),
        4 * family.len(),
        "one row per batch × draft"
    );
    for r in rows(&v) {
        let draft = r["draft"].as_str().unwrap();
        let batch = num(r, "batch");
        let alpha = num(r, "alpha");
        let fd = family
            .iter()
            .find(|d| d["name"] == draft)
            .expect("predict has the draft");
        assert!(
            rel(alpha, num(fd, "alpha")) < 1e-12,
            "{draft}: α {alpha} vs predict {}",
            num(fd, "alpha")
        );
        let cm = format!("latency:h200-graph:batch={batch}");
        let alpha_s = format!("{alpha:e}");
        let s = sdsl_json(&[
            "speedup",
            "--alpha",
            &alpha_s,
            "--cost-model",
            &cm,
            "--draft",
            draft,
            "--target",
            "OPT-13B",
            "--json",
        ]);
        assert_eq!(
            num(r, "gamma"),
            num(&s, "gamma_star_int"),
            "{draft} at batch {batch}"
        );
        assert!(
            rel(num(r, "speedup"), num(&s, "speedup_star_int")) < 1e-9,
            "{draft} at batch {batch}"
        );
        assert!(rel(num(r, "cost_ratio"), num(&s, "cost_ratio")) < 1e-12);
        let lat = &s["latency"];
        assert!(rel(num(r, "ms_per_token"), num(lat, "ms_per_token")) < 1e-9);
        assert!(
            rel(
                num(r, "tokens_per_s_aggregate"),
                batch * num(lat, "tokens_per_s")
            ) < 1e-9
        );
        assert_eq!(r["fits_memory"], lat["fits_memory"]);
        // S at the row's γ, evaluated by `speedup --gamma`
        if num(r, "gamma") >= 1.0 {
            let g = format!("{}", num(r, "gamma"));
            let s = sdsl_json(&[
                "speedup",
                "--alpha",
                &alpha_s,
                "--cost-model",
                &cm,
                "--draft",
                draft,
                "--target",
                "OPT-13B",
                "--gamma",
                &g,
                "--json",
            ]);
            assert!(rel(num(r, "speedup"), num(&s, "speedup")) < 1e-9);
        }
    }
}

/// The recommendation is the draft with the highest Σ w_b·(aggregate
/// tokens/s) over the mix, computed here from the rows by brute force; its
/// expected speed-up divides that by plain decoding's Σ w_b·b·1000/t_M(b).
#[test]
fn plan_recommends_the_draft_maximising_mix_weighted_throughput() {
    for mix in ["1:0.5,8:0.3,32:0.2", "1:0.05,16:0.15,64:0.8", "64:1"] {
        let v = plan_json(&[
            "--target",
            "OPT-13B",
            "--drafts",
            "OPT",
            "--hardware",
            "h200-graph",
            "--batch-mix",
            mix,
        ]);
        let weights: Vec<(f64, f64)> = v["batch_mix"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (num(m, "batch"), num(m, "weight")))
            .collect();
        assert!((weights.iter().map(|w| w.1).sum::<f64>() - 1.0).abs() < 1e-12);
        let mut names: Vec<&str> = rows(&v)
            .iter()
            .map(|r| r["draft"].as_str().unwrap())
            .collect();
        names.dedup();
        names.sort();
        names.dedup();
        let score = |d: &str| -> (f64, f64) {
            let mut s = 0.0;
            let mut plain = 0.0;
            for r in rows(&v).iter().filter(|r| r["draft"] == d) {
                let w = weights
                    .iter()
                    .find(|(b, _)| *b == num(r, "batch"))
                    .unwrap()
                    .1;
                s += w * num(r, "tokens_per_s_aggregate");
                plain += w * num(r, "batch") * 1000.0 / num(r, "target_step_ms");
            }
            (s, plain)
        };
        let best = names
            .iter()
            .max_by(|a, b| score(a).0.total_cmp(&score(b).0))
            .unwrap();
        let rec = &v["recommendation"];
        assert_eq!(rec["draft"].as_str(), Some(*best), "mix {mix}");
        let (s, plain) = score(best);
        assert!(
            rel(num(rec, "expected_speedup"), s / plain) < 1e-12,
            "mix {mix}"
        );
        assert!(rel(num(rec, "expected_tokens_per_s"), s) < 1e-12);
        // γ per batch range covers the planned batches with the rows' γ
        for r in rows(&v).iter().filter(|r| r["draft"] == *best) {
            let b = num(r, "batch");
            let range = rec["gamma_by_batch"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| num(g, "from_batch") <= b && b <= num(g, "to_batch"))
                .expect("a range covers every batch");
            assert_eq!(num(range, "gamma"), num(r, "gamma"));
        }
        if mix == "64:1" {
            // at batch 64 no size beats plain decoding under the affine law
            assert!(rec["n_star_law"].is_null(), "mix {mix}");
            assert!(
                v["warnings"]
                    .to_string()
                    .contains("no N* from the laws at batch 64")
            );
        } else {
            assert!(
                rec["n_star_law"]["n_star"].as_f64().is_some(),
                "N* from the laws next to the pick"
            );
        }
    }
}

/// `off_above_batch` is the first planned batch whose best S over γ ≥ 1 is
/// below 1, checked with `sdsl speedup` (best γ 0 there): OPT-2.7B for
/// OPT-13B loses by batch 64 on the H200 graph tables.
#[test]
fn plan_turns_speculation_off_where_the_best_speedup_drops_below_one() {
    let v = plan_json(&[
        "--target",
        "OPT-13B",
        "--drafts",
        "OPT-2.7B",
        "--hardware",
        "h200-graph",
        "--batch",
        "1,16,32,64",
    ]);
    let mut first_off = None;
    for r in rows(&v) {
        let b = num(r, "batch");
        let cm = format!("latency:h200-graph:batch={b}");
        let a = format!("{:e}", num(r, "alpha"));
        let s = sdsl_json(&[
            "speedup",
            "--alpha",
            &a,
            "--cost-model",
            &cm,
            "--draft",
            "OPT-2.7B",
            "--target",
            "OPT-13B",
            "--json",
        ]);
        if num(&s, "gamma_star_int") == 0.0 && first_off.is_none() {
            first_off = Some(b);
        }
    }
    assert!(
        first_off.is_some(),
        "the constructed case must switch speculation off"
    );
    assert_eq!(v["recommendation"]["off_above_batch"].as_f64(), first_off);
    // and a mix where the small draft pays everywhere has none
    let v = plan_json(&[
        "--target",
        "OPT-13B",
        "--drafts",
        "OPT-125M",
        "--hardware",
        "h200-graph",
        "--batch",
        "1,4",
    ]);
    assert!(v["recommendation"]["off_above_batch"].is_null());
}

/// On an 80 GB GPU a bf16 70B target does not fit one device: every row
/// says so, nothing is recommended, and the warning suggests fp8 weights;
/// with `:weights=fp8` the plan has a pick.
#[test]
fn plan_marks_a_70b_bf16_target_on_h100_as_not_fitting() {
    let out = sdsl(&[
        "plan",
        "--target",
        "LLaMA3-70B",
        "--drafts",
        "law",
        "--hardware",
        "roofline:h100-sxm",
        "--batch",
        "1,8",
        "--json",
    ]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        rows(&v)
            .iter()
            .all(|r| r["fits_memory"] == Value::Bool(false))
    );
    assert!(v["recommendation"]["draft"].is_null());
    // the fp8-weights plan comes along, marked as such
    let f = &v["fp8_plan"];
    assert_eq!(f["hardware"], "roofline:h100-sxm:weights=fp8");
    assert!(rows(f).iter().all(|r| r["weights"] == "fp8"));
    let w = v["warnings"].to_string();
    assert!(
        w.contains("does not fit (bf16, one GPU)") && w.contains(":weights=fp8"),
        "{w}"
    );
    let v = plan_json(&[
        "--target",
        "LLaMA3-70B",
        "--drafts",
        "law",
        "--hardware",
        "roofline:h100-sxm:weights=fp8",
        "--batch",
        "1,8",
    ]);
    assert!(rows(&v).iter().all(|r| r["weights"] == "fp8"));
    assert!(v["recommendation"]["draft"].is_string());
}

/// `--format vllm` prints a `--speculative-config` whose quoted text is
/// JSON with the recommendation's draft and its one-per-server γ.
#[test]
fn plan_vllm_format_is_json_with_the_recommended_draft_and_gamma() {
    let args = [
        "plan",
        "--target",
        "OPT-13B",
        "--drafts",
        "OPT",
        "--hardware",
        "h200-graph",
        "--batch",
        "1,8,32",
    ];
    let v = sdsl_json(&[&args[..], &["--json"]].concat());
    let out = sdsl(&[&args[..], &["--format", "vllm"]].concat());
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("--speculative-config '"))
        .expect("a --speculative-config line");
    let inner = line
        .strip_prefix("--speculative-config '")
        .and_then(|l| l.strip_suffix('\''))
        .unwrap();
    let cfg: Value = serde_json::from_str(inner).expect("JSON inside the quotes");
    assert_eq!(cfg["method"], "draft_model");
    assert_eq!(
        cfg["num_speculative_tokens"].as_f64(),
        v["recommendation"]["server_gamma"].as_f64()
    );
    assert_eq!(cfg["model"], "facebook/opt-125m");
    assert_eq!(v["recommendation"]["draft"], "OPT-125M");
    assert!(
        text.contains("002e77c1f0ef9b19cff8b9e21cfbd6feb3d6b443"),
        "names the vLLM commit checked"
    );
    let out = sdsl(&[&args[..], &["--format", "sglang"]].concat());
    let text = String::from_utf8(out.stdout).unwrap();
    let g = v["recommendation"]["server_gamma"].as_u64().unwrap();
    assert!(
        text.contains(&format!("--speculative-num-steps {g} ")),
        "{text}"
    );
    assert!(
        text.contains(&format!("--speculative-num-draft-tokens {}", g + 1)),
        "{text}"
    );
}

/// Bad inputs: usage errors (exit 2) for malformed flags, input errors
/// (exit 1) for names and profiles; with --json one error object on stderr.
#[test]
fn plan_refuses_bad_inputs_clearly() {
    let base = [
        "plan",
        "--target",
        "OPT-13B",
        "--drafts",
        "OPT",
        "--hardware",
        "h200-graph",
        "--json",
    ];
    for (extra, code, needle) in [
        (vec!["--batch-mix", ""], 2, "empty"),
        (vec!["--batch-mix", "1:-0.5,8:1"], 2, "≥ 0"),
        (vec!["--batch-mix", "1:0,8:0"], 2, "sum to 0"),
        (vec!["--batch-mix", "1:0.5,1:0.5"], 2, "twice"),
        (vec!["--batch", "0,4"], 2, "batch 0"),
        (vec!["--batch", "1,x"], 2, "not a whole number"),
        (
            vec!["--batch", "1,4", "--batch-mix", "8:1"],
            1,
            "not among the planned batches",
        ),
        (vec!["--alpha", "no-such-runs.csv"], 1, "no such file"),
    ] {
        let args = [&base[..], &extra[..]].concat();
        let out = sdsl(&args);
        assert_eq!(out.status.code(), Some(code), "{extra:?}");
        let err: Value = serde_json::from_slice(&out.stderr).expect("one JSON object on stderr");
        let msg = err["error"]["message"].as_str().unwrap();
        assert!(msg.contains(needle), "{extra:?}: {msg}");
        assert!(out.stdout.is_empty());
    }
    let err = sdsl_fails(&[
        "plan",
        "--target",
        "OPT-13B",
        "--drafts",
        "NoSuchDraft",
        "--hardware",
        "h200-graph",
    ]);
    assert!(
        err.contains("neither a draft family") && err.contains("OPT"),
        "{err}"
    );
    let err = sdsl_fails(&[
        "plan",
        "--target",
        "OPT-13B",
        "--drafts",
        "OPT",
        "--hardware",
        "h200-eager",
        "--batch",
        "1,4",
    ]);
    assert!(err.contains("eager") && err.contains("batch 4"), "{err}");
    let err = sdsl_fails(&[
        "plan",
        "--target",
        "OPT-13B",
        "--drafts",
        "OPT",
        "--hardware",
        "h200-graph:batch=4",
    ]);
    assert!(err.contains("--batch"), "{err}");
    let err = sdsl_fails(&[
        "plan",
        "--target",
        "OPT-13B",
        "--drafts",
        "OPT",
        "--hardware",
        "roofline:nope",
    ]);
    assert!(err.contains("h100-sxm"), "lists the catalogue: {err}");
}

/// On the measured H200 tables above batch 1, a target the batched table
/// did not measure (read from the table here) is priced with the fitted v
/// lines, and the plan says v is extrapolated.
#[test]
fn plan_says_v_is_extrapolated_for_a_target_missing_from_the_batched_table() {
    let table = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("datasets/hardware/h200_decode_latency_batched.csv"),
    )
    .unwrap();
    let measured = |arch: &str| table.lines().any(|l| l.starts_with(&format!("{arch},")));
    assert!(
        !measured("OPT-66B") && measured("OPT-13B"),
        "the premise of this test"
    );
    let v = plan_json(&[
        "--target",
        "OPT-66B",
        "--drafts",
        "OPT-125M",
        "--hardware",
        "h200-graph",
        "--batch",
        "1,4",
    ]);
    let at4 = rows(&v).iter().find(|r| num(r, "batch") == 4.0).unwrap();
    assert_eq!(at4["target_measured"], false);
    assert!(
        v["warnings"]
            .to_string()
            .contains("v is extrapolated at batch 4")
    );
    let v = plan_json(&[
        "--target",
        "OPT-13B",
        "--drafts",
        "OPT-125M",
        "--hardware",
        "h200-graph",
        "--batch",
        "1,4",
    ]);
    assert!(!v["warnings"].to_string().contains("v is extrapolated"));
}

/// `--csv` prints the JSON rows, one line each, at full precision.
#[test]
fn plan_csv_prints_the_json_rows() {
    let args = [
        "plan",
        "--target",
        "OPT-13B",
        "--drafts",
        "OPT",
        "--hardware",
        "h200-graph",
        "--batch",
        "1,16",
    ];
    let v = sdsl_json(&[&args[..], &["--json"]].concat());
    let out = sdsl(&[&args[..], &["--csv"]].concat());
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let body: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(body.len(), rows(&v).len());
    for (cells, r) in body.iter().zip(rows(&v)) {
        assert_eq!(cells[col("draft")], r["draft"].as_str().unwrap());
        assert_eq!(
            cells[col("speedup")].parse::<f64>().unwrap(),
            num(r, "speedup")
        );
        assert_eq!(cells[col("gamma")].parse::<f64>().unwrap(), num(r, "gamma"));
    }
}

/// `--alpha RUNS`: the pair the vLLM runs measured (Qwen3-1.7B drafting for
/// Qwen3-32B, k = 1…8) takes the runs' α̂, pooled over the eight γ as the
/// MLE ΣΣk / (ΣΣk + Σ#{k < γ}) recomputed here from `sdsl import --json`'s
/// printed counts; the drafts the runs did not measure keep the laws' α
/// (equal to the plan without `--alpha`); each row says which.
#[test]
fn plan_takes_measured_alpha_for_the_pairs_the_runs_measured() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs.csv");
    let logs: Vec<String> = std::fs::read_dir("datasets/engines/vllm")
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".log"))
        .collect();
    let mut args: Vec<&str> = vec!["import", "--json"];
    args.extend(logs.iter().map(String::as_str));
    let imported = sdsl_json(&args);
    let (mut acc, mut rej) = (0.0, 0.0);
    for r in imported.as_array().unwrap() {
        if r["method"] != "draft_model" || r["flags"].to_string().contains("warmup") {
            continue;
        }
        let drafts = num(r, "drafts");
        let last = r["per_position"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .as_f64()
            .unwrap();
        acc += num(r, "accepted_tokens");
        rej += drafts - (drafts * last).round();
    }
    let want = acc / (acc + rej);
    assert!((want - 0.788).abs() < 0.01, "{want}");
    let mut args: Vec<&str> = vec!["import", "--out", runs.to_str().unwrap()];
    args.extend(logs.iter().map(String::as_str));
    assert!(sdsl(&args).status.success());
    let base = [
        "plan",
        "--target",
        "Qwen3-32B",
        "--drafts",
        "Qwen3",
        "--registry",
        "datasets/models-engines.csv",
        "--hardware",
        "roofline:h100-sxm",
        "--batch",
        "1,4",
        "--json",
    ];
    let with = sdsl_json(&[&base[..], &["--alpha", runs.to_str().unwrap()]].concat());
    let without = sdsl_json(&base);
    assert!(with["alpha_source"].as_str().unwrap().starts_with("runs: "));
    assert_eq!(without["alpha_source"], "laws");
    for (r, l) in rows(&with).iter().zip(rows(&without)) {
        if r["draft"] == "Qwen3-1.7B" {
            assert_eq!(r["alpha_source"], "runs");
            assert!((num(r, "alpha") - want).abs() < 1e-12, "{r}");
        } else {
            assert_eq!(r["alpha_source"], "laws");
            assert_eq!(num(r, "alpha"), num(l, "alpha"));
        }
    }
    assert!(
        with["warnings"]
            .to_string()
            .contains("α measured in the runs for")
    );
}
