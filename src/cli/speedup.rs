//! `sdsl speedup`: S(α, γ, c), γ* and S* (Leviathan et al. 2023, Thm 3.8;
//! optimum through Lambert W₋₁, see `law::throughput`).

use crate::ingest::registry::Registry;
use crate::law::throughput;
use anyhow::Context;
use clap::Args;
use serde::Serialize;

/// Arguments of `sdsl speedup`.
#[derive(Debug, Args)]
#[command(
    allow_negative_numbers = true,
    long_about = "Speed-up of speculative decoding over plain target decoding, \
S(α, γ, c) = (1 − α^(γ+1)) / ((1 − α)(γc + 1)) (Leviathan et al. 2023, Thm 3.8), \
the continuous optimum γ*, S* (closed form through Lambert W₋₁) and the best integer γ. \
Speculation helps for a continuous γ iff c < −α ln α/(1 − α), and for an integer γ ≥ 1 iff c < α. \
With --cost-model latency:NAME|FILE[:mode=…][:ctx=…][:batch=…] and a draft and a target (registry names \
or sizes), c and the verification cost v(γ+1) come from measured latencies instead: \
S = E(α, γ)/(γ·c + v(γ+1)), over integer γ within the measured range (SPEC §5)."
)]
pub struct SpeedupArgs {
    /// Per-token acceptance rate α, in (0, 1).
    #[arg(long, value_parser = crate::cli::unit_open)]
    pub alpha: f64,
    /// Cost of a draft forward pass relative to a target pass, c > 0
    /// (required unless --cost-model latency:… prices the pair).
    #[arg(long = "cost-ratio", value_parser = crate::cli::positive, required_unless_present = "cost_model", conflicts_with = "cost_model")]
    pub cost_ratio: Option<f64>,
    /// A latency cost model (latency:h200-graph, latency:h200-eager,
    /// latency:FILE, with :mode=, :ctx=, :batch= options): c and v(γ+1)
    /// from measured times.
    #[arg(long = "cost-model", requires = "target_any", requires = "draft_any")]
    pub cost_model: Option<String>,
    /// Draft by registry name (its measured time when the table has its arch).
    #[arg(long, group = "draft_any", requires = "cost_model")]
    pub draft: Option<String>,
    /// Draft by size, parameters (priced by the fitted latency law).
    #[arg(long = "draft-params", value_parser = crate::cli::positive, group = "draft_any", requires = "cost_model")]
    pub draft_params: Option<f64>,
    /// Target by registry name.
    #[arg(long, group = "target_any", requires = "cost_model")]
    pub target: Option<String>,
    /// Target by size, parameters.
    #[arg(long = "target-params", value_parser = crate::cli::positive, group = "target_any", requires = "cost_model")]
    pub target_params: Option<f64>,
    /// Registry file for --draft/--target (default: the bundled registry).
    #[arg(long, requires = "cost_model")]
    pub registry: Option<std::path::PathBuf>,
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
    /// The best γ is the largest the table measured (q_max − 1).
    pub gamma_at_edge: bool,
}

/// Runs `sdsl speedup`.
pub fn run(a: SpeedupArgs) -> anyhow::Result<()> {
    let out = match &a.cost_model {
        Some(spec) => latency_out(&a, spec)?,
        None => flop_out(&a, a.cost_ratio.expect("clap requires --cost-ratio")),
    };
    if a.json {
        return crate::cli::print_json(&out);
    }
    print_text(&out);
    Ok(())
}

fn flop_out(a: &SpeedupArgs, c: f64) -> SpeedupOut {
    let o = throughput::optimum(a.alpha, c);
    SpeedupOut {
        alpha: a.alpha,
        cost_ratio: c,
        gamma: a.gamma,
        speedup: a.gamma.map(|g| throughput::speedup(a.alpha, g, c)),
        expected_tokens: a.gamma.map(|g| throughput::expected_tokens(a.alpha, g)),
        gamma_star: Some(o.gamma_star),
        speedup_star: Some(o.speedup_star),
        gamma_star_int: o.gamma_star_int,
        speedup_star_int: o.speedup_star_int,
        helps: o.helps,
        max_helpful_cost_ratio: throughput::max_helpful_cost_ratio(a.alpha),
        latency: None,
    }
}

/// S = E(α, γ)/(γ·c + v(γ+1)) with c and v from a latency profile.
fn latency_out(a: &SpeedupArgs, spec: &str) -> anyhow::Result<SpeedupOut> {
    use crate::pipeline::latency::{is_latency_spec, latency_cost_model};
    if !is_latency_spec(spec) {
        anyhow::bail!(
            "--cost-model '{spec}': speedup takes a latency model here (latency:h200-graph, …); for the FLOP or affine model give --cost-ratio"
        );
    }
    let (_, profile) = latency_cost_model(spec).with_context(|| format!("--cost-model {spec}"))?;
    let registry = || -> anyhow::Result<Registry> {
        Ok(match &a.registry {
            Some(p) => Registry::read(p)?,
            None => Registry::bundled()?,
        })
    };
    let model =
        |name: &Option<String>, params: Option<f64>| -> anyhow::Result<(String, String, f64)> {
            match (name, params) {
                (Some(n), _) => {
                    let r = registry()?;
                    let m = r
                        .models
                        .iter()
                        .find(|m| m.name.eq_ignore_ascii_case(n))
                        .ok_or_else(|| {
                            anyhow::anyhow!(
                                "'{n}' is not in the registry {} (known: {})",
                                r.path,
                                r.models
                                    .iter()
                                    .map(|m| m.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        })?;
                    Ok((m.name.clone(), m.arch.clone(), m.params))
                }
                (None, Some(p)) => Ok((format!("{p:e} params"), String::new(), p)),
                (None, None) => unreachable!("clap requires one of the pair"),
            }
        };
    let (dname, darch, dp) = model(&a.draft, a.draft_params)?;
    let (tname, tarch, tp) = model(&a.target, a.target_params)?;
    let costs = profile.pair_costs((&darch, dp), (&tarch, tp));
    let c = costs.cost_ratio;
    let gamma_max = u64::from(profile.q_max.saturating_sub(1));
    if let Some(g) = a.gamma
        && !(g.fract() == 0.0 && g as u64 <= gamma_max)
    {
        anyhow::bail!(
            "--gamma {g}: under a measured verification cost γ is a whole number from 1 to {gamma_max} (the table measured q up to {})",
            profile.q_max
        );
    }
    let best = throughput::optimal_integer_measured(a.alpha, c, gamma_max, |q| {
        costs.verify_ratio(q as f64)
    });
    let v_best = costs.verify_ratio((best.gamma + 1) as f64);
    let ms = costs.target_ms / best.speedup;
    Ok(SpeedupOut {
        alpha: a.alpha,
        cost_ratio: c,
        gamma: a.gamma,
        speedup: a
            .gamma
            .map(|g| throughput::speedup_measured(a.alpha, g, c, costs.verify_ratio(g + 1.0))),
        expected_tokens: a.gamma.map(|g| throughput::expected_tokens(a.alpha, g)),
        gamma_star: None,
        speedup_star: None,
        gamma_star_int: best.gamma,
        speedup_star_int: best.speedup,
        helps: best.gamma >= 1,
        max_helpful_cost_ratio: throughput::max_helpful_cost_ratio(a.alpha),
        latency: Some(SpeedupLatency {
            cost_model: spec.to_string(),
            hardware: profile.hardware.clone(),
            draft: dname,
            target: tname,
            draft_measured: costs.draft_measured,
            target_measured: costs.target.is_some(),
            verify_ratio: v_best,
            verify_ratio_at_gamma: a.gamma.map(|g| costs.verify_ratio(g + 1.0)),
            ms_per_token: ms,
            tokens_per_s: 1000.0 / ms,
            gamma_at_edge: best.at_edge,
        }),
    })
}

fn print_text(out: &SpeedupOut) {
    println!("alpha = {}, cost ratio c = {}", out.alpha, out.cost_ratio);
    if let Some(l) = &out.latency {
        println!(
            "priced by {} on {}: draft {} ({}), target {} ({})",
            l.cost_model,
            l.hardware,
            l.draft,
            if l.draft_measured {
                "measured"
            } else {
                "latency law"
            },
            l.target,
            if l.target_measured {
                "measured"
            } else {
                "latency law and fitted v"
            }
        );
    }
    if let (Some(g), Some(s), Some(e)) = (out.gamma, out.speedup, out.expected_tokens) {
        println!("at gamma = {g}: speed-up S = {s:.6}, expected tokens per iteration E = {e:.6}");
    }
    match (out.gamma_star, out.speedup_star) {
        (Some(g), Some(s)) if out.helps => {
            println!("optimal gamma* = {g:.6} (continuous), S* = {s:.6}");
        }
        (Some(_), Some(_)) => println!(
            "speculation does not help: c >= -alpha ln alpha/(1 - alpha) = {:.6}",
            out.max_helpful_cost_ratio
        ),
        _ => {
            println!("gamma* and S* at a continuous gamma: n/a under a measured verification cost")
        }
    }
    if out.gamma_star_int > 0 {
        println!(
            "best integer gamma = {}, S = {:.6}",
            out.gamma_star_int, out.speedup_star_int
        );
    } else if out.latency.is_some() {
        println!("no integer gamma >= 1 beats plain decoding on these measured costs");
    } else {
        println!("no integer gamma >= 1 beats plain decoding (that needs c < alpha)");
    }
    if let Some(l) = &out.latency {
        println!(
            "  v(gamma+1) {:.4}, {:.3} ms/token, {:.1} tokens/s",
            l.verify_ratio, l.ms_per_token, l.tokens_per_s
        );
        if l.gamma_at_edge {
            println!(
                "  warning: the best gamma is the largest measured one; a longer lookahead is outside the table"
            );
        }
    }
}
