//! `sdsl predict`: the throughput-optimal draft size N* for one target.

use crate::catalog::laws;
use crate::ingest::registry::Registry;
use crate::query::predict::PredictQuery;
use anyhow::{Context, bail};
use clap::Args;
use std::path::PathBuf;

pub use crate::query::Laws;

/// The laws and cost model shared by every command that derives N*.
#[derive(Debug, Clone, Args)]
pub struct LawArgs {
    /// Acceptance law: a shipped name (sdsl2026) or a JSON law file.
    #[arg(long = "alpha-law", default_value = laws::DEFAULT_ALPHA, value_name = "NAME|FILE")]
    pub alpha_law: String,
    /// Loss law: a shipped name (besiroglu2024, hoffmann2022) or a JSON law file.
    #[arg(long = "loss-law", default_value = laws::DEFAULT_LOSS, value_name = "NAME|FILE")]
    pub loss_law: String,
    /// Cost model: params (c = N/M), affine:T0,K (c = (T0+K·N)/(T0+K·M)), fixed:C, or (predict only)
    /// `latency:NAME|FILE[:mode=graph|eager][:ctx=N][:batch=B]` with NAME h200-graph or h200-eager,
    /// FILE a latency table or a profile from `sdsl fit latency --out`.
    #[arg(long = "cost-model", default_value = "params", value_name = "MODEL")]
    pub cost_model: String,
    /// Model registry (CSV or Parquet); default: the bundled datasets/models.csv.
    #[arg(long, value_name = "FILE")]
    pub registry: Option<PathBuf>,
    /// Largest lookahead γ searched under a latency cost model (default 16);
    /// tables or profiles with q > 1 + 4·max(16, max-gamma) are refused. The FLOP,
    /// affine and fixed models optimise a continuous γ* and take no cap.
    #[arg(long = "max-gamma", value_name = "G", value_parser = crate::cli::max_gamma)]
    pub max_gamma: Option<u64>,
}

impl LawArgs {
    /// Loads both laws and a cost model that is not a latency model.
    pub fn load(&self) -> anyhow::Result<Laws> {
        if crate::catalog::latency::is_latency_spec(&self.cost_model) {
            bail!(
                "--cost-model {}: latency cost models are available on `sdsl predict` only for now",
                self.cost_model
            );
        }
        self.load_any()
    }

    /// Loads both laws and any cost model, a `latency:` one included.
    pub fn load_any(&self) -> anyhow::Result<Laws> {
        let latency_spec = crate::catalog::latency::is_latency_spec(&self.cost_model);
        if let (Some(g), false) = (self.max_gamma, latency_spec) {
            bail!(
                "--max-gamma {g}: the cap applies to latency cost models (integer γ over a measured verification cost); --cost-model {} optimises a continuous γ*, so drop --max-gamma or use --cost-model latency:…",
                self.cost_model
            );
        }
        let cap = self
            .max_gamma
            .unwrap_or(crate::law::throughput::DEFAULT_MAX_GAMMA);
        let (cost, latency) = crate::query::cost_model_capped(&self.cost_model, cap)
            .with_context(|| format!("--cost-model {}", self.cost_model))?;
        for w in latency.iter().flat_map(|p| &p.warnings) {
            crate::cli::warn(format!("latency profile: {w}"));
        }
        Ok(Laws::new(
            laws::loss_law(&self.loss_law)?,
            laws::alpha_law(&self.alpha_law)?,
            cost,
            latency,
            &self.cost_model,
        ))
    }

    /// Loads the registry (bundled unless --registry is given).
    pub fn registry(&self) -> anyhow::Result<Registry> {
        Ok(match &self.registry {
            Some(p) => Registry::read(p)?,
            None => Registry::bundled()?,
        })
    }
}

/// Arguments of `sdsl predict`.
#[derive(Debug, Args)]
#[command(
    allow_negative_numbers = true,
    long_about = "Throughput-optimal draft size N* for a target of M parameters trained on Dt tokens, \
with drafts trained on Dd tokens: N* maximises S*(α(N), c(N)), where α(N) = A·ppl(N, Dd) + B·ppl(M, Dt) + C \
(the SDSL acceptance law), ppl = exp(E + A/N^α + B/D^β) (the loss law) and S* is the speed-up at the optimal \
lookahead. Tokens per FLOP = S*/(2M) (one forward pass costs 2·params FLOPs; verification is one target pass). \
Give the target by size (--target-params, --target-tokens) or by registry name (--target); --draft-family takes \
the draft tokens from the registry and also evaluates the family's real draft models."
)]
pub struct PredictArgs {
    /// Target parameters M (e.g. 12.85e9).
    #[arg(long = "target-params", value_parser = crate::cli::positive, conflicts_with = "target", required_unless_present = "target")]
    pub target_params: Option<f64>,
    /// Target pre-training tokens Dt (required unless --target names a registry model).
    #[arg(long = "target-tokens", value_parser = crate::cli::positive)]
    pub target_tokens: Option<f64>,
    /// Draft pre-training tokens Dd (default: the draft family's, else the target's).
    #[arg(long = "draft-tokens", value_parser = crate::cli::positive)]
    pub draft_tokens: Option<f64>,
    /// A target model from the registry (e.g. OPT-13B).
    #[arg(long)]
    pub target: Option<String>,
    /// A draft family from the registry (e.g. OPT, Qwen2.5).
    #[arg(long = "draft-family")]
    pub draft_family: Option<String>,
    #[command(flatten)]
    pub laws: LawArgs,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub use crate::query::predict::{FamilyDraft, LatencyOut, LawOut, PredictOut};

/// Runs `sdsl predict`.
pub fn run(a: PredictArgs) -> anyhow::Result<()> {
    let laws = a.laws.load_any()?;
    let query = PredictQuery {
        target_params: a.target_params,
        target_tokens: a.target_tokens,
        draft_tokens: a.draft_tokens,
        target: a.target.clone(),
        draft_family: a.draft_family.clone(),
    };
    if a.target.is_none() {
        if a.target_params.is_none() {
            bail!("give --target-params M or --target NAME");
        }
        if a.target_tokens.is_none() {
            bail!(
                "--target-tokens is required with --target-params (the target's pre-training tokens, e.g. 1.8e11)"
            );
        }
    }
    let registry = if query.needs_registry() {
        Some(a.laws.registry()?)
    } else {
        None
    };
    let prediction = query.resolve(&laws, registry.as_ref())?;
    for w in prediction.warnings() {
        crate::cli::warn(w.clone());
    }
    let result = prediction.solve().with_context(|| prediction.context())?;
    let out = prediction.record(result);
    if a.json {
        return crate::cli::print_json(&out);
    }
    print_human(&out);
    Ok(())
}

// Long (≈135 lines): the human output of `predict`, line by line in the
// order it prints (target, laws, N*, γ, S, real drafts, warnings).
fn print_human(o: &PredictOut) {
    use crate::cli::si;
    let r = &o.result;
    let name = o
        .target
        .as_deref()
        .map(|n| format!("{n}, "))
        .unwrap_or_default();
    println!(
        "target: {name}M = {} params, Dt = {} tokens; drafts trained on Dd = {} tokens{}",
        si(o.target_params),
        si(o.target_tokens),
        si(o.draft_tokens),
        o.draft_family
            .as_deref()
            .map(|f| format!(" ({f})"))
            .unwrap_or_default()
    );
    println!(
        "laws: loss {} (E={}, A={}, B={}, alpha={}, beta={}); alpha {} (A={}, B={}, C={}); cost model {}",
        o.loss_law.id,
        o.loss_law.law.e,
        o.loss_law.law.a,
        o.loss_law.law.b,
        o.loss_law.law.alpha,
        o.loss_law.law.beta,
        o.alpha_law.id,
        o.alpha_law.law.a,
        o.alpha_law.law.b,
        o.alpha_law.law.c,
        o.cost_model
    );
    println!();
    println!(
        "  N* (optimal draft size)   {:>12}   ({:.6e})",
        si(r.n_star),
        r.n_star
    );
    println!("  N*/M                      {:>12.4e}", r.n_star_over_m);
    println!("  alpha(N*)                 {:>12.6}", r.alpha);
    println!("  cost ratio c(N*)          {:>12.4e}", r.cost_ratio);
    // under a measured (non-affine) verification cost only integer γ applies
    let na = |v: f64, f: &dyn Fn(f64) -> String| if v.is_finite() { f(v) } else { "n/a".into() };
    println!(
        "  gamma* (continuous)       {:>12}",
        na(r.gamma_star, &|v| format!("{v:.4}"))
    );
    println!(
        "  S* at gamma*              {:>12}",
        na(r.speedup, &|v| format!("{v:.6}"))
    );
    println!("  best integer gamma        {:>12}", r.gamma_star_int);
    println!("  S at integer gamma        {:>12.6}", r.speedup_int);
    if r.tokens_per_flop.is_finite() {
        println!("  tokens per FLOP (S*/2M)   {:>12.4e}", r.tokens_per_flop);
    }
    println!("  draft ppl at N*           {:>12.4}", r.draft_ppl);
    println!("  target ppl                {:>12.4}", r.target_ppl);
    if let Some(l) = &o.latency {
        println!(
            "  on {}: v(γ+1) {:.4}, {:.3} ms/token, {:.1} tokens/s (γ* and S* at a continuous γ are n/a under a measured v)",
            l.hardware, l.verify_ratio, l.ms_per_token, l.tokens_per_s
        );
        if l.gamma_at_edge {
            println!(
                "  warning: the best γ is the largest measured one; a longer lookahead is outside the table"
            );
        }
        if l.fits_memory == Some(false) {
            let w = l.roofline_weights.unwrap_or("bf16");
            println!(
                "  warning: does not fit ({w}, one GPU): the {w} weights and KV caches of target and draft exceed the device memory (multi-GPU latency, tensor parallelism, is not modelled)"
            );
        }
    }
    if !o.family_drafts.is_empty() {
        println!();
        println!(
            "  {:<16} {:>10} {:>9} {:>8} {:>9} {:>8} {:>5} {:>9}",
            "family draft", "params", "ppl", "alpha", "gamma*", "S*", "int", "S(int)"
        );
        for d in &o.family_drafts {
            println!(
                "  {:<16} {:>10} {:>9.3} {:>8.4} {:>9} {:>8} {:>5} {:>9.4}",
                d.name,
                si(d.params),
                d.draft_ppl,
                d.alpha,
                na(d.gamma_star, &|v| format!("{v:.3}")),
                na(d.speedup, &|v| format!("{v:.4}")),
                d.gamma_star_int,
                d.speedup_int
            );
        }
        let roofline = o
            .latency
            .as_ref()
            .is_some_and(|l| l.roofline_weights.is_some());
        if o.family_drafts.iter().any(|d| d.measured.is_some()) {
            if roofline {
                println!(
                    "\n  on per-shape roofline times (draft and target priced from their own shapes where the H200 table has them; else the law); 'measured' below means 'own shape':"
                );
            } else {
                println!(
                    "\n  on measured times (draft and target as the table measured them; else the law):"
                );
            }
            println!(
                "  {:<16} {:>10} {:>5} {:>9}  measured",
                "family draft", "c", "gamma", "S"
            );
            for d in &o.family_drafts {
                if let Some(m) = &d.measured {
                    println!(
                        "  {:<16} {:>10.4e} {:>5} {:>9.4}  {}",
                        d.name,
                        m.cost_ratio,
                        m.gamma,
                        m.speedup,
                        match (m.draft_measured, m.target_measured) {
                            (true, true) => "draft, target",
                            (true, false) => "draft",
                            (false, true) => "target",
                            (false, false) => "neither",
                        }
                    );
                }
            }
        }
        if let Some(b) = &o.best_family_draft {
            println!("  best available draft: {b}");
        }
        if let (Some(b), Some(l)) = (&o.best_family_draft, &o.latency) {
            let best = o.family_drafts.iter().find(|d| &d.name == b);
            if let Some(m) = best.and_then(|d| d.measured)
                && m.speedup > o.result.speedup_int
            {
                println!(
                    "  note: {b} on its {} time (S {:.3}) beats S(N*) = {:.3}: the affine law overestimates small-model time on {}",
                    if roofline {
                        "own-shape roofline"
                    } else {
                        "measured"
                    },
                    m.speedup,
                    o.result.speedup_int,
                    l.hardware
                );
            }
        }
    }
}
