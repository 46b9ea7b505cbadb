//! The pre-training loss law (Hoffmann et al. 2022, "Training
//! Compute-Optimal Large Language Models", approach 3):
//!
//!   L(N, D) = E + A / N^α + B / D^β,   ppl = exp(L),
//!
//! with N parameters and D training tokens; L is cross-entropy in nats per
//! token. SDSL uses the constants of Besiroglu, Erdil, Barnett & You (2024),
//! "Chinchilla Scaling: A replication attempt", arXiv:2404.10102:
//! E = 1.8172, A = 482.01, B = 2085.43, α = 0.3478, β = 0.3658.
//! The shipped parameter sets live in `datasets/laws/`.

use crate::error::SdslError;
use serde::{Deserialize, Serialize};

/// A fitted or published loss law. Field names follow the law-file schema
/// (`E, A, B, alpha, beta`; alpha and beta are the exponents on N and D).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LossLaw {
    /// Irreducible loss E (nats/token).
    #[serde(rename = "E")]
    pub e: f64,
    /// Coefficient A of the parameter term A/N^α.
    #[serde(rename = "A")]
    pub a: f64,
    /// Coefficient B of the data term B/D^β.
    #[serde(rename = "B")]
    pub b: f64,
    /// Exponent α on N.
    pub alpha: f64,
    /// Exponent β on D.
    pub beta: f64,
}

impl LossLaw {
    /// Besiroglu et al. (2024) point estimate, as used by SDSL.
    pub const BESIROGLU_2024: LossLaw = LossLaw {
        e: 1.8172,
        a: 482.01,
        b: 2085.43,
        alpha: 0.3478,
        beta: 0.3658,
    };

    /// Checks that every constant is finite, E ≥ 0 and A, B, α, β > 0.
    pub fn validate(&self) -> Result<(), SdslError> {
        let fields = [
            ("E", self.e, 0.0),
            ("A", self.a, f64::MIN_POSITIVE),
            ("B", self.b, f64::MIN_POSITIVE),
            ("alpha", self.alpha, f64::MIN_POSITIVE),
            ("beta", self.beta, f64::MIN_POSITIVE),
        ];
        for (name, v, min) in fields {
            if !v.is_finite() || v < min {
                return Err(SdslError::InvalidLaw(format!(
                    "loss-law constant {name} = {v} must be finite and {}",
                    if min == 0.0 { "≥ 0" } else { "> 0" }
                )));
            }
        }
        Ok(())
    }

    /// L(N, D) = E + A/N^α + B/D^β (nats/token).
    pub fn loss(&self, n: f64, d: f64) -> f64 {
        self.e + self.a * n.powf(-self.alpha) + self.b * d.powf(-self.beta)
    }

    /// Perplexity exp(L(N, D)).
    pub fn ppl(&self, n: f64, d: f64) -> f64 {
        self.loss(n, d).exp()
    }
}
