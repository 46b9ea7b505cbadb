//! `sdsl predict`: the throughput-optimal draft size N* for one target.

use crate::derive::nstar::{DraftEval, NStar, NStarSetup};
use crate::ingest::laws::{self, Loaded};
use crate::ingest::registry::{Model, Registry};
use crate::law::{AlphaLaw, CostModel, LossLaw};
use anyhow::{Context, bail};
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;

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
    /// latency:NAME|FILE[:mode=graph|eager][:ctx=N][:batch=B] with NAME h200-graph or h200-eager,
    /// FILE a latency table or a profile from `sdsl fit latency --out`.
    #[arg(long = "cost-model", default_value = "params", value_name = "MODEL")]
    pub cost_model: String,
    /// Model registry (CSV or Parquet); default: the bundled datasets/models.csv.
    #[arg(long, value_name = "FILE")]
    pub registry: Option<PathBuf>,
}

/// The resolved laws, cost model and registry.
pub struct Laws {
    /// Loss law.
    pub loss: Loaded<LossLaw>,
    /// Acceptance law.
    pub alpha: Loaded<AlphaLaw>,
    /// Cost model.
    pub cost: CostModel,
    /// The latency profile behind a `latency:` cost model.
    pub latency: Option<crate::fit::latency::LatencyProfile>,
    /// The cost model as given.
    pub cost_label: String,
}

impl LawArgs {
    /// Loads both laws and a cost model that is not a latency model.
    pub fn load(&self) -> anyhow::Result<Laws> {
        if crate::pipeline::latency::is_latency_spec(&self.cost_model) {
            bail!(
                "--cost-model {}: latency cost models are available on `sdsl predict` only for now",
                self.cost_model
            );
        }
        self.load_any()
    }

    /// Loads both laws and any cost model, a `latency:` one included.
    pub fn load_any(&self) -> anyhow::Result<Laws> {
        let (cost, latency) = if crate::pipeline::latency::is_latency_spec(&self.cost_model) {
            let (c, p) = crate::pipeline::latency::latency_cost_model(&self.cost_model)
                .with_context(|| format!("--cost-model {}", self.cost_model))?;
            for w in &p.warnings {
                eprintln!("warning: latency profile: {w}");
            }
            (c, Some(p))
        } else {
            let c = self
                .cost_model
                .parse::<CostModel>()
                .with_context(|| format!("--cost-model {}", self.cost_model))?;
            (c, None)
        };
        let cost_label = match &latency {
            Some(_) => self.cost_model.clone(),
            None => cost.to_string(),
        };
        Ok(Laws {
            loss: laws::loss_law(&self.loss_law)?,
            alpha: laws::alpha_law(&self.alpha_law)?,
            cost,
            latency,
            cost_label,
        })
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

/// A law as reported: its id, source and constants.
#[derive(Debug, Serialize)]
pub struct LawOut<L: Serialize> {
    /// Name or path given.
    pub id: String,
    /// Provenance.
    pub source: String,
    /// Constants.
    #[serde(flatten)]
    pub law: L,
}

impl<L: Serialize + Clone> From<&Loaded<L>> for LawOut<L> {
    fn from(l: &Loaded<L>) -> Self {
        LawOut {
            id: l.id.clone(),
            source: l.source.clone(),
            law: l.law.clone(),
        }
    }
}

/// A real draft model of the family, evaluated.
#[derive(Debug, Serialize)]
pub struct FamilyDraft {
    /// Model name.
    pub name: String,
    /// Parameters.
    pub params: f64,
    /// Predicted draft perplexity.
    pub draft_ppl: f64,
    /// Predicted α.
    pub alpha: f64,
    /// Cost ratio.
    pub cost_ratio: f64,
    /// Continuous γ*.
    pub gamma_star: f64,
    /// S* (1 if speculation does not help or α ∉ (0, 1)).
    pub speedup: f64,
    /// Best integer γ.
    pub gamma_star_int: u64,
    /// S at the best integer γ.
    pub speedup_int: f64,
    /// Under a latency cost model: the pair priced on the table's measured
    /// times where it has them (the ranking uses this).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured: Option<crate::fit::latency::MeasuredPair>,
}

impl FamilyDraft {
    fn new(m: &Model, e: &DraftEval) -> Self {
        FamilyDraft {
            name: m.name.clone(),
            params: m.params,
            draft_ppl: e.draft_ppl,
            alpha: e.alpha,
            cost_ratio: e.cost_ratio,
            gamma_star: e.optimum.gamma_star,
            speedup: e.optimum.speedup_star,
            gamma_star_int: e.optimum.gamma_star_int,
            speedup_int: e.optimum.speedup_star_int,
            measured: None,
        }
    }
}

/// JSON output of `sdsl predict`.
#[derive(Debug, Serialize)]
pub struct PredictOut {
    /// Target name, when taken from the registry.
    pub target: Option<String>,
    /// Target parameters M.
    pub target_params: f64,
    /// Target pre-training tokens.
    pub target_tokens: f64,
    /// Draft family, when given.
    pub draft_family: Option<String>,
    /// Draft pre-training tokens.
    pub draft_tokens: f64,
    /// Cost model.
    pub cost_model: String,
    /// Loss law used.
    pub loss_law: LawOut<LossLaw>,
    /// Acceptance law used.
    pub alpha_law: LawOut<AlphaLaw>,
    /// N* and what follows from it.
    #[serde(flatten)]
    pub result: NStar,
    /// Measured-hardware quantities at N* (latency cost models only).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencyOut>,
    /// The family's real drafts, evaluated (with --draft-family).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub family_drafts: Vec<FamilyDraft>,
    /// The family draft with the highest S*.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_family_draft: Option<String>,
}

/// What a latency cost model adds to `predict` at N\* and its best integer γ.
#[derive(Debug, Serialize)]
pub struct LatencyOut {
    /// v(γ+1) = t_M(γ+1)/t_M(1) at the chosen integer γ.
    pub verify_ratio: f64,
    /// Time per generated token, ms: (γ·t(N) + v·t(M))/E = t(M)/S.
    pub ms_per_token: f64,
    /// Tokens per second, 1000/ms_per_token.
    pub tokens_per_s: f64,
    /// The best integer γ is the largest measured one (q_max − 1): a longer
    /// lookahead, beyond the table, might be better.
    pub gamma_at_edge: bool,
    /// The target's size lay outside the fitted range; its v was clamped.
    pub verify_params_clamped: bool,
    /// The hardware of the profile.
    pub hardware: String,
    /// bf16 weights of target and draft, 2·(M + N*) bytes, and both KV
    /// caches at the profile's (batch, ctx) fit the device's memory; null
    /// when the memory is unknown.
    pub fits_memory: Option<bool>,
    /// What the memory check counted, bytes.
    pub memory: Option<crate::fit::latency::MemoryNeed>,
}

fn latency_out(
    laws: &Laws,
    r: &NStar,
    target_arch: &str,
    target_params: f64,
) -> Option<LatencyOut> {
    use crate::law::cost::Verification;
    let p = laws.latency.as_ref()?;
    let g = r.gamma_star_int;
    let (v, gamma_max, clamped) = match laws.cost.verification(target_params) {
        Verification::Free => (1.0, u64::MAX, false),
        Verification::Affine { rho, gamma_max } => (1.0 + rho * g as f64, gamma_max, false),
        Verification::Measured { curve, gamma_max } => (
            curve.v((g + 1) as f64).unwrap_or(f64::NAN),
            gamma_max,
            curve.params_clamped,
        ),
    };
    let clamped = clamped
        || p.verify_ratio(target_params, 1.0)
            .is_some_and(|e| e.params_clamped);
    let ms = p.time_ms(target_params) / r.speedup_int;
    let memory = p.memory_need((target_arch, target_params), ("", r.n_star));
    Some(LatencyOut {
        verify_ratio: v,
        ms_per_token: ms,
        tokens_per_s: 1000.0 / ms,
        gamma_at_edge: g >= 1 && g == gamma_max,
        verify_params_clamped: clamped,
        hardware: p.hardware.clone(),
        fits_memory: memory.map(|m| m.fits),
        memory,
    })
}

/// Runs `sdsl predict`.
pub fn run(a: PredictArgs) -> anyhow::Result<()> {
    let laws = a.laws.load_any()?;
    let need_registry = a.target.is_some() || a.draft_family.is_some();
    let registry = if need_registry {
        Some(a.laws.registry()?)
    } else {
        None
    };
    let target: Option<Model> = match (&a.target, &registry) {
        (Some(name), Some(r)) => Some(r.target(name)?.clone()),
        _ => None,
    };
    let family = match (&a.draft_family, &registry) {
        (Some(name), Some(r)) => Some(r.draft_family(name)?),
        _ => None,
    };
    let target_params = match (&target, a.target_params) {
        (Some(t), _) => t.params,
        (None, Some(m)) => m,
        (None, None) => bail!("give --target-params M or --target NAME"),
    };
    let target_tokens = match (a.target_tokens, &target) {
        (Some(d), _) => d,
        (None, Some(t)) => t.tokens,
        (None, None) => bail!(
            "--target-tokens is required with --target-params (the target's pre-training tokens, e.g. 1.8e11)"
        ),
    };
    let draft_tokens = a
        .draft_tokens
        .or(family.as_ref().map(|f| f.tokens))
        .unwrap_or(target_tokens);
    let setup = NStarSetup {
        target_params,
        target_tokens,
        draft_tokens,
        loss: &laws.loss.law,
        alpha: &laws.alpha.law,
        cost: laws.cost,
    }
    .validated()?;
    let result = setup.solve().with_context(|| {
        format!(
            "no N* for target M = {target_params:e}, Dt = {target_tokens:e}, Dd = {draft_tokens:e}"
        )
    })?;
    let family_drafts: Vec<FamilyDraft> = family
        .as_ref()
        .map(|f| {
            f.drafts
                .iter()
                .filter(|d| d.params < target_params)
                .map(|d| {
                    let mut fd = FamilyDraft::new(d, &setup.evaluate(d.params));
                    if let Some(p) = &laws.latency {
                        let tname = target.as_ref().map_or("", |t| t.arch.as_str());
                        fd.measured = Some(p.price_pair(
                            fd.alpha,
                            (&d.arch, d.params),
                            (tname, target_params),
                        ));
                    }
                    fd
                })
                .collect()
        })
        .unwrap_or_default();
    // S* at the continuous γ*, or S at the best integer γ where only that is
    // defined (a measured verification ratio)
    let rank = |d: &FamilyDraft| {
        if let Some(m) = &d.measured {
            m.speedup
        } else if d.speedup.is_nan() {
            d.speedup_int
        } else {
            d.speedup
        }
    };
    let best_family_draft = family_drafts
        .iter()
        .filter(|d| rank(d) > 1.0)
        .max_by(|x, y| rank(x).total_cmp(&rank(y)))
        .map(|d| d.name.clone());
    let latency = latency_out(
        &laws,
        &result,
        target.as_ref().map_or("", |t| t.arch.as_str()),
        target_params,
    );
    let out = PredictOut {
        target: target.map(|t| t.name),
        target_params,
        target_tokens,
        draft_family: family.map(|f| f.name),
        draft_tokens,
        cost_model: laws.cost_label.clone(),
        latency,
        loss_law: (&laws.loss).into(),
        alpha_law: (&laws.alpha).into(),
        result,
        family_drafts,
        best_family_draft,
    };
    if a.json {
        return crate::cli::print_json(&out);
    }
    print_human(&out);
    Ok(())
}

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
            println!(
                "  warning: the bf16 weights of target and draft exceed the device memory (multi-GPU latency is not in the table)"
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
        if o.family_drafts.iter().any(|d| d.measured.is_some()) {
            println!(
                "\n  on measured times (draft and target as the table measured them; else the law):"
            );
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
                    "  note: {b} on its measured time (S {:.3}) beats S(N*) = {:.3}: the affine law overestimates small-model time on {}",
                    m.speedup, o.result.speedup_int, l.hardware
                );
            }
        }
    }
}
