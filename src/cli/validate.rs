//! `sdsl validate`: the laws against independent measurements — the same
//! validation section as `sdsl refit`, from the same manifest, printed.

use crate::pipeline::{self, Ledger, NoProgress, read_manifest};
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

/// Arguments of `sdsl validate`.
#[derive(Debug, Args)]
#[command(
    long_about = "Check the laws against independent measurements (the [validation] section of the \
manifest: Leviathan et al.'s T5-XXL runs, the NeMo Qwen3 sweep, the H200 wall-clock runs, published cost \
ratios, Chen et al., SDSL Appendix F, the Hugging Face posts, OPT perplexities, the lab's sampler runs). \
For every measurement, the prediction of each applicable model (thm38-printed-c, sdsl-flops, sdsl-law, \
latency-h200-graph, latency-h200-eager), and per source and model the mean absolute percentage error, \
the mean signed error and whether the chosen draft or γ agrees. The loss law is refitted (without its \
bootstrap) exactly as `sdsl refit` does, so the numbers equal the report's."
)]
pub struct ValidateArgs {
    /// The manifest (its `[validation]` section names the measurements).
    #[arg(long, default_value = "datasets/refit.toml")]
    pub manifest: PathBuf,
    /// Engine runs to validate against as well (a runs table or engine
    /// files; docs/import.md): each speculative run's measured speed-up
    /// against sdsl-flops, latency-runs and sdsl-law. Adds to (replaces)
    /// the manifest's `[validation] runs`.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub runs: Vec<PathBuf>,
    /// Registry with the runs' model sizes (default: the manifest's
    /// `runs_registry`, else its registry).
    #[arg(long, value_name = "FILE", requires = "runs")]
    pub runs_registry: Option<PathBuf>,
    /// The catalogued GPU the runs ran on (e.g. h100-sxm), for their
    /// roofline-<gpu> and roofline-<gpu>-runs predictions (default: the
    /// manifest's `runs_gpu`, else the runs' gpu column).
    #[arg(long, value_name = "GPU")]
    pub runs_gpu: Option<String>,
    /// Show one source only (e.g. engine-runs): its rows, summaries,
    /// checks, files and the notes that name it.
    #[arg(long, value_name = "SOURCE")]
    pub only: Option<String>,
    /// Print rows, summary and checks as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Runs `sdsl validate`.
pub fn run(a: ValidateArgs, global: &super::Global) -> anyhow::Result<()> {
    let mut m = read_manifest(&a.manifest)?;
    if m.validation.is_none() {
        anyhow::bail!(
            "{}: no [validation] section; see datasets/refit.toml for one naming the bundled measurements",
            a.manifest.display()
        );
    }
    if let Some(v) = m.validation.as_mut() {
        use crate::pipeline::config::located::Located;
        if !a.runs.is_empty() {
            for f in &a.runs {
                if !f.is_file() {
                    anyhow::bail!("--runs {}: no such file", f.display());
                }
            }
            v.runs = Some(Located::new(a.runs.clone(), 0, "--runs"));
        }
        if let Some(r) = &a.runs_registry {
            v.runs_registry = Some(Located::new(r.clone(), 0, "--runs-registry"));
        }
        if let Some(g) = &a.runs_gpu {
            let id = crate::catalog::gpus::gpu(g).context("--runs-gpu")?.id;
            v.runs_gpu = Some(Located::new(id, 0, "--runs-gpu"));
        }
    }
    // the point laws only: the bootstrap does not enter the validation
    m.loss_bootstrap.value = 0;
    m.alpha_bootstrap = 0;
    let inputs = pipeline::load(&m)?;
    let mut ledger = Ledger::default();
    let section = global.pool()?.install(|| -> anyhow::Result<_> {
        let loss = pipeline::loss_stage(&inputs.loss, m.seed, &NoProgress, &mut ledger)?;
        let alpha = pipeline::alpha_stage(&inputs.alpha, m.seed, &mut ledger)?;
        let v = inputs
            .validation
            .as_ref()
            .expect("load reads [validation] when the manifest has it");
        pipeline::validation::run(v, &inputs, &loss.fit.law, &alpha.section.law, &mut ledger)
            .map_err(|e| anyhow::Error::from(m.locate(e)))
    })?;
    let section = match &a.only {
        None => section,
        Some(src) => only(section, src)?,
    };
    if a.json {
        return super::print_json(&section);
    }
    let mut s = String::new();
    crate::report::markdown::validation::render_cli(&mut s, &section);
    super::write_stdout(s.as_bytes())
}

/// The section restricted to one source (`--only`).
fn only(
    mut s: crate::report::model::validation::ValidationSection,
    src: &str,
) -> anyhow::Result<crate::report::model::validation::ValidationSection> {
    let known = crate::fit::distinct(s.rows.iter().map(|r| r.source.clone()));
    if !known.iter().any(|k| k == src) {
        anyhow::bail!(
            "--only {src}: no such source; the sources are {}",
            known.join(", ")
        );
    }
    s.rows.retain(|r| r.source == src);
    s.summary.retain(|r| r.source == src);
    s.checks.retain(|r| r.source == src);
    s.sources.retain(|r| r.source == src);
    let tag = format!("`{src}`");
    s.notes.retain(|n| n.contains(&tag));
    Ok(s)
}
