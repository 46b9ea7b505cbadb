//! Latency tables: measured times of one forward pass per (architecture,
//! mode, q, ctx, batch), the input of the latency cost model (docs/latency.md).
//!
//! Columns (CSV or Parquet), one row per (arch, mode, q, ctx, batch):
//! - required: `arch` (name), `params_total` (parameters, embeddings and LM
//!   head counted once when tied), `mode` (`graph` = CUDA-graph replay,
//!   `eager` = one launch per op), `q` (new tokens in the pass: 1 = a decode
//!   step, γ + 1 = a verification pass), `ctx` (tokens already in the KV
//!   cache), `ms_median` (median wall time of the pass, milliseconds);
//! - optional: `batch` (sequences per pass, default 1), `family` (a family
//!   named `tiny`, or an arch named `tiny-…`, is a CPU-lab-scale shape that
//!   the fits leave out), `params_non_embedding`, and the shape columns
//!   `layers, d_model, heads, kv_heads, ffn, vocab`.
//!
//! Validation (errors name the file, the row and the column, and the fix):
//! times finite and > 0; q, ctx, batch whole numbers ≥ 1; mode `graph` or
//! `eager`; one row per key; a q = 1 row (the decode step every ratio is
//! taken against) for every (arch, mode, ctx, batch); one `params_total`
//! per arch. Reading writes nothing.
//!
//! A `.meta` file next to the table (same stem) holds `key,value` lines
//! describing the hardware; `device` and `memory_bytes` are used.

use crate::error::SdslError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

/// Column names of a latency table (only this module reads them).
pub mod col {
    /// Architecture name.
    pub const ARCH: &str = "arch";
    /// Model family (`tiny` marks lab-scale shapes).
    pub const FAMILY: &str = "family";
    /// Total parameters.
    pub const PARAMS_TOTAL: &str = "params_total";
    /// Parameters without embeddings and LM head.
    pub const PARAMS_NON_EMBEDDING: &str = "params_non_embedding";
    /// `graph` or `eager`.
    pub const MODE: &str = "mode";
    /// New tokens per forward pass.
    pub const Q: &str = "q";
    /// Tokens already in the KV cache.
    pub const CTX: &str = "ctx";
    /// Sequences per forward pass.
    pub const BATCH: &str = "batch";
    /// Median time of one forward pass, ms.
    pub const MS_MEDIAN: &str = "ms_median";
    /// Decoder layers.
    pub const LAYERS: &str = "layers";
    /// Optional integer shape columns other than `layers`.
    pub const SHAPE: [&str; 5] = ["d_model", "heads", "kv_heads", "ffn", "vocab"];
}

/// How the forward pass was launched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Captured once and replayed as a CUDA graph (vLLM, SGLang decode).
    Graph,
    /// One kernel launch per op from Python (Hugging Face assisted generation).
    Eager,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Graph => "graph",
            Mode::Eager => "eager",
        })
    }
}

impl FromStr for Mode {
    type Err = SdslError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "graph" => Ok(Mode::Graph),
            "eager" => Ok(Mode::Eager),
            _ => Err(SdslError::InvalidArgument(format!(
                "unknown mode '{}': use 'graph' (CUDA graphs) or 'eager' (one launch per op)",
                crate::error::clip(s)
            ))),
        }
    }
}

/// One measured forward pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyRow {
    /// 1-based data row in the file (the header is line 1).
    pub row: usize,
    /// Architecture name.
    pub arch: String,
    /// Family, when the table has the column.
    pub family: Option<String>,
    /// Total parameters.
    pub params_total: f64,
    /// Non-embedding parameters, when given.
    pub params_non_embedding: Option<f64>,
    /// Decoder layers, when given.
    pub layers: Option<u64>,
    /// Other shape columns present (d_model, heads, kv_heads, ffn, vocab).
    pub shape: BTreeMap<String, u64>,
    /// Launch mode.
    pub mode: Mode,
    /// New tokens in the pass (1 = decode step).
    pub q: u32,
    /// Tokens already in the KV cache.
    pub ctx: u64,
    /// Sequences per pass.
    pub batch: u64,
    /// Median time of one pass, milliseconds.
    pub ms_median: f64,
}

impl LatencyRow {
    /// A lab-scale shape left out of the fits: family `tiny`, or (without a
    /// family) an arch named `tiny-…`.
    pub fn is_tiny(&self) -> bool {
        self.family
            .as_deref()
            .is_some_and(|f| f.eq_ignore_ascii_case("tiny"))
            || self.arch.starts_with("tiny-")
    }
}

/// The hardware a table was measured on (from its `.meta` file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HardwareMeta {
    /// The meta file as given.
    pub path: String,
    /// `device`, e.g. "NVIDIA H200".
    pub device: Option<String>,
    /// `memory_bytes`: the device memory in bytes.
    pub memory_bytes: Option<f64>,
    /// Every key and value, as read.
    pub entries: BTreeMap<String, String>,
}

/// A validated latency table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyTable {
    /// Path as given.
    pub path: String,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// The rows, in file order.
    pub rows: Vec<LatencyRow>,
    /// The hardware description, when a `.meta` file was found or given.
    pub meta: Option<HardwareMeta>,
}

impl LatencyTable {
    /// Validates rows read from `path` (see the module docs for the rules).
    pub fn from_rows(
        path: &str,
        sha256: &str,
        rows: Vec<LatencyRow>,
        meta: Option<HardwareMeta>,
    ) -> Result<LatencyTable, SdslError> {
        validate_rows(path, &rows)?;
        Ok(LatencyTable {
            path: path.to_string(),
            sha256: sha256.to_string(),
            rows,
            meta,
        })
    }

    /// Refuses an absurd q: a row whose q exceeds 1 + 4·max(16, `max_gamma`)
    /// ([`crate::law::throughput::absurd_q_limit`]; `max_gamma` is the
    /// user's `--max-gamma`, default 16). No engine verifies that many
    /// tokens in one pass, and an integer γ search would walk every γ up to
    /// q − 1. The error names the first such row.
    pub fn check_q(&self, max_gamma: u64) -> Result<(), SdslError> {
        let limit = crate::law::throughput::absurd_q_limit(max_gamma);
        match self.rows.iter().find(|r| u64::from(r.q) > limit) {
            None => Ok(()),
            Some(r) => Err(data_error(
                &self.path,
                format!(
                    "row {} (line {}), column '{}': q = {} exceeds 1 + 4·max(16, max-gamma) = {limit} (max-gamma {max_gamma}); no engine verifies that many tokens in one pass: remove the row, or raise --max-gamma if drafts that long are meant",
                    r.row,
                    r.row + 1,
                    col::Q,
                    r.q
                ),
            )),
        }
    }

    /// The (mode, ctx, batch) selections the table holds, sorted.
    pub fn selections(&self) -> BTreeSet<(Mode, u64, u64)> {
        self.rows.iter().map(|r| (r.mode, r.ctx, r.batch)).collect()
    }
}

fn data_error(path: &str, message: String) -> SdslError {
    SdslError::Data {
        path: path.to_string(),
        message,
    }
}

/// Table-level rules: one row per key, a q = 1 row per group, one size per
/// architecture, positive times (also checked cell by cell when reading).
pub fn validate_rows(path: &str, rows: &[LatencyRow]) -> Result<(), SdslError> {
    if rows.is_empty() {
        return Err(data_error(
            path,
            "the table has no rows; a latency table needs at least the q = 1 rows of the architectures to fit".into(),
        ));
    }
    let mut keys: BTreeMap<(&str, Mode, u32, u64, u64), usize> = BTreeMap::new();
    let mut sizes: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for r in rows {
        if !(r.ms_median.is_finite() && r.ms_median > 0.0) {
            return Err(data_error(
                path,
                format!(
                    "row {} (line {}), column '{}': {} must be a finite time > 0 (milliseconds)",
                    r.row,
                    r.row + 1,
                    col::MS_MEDIAN,
                    crate::error::num(r.ms_median)
                ),
            ));
        }
        if let Some(first) = keys.insert((&r.arch, r.mode, r.q, r.ctx, r.batch), r.row) {
            return Err(data_error(
                path,
                format!(
                    "row {} (line {}), column '{}': duplicate key (arch '{}', mode {}, q {}, ctx {}, batch {}) already on row {}; keep one measurement per key (e.g. the median of the repeats)",
                    r.row,
                    r.row + 1,
                    col::ARCH,
                    crate::error::clip(&r.arch),
                    r.mode,
                    r.q,
                    r.ctx,
                    r.batch,
                    first
                ),
            ));
        }
        match sizes.get(r.arch.as_str()) {
            Some(&(p, first)) if p != r.params_total => {
                return Err(data_error(
                    path,
                    format!(
                        "row {} (line {}), column '{}': arch '{}' has {} parameters here but {} on row {}; one architecture has one size (rename one of them)",
                        r.row,
                        r.row + 1,
                        col::PARAMS_TOTAL,
                        crate::error::clip(&r.arch),
                        crate::error::num(r.params_total),
                        crate::error::num(p),
                        first
                    ),
                ));
            }
            Some(_) => {}
            None => {
                sizes.insert(&r.arch, (r.params_total, r.row));
            }
        }
    }
    // Every (arch, mode, ctx, batch) group needs its decode step (q = 1).
    // (arch, mode, ctx, batch) → (first row, the q measured)
    type Groups<'a> = BTreeMap<(&'a str, Mode, u64, u64), (usize, Vec<u32>)>;
    let mut first_row: Groups = BTreeMap::new();
    for r in rows {
        let e = first_row
            .entry((&r.arch, r.mode, r.ctx, r.batch))
            .or_insert((r.row, Vec::new()));
        e.1.push(r.q);
    }
    for ((arch, mode, ctx, batch), (row, qs)) in &first_row {
        if !qs.contains(&1) {
            let mut qs = qs.clone();
            qs.sort_unstable();
            return Err(data_error(
                path,
                format!(
                    "row {row} (line {}), column '{}': arch '{}', mode {mode}, ctx {ctx}, batch {batch} has rows for q = {} but no q = 1 row (the decode step every time ratio is taken against); add the q = 1 measurement or remove the group's rows",
                    row + 1,
                    col::Q,
                    crate::error::clip(arch),
                    crate::error::capped_list(&qs, 10)
                ),
            ));
        }
    }
    Ok(())
}

/// Parses `key,value` lines (the `.meta` format). Blank lines and lines
/// starting with `#` are skipped; `memory_bytes` must be a number > 0.
pub fn parse_meta(path: &str, text: &str) -> Result<HardwareMeta, SdslError> {
    let mut entries = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once(',') else {
            return Err(data_error(
                path,
                format!(
                    "line {}: '{}' is not a 'key,value' line; write one key and its value per line, separated by a comma",
                    i + 1,
                    crate::error::clip(line)
                ),
            ));
        };
        entries.insert(k.trim().to_string(), v.trim().to_string());
    }
    let memory_bytes = match entries.get("memory_bytes") {
        None => None,
        Some(v) => Some(
            v.parse::<f64>()
                .ok()
                .filter(|m| m.is_finite() && *m > 0.0)
                .ok_or_else(|| {
                    data_error(
                        path,
                        format!(
                            "key 'memory_bytes': '{}' is not a number of bytes > 0",
                            crate::error::clip(v)
                        ),
                    )
                })?,
        ),
    };
    Ok(HardwareMeta {
        path: path.to_string(),
        device: entries.get("device").cloned(),
        memory_bytes,
        entries,
    })
}

mod read {
    use super::*;
    #[cfg(feature = "io")]
    use crate::ingest::table::Table;
    use crate::ingest::text_table::Columns;
    #[cfg(feature = "io")]
    use std::path::Path;

    /// A whole number ≥ 1 from a numeric cell, or a named error.
    fn whole(t: &impl Columns, name: &str, i: usize, v: f64, what: &str) -> Result<u64, SdslError> {
        if v.is_finite() && v >= 1.0 && v.fract() == 0.0 && v <= u32::MAX as f64 {
            Ok(v as u64)
        } else {
            Err(data_error(
                t.label(),
                format!(
                    "row {} (line {}), column '{name}': {} is not a whole number ≥ 1; {what}",
                    i + 1,
                    i + 2,
                    crate::error::num(v)
                ),
            ))
        }
    }

    /// Reads and validates a latency table (CSV or Parquet, by extension).
    /// The hardware description is read from `meta` when given, else from
    /// the file with the table's stem and extension `.meta` when it exists.
    #[cfg(feature = "io")]
    pub fn read_latency_table(path: &Path, meta: Option<&Path>) -> Result<LatencyTable, SdslError> {
        let t = Table::read(path)?;
        let meta = match meta {
            Some(m) => Some(read_meta(m)?),
            None => {
                let guess = path.with_extension("meta");
                if guess.is_file() {
                    Some(read_meta(&guess)?)
                } else {
                    None
                }
            }
        };
        latency_table_from(&t, meta)
    }

    /// Reads a `.meta` file (`key,value` lines).
    #[cfg(feature = "io")]
    pub fn read_meta(path: &Path) -> Result<HardwareMeta, SdslError> {
        let label = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SdslError::Io {
            path: label.clone(),
            source,
        })?;
        parse_meta(&label, &text)
    }

    /// A latency table from a table already read (a file, or CSV text such
    /// as the compiled-in H200 tables).
    pub fn latency_table_from(
        t: &impl Columns,
        meta: Option<HardwareMeta>,
    ) -> Result<LatencyTable, SdslError> {
        for name in [
            col::ARCH,
            col::PARAMS_TOTAL,
            col::MODE,
            col::Q,
            col::CTX,
            col::MS_MEDIAN,
        ] {
            if !t.has(name) {
                return Err(t.missing_column(
                    name,
                    "a latency table needs arch, params_total, mode, q, ctx, ms_median (see datasets/hardware/SOURCE.md)",
                ));
            }
        }
        let n = t.height();
        let arch = t.str_column(col::ARCH)?;
        let params = t.f64_column(col::PARAMS_TOTAL)?;
        t.require_positive(col::PARAMS_TOTAL, &params)?;
        let mode = t.str_column(col::MODE)?;
        let q = t.f64_column(col::Q)?;
        let ctx = t.f64_column(col::CTX)?;
        let ms = t.f64_column(col::MS_MEDIAN)?;
        t.require_positive(col::MS_MEDIAN, &ms)?;
        let opt_f64 = |name: &str| -> Result<Option<Vec<f64>>, SdslError> {
            if t.has(name) {
                Ok(Some(t.f64_column(name)?))
            } else {
                Ok(None)
            }
        };
        let batch = opt_f64(col::BATCH)?;
        let family = if t.has(col::FAMILY) {
            Some(t.str_column(col::FAMILY)?)
        } else {
            None
        };
        let non_emb = opt_f64(col::PARAMS_NON_EMBEDDING)?;
        if let Some(v) = &non_emb {
            t.require_positive(col::PARAMS_NON_EMBEDDING, v)?;
        }
        let layers = opt_f64(col::LAYERS)?;
        let mut shapes = Vec::new();
        for name in col::SHAPE {
            if let Some(v) = opt_f64(name)? {
                shapes.push((name, v));
            }
        }
        let mut rows = Vec::with_capacity(n);
        for i in 0..n {
            let mode = mode[i].parse::<Mode>().map_err(|_| {
                data_error(
                    t.label(),
                    format!(
                        "row {} (line {}), column '{}': unknown mode '{}'; use 'graph' (CUDA-graph replay) or 'eager' (one kernel launch per op)",
                        i + 1,
                        i + 2,
                        col::MODE,
                        crate::error::clip(&mode[i])
                    ),
                )
            })?;
            let qv = whole(
                t,
                col::Q,
                i,
                q[i],
                "q counts the new tokens of one forward pass (1 = a decode step)",
            )?;
            let ctxv = whole(
                t,
                col::CTX,
                i,
                ctx[i],
                "ctx counts the tokens already in the KV cache",
            )?;
            let batchv = match &batch {
                Some(b) => whole(t, col::BATCH, i, b[i], "batch counts sequences per pass")?,
                None => 1,
            };
            let layersv = match &layers {
                Some(l) => Some(whole(
                    t,
                    col::LAYERS,
                    i,
                    l[i],
                    "layers counts decoder layers",
                )?),
                None => None,
            };
            let mut shape = BTreeMap::new();
            for (name, v) in &shapes {
                shape.insert(
                    name.to_string(),
                    whole(t, name, i, v[i], "shape columns are whole numbers")?,
                );
            }
            rows.push(LatencyRow {
                row: i + 1,
                arch: arch[i].clone(),
                family: family.as_ref().map(|f| f[i].clone()),
                params_total: params[i],
                params_non_embedding: non_emb.as_ref().map(|v| v[i]),
                layers: layersv,
                shape,
                mode,
                q: qv as u32,
                ctx: ctxv,
                batch: batchv,
                ms_median: ms[i],
            });
        }
        LatencyTable::from_rows(t.label(), t.sha256(), rows, meta)
    }
}

pub use read::latency_table_from;
#[cfg(feature = "io")]
pub use read::{read_latency_table, read_meta};
