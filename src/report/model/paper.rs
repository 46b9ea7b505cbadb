//! The paper side by side (`report.json` key `paper`): wherever a published
//! number exists in the bundled files, the refit's value next to it.

use crate::fit::interval::Interval;
use serde::Serialize;

/// One quantity: ours, with its interval, and the published value.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PaperRow {
    /// Group (`alpha law`, `N* law`, `loss law`, `compute-optimal`, `N* table`).
    pub group: String,
    /// Quantity.
    pub quantity: String,
    /// This refit's value and interval (method labelled; null when none).
    pub ours: Option<Interval>,
    /// The published value (null when not published or not bundled).
    pub published: Option<f64>,
    /// Where the published value comes from.
    pub source: String,
    /// Whether the published value lies inside our 95% interval.
    pub inside: Option<bool>,
}

/// The comparison.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PaperSection {
    /// Definitions and caveats.
    pub notes: Vec<String>,
    /// The rows.
    pub rows: Vec<PaperRow>,
}
