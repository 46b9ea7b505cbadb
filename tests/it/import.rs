//! `sdsl import` (docs/import.md) on the bundled real vLLM logs
//! (`datasets/engines/vllm/`) and the hand-written fixtures of the other
//! engines (`tests/fixtures/engines/`): α̂ from the printed counts, names
//! and γ from the logs, speed-ups as TPOT ratios, the i.i.d. check, the
//! reader's robustness (ANSI, interleaving, CRLF, several blocks,
//! truncation), the runs table's round trip and random corruption.

use crate::common::{sdsl, sdsl_fails, sdsl_json};
use proptest::prelude::*;
use sdsl::fit::engine_acceptance::iid_check;
use sdsl::fit::estimate::alpha_from_tau;
use sdsl::ingest::engines::RunRow;
use sdsl::ingest::engines::runs;
use sdsl::law::throughput::expected_tokens;
use sdsl::query::import::{ImportOptions, Input, import, render_csv};
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const TARGET: &str = "Qwen/Qwen3-32B";

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(Path::new(ROOT).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn vllm(name: &str) -> Input {
    Input {
        name: name.to_string(),
        bytes: read(&format!("datasets/engines/vllm/{name}")),
    }
}

fn fixture(name: &str) -> Input {
    Input {
        name: name.to_string(),
        bytes: read(&format!("tests/fixtures/engines/{name}")),
    }
}

/// Every bundled vLLM file: the k-sweep with its serve logs and both baselines.
fn bundled() -> Vec<Input> {
    let mut v = Vec::new();
    for k in 1..=8 {
        v.push(vllm(&format!("bench-sd-32b-1.7b-k{k}.log")));
        v.push(vllm(&format!("serve-sd-32b-1.7b-k{k}.log")));
    }
    for f in [
        "bench-nosd-32b.log",
        "serve-32B.log",
        "bench-nosd-1.7b.log",
        "serve-1.7B.log",
    ] {
        v.push(vllm(f));
    }
    v
}

fn rows(inputs: &[Input], opts: &ImportOptions) -> Vec<RunRow> {
    import(inputs, opts).unwrap_or_else(|e| panic!("{e}")).rows
}

fn row<'a>(rows: &'a [RunRow], source: &str) -> &'a RunRow {
    rows.iter()
        .find(|r| r.source == source)
        .unwrap_or_else(|| panic!("no row from {source}"))
}

/// The value printed after `label` in a vLLM summary (the test's own reading).
fn printed(text: &str, label: &str) -> f64 {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no '{label}' line"));
    line.trim_start()[label.len()..].trim().parse().unwrap()
}

#[test]
fn alpha_for_k4_is_the_hand_computed_mle_from_the_printed_counts() {
    let text = String::from_utf8(read("datasets/engines/vllm/bench-sd-32b-1.7b-k4.log")).unwrap();
    let accepted = printed(&text, "Accepted tokens:");
    let drafts = printed(&text, "Drafts:");
    let last = printed(&text, "Position 3:") / 100.0;
    // Σk / (Σk + #{k < γ}), #{k = γ} = round(drafts × last rate)
    let full = (drafts * last).round();
    let by_hand = accepted / (accepted + drafts - full);
    let r = rows(&bundled(), &ImportOptions::default());
    let k4 = row(&r, "bench-sd-32b-1.7b-k4.log");
    assert!(
        (k4.alpha.unwrap() - by_hand).abs() < 1e-9,
        "{:?} vs {by_hand}",
        k4.alpha
    );
    // docs/import.md quotes the bundled k = 4 run: α̂ ≈ 0.791
    assert!((k4.alpha.unwrap() - 0.791).abs() < 5e-4);
    assert_eq!(k4.alpha_method, "counts-mle");
    let (lo, hi) = (k4.alpha_ci95_lower.unwrap(), k4.alpha_ci95_upper.unwrap());
    assert!(
        lo < by_hand && by_hand < hi && hi - lo < 0.1,
        "[{lo}, {hi}]"
    );
    assert_eq!(
        (k4.drafts, k4.accepted_tokens),
        (Some(drafts as u64), Some(accepted as u64))
    );
}

#[test]
fn gamma_and_both_model_names_come_from_the_logs() {
    let r = rows(&bundled(), &ImportOptions::default());
    for k in 1..=8u64 {
        let x = row(&r, &format!("bench-sd-32b-1.7b-k{k}.log"));
        assert_eq!(x.gamma, Some(k));
        assert_eq!(x.per_position.len() as u64, k);
        assert_eq!(
            (x.target.as_str(), x.draft.as_str()),
            (TARGET, "Qwen/Qwen3-1.7B")
        );
        assert_eq!(x.method, "draft_model");
        assert_eq!(x.engine_version, "0.1.dev13107+ge1a34c3a5");
        assert_eq!(x.dataset, "likaixin/InstructCoder");
        assert_eq!(
            (x.temperature, x.max_concurrency, x.num_prompts),
            (Some(0.0), Some(1), Some(1))
        );
        let mb = x.output_tok_s.unwrap() * x.tpot_ms.unwrap() / 1000.0;
        assert_eq!(x.mean_batch, Some(mb));
    }
    // serve logs paired with a bench log give no row of their own
    assert!(r.iter().all(|x| !x.source.starts_with("serve")));
    assert_eq!(r.len(), 10);
}

#[test]
fn the_sweeps_speedups_are_tpot_and_throughput_ratios_against_the_plain_run() {
    let r = rows(&bundled(), &ImportOptions::default());
    let base = row(&r, "bench-nosd-32b.log");
    assert_eq!(
        (base.method.as_str(), base.alpha, base.gamma),
        ("none", None, None)
    );
    assert_eq!(
        base.engine_version, "0.1.dev13107+ge1a34c3a5",
        "paired with serve-32B.log"
    );
    for k in 1..=8 {
        let x = row(&r, &format!("bench-sd-32b-1.7b-k{k}.log"));
        let s = base.tpot_ms.unwrap() / x.tpot_ms.unwrap();
        assert!((x.speedup_tpot.unwrap() - s).abs() < 1e-12, "k={k}");
        let t = x.output_tok_s.unwrap() / base.output_tok_s.unwrap();
        assert!((x.speedup_throughput.unwrap() - t).abs() < 1e-12, "k={k}");
    }
    // the 1.7B alone is another target: no speed-up is taken against it
    assert!(row(&r, "bench-nosd-1.7b.log").speedup_tpot.is_none());
}

#[test]
fn the_iid_checks_expected_rates_are_powers_of_alpha() {
    let r = rows(&bundled(), &ImportOptions::default());
    let k4 = row(&r, "bench-sd-32b-1.7b-k4.log");
    let a = k4.alpha.unwrap();
    let t = iid_check(&k4.per_position, k4.drafts.unwrap(), a).unwrap();
    for (i, e) in t.expected_rates.iter().enumerate() {
        assert!((e - a.powi(i as i32 + 1)).abs() < 1e-15);
    }
    // docs/import.md: 79.1 / 62.6 / 49.5 / 39.1 %
    for (e, want) in t.expected_rates.iter().zip([0.791, 0.626, 0.495, 0.391]) {
        assert!((e - want).abs() < 6e-4, "{e} vs {want}");
    }
    assert_eq!(k4.iid_p, t.p);
    assert_eq!(k4.iid_flag, Some(t.p.unwrap() < 0.01));
    // γ = 1: no degrees of freedom, no p-value, no flag
    let k1 = row(&r, "bench-sd-32b-1.7b-k1.log");
    assert_eq!((k1.iid_p, k1.iid_flag), (None, None));
}

/// A server log with the bench output of k = 4 and the plain 32B run
/// inside it: ANSI codes, server lines between the result lines, CRLF.
fn interleaved_log() -> String {
    let serve = String::from_utf8(read("datasets/engines/vllm/serve-sd-32b-1.7b-k4.log")).unwrap();
    let bench = String::from_utf8(read("datasets/engines/vllm/bench-sd-32b-1.7b-k4.log")).unwrap();
    let base = String::from_utf8(read("datasets/engines/vllm/bench-nosd-32b.log")).unwrap();
    let noise = "\u{1b}[0;36m(APIServer pid=34741)\u{1b}[0;0m INFO 01-26 12:15:30 [loggers.py:257] Engine 000: Avg prompt throughput: 0.0 tokens/s";
    let mut out = String::new();
    for (i, l) in serve.lines().enumerate() {
        out.push_str(l);
        out.push_str("\r\n");
        if i == 40 {
            for (j, b) in bench.lines().enumerate() {
                out.push_str(&format!("\u{1b}[1m{b}\u{1b}[0m\r\n"));
                if j % 3 == 0 {
                    out.push_str(noise);
                    out.push_str("\r\n");
                }
            }
        }
    }
    out.push_str(&base.replace('\n', "\r\n"));
    out
}

#[test]
fn the_reader_survives_ansi_codes_interleaved_lines_crlf_and_several_blocks() {
    let clean = rows(&bundled(), &ImportOptions::default());
    let input = Input {
        name: "combined.log".into(),
        bytes: interleaved_log().into_bytes(),
    };
    let r = rows(&[input], &ImportOptions::default());
    assert_eq!(r.len(), 2, "{r:?}");
    let want = row(&clean, "bench-sd-32b-1.7b-k4.log");
    assert_eq!((r[0].block, r[1].block), (1, 2));
    assert_eq!(r[0].alpha, want.alpha);
    assert_eq!(r[0].per_position, want.per_position);
    assert_eq!(
        (r[0].gamma, r[0].draft.as_str()),
        (Some(4), "Qwen/Qwen3-1.7B")
    );
    assert_eq!(r[1].method, "none");
    assert_eq!(r[0].speedup_tpot, want.speedup_tpot);
}

#[test]
fn a_truncated_block_is_an_error_naming_the_file_and_its_line() {
    let text = String::from_utf8(read("datasets/engines/vllm/bench-sd-32b-1.7b-k4.log")).unwrap();
    let header = text
        .lines()
        .position(|l| l.contains("Serving Benchmark Result"))
        .unwrap()
        + 1;
    let cut: String = text
        .lines()
        .take_while(|l| !l.contains("Position 2"))
        .map(|l| format!("{l}\n"))
        .collect();
    let input = Input {
        name: "bench-cut.log".into(),
        bytes: cut.into_bytes(),
    };
    let e = import(&[input], &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("bench-cut.log: "), "{e}");
    assert!(
        e.contains(&format!("line {header}:")) && e.contains("truncated"),
        "{e}"
    );
    // the command line says so too, with exit 1
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bench-cut.log");
    std::fs::write(
        &p,
        text.lines().take(header + 5).collect::<Vec<_>>().join("\n"),
    )
    .unwrap();
    let err = sdsl_fails(&[
        "import",
        p.to_str().unwrap(),
        "--draft",
        "d",
        "--gamma",
        "4",
    ]);
    assert!(err.contains(&format!("line {header}")), "{err}");
}

#[test]
fn a_block_without_a_speculative_section_is_a_baseline_row() {
    let r = rows(&[vllm("bench-nosd-1.7b.log")], &ImportOptions::default());
    assert_eq!(r.len(), 1);
    let x = &r[0];
    assert_eq!(
        (x.method.as_str(), x.gamma, x.alpha, x.drafts),
        ("none", None, None, None)
    );
    assert_eq!(x.target, "Qwen/Qwen3-1.7B");
    assert_eq!(x.engine_version, "", "no serve log: version unknown");
    assert!(x.tpot_ms.is_some());
}

#[test]
fn a_serve_log_alone_sums_its_snapshots_and_says_so() {
    let text = String::from_utf8(read("datasets/engines/vllm/serve-sd-32b-1.7b-k4.log")).unwrap();
    let sum = |label: &str| -> u64 {
        text.lines()
            .filter(|l| l.contains("SpecDecoding metrics:"))
            .map(|l| {
                let i = l.find(label).unwrap() + label.len();
                l[i..]
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .parse::<u64>()
                    .unwrap()
            })
            .sum()
    };
    let r = rows(
        &[vllm("serve-sd-32b-1.7b-k4.log")],
        &ImportOptions::default(),
    );
    assert_eq!(r.len(), 1);
    let x = &r[0];
    assert_eq!(x.flags[0], "includes_warmup_and_repeats");
    assert_eq!(x.accepted_tokens, Some(sum("Accepted: ")));
    assert_eq!(x.drafts, Some(sum("Drafted: ") / 4));
    assert_eq!((x.gamma, x.draft.as_str()), (Some(4), "Qwen/Qwen3-1.7B"));
    assert!(x.alpha.unwrap() > 0.0 && x.alpha.unwrap() < 1.0);
    // its counts include the warm-up: more than the bench printed
    let bench = rows(&bundled(), &ImportOptions::default());
    assert!(x.accepted_tokens > row(&bench, "bench-sd-32b-1.7b-k4.log").accepted_tokens);
}

#[test]
fn a_bench_log_without_its_serve_log_needs_the_draft_and_never_guesses() {
    let e = import(
        &[vllm("bench-sd-32b-1.7b-k4.log")],
        &ImportOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("bench-sd-32b-1.7b-k4.log") && e.contains("block 1") && e.contains("--draft"),
        "{e}"
    );
    let opts = ImportOptions {
        draft: Some("Qwen/Qwen3-1.7B".into()),
        ..Default::default()
    };
    let r = rows(&[vllm("bench-sd-32b-1.7b-k4.log")], &opts);
    assert_eq!(r[0].gamma, Some(4), "γ = the number of printed rates");
    // a γ that contradicts the printed rates is refused
    let bad = ImportOptions {
        gamma: Some(5),
        ..opts
    };
    let e = import(&[vllm("bench-sd-32b-1.7b-k4.log")], &bad)
        .unwrap_err()
        .to_string();
    assert!(e.contains("4 per-position rates") && e.contains("5"), "{e}");
}

#[test]
fn the_other_engines_fixtures_import_as_their_printing_code_defines() {
    let r = rows(
        &[fixture("vllm-save-result.jsonl")],
        &ImportOptions::default(),
    );
    let (base, spec) = (&r[0], &r[1]);
    assert_eq!(base.method, "none");
    // JSON rates are exact: #{k = 3} = 1000 × 0.38
    assert_eq!(spec.alpha, Some(1650.0 / (1650.0 + 1000.0 - 380.0)));
    assert_eq!(
        spec.speedup_tpot,
        Some(base.tpot_ms.unwrap() / spec.tpot_ms.unwrap())
    );
    assert_eq!(
        (spec.gamma, spec.draft.as_str()),
        (Some(3), "meta-llama/Llama-3.2-1B-Instruct")
    );
    assert_eq!(spec.tar, Some(0.55));

    let opts = ImportOptions {
        draft: Some("Qwen/Qwen3-0.6B".into()),
        gamma: Some(4),
        ..Default::default()
    };
    let s = &rows(&[fixture("sglang-bench-serving.txt")], &opts)[0];
    assert_eq!(
        (
            s.engine.as_str(),
            s.target.as_str(),
            s.alpha_method.as_str()
        ),
        ("sglang", "Qwen/Qwen3-8B", "tau")
    );
    assert!((expected_tokens(s.alpha.unwrap(), 4.0) - 2.46).abs() < 1e-12);
    assert_eq!(
        (s.alpha_ci95_lower, s.dataset.as_str(), s.max_concurrency),
        (None, "sharegpt", Some(8))
    );

    let l = rows(&[fixture("llamacpp-server.log")], &ImportOptions::default());
    assert_eq!(l.len(), 2);
    assert_eq!(
        (
            l[0].tar,
            l[0].alpha,
            l[0].accepted_tokens,
            l[0].draft_tokens
        ),
        (Some(0.57576), None, Some(171), Some(297))
    );
    assert_eq!(
        (l[0].target.as_str(), l[0].draft.as_str()),
        ("Qwen3-8B-Q8_0", "Qwen3-0.6B-Q8_0")
    );

    let p = rows(
        &[fixture("lm-eval-results.json")],
        &ImportOptions::default(),
    );
    let get = |task: &str, norm: &str| {
        p.iter()
            .find(|r| r.dataset == task && r.ppl_norm == norm)
            .map(|r| (r.ppl.unwrap(), r.flags.clone()))
    };
    assert_eq!(get("wikitext", "word").unwrap().0, 16.1234);
    assert_eq!(
        get("wikitext", "byte").unwrap().0,
        1.68337,
        "printed byte perplexity wins"
    );
    let (pile, flags) = get("pile_10k", "byte").unwrap();
    assert_eq!(
        (pile, flags),
        (0.8f64.exp2(), vec!["from_bits_per_byte".to_string()])
    );
    assert!(
        p.iter()
            .all(|r| r.dataset != "hellaswag" && r.model == "Qwen/Qwen3-1.7B")
    );
}

/// Brute-force twin of the τ inversion: a fine grid's α whose E(α, γ) is
/// closest to τ agrees with the bisection.
#[test]
fn tau_inversion_matches_a_grid_scan() {
    for (tau, g) in [(2.46, 4.0), (1.3, 1.0), (3.28, 4.0), (5.9, 8.0)] {
        let steps = 1_000_000;
        let best = (1..steps)
            .map(|i| i as f64 / steps as f64)
            .min_by(|a, b| {
                let da = (expected_tokens(*a, g) - tau).abs();
                let db = (expected_tokens(*b, g) - tau).abs();
                da.total_cmp(&db)
            })
            .unwrap();
        let a = alpha_from_tau(tau, g).unwrap();
        assert!((a - best).abs() < 2e-6, "τ={tau} γ={g}: {a} vs {best}");
    }
}

#[test]
fn json_rows_carry_alpha_as_an_estimate_and_parquet_round_trips() {
    let v = sdsl_json(&[
        "import",
        "datasets/engines/vllm/bench-sd-32b-1.7b-k4.log",
        "datasets/engines/vllm/serve-sd-32b-1.7b-k4.log",
        "--gpu",
        "H100 80 GB (inferred)",
        "--json",
    ]);
    let a = &v[0]["alpha"];
    assert!(a["se"].is_null() && a["method"] == "lr", "{a}");
    let ci = a["ci95"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() < a["point"].as_f64().unwrap());
    assert_eq!(v[0]["gpu"], "H100 80 GB (inferred)");

    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("runs.parquet");
    let mut args = vec!["import".to_string()];
    args.extend(
        bundled()
            .iter()
            .map(|i| format!("datasets/engines/vllm/{}", i.name)),
    );
    args.extend(["--out".into(), pq.display().to_string(), "--csv".into()]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = sdsl(&argv);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_csv = runs::read("stdout", &out.stdout).unwrap();
    let from_parquet = runs::read("runs.parquet", &std::fs::read(&pq).unwrap()).unwrap();
    assert_eq!(from_csv, from_parquet);
    let mut lib = rows(&bundled(), &ImportOptions::default());
    for r in &mut lib {
        r.source = format!("datasets/engines/vllm/{}", r.source);
    }
    assert_eq!(from_csv, lib);
}

#[test]
fn a_failed_import_under_json_is_one_error_object_naming_the_file() {
    let out = sdsl(&[
        "import",
        "datasets/engines/vllm/bench-sd-32b-1.7b-k4.log",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(
        v["error"]["path"],
        "datasets/engines/vllm/bench-sd-32b-1.7b-k4.log"
    );
    assert!(v["error"]["message"].as_str().unwrap().contains("--draft"));
    assert_eq!(
        sdsl(&["import", "x.log", "--gamma", "0"]).status.code(),
        Some(2)
    );
}

#[test]
fn speedup_converts_a_measured_tar_or_acceptance_length_to_alpha() {
    // TAR at K = 4 ↔ τ = 1 + 4·TAR: both flags give the α with E(α, 4) = τ
    let by_tar = sdsl_json(&[
        "speedup",
        "--tar",
        "0.5702",
        "--measured-gamma",
        "4",
        "--cost-ratio",
        "0.096",
        "--gamma",
        "3",
        "--json",
    ]);
    let by_tau = sdsl_json(&[
        "speedup",
        "--acceptance-length",
        "3.2808",
        "--measured-gamma",
        "4",
        "--cost-ratio",
        "0.096",
        "--json",
    ]);
    let a = by_tar["alpha"].as_f64().unwrap();
    assert!((expected_tokens(a, 4.0) - 3.2808).abs() < 1e-9);
    assert!((by_tau["alpha"].as_f64().unwrap() - a).abs() < 1e-12);
    // --gamma keeps its meaning: S is evaluated at γ = 3
    assert_eq!(by_tar["gamma"].as_f64(), Some(3.0));
    let e = sdsl_fails(&[
        "speedup",
        "--acceptance-length",
        "6",
        "--measured-gamma",
        "4",
        "--cost-ratio",
        "0.1",
    ]);
    assert!(e.contains("between 1 and K + 1 = 5"), "{e}");
    assert_eq!(
        sdsl(&["speedup", "--tar", "0.5", "--cost-ratio", "0.1"])
            .status
            .code(),
        Some(2)
    );
}

/// Runs `import` on another thread; fails on a panic or after 5 s.
fn import_within_5s(inputs: Vec<Input>) -> Result<Result<Vec<RunRow>, String>, TestCaseError> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let r = import(&inputs, &ImportOptions::default())
            .map(|o| o.rows)
            .map_err(|e| e.to_string());
        let _ = tx.send(r);
    });
    rx.recv_timeout(std::time::Duration::from_secs(5))
        .map_err(|_| TestCaseError::fail("import panicked or hung"))
}

fn all_inputs() -> Vec<Input> {
    let mut v = bundled();
    v.push(fixture("vllm-save-result.jsonl"));
    v.push(fixture("lm-eval-results.json"));
    v.push(fixture("llamacpp-server.log"));
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// import → CSV → import (as a runs table) gives the same rows, for any
    /// subset of the inputs and any GPU name (commas, quotes, newlines).
    #[test]
    fn runs_tables_round_trip(pick in prop::collection::vec(any::<bool>(), 23), gpu in "[ -~\n]{0,12}") {
        let inputs: Vec<Input> = all_inputs().into_iter().zip(pick).filter(|(_, k)| *k).map(|(i, _)| i).collect();
        let opts = ImportOptions { gpu: Some(gpu), ..Default::default() };
        // a subset may hold a bench log without its serve log: an error, fine
        if let Ok(out) = import(&inputs, &opts) {
            let csv = render_csv(&out.rows).unwrap();
            let back = import(&[Input { name: "runs.csv".into(), bytes: csv.into_bytes() }], &ImportOptions::default()).unwrap().rows;
            prop_assert_eq!(back, out.rows);
        }
    }

    /// Random byte corruption of an input gives an error or rows, never a
    /// panic or a hang; rows that come out are sane.
    #[test]
    fn corrupted_inputs_never_panic(which in 0usize..6, at in any::<prop::sample::Index>(), bytes in prop::collection::vec(any::<u8>(), 1..8), cut in any::<bool>()) {
        let names = ["bench-sd-32b-1.7b-k4.log", "serve-sd-32b-1.7b-k4.log", "vllm-save-result.jsonl", "sglang-bench-serving.txt", "llamacpp-server.log", "lm-eval-results.json"];
        let mut input = if which < 2 { vllm(names[which]) } else { fixture(names[which]) };
        let i = at.index(input.bytes.len());
        if cut {
            input.bytes.truncate(i);
        } else {
            input.bytes.splice(i..(i + bytes.len()).min(input.bytes.len()), bytes);
        }
        let mut inputs = vec![input];
        if which == 0 {
            inputs.push(vllm("serve-sd-32b-1.7b-k4.log"));
        }
        if let Ok(rows) = import_within_5s(inputs)? {
            for r in rows {
                if let Some(a) = r.alpha {
                    prop_assert!((0.0..=1.0).contains(&a));
                }
                if let (Some(l), Some(h)) = (r.alpha_ci95_lower, r.alpha_ci95_upper) {
                    prop_assert!(l <= h);
                }
            }
        }
    }
}
