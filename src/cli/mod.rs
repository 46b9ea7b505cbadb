//! Command-line interface: clap derive, one file per subcommand. Each
//! subcommand converts its arguments once into validated library values.

pub mod alpha_estimate;
pub mod fit_alpha;
pub mod fit_latency;
pub mod fit_loss;
pub mod import;
pub mod nstar;
pub mod plan;
pub mod predict;
pub mod refit;
pub mod speedup;
pub mod validate;

use clap::{Parser, Subcommand};

/// sdsl — speculative decoding scaling laws: how large should the draft
/// model for a target be?
#[derive(Debug, Parser)]
#[command(
    name = "sdsl",
    version,
    about,
    long_about = None,
    propagate_version = true,
    after_help = "Environment: SDSL_SIMD=baseline|avx2|avx512 caps the instruction set of the loss fits (default: the widest this CPU runs). Results are the same at every level; only the speed differs."
)]
pub struct Cli {
    /// Options shared by every command.
    #[command(flatten)]
    pub global: Global,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Global options.
#[derive(Debug, Clone, clap::Args)]
pub struct Global {
    /// Worker threads for parallel stages (default: all cores; at most 4 ×
    /// the cores). Results do not depend on it.
    #[arg(long, global = true, value_name = "T", value_parser = threads)]
    pub threads: Option<usize>,
    /// No progress bars.
    #[arg(long, global = true)]
    pub quiet: bool,
}

impl Global {
    /// A rayon pool with the requested number of threads, at most
    /// [`max_threads`] (more would only add scheduling overhead, and a typo
    /// such as `--threads 99999999999` would try to spawn them all).
    pub fn pool(&self) -> anyhow::Result<rayon::ThreadPool> {
        let mut b = rayon::ThreadPoolBuilder::new();
        if let Some(t) = self.threads {
            if t == 0 {
                anyhow::bail!("--threads 0: need at least one thread");
            }
            let cap = max_threads();
            if t > cap {
                anyhow::bail!(
                    "--threads {t}: at most {cap} (4 × the {} available cores); choose a smaller number or omit --threads to use all cores",
                    cap / 4
                );
            }
            b = b.num_threads(t);
        }
        Ok(b.build()?)
    }

    /// A progress bar on stderr; hidden with --quiet or when stderr is not a terminal.
    pub fn progress(&self, len: u64, what: &str) -> indicatif::ProgressBar {
        use std::io::IsTerminal;
        if self.quiet || !std::io::stderr().is_terminal() {
            return indicatif::ProgressBar::hidden();
        }
        let bar = indicatif::ProgressBar::new(len);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        bar
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Throughput-optimal draft size N* for a target model.
    Predict(predict::PredictArgs),
    /// Speed-up of speculative decoding at an acceptance rate and cost ratio.
    Speedup(speedup::SpeedupArgs),
    /// The serving plan: which draft, how many speculative tokens per batch size, and where speculation stops paying.
    Plan(plan::PlanArgs),
    /// N* for the registry, and the N* linear law.
    #[command(subcommand)]
    Nstar(nstar::NstarCommand),
    /// Fit a law to measured data.
    #[command(subcommand)]
    Fit(FitCommand),
    /// Acceptance rates from raw speculative-decoding measurements.
    #[command(subcommand)]
    Alpha(AlphaCommand),
    /// Regenerate every report table and figure from a manifest (datasets/refit.toml).
    Refit(refit::RefitArgs),
    /// Read engine outputs (vLLM, SGLang, llama.cpp, lm-eval) into a runs table with alpha and speed-ups.
    Import(import::ImportArgs),
    /// Check the laws against independent measurements (the manifest's `[validation]` section).
    Validate(validate::ValidateArgs),
    /// Print a shell completion script (e.g. `sdsl completions bash > /etc/bash_completion.d/sdsl`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `sdsl alpha` subcommands.
#[derive(Debug, Subcommand)]
pub enum AlphaCommand {
    /// Estimate alpha per pair from logs, tau tables or vLLM TAR tables.
    Estimate(alpha_estimate::EstimateArgs),
}

/// `sdsl fit` subcommands.
#[derive(Debug, Subcommand)]
pub enum FitCommand {
    /// Refit the pre-training loss law on an (N, D, loss) table.
    Loss(fit_loss::FitLossArgs),
    /// Fit the acceptance-rate law on an acceptance table.
    Alpha(fit_alpha::FitAlphaArgs),
    /// Fit the latency law t(P) and the verification ratio v(q) to a measured latency table.
    Latency(fit_latency::FitLatencyArgs),
}

/// Runs the parsed command, printing to stdout.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    crate::fit::loss_kernel::Simd::requested().map_err(anyhow::Error::msg)?;
    match cli.command {
        Command::Predict(a) => predict::run(a),
        Command::Speedup(a) => speedup::run(a),
        Command::Plan(a) => plan::run(a),
        Command::Nstar(c) => nstar::run(c),
        Command::Fit(FitCommand::Loss(a)) => fit_loss::run(a, &cli.global),
        Command::Alpha(AlphaCommand::Estimate(a)) => alpha_estimate::run(a),
        Command::Fit(FitCommand::Alpha(a)) => fit_alpha::run(a, &cli.global),
        Command::Fit(FitCommand::Latency(a)) => fit_latency::run(a, &cli.global),
        Command::Refit(a) => refit::run(a, &cli.global),
        Command::Validate(a) => validate::run(a, &cli.global),
        Command::Import(a) => import::run(a),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "sdsl", &mut buf);
            write_stdout(&buf)
        }
    }
}

/// The largest `--threads`: 4 × the available cores
/// (`std::thread::available_parallelism`, 1 when unknown).
pub fn max_threads() -> usize {
    4 * std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The largest bootstrap replicate count a flag accepts.
pub const MAX_REPLICATES: usize = crate::fit::bootstrap::MAX_REPLICATES;

/// A whole-number count (accepts 1e5-style notation) no larger than `max`;
/// the message says the limit (clap prefixes the flag's name).
fn bounded_count(s: &str, max: usize, what: &str) -> Result<usize, String> {
    let t = s.trim();
    let v: f64 = match t.parse::<u128>() {
        Ok(v) => v as f64,
        Err(_) => t
            .parse::<f64>()
            .map_err(|_| format!("'{s}' is not a whole number"))?,
    };
    if !(v.is_finite() && v >= 0.0 && v.fract() == 0.0) {
        return Err(format!("'{s}' is not a whole number ≥ 0"));
    }
    if v > max as f64 {
        return Err(format!(
            "{s} {what}: at most {max}; choose a smaller number"
        ));
    }
    Ok(v as usize)
}

/// clap value parser: worker threads, 1..=[`max_threads`] (a usage error,
/// exit 2, like every other bad flag value).
pub fn threads(s: &str) -> Result<usize, String> {
    let cap = max_threads();
    let t = bounded_count(s, usize::MAX, "threads")?;
    if t == 0 {
        return Err("need at least one thread".into());
    }
    if t > cap {
        return Err(format!(
            "{s} threads: at most {cap} (4 × the {} available cores); choose a smaller number or omit --threads to use all cores",
            cap / 4
        ));
    }
    Ok(t)
}

/// The largest `--max-gamma`: γ searches walk every whole γ up to the cap,
/// and tables may then hold q up to 1 + 4·cap.
pub const MAX_GAMMA_CAP: u64 = 1024;

/// clap value parser: `--max-gamma`, a whole number 1..=[`MAX_GAMMA_CAP`].
pub fn max_gamma(s: &str) -> Result<u64, String> {
    let g = bounded_count(s, MAX_GAMMA_CAP as usize, "(the γ cap)")?;
    if g == 0 {
        return Err("the γ cap must be at least 1".into());
    }
    Ok(g as u64)
}

/// Where warnings go: printed to stderr as `warning: …` lines, or (after
/// [`collect_warnings`], for `--json`) kept for the one JSON object `main`
/// writes to stderr.
static WARNINGS: std::sync::Mutex<Option<Vec<String>>> = std::sync::Mutex::new(None);

/// From now on, [`warn`] collects instead of printing (`--json`: stderr
/// carries exactly one JSON object, `{"warnings": […]}` or
/// `{"error": {…}, "warnings": […]}`).
pub fn collect_warnings() {
    if let Ok(mut w) = WARNINGS.lock() {
        *w = Some(Vec::new());
    }
}

/// A warning for the user: printed to stderr as `warning: MSG`, or collected
/// under `--json` ([`collect_warnings`]).
pub fn warn(msg: impl Into<String>) {
    let msg = msg.into();
    match WARNINGS.lock().as_deref_mut() {
        Ok(Some(v)) => v.push(msg),
        _ => eprintln!("warning: {msg}"),
    }
}

/// The collected warnings (empty unless [`collect_warnings`] was called).
pub fn take_warnings() -> Vec<String> {
    WARNINGS
        .lock()
        .ok()
        .and_then(|mut w| w.as_mut().map(std::mem::take))
        .unwrap_or_default()
}

/// A clap value parser for a name the library parses ([`std::str::FromStr`]
/// on the library's type, the one home of those names): clap lists the
/// names with their help and refuses others; the library converts.
pub fn named<T>(
    values: &[(&'static str, &'static str)],
) -> impl clap::builder::TypedValueParser<Value = T>
where
    T: std::str::FromStr<Err = crate::error::SdslError> + Clone + Send + Sync + 'static,
{
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(
        values
            .iter()
            .map(|&(name, help)| PossibleValue::new(name).help(help)),
    )
    .try_map(|s| s.parse::<T>())
}

/// clap value parser: bootstrap replicates, 0..=[`MAX_REPLICATES`].
pub fn replicates(s: &str) -> Result<usize, String> {
    bounded_count(s, MAX_REPLICATES, "replicates")
}

/// clap value parser: points along one axis of a grid,
/// 0..=[`crate::derive::nstar_law::MAX_GRID_POINTS`] (the grid checks the
/// lower bound).
pub fn grid_count(s: &str) -> Result<usize, String> {
    bounded_count(s, crate::derive::nstar_law::MAX_GRID_POINTS, "grid points")
}

/// clap value parser: a finite number > 0 (accepts 1e9-style notation).
pub fn positive(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("{s} must be a finite number > 0"))
    }
}

/// clap value parser: a number strictly between 0 and 1.
pub fn unit_open(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    if v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(format!("{s} must lie strictly between 0 and 1"))
    }
}

/// Refuses an `--out` file that is the input (the same file under any
/// name): writing it would destroy the data it was computed from. Checked
/// before any computation.
pub fn refuse_overwriting_input(
    out: Option<&std::path::Path>,
    input: &std::path::Path,
) -> anyhow::Result<()> {
    let Some(out) = out else { return Ok(()) };
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(out), std::fs::canonicalize(input))
        && a == b
    {
        anyhow::bail!(
            "--out {} is the input file; it would be overwritten: choose another file",
            out.display()
        );
    }
    Ok(())
}

/// Writes bytes to stdout; a closed stdout (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(anyhow::Error::new(e).context(
            "writing the output to stdout; the output is incomplete (free space or choose another destination)",
        )),
        Ok(()) => Ok(()),
    }
}

/// Prints a serialisable value as one pretty JSON object.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub use crate::report::format::si;

/// Engine runs named on the command line (`--runs FILE...`): a runs table
/// (`sdsl import --out`) or the engine files themselves, read once by the
/// import (`fit::runs`, format recognised per file); its warnings are
/// printed. Refuses an `--out` that names one of them.
pub fn read_runs(
    files: &[std::path::PathBuf],
    out: Option<&std::path::Path>,
) -> anyhow::Result<(
    Vec<crate::fit::runs::Input>,
    Vec<crate::ingest::engines::RunRow>,
)> {
    for f in files {
        refuse_overwriting_input(out, f)?;
    }
    let inputs = files
        .iter()
        .map(|p| {
            let name = p.display().to_string();
            std::fs::read(p)
                .map(|bytes| crate::fit::runs::Input {
                    name: name.clone(),
                    bytes,
                })
                .map_err(|source| crate::SdslError::Io { path: name, source })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let imported = crate::fit::runs::import(&inputs, &Default::default())
        .map_err(|e| anyhow::Error::from(e).context("--runs: reading the engine runs (sdsl import reads them the same way; give it --target/--draft/--gamma where a log lacks them and pass its --out table instead)"))?;
    for w in imported.warnings {
        warn(w);
    }
    Ok((inputs, imported.rows))
}
