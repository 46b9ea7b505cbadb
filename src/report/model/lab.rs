//! The lab section's records (`report.json` key `lab`): the sdsl-lab
//! ladder, its loss and acceptance laws, the estimator check and N* versus
//! the best measured draft. Computed by [`crate::pipeline::lab`].

use super::FigureData;
use crate::fit::alpha_analysis::FitAlphaOut;
use crate::fit::loss_record::FitLossOut;
use crate::law::AlphaLaw;
use serde::Serialize;

/// One checkpoint of the ladder.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LadderRow {
    /// Checkpoint name (e.g. `L4-W128-D5M`).
    pub model: String,
    /// Non-embedding parameters.
    pub n: f64,
    /// All parameters.
    pub n_total: f64,
    /// Training tokens.
    pub d: f64,
    /// Passes over the training split.
    pub epochs: f64,
    /// Held-out cross-entropy, nats per byte.
    pub loss: f64,
}

/// The acceptance law at another temperature (reported, not used for N*).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OtherTemperature {
    /// Temperature of the rows.
    pub temperature: String,
    /// The analysis.
    pub fit: FitAlphaOut,
}

/// Is α affine in draft perplexity at this scale?
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AffineVerdict {
    /// R² of the global affine law.
    pub r2_global: f64,
    /// Smallest and largest per-target R².
    pub r2_per_target_range: [f64; 2],
    /// Leave-one-target-out RMSE of α of the affine law (null with one target).
    pub loto_rmse: Option<f64>,
    /// Cross-validated RMSE of the affine form and of the best form.
    pub affine_cv_rmse: f64,
    /// Best form by cross-validated RMSE.
    pub best_form: String,
    /// Its cross-validated RMSE.
    pub best_cv_rmse: f64,
    /// One sentence.
    pub summary: String,
}

/// One row of the estimator check.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EstimatorRow {
    /// Draft checkpoint.
    pub draft: String,
    /// Target checkpoint.
    pub target: String,
    /// γ (null: all γ pooled).
    pub gamma: Option<f64>,
    /// Iterations behind the MLE.
    pub iterations: usize,
    /// MLE of α from the accepted counts with its likelihood-ratio 95%
    /// interval.
    pub mle: crate::fit::interval::Interval,
    /// Σ min(p, q) on the sampler's own contexts (the positions the target tested).
    pub summin_sampler: Option<f64>,
    /// Σ min(p, q) on the held-out text.
    pub summin_heldout: Option<f64>,
    /// Whether the sampler-context Σ min lies in the interval.
    pub covered_sampler: Option<bool>,
    /// Whether the held-out Σ min lies in the interval.
    pub covered_heldout: Option<bool>,
}

/// MLE from logs versus Σ min.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EstimatorCheck {
    /// One row per pair, γ pooled (the criterion of the lab issue).
    pub pairs: Vec<EstimatorRow>,
    /// One row per (pair, γ).
    pub per_gamma: Vec<EstimatorRow>,
    /// Share of pairs whose interval covers the sampler-context Σ min.
    pub share_covered_sampler: f64,
    /// Share of pairs whose interval covers the held-out Σ min.
    pub share_covered_heldout: f64,
    /// Same at the (pair, γ) level.
    pub share_covered_sampler_per_gamma: f64,
}

/// A measured draft with the SDSL throughput it implies.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MeasuredDraft {
    /// Draft checkpoint.
    pub draft: String,
    /// Non-embedding parameters.
    pub n: f64,
    /// Measured α (held-out Σ min at the fitted temperature).
    pub alpha: f64,
    /// Best integer γ (0: no γ helps).
    pub gamma_int: u64,
    /// S at that γ.
    pub speedup: f64,
    /// Tokens per FLOP ×1e9 (S/(2M)).
    pub tokens_per_gflop: f64,
}

/// The best (draft, γ) of the real sampler by emitted tokens per FLOP.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SampledBest {
    /// Draft checkpoint.
    pub draft: String,
    /// Lookahead.
    pub gamma: f64,
    /// Emitted tokens per FLOP ×1e9 (FLOPs counted, 2·N per token per pass).
    pub tokens_per_gflop: f64,
}

/// N* of one lab target.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LabNstar {
    /// Target checkpoint.
    pub target: String,
    /// Its non-embedding parameters M.
    pub m: f64,
    /// Tokens of the target and of the drafts considered.
    pub tokens: f64,
    /// N* from the lab laws (null with the reason when there is none).
    pub n_star: Option<f64>,
    /// Why there is none.
    pub n_star_error: Option<String>,
    /// α, best integer γ and tokens per GFLOP at N* (law).
    pub law_alpha: Option<f64>,
    /// Best integer γ at N*.
    pub law_gamma_int: Option<u64>,
    /// Tokens per FLOP ×1e9 at N* (integer γ).
    pub law_tokens_per_gflop: Option<f64>,
    /// Every measured draft trained on the same tokens, best first.
    pub measured: Vec<MeasuredDraft>,
    /// Best of the real sampler runs for this target, if any.
    pub sampled_best: Option<SampledBest>,
}

/// The lab section of the report.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LabSection {
    /// What feeds what.
    pub note: String,
    /// The checkpoints.
    pub ladder: Vec<LadderRow>,
    /// Loss-law fit on the ladder.
    pub loss: FitLossOut,
    /// Temperature of the acceptance rows fitted.
    pub temperature: f64,
    /// Acceptance-law analysis at that temperature.
    pub alpha: FitAlphaOut,
    /// The fitted global law used for the lab N*.
    pub alpha_law: AlphaLaw,
    /// The same analysis at the table's other temperatures.
    pub other_temperatures: Vec<OtherTemperature>,
    /// Is α affine in draft perplexity here?
    pub affine: AffineVerdict,
    /// MLE from logs versus Σ min.
    pub estimator: EstimatorCheck,
    /// N* from the lab's laws versus the best measured draft.
    pub nstar: Vec<LabNstar>,
    /// Figure data (not serialised).
    #[serde(skip)]
    pub figures: FigureData,
}
