//! `sdsl import`: engine outputs → the runs table (docs/import.md).

use crate::ingest::engines::{FORMATS, Format};
use crate::query::import::{ImportOptions, Input, import, render_csv, render_json, render_table};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `sdsl import`.
#[derive(Debug, Args)]
#[command(
    long_about = "Read measurements as serving engines print them and write the runs table (docs/import.md): \
one row per result block with the numbers as printed (TPOT, ITL, TTFT, throughput, drafts, draft and accepted \
tokens, TAR, acceptance length, per-position rates), alpha by maximum likelihood of the capped-geometric model \
from the counts with its likelihood-ratio 95% interval, the i.i.d. check (G test of the per-position rates, \
flagged below p = 0.01), and the measured speed-up against a no-speculation run of the same target, dataset, \
temperature and concurrency among the inputs. Formats: vllm-bench, vllm-json, vllm-serve, sglang, llamacpp, \
lm-eval, runs (auto recognises each file). A vllm bench log takes its draft, gamma and version from a vllm serve \
log among the inputs with the same target and file stem (bench-X.log with serve-X.log); else --draft and --gamma; \
nothing is guessed."
)]
pub struct ImportArgs {
    /// Engine output files (several: a k-sweep with its logs and baseline).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Format of every FILE (default: recognised per file).
    #[arg(long, value_parser = crate::cli::named::<Format>(&FORMATS))]
    pub format: Option<Format>,
    /// Target model, for outputs that do not name it.
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// Draft model, for speculative outputs that do not name it (and no serve log does).
    #[arg(long, value_name = "NAME")]
    pub draft: Option<String>,
    /// Draft tokens per step (k, num_speculative_tokens), where no log gives it.
    #[arg(long, value_name = "K", value_parser = gamma)]
    pub gamma: Option<u32>,
    /// GPU name recorded in the gpu column (never read from the logs).
    #[arg(long, value_name = "NAME")]
    pub gpu: Option<String>,
    /// Print the rows as one JSON array.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print the runs table as CSV.
    #[arg(long)]
    pub csv: bool,
    /// Also write the runs table to this file (.parquet: Parquet; else CSV).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// clap value parser: γ, a whole number 1..=1024.
fn gamma(s: &str) -> Result<u32, String> {
    let g: u32 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a whole number"))?;
    if !(1..=crate::cli::MAX_GAMMA_CAP as u32).contains(&g) {
        return Err(format!(
            "{s}: gamma must be between 1 and {}",
            crate::cli::MAX_GAMMA_CAP
        ));
    }
    Ok(g)
}

/// Runs `sdsl import`.
pub fn run(a: ImportArgs) -> anyhow::Result<()> {
    for f in &a.files {
        crate::cli::refuse_overwriting_input(a.out.as_deref(), f)?;
    }
    let inputs = a
        .files
        .iter()
        .map(|p| {
            let name = p.display().to_string();
            std::fs::read(p)
                .map(|bytes| Input {
                    name: name.clone(),
                    bytes,
                })
                .map_err(|source| crate::SdslError::Io { path: name, source })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let opts = ImportOptions {
        format: a.format,
        target: a.target.clone(),
        draft: a.draft.clone(),
        gamma: a.gamma,
        gpu: a.gpu.clone(),
    };
    let out = import(&inputs, &opts)?;
    for w in &out.warnings {
        crate::cli::warn(w.clone());
    }
    if let Some(p) = &a.out {
        let parquet = p
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
        let bytes = if parquet {
            crate::ingest::engines::runs::to_parquet(&out.rows)?
        } else {
            render_csv(&out.rows)?.into_bytes()
        };
        crate::report::write_atomic(p, &bytes)?;
    }
    if a.json {
        return crate::cli::print_json(&render_json(&out.rows));
    }
    if a.csv {
        return crate::cli::write_stdout(render_csv(&out.rows)?.as_bytes());
    }
    crate::cli::write_stdout(render_table(&out.rows).as_bytes())
}
