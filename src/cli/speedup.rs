//! `sdsl speedup`: S(α, γ, c), γ* and S* (Leviathan et al. 2023, Thm 3.8;
//! optimum through Lambert W₋₁, see `law::throughput`).

use crate::ingest::registry::Registry;
use crate::query::speedup::PricedModel;
use anyhow::Context;
use clap::Args;

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
S = E(α, γ)/(γ·c + v(γ+1)), over integer γ within the measured range (docs/latency.md)."
)]
pub struct SpeedupArgs {
    /// Per-token acceptance rate α, in (0, 1).
    #[arg(long, value_parser = crate::cli::unit_open, group = "acceptance", required_unless_present_any = ["tar", "acceptance_length"])]
    pub alpha: Option<f64>,
    /// Token acceptance rate as vLLM or llama.cpp print it (accepted ÷
    /// drafted tokens, a fraction in (0, 1)), measured at --measured-gamma;
    /// converted to α by inverting TAR = α(1 − α^K)/((1 − α)K) (docs/import.md).
    #[arg(long, value_parser = crate::cli::unit_open, group = "acceptance", requires = "measured_gamma")]
    pub tar: Option<f64>,
    /// Acceptance length τ (tokens per verification step, vLLM's
    /// "acceptance length", SGLang's "accept length"), measured at
    /// --measured-gamma; converted to α by inverting τ = (1 − α^(K+1))/(1 − α).
    #[arg(long = "acceptance-length", value_parser = crate::cli::positive, group = "acceptance", requires = "measured_gamma")]
    pub acceptance_length: Option<f64>,
    /// The γ (k) at which --tar or --acceptance-length was measured; --gamma
    /// stays the γ at which S is evaluated.
    #[arg(long = "measured-gamma", value_name = "K", value_parser = crate::cli::max_gamma, conflicts_with = "alpha")]
    pub measured_gamma: Option<u64>,
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
    /// Largest lookahead γ searched under a latency cost model (default 16);
    /// tables or profiles with q > 1 + 4·max(16, max-gamma) are refused.
    #[arg(long = "max-gamma", value_name = "G", value_parser = crate::cli::max_gamma, requires = "cost_model")]
    pub max_gamma: Option<u64>,
    /// Lookahead γ (tokens drafted per iteration) at which to evaluate S.
    #[arg(long, value_parser = crate::cli::positive)]
    pub gamma: Option<f64>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub use crate::query::speedup::{SpeedupLatency, SpeedupOut};

/// Runs `sdsl speedup`.
pub fn run(mut a: SpeedupArgs) -> anyhow::Result<()> {
    let converted = measured_alpha(&a)?;
    if let Some((alpha, _)) = &converted {
        a.alpha = Some(*alpha);
    }
    let out = match &a.cost_model {
        Some(spec) => latency_out(&a, spec)?,
        None => crate::query::speedup::speedup(
            a.alpha.expect("clap requires an acceptance flag"),
            a.cost_ratio.expect("clap requires --cost-ratio"),
            a.gamma,
        )?,
    };
    if a.json {
        return crate::cli::print_json(&out);
    }
    if let Some((_, note)) = &converted {
        println!("{note}");
    }
    print_text(&out);
    Ok(())
}

/// α from `--tar` or `--acceptance-length` at `--measured-gamma` (None when
/// `--alpha` is given), with a line saying how it was converted. Assumes
/// i.i.d. acceptance (the capped geometric, docs/import.md).
fn measured_alpha(a: &SpeedupArgs) -> anyhow::Result<Option<(f64, String)>> {
    let Some(k) = a.measured_gamma else {
        if a.alpha.is_none() {
            anyhow::bail!(
                "--tar and --acceptance-length need --measured-gamma K, the γ they were measured at"
            );
        }
        return Ok(None);
    };
    let kf = k as f64;
    let (alpha, what) = if let Some(t) = a.tar {
        (
            crate::fit::estimate::alpha_from_tar(t, kf),
            format!("TAR {t}"),
        )
    } else if let Some(tau) = a.acceptance_length {
        if !(tau > 1.0 && tau < kf + 1.0) {
            anyhow::bail!(
                "--acceptance-length {tau} at --measured-gamma {k}: τ must lie strictly between 1 and K + 1 = {} (every step yields at least the target's token and at most K + 1)",
                k + 1
            );
        }
        (
            crate::fit::estimate::alpha_from_tau(tau, kf),
            format!("acceptance length {tau}"),
        )
    } else {
        anyhow::bail!(
            "--measured-gamma goes with --tar or --acceptance-length (with --alpha it has no meaning)"
        );
    };
    let alpha = alpha.filter(|x| *x > 0.0 && *x < 1.0).ok_or_else(|| {
        anyhow::anyhow!("{what} at --measured-gamma {k} gives no α strictly between 0 and 1")
    })?;
    Ok(Some((
        alpha,
        format!(
            "alpha = {alpha:.6} from {what} measured at gamma = {k} (i.i.d. acceptance; docs/import.md)"
        ),
    )))
}

/// The pair of `--cost-model latency:…` priced through the library.
fn latency_out(a: &SpeedupArgs, spec: &str) -> anyhow::Result<SpeedupOut> {
    let registry = || -> anyhow::Result<Registry> {
        Ok(match &a.registry {
            Some(p) => Registry::read(p)?,
            None => Registry::bundled()?,
        })
    };
    let model = |name: &Option<String>, params: Option<f64>| -> anyhow::Result<PricedModel> {
        match (name, params) {
            (Some(n), _) => {
                let r = registry()?;
                // the exact name first, else a unique case-insensitive match
                let m = crate::error::find_name(&r.models, n, |m| m.name.as_str())
                    .map_err(|several| {
                        crate::error::ambiguous_name(
                            "model",
                            n,
                            &several.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
                            &format!("the registry {}", r.path),
                        )
                    })?
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "'{n}' is not in the registry {} (known: {})",
                            r.path,
                            crate::error::capped_list(r.models.iter().map(|m| m.name.as_str()), 10)
                        )
                    })?;
                Ok(PricedModel {
                    name: m.name.clone(),
                    arch: m.arch.clone(),
                    params: m.params,
                })
            }
            (None, Some(p)) => Ok(PricedModel {
                name: format!("{p:e} params"),
                arch: String::new(),
                params: p,
            }),
            (None, None) => unreachable!("clap requires one of the pair"),
        }
    };
    let draft = model(&a.draft, a.draft_params)?;
    let target = model(&a.target, a.target_params)?;
    let out = crate::query::speedup::speedup_latency(
        a.alpha.expect("clap requires an acceptance flag"),
        a.gamma,
        spec,
        &draft,
        &target,
        a.max_gamma
            .unwrap_or(crate::law::throughput::DEFAULT_MAX_GAMMA),
    )
    .with_context(|| format!("--cost-model {spec}"))?;
    for w in out.latency.iter().flat_map(|l| &l.warnings) {
        crate::cli::warn(w.clone());
    }
    Ok(out)
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
