//! The runs table (docs/import.md, "The runs table"): one row per result
//! block, CSV or Parquet, written by `sdsl import` and read back by it
//! (`--format runs`). Rows read back pass through unchanged.
//!
//! Numbers are written in Rust's shortest round-trip form, so a CSV read
//! back gives the same `f64`s; an empty cell is a value the input did not
//! give (or that does not apply).

use crate::error::{SdslError, clip};
use serde::Serialize;

/// The kind of a column's cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Text,
    /// A whole number ≥ 0.
    Count,
    /// A finite number.
    Number,
    /// `true` or `false`.
    Bool,
}

/// The columns, in order, with their kinds.
pub const COLUMNS: [(&str, Kind); 36] = [
    ("source", Kind::Text),
    ("block", Kind::Count),
    ("engine", Kind::Text),
    ("engine_version", Kind::Text),
    ("target", Kind::Text),
    ("draft", Kind::Text),
    ("method", Kind::Text),
    ("gamma", Kind::Count),
    ("temperature", Kind::Number),
    ("dataset", Kind::Text),
    ("max_concurrency", Kind::Count),
    ("num_prompts", Kind::Count),
    ("tpot_ms", Kind::Number),
    ("itl_ms", Kind::Number),
    ("ttft_ms", Kind::Number),
    ("output_tok_s", Kind::Number),
    ("mean_batch", Kind::Number),
    ("gpu", Kind::Text),
    ("drafts", Kind::Count),
    ("draft_tokens", Kind::Count),
    ("accepted_tokens", Kind::Count),
    ("tar", Kind::Number),
    ("acceptance_length", Kind::Number),
    ("per_position", Kind::Text),
    ("alpha", Kind::Number),
    ("alpha_ci95_lower", Kind::Number),
    ("alpha_ci95_upper", Kind::Number),
    ("alpha_method", Kind::Text),
    ("iid_p", Kind::Number),
    ("iid_flag", Kind::Bool),
    ("speedup_tpot", Kind::Number),
    ("speedup_throughput", Kind::Number),
    ("model", Kind::Text),
    ("ppl", Kind::Number),
    ("ppl_norm", Kind::Text),
    ("flags", Kind::Text),
];

/// One row of the runs table (docs/import.md documents every column).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RunRow {
    /// Input file, as named on the command line.
    pub source: String,
    /// 1-based block index within the file.
    pub block: u64,
    /// `vllm`, `sglang`, `llama.cpp`, `lm-eval`.
    pub engine: String,
    /// Engine version where printed (else empty).
    pub engine_version: String,
    /// Target model as printed.
    pub target: String,
    /// Draft model as printed (empty: none, or n-gram).
    pub draft: String,
    /// `none`, `draft_model`, `eagle`, `eagle3`, `ngram`, `medusa`, `mtp`, …
    pub method: String,
    /// Lookahead γ.
    pub gamma: Option<u64>,
    /// Sampling temperature.
    pub temperature: Option<f64>,
    /// Dataset (lm-eval: the task).
    pub dataset: String,
    /// Maximum request concurrency.
    pub max_concurrency: Option<u64>,
    /// Number of prompts.
    pub num_prompts: Option<u64>,
    /// Mean time per output token, ms.
    pub tpot_ms: Option<f64>,
    /// Mean inter-token latency, ms.
    pub itl_ms: Option<f64>,
    /// Mean time to first token, ms.
    pub ttft_ms: Option<f64>,
    /// Output tokens per second.
    pub output_tok_s: Option<f64>,
    /// Mean running sequences, output tok/s × TPOT / 1000 (Little's law).
    pub mean_batch: Option<f64>,
    /// GPU named with `--gpu` (never read from a log).
    pub gpu: String,
    /// Iterations that drafted.
    pub drafts: Option<u64>,
    /// Draft tokens proposed.
    pub draft_tokens: Option<u64>,
    /// Draft tokens accepted.
    pub accepted_tokens: Option<u64>,
    /// Token acceptance rate as printed (fraction).
    pub tar: Option<f64>,
    /// Acceptance length τ as printed.
    pub acceptance_length: Option<f64>,
    /// Unconditional per-position rates (fractions).
    pub per_position: Vec<f64>,
    /// α̂.
    pub alpha: Option<f64>,
    /// Lower end of α̂'s 95% interval.
    pub alpha_ci95_lower: Option<f64>,
    /// Upper end of α̂'s 95% interval.
    pub alpha_ci95_upper: Option<f64>,
    /// `counts-mle` (likelihood-ratio interval), `tau`, `tar` (no interval).
    pub alpha_method: String,
    /// p-value of the i.i.d. G test.
    pub iid_p: Option<f64>,
    /// Whether iid_p < 0.01.
    pub iid_flag: Option<bool>,
    /// TPOT(baseline) / TPOT(run).
    pub speedup_tpot: Option<f64>,
    /// tok/s(run) / tok/s(baseline).
    pub speedup_throughput: Option<f64>,
    /// Model of a perplexity row (lm-eval).
    pub model: String,
    /// Its perplexity.
    pub ppl: Option<f64>,
    /// `token`, `word` or `byte`.
    pub ppl_norm: String,
    /// Notes, `;`-separated.
    pub flags: Vec<String>,
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_default()
}

impl RunRow {
    /// The row's cells in [`COLUMNS`] order (numbers in shortest
    /// round-trip form; empty for None).
    pub fn fields(&self) -> Vec<String> {
        let r = self;
        vec![
            r.source.clone(),
            r.block.to_string(),
            r.engine.clone(),
            r.engine_version.clone(),
            r.target.clone(),
            r.draft.clone(),
            r.method.clone(),
            opt(&r.gamma),
            opt(&r.temperature),
            r.dataset.clone(),
            opt(&r.max_concurrency),
            opt(&r.num_prompts),
            opt(&r.tpot_ms),
            opt(&r.itl_ms),
            opt(&r.ttft_ms),
            opt(&r.output_tok_s),
            opt(&r.mean_batch),
            r.gpu.clone(),
            opt(&r.drafts),
            opt(&r.draft_tokens),
            opt(&r.accepted_tokens),
            opt(&r.tar),
            opt(&r.acceptance_length),
            r.per_position
                .iter()
                .map(f64::to_string)
                .collect::<Vec<_>>()
                .join(";"),
            opt(&r.alpha),
            opt(&r.alpha_ci95_lower),
            opt(&r.alpha_ci95_upper),
            r.alpha_method.clone(),
            opt(&r.iid_p),
            opt(&r.iid_flag),
            opt(&r.speedup_tpot),
            opt(&r.speedup_throughput),
            r.model.clone(),
            opt(&r.ppl),
            r.ppl_norm.clone(),
            r.flags.join(";"),
        ]
    }

    /// A row from cells in [`COLUMNS`] order; `row` (1-based) names it in errors.
    fn from_cells(source: &str, row: usize, cells: &[Option<String>]) -> Result<RunRow, SdslError> {
        let cell = |i: usize| cells.get(i).cloned().flatten().unwrap_or_default();
        let err = |i: usize, what: &str| SdslError::Data {
            path: source.to_string(),
            message: format!(
                "row {row} (line {}), column '{}': '{}' {what}; restore the value sdsl import wrote",
                row + 1,
                COLUMNS[i].0,
                clip(&cell(i))
            ),
        };
        let count = |i: usize| -> Result<Option<u64>, SdslError> {
            let c = cell(i);
            if c.is_empty() {
                Ok(None)
            } else {
                c.parse()
                    .map(Some)
                    .map_err(|_| err(i, "is not a whole number"))
            }
        };
        let number = |i: usize| -> Result<Option<f64>, SdslError> {
            let c = cell(i);
            if c.is_empty() {
                return Ok(None);
            }
            match c.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(Some(x)),
                _ => Err(err(i, "is not a finite number")),
            }
        };
        let list = |i: usize| -> Result<Vec<f64>, SdslError> {
            let c = cell(i);
            if c.is_empty() {
                return Ok(Vec::new());
            }
            c.split(';')
                .map(|p| {
                    p.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|x| (0.0..=1.0).contains(x))
                })
                .collect::<Option<Vec<f64>>>()
                .ok_or_else(|| err(i, "is not a ';'-separated list of fractions in [0, 1]"))
        };
        let flag = |i: usize| -> Result<Option<bool>, SdslError> {
            match cell(i).as_str() {
                "" => Ok(None),
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                _ => Err(err(i, "is neither true nor false")),
            }
        };
        let flags = cell(35);
        Ok(RunRow {
            source: cell(0),
            block: count(1)?.ok_or_else(|| err(1, "is empty; every row has a block index"))?,
            engine: cell(2),
            engine_version: cell(3),
            target: cell(4),
            draft: cell(5),
            method: cell(6),
            gamma: count(7)?,
            temperature: number(8)?,
            dataset: cell(9),
            max_concurrency: count(10)?,
            num_prompts: count(11)?,
            tpot_ms: number(12)?,
            itl_ms: number(13)?,
            ttft_ms: number(14)?,
            output_tok_s: number(15)?,
            mean_batch: number(16)?,
            gpu: cell(17),
            drafts: count(18)?,
            draft_tokens: count(19)?,
            accepted_tokens: count(20)?,
            tar: number(21)?,
            acceptance_length: number(22)?,
            per_position: list(23)?,
            alpha: number(24)?,
            alpha_ci95_lower: number(25)?,
            alpha_ci95_upper: number(26)?,
            alpha_method: cell(27),
            iid_p: number(28)?,
            iid_flag: flag(29)?,
            speedup_tpot: number(30)?,
            speedup_throughput: number(31)?,
            model: cell(32),
            ppl: number(33)?,
            ppl_norm: cell(34),
            flags: if flags.is_empty() {
                Vec::new()
            } else {
                flags.split(';').map(str::to_string).collect()
            },
        })
    }
}

/// Rows from a header and its rows of cells (any column order; every
/// column of [`COLUMNS`] required, others refused).
fn from_table(
    source: &str,
    header: &[String],
    rows: Vec<Vec<Option<String>>>,
) -> Result<Vec<RunRow>, SdslError> {
    let data = |m: String| SdslError::Data {
        path: source.to_string(),
        message: m,
    };
    let mut index = Vec::with_capacity(COLUMNS.len());
    for (name, _) in COLUMNS {
        let i = header.iter().position(|h| h.trim() == name).ok_or_else(|| {
            data(format!("no column '{name}': not a runs table written by sdsl import (or an older one); re-import the engine files"))
        })?;
        index.push(i);
    }
    if let Some(extra) = header
        .iter()
        .find(|h| !COLUMNS.iter().any(|(c, _)| c == &h.trim()))
    {
        return Err(data(format!(
            "column '{}' is not a runs-table column; remove it",
            clip(extra)
        )));
    }
    rows.iter()
        .enumerate()
        .map(|(r, cells)| {
            let ordered: Vec<Option<String>> = index
                .iter()
                .map(|&i| cells.get(i).cloned().flatten())
                .collect();
            RunRow::from_cells(source, r + 1, &ordered)
        })
        .collect()
}

/// Reads a runs table: Parquet (magic `PAR1`, feature `io`) or CSV.
pub fn read(source: &str, bytes: &[u8]) -> Result<Vec<RunRow>, SdslError> {
    if bytes.starts_with(b"PAR1") {
        return read_parquet(source, bytes);
    }
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let bad = |e: csv::Error| SdslError::Data {
        path: source.to_string(),
        message: format!("not a readable CSV runs table: {e}"),
    };
    let header: Vec<String> = r
        .headers()
        .map_err(bad)?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(bad)?;
        rows.push(
            rec.iter()
                .map(|c| Some(c.to_string()).filter(|s| !s.is_empty()))
                .collect(),
        );
    }
    from_table(source, &header, rows)
}

#[cfg(feature = "io")]
fn read_parquet(source: &str, bytes: &[u8]) -> Result<Vec<RunRow>, SdslError> {
    let t = crate::ingest::table::Table::from_parquet_bytes(source, bytes.to_vec())?;
    let header = t.columns();
    let cols = header
        .iter()
        .map(|h| t.opt_str_column(h))
        .collect::<Result<Vec<_>, _>>()?;
    let rows = (0..t.height())
        .map(|r| cols.iter().map(|c| c[r].clone()).collect())
        .collect();
    from_table(source, &header, rows)
}

#[cfg(not(feature = "io"))]
fn read_parquet(source: &str, _bytes: &[u8]) -> Result<Vec<RunRow>, SdslError> {
    Err(SdslError::Data {
        path: source.to_string(),
        message: "a Parquet runs table needs the `io` feature; read a CSV runs table instead"
            .into(),
    })
}

/// The rows as Parquet bytes: text columns as strings, counts as UInt64,
/// numbers as Float64, flags as booleans; empty cells are nulls.
#[cfg(feature = "io")]
pub fn to_parquet(rows: &[RunRow]) -> Result<Vec<u8>, SdslError> {
    use polars_core::prelude::*;
    use polars_io::prelude::*;
    let cells: Vec<Vec<String>> = rows.iter().map(RunRow::fields).collect();
    let columns: Vec<Column> = COLUMNS
        .iter()
        .enumerate()
        .map(|(i, (name, kind))| {
            let raw = cells
                .iter()
                .map(|r| Some(r[i].as_str()).filter(|s| !s.is_empty()));
            let name = PlSmallStr::from_str(name);
            match kind {
                Kind::Text => Column::new(name, raw.collect::<Vec<Option<&str>>>()),
                Kind::Count => Column::new(
                    name,
                    raw.map(|c| c.and_then(|s| s.parse::<u64>().ok()))
                        .collect::<Vec<_>>(),
                ),
                Kind::Number => Column::new(
                    name,
                    raw.map(|c| c.and_then(|s| s.parse::<f64>().ok()))
                        .collect::<Vec<_>>(),
                ),
                Kind::Bool => Column::new(
                    name,
                    raw.map(|c| c.map(|s| s == "true")).collect::<Vec<_>>(),
                ),
            }
        })
        .collect();
    let err = |e: PolarsError| SdslError::Numerical(format!("writing Parquet: {e}"));
    let mut df = DataFrame::new(rows.len(), columns).map_err(err)?;
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf).finish(&mut df).map_err(err)?;
    Ok(buf)
}
