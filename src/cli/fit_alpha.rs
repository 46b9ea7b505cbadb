//! `sdsl fit alpha`: the SDSL acceptance law on a measured acceptance table.

use crate::fit::alpha_analysis::{FitAlphaOut, analyse};
use crate::ingest::acceptance::read_accept_table;
use crate::ingest::laws::LawFile;
use clap::Args;
use std::path::PathBuf;

/// Arguments of `sdsl fit alpha`.
#[derive(Debug, Args)]
#[command(
    long_about = "Fit the SDSL acceptance law alpha = A*ppl_draft + B*ppl_target + C to a table with columns \
draft, target, draft_ppl, target_ppl, alpha (optional: draft_family, target_family, draft_params, target_params, \
dataset, temperature, gamma, n_tokens as a weight). Reports the global fit, per-target fits on draft ppl alone, \
per-family fits, whether the target term is needed (t-test on B, partial F), leave-one-target-out and \
leave-one-family-out cross-validation, alternative forms (affine in ln ppl, logit link) ranked by cross-validated \
error with AIC on the alpha scale, and bootstrap percentile and BCa intervals. \
With --runs instead of a table: engine runs (a runs table from `sdsl import --out`, or the engine files \
themselves, with lm-eval results JSON for the perplexities): alpha per (target, draft, gamma, temperature, \
dataset) from the runs' counts, joined by model name with one perplexity normalisation and task (--ppl-norm, \
--ppl-task); methods without a draft model of known size (EAGLE, n-gram, Medusa) are left out and listed. A fit \
on word or byte perplexity is a separate law: the published coefficients are on token-level perplexity \
(docs/import.md)."
)]
pub struct FitAlphaArgs {
    /// The acceptance table (CSV or Parquet).
    #[arg(required_unless_present = "runs", conflicts_with = "runs")]
    pub file: Option<PathBuf>,
    /// Engine runs and lm-eval results instead of a table (docs/import.md).
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub runs: Vec<PathBuf>,
    /// Perplexity normalisation to join (token, word, byte), when the runs hold several.
    #[arg(long, value_name = "NORM", requires = "runs", value_parser = ["token", "word", "byte"])]
    pub ppl_norm: Option<String>,
    /// lm-eval task whose perplexities to join, when the runs hold several.
    #[arg(long, value_name = "TASK", requires = "runs")]
    pub ppl_task: Option<String>,
    /// Registry (a token-level fit needs every model in one family: one tokenizer).
    #[arg(long, value_name = "FILE", requires = "runs")]
    pub registry: Option<PathBuf>,
    /// Bootstrap replicates (case resampling); 0 = none, at most 1000000.
    #[arg(long, default_value_t = 0, value_name = "B", value_parser = crate::cli::replicates)]
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write the global law to this JSON file (usable as --alpha-law FILE).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Fit only the rows at this temperature (needed when the table mixes
    /// temperatures, e.g. the lab's sampling and greedy rows).
    #[arg(long, value_name = "T")]
    pub temperature: Option<f64>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// The acceptance table of `--runs` ([`crate::fit::runs::acceptance_table`]).
fn runs_table(a: &FitAlphaArgs) -> anyhow::Result<crate::ingest::acceptance::AcceptTable> {
    use crate::fit::runs::{PplChoice, acceptance_table, alphas_for_fits, inputs_sha256};
    let (inputs, rows) = crate::cli::read_runs(&a.runs, a.out.as_deref())?;
    let fits = alphas_for_fits(&rows)?;
    for s in &fits.skipped {
        crate::cli::warn(s.clone());
    }
    let registry = match &a.registry {
        Some(p) => Some(crate::ingest::registry::Registry::read(p)?),
        None => None,
    };
    let label = a
        .runs
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let choice = PplChoice {
        norm: a.ppl_norm.clone(),
        task: a.ppl_task.clone(),
    };
    let t = acceptance_table(
        &rows,
        &fits,
        &choice,
        registry.as_ref(),
        &label,
        &inputs_sha256(&inputs),
    )?;
    if !t.path.contains("(token perplexity") {
        crate::cli::warn(
            "word or byte perplexity: this fit is a separate law, not comparable with the published coefficients (fitted on token-level perplexity on HellaSwag-style text; docs/import.md)",
        );
    }
    Ok(t)
}

/// Runs `sdsl fit alpha`.
pub fn run(a: FitAlphaArgs, global: &crate::cli::Global) -> anyhow::Result<()> {
    let mut table = match &a.file {
        Some(file) => {
            crate::cli::refuse_overwriting_input(a.out.as_deref(), file)?;
            read_accept_table(file)?
        }
        None => runs_table(&a)?,
    };
    if let Some(t) = a.temperature {
        table = table.at_temperature(t)?;
    }
    let (out, _) = global
        .pool()?
        .install(|| analyse(&table, a.bootstrap, a.seed))
        .map_err(|e| {
            let mixed = table.temperatures().len() > 1;
            anyhow::Error::from(e).context(if mixed {
                "fit alpha: pick one temperature with --temperature T"
            } else {
                "fit alpha"
            })
        })?;
    for w in &out.warnings {
        crate::cli::warn(w.to_string());
    }
    if let Some(path) = &a.out {
        let g = &out.global.fit;
        let file = LawFile {
            kind: "alpha".into(),
            name: None,
            law: crate::law::AlphaLaw {
                a: g.coef("A").unwrap_or(f64::NAN),
                b: g.coef("B").unwrap_or(0.0),
                c: g.coef("C").unwrap_or(f64::NAN),
            },
            mse: None,
            source: format!(
                "sdsl fit alpha on {} (sha256 {}), {} rows",
                table.path, table.sha256, out.input.rows_used
            ),
            r2: Some(out.global.fit.r2),
            ci95: Some(
                g.coefficients
                    .iter()
                    .filter_map(|(k, c)| c.estimate.ci95.map(|ci| (k.clone(), ci)))
                    .collect(),
            ),
            fit: Some(&out),
        };
        crate::report::write_atomic(path, file.to_json()?.as_bytes())?;
    }
    if a.json {
        return crate::cli::print_json(&out);
    }
    print_human(&out);
    Ok(())
}

fn print_human(o: &FitAlphaOut) {
    println!(
        "input: {} (sha256 {}…), {} of {} rows, {} targets",
        o.input.path,
        &o.input.sha256[..12],
        o.input.rows_used,
        o.input.rows_total,
        o.input.targets
    );
    let g = &o.global.fit;
    println!("\nglobal law alpha = A·ppl_draft + B·ppl_target + C:");
    for k in ["A", "B", "C"] {
        if let Some(c) = g.coefficients.get(k) {
            let (v, ci) = (c.estimate.point, c.estimate.ci_or_nan());
            println!(
                "  {k}  {v:>12.6}   se {:>10.6}   95% CI [{:.6}, {:.6}]   p {:.3e}",
                c.estimate.se_or_nan(),
                ci[0],
                ci[1],
                c.p
            );
        }
    }
    println!(
        "  R² {:.4}  adj R² {:.4}  RMSE {:.5}  F {:.3} (p {:.2e})  cond {:.1}  n {}",
        g.r2, g.adj_r2, g.rmse, g.f_stat, g.f_p, g.condition_number, g.n
    );
    if let Some(t) = &o.target_term {
        println!(
            "  target term: t = {:.3} (p {:.3e}), partial F = {:.3} (p {:.3e}) → {}",
            t.t,
            t.p,
            t.partial_f,
            t.partial_f_p,
            if t.needed_at_5pct {
                "needed at 5%"
            } else {
                "not significant at 5%"
            }
        );
    }
    println!("\nper target (alpha = A·ppl_draft + C):");
    println!(
        "  {:<20} {:>10} {:>10} {:>8} {:>9} {:>4}",
        "target", "A", "C", "R²", "RMSE", "n"
    );
    for t in &o.per_target {
        println!(
            "  {:<20} {:>10.5} {:>10.5} {:>8.4} {:>9.5} {:>4}",
            t.target,
            t.fit.coef("A").unwrap_or(f64::NAN),
            t.fit.coef("C").unwrap_or(f64::NAN),
            t.fit.r2,
            t.fit.rmse,
            t.fit.n
        );
    }
    if !o.per_family.is_empty() {
        println!("\nper draft family:");
        for f in &o.per_family {
            println!(
                "  {:<20} R² {:.4}  RMSE {:.5}  n {}",
                f.name, f.fit.r2, f.fit.rmse, f.fit.n
            );
        }
    }
    let opt = |v: Option<f64>| v.map(|x| format!("{x:.5}")).unwrap_or_else(|| "n/a".into());
    println!(
        "\ncross-validation: leave-one-target-out RMSE {}  leave-one-family-out RMSE {}",
        opt(o.cv.loto_rmse),
        opt(o.cv.lofo_rmse)
    );
    println!("\nforms (best cross-validated error first):");
    for f in &o.forms {
        println!(
            "  {:<16} CV RMSE {:.5} ({})  AIC {:.2}  R² {:.4}",
            f.name, f.cv_rmse, f.cv, f.aic, f.r2
        );
    }
}
