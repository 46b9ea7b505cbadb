//! `sdsl speedup`: S(α, γ, c), γ* and S* (Leviathan et al. 2023, Thm 3.8;
//! optimum through Lambert W₋₁, see `law::throughput`).

use clap::Args;

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

pub use crate::query::speedup::SpeedupOut;

/// Runs `sdsl speedup`.
pub fn run(a: SpeedupArgs) -> anyhow::Result<()> {
    let out = crate::query::speedup::speedup(a.alpha, a.cost_ratio, a.gamma)?;
    if a.json {
        return crate::cli::print_json(&out);
    }
    println!("alpha = {}, cost ratio c = {}", a.alpha, a.cost_ratio);
    if let (Some(g), Some(s), Some(e)) = (out.gamma, out.speedup, out.expected_tokens) {
        println!("at gamma = {g}: speed-up S = {s:.6}, expected tokens per iteration E = {e:.6}");
    }
    if out.helps {
        println!(
            "optimal gamma* = {:.6} (continuous), S* = {:.6}",
            out.gamma_star, out.speedup_star
        );
    } else {
        println!(
            "speculation does not help: c >= -alpha ln alpha/(1 - alpha) = {:.6}",
            out.max_helpful_cost_ratio
        );
    }
    if out.gamma_star_int > 0 {
        println!(
            "best integer gamma = {}, S = {:.6}",
            out.gamma_star_int, out.speedup_star_int
        );
    } else {
        println!("no integer gamma >= 1 beats plain decoding (that needs c < alpha)");
    }
    Ok(())
}
