//! `sdsl alpha estimate`: α per (draft, target, grouping columns) from raw
//! speculative-decoding measurements (see `fit::estimate` for the methods).

use crate::fit::estimate::{EstimateRow, estimate_rows};
use crate::ingest::acceptance::{MeasureKind, MeasureSpec, Measurements, read_measurements};
use clap::Args;
use std::path::PathBuf;

/// The measurement kinds `--kind` lists, with their help.
const KINDS: [(&str, &str); 3] = [
    ("logs", "Per-iteration logs: draft, target, gamma, accepted"),
    ("tau", "Mean tokens per iteration: gamma, tau"),
    (
        "tar",
        "Token acceptance rate (accepted/drafted): gamma, tar",
    ),
];

/// Arguments of `sdsl alpha estimate`.
#[derive(Debug, Args)]
#[command(
    long_about = "Estimate the per-token acceptance rate alpha from raw speculative-decoding measurements, \
per (draft, target) and grouping columns (temperature, top_p, top_k, thinking_mode, dataset, ... when present). \
Logs of accepted counts (accepted in 0..gamma): closed-form MLE alpha = S/(S + F) with a likelihood-ratio 95% \
interval. Tables of mean tokens per iteration tau, or of vLLM's token acceptance rate TAR = accepted/drafted, at \
one or several gamma: alpha solves E(alpha, gamma) = tau (TAR: tau = 1 + gamma*TAR), least squares across gamma, \
with a t-interval over the per-gamma inversions. vLLM's window-sweep columns (k_num_speculative_tokens, \
tar_steady_steps2to5) are recognised. Output rows are in the acceptance-table schema. \
With --runs instead of a file: engine runs (a runs table from `sdsl import --out`, or the engine files \
themselves): alpha per (target, draft, gamma, temperature, dataset) from the runs' printed counts (the import's \
MLE; rows of one key pooled), methods without a draft model of known size (EAGLE, n-gram, Medusa) left out and \
listed, and a serve log's warm-up-inclusive row never beside its bench row (docs/import.md)."
)]
pub struct EstimateArgs {
    /// The measurement file (CSV or Parquet).
    #[arg(required_unless_present = "runs", conflicts_with = "runs")]
    pub file: Option<PathBuf>,
    /// Engine runs instead of a file: a runs table or engine files (docs/import.md).
    #[arg(long, num_args = 1.., value_name = "FILE", conflicts_with_all = ["kind", "gamma_col", "value_col", "group_cols"])]
    pub runs: Vec<PathBuf>,
    /// Kind of measurement (default: recognised from the columns).
    #[arg(long, value_parser = crate::cli::named::<MeasureKind>(&KINDS))]
    pub kind: Option<MeasureKind>,
    /// Column holding gamma.
    #[arg(long = "gamma-col")]
    pub gamma_col: Option<String>,
    /// Column holding accepted / tau / TAR (e.g. tar_step1).
    #[arg(long = "value-col")]
    pub value_col: Option<String>,
    /// Grouping columns besides draft and target, comma-separated.
    #[arg(long = "group-cols", value_delimiter = ',')]
    pub group_cols: Option<Vec<String>>,
    /// Print one JSON array of rows.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV in the acceptance-table schema.
    #[arg(long)]
    pub csv: bool,
    /// Also write the CSV to this file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Renders rows as CSV in the acceptance-table schema.
pub fn render_csv(m: &Measurements, rows: &[EstimateRow]) -> Result<String, crate::SdslError> {
    let mut head = vec!["draft".to_string(), "target".to_string()];
    head.extend(m.group_cols.iter().cloned());
    if m.ppl.is_some() {
        head.extend(["draft_ppl".to_string(), "target_ppl".to_string()]);
    }
    head.extend(["alpha", "ci95_lower", "ci95_upper", "method", "n", "flags"].map(String::from));
    let mut out = crate::report::csv_out::CsvTable::new(&head)?;
    for r in rows {
        let mut f = vec![r.draft.clone(), r.target.clone()];
        for g in &m.group_cols {
            f.push(
                r.groups
                    .get(g)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string(),
            );
        }
        if let (Some(x), Some(y)) = (r.draft_ppl, r.target_ppl) {
            f.push(x.to_string());
            f.push(y.to_string());
        }
        f.push(r.alpha.point.to_string());
        f.push(r.alpha.ci95.map(|c| c[0].to_string()).unwrap_or_default());
        f.push(r.alpha.ci95.map(|c| c[1].to_string()).unwrap_or_default());
        f.push(r.estimator.to_string());
        f.push(r.n.to_string());
        f.push(r.flags.join("; "));
        out.row(&f)?;
    }
    out.finish()
}

/// The columns of `alpha estimate --runs` (the acceptance-table schema:
/// add `draft_ppl` and `target_ppl` to fit the law on it).
const RUNS_COLUMNS: [&str; 11] = [
    "draft",
    "target",
    "gamma",
    "temperature",
    "dataset",
    "alpha",
    "ci95_lower",
    "ci95_upper",
    "method",
    "n",
    "flags",
];

/// `sdsl alpha estimate --runs`.
fn run_runs(a: &EstimateArgs) -> anyhow::Result<()> {
    let (_, rows) = crate::cli::read_runs(&a.runs, a.out.as_deref())?;
    let fits = crate::fit::runs::alphas_for_fits(&rows)?;
    for s in &fits.skipped {
        crate::cli::warn(s.clone());
    }
    let mut t = crate::report::csv_out::CsvTable::new(&RUNS_COLUMNS)?;
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for r in &fits.alphas {
        t.row(&[
            r.draft.clone(),
            r.target.clone(),
            r.gamma.to_string(),
            opt(r.temperature),
            r.dataset.clone(),
            r.alpha.to_string(),
            opt(r.ci95.map(|c| c[0])),
            opt(r.ci95.map(|c| c[1])),
            r.method.clone(),
            r.drafts.map(|d| d.to_string()).unwrap_or_default(),
            r.flags.join("; "),
        ])?;
    }
    let csv = t.finish()?;
    if let Some(p) = &a.out {
        crate::report::write_atomic(p, csv.as_bytes())?;
    }
    if a.json {
        return crate::cli::print_json(&fits.alphas);
    }
    if a.csv {
        return crate::cli::write_stdout(csv.as_bytes());
    }
    println!(
        "alpha per (target, draft, gamma, temperature, dataset) from the runs' counts (docs/import.md):"
    );
    for r in &fits.alphas {
        println!(
            "  {} → {}  γ {}  T {}  {}  alpha = {:.4}  95% CI {}  ({}, {} drafts)",
            r.draft,
            r.target,
            r.gamma,
            r.temperature.map_or("-".into(), |t| t.to_string()),
            if r.dataset.is_empty() {
                "-"
            } else {
                &r.dataset
            },
            r.alpha,
            r.ci95
                .map(|[a, b]| crate::report::format::bracket(a, b, 4))
                .unwrap_or_else(|| "undefined".into()),
            r.method,
            r.drafts.map_or("-".into(), |d| d.to_string()),
        );
    }
    Ok(())
}

/// Runs `sdsl alpha estimate`.
pub fn run(a: EstimateArgs) -> anyhow::Result<()> {
    let Some(file) = a.file.clone() else {
        return run_runs(&a);
    };
    crate::cli::refuse_overwriting_input(a.out.as_deref(), &file)?;
    let spec = MeasureSpec {
        kind: a.kind,
        gamma_col: a.gamma_col.clone(),
        value_col: a.value_col.clone(),
        group_cols: a.group_cols.clone(),
    };
    let m = read_measurements(&file, &spec)?;
    let rows = estimate_rows(&m)?;
    let csv = render_csv(&m, &rows)?;
    for r in &rows {
        for f in &r.flags {
            crate::cli::warn(format!("{} → {}: {f}", r.draft, r.target));
        }
    }
    if let Some(p) = &a.out {
        crate::report::write_atomic(p, csv.as_bytes())?;
    }
    if a.json {
        return crate::cli::print_json(&rows);
    }
    if a.csv {
        print!("{csv}");
        return Ok(());
    }
    println!(
        "{}: {:?} measurements (value column '{}', gamma column '{}'); grouped by draft, target{}",
        m.path,
        m.kind,
        m.value_col,
        m.gamma_col,
        m.group_cols
            .iter()
            .map(|g| format!(", {g}"))
            .collect::<String>()
    );
    for r in &rows {
        let groups: Vec<String> = r
            .groups
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
            .collect();
        println!(
            "  {:<12} → {:<12} {:<40} alpha = {:.4}  95% CI {}  ({} {}){}",
            r.draft,
            r.target,
            groups.join(" "),
            r.alpha.point,
            r.alpha
                .ci95
                .map(|[a, b]| crate::report::format::bracket(a, b, 4))
                .unwrap_or_else(|| "undefined".into()),
            r.n,
            if r.estimator == "logs-mle" {
                "iterations"
            } else {
                "gammas"
            },
            if r.flags.is_empty() {
                String::new()
            } else {
                "  [flagged]".into()
            }
        );
    }
    Ok(())
}
