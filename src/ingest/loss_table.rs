//! (N, D, loss) tables for the loss-law fit.
//!
//! Layouts recognised, in this order:
//! 1. columns named by `--n-col/--d-col/--loss-col` (any one given);
//! 2. canonical `N, D, loss`;
//! 3. Epoch AI's digitised Chinchilla layout `Model Size, Training FLOP,
//!    loss`, with D = C/(6N) (the usual C ≈ 6ND training-compute rule, as in
//!    Besiroglu et al.'s analysis).
//!
//! `--drop-highest K` reproduces Epoch's outlier rule: keep the rows whose
//! loss is strictly below the K-th largest loss (so ties with it are dropped
//! too); K = 5 leaves 240 of the 245 Chinchilla rows.

#[cfg(feature = "io")]
use super::table::Table;
#[cfg(feature = "io")]
use crate::error::SdslError;
#[cfg(feature = "io")]
use crate::ingest::columns as col;
use serde::Serialize;
#[cfg(feature = "io")]
use std::path::Path;

/// Column choices and the outlier rule.
#[derive(Debug, Clone, Default)]
pub struct LossTableSpec {
    /// Column holding N (parameters).
    pub n_col: Option<String>,
    /// Column holding D (tokens).
    pub d_col: Option<String>,
    /// Column holding the loss.
    pub loss_col: Option<String>,
    /// Drop the rows with loss ≥ the K-th largest loss.
    pub drop_highest: usize,
}

/// A loss table after validation and the outlier rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LossTable {
    /// Path as given.
    pub path: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Which layout was recognised.
    pub layout: String,
    /// Rows in the file.
    pub rows_total: usize,
    /// Rows used by the fit.
    pub rows_used: usize,
    /// 1-based data-row numbers dropped by `--drop-highest`.
    pub dropped_rows: Vec<usize>,
    /// N per used row.
    #[serde(skip)]
    pub n: Vec<f64>,
    /// D per used row.
    #[serde(skip)]
    pub d: Vec<f64>,
    /// Loss per used row.
    #[serde(skip)]
    pub loss: Vec<f64>,
}

/// Reads and validates a loss table.
#[cfg(feature = "io")]
pub fn read_loss_table(path: &Path, spec: &LossTableSpec) -> Result<LossTable, SdslError> {
    loss_table_from(&Table::read(path)?, spec)
}

/// [`read_loss_table`] on a table already read (the lab reads its loss table
/// once for the ladder and the fit).
#[cfg(feature = "io")]
pub fn loss_table_from(t: &Table, spec: &LossTableSpec) -> Result<LossTable, SdslError> {
    let custom = spec.n_col.is_some() || spec.d_col.is_some() || spec.loss_col.is_some();
    let epoch = !custom && !t.has(col::N) && t.has("Model Size") && t.has("Training FLOP");
    let loss_name = spec.loss_col.clone().unwrap_or_else(|| col::LOSS.into());
    let (layout, n, d) = if epoch {
        let n = t.f64_column("Model Size")?;
        t.require_positive("Model Size", &n)?;
        let c = t.f64_column("Training FLOP")?;
        t.require_positive("Training FLOP", &c)?;
        let d: Vec<f64> = c.iter().zip(&n).map(|(c, n)| c / (6.0 * n)).collect();
        (
            "epoch (Model Size, Training FLOP, loss; D = C/(6N))".to_string(),
            n,
            d,
        )
    } else {
        let n_name = spec.n_col.clone().unwrap_or_else(|| col::N.into());
        let d_name = spec.d_col.clone().unwrap_or_else(|| col::D.into());
        for name in [&n_name, &d_name, &loss_name] {
            if !t.has(name) {
                return Err(t.missing_column(
                    name,
                    "a loss table needs columns N, D, loss (or the Epoch layout 'Model Size', 'Training FLOP', loss); name other columns (n_col, d_col, loss_col)",
                ));
            }
        }
        let n = t.f64_column(&n_name)?;
        t.require_positive(&n_name, &n)?;
        let d = t.f64_column(&d_name)?;
        t.require_positive(&d_name, &d)?;
        let layout = if custom {
            format!("columns N = '{n_name}', D = '{d_name}', loss = '{loss_name}'")
        } else {
            "canonical (N, D, loss)".to_string()
        };
        (layout, n, d)
    };
    if !t.has(&loss_name) {
        return Err(t.missing_column(&loss_name, "name the loss column (loss_col)"));
    }
    let loss = t.f64_column(&loss_name)?;
    t.require_positive(&loss_name, &loss)?;
    let rows_total = loss.len();
    let keep: Vec<bool> = if spec.drop_highest > 0 {
        if spec.drop_highest >= rows_total {
            return Err(SdslError::Data {
                path: t.label().to_string(),
                message: format!(
                    "drop_highest = {} would drop all {rows_total} rows",
                    spec.drop_highest
                ),
            });
        }
        let mut sorted = loss.clone();
        sorted.sort_by(f64::total_cmp);
        let cut = sorted[rows_total - spec.drop_highest];
        loss.iter().map(|&l| l < cut).collect()
    } else {
        vec![true; rows_total]
    };
    let pick = |v: &[f64]| -> Vec<f64> {
        v.iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(x, _)| *x)
            .collect()
    };
    let dropped_rows = keep
        .iter()
        .enumerate()
        .filter(|(_, k)| !**k)
        .map(|(i, _)| i + 1)
        .collect();
    let (n, d, loss) = (pick(&n), pick(&d), pick(&loss));
    Ok(LossTable {
        path: t.label().to_string(),
        sha256: t.sha256().to_string(),
        layout,
        rows_total,
        rows_used: loss.len(),
        dropped_rows,
        n,
        d,
        loss,
    })
}
