//! `sdsl speedup`: S(α, γ, c), γ* and S* (Leviathan et al. 2023, Thm 3.8;
//! optimum through Lambert W₋₁, see `law::throughput`).

use crate::law::throughput;
use clap::Args;
use serde::Serialize;

/// Arguments of `sdsl speedup`.
#[derive(Debug, Args)]
#[command(
    allow_negative_numbers = true,
    long_about = "Speed-up of speculative decoding over plain target decoding, \
S(α, γ, c) = (1 − α^(γ+1)) / ((1 − α)(γc + 1)) (Leviathan et al. 2023, Thm 3.8), \
the continuous optimum γ*, S* (closed form through Lambert W₋₁) and the best integer γ. \
Speculation helps for a continuous γ iff c < −α ln α/(1 − α), and for an integer γ ≥ 1 iff c < α."
)]
pub struct SpeedupArgs {
    /// Per-token acceptance rate α, in (0, 1).
    #[arg(long, value_parser = crate::cli::unit_open)]
    pub alpha: f64,
    /// Cost of a draft forward pass relative to a target pass, c > 0.
    #[arg(long = "cost-ratio", value_parser = crate::cli::positive)]
    pub cost_ratio: f64,
    /// Lookahead γ (tokens drafted per iteration) at which to evaluate S.
    #[arg(long, value_parser = crate::cli::positive)]
    pub gamma: Option<f64>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// JSON output of `sdsl speedup`.
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

/// Runs `sdsl speedup`.
pub fn run(a: SpeedupArgs) -> anyhow::Result<()> {
    let o = throughput::optimum(a.alpha, a.cost_ratio);
    let out = SpeedupOut {
        alpha: a.alpha,
        cost_ratio: a.cost_ratio,
        gamma: a.gamma,
        speedup: a
            .gamma
            .map(|g| throughput::speedup(a.alpha, g, a.cost_ratio)),
        expected_tokens: a.gamma.map(|g| throughput::expected_tokens(a.alpha, g)),
        gamma_star: o.gamma_star,
        speedup_star: o.speedup_star,
        gamma_star_int: o.gamma_star_int,
        speedup_star_int: o.speedup_star_int,
        helps: o.helps,
        max_helpful_cost_ratio: throughput::max_helpful_cost_ratio(a.alpha),
    };
    if a.json {
        return crate::cli::print_json(&out);
    }
    println!("alpha = {}, cost ratio c = {}", a.alpha, a.cost_ratio);
    if let (Some(g), Some(s), Some(e)) = (out.gamma, out.speedup, out.expected_tokens) {
        println!("at gamma = {g}: speed-up S = {s:.6}, expected tokens per iteration E = {e:.6}");
    }
    if o.helps {
        println!(
            "optimal gamma* = {:.6} (continuous), S* = {:.6}",
            o.gamma_star, o.speedup_star
        );
    } else {
        println!(
            "speculation does not help: c >= -alpha ln alpha/(1 - alpha) = {:.6}",
            out.max_helpful_cost_ratio
        );
    }
    if o.gamma_star_int > 0 {
        println!(
            "best integer gamma = {}, S = {:.6}",
            o.gamma_star_int, o.speedup_star_int
        );
    } else {
        println!("no integer gamma >= 1 beats plain decoding (that needs c < alpha)");
    }
    Ok(())
}
