//! The records of the validation section (`report.json` key `validation`,
//! `docs/validation.md`): every independent measurement
//! next to each applicable model's prediction, and per (source, quantity,
//! model) summaries (docs/validation.md).

use crate::fit::interval::Interval;
use serde::Serialize;
use std::collections::BTreeMap;

/// Model names (docs/validation.md): the paper's own α, γ, c.
pub const THM38_PRINTED_C: &str = "thm38-printed-c";
/// Measured α, c = N/M, free verification.
pub const SDSL_FLOPS: &str = "sdsl-flops";
/// α from the laws, c = N/M.
pub const SDSL_LAW: &str = "sdsl-law";
/// Measured α, H200 latency model with CUDA graphs.
pub const LATENCY_GRAPH: &str = "latency-h200-graph";
/// Measured α, H200 latency model in eager mode.
pub const LATENCY_EAGER: &str = "latency-h200-eager";
/// Measured α, the affine latency law of the single-model engine runs
/// (profile kind `runs-affine`, v ≡ 1).
pub const LATENCY_RUNS: &str = "latency-runs";

/// Measured α, the roofline law of a catalogued GPU with the H200
/// calibration: `roofline-<gpu>` (docs/validation.md).
pub fn roofline_model(gpu: &str) -> String {
    format!("roofline-{gpu}")
}

/// Measured α, the roofline law of a catalogued GPU recalibrated on the
/// single-model engine runs: `roofline-<gpu>-runs`.
pub fn roofline_runs_model(gpu: &str) -> String {
    format!("roofline-{gpu}-runs")
}

/// The validation section.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ValidationSection {
    /// What the section assumes and leaves out.
    pub notes: Vec<String>,
    /// Every measurement with each applicable model's prediction.
    pub rows: Vec<ValidationRow>,
    /// Per (source, quantity, model): errors and choice agreement.
    pub summary: Vec<ValidationSummary>,
    /// Checks of the implementation and of scale (not model predictions):
    /// the formula on a run's own times, the paper's printed column, the
    /// loss law's perplexity scale.
    pub checks: Vec<ValidationCheck>,
    /// Each source file with its provenance line.
    pub sources: Vec<ValidationSource>,
}

/// A source file of the section.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ValidationSource {
    /// Source name used in rows.
    pub source: String,
    /// File.
    pub path: String,
    /// SHA-256.
    pub sha256: String,
    /// The file's own provenance line(s).
    pub provenance: String,
}

/// One measurement and the predictions.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ValidationRow {
    /// Source (e.g. `leviathan2023`).
    pub source: String,
    /// `speedup`, `alpha`, `cost_ratio`, `rank` or `ms_per_token`.
    pub quantity: String,
    /// Setting (e.g. `EnDe T=0`).
    pub setting: String,
    /// Draft, as named in the file.
    pub draft: String,
    /// Target, as named in the file.
    pub target: String,
    /// γ of the measurement (null where it has none).
    pub gamma: Option<u64>,
    /// The measured value (null where only a range is compared).
    pub measured: Option<f64>,
    /// Each applicable model's prediction (null: the model gives none here).
    pub predicted: BTreeMap<String, Option<f64>>,
    /// The source's own prediction when it printed one (Leviathan's Thm 3.8 column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<f64>,
    /// Where a source gives no α: the range [lower, upper] each model allows.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub predicted_range: BTreeMap<String, [f64; 2]>,
    /// Per model, the draft (or γ) it would choose in this setting.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub chosen: BTreeMap<String, String>,
    /// Per model, its best integer γ for this row's pair (where γ is free).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub best_gamma: BTreeMap<String, u64>,
    /// What was measured best in this setting (the draft or γ).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_best: Option<String>,
    /// Caveat for this row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Agreement of the models' choices with the measured best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Agreement {
    /// Settings where the model's choice is the measured best.
    pub agree: usize,
    /// Settings compared.
    pub of: usize,
}

/// Errors of one model on one (source, quantity).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ValidationSummary {
    /// Source.
    pub source: String,
    /// Quantity.
    pub quantity: String,
    /// Model.
    pub model: String,
    /// Rows with both a measured and a predicted value.
    pub n: usize,
    /// Mean |predicted − measured|/measured (a fraction; null for ranks and
    /// where nothing is compared).
    pub mape: Option<f64>,
    /// Mean (predicted − measured)/measured (a fraction).
    pub mean_signed_error: Option<f64>,
    /// The mean signed error with a t interval over the rows (null with
    /// fewer than two rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_signed_error_interval: Option<Interval>,
    /// Whether the chosen draft / γ / rank agrees with the measured best.
    pub choice_agrees: Option<Agreement>,
    /// Range sources: rows whose measured value lies inside the model's range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_range: Option<Agreement>,
}

/// A check of the implementation or of scale.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ValidationCheck {
    /// Source.
    pub source: String,
    /// What is checked.
    pub what: String,
    /// Rows compared.
    pub n: usize,
    /// `relative` ((x − reference)/reference) or `absolute` (x − reference).
    pub error: String,
    /// Mean |error|.
    pub mean_abs_error: f64,
    /// Largest |error|.
    pub max_abs_error: f64,
    /// The tolerance the check is held to (null: reported only).
    pub tolerance: Option<f64>,
    /// Whether the largest error is within the tolerance.
    pub passes: Option<bool>,
    /// Per item (name → its error).
    pub items: BTreeMap<String, f64>,
}
