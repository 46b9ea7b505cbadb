//! `sdsl-lab`: trains the ladder, measures it and writes `datasets/lab/`.
//! The parent process plans the stages and runs each unit of work (one rung,
//! the acceptance table, a share of the sampling runs) in a single-threaded
//! child process, `--jobs` at a time: one candle process scales only 1.2×
//! from one to two threads, two single-threaded ones run at full speed each.

use anyhow::{Context, Result, bail};
use clap::Parser;
use sdsl_lab::pipeline::{self, JobFile, Plan};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "sdsl-lab",
    version,
    about = "Train a ladder of byte-level GPTs on tinyshakespeare and measure loss, acceptance and speculative-sampling logs for sdsl"
)]
struct Cli {
    /// Run every stage on a tiny ladder (seconds) instead of the full experiment.
    #[arg(long)]
    smoke: bool,
    /// Output directory of the tables (default: datasets/lab, or target/lab-smoke with --smoke).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Scratch directory for checkpoints and job files (default: target/lab-work[-smoke]).
    #[arg(long, value_name = "DIR")]
    work: Option<PathBuf>,
    /// The corpus.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "datasets/corpus/tinyshakespeare.txt"
    )]
    corpus: PathBuf,
    /// Child processes run at once (each single-threaded).
    #[arg(long, default_value_t = 2)]
    jobs: usize,
    /// Seed of every random choice (initialisation, batches, sampling).
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Keep the results of jobs that already ran with identical settings in the
    /// scratch directory (e.g. retrain nothing after changing only the tables).
    #[arg(long)]
    reuse: bool,
    /// Internal: run one job file in this process.
    #[arg(long, hide = true, value_name = "JOB")]
    worker: Option<PathBuf>,
}

fn main() {
    let cli = Cli::parse();
    let r = match &cli.worker {
        Some(job) => run_worker(job),
        None => run_parent(&cli),
    };
    if let Err(e) = r {
        eprintln!("sdsl-lab: error: {e:#}");
        std::process::exit(1);
    }
}

fn run_worker(job: &PathBuf) -> Result<()> {
    pipeline::tune_allocator();
    let text = std::fs::read_to_string(job)
        .with_context(|| format!("{}: cannot read the job", job.display()))?;
    let file: JobFile = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a job file", job.display()))?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    pool.install(|| pipeline::execute(&file.job))
}

fn run_parent(cli: &Cli) -> Result<()> {
    if cli.jobs == 0 {
        bail!("--jobs must be at least 1");
    }
    let (out, work) = match cli.smoke {
        true => (
            cli.out.clone().unwrap_or_else(|| "target/lab-smoke".into()),
            cli.work
                .clone()
                .unwrap_or_else(|| "target/lab-work-smoke".into()),
        ),
        false => (
            cli.out.clone().unwrap_or_else(|| "datasets/lab".into()),
            cli.work.clone().unwrap_or_else(|| "target/lab-work".into()),
        ),
    };
    let plan = if cli.smoke {
        Plan::smoke(cli.seed)
    } else {
        Plan::full(cli.seed)
    };
    pipeline::run(&plan, &cli.corpus, &out, &work, cli.jobs, cli.reuse)
}
