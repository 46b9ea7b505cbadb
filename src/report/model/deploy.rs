//! "What to deploy" and "Serving plans": the decision records of the
//! report (`report.json` keys `deploy` and `serving`).

use crate::catalog::plan::PlanOut;
use serde::Serialize;

/// N* and the best available draft per target × cost model × draft family.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeploySection {
    /// The cost models, in column order (the N* table's FLOP model, the
    /// `[hardware] cost_models`, then `deploy_catalogue`).
    pub cost_models: Vec<String>,
    /// Bootstrap draws of the laws behind each `n_star_ci95`.
    pub draws: usize,
    /// One row per target × cost model × draft family (the target's own
    /// family first where it has drafts; fp8 rows follow the bf16 row they
    /// replace), target-major.
    pub rows: Vec<DeployRow>,
}

/// One target × cost model × draft family: the numbers `sdsl predict
/// --target T --draft-family F --cost-model C` prints with the refit's laws
/// (`reports/laws/*.json`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeployRow {
    /// Target (registry).
    pub target: String,
    /// Target parameters.
    pub target_params: f64,
    /// Draft family (registry).
    pub draft_family: String,
    /// The family is not the target's own: its drafts use a different
    /// tokenizer, which none of the laws model.
    pub different_tokenizer: bool,
    /// The row is in report.md's table (the target's own family, or every
    /// family for a target without one).
    pub on_page: bool,
    /// Cost model as `--cost-model` takes it.
    pub cost_model: String,
    /// Weight format priced by a roofline model ("bf16", "fp8"); null for
    /// the FLOP model and measured tables (bf16).
    pub weights: Option<String>,
    /// Target and N* draft (bf16 or `weights`, with their KV caches) fit
    /// one device; null when the model knows no device memory.
    pub fits_memory: Option<bool>,
    /// N* (parameters), null when speculation never helps.
    pub n_star: Option<f64>,
    /// 95% percentile interval of N* over the bootstrap draws of the laws
    /// (`deploy.draws`); null off the page and without draws.
    pub n_star_ci95: Option<[f64; 2]>,
    /// Best integer γ at N*.
    pub gamma: Option<u64>,
    /// S at N* and that γ (`speedup_int` of `sdsl predict`).
    pub speedup_at_n_star: Option<f64>,
    /// The family's best real draft smaller than the target
    /// (`best_family_draft` of `sdsl predict`), null when none helps.
    pub best_draft: Option<String>,
    /// Its parameters.
    pub best_draft_params: Option<f64>,
    /// Its best integer γ.
    pub best_draft_gamma: Option<u64>,
    /// Its S at that γ: on the latency table's measured times (or a
    /// roofline profile's shape times) where it has both models, else on
    /// the latency law or, for the FLOP model, the laws.
    pub best_draft_speedup: Option<f64>,
    /// How `best_draft_speedup` was priced: "measured" (the latency table's
    /// times of both models), "roofline" (a roofline profile's times of
    /// both models' shapes) or "law" (the cost model's law).
    pub best_draft_priced: Option<String>,
    /// Its cost ratio c as priced (measured times where `measured`).
    pub best_draft_cost_ratio: Option<f64>,
    /// c at its size under the cost model's law (the affine latency law
    /// that N* uses; N/M for the FLOP model).
    pub best_draft_law_cost_ratio: Option<f64>,
    /// The best real draft's S exceeds S(N*): the law's optimum is not the
    /// best available choice.
    pub real_draft_beats_n_star: bool,
}

/// The serving plans (`[hardware.serving]`): one `sdsl plan` per target ×
/// hardware profile, with the refit's laws.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ServingSection {
    /// Batch sizes planned (equal weights).
    pub batches: Vec<u64>,
    /// One plan per target × hardware, target-major.
    pub plans: Vec<ServingPlan>,
}

/// One target on one hardware profile.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ServingPlan {
    /// Target (registry).
    pub target: String,
    /// The drafts planned: the target's own family, else every family's
    /// drafts (then `different_tokenizer`).
    pub drafts: String,
    /// The drafts use another tokenizer than the target.
    pub different_tokenizer: bool,
    /// The hardware profile as `sdsl plan --hardware` takes it.
    pub hardware: String,
    /// What the profile's times come from.
    pub calibration: String,
    /// The plan, as `sdsl plan --json` prints it.
    pub plan: PlanOut,
    /// When no draft fits the device at every planned batch (nor, for a
    /// roofline profile, with fp8 weights): the plan over the planned
    /// batches up to the largest where some draft fits at every batch, with
    /// fp8 weights where the bf16 plan has an fp8 twin — what `sdsl plan
    /// --hardware H[:weights=fp8] --batch 1,…,B` prints.
    pub fitting_plan: Option<PlanOut>,
}
