//! From runs to the fits (docs/import.md, "From runs to the fits"): which
//! rows enter an α fit and which are left out (methods without a sized
//! draft, a serve log's warm-up-inclusive row beside its bench row), pooled
//! counts, the perplexity join's refusals, the runs-affine latency profile
//! (validated like the others, usable as a cost model) and `sdsl validate
//! --runs`' errors.

use crate::common::{sdsl, sdsl_fails, sdsl_json};
use sdsl::fit::latency::LatencyProfile;
use sdsl::fit::runs::{Input, alphas_for_fits, import};
use sdsl::ingest::engines::RunRow;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const V: &str = "datasets/engines/vllm";
const REG: &str = "datasets/models-engines.csv";

fn input(rel: &str) -> Input {
    Input {
        name: rel.to_string(),
        bytes: std::fs::read(Path::new(ROOT).join(rel)).unwrap(),
    }
}

fn rows(files: &[&str]) -> Vec<RunRow> {
    let inputs: Vec<Input> = files.iter().map(|f| input(&format!("{V}/{f}"))).collect();
    import(&inputs, &Default::default()).unwrap().rows
}

#[test]
fn a_serve_log_alone_never_enters_beside_its_bench_row() {
    // the serve log alone: one row of summed snapshots, flagged
    let alone = rows(&["serve-sd-32b-1.7b-k4.log"]);
    assert_eq!(alone.len(), 1);
    assert!(
        alone[0]
            .flags
            .iter()
            .any(|f| f == "includes_warmup_and_repeats")
    );
    let fits = alphas_for_fits(&alone).unwrap();
    assert_eq!(fits.alphas.len(), 1, "alone, it enters");
    // beside the bench row of the same run (two imports concatenated)
    let mut both = rows(&["bench-sd-32b-1.7b-k4.log", "serve-sd-32b-1.7b-k4.log"]);
    both.extend(alone.clone());
    let fits = alphas_for_fits(&both).unwrap();
    assert_eq!(fits.alphas.len(), 1);
    // the bench row's α̂: 609 / (609 + 267 − round(267 × 0.3970)) from the printed counts
    let hand = 609.0 / (609.0 + 267.0 - (267.0f64 * 0.3970).round());
    assert!((fits.alphas[0].alpha - hand).abs() < 1e-12);
    assert!(
        !fits.alphas[0]
            .flags
            .iter()
            .any(|f| f == "includes_warmup_and_repeats")
    );
    assert!(
        fits.skipped.iter().any(|s| s.contains("never both")),
        "{:?}",
        fits.skipped
    );
}

#[test]
fn methods_without_a_sized_draft_are_left_out_and_named() {
    let mut r = rows(&["bench-sd-32b-1.7b-k4.log", "serve-sd-32b-1.7b-k4.log"]);
    let mut eagle = r[0].clone();
    eagle.method = "eagle".into();
    eagle.draft = "yuhuili/EAGLE-Qwen3-32B".into();
    eagle.gamma = Some(3);
    r.push(eagle);
    let fits = alphas_for_fits(&r).unwrap();
    assert_eq!(fits.alphas.len(), 1);
    assert!(
        fits.skipped
            .iter()
            .any(|s| s.contains("method eagle has no draft model of known size")),
        "{:?}",
        fits.skipped
    );
}

#[test]
fn rows_of_one_key_pool_their_counts() {
    // the k = 4 bench row twice (two blocks of one run): the pooled MLE of
    // doubled counts is the same α̂, with a narrower interval
    let one = rows(&["bench-sd-32b-1.7b-k4.log", "serve-sd-32b-1.7b-k4.log"]);
    let mut two = one.clone();
    let mut again = one[0].clone();
    again.block = 2;
    two.push(again);
    let a1 = &alphas_for_fits(&one).unwrap().alphas[0];
    let a2 = &alphas_for_fits(&two).unwrap().alphas[0];
    assert!((a1.alpha - a2.alpha).abs() < 1e-12);
    let w = |a: &sdsl::fit::runs::RunAlpha| a.ci95.map(|[l, h]| h - l).unwrap();
    assert!(w(a2) < w(a1));
    assert_eq!(a2.drafts, Some(2 * 267));
}

#[test]
fn a_fit_that_would_mix_normalisations_or_tokenizers_is_refused() {
    let f = "tests/fixtures/new-family";
    let base = [
        format!("{V}/bench-sd-32b-1.7b-k4.log"),
        format!("{V}/serve-sd-32b-1.7b-k4.log"),
        format!("{f}/illustrative-runs.csv"),
        format!("{f}/illustrative-lm-eval-qwen3-0.6b.json"),
        format!("{f}/illustrative-lm-eval-qwen3-1.7b.json"),
        format!("{f}/illustrative-lm-eval-qwen3-4b.json"),
        format!("{f}/illustrative-lm-eval-qwen3-8b.json"),
        format!("{f}/illustrative-lm-eval-qwen3-32b.json"),
    ];
    let mut args = vec!["fit", "alpha", "--runs"];
    args.extend(base.iter().map(String::as_str));
    let e = sdsl_fails(&args);
    assert!(
        e.contains("2 normalisations (word, byte)") && e.contains("--ppl-norm"),
        "{e}"
    );
    let mut token = args.clone();
    token.extend(["--ppl-norm", "token"]);
    let e = sdsl_fails(&token);
    assert!(
        e.contains("--ppl-norm token: no perplexity row has that normalisation"),
        "{e}"
    );
    // a draft without perplexity: named
    let mut missing: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| !a.ends_with("qwen3-4b.json"))
        .collect();
    missing.extend(["--ppl-norm", "byte"]);
    let e = sdsl_fails(&missing);
    assert!(
        e.contains("no byte perplexity on wikitext for Qwen/Qwen3-4B"),
        "{e}"
    );
    let mut word = args.clone();
    word.extend(["--ppl-norm", "word", "--json"]);
    let j = sdsl_json(&word);
    // 1 real row + 5 illustrative rows
    assert_eq!(j["input"]["rows_used"], 6);
}

#[test]
fn a_runs_profile_is_validated_and_prices_a_speedup() {
    let out = std::env::temp_dir().join(format!("sdsl-runs-profile-{}.json", std::process::id()));
    let o = out.to_str().unwrap();
    let j = sdsl_json(&[
        "fit",
        "latency",
        "--runs",
        &format!("{V}/bench-nosd-1.7b.log"),
        &format!("{V}/bench-nosd-32b.log"),
        "--registry",
        REG,
        "--gpu",
        "H100",
        "--out",
        o,
        "--json",
    ]);
    assert_eq!(j["hardware"], "H100");
    // the speed-up under it: c = 2.27 / 23.65 (the affine law through both
    // runs), v ≡ 1, S = E(α, γ)/(γc + 1) at the best integer γ ≤ 16
    let a = 0.7909f64;
    let c = 2.27 / 23.65;
    let s = |g: f64| (1.0 - a.powf(g + 1.0)) / (1.0 - a) / (g * c + 1.0);
    let (g, best) = (1..=16)
        .map(|g| (g, s(g as f64)))
        .fold((0, 0.0), |b, x| if x.1 > b.1 { x } else { b });
    let sp = sdsl_json(&[
        "speedup",
        "--alpha",
        "0.7909",
        "--cost-model",
        &format!("latency:{o}"),
        "--draft",
        "Qwen3-1.7B",
        "--target",
        "Qwen3-32B",
        "--registry",
        REG,
        "--json",
    ]);
    assert_eq!(sp["gamma_star_int"], g);
    assert!(
        (sp["speedup_star_int"].as_f64().unwrap() - best).abs() < 1e-9,
        "{sp}"
    );
    // tampered: a verification line that claims a measured v, or a missing
    // leave-one-out error with three sizes, is refused with the field named
    let text = std::fs::read_to_string(&out).unwrap();
    let mut p: LatencyProfile = serde_json::from_str(&text).unwrap();
    p.validate("p.json", 16).unwrap();
    let mut bad = p.clone();
    bad.verify[0].a = 1.2;
    let e = bad.validate("p.json", 16).unwrap_err().to_string();
    assert!(
        e.contains("field 'verify[0]'") && e.contains("v ≡ 1"),
        "{e}"
    );
    let mut three = p.clone();
    let mut extra = three.architectures[0].clone();
    extra.arch = "Qwen3-8B".into();
    extra.params_total = 8.19e9;
    three.architectures.push(extra);
    let e = three.validate("p.json", 16).unwrap_err().to_string();
    assert!(e.contains("affine.loao"), "{e}");
    p.kind = "latency_profile".into();
    assert!(
        p.validate("p.json", 16)
            .unwrap_err()
            .to_string()
            .contains("affine.loao")
    );
    let _ = std::fs::remove_file(&out);
}

#[test]
fn a_single_size_gives_no_latency_law_and_says_why() {
    let e = sdsl_fails(&[
        "fit",
        "latency",
        "--runs",
        &format!("{V}/bench-nosd-32b.log"),
        "--registry",
        REG,
    ]);
    assert!(e.contains("at least two models of different sizes"), "{e}");
    // a model the registry lacks is named with the flag that fixes it
    let e = sdsl_fails(&[
        "fit",
        "latency",
        "--runs",
        &format!("{V}/bench-nosd-32b.log"),
        &format!("{V}/bench-nosd-1.7b.log"),
    ]);
    assert!(
        e.contains("--registry FILE") && e.contains("Qwen/Qwen3"),
        "{e}"
    );
}

#[test]
fn validate_runs_errors_name_the_file_and_the_fix() {
    let e = sdsl_fails(&[
        "validate",
        "--runs",
        &format!("{V}/bench-sd-32b-1.7b-k1.log"),
    ]);
    assert!(
        e.contains("bench-sd-32b-1.7b-k1.log") && e.contains("sdsl import"),
        "{e}"
    );
    let e = sdsl_fails(&["validate", "--runs", "no/such/file.log"]);
    assert!(e.contains("no/such/file.log"), "{e}");
    let e = sdsl_fails(&[
        "validate",
        "--runs",
        &format!("{V}/bench-nosd-32b.log"),
        "--only",
        "nope",
    ]);
    assert!(e.contains("--only nope: no such source"), "{e}");
    let _ = sdsl(&["--help"]);
}
