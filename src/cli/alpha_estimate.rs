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
tar_steady_steps2to5) are recognised. Output rows are in the acceptance-table schema."
)]
pub struct EstimateArgs {
    /// The measurement file (CSV or Parquet).
    pub file: PathBuf,
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

/// Runs `sdsl alpha estimate`.
pub fn run(a: EstimateArgs) -> anyhow::Result<()> {
    crate::cli::refuse_overwriting_input(a.out.as_deref(), &a.file)?;
    let spec = MeasureSpec {
        kind: a.kind,
        gamma_col: a.gamma_col.clone(),
        value_col: a.value_col.clone(),
        group_cols: a.group_cols.clone(),
    };
    let m = read_measurements(&a.file, &spec)?;
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
