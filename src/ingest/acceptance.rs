//! Acceptance tables (draft, target, ppls, α) for `fit alpha`, and raw
//! speculative-decoding measurements for `alpha estimate`.

#[cfg(feature = "io")]
use super::table::Table;
#[cfg(feature = "io")]
use crate::error::clip;
use crate::error::{SdslError, capped_list, num};
#[cfg(feature = "io")]
use crate::ingest::columns as col;
use serde::Serialize;
#[cfg(feature = "io")]
use std::path::Path;

/// One measured (draft, target) pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcceptRow {
    /// 1-based data row in the file.
    pub row: usize,
    /// Draft model.
    pub draft: String,
    /// Target model.
    pub target: String,
    /// Draft perplexity (≥ 1).
    pub draft_ppl: f64,
    /// Target perplexity (≥ 1).
    pub target_ppl: f64,
    /// Acceptance rate in (0, 1).
    pub alpha: f64,
    /// Draft family, if given.
    pub draft_family: Option<String>,
    /// Target family, if given.
    pub target_family: Option<String>,
    /// Draft parameters, if given.
    pub draft_params: Option<f64>,
    /// Target parameters, if given.
    pub target_params: Option<f64>,
    /// Evaluation data set, if given.
    pub dataset: Option<String>,
    /// Sampling temperature, if given (kept as text for the duplicate key).
    pub temperature: Option<String>,
    /// Lookahead, if given (text, for the duplicate key).
    pub gamma: Option<String>,
    /// Weight (n_tokens), if given.
    pub weight: Option<f64>,
}

/// A validated acceptance table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcceptTable {
    /// Path as given.
    pub path: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Rows in the file.
    pub rows_total: usize,
    /// Rows kept (exact duplicates removed).
    pub rows: Vec<AcceptRow>,
    /// Notes on removed exact duplicates.
    pub notes: Vec<String>,
}

#[cfg(feature = "io")]
const REQUIRED: [&str; 5] = [
    col::DRAFT,
    col::TARGET,
    col::DRAFT_PPL,
    col::TARGET_PPL,
    col::ALPHA,
];

/// Whether a temperature cell equals `t` (numerically when it parses).
fn same_temperature(cell: &str, t: f64) -> bool {
    cell.trim().parse::<f64>().map(|v| v == t).unwrap_or(false)
}

/// What identifies one measurement: (draft, target, temperature, dataset,
/// gamma). A table (or a merge of tables) holds each key at most once.
pub type AcceptKey = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl AcceptRow {
    /// The row's [`AcceptKey`].
    pub fn key(&self) -> AcceptKey {
        (
            self.draft.clone(),
            self.target.clone(),
            self.temperature.clone(),
            self.dataset.clone(),
            self.gamma.clone(),
        )
    }
}

impl AcceptTable {
    /// Distinct temperatures in first-appearance order (rows without one are skipped).
    pub fn temperatures(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in &self.rows {
            if let Some(t) = &r.temperature
                && !out.contains(t)
            {
                out.push(t.clone());
            }
        }
        out
    }

    /// The rows measured at temperature `t`; an error when there are none.
    pub fn at_temperature(&self, t: f64) -> Result<AcceptTable, SdslError> {
        if !self.rows.iter().any(|r| r.temperature.is_some()) {
            return Err(SdslError::Data {
                path: self.path.clone(),
                message: format!(
                    "no temperature column to select temperature {} from; drop the temperature selection or add the column",
                    num(t)
                ),
            });
        }
        let rows: Vec<AcceptRow> = self
            .rows
            .iter()
            .filter(|r| {
                r.temperature
                    .as_deref()
                    .is_some_and(|c| same_temperature(c, t))
            })
            .cloned()
            .collect();
        if rows.is_empty() {
            return Err(SdslError::Data {
                path: self.path.clone(),
                message: format!(
                    "no row at temperature {}; the table has temperatures {}",
                    num(t),
                    capped_list(self.temperatures(), 10)
                ),
            });
        }
        Ok(AcceptTable {
            path: format!("{} (temperature {t})", self.path),
            sha256: self.sha256.clone(),
            rows_total: self.rows_total,
            rows,
            notes: self.notes.clone(),
        })
    }
}

#[cfg(feature = "io")]
fn opt_str(t: &Table, name: &str) -> Result<Vec<Option<String>>, SdslError> {
    if t.has(name) {
        Ok(t.str_column(name)?.into_iter().map(Some).collect())
    } else {
        Ok(vec![None; t.height()])
    }
}

#[cfg(feature = "io")]
fn opt_f64(t: &Table, name: &str) -> Result<Vec<Option<f64>>, SdslError> {
    if t.has(name) {
        let v = t.f64_column(name)?;
        t.require_positive(name, &v)?;
        Ok(v.into_iter().map(Some).collect())
    } else {
        Ok(vec![None; t.height()])
    }
}

/// Reads and validates an acceptance table: α ∈ (0, 1), perplexities ≥ 1,
/// weights > 0, and no two rows with the same (draft, target, temperature,
/// dataset, gamma) but different values (identical repeats are dropped with
/// a note).
#[cfg(feature = "io")]
pub fn read_accept_table(path: &Path) -> Result<AcceptTable, SdslError> {
    accept_table_from(&Table::read(path)?)
}

/// [`read_accept_table`] on a table already read (or built in memory, as the
/// Python package does from a DataFrame).
#[cfg(feature = "io")]
pub fn accept_table_from(t: &Table) -> Result<AcceptTable, SdslError> {
    for c in REQUIRED {
        if !t.has(c) {
            return Err(t.missing_column(
                c,
                "an acceptance table needs draft, target, draft_ppl, target_ppl, alpha (optional: draft_family, target_family, draft_params, target_params, dataset, temperature, gamma, n_tokens)",
            ));
        }
    }
    let err = |i: usize, col: &str, msg: String| SdslError::Data {
        path: t.label().to_string(),
        message: format!("row {} (line {}), column '{col}': {msg}", i + 1, i + 2),
    };
    let draft = t.str_column(col::DRAFT)?;
    let target = t.str_column(col::TARGET)?;
    let xs = t.f64_column(col::DRAFT_PPL)?;
    let ys = t.f64_column(col::TARGET_PPL)?;
    let alpha = t.f64_column(col::ALPHA)?;
    for i in 0..alpha.len() {
        if !(alpha[i] > 0.0 && alpha[i] < 1.0) {
            return Err(err(
                i,
                "alpha",
                format!(
                    "{} must lie strictly between 0 and 1 (an acceptance rate)",
                    num(alpha[i])
                ),
            ));
        }
        for (col, v) in [("draft_ppl", xs[i]), ("target_ppl", ys[i])] {
            if !(v.is_finite() && v >= 1.0) {
                return Err(err(
                    i,
                    col,
                    format!(
                        "{} must be a perplexity ≥ 1 (raw perplexity, not its log)",
                        num(v)
                    ),
                ));
            }
        }
    }
    let (dfam, tfam, dset) = (
        opt_str(t, col::DRAFT_FAMILY)?,
        opt_str(t, col::TARGET_FAMILY)?,
        opt_str(t, col::DATASET)?,
    );
    let (temp, gam) = (opt_str(t, col::TEMPERATURE)?, opt_str(t, col::GAMMA)?);
    let (dpar, tpar, w) = (
        opt_f64(t, col::DRAFT_PARAMS)?,
        opt_f64(t, col::TARGET_PARAMS)?,
        opt_f64(t, col::N_TOKENS)?,
    );
    let mut rows: Vec<AcceptRow> = Vec::new();
    let mut notes = Vec::new();
    // key → index in `rows`: one hash look-up per row, so the check is
    // linear in the table
    let mut seen: std::collections::HashMap<AcceptKey, usize> = std::collections::HashMap::new();
    for i in 0..alpha.len() {
        let r = AcceptRow {
            row: i + 1,
            draft: draft[i].clone(),
            target: target[i].clone(),
            draft_ppl: xs[i],
            target_ppl: ys[i],
            alpha: alpha[i],
            draft_family: dfam[i].clone(),
            target_family: tfam[i].clone(),
            draft_params: dpar[i],
            target_params: tpar[i],
            dataset: dset[i].clone(),
            temperature: temp[i].clone(),
            gamma: gam[i].clone(),
            weight: w[i],
        };
        let key = r.key();
        if let Some(prev) = seen.get(&key).map(|&j| &rows[j]) {
            if (prev.draft_ppl, prev.target_ppl, prev.alpha) == (r.draft_ppl, r.target_ppl, r.alpha)
            {
                notes.push(format!(
                    "row {} repeats row {} exactly and was dropped",
                    r.row, prev.row
                ));
                continue;
            }
            return Err(SdslError::Data {
                path: t.label().to_string(),
                message: format!(
                    "rows {} and {} (lines {} and {}) measure the same pair ({} → {}, same temperature, dataset and gamma) with different values (alpha {} vs {}); remove one, or distinguish them with a dataset, temperature or gamma column",
                    prev.row,
                    r.row,
                    prev.row + 1,
                    r.row + 1,
                    clip(&r.draft),
                    clip(&r.target),
                    num(prev.alpha),
                    num(r.alpha)
                ),
            });
        }
        seen.insert(key, rows.len());
        rows.push(r);
    }
    Ok(AcceptTable {
        path: t.label().to_string(),
        sha256: t.sha256().to_string(),
        rows_total: alpha.len(),
        rows,
        notes,
    })
}

/// What kind of raw measurement a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MeasureKind {
    /// Per-iteration accepted counts.
    Logs,
    /// Mean tokens per iteration τ.
    Tau,
    /// Token acceptance rate (accepted/drafted).
    Tar,
}

impl MeasureKind {
    /// The names, as written.
    pub const NAMES: [&'static str; 3] = ["logs", "tau", "tar"];
}

/// `logs`, `tau` or `tar`: what the manifest's `[[estimates]] kind`, `sdsl
/// alpha estimate --kind` and the Python package's `kind=` parse.
impl std::str::FromStr for MeasureKind {
    type Err = SdslError;
    fn from_str(s: &str) -> Result<Self, SdslError> {
        match s {
            "logs" => Ok(MeasureKind::Logs),
            "tau" => Ok(MeasureKind::Tau),
            "tar" => Ok(MeasureKind::Tar),
            other => Err(SdslError::InvalidArgument(format!(
                "kind '{}': use logs, tau or tar",
                crate::error::clip(other)
            ))),
        }
    }
}

/// Column choices for raw measurements (None: recognise).
#[derive(Debug, Clone, Default)]
pub struct MeasureSpec {
    /// Force the kind.
    pub kind: Option<MeasureKind>,
    /// Column holding γ.
    pub gamma_col: Option<String>,
    /// Column holding accepted / tau / TAR.
    pub value_col: Option<String>,
    /// Grouping columns besides draft and target.
    pub group_cols: Option<Vec<String>>,
}

/// Raw measurements, one row each.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurements {
    /// Path as given.
    pub path: String,
    /// SHA-256.
    pub sha256: String,
    /// Kind.
    pub kind: MeasureKind,
    /// The value column used.
    pub value_col: String,
    /// The γ column used.
    pub gamma_col: String,
    /// Grouping columns (after draft, target).
    pub group_cols: Vec<String>,
    /// Per row: (draft, target, group values).
    pub keys: Vec<Vec<String>>,
    /// γ per row.
    pub gamma: Vec<f64>,
    /// accepted / τ / TAR per row.
    pub value: Vec<f64>,
    /// Rows the source calls suspect, with the reason.
    pub suspect: Vec<Option<String>>,
    /// Perplexities per row when the file has them.
    pub ppl: Option<(Vec<f64>, Vec<f64>)>,
}

/// Columns used as grouping keys when present (besides draft and target).
pub const DEFAULT_GROUP_COLS: [&str; 10] = [
    "temperature",
    "top_p",
    "top_k",
    "thinking_mode",
    "dataset",
    "draft_family",
    "target_family",
    "draft_params",
    "target_params",
    "n_tokens",
];

/// Reads raw measurements, recognising the kind from the columns:
/// `accepted` → logs; `tau` → τ table; `tar` or vLLM's `tar_steady_steps2to5`
/// → TAR table (steady-state TAR by default). γ is `gamma` or vLLM's
/// `k_num_speculative_tokens`.
#[cfg(feature = "io")]
pub fn read_measurements(path: &Path, spec: &MeasureSpec) -> Result<Measurements, SdslError> {
    measurements_from(&Table::read(path)?, spec)
}

/// [`read_measurements`] on a table already read (to group one file two ways
/// without reading it twice).
#[cfg(feature = "io")]
// Long (≈150 lines): the two layouts (per-iteration logs, per-window
// rates) share the column checks and the grouping; each cell error names
// its row and column, which keeps the checks inline.
pub fn measurements_from(t: &Table, spec: &MeasureSpec) -> Result<Measurements, SdslError> {
    for c in [col::DRAFT, col::TARGET] {
        if !t.has(c) {
            return Err(t.missing_column(c, "raw measurements need draft and target columns"));
        }
    }
    let pick = |cands: &[&str]| cands.iter().find(|c| t.has(c)).map(|c| c.to_string());
    let (kind, value_col) = match (spec.kind, &spec.value_col) {
        (Some(k), Some(v)) => (k, v.clone()),
        (k, v) => {
            let found = if let Some(v) = v {
                Some((k, v.clone()))
            } else if k.is_none_or(|k| k == MeasureKind::Logs) && t.has(col::ACCEPTED) {
                Some((Some(MeasureKind::Logs), col::ACCEPTED.to_string()))
            } else if k.is_none_or(|k| k == MeasureKind::Tau) && t.has("tau") {
                Some((Some(MeasureKind::Tau), "tau".to_string()))
            } else if k.is_none_or(|k| k == MeasureKind::Tar) {
                pick(&["tar", "tar_steady_steps2to5"]).map(|c| (Some(MeasureKind::Tar), c))
            } else {
                None
            };
            match found {
                Some((Some(k), v)) => (k, v),
                Some((None, v)) => {
                    return Err(SdslError::Data {
                        path: t.label().to_string(),
                        message: format!(
                            "value column {} needs a kind (logs, tau or tar)",
                            clip(&v)
                        ),
                    });
                }
                None => {
                    return Err(t.missing_column(
                        "accepted, tau or tar",
                        "give per-iteration logs (draft, target, gamma, accepted), a tau table (gamma, tau) or a TAR table (gamma, tar); or name the kind and the value column",
                    ));
                }
            }
        }
    };
    let gamma_col = match &spec.gamma_col {
        Some(g) => g.clone(),
        None => pick(&["gamma", "k_num_speculative_tokens"]).ok_or_else(|| {
            t.missing_column("gamma", "name the lookahead column (gamma_col; vLLM's k_num_speculative_tokens is recognised)")
        })?,
    };
    let gamma = t.f64_column(&gamma_col)?;
    let value = t.f64_column(&value_col)?;
    let err = |i: usize, col: &str, msg: String| SdslError::Data {
        path: t.label().to_string(),
        message: format!("row {} (line {}), column '{col}': {msg}", i + 1, i + 2),
    };
    for i in 0..gamma.len() {
        let g = gamma[i];
        if !(g >= 1.0 && g.fract() == 0.0 && g.is_finite()) {
            return Err(err(
                i,
                &gamma_col,
                format!("{} must be a whole number ≥ 1", num(g)),
            ));
        }
        let v = value[i];
        match kind {
            MeasureKind::Logs => {
                if !(v >= 0.0 && v.fract() == 0.0 && v <= g) {
                    return Err(err(
                        i,
                        &value_col,
                        format!(
                            "accepted = {} must be a whole number in 0..=gamma ({})",
                            num(v),
                            num(g)
                        ),
                    ));
                }
            }
            MeasureKind::Tau => {
                if !(v > 1.0 && v < g + 1.0) {
                    return Err(err(
                        i,
                        &value_col,
                        format!(
                            "tau = {} must lie in (1, gamma + 1) = (1, {})",
                            num(v),
                            num(g + 1.0)
                        ),
                    ));
                }
            }
            MeasureKind::Tar => {
                if !(v > 0.0 && v < 1.0) {
                    return Err(err(
                        i,
                        &value_col,
                        format!("TAR = {} must lie strictly between 0 and 1", num(v)),
                    ));
                }
            }
        }
    }
    let group_cols: Vec<String> = match &spec.group_cols {
        Some(g) => g.clone(),
        None => DEFAULT_GROUP_COLS
            .iter()
            .filter(|c| t.has(c))
            .map(|c| c.to_string())
            .collect(),
    };
    let mut cols = vec![t.str_column(col::DRAFT)?, t.str_column(col::TARGET)?];
    for g in &group_cols {
        if !t.has(g) {
            return Err(t.missing_column(g, "check the grouping columns"));
        }
        cols.push(t.str_column(g)?);
    }
    let keys = (0..gamma.len())
        .map(|i| cols.iter().map(|c| c[i].clone()).collect())
        .collect();
    // The source of vLLM's window sweep calls steady-state TAR at temperature 0
    // suspect (degenerate rollouts): flag those rows.
    let suspect = if value_col == "tar_steady_steps2to5" && t.has(col::TEMPERATURE) {
        let temp = t.f64_column(col::TEMPERATURE)?;
        temp.iter()
            .map(|&x| (x == 0.0).then(|| "steady-state TAR at temperature 0: the source suspects degenerate rollouts (compare tar_step1)".to_string()))
            .collect()
    } else {
        vec![None; gamma.len()]
    };
    let ppl = if t.has(col::DRAFT_PPL) && t.has(col::TARGET_PPL) {
        Some((
            t.f64_column(col::DRAFT_PPL)?,
            t.f64_column(col::TARGET_PPL)?,
        ))
    } else {
        None
    };
    Ok(Measurements {
        path: t.label().to_string(),
        sha256: t.sha256().to_string(),
        kind,
        value_col,
        gamma_col,
        group_cols,
        keys,
        gamma,
        value,
        suspect,
        ppl,
    })
}
