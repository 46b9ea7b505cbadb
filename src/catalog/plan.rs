//! The serving plan for one target on one GPU over a mix of batch sizes:
//! the record of `sdsl plan --json` (docs/plan.md).
//!
//! For every planned batch size b the hardware profile is resolved at
//! `latency:PROFILE:batch=b` ([`crate::catalog::latency`]), and every
//! candidate draft is priced as `predict` prices a real draft
//! ([`LatencyProfile::pair_costs`]): c = t_draft(1)/t_target(1) and
//! v(q) = t_target(q)/t_target(1), measured where the table has the
//! architecture, else the fitted law; S(γ) = E(α, γ)/(γ·c + v(γ+1))
//! (Leviathan et al. 2023, Thm 3.8, with a measured verification cost;
//! docs/latency.md) over whole γ ≤ min(q_max − 1, `max_gamma`). α comes
//! from the laws: α = A·ppl(N, D_d) + B·ppl(M, D_t) + C with
//! ppl = exp(L(N, D)) ([`crate::derive::nstar`]), or, with measured runs
//! ([`measured_alphas`], `--alpha runs.csv`), the runs' α̂ for each
//! (draft, target) pair they measured and the laws for the others; each
//! row says which (`alpha_source`).
//!
//! Throughput at batch b: one decoding step of the target takes t_M(b)
//! ms and yields b tokens without speculation; with speculation each
//! sequence gets S tokens per target-step time, so per sequence
//! 1000·S/t_M(b) tokens/s and in aggregate b times that.
//!
//! The recommendation keeps **one** draft for all batch sizes (a server
//! loads one): the draft that fits the device at every batch of the mix
//! and maximises the expected aggregate throughput Σ_b w_b·TPS_b, where the
//! weights w_b of `--batch-mix` are shares of decode steps normalised to 1
//! and TPS_b uses the best γ at b (γ = 0, speculation off, where no γ ≥ 1
//! beats plain decoding). Not modelled: tensor parallelism, the draft's
//! catch-up pass, sampling overhead, prefill and its interference with
//! decoding (docs/plan.md).

use crate::derive::nstar::NStarSetup;
use crate::error::{SdslError, si};
use crate::fit::latency::{LatencyProfile, PairCosts};
use crate::ingest::laws::Loaded;
use crate::ingest::registry::{Model, Registry};
use crate::law::{AlphaLaw, CostModel, LossLaw, throughput};
use serde::Serialize;

/// Default batch sizes planned when neither `--batch` nor `--batch-mix` is given.
pub const DEFAULT_BATCHES: [u64; 7] = [1, 2, 4, 8, 16, 32, 64];

/// The largest batch size a plan accepts (the roofline memory check and
/// the tables' ln-b interpolation take any size; this bounds typos).
pub const MAX_BATCH: u64 = 1 << 20;

/// Which drafts to plan.
#[derive(Debug, Clone, PartialEq)]
pub enum Drafts {
    /// A registry draft family: its drafts smaller than the target.
    Family(String),
    /// Registry models by name.
    Named(Vec<String>),
    /// The hypothetical draft of size N\* from the laws.
    Law,
}

impl Drafts {
    /// `law`, a registry family name, or a comma-separated list of model
    /// names; which of the last two is decided against the registry.
    pub fn parse(s: &str, registry: &Registry) -> Result<Drafts, SdslError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(SdslError::InvalidArgument(
                "drafts: give a draft family (OPT), model names (OPT-125M,OPT-350M) or 'law'"
                    .into(),
            ));
        }
        if s.eq_ignore_ascii_case("law") {
            return Ok(Drafts::Law);
        }
        if !s.contains(',') && registry.draft_family(s).is_ok() {
            return Ok(Drafts::Family(s.to_string()));
        }
        let names: Vec<String> = s.split(',').map(|n| n.trim().to_string()).collect();
        if names.iter().any(String::is_empty) {
            return Err(SdslError::InvalidArgument(format!(
                "drafts '{s}': an empty name in the list"
            )));
        }
        // an unknown single name: say both what families and what models exist
        if names.len() == 1
            && let Err(e) = registry.model(&names[0])
        {
            return Err(SdslError::InvalidArgument(format!(
                "drafts '{}': neither a draft family ({}) nor a registry model ({e}), nor 'law'",
                crate::error::clip(s),
                registry.draft_family_names().join(", ")
            )));
        }
        Ok(Drafts::Named(names))
    }
}

/// Parses `--batch`: comma-separated whole numbers ≥ 1, no repeats; sorted.
pub fn parse_batches(s: &str) -> Result<Vec<u64>, SdslError> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let b = parse_batch(part)?;
        if out.contains(&b) {
            return Err(SdslError::InvalidArgument(format!(
                "batch {b} is given twice"
            )));
        }
        out.push(b);
    }
    out.sort_unstable();
    Ok(out)
}

fn parse_batch(part: &str) -> Result<u64, SdslError> {
    let t = part.trim();
    if t.is_empty() {
        return Err(SdslError::InvalidArgument(
            "an empty batch size (give whole numbers ≥ 1 separated by commas, e.g. 1,8,32)".into(),
        ));
    }
    match t.parse::<u64>() {
        Ok(0) => Err(SdslError::InvalidArgument(
            "batch 0: a batch holds at least one sequence".into(),
        )),
        Ok(b) if b > MAX_BATCH => Err(SdslError::InvalidArgument(format!(
            "batch {b}: at most {MAX_BATCH}"
        ))),
        Ok(b) => Ok(b),
        Err(_) => Err(SdslError::InvalidArgument(format!(
            "batch '{}' is not a whole number ≥ 1",
            crate::error::clip(t)
        ))),
    }
}

/// Parses `--batch-mix` `B:W,B:W,…` (batch size : share of decode steps)
/// and normalises the weights to sum 1. Refused: an empty mix, a batch
/// given twice, a weight that is negative or not finite, and a mix whose
/// weights sum to 0 (nothing to normalise).
pub fn parse_batch_mix(s: &str) -> Result<Vec<(u64, f64)>, SdslError> {
    let bad = |why: String| {
        SdslError::InvalidArgument(format!(
            "batch mix '{}': {why}; expected B:W,B:W,… e.g. 1:0.5,8:0.3,32:0.2 (weights are shares of decode steps, normalised to 1)",
            crate::error::clip(s)
        ))
    };
    if s.trim().is_empty() {
        return Err(bad("empty".into()));
    }
    let mut mix: Vec<(u64, f64)> = Vec::new();
    for part in s.split(',') {
        let (b, w) = part
            .split_once(':')
            .ok_or_else(|| bad(format!("'{}' is not B:W", crate::error::clip(part))))?;
        let b = parse_batch(b).map_err(|e| bad(e.to_string()))?;
        let w: f64 = w.trim().parse().map_err(|_| {
            bad(format!(
                "weight '{}' is not a number",
                crate::error::clip(w)
            ))
        })?;
        if !(w.is_finite() && w >= 0.0) {
            return Err(bad(format!(
                "weight {w} of batch {b} must be finite and ≥ 0"
            )));
        }
        if mix.iter().any(|(x, _)| *x == b) {
            return Err(bad(format!("batch {b} is given twice")));
        }
        mix.push((b, w));
    }
    let total: f64 = mix.iter().map(|(_, w)| w).sum();
    if !(total > 0.0 && total.is_finite()) {
        return Err(bad(
            "the weights sum to 0 (or overflow): nothing to normalise".into(),
        ));
    }
    for (_, w) in &mut mix {
        *w /= total;
    }
    mix.sort_by_key(|(b, _)| *b);
    Ok(mix)
}

/// The question of `sdsl plan`.
#[derive(Debug, Clone)]
pub struct PlanQuery {
    /// A registry target (e.g. OPT-13B).
    pub target: Option<String>,
    /// Target parameters M (unless `target` is given).
    pub target_params: Option<f64>,
    /// Target pre-training tokens (default: the registry target's).
    pub target_tokens: Option<f64>,
    /// The candidate drafts.
    pub drafts: Drafts,
    /// What `--cost-model latency:` accepts after `latency:`, without `batch=`.
    pub hardware: String,
    /// Batch sizes planned (sorted, distinct).
    pub batches: Vec<u64>,
    /// Normalised shares of decode steps per batch (None: equal weights).
    pub batch_mix: Option<Vec<(u64, f64)>>,
    /// γ cap of the integer searches.
    pub max_gamma: u64,
    /// Measured α per (draft, target) pair (`--alpha runs.csv`); None: the
    /// laws for every pair.
    pub measured_alpha: Option<MeasuredAlphas>,
}

/// α̂ per (draft, target) pair from engine runs, for [`PlanQuery`].
#[derive(Debug, Clone, PartialEq)]
pub struct MeasuredAlphas {
    /// The runs as named (for the record).
    pub label: String,
    /// The pairs.
    pub pairs: Vec<crate::fit::runs::PairAlpha>,
    /// Rows left out and why (warnings).
    pub skipped: Vec<String>,
}

/// The measured α per (draft, target) pair of engine runs (a runs table or
/// engine files, read as `sdsl import` reads them): each pair's α̂ pooled
/// over its γ ([`crate::fit::runs::pair_alphas`]). Errors when no row has
/// an α̂ for a draft model of known size.
pub fn measured_alphas(inputs: &[crate::fit::runs::Input]) -> Result<MeasuredAlphas, SdslError> {
    let label = inputs
        .iter()
        .map(|i| i.name.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let imported = crate::fit::runs::import(inputs, &Default::default())?;
    let (pairs, mut skipped) = crate::fit::runs::pair_alphas(&imported.rows)?;
    skipped.extend(imported.warnings);
    if pairs.is_empty() {
        return Err(SdslError::Data {
            path: label,
            message: "no run with a measured α̂ of a draft model (method draft_model with acceptance counts): give the speculative runs (sdsl import's runs table or the engine files), or use --alpha law".into(),
        });
    }
    Ok(MeasuredAlphas {
        label,
        pairs,
        skipped,
    })
}

/// One (batch, draft) of the plan.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanRow {
    /// Batch size b (sequences decoded together).
    pub batch: u64,
    /// Draft name (registry), or `N*=…` for the law's hypothetical size.
    pub draft: String,
    /// Draft parameters.
    pub draft_params: f64,
    /// α: from the runs (`alpha_source` "runs") or the laws ("laws").
    pub alpha: f64,
    /// Where `alpha` comes from: "runs" (α̂ of the pair measured in the
    /// `--alpha` runs, pooled over its γ) or "laws".
    pub alpha_source: &'static str,
    /// c = t_draft(1)/t_target(1) at this batch.
    pub cost_ratio: f64,
    /// Best whole γ (0: speculation off, plain decoding is faster).
    pub gamma: u64,
    /// S at `gamma` (1 at γ = 0).
    pub speedup: f64,
    /// The best S over γ ≥ 1 (below 1 where speculation loses at every γ).
    pub speedup_speculating: f64,
    /// γ of `speedup_speculating`.
    pub gamma_speculating: u64,
    /// v(γ+1) at `gamma`.
    pub verify_ratio: f64,
    /// Target decoding step t_M(b), ms.
    pub target_step_ms: f64,
    /// Time per generated token of one sequence at `gamma`, t_M(b)/S, ms.
    pub ms_per_token: f64,
    /// Tokens per second of one sequence, 1000/ms_per_token.
    pub tokens_per_s: f64,
    /// Tokens per second of the batch, b × tokens_per_s.
    pub tokens_per_s_aggregate: f64,
    /// Draft + target weights and KV caches at (b, ctx) fit the device
    /// (null: the profile does not know the device memory).
    pub fits_memory: Option<bool>,
    /// Weight format priced ("bf16"; "fp8" with `roofline:GPU:weights=fp8`).
    pub weights: &'static str,
    /// The draft's time is the table's own measurement (else the fitted law).
    pub draft_measured: bool,
    /// The target's times are the table's own measurements (else the
    /// fitted law and v lines: extrapolated).
    pub target_measured: bool,
}

/// γ over a range of batch sizes.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GammaRange {
    /// Smallest planned batch of the range.
    pub from_batch: u64,
    /// Largest planned batch of the range.
    pub to_batch: u64,
    /// Best γ there (0: speculation off).
    pub gamma: u64,
}

/// The hypothetical best draft size from the laws.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NStarLaw {
    /// The size among the per-batch N\* that maximises the mix's expected
    /// throughput when served at every batch.
    pub n_star: f64,
    /// Its expected speed-up over the mix (see [`Recommendation::expected_speedup`]).
    pub expected_speedup: f64,
    /// N\* of each planned batch (the laws' optimum under that batch's cost model).
    pub by_batch: Vec<NStarAtBatch>,
}

/// N\* at one batch size.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NStarAtBatch {
    /// Batch size.
    pub batch: u64,
    /// N\* (parameters).
    pub n_star: f64,
    /// Best whole γ at N\*.
    pub gamma: u64,
    /// S at that γ.
    pub speedup: f64,
}

/// The plan's recommendation.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Recommendation {
    /// The draft to deploy (null when no candidate fits the device at
    /// every batch of the mix).
    pub draft: Option<String>,
    /// Its parameters.
    pub draft_params: Option<f64>,
    /// Best γ per run of consecutive planned batches sharing it.
    pub gamma_by_batch: Vec<GammaRange>,
    /// The smallest planned batch where the best S over γ ≥ 1 is below 1
    /// (speculation off from there); null when speculation pays at every
    /// planned batch.
    pub off_above_batch: Option<u64>,
    /// Σ w_b·TPS_b(draft) / Σ w_b·TPS_b(plain decoding) over the mix.
    pub expected_speedup: Option<f64>,
    /// Σ w_b·TPS_b(draft), tokens/s.
    pub expected_tokens_per_s: Option<f64>,
    /// For engines with one γ per server: the single γ ≥ 1 maximising
    /// Σ w_b·TPS_b when every batch runs it (speculation never off).
    pub server_gamma: Option<u64>,
    /// The expected speed-up with `server_gamma` at every batch.
    pub server_gamma_expected_speedup: Option<f64>,
    /// The laws' hypothetical best size, next to the best available draft.
    pub n_star_law: Option<NStarLaw>,
}

/// A batch size and its normalised weight.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MixWeight {
    /// Batch size.
    pub batch: u64,
    /// Share of decode steps (sums to 1).
    pub weight: f64,
}

/// The record of `sdsl plan --json`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PlanOut {
    /// Target name (registry) or its size.
    pub target: String,
    /// Target parameters.
    pub target_params: f64,
    /// Target pre-training tokens.
    pub target_tokens: f64,
    /// The hardware profile as given (`latency:` + this + `:batch=b` per batch).
    pub hardware: String,
    /// The device the profile describes.
    pub device: String,
    /// What a roofline profile's efficiencies were calibrated on (the
    /// H200 tables, or the user's runs or table); null for a measured
    /// table or a profile fitted on one.
    pub calibration: Option<String>,
    /// Batch sizes planned.
    pub batches: Vec<u64>,
    /// The batch mix, normalised.
    pub batch_mix: Vec<MixWeight>,
    /// Where α comes from: "laws" (loss law → perplexities → α law), or
    /// "runs: FILES" (measured α̂ for the pairs the runs measured, the
    /// laws elsewhere; each row's `alpha_source` says which).
    pub alpha_source: String,
    /// Loss law id.
    pub loss_law: String,
    /// Acceptance law id.
    pub alpha_law: String,
    /// The recommendation.
    pub recommendation: Recommendation,
    /// One row per (batch, draft).
    pub rows: Vec<PlanRow>,
    /// What the user should know.
    pub warnings: Vec<String>,
    /// When a roofline profile in bf16 leaves no draft that fits the
    /// device: the same plan with fp8 weights (`:weights=fp8`), marked as
    /// such by its `hardware` and every row's `weights`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fp8_plan: Option<Box<PlanOut>>,
}

/// A candidate draft: display name, table architecture, size, α and
/// where α comes from.
struct Candidate {
    name: String,
    arch: String,
    params: f64,
    alpha: f64,
    alpha_source: &'static str,
}

/// One batch's resolved profile.
struct AtBatch {
    batch: u64,
    profile: LatencyProfile,
    cost: CostModel,
}

impl PlanQuery {
    /// The weight of each planned batch (normalised; equal by default).
    fn weights(&self) -> Result<Vec<(u64, f64)>, SdslError> {
        match &self.batch_mix {
            None => {
                let n = self.batches.len() as f64;
                Ok(self.batches.iter().map(|&b| (b, 1.0 / n)).collect())
            }
            Some(mix) => {
                if let Some((b, _)) = mix.iter().find(|(b, _)| !self.batches.contains(b)) {
                    return Err(SdslError::InvalidArgument(format!(
                        "batch mix: batch {b} is not among the planned batches {:?}; add it to --batch or omit --batch",
                        self.batches
                    )));
                }
                Ok(self
                    .batches
                    .iter()
                    .map(|b| (*b, mix.iter().find(|(x, _)| x == b).map_or(0.0, |m| m.1)))
                    .collect())
            }
        }
    }

    /// Resolves the profile at each batch (`latency:PROFILE:batch=b`).
    fn resolve_batches(&self) -> Result<Vec<AtBatch>, SdslError> {
        let hw = self.hardware.trim();
        if hw.is_empty() {
            return Err(SdslError::InvalidArgument(
                "hardware: give a profile (h200-graph, h200-eager, roofline:GPU, a latency table or profile file)".into(),
            ));
        }
        let hw = hw.strip_prefix("latency:").unwrap_or(hw);
        if hw.split(':').any(|o| o.starts_with("batch=")) {
            return Err(SdslError::InvalidArgument(format!(
                "hardware '{}': give batch sizes with --batch (or --batch-mix), not batch= in the profile",
                crate::error::clip(hw)
            )));
        }
        let source = hw.split(':').next().unwrap_or_default();
        let is_profile_file = source.to_ascii_lowercase().ends_with(".json");
        // a roofline profile file (catalogue or recalibrated) is a
        // calibration: re-priced at every batch like `roofline:GPU`
        let reprices = is_profile_file
            && crate::catalog::latency::read_profile_capped(
                std::path::Path::new(source),
                self.max_gamma,
            )
            .is_ok_and(|p| p.roofline.is_some());
        let mut out = Vec::new();
        for &b in &self.batches {
            let spec = if is_profile_file && !reprices {
                format!("latency:{hw}")
            } else {
                format!("latency:{hw}:batch={b}")
            };
            if !crate::catalog::latency::is_latency_spec(&spec) {
                return Err(SdslError::InvalidArgument(format!(
                    "hardware '{hw}' is not a latency profile"
                )));
            }
            let (cost, profile) =
                crate::catalog::latency::latency_cost_model_capped(&spec, self.max_gamma).map_err(
                    |e| SdslError::InvalidArgument(format!("hardware at batch {b}: {e}")),
                )?;
            if is_profile_file && !reprices && profile.selection.batch != b {
                return Err(SdslError::InvalidArgument(format!(
                    "hardware '{hw}': the profile file was fitted at batch {}; plan it with --batch {} or give the latency table it came from",
                    profile.selection.batch, profile.selection.batch
                )));
            }
            out.push(AtBatch {
                batch: b,
                profile,
                cost,
            });
        }
        Ok(out)
    }
}

/// Per batch: w_b·b·1000, t_M(b) in ms, and S(γ) for γ = 1, 2, … ([`speedups`]).
type BatchCurve = (f64, f64, Vec<(u64, f64, f64)>);

/// S(γ) for a priced pair at every γ in 1..=γ_max (index γ − 1).
fn speedups(alpha: f64, costs: &PairCosts<'_>, gamma_max: u64) -> Vec<(u64, f64, f64)> {
    (1..=gamma_max)
        .map(|g| {
            let v = costs.verify_ratio((g + 1) as f64);
            (
                g,
                throughput::speedup_measured(alpha, g as f64, costs.cost_ratio, v),
                v,
            )
        })
        .collect()
}

fn row(at: &AtBatch, c: &Candidate, target: (&str, f64), max_gamma: u64) -> PlanRow {
    let p = &at.profile;
    let costs = p.pair_costs((&c.arch, c.params), target);
    let s = speedups(c.alpha, &costs, p.gamma_limit(max_gamma));
    // best over γ ≥ 1 (ties keep the smaller γ, as the library's search does)
    let (gs, ss, vs) = s
        .iter()
        .fold((0, f64::NEG_INFINITY, 1.0), |acc, &(g, sp, v)| {
            if sp > acc.1 { (g, sp, v) } else { acc }
        });
    let (gamma, speedup, v) = if ss > 1.0 {
        (gs, ss, vs)
    } else {
        (0, 1.0, 1.0)
    };
    let ms = costs.target_ms / speedup;
    PlanRow {
        batch: at.batch,
        draft: c.name.clone(),
        draft_params: c.params,
        alpha: c.alpha,
        alpha_source: c.alpha_source,
        cost_ratio: costs.cost_ratio,
        gamma,
        speedup,
        speedup_speculating: ss,
        gamma_speculating: gs,
        verify_ratio: v,
        target_step_ms: costs.target_ms,
        ms_per_token: ms,
        tokens_per_s: 1000.0 / ms,
        tokens_per_s_aggregate: at.batch as f64 * 1000.0 / ms,
        fits_memory: p.fits_memory(target, (&c.arch, c.params)),
        weights: p.weight_format(),
        draft_measured: costs.draft_measured,
        target_measured: costs.target.is_some(),
    }
}

/// Σ w_b·TPS_b of a candidate's rows (one per planned batch, in order) and
/// of plain decoding; their ratio is the expected speed-up.
fn mix_throughput(rows: &[&PlanRow], weights: &[(u64, f64)]) -> (f64, f64) {
    let mut spec = 0.0;
    let mut plain = 0.0;
    for (r, (_, w)) in rows.iter().zip(weights) {
        spec += w * r.tokens_per_s_aggregate;
        plain += w * r.batch as f64 * 1000.0 / r.target_step_ms;
    }
    (spec, plain)
}

/// Whether a candidate fits the device at every batch of positive weight
/// (unknown memory counts as fitting).
fn fits_everywhere(rows: &[&PlanRow], weights: &[(u64, f64)]) -> bool {
    rows.iter()
        .zip(weights)
        .all(|(r, (_, w))| *w == 0.0 || r.fits_memory != Some(false))
}

/// The target and the candidate drafts of a plan, looked up.
struct Resolved {
    target_name: String,
    target_arch: String,
    /// Target parameters.
    m: f64,
    /// Target pre-training tokens.
    dt: f64,
    /// The registry drafts (empty for `law`).
    models: Vec<Model>,
    /// Draft pre-training tokens for the laws' N*.
    dd: f64,
}

/// Looks up the target and the drafts (a family's drafts smaller than the
/// target; named models, each smaller than the target; none for `law`).
fn resolve_models(q: &PlanQuery, registry: &Registry) -> Result<Resolved, SdslError> {
    let target: Option<Model> = q
        .target
        .as_ref()
        .map(|n| registry.target(n).cloned())
        .transpose()?;
    let (target_name, target_arch, m) = match (&target, q.target_params) {
        (Some(t), _) => (t.name.clone(), t.arch.clone(), t.params),
        (None, Some(m)) => (si(m), String::new(), m),
        (None, None) => {
            return Err(SdslError::InvalidArgument(
                "give a registry target or the target's parameters".into(),
            ));
        }
    };
    let dt = match (q.target_tokens, &target) {
        (Some(d), _) => d,
        (None, Some(t)) => t.tokens,
        (None, None) => {
            return Err(SdslError::InvalidArgument(
                "target_tokens is required with target_params (the target's pre-training tokens, e.g. 1.8e11)".into(),
            ));
        }
    };
    // the candidate drafts and the drafts' pre-training tokens for the laws
    let (models, dd): (Vec<Model>, f64) = match &q.drafts {
        Drafts::Family(f) => {
            let fam = registry.draft_family(f)?;
            let ds: Vec<Model> = fam.drafts.into_iter().filter(|d| d.params < m).collect();
            if ds.is_empty() {
                return Err(SdslError::InvalidArgument(format!(
                    "draft family {f} has no draft smaller than the target ({} parameters)",
                    si(m)
                )));
            }
            (ds, fam.tokens)
        }
        Drafts::Named(names) => {
            let ds = names
                .iter()
                .map(|n| registry.model(n).cloned())
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(big) = ds.iter().find(|d| d.params >= m) {
                return Err(SdslError::InvalidArgument(format!(
                    "draft {} ({} parameters) is not smaller than the target ({})",
                    big.name,
                    si(big.params),
                    si(m)
                )));
            }
            let dd = ds[0].tokens;
            (ds, dd)
        }
        Drafts::Law => (Vec::new(), dt),
    };
    Ok(Resolved {
        target_name,
        target_arch,
        m,
        dt,
        models,
        dd,
    })
}

/// Runs the plan (see the module docs) with laws already loaded
/// (`crate::query::plan::plan` resolves shipped names or law files; the
/// refit passes its own laws).
// Long (≈170 lines): the profile per batch, N* per batch, the candidates'
// rows, the recommendation, the warnings and the fp8 alternative, in the
// order the record lists them; each step needs the previous ones' locals.
pub fn plan_with_laws(
    q: &PlanQuery,
    registry: &Registry,
    loss: &Loaded<LossLaw>,
    alpha: &Loaded<AlphaLaw>,
) -> Result<PlanOut, SdslError> {
    if q.batches.is_empty() {
        return Err(SdslError::InvalidArgument("no batch sizes to plan".into()));
    }
    let weights = q.weights()?;
    let Resolved {
        target_name,
        target_arch,
        m,
        dt,
        models,
        dd,
    } = resolve_models(q, registry)?;
    let at = q.resolve_batches()?;
    let mut warnings: Vec<String> = Vec::new();
    for a in &at {
        for w in &a.profile.warnings {
            if !warnings.contains(w) {
                warnings.push(w.clone());
            }
        }
    }
    // α of a draft from the laws (the same for every batch): each model with
    // its own pre-training tokens, as `predict` evaluates a family's drafts
    let alpha_of = |n: f64, d_tokens: f64| -> Result<f64, SdslError> {
        let s = NStarSetup {
            target_params: m,
            target_tokens: dt,
            draft_tokens: d_tokens,
            loss: &loss.law,
            alpha: &alpha.law,
            cost: at[0].cost,
        }
        .validated()?;
        Ok(s.evaluate(n).alpha)
    };
    // N* per batch under that batch's cost model
    let mut by_batch = Vec::new();
    for a in &at {
        let s = NStarSetup {
            target_params: m,
            target_tokens: dt,
            draft_tokens: dd,
            loss: &loss.law,
            alpha: &alpha.law,
            cost: a.cost,
        }
        .validated()?;
        match s.solve() {
            Ok(r) => by_batch.push(NStarAtBatch {
                batch: a.batch,
                n_star: r.n_star,
                gamma: r.gamma_star_int,
                speedup: r.speedup_int,
            }),
            Err(e) => warnings.push(format!("no N* from the laws at batch {}: {e}", a.batch)),
        }
    }
    let target_key = (target_arch.as_str(), m);
    let rows_of = |c: &Candidate| -> Vec<PlanRow> {
        at.iter()
            .map(|a| row(a, c, target_key, q.max_gamma))
            .collect()
    };
    // the law's candidate: the per-batch N* that serves the mix best
    let mut law_best: Option<(Candidate, Vec<PlanRow>, f64)> = None;
    for nb in &by_batch {
        let c = Candidate {
            name: format!("N*={}", si(nb.n_star)),
            arch: String::new(),
            params: nb.n_star,
            alpha: alpha_of(nb.n_star, dd)?,
            alpha_source: "laws",
        };
        let rs = rows_of(&c);
        let refs: Vec<&PlanRow> = rs.iter().collect();
        let (sp, pl) = mix_throughput(&refs, &weights);
        if law_best.as_ref().is_none_or(|(_, _, s)| sp / pl > *s) {
            law_best = Some((c, rs, sp / pl));
        }
    }
    // the runs' α̂ of (draft, this target), names matched through the
    // registry as the runs print them (`Qwen/Qwen3-1.7B` → `Qwen3-1.7B`)
    let same = |printed: &str, name: &str| {
        crate::fit::runs::registry_model(registry, printed).is_ok_and(|m| m.name == name)
    };
    let measured = |draft: &str| -> Option<f64> {
        let runs = q.measured_alpha.as_ref()?;
        runs.pairs
            .iter()
            .find(|p| same(&p.draft, draft) && same(&p.target, &target_name))
            .map(|p| p.alpha)
    };
    if let Some(runs) = &q.measured_alpha {
        warnings.extend(runs.skipped.iter().cloned());
        let used: Vec<String> = runs
            .pairs
            .iter()
            .filter(|p| {
                same(&p.target, &target_name) && models.iter().any(|d| same(&p.draft, &d.name))
            })
            .map(|p| {
                format!(
                    "{} (α̂ = {:.4} from {} run{} at γ = {})",
                    p.draft,
                    p.alpha,
                    p.rows.len(),
                    if p.rows.len() == 1 { "" } else { "s" },
                    p.gammas
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        warnings.push(if used.is_empty() {
            format!(
                "--alpha {}: no run measured a candidate draft with target {target_name} (the runs have {}); every α is from the laws",
                runs.label,
                crate::error::capped_list(
                    runs.pairs.iter().map(|p| format!("{} → {}", p.draft, p.target)),
                    10
                )
            )
        } else {
            format!(
                "α measured in the runs for {}; the other drafts take α from the laws",
                crate::error::capped_list(&used, 10)
            )
        });
    }
    let mut candidates: Vec<Candidate> = Vec::new();
    for d in &models {
        let d_tokens = if matches!(q.drafts, Drafts::Family(_)) {
            dd
        } else {
            d.tokens
        };
        let (alpha, alpha_source) = match measured(&d.name) {
            Some(a) => (a, "runs"),
            None => (alpha_of(d.params, d_tokens)?, "laws"),
        };
        candidates.push(Candidate {
            name: d.name.clone(),
            arch: d.arch.clone(),
            params: d.params,
            alpha,
            alpha_source,
        });
    }
    let mut rows: Vec<PlanRow> = Vec::new();
    let mut per_candidate: Vec<(String, f64, Vec<PlanRow>)> = Vec::new();
    if matches!(q.drafts, Drafts::Law) {
        if let Some((c, rs, _)) = &law_best {
            per_candidate.push((c.name.clone(), c.params, rs.clone()));
        }
    } else {
        for c in &candidates {
            per_candidate.push((c.name.clone(), c.params, rows_of(c)));
        }
    }
    // the recommendation: the fitting candidate with the highest Σ w_b·TPS_b
    let mut best: Option<(usize, f64, f64)> = None;
    for (i, (_, _, rs)) in per_candidate.iter().enumerate() {
        let refs: Vec<&PlanRow> = rs.iter().collect();
        if !fits_everywhere(&refs, &weights) {
            continue;
        }
        let (sp, pl) = mix_throughput(&refs, &weights);
        if best.is_none_or(|(_, s, _)| sp > s) {
            best = Some((i, sp, pl));
        }
    }
    let recommendation = recommend(
        &per_candidate,
        best,
        &weights,
        &at,
        q.max_gamma,
        target_key,
        &candidates,
        &law_best,
        by_batch,
    );
    for (_, _, rs) in per_candidate {
        rows.extend(rs);
    }
    rows.sort_by_key(|r| r.batch);
    plan_warnings(&mut warnings, &rows, &at, &target_name, &recommendation);
    // nothing fits in bf16 on a catalogued GPU: the fp8-weights plan too
    let fp8_plan = if recommendation.draft.is_none()
        && at[0].profile.roofline.is_some()
        && at[0].profile.weight_format() == "bf16"
        && !q.hardware.contains("weights=")
    {
        let q8 = PlanQuery {
            hardware: format!("{}:weights=fp8", q.hardware.trim()),
            ..q.clone()
        };
        Some(Box::new(plan_with_laws(&q8, registry, loss, alpha)?))
    } else {
        None
    };
    Ok(PlanOut {
        target: target_name,
        target_params: m,
        target_tokens: dt,
        hardware: q.hardware.clone(),
        device: at[0].profile.hardware.clone(),
        calibration: at[0]
            .profile
            .roofline
            .as_ref()
            .map(|r| r.calibrated_on.clone()),
        batches: q.batches.clone(),
        batch_mix: weights
            .iter()
            .map(|&(batch, weight)| MixWeight { batch, weight })
            .collect(),
        alpha_source: match &q.measured_alpha {
            Some(r) => format!("runs: {}", r.label),
            None => "laws".into(),
        },
        loss_law: loss.id.clone(),
        alpha_law: alpha.id.clone(),
        recommendation,
        rows,
        warnings,
        fp8_plan,
    })
}

/// The recommendation record from the chosen candidate (index, Σ w·TPS,
/// Σ w·TPS plain).
#[allow(clippy::too_many_arguments)]
fn recommend(
    per_candidate: &[(String, f64, Vec<PlanRow>)],
    best: Option<(usize, f64, f64)>,
    weights: &[(u64, f64)],
    at: &[AtBatch],
    max_gamma: u64,
    target: (&str, f64),
    candidates: &[Candidate],
    law_best: &Option<(Candidate, Vec<PlanRow>, f64)>,
    by_batch: Vec<NStarAtBatch>,
) -> Recommendation {
    let n_star_law = law_best.as_ref().map(|(c, _, s)| NStarLaw {
        n_star: c.params,
        expected_speedup: *s,
        by_batch,
    });
    let Some((i, sp, pl)) = best else {
        return Recommendation {
            draft: None,
            draft_params: None,
            gamma_by_batch: Vec::new(),
            off_above_batch: None,
            expected_speedup: None,
            expected_tokens_per_s: None,
            server_gamma: None,
            server_gamma_expected_speedup: None,
            n_star_law,
        };
    };
    let (name, params, rs) = &per_candidate[i];
    let mut gamma_by_batch: Vec<GammaRange> = Vec::new();
    for r in rs {
        match gamma_by_batch.last_mut() {
            Some(g) if g.gamma == r.gamma => g.to_batch = r.batch,
            _ => gamma_by_batch.push(GammaRange {
                from_batch: r.batch,
                to_batch: r.batch,
                gamma: r.gamma,
            }),
        }
    }
    let off_above_batch = rs
        .iter()
        .find(|r| r.speedup_speculating < 1.0)
        .map(|r| r.batch);
    // one γ for every batch (engines with one γ per server): brute force
    // over γ ≥ 1 of Σ w_b·b·S_b(γ)/t_M(b)
    let cand = candidates
        .iter()
        .find(|c| &c.name == name)
        .or(law_best.as_ref().map(|(c, _, _)| c));
    let server = cand.and_then(|c| {
        let per_batch: Vec<BatchCurve> = at
            .iter()
            .zip(weights)
            .map(|(a, (_, w))| {
                let costs = a.profile.pair_costs((&c.arch, c.params), target);
                let s = speedups(c.alpha, &costs, a.profile.gamma_limit(max_gamma));
                (*w * a.batch as f64 * 1000.0, costs.target_ms, s)
            })
            .collect();
        let g_max = per_batch.iter().map(|(_, _, s)| s.len()).min().unwrap_or(0) as u64;
        (1..=g_max)
            .map(|g| {
                let tps: f64 = per_batch
                    .iter()
                    .map(|(wb, t, s)| wb * s[(g - 1) as usize].1 / t)
                    .sum();
                (g, tps)
            })
            .fold(None, |acc: Option<(u64, f64)>, x| match acc {
                Some(a) if a.1 >= x.1 => Some(a),
                _ => Some(x),
            })
    });
    Recommendation {
        draft: Some(name.clone()),
        draft_params: Some(*params),
        gamma_by_batch,
        off_above_batch,
        expected_speedup: Some(sp / pl),
        expected_tokens_per_s: Some(sp),
        server_gamma: server.map(|s| s.0),
        server_gamma_expected_speedup: server.map(|s| s.1 / pl),
        n_star_law,
    }
}

/// Warnings about the plan as a whole: memory, extrapolated v, no pick.
fn plan_warnings(
    warnings: &mut Vec<String>,
    rows: &[PlanRow],
    at: &[AtBatch],
    target: &str,
    rec: &Recommendation,
) {
    let too_big: Vec<&PlanRow> = rows
        .iter()
        .filter(|r| r.fits_memory == Some(false))
        .collect();
    if let Some(r) = too_big.first() {
        let roofline_bf16 = at[0].profile.roofline.is_some() && r.weights == "bf16";
        let mut batches: Vec<u64> = too_big.iter().map(|r| r.batch).collect();
        batches.dedup();
        warnings.push(format!(
            "does not fit ({}, one GPU): target {target} with some drafts exceeds the memory of {} at batch {} (weights and KV cache; tensor parallelism is not modelled); such pairs are never recommended{}",
            r.weights,
            at[0].profile.hardware,
            batches
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            if roofline_bf16 {
                "; try the fp8-weights profile (append :weights=fp8 to --hardware)"
            } else {
                ""
            }
        ));
    }
    // a measured table above batch 1 without the target: v from the lines
    let extrapolated: Vec<u64> = at
        .iter()
        .filter(|a| a.batch > 1 && a.profile.roofline.is_none())
        .filter(|a| {
            rows.iter()
                .any(|r| r.batch == a.batch && !r.target_measured)
        })
        .map(|a| a.batch)
        .collect();
    if !extrapolated.is_empty() {
        warnings.push(format!(
            "v is extrapolated at batch {}: the batched latency table did not measure {target}, so its verification ratio v(q) comes from the fitted lines in ln P",
            extrapolated
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if rec.draft.is_none() {
        warnings.push(
            "no recommendation: no candidate draft fits the device at every batch of the mix"
                .into(),
        );
    }
}
