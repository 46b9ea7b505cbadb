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
    /// Continuous optimal γ* (0 when speculation does not help; null under a
    /// measured verification cost, where only integer γ is defined).
    pub gamma_star: Option<f64>,
    /// S at γ* (null under a measured verification cost).
    pub speedup_star: Option<f64>,
    /// Best integer γ (0 when no γ ≥ 1 helps).
    pub gamma_star_int: u64,
    /// S at the best integer γ.
    pub speedup_star_int: f64,
    /// Whether a continuous γ > 0 helps: c < −α ln α/(1 − α) (under a
    /// latency model: whether some integer γ ≥ 1 helps).
    pub helps: bool,
    /// The threshold −α ln α/(1 − α) (free verification).
    pub max_helpful_cost_ratio: f64,
    /// Under a latency cost model: how the pair was priced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<SpeedupLatency>,
}

/// How `speedup --cost-model latency:…` priced the pair.
#[derive(Debug, Serialize)]
pub struct SpeedupLatency {
    /// The cost model as given.
    pub cost_model: String,
    /// Device.
    pub hardware: String,
    /// Draft (name or size) and whether its time was measured.
    pub draft: String,
    /// Target (name or size) and whether its times were measured.
    pub target: String,
    /// The draft's decode time was measured (else: the affine law).
    pub draft_measured: bool,
    /// The target's times were measured (else: the affine law and fitted v).
    pub target_measured: bool,
    /// v(γ+1) at the best integer γ (1 at γ = 0).
    pub verify_ratio: f64,
    /// v(γ+1) at the given γ (absent without --gamma).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_ratio_at_gamma: Option<f64>,
    /// Target time per generated token at the best integer γ, ms.
    pub ms_per_token: f64,
    /// Tokens per second at the best integer γ.
    pub tokens_per_s: f64,
    /// The best γ is the largest searched: min(q_max − 1, the γ cap).
    pub gamma_at_edge: bool,
    /// bf16 weights of draft and target and both KV caches at the profile's
    /// (batch, ctx) fit the device's memory; null when the memory is unknown.
    pub fits_memory: Option<bool>,
    /// What the memory check counted, bytes.
    pub memory: Option<crate::fit::latency::MemoryNeed>,
    /// What the user should know about this pricing: a model outside the
    /// table's size range (extrapolated), a pair that exceeds the device
    /// memory (the command prints these as warnings).
    pub warnings: Vec<String>,
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
        gamma_star: Some(o.gamma_star),
        speedup_star: Some(o.speedup_star),
        gamma_star_int: o.gamma_star_int,
        speedup_star_int: o.speedup_star_int,
        helps: o.helps,
        max_helpful_cost_ratio: throughput::max_helpful_cost_ratio(alpha),
        latency: None,
    })
}

/// A model of a pair priced by a latency model: its display name, the
/// latency table's architecture name (empty for a hypothetical size) and
/// its parameters.
#[derive(Debug, Clone)]
pub struct PricedModel {
    /// Name shown in the record.
    pub name: String,
    /// Architecture in the latency table (measured times when present).
    pub arch: String,
    /// Parameters.
    pub params: f64,
}

/// The speed-up record under a latency cost model (`latency:…`, docs/latency.md):
/// c = t_draft(1)/t_target(1) and v(q) = t_target(q)/t_target(1) from the
/// profile (measured times where the table has the architectures, else the
/// fitted law and v lines); S = E(α, γ)/(γ·c + v(γ+1)) over integer γ from
/// 1 to q_max − 1 (γ\* and S\* at a continuous γ are null).
// Long (≈130 lines): argument checks, the pair's prices (measured or by
// the law, each said so), the integer γ search and the record, in order.
pub fn speedup_latency(
    alpha: f64,
    gamma: Option<f64>,
    spec: &str,
    draft: &PricedModel,
    target: &PricedModel,
    max_gamma: u64,
) -> Result<SpeedupOut, SdslError> {
    use crate::catalog::latency::{is_latency_spec, latency_cost_model_capped};
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(SdslError::InvalidArgument(format!(
            "alpha = {alpha}: must lie strictly between 0 and 1"
        )));
    }
    if !is_latency_spec(spec) {
        return Err(SdslError::InvalidArgument(format!(
            "cost model '{spec}': a pair is priced by a latency model (latency:h200-graph, …); for the FLOP or affine model give a cost ratio"
        )));
    }
    let (_, profile) = latency_cost_model_capped(spec, max_gamma)?;
    let costs = profile.pair_costs((&draft.arch, draft.params), (&target.arch, target.params));
    let c = costs.cost_ratio;
    let gamma_max = profile.gamma_limit(max_gamma);
    if let Some(g) = gamma
        && !(g.fract() == 0.0 && g >= 1.0 && g as u64 <= gamma_max)
    {
        return Err(SdslError::InvalidArgument(format!(
            "gamma = {g}: under a measured verification cost γ is a whole number from 1 to {gamma_max} (the table measured q up to {}, --max-gamma {max_gamma})",
            profile.q_max
        )));
    }
    // the checks `predict` makes: sizes the table did not span are priced by
    // extrapolating the affine law (and v at the clamped size), and a pair
    // that exceeds the device memory is not a single-device measurement
    let mut warnings = Vec::new();
    // a registry `arch` other than the model's own name that the table
    // lacks: refused when it looks like a typo of a table architecture,
    // else priced by the affine law and said so
    for (role, m) in [("draft", draft), ("target", target)] {
        use crate::catalog::latency::{ArchName, arch_name, did_you_mean};
        if m.arch.is_empty() || m.arch == m.name {
            continue;
        }
        match arch_name(&profile, &m.arch) {
            ArchName::Measured => {}
            ArchName::Excluded | ArchName::Unknown => warnings.push(format!(
                "the {role} {}: arch '{}' is not an architecture the latency table {} measured, so its time comes from the affine law",
                crate::error::clip(&m.name),
                crate::error::clip(&m.arch),
                profile.source.path
            )),
            ArchName::Typo(near) => {
                return Err(SdslError::InvalidArgument(format!(
                    "the {role} {}: arch {} Fix the registry's arch cell, or leave it empty to price the model by the affine law",
                    crate::error::clip(&m.name),
                    did_you_mean(&profile, &m.arch, &near)
                )));
            }
        }
    }
    let [lo, hi] = profile.params_range;
    for (role, m, measured) in [
        ("draft", draft, costs.draft_measured),
        ("target", target, costs.target.is_some()),
    ] {
        let inside = m.params >= lo && m.params <= hi;
        if !(measured || inside) {
            warnings.push(format!(
                "the {role} {} has {} parameters, outside the table's fitted range {}–{}: its time extrapolates the affine law{}",
                m.name,
                crate::report::format::si(m.params),
                crate::report::format::si(lo),
                crate::report::format::si(hi),
                if role == "target" {
                    " and its v(q) is taken at the nearest fitted size"
                } else {
                    ""
                }
            ));
        }
    }
    let memory = profile.memory_need((&target.arch, target.params), (&draft.arch, draft.params));
    if let Some(m) = memory
        && !m.fits
    {
        let w = profile.weight_format();
        warnings.push(format!(
            "does not fit ({w}, one GPU): draft and target need {:.1} GB ({w} weights {:.1} GB + KV cache {:.1} GB) but {} has {:.1} GB, and multi-device latency (tensor parallelism) is not modelled",
            m.need_bytes / 1e9,
            m.weights_bytes / 1e9,
            m.kv_bytes / 1e9,
            profile.hardware,
            m.memory_bytes / 1e9
        ));
    }
    let best =
        throughput::optimal_integer_measured(alpha, c, gamma_max, |q| costs.verify_ratio(q as f64));
    let ms = costs.target_ms / best.speedup;
    Ok(SpeedupOut {
        alpha,
        cost_ratio: c,
        gamma,
        speedup: gamma
            .map(|g| throughput::speedup_measured(alpha, g, c, costs.verify_ratio(g + 1.0))),
        expected_tokens: gamma.map(|g| throughput::expected_tokens(alpha, g)),
        gamma_star: None,
        speedup_star: None,
        gamma_star_int: best.gamma,
        speedup_star_int: best.speedup,
        helps: best.gamma >= 1,
        max_helpful_cost_ratio: throughput::max_helpful_cost_ratio(alpha),
        latency: Some(SpeedupLatency {
            cost_model: spec.to_string(),
            hardware: profile.hardware.clone(),
            draft: draft.name.clone(),
            target: target.name.clone(),
            draft_measured: costs.draft_measured,
            target_measured: costs.target.is_some(),
            verify_ratio: costs.verify_ratio((best.gamma + 1) as f64),
            verify_ratio_at_gamma: gamma.map(|g| costs.verify_ratio(g + 1.0)),
            ms_per_token: ms,
            tokens_per_s: 1000.0 / ms,
            gamma_at_edge: best.at_edge,
            fits_memory: memory.map(|m| m.fits),
            memory,
            warnings,
        }),
    })
}
