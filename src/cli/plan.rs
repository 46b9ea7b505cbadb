//! `sdsl plan`: which draft to serve next to a target on a GPU, with how
//! many speculative tokens per batch size, and where speculation stops
//! paying (docs/plan.md).

use crate::catalog::laws;
use crate::query::plan::{Drafts, PlanOut, PlanQuery};
use anyhow::{Context, bail};
use clap::Args;
use std::path::PathBuf;

/// vLLM source whose `SpeculativeConfig` keys `--format vllm` uses
/// (`vllm/config/speculative.py`: `method` with the value `draft_model`,
/// `model`, `num_speculative_tokens` > 0; no batch-size switch-off field,
/// the per-batch schedule is `num_speculative_tokens_per_batch_size`).
pub const VLLM_CHECKED: &str =
    "vLLM main at commit 002e77c1f0ef9b19cff8b9e21cfbd6feb3d6b443 (vllm/config/speculative.py)";

/// SGLang source whose flags `--format sglang` uses
/// (`python/sglang/srt/server_args.py`: `--speculative-algorithm` with the
/// builtin `STANDALONE` for a small draft model,
/// `--speculative-draft-model-path`, `--speculative-num-steps`,
/// `--speculative-eagle-topk`, `--speculative-num-draft-tokens`; no
/// batch-size threshold setting).
pub const SGLANG_CHECKED: &str = "SGLang main at commit 001067fffe33427bee0ed2f007fb7551a1d76b44 (python/sglang/srt/server_args.py)";

/// Output formats besides the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineFormat {
    /// vLLM's `--speculative-config` for the recommendation.
    Vllm,
    /// SGLang's speculative flags for the recommendation.
    Sglang,
}

/// Arguments of `sdsl plan`.
#[derive(Debug, Args)]
#[command(
    long_about = "The serving plan for a target on a GPU over a mix of batch sizes: for every batch size and \
candidate draft, the best whole γ, the speed-up S, ms per token, tokens/s per sequence and in aggregate, and \
whether draft + target + KV cache fit the GPU; then ONE draft (a server runs one) maximising the expected \
aggregate throughput over the batch mix, γ per batch range, the batch from which speculation loses (S < 1), \
and the laws' hypothetical best size N*. α comes from the laws (loss law → perplexities → acceptance law), or \
with --alpha RUNS from engine runs where they measured the (draft, target) pair (α̂ pooled over its γ), each \
row saying which. \
Each batch b prices with --cost-model latency:PROFILE:batch=b (docs/latency.md); see docs/plan.md."
)]
pub struct PlanArgs {
    /// A target model from the registry (e.g. OPT-13B).
    #[arg(
        long,
        required_unless_present = "target_params",
        conflicts_with = "target_params"
    )]
    pub target: Option<String>,
    /// Target parameters M (e.g. 12.85e9), instead of --target.
    #[arg(long = "target-params", value_parser = crate::cli::positive)]
    pub target_params: Option<f64>,
    /// Target pre-training tokens (required with --target-params).
    #[arg(long = "target-tokens", value_parser = crate::cli::positive)]
    pub target_tokens: Option<f64>,
    /// Candidate drafts: a registry draft family (OPT), model names
    /// (OPT-125M,OPT-350M) or `law` (the laws' hypothetical N*).
    #[arg(long, value_name = "FAMILY|NAME,…|law")]
    pub drafts: String,
    /// The hardware profile: what --cost-model latency:… accepts after
    /// `latency:` (h200-graph, h200-eager, roofline:GPU[:weights=fp8], a
    /// latency table or profile file), without batch=.
    #[arg(long, value_name = "PROFILE")]
    pub hardware: String,
    /// Batch sizes to plan (default 1,2,4,8,16,32,64, or the --batch-mix batches).
    #[arg(long, value_name = "B,B,…", value_parser = batches)]
    pub batch: Option<Batches>,
    /// Shares of decode steps per batch size, normalised to 1 (default:
    /// equal weights over the planned batches).
    #[arg(long = "batch-mix", value_name = "B:W,…", value_parser = batch_mix)]
    pub batch_mix: Option<Mix>,
    /// Where α comes from: `law` (the loss and acceptance laws), or engine
    /// runs (a runs table from `sdsl import --out`, or engine files,
    /// comma-separated): each (draft, target) pair's measured α̂ pooled over
    /// its γ where the runs have the pair, the laws elsewhere.
    #[arg(long, default_value = "law", value_name = "law|RUNS")]
    pub alpha: String,
    /// Largest γ searched (default 16; also capped by the profile's measured q).
    #[arg(long = "max-gamma", value_name = "G", value_parser = crate::cli::max_gamma)]
    pub max_gamma: Option<u64>,
    /// Print one JSON object.
    #[arg(long, conflicts_with_all = ["csv", "format"])]
    pub json: bool,
    /// Print the rows as CSV.
    #[arg(long, conflicts_with = "format")]
    pub csv: bool,
    /// Print an engine's speculative configuration for the recommendation.
    #[arg(long, value_enum)]
    pub format: Option<EngineFormat>,
    /// Model registry (CSV or Parquet); default: the bundled datasets/models.csv.
    #[arg(long, value_name = "FILE")]
    pub registry: Option<PathBuf>,
    /// Loss law: a shipped name or a JSON law file.
    #[arg(long = "loss-law", default_value = laws::DEFAULT_LOSS, value_name = "NAME|FILE")]
    pub loss_law: String,
    /// Acceptance law: a shipped name or a JSON law file.
    #[arg(long = "alpha-law", default_value = laws::DEFAULT_ALPHA, value_name = "NAME|FILE")]
    pub alpha_law: String,
}

/// Parsed `--batch`.
#[derive(Debug, Clone)]
pub struct Batches(pub Vec<u64>);
/// Parsed `--batch-mix`.
#[derive(Debug, Clone)]
pub struct Mix(pub Vec<(u64, f64)>);

fn batches(s: &str) -> Result<Batches, String> {
    crate::query::plan::parse_batches(s)
        .map(Batches)
        .map_err(|e| e.to_string())
}

fn batch_mix(s: &str) -> Result<Mix, String> {
    crate::query::plan::parse_batch_mix(s)
        .map(Mix)
        .map_err(|e| e.to_string())
}

/// Runs `sdsl plan`.
pub fn run(a: PlanArgs) -> anyhow::Result<()> {
    let measured_alpha = if a.alpha == "law" {
        None
    } else {
        let files: Vec<PathBuf> = a.alpha.split(',').map(PathBuf::from).collect();
        if let Some(f) = files.iter().find(|f| !f.is_file()) {
            bail!(
                "--alpha {}: no such file; give `law` or a runs table (sdsl import --out runs.csv) or engine files, comma-separated",
                f.display()
            );
        }
        let (inputs, _) = crate::cli::read_runs(&files, None)?;
        Some(crate::query::plan::measured_alphas(&inputs).context("--alpha")?)
    };
    if a.target.is_none() && a.target_tokens.is_none() {
        bail!(
            "--target-tokens is required with --target-params (the target's pre-training tokens, e.g. 1.8e11)"
        );
    }
    let registry = match &a.registry {
        Some(p) => crate::ingest::registry::Registry::read(p)?,
        None => crate::ingest::registry::Registry::bundled()?,
    };
    let drafts = Drafts::parse(&a.drafts, &registry).context("--drafts")?;
    let batches = match (&a.batch, &a.batch_mix) {
        (Some(b), _) => b.0.clone(),
        (None, Some(m)) => m.0.iter().map(|(b, _)| *b).collect(),
        (None, None) => crate::query::plan::DEFAULT_BATCHES.to_vec(),
    };
    let q = PlanQuery {
        target: a.target.clone(),
        target_params: a.target_params,
        target_tokens: a.target_tokens,
        drafts,
        hardware: a.hardware.clone(),
        batches,
        batch_mix: a.batch_mix.as_ref().map(|m| m.0.clone()),
        max_gamma: a
            .max_gamma
            .unwrap_or(crate::law::throughput::DEFAULT_MAX_GAMMA),
        measured_alpha,
    };
    let out = crate::query::plan::plan(&q, &registry, &a.loss_law, &a.alpha_law)?;
    for w in &out.warnings {
        crate::cli::warn(w.clone());
    }
    if a.json {
        return crate::cli::print_json(&out);
    }
    if a.csv {
        return crate::cli::write_stdout(csv(&out).as_bytes());
    }
    match a.format {
        Some(EngineFormat::Vllm) => crate::cli::write_stdout(vllm(&out)?.as_bytes()),
        Some(EngineFormat::Sglang) => crate::cli::write_stdout(sglang(&out)?.as_bytes()),
        None => crate::cli::write_stdout(human(&out).as_bytes()),
    }
}

/// The rows as CSV (full precision).
pub fn csv(o: &PlanOut) -> String {
    let mut s = String::from(
        "batch,draft,draft_params,alpha,alpha_source,cost_ratio,gamma,speedup,gamma_speculating,speedup_speculating,verify_ratio,target_step_ms,ms_per_token,tokens_per_s,tokens_per_s_aggregate,fits_memory,weights,draft_measured,target_measured\n",
    );
    for r in &o.rows {
        s.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            r.batch,
            r.draft,
            r.draft_params,
            r.alpha,
            r.alpha_source,
            r.cost_ratio,
            r.gamma,
            r.speedup,
            r.gamma_speculating,
            r.speedup_speculating,
            r.verify_ratio,
            r.target_step_ms,
            r.ms_per_token,
            r.tokens_per_s,
            r.tokens_per_s_aggregate,
            r.fits_memory.map(|f| f.to_string()).unwrap_or_default(),
            r.weights,
            r.draft_measured,
            r.target_measured
        ));
    }
    s
}

/// γ ranges as "b 1–4: γ 5; b 8: off".
fn gamma_ranges(o: &PlanOut) -> String {
    o.recommendation
        .gamma_by_batch
        .iter()
        .map(|g| {
            let b = if g.from_batch == g.to_batch {
                format!("batch {}", g.from_batch)
            } else {
                format!("batch {}–{}", g.from_batch, g.to_batch)
            };
            if g.gamma == 0 {
                format!("{b}: off")
            } else {
                format!("{b}: γ = {}", g.gamma)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn human(o: &PlanOut) -> String {
    let mut s = human_one(o);
    if let Some(f) = &o.fp8_plan {
        s.push_str(&format!(
            "\nThe same plan with fp8 weights ({}): marked fp8, not the bf16 the model ships in; quantisation's effect on acceptance is not modelled.\n\n",
            f.hardware
        ));
        s.push_str(&human_one(f));
    }
    s
}

fn human_one(o: &PlanOut) -> String {
    use crate::cli::si;
    let mut s = format!(
        "plan: target {} ({} params) on {} ({}); α {} (loss {}, alpha {})\n",
        o.target,
        si(o.target_params),
        o.hardware,
        o.device,
        match o.alpha_source.strip_prefix("runs: ") {
            Some(f) => format!("measured in {f} where a pair has runs (α src), else from the laws"),
            None => "from the laws".into(),
        },
        o.loss_law,
        o.alpha_law
    );
    let runs = o.alpha_source != "laws";
    if let Some(c) = &o.calibration {
        s.push_str(&format!("roofline calibration: {c}\n"));
    }
    s.push('\n');
    s.push_str(&format!(
        "{:>6} {:>7} {:<14} {:>7} {:>4} {:>7} {:>9} {:>10} {:>11}  {}{}\n",
        "batch",
        "weight",
        "draft",
        "alpha",
        "γ",
        "S",
        "ms/token",
        "tok/s/seq",
        "tok/s total",
        if runs { "α src  " } else { "" },
        "fits"
    ));
    for r in &o.rows {
        let w = o
            .batch_mix
            .iter()
            .find(|m| m.batch == r.batch)
            .map_or(0.0, |m| m.weight);
        s.push_str(&format!(
            "{:>6} {:>7.3} {:<14} {:>7.4} {:>4} {:>7.3} {:>9.3} {:>10.1} {:>11.1}  {}{}\n",
            r.batch,
            w,
            r.draft,
            r.alpha,
            if r.gamma == 0 {
                "off".into()
            } else {
                r.gamma.to_string()
            },
            r.speedup,
            r.ms_per_token,
            r.tokens_per_s,
            r.tokens_per_s_aggregate,
            if runs {
                format!("{:<7}", r.alpha_source)
            } else {
                String::new()
            },
            match r.fits_memory {
                Some(true) => "yes".to_string(),
                Some(false) => format!("does not fit ({}, one GPU)", r.weights),
                None => "unknown".into(),
            }
        ));
    }
    s.push('\n');
    let rec = &o.recommendation;
    match (&rec.draft, rec.expected_speedup) {
        (Some(d), Some(e)) => {
            let d = match d.strip_prefix("N*=") {
                Some(size) => {
                    format!("a draft of about {size} parameters (the laws' N*, no registry model)")
                }
                None => format!("{d} as the draft"),
            };
            s.push_str(&format!(
                "Recommendation: serve {d} ({}); expected aggregate speed-up over the batch mix {e:.3}× ({:.0} tokens/s).\n",
                gamma_ranges(o),
                rec.expected_tokens_per_s.unwrap_or(f64::NAN)
            ));
            match rec.off_above_batch {
                Some(b) => s.push_str(&format!(
                    "Speculation loses from batch {b} on (best S < 1 there): turn it off at and above batch {b}.\n"
                )),
                None => s.push_str("Speculation pays at every planned batch.\n"),
            }
        }
        _ => s.push_str(
            "No recommendation: no candidate draft fits the device at every batch of the mix.\n",
        ),
    }
    if let Some(n) = &rec.n_star_law {
        s.push_str(&format!(
            "The laws' hypothetical best draft size is N* ≈ {} (expected speed-up {:.3}× over the mix), next to the best available draft.\n",
            si(n.n_star),
            n.expected_speedup
        ));
    }
    s
}

/// A registry name as a Hugging Face id where the family's naming is
/// known (facebook/opt-…, Qwen/…), else the name itself.
fn hf_id(name: &str) -> (String, bool) {
    if let Some(rest) = name.strip_prefix("OPT-") {
        return (format!("facebook/opt-{}", rest.to_ascii_lowercase()), true);
    }
    if name.starts_with("Qwen") {
        return (format!("Qwen/{name}"), true);
    }
    (name.to_string(), false)
}

fn recommended(o: &PlanOut) -> anyhow::Result<(String, u64)> {
    let rec = &o.recommendation;
    let (Some(d), Some(g)) = (&rec.draft, rec.server_gamma) else {
        bail!(
            "no recommendation to configure: no candidate draft fits the device at every batch of the mix (see the warnings)"
        );
    };
    if d.starts_with("N*=") {
        bail!(
            "the recommendation is the laws' hypothetical size {d}, not a model an engine can load; plan real drafts with --drafts FAMILY or --drafts NAME,…"
        );
    }
    Ok((d.clone(), g))
}

fn off_line(o: &PlanOut, engine: &str) -> String {
    match o.recommendation.off_above_batch {
        Some(b) => format!(
            "# {engine} has no batch-size threshold setting for turning speculation off; by this plan speculation stops paying at batch {b} (best S < 1): serve without --speculative… flags if the server runs at batch ≥ {b} most of the time\n"
        ),
        None => format!(
            "# {engine} has no batch-size threshold setting for turning speculation off; by this plan speculation pays at every planned batch\n"
        ),
    }
}

/// vLLM's `--speculative-config` for the recommendation.
fn vllm(o: &PlanOut) -> anyhow::Result<String> {
    let (d, g) = recommended(o)?;
    let (id, known) = hf_id(&d);
    let config = serde_json::json!({
        "method": "draft_model",
        "model": id,
        "num_speculative_tokens": g,
    });
    let mut s = format!(
        "# keys checked against {VLLM_CHECKED}\n# one γ per server: num_speculative_tokens is the single γ that maximises the mix-weighted aggregate throughput ({:.3}× expected; per-batch best: {}); this vLLM also reads a per-batch schedule, num_speculative_tokens_per_batch_size, which this plan does not emit\n",
        o.recommendation
            .server_gamma_expected_speedup
            .unwrap_or(f64::NAN),
        gamma_ranges(o)
    );
    if !known {
        s.push_str(&format!(
            "# '{d}' is the registry name: replace it with the draft's Hugging Face id or local path\n"
        ));
    }
    s.push_str(&off_line(o, "vLLM"));
    s.push_str(&format!("--speculative-config '{config}'\n"));
    Ok(s)
}

/// SGLang's speculative flags for the recommendation (a small draft model
/// is SGLang's STANDALONE algorithm: a chain of γ draft steps, top-k 1,
/// γ + 1 tokens verified).
fn sglang(o: &PlanOut) -> anyhow::Result<String> {
    let (d, g) = recommended(o)?;
    let (id, known) = hf_id(&d);
    let mut s = format!(
        "# flags checked against {SGLANG_CHECKED}\n# one γ for the server: the single γ that maximises the mix-weighted aggregate throughput (per-batch best: {})\n",
        gamma_ranges(o)
    );
    if !known {
        s.push_str(&format!(
            "# '{d}' is the registry name: replace it with the draft's Hugging Face id or local path\n"
        ));
    }
    s.push_str(&off_line(o, "SGLang"));
    s.push_str(&format!(
        "--speculative-algorithm STANDALONE --speculative-draft-model-path {id} --speculative-num-steps {g} --speculative-eagle-topk 1 --speculative-num-draft-tokens {}\n",
        g + 1
    ));
    Ok(s)
}
