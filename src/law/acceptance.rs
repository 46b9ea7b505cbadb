//! The SDSL acceptance-rate law (Bozorgkhoo & Molybog, "Speculative Decoding
//! Scaling Laws", arXiv:2603.11053):
//!
//!   α = A·x + B·y + C,
//!
//! x the draft's and y the target's perplexity (raw, not logs), measured on
//! the same text. Published global fit (docs/method.md, "The acceptance law"): A = −0.0067, B = 0.01297,
//! C = 0.642 (R² = 0.602). The law is affine and unbounded: callers must check
//! that α stays inside (0, 1) where they use it.

use crate::error::SdslError;
use serde::{Deserialize, Serialize};

/// Coefficients of the affine acceptance law (law-file keys `A, B, C`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AlphaLaw {
    /// Coefficient on draft perplexity.
    #[serde(rename = "A")]
    pub a: f64,
    /// Coefficient on target perplexity.
    #[serde(rename = "B")]
    pub b: f64,
    /// Intercept.
    #[serde(rename = "C")]
    pub c: f64,
}

impl AlphaLaw {
    /// The published SDSL global fit.
    pub const SDSL_2026: AlphaLaw = AlphaLaw {
        a: -0.0067,
        b: 0.01297,
        c: 0.642,
    };

    /// Checks that the coefficients are finite.
    pub fn validate(&self) -> Result<(), SdslError> {
        for (name, v) in [("A", self.a), ("B", self.b), ("C", self.c)] {
            if !v.is_finite() {
                return Err(SdslError::InvalidLaw(format!(
                    "acceptance-law coefficient {name} = {v} must be finite"
                )));
            }
        }
        Ok(())
    }

    /// α = A·x + B·y + C for draft perplexity x and target perplexity y.
    pub fn alpha(&self, draft_ppl: f64, target_ppl: f64) -> f64 {
        self.a * draft_ppl + self.b * target_ppl + self.c
    }
}
