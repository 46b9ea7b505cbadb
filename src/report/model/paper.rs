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
    /// The published 95% interval (null where none was published).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_ci95: Option<[f64; 2]>,
    /// (ours − published)/published (null without both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difference: Option<f64>,
    /// Where the published value comes from.
    pub source: String,
    /// Whether the published value lies inside our 95% interval.
    pub inside: Option<bool>,
    /// Whether our value lies inside the published 95% interval (null
    /// without a published interval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ours_inside_published: Option<bool>,
}

/// Whether `v` lies inside the closed interval `ci` (bounds in either
/// order); None without an interval or a finite value.
pub fn inside(v: Option<f64>, ci: Option<[f64; 2]>) -> Option<bool> {
    let (v, [a, b]) = (v?, ci?);
    if !(v.is_finite() && a.is_finite() && b.is_finite()) {
        return None;
    }
    Some(a.min(b) <= v && v <= a.max(b))
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
