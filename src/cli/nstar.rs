//! `sdsl nstar table` and `sdsl nstar law`.

use super::predict::LawArgs;
use crate::derive::nstar_law::{LawGrid, PAPER_M0, PAPER_MU};
use clap::{Args, Subcommand};

/// `sdsl nstar` subcommands.
#[derive(Debug, Subcommand)]
pub enum NstarCommand {
    /// N* for every registry target × every draft family (the paper's Table 5 layout).
    Table(TableArgs),
    /// Fit N* = μ·M + M0 (and a variant with a ln D term) over an explicit (M, D) grid.
    #[command(
        long_about = "Solve N* on a grid of target sizes M × pre-training tokens D (the draft \
trained on the target's D) and fit N* = μ·M + M0 and N* = μ·M + λ·ln D + M0 by OLS. The default grid is \
12 log-spaced M in [1e10, 1.2e11] (the paper's targets) × 7 log-spaced D in [1e11, 1e14]. The grid is \
deterministic, so the standard errors and 95% intervals are formal OLS quantities (misfit of a line to \
the N* surface) that shrink with grid size; sampling uncertainty comes from `sdsl refit`. The paper \
reports μ = 2.71e-3, M0 = 87M."
    )]
    Law(LawCmdArgs),
}

/// Arguments of `sdsl nstar table`.
#[derive(Debug, Args)]
pub struct TableArgs {
    #[command(flatten)]
    pub laws: LawArgs,
    /// Print one JSON object.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV (one row per target × family).
    #[arg(long)]
    pub csv: bool,
}

/// Arguments of `sdsl nstar law`.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct LawCmdArgs {
    #[command(flatten)]
    pub laws: LawArgs,
    /// Smallest target size of the grid.
    #[arg(long = "m-min", default_value_t = 1e10, value_parser = crate::cli::positive)]
    pub m_min: f64,
    /// Largest target size of the grid.
    #[arg(long = "m-max", default_value_t = 1.2e11, value_parser = crate::cli::positive)]
    pub m_max: f64,
    /// Number of log-spaced target sizes.
    #[arg(long = "m-count", default_value_t = 12, value_parser = crate::cli::grid_count)]
    pub m_count: usize,
    /// Smallest pre-training token count.
    #[arg(long = "d-min", default_value_t = 1e11, value_parser = crate::cli::positive)]
    pub d_min: f64,
    /// Largest pre-training token count.
    #[arg(long = "d-max", default_value_t = 1e14, value_parser = crate::cli::positive)]
    pub d_max: f64,
    /// Number of log-spaced token counts.
    #[arg(long = "d-count", default_value_t = 7, value_parser = crate::cli::grid_count)]
    pub d_count: usize,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

pub use crate::query::nstar_law::{FitOut, GridOut, INTERVAL_NOTE, LawOut, Paper, nstar_law};
pub use crate::query::nstar_table::TableOut;

/// Runs `sdsl nstar ...`.
pub fn run(c: NstarCommand) -> anyhow::Result<()> {
    match c {
        NstarCommand::Table(a) => table(a),
        NstarCommand::Law(a) => law(a),
    }
}

fn table(a: TableArgs) -> anyhow::Result<()> {
    let laws = a.laws.load_any()?;
    let reg = a.laws.registry()?;
    let out = crate::query::nstar_table::nstar_table(&laws, &reg)?;
    for w in &out.warnings {
        crate::cli::warn(w.clone());
    }
    let families = reg.draft_families()?;
    if a.json {
        return crate::cli::print_json(&out);
    }
    let opt = |v: Option<f64>| v.map(|x| format!("{x}")).unwrap_or_default();
    if a.csv {
        println!(
            "target,target_params,target_tokens,draft_family,draft_tokens,n_star,n_star_over_m,alpha,gamma_star,gamma_star_int,speedup,speedup_int"
        );
        for r in &out.rows {
            println!(
                "{},{},{},{},{},{},{},{},{},{},{},{}",
                r.target,
                r.target_params,
                r.target_tokens,
                r.draft_family,
                r.draft_tokens,
                opt(r.outcome.n_star),
                opt(r.outcome.n_star_over_m),
                opt(r.outcome.alpha),
                opt(r.outcome.gamma_star),
                r.outcome
                    .gamma_star_int
                    .map(|g| g.to_string())
                    .unwrap_or_default(),
                opt(r.outcome.speedup),
                opt(r.outcome.speedup_int)
            );
        }
        return Ok(());
    }
    println!(
        "N* (throughput-optimal draft size) per target × draft family; laws: loss {}, alpha {}; cost model {}",
        out.loss_law, out.alpha_law, out.cost_model
    );
    println!("each cell: N* (alpha, S*); drafts evaluated at their family's pre-training tokens\n");
    print!("{:<14} {:>8} {:>7}", "target", "M", "Dt");
    for f in &families {
        print!(
            "  {:>26}",
            format!("{} (Dd {})", f.name, crate::cli::si(f.tokens))
        );
    }
    println!();
    for chunk in out.rows.chunks(families.len().max(1)) {
        let t = &chunk[0];
        print!(
            "{:<14} {:>8} {:>7}",
            t.target,
            crate::cli::si(t.target_params),
            crate::cli::si(t.target_tokens)
        );
        for r in chunk {
            // S* at the continuous γ*, or S at the best integer γ under a measured v
            let s = r
                .outcome
                .speedup
                .filter(|v| v.is_finite())
                .or(r.outcome.speedup_int);
            let flag = if r.fits_memory == Some(false) {
                "*"
            } else {
                ""
            };
            let cell = match (r.outcome.n_star, r.outcome.alpha, s) {
                (Some(n), Some(al), Some(s)) => {
                    format!("{flag}{} ({al:.3}, {s:.3})", crate::cli::si(n))
                }
                _ => "none".to_string(),
            };
            print!("  {cell:>26}");
        }
        println!();
    }
    if out.rows.iter().any(|r| r.fits_memory == Some(false)) {
        println!(
            "\n* the bf16 weights of target and draft exceed one device's memory: multi-GPU latency is not in the table, so these cells extrapolate"
        );
    }
    Ok(())
}

fn law(a: LawCmdArgs) -> anyhow::Result<()> {
    let laws = a.laws.load_any()?;
    let grid = LawGrid {
        m_min: a.m_min,
        m_max: a.m_max,
        n_m: a.m_count,
        d_min: a.d_min,
        d_max: a.d_max,
        n_d: a.d_count,
    }
    .validated()
    .map_err(|e| {
        anyhow::anyhow!(
            "{e}; set the grid with --m-min, --m-max, --m-count, --d-min, --d-max, --d-count"
        )
    })?;
    // under a latency model, grid points whose target and draft do not fit
    // one device leave the law (multi-GPU latency is not measured)
    let out = nstar_law(&laws, grid).map_err(|e| anyhow::anyhow!("{e} (--m-max)"))?;
    if a.json {
        return crate::cli::print_json(&out);
    }
    let si = crate::cli::si;
    println!(
        "grid: {} log-spaced M in [{}, {}] × {} log-spaced D in [{}, {}] (draft trained on the target's D); {} points",
        out.grid.spec.n_m,
        si(out.grid.spec.m_min),
        si(out.grid.spec.m_max),
        out.grid.spec.n_d,
        si(out.grid.spec.d_min),
        si(out.grid.spec.d_max),
        out.grid.points.len()
    );
    let list = |v: &[f64]| {
        v.iter()
            .map(|v| format!("{v:.4e}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!("  M values: {}", list(&out.grid.m));
    println!("  D values: {}", list(&out.grid.d));
    if !out.beyond_memory.is_empty() {
        println!(
            "  left out ({} points): the bf16 weights of target and draft exceed the device memory at M = {}",
            out.beyond_memory.len(),
            {
                let mut ms: Vec<String> = out.beyond_memory.iter().map(|p| si(p.m)).collect();
                ms.dedup();
                ms.join(", ")
            }
        );
    }
    println!(
        "laws: loss {}, alpha {}; cost model {}\n",
        out.loss_law, out.alpha_law, out.cost_model
    );
    let l = &out.linear;
    println!(
        "N* = mu·M + M0:            mu = {:.5e} [{:.5e}, {:.5e}]   M0 = {} [{}, {}]   R² = {:.5}",
        l.get("mu").point,
        l.get("mu").ci_or_nan()[0],
        l.get("mu").ci_or_nan()[1],
        si(l.get("m0").point),
        si(l.get("m0").ci_or_nan()[0]),
        si(l.get("m0").ci_or_nan()[1]),
        l.r2
    );
    if let Some(v) = &out.log_d {
        println!(
            "N* = mu·M + lambda·ln D + M0: mu = {:.5e} [{:.5e}, {:.5e}]   lambda = {} [{}, {}]   M0 = {} [{}, {}]   R² = {:.5}",
            v.get("mu").point,
            v.get("mu").ci_or_nan()[0],
            v.get("mu").ci_or_nan()[1],
            si(v.get("lambda").point),
            si(v.get("lambda").ci_or_nan()[0]),
            si(v.get("lambda").ci_or_nan()[1]),
            si(v.get("m0").point),
            si(v.get("m0").ci_or_nan()[0]),
            si(v.get("m0").ci_or_nan()[1]),
            v.r2
        );
    }
    println!(
        "paper (SDSL):              mu = {:.5e}   M0 = {}",
        PAPER_MU,
        si(PAPER_M0)
    );
    println!("\nintervals: {INTERVAL_NOTE}");
    Ok(())
}
