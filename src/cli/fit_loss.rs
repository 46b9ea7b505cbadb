//! `sdsl fit loss`: refit L(N, D) = E + A/N^α + B/D^β on an (N, D, loss) table.

use crate::fit::bootstrap::{BootStart, Estimate, LossBootstrap};
use crate::fit::loss::{LossFitSpec, ObjectiveKind};
use crate::fit::loss_record::{
    FitLossOut, LossBootSettings, LossTask, LossTicks, fit_loss_table, loss_spec,
};
use crate::ingest::laws::LawFile;
use crate::ingest::loss_table::{LossTableSpec, read_loss_table};
use clap::Args;
use std::path::PathBuf;

/// The objectives `--objective` lists, with their help.
const OBJECTIVES: [(&str, &str); 3] = [
    (
        "huber",
        "Sum of Huber_δ residuals on ln L (Hoffmann et al.)",
    ),
    (
        "huber-mle",
        "Huber likelihood with learned scale (Besiroglu et al.'s point estimate)",
    ),
    ("lsq", "Least squares on ln L"),
];

/// The bootstrap starts `--bootstrap-start` lists, with their help.
const BOOT_STARTS: [(&str, &str); 2] = [
    (
        "hoffmann",
        "Hoffmann et al.'s initialisation (as Besiroglu et al.)",
    ),
    ("best", "The full-data optimum"),
];

/// Arguments of `sdsl fit loss`.
#[derive(Debug, Args)]
#[command(
    long_about = "Fit the loss law L(N, D) = E + A/N^alpha + B/D^beta to a table of (N, D, loss) by \
L-BFGS in log space (A = e^a, B = e^b, E = e^e) from every start of Hoffmann et al.'s 4500-point grid, \
keeping the best (Hoffmann et al. 2022 approach 3; Besiroglu et al. 2024). The table is CSV or Parquet \
with columns N, D, loss, or Epoch's layout 'Model Size', 'Training FLOP', loss (D = C/(6N))."
)]
pub struct FitLossArgs {
    /// The (N, D, loss) table (CSV or Parquet).
    pub file: PathBuf,
    /// Objective.
    #[arg(long, default_value = "huber", value_parser = crate::cli::named::<ObjectiveKind>(&OBJECTIVES))]
    pub objective: ObjectiveKind,
    /// Huber threshold δ (Hoffmann et al.: 1e-3).
    #[arg(long, default_value_t = 1e-3)]
    pub delta: f64,
    /// Column with N (e.g. non-embedding parameters).
    #[arg(long = "n-col")]
    pub n_col: Option<String>,
    /// Column with D (tokens).
    #[arg(long = "d-col")]
    pub d_col: Option<String>,
    /// Column with the loss.
    #[arg(long = "loss-col")]
    pub loss_col: Option<String>,
    /// Drop rows whose loss is ≥ the K-th largest (Epoch's rule uses 5).
    #[arg(long = "drop-highest", default_value_t = 0, value_name = "K")]
    pub drop_highest: usize,
    /// Fix a parameter, e.g. E=1.69 (repeatable; names E, A, B, alpha, beta).
    #[arg(long, value_name = "NAME=VALUE")]
    pub fix: Vec<String>,
    /// Tie parameters: alpha=beta.
    #[arg(long, value_name = "alpha=beta")]
    pub tie: Option<String>,
    /// Start grid: 'hoffmann' (4500 starts, default), 'init' (Hoffmann's single
    /// start), or coordinates such as 'a=0,5,10;alpha=0,0.5' (others keep Hoffmann's).
    #[arg(long, default_value = "hoffmann")]
    pub grid: String,
    /// Bootstrap replicates (case resampling); 0 = none, at most 1000000.
    #[arg(long, default_value_t = 0, value_name = "B", value_parser = crate::cli::replicates)]
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Start of every bootstrap refit.
    #[arg(long = "bootstrap-start", default_value = "hoffmann", value_parser = crate::cli::named::<BootStart>(&BOOT_STARTS))]
    pub bootstrap_start: BootStart,
    /// Write the fitted law to this JSON file (usable as --loss-law FILE).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// The validated fit settings from the arguments (the library's
/// [`loss_spec`], its errors named by option).
pub fn spec_from_args(a: &FitLossArgs) -> anyhow::Result<LossFitSpec> {
    loss_spec(
        a.objective.with_delta(a.delta),
        &a.fix,
        a.tie.as_deref(),
        &a.grid,
    )
    .map_err(|(option, e)| match option {
        "objective" => anyhow::Error::from(e),
        o => anyhow::anyhow!("--{o}: {e}"),
    })
}

/// Progress bars of the two tasks.
struct Bars<'a> {
    global: &'a crate::cli::Global,
    bar: std::sync::Mutex<Option<indicatif::ProgressBar>>,
}

impl LossTicks for Bars<'_> {
    fn begin(&self, task: LossTask, len: u64) {
        let what = match task {
            LossTask::Starts => "fit starts",
            LossTask::Bootstrap => "bootstrap",
        };
        *self.bar.lock().unwrap_or_else(|e| e.into_inner()) = Some(self.global.progress(len, what));
    }
    fn tick(&self) {
        if let Some(b) = &*self.bar.lock().unwrap_or_else(|e| e.into_inner()) {
            b.inc(1);
        }
    }
    fn end(&self) {
        if let Some(b) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
            b.finish_and_clear();
        }
    }
}

/// Runs `sdsl fit loss`.
pub fn run(a: FitLossArgs, global: &crate::cli::Global) -> anyhow::Result<()> {
    crate::cli::refuse_overwriting_input(a.out.as_deref(), &a.file)?;
    let spec = spec_from_args(&a)?;
    let table = read_loss_table(
        &a.file,
        &LossTableSpec {
            n_col: a.n_col.clone(),
            d_col: a.d_col.clone(),
            loss_col: a.loss_col.clone(),
            drop_highest: a.drop_highest,
        },
    )?;
    let bars = Bars {
        global,
        bar: std::sync::Mutex::new(None),
    };
    let boot_settings = LossBootSettings {
        replicates: a.bootstrap,
        seed: a.seed,
        start: a.bootstrap_start,
    };
    let run = global
        .pool()?
        .install(|| fit_loss_table(&table, a.drop_highest, &spec, boot_settings, &bars))?;
    let (fit, boot, out) = (run.fit, run.boot, run.record);
    for w in &out.warnings {
        crate::cli::warn(w.to_string());
    }
    let usable = fit.law.validate();
    if let (Some(path), Err(e)) = (&a.out, &usable) {
        crate::cli::warn(format!("not writing {}: {e}", path.display()));
    }
    if let (Some(path), Ok(())) = (&a.out, &usable) {
        let file = LawFile {
            kind: "loss".into(),
            name: None,
            law: fit.law.clone(),
            r2: None,
            mse: None,
            source: format!(
                "sdsl fit loss on {} (sha256 {}), objective {}, {} rows",
                table.path,
                table.sha256,
                fit.objective.name(),
                table.rows_used
            ),
            ci95: out.bootstrap.as_ref().map(|b| {
                b.estimates
                    .iter()
                    .filter_map(|(k, e)| e.ci95.map(|c| (k.clone(), c)))
                    .collect()
            }),
            fit: Some(&out),
        };
        crate::report::write_atomic(path, file.to_json()?.as_bytes())?;
    }
    if a.json {
        return crate::cli::print_json(&out);
    }
    print_human(&out, boot.as_ref());
    Ok(())
}

fn print_human(o: &FitLossOut, boot: Option<&LossBootstrap>) {
    println!(
        "input: {} (sha256 {}…), layout {}; {} of {} rows used{}",
        o.input.path,
        &o.input.sha256[..12],
        o.input.layout,
        o.rows_used,
        o.input.rows_total,
        if o.input.drop_highest > 0 {
            format!(
                " (dropped the {} highest-loss rows: {:?})",
                o.input.drop_highest, o.input.dropped_rows
            )
        } else {
            String::new()
        }
    );
    println!(
        "objective {}: {:.12}{}",
        o.objective.name,
        o.objective.value,
        o.objective
            .delta
            .map(|d| format!(" (delta = {d})"))
            .unwrap_or_default()
    );
    println!(
        "starts: {} run, {} converged, {} at the best objective (within 1e-9); best stopped: {} after {} iterations, |grad| = {:.2e}",
        o.starts.total,
        o.starts.converged,
        o.starts.at_best,
        o.best_start.reason,
        o.best_start.iterations,
        o.best_start.grad_norm
    );
    let reasons: Vec<String> = o
        .starts
        .termination
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    println!("termination: {}", reasons.join("; "));
    println!();
    let row = |name: &str, v: f64, e: Option<&Estimate>| match e {
        Some(e) => println!(
            "  {name:<6} {v:>14.6}   se {:>12.6}   95% CI [{:.6}, {:.6}]",
            e.se_or_nan(),
            e.ci_or_nan()[0],
            e.ci_or_nan()[1]
        ),
        None => println!("  {name:<6} {v:>14.6}"),
    };
    let est = |k: &str| boot.and_then(|b| b.estimates.get(k));
    row("E", o.params.e, est("E"));
    row("A", o.params.a, est("A"));
    row("B", o.params.b, est("B"));
    row("alpha", o.params.alpha, est("alpha"));
    row("beta", o.params.beta, est("beta"));
    for k in ["a_opt", "b_opt", "G"] {
        row(k, o.derived[k], est(k));
    }
    if let Some(s) = o.sigma {
        println!("  sigma  {s:>14.6}   (scale s = {:.6})", s.exp());
    }
    if let Some(b) = &o.bootstrap {
        println!(
            "\nbootstrap: {} replicates (seed {}, each refit from the {:?} start), {} converged, {} failed",
            b.replicates, b.seed, b.start, b.converged, b.failed
        );
    }
}
