//! S(α, γ, c), γ\* and S\* for one acceptance rate and cost ratio
//! (Leviathan et al. 2023, Thm 3.8; the optimum through Lambert W₋₁, see
//! [`crate::law::throughput`]): the record of `sdsl speedup --json`.

use crate::error::SdslError;
use crate::law::throughput;
use serde::Serialize;

/// The record of `sdsl speedup --json`.
#[derive(Debug, Serialize)]
pub struct SpeedupOut {
    /// α given.
    pub alpha: f64,
    /// c given.
    pub cost_ratio: f64,
    /// γ given (absent without --gamma).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gamma: Option<f64>,
    /// S at the given γ (absent without --gamma).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speedup: Option<f64>,
    /// E(α, γ), expected tokens per iteration at the given γ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_tokens: Option<f64>,
    /// Continuous optimal γ* (0 when speculation does not help).
    pub gamma_star: f64,
    /// S at γ*.
    pub speedup_star: f64,
    /// Best integer γ (0 when no γ ≥ 1 helps).
    pub gamma_star_int: u64,
    /// S at the best integer γ.
    pub speedup_star_int: f64,
    /// Whether a continuous γ > 0 helps: c < −α ln α/(1 − α).
    pub helps: bool,
    /// The threshold −α ln α/(1 − α).
    pub max_helpful_cost_ratio: f64,
}

/// The speed-up record for acceptance rate `alpha` ∈ (0, 1), cost ratio
/// `cost_ratio` > 0 and, optionally, a lookahead `gamma` > 0 at which S is
/// also evaluated. Out-of-range values are refused by parameter name.
pub fn speedup(alpha: f64, cost_ratio: f64, gamma: Option<f64>) -> Result<SpeedupOut, SdslError> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(SdslError::InvalidArgument(format!(
            "alpha = {alpha}: must lie strictly between 0 and 1"
        )));
    }
    if !(cost_ratio.is_finite() && cost_ratio > 0.0) {
        return Err(SdslError::InvalidArgument(format!(
            "cost_ratio = {cost_ratio}: must be a finite number > 0"
        )));
    }
    if let Some(g) = gamma
        && !(g.is_finite() && g > 0.0)
    {
        return Err(SdslError::InvalidArgument(format!(
            "gamma = {g}: must be a finite number > 0"
        )));
    }
    let o = throughput::optimum(alpha, cost_ratio);
    Ok(SpeedupOut {
        alpha,
        cost_ratio,
        gamma,
        speedup: gamma.map(|g| throughput::speedup(alpha, g, cost_ratio)),
        expected_tokens: gamma.map(|g| throughput::expected_tokens(alpha, g)),
        gamma_star: o.gamma_star,
        speedup_star: o.speedup_star,
        gamma_star_int: o.gamma_star_int,
        speedup_star_int: o.speedup_star_int,
        helps: o.helps,
        max_helpful_cost_ratio: throughput::max_helpful_cost_ratio(alpha),
    })
}
