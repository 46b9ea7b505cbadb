//! The refit report: the schema of `reports/report.json` (and the content of
//! `report.md`). Full f64 precision; numbers are formatted only in Markdown
//! and figures. `SCHEMA_VERSION` changes whenever a field changes meaning.

pub mod deploy;
pub mod lab;
pub mod lab_iid;
pub mod paper;
pub mod validation;

use crate::derive::nstar::CellOutcome;
pub use crate::derive::nstar::NstarCell;
use crate::derive::nstar_law::{GridPoint, LawGrid};
use crate::derive::uncertainty::DrawInterval;
use crate::fit::alpha_analysis::FitAlphaOut;
use crate::fit::estimate::EstimateRow;
use crate::fit::interval::Interval;
use crate::fit::loss_record::FitLossOut;
use crate::law::{AlphaLaw, LossLaw};
use serde::Serialize;

/// Version of this schema. 2: every interval has the shape
/// `{point, se, ci95, method}` ([`Interval`]): the loss bootstrap's
/// `estimates`, the α fits' `coefficients` (with `t`, `p`), the α bootstrap's
/// `percentile`/`bca`, estimate rows' `alpha` (`method` renamed `estimator`),
/// the lab estimator's `mle`, N* cells' `n_star_draws` and the N* law's
/// `mu`, `m0` (over the draws) and `mu_ols`, `m0_ols`. Later keys are
/// additive and keep the version.
/// 3: one N* cell record ([`NstarCell`]) for the N* table, the hardware
/// tables and `sdsl nstar table`: hardware cells gain `target_params`,
/// `target_tokens`, `draft_tokens`, and `fits_memory` is left out when
/// unknown (it was `null`).
pub const SCHEMA_VERSION: u32 = 3;

/// The toolkit that wrote a report: the crate version, and the git commit
/// when the build environment says it (`SDSL_BUILD_COMMIT`, set by release
/// and CI builds; null in the committed `reports/`, so that they do not
/// change with every commit).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Toolkit {
    /// `sdsl` crate version.
    pub version: String,
    /// Git commit, when known.
    pub commit: Option<String>,
}

impl Toolkit {
    /// This build's version, with the commit from `SDSL_BUILD_COMMIT` when
    /// set and not empty.
    pub fn current() -> Toolkit {
        Toolkit {
            version: env!("CARGO_PKG_VERSION").to_string(),
            commit: std::env::var("SDSL_BUILD_COMMIT")
                .ok()
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty()),
        }
    }
}

/// Everything `sdsl refit` reports.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Report {
    /// Schema version.
    pub schema_version: u32,
    /// The toolkit that wrote the report.
    pub toolkit: Toolkit,
    /// The manifest read.
    pub manifest: FileRef,
    /// Bootstrap seed.
    pub seed: u64,
    /// Every input file with its hash and use.
    pub inputs: Vec<InputRef>,
    /// The loss-law refit (with bootstrap).
    pub loss: FitLossOut,
    /// The acceptance law used for N*.
    pub alpha: AlphaSection,
    /// α estimated from raw measurements, per file.
    pub estimates: Vec<EstimateSection>,
    /// N* per target × draft family, and the N* law.
    pub nstar: NstarSection,
    /// The lab section (`[lab]` of the manifest): the sdsl-lab ladder's own
    /// laws and measurements; absent without a `[lab]` section.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lab: Option<lab::LabSection>,
    /// N* under measured GPU latencies (`[hardware]` of the manifest),
    /// next to the FLOP model's; absent without a `[hardware]` section.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hardware: Option<HardwareSection>,
    /// The laws against independent measurements (`[validation]` of the
    /// manifest); absent without that section.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation: Option<validation::ValidationSection>,
    /// N* and S* when one input moves (loss law, α law, cost model, γ).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<crate::derive::sensitivity::SensitivitySection>,
    /// The N* law's shape: the line against a power law κ·M^p·D^q.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nstar_shape: Option<crate::derive::nstar_shape::NstarShape>,
    /// The lab's i.i.d. check (acceptance by block position and by γ, FLOPs
    /// recounted, cluster-robust α-law errors); absent without `[lab]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lab_iid: Option<lab_iid::LabIidSection>,
    /// "What to deploy": N* and the best available draft per target × cost
    /// model × draft family (the report's first section).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<deploy::DeploySection>,
    /// Serving plans per target × GPU over batch sizes
    /// (`[hardware.serving]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serving: Option<deploy::ServingSection>,
    /// Published numbers next to the refit's (α law, N* line, loss law,
    /// compute-optimal allocation, OPT-13B's N*).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paper: Option<paper::PaperSection>,
    /// Every warning of every stage.
    pub warnings: Vec<String>,
    /// Data behind the figures (not serialised).
    #[serde(skip)]
    pub figures: FigureData,
}

/// A file and its hash.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FileRef {
    /// Path as resolved from the manifest.
    pub path: String,
    /// SHA-256 of the bytes.
    pub sha256: String,
}

/// An input file, its role and rows used.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InputRef {
    /// What it feeds: registry, loss, alpha, estimates.
    pub role: &'static str,
    /// Path.
    pub path: String,
    /// SHA-256.
    pub sha256: String,
    /// Rows used.
    pub rows_used: usize,
}

/// The acceptance law and where it comes from.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AlphaSection {
    /// "published" (no table bundled) or "fitted".
    pub source: &'static str,
    /// Law id (shipped name/file) or the fitted tables.
    pub id: String,
    /// Provenance text.
    pub provenance: String,
    /// Coefficients used.
    pub law: AlphaLaw,
    /// The fit record when fitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fit: Option<FitAlphaOut>,
}

/// α estimates from one raw-measurement file.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EstimateSection {
    /// File.
    pub path: String,
    /// SHA-256.
    pub sha256: String,
    /// Kind recognised.
    pub kind: String,
    /// Value column used.
    pub value_col: String,
    /// Rows out.
    pub rows: Vec<EstimateRow>,
}

/// N* on real hardware: one entry per latency cost model.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HardwareSection {
    /// What the section assumes.
    pub note: String,
    /// One entry per `[hardware] cost_models` item, in manifest order.
    pub models: Vec<HardwareModel>,
    /// N*, best γ and S against batch size (`[hardware.batch_sweep]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_sweep: Option<BatchSweepSection>,
    /// S(N) of OPT-13B and LLaMA3-70B with the first draft family's drafts
    /// under the FLOP model and each latency model (not serialised).
    #[serde(skip)]
    pub figures: FigureData,
    /// Measured decode times and the affine law of each latency model (the
    /// t(P) figure; not serialised).
    #[serde(skip)]
    pub latency_fig: Vec<LatencySeries>,
}

/// One latency model's decode times t(P) and its fitted affine law.
#[derive(Debug, Clone, Default)]
pub struct LatencySeries {
    /// The cost model without its `latency:` prefix.
    pub label: String,
    /// (params_total, t(1) in ms) of the fitted architectures.
    pub points: Vec<(f64, f64)>,
    /// Affine law t0, ms.
    pub t0_ms: f64,
    /// Affine law k, ms per parameter.
    pub k_ms_per_param: f64,
}

/// N* and real drafts under one latency cost model.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HardwareModel {
    /// The cost model as given (e.g. `latency:h200-graph`).
    pub cost_model: String,
    /// Device.
    pub hardware: String,
    /// Launch mode, KV-cache length and batch of the rows used.
    pub mode: String,
    /// Tokens already in the KV cache.
    pub ctx: u64,
    /// Sequences per pass.
    pub batch: u64,
    /// Device memory in bytes (for the fit-in-memory check).
    pub memory_bytes: Option<f64>,
    /// The latency table.
    pub source: FileRef,
    /// Affine law t = t0 + k·P (the one N* uses): t0 in ms.
    pub affine_t0_ms: f64,
    /// k in ms per parameter.
    pub affine_k_ms_per_param: f64,
    /// Leave-one-architecture-out mean and max |relative error| of the affine law.
    pub affine_loao: [f64; 2],
    /// The same for the depth-aware form, when the table has layer counts.
    pub depth_loao: Option<[f64; 2]>,
    /// N* per target × draft family (same order as `nstar.cells`).
    pub cells: Vec<NstarCell>,
    /// The real drafts of each family ranked on measured times, for targets
    /// the table measured.
    pub rankings: Vec<DraftRanking>,
    /// The N* linear law fitted under this cost model on the manifest's law
    /// grid (null when it cannot be fitted; the reason is a warning).
    pub law: Option<HardwareLaw>,
}

/// The N* law N* = μ·M + M0 under a latency cost model.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HardwareLaw {
    /// Slope μ.
    pub mu: f64,
    /// Intercept M0, parameters.
    pub m0: f64,
    /// R² of the line on the grid points kept.
    pub r2: f64,
    /// Largest |line − exact|/exact over the grid points kept.
    pub max_rel_error: f64,
    /// Grid points kept.
    pub points: usize,
    /// Target sizes M of grid points left out because target and N* draft
    /// do not fit the device's memory (one entry per point).
    pub beyond_memory: Vec<f64>,
}

/// N* against batch size under one latency cost model.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BatchSweepSection {
    /// The cost model the batches are appended to (e.g. `latency:h200-graph`).
    pub cost_model: String,
    /// One row per target × batch, target-major.
    pub rows: Vec<BatchRow>,
}

/// One target at one batch size.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BatchRow {
    /// Target.
    pub target: String,
    /// Draft family (the target's own when it has drafts, else the first).
    pub draft_family: String,
    /// Sequences per pass.
    pub batch: u64,
    /// When this batch was not measured: the measured batches its times were
    /// interpolated between (linearly in ln b).
    pub interpolated_from: Option<[u64; 2]>,
    /// N* and what follows (γ and S at the best integer γ).
    #[serde(flatten)]
    pub outcome: CellOutcome,
    /// v(γ+1) at the best integer γ (1 at γ = 0).
    pub verify_ratio: Option<f64>,
    /// Whether target and N* draft (weights and KV caches) fit the device.
    pub fits_memory: Option<bool>,
    /// The best real draft of the family on measured times, when the table
    /// measured the target at this batch (or its neighbours).
    pub best_real_draft: Option<RankedDraft>,
}

/// A family's real drafts for one target, priced on measured times.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DraftRanking {
    /// Target.
    pub target: String,
    /// Draft family.
    pub draft_family: String,
    /// Drafts, best first.
    pub drafts: Vec<RankedDraft>,
}

/// One real draft priced on measured times.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RankedDraft {
    /// Draft model.
    pub name: String,
    /// Its α under the laws.
    pub alpha: f64,
    /// The pair priced on measured times.
    #[serde(flatten)]
    pub priced: crate::fit::latency::MeasuredPair,
}

/// The N* section.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NstarSection {
    /// Cost model.
    pub cost_model: String,
    /// Which loss law feeds N* (the refit).
    pub loss_law: LossLaw,
    /// Bootstrap draws propagated.
    pub draws: usize,
    /// Draft families (table columns).
    pub draft_families: Vec<String>,
    /// Cells, target-major.
    pub cells: Vec<NstarCell>,
    /// The N* linear law.
    pub law: NstarLawSection,
}

/// The N* law with both kinds of interval.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NstarLawSection {
    /// μ under the point laws, with its SD and 95% percentile interval over
    /// the bootstrap draws of the loss law (and the draw counts).
    pub mu: DrawInterval,
    /// M0 likewise.
    pub m0: DrawInterval,
    /// μ with its formal OLS SE and t interval on the deterministic grid
    /// (the grid is not a sample: a measure of the line's fit only).
    pub mu_ols: Interval,
    /// M0 likewise.
    pub m0_ols: Interval,
    /// R² of the line on the grid.
    pub r2: f64,
    /// The ln D variant: (μ, λ, M0).
    pub log_d: Option<[f64; 3]>,
    /// The grid.
    pub grid: LawGrid,
    /// N* at each grid point.
    pub points: Vec<GridPoint>,
    /// The paper's μ.
    pub paper_mu: f64,
    /// The paper's M0.
    pub paper_m0: f64,
}

/// One target's α line.
#[derive(Debug, Clone, Default)]
pub struct AlphaLine {
    /// Legend label.
    pub label: String,
    /// Panel of a small-multiples figure (e.g. the target's family; empty:
    /// one panel).
    pub group: String,
    /// Measured (draft ppl, α) points (empty for the published law).
    pub points: Vec<(f64, f64)>,
    /// Endpoints of the fitted or published line.
    pub line: [(f64, f64); 2],
}

/// One target's S*(N) curve.
#[derive(Debug, Clone, Default)]
pub struct SpeedupCurve {
    /// Legend label.
    pub label: String,
    /// Measured drafts: (N, S at the best integer γ from the measured α).
    pub measured: Vec<(f64, f64)>,
    /// The real sampler's best draft: (N, emitted tokens per FLOP × 2M).
    pub sampled: Vec<(f64, f64)>,
    /// (N, S*) points.
    pub curve: Vec<(f64, f64)>,
    /// N*, when interior.
    pub n_star: Option<f64>,
}

/// Curves and samples the figures draw (computed by the pipeline).
#[derive(Debug, Clone, Default)]
pub struct FigureData {
    /// Loss data (N, D, loss).
    pub loss_points: Vec<(f64, f64, f64)>,
    /// Fitted loss law.
    pub loss_law: Option<LossLaw>,
    /// Bootstrap draws of (E, A, B, α, β).
    pub loss_draws: Vec<[f64; 5]>,
    /// A published law to mark on the bootstrap panels (name, law): Epoch
    /// AI's Besiroglu et al. (2024) refit for the Chinchilla data.
    pub loss_reference: Option<(String, LossLaw)>,
    /// α versus draft ppl, one line per target.
    pub alpha_lines: Vec<AlphaLine>,
    /// Whether `alpha_lines` come from measurements (else: the published law).
    pub alpha_measured: bool,
    /// Half-width of the band drawn around each published-law line: √MSE of
    /// the published fit (None: no band).
    pub alpha_band: Option<f64>,
    /// Predicted versus measured α (empty without a fitted table).
    pub alpha_pred: Vec<(f64, f64)>,
    /// The target of each `alpha_pred` point (same order; empty: one colour).
    pub alpha_pred_group: Vec<String>,
    /// The prediction of the affine-in-ln-ppl form at each `alpha_pred`
    /// point (same order; empty when not fitted).
    pub alpha_pred_log: Vec<f64>,
    /// Speed-up versus draft size, one curve per target.
    pub speedup_curves: Vec<SpeedupCurve>,
    /// N* versus M: band (M, lower, upper) from the draws.
    pub nstar_band: Vec<(f64, f64, f64)>,
    /// Title of the speed-up figure (None: the FLOP model's default).
    pub speedup_title: Option<String>,
    /// Real drafts (name, N) marked on the speed-up figure by a labelled
    /// guide; each curve's `measured` then holds its S at those sizes.
    pub real_drafts: Vec<(String, f64)>,
}
