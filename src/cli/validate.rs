//! `sdsl validate`: the laws against independent measurements — the same
//! validation section as `sdsl refit`, from the same manifest, printed.

use crate::ingest::registry::Registry;
use crate::pipeline::{self, Ledger, NoProgress, read_manifest};
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
    /// Print rows, summary and checks as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Runs `sdsl validate`.
pub fn run(a: ValidateArgs, global: &super::Global) -> anyhow::Result<()> {
    let mut m = read_manifest(&a.manifest)?;
    let Some(v) = m.validation.clone() else {
        anyhow::bail!(
            "{}: no [validation] section; see datasets/refit.toml for one naming the bundled measurements",
            a.manifest.display()
        );
    };
    // the point laws only: the bootstrap does not enter the validation
    m.loss_bootstrap.value = 0;
    m.alpha_bootstrap = 0;
    let mut ledger = Ledger::default();
    let registry = Registry::read(&m.registry.value).map_err(|e| m.at(&m.registry, e))?;
    let section = global.pool()?.install(|| -> anyhow::Result<_> {
        let loss = pipeline::loss_stage(&m, m.seed, &NoProgress, &mut ledger)?;
        let alpha = pipeline::alpha_stage(&m, m.seed, &mut ledger)?;
        Ok(pipeline::validation::run(
            &m,
            &v,
            &loss.fit.law,
            &alpha.section.law,
            &registry,
            &mut ledger,
        )?)
    })?;
    if a.json {
        return super::print_json(&section);
    }
    let mut s = String::new();
    crate::report::markdown::validation::render(&mut s, &section);
    super::write_stdout(s.as_bytes())
}
