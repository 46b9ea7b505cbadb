//! Tabular files (CSV, Parquet) read with polars, with cell-level errors.
//!
//! CSV is read with every column as text and converted here, so that a bad
//! cell is reported with its row and column rather than as a failed schema
//! inference. Rows are numbered from 1 for the first data row (the header is
//! line 1 of the file, so data row r is line r + 1).

use crate::error::SdslError;
use polars::prelude::*;
use std::io::Cursor;
use std::path::Path;

/// A table read from a file, with the label used in error messages.
pub struct Table {
    label: String,
    sha256: String,
    df: DataFrame,
}

/// The file formats recognised by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header line.
    Csv,
    /// Apache Parquet.
    Parquet,
}

impl Format {
    /// `.csv` → CSV; `.parquet`/`.pq` → Parquet; anything else is an error.
    pub fn from_path(path: &Path) -> Result<Format, SdslError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "csv" => Ok(Format::Csv),
            "parquet" | "pq" => Ok(Format::Parquet),
            _ => Err(SdslError::Data {
                path: path.display().to_string(),
                message: format!(
                    "unknown file extension '{ext}': name the file .csv or .parquet so its format is known"
                ),
            }),
        }
    }
}

impl Table {
    /// Reads a CSV or Parquet file, chosen by extension.
    pub fn read(path: &Path) -> Result<Table, SdslError> {
        let label = path.display().to_string();
        let format = Format::from_path(path)?;
        let bytes = std::fs::read(path).map_err(|source| SdslError::Io {
            path: label.clone(),
            source,
        })?;
        match format {
            Format::Csv => Table::from_csv_bytes(&label, bytes),
            Format::Parquet => Table::from_parquet_bytes(&label, bytes),
        }
    }

    /// Parses CSV text held in memory; `label` names it in errors.
    pub fn from_csv_bytes(label: &str, bytes: Vec<u8>) -> Result<Table, SdslError> {
        let sha256 = sha256_hex(&bytes);
        let df = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .into_reader_with_file_handle(Cursor::new(bytes))
            .finish()
            .map_err(|e| SdslError::Data {
                path: label.to_string(),
                message: format!("not a readable CSV file: {e}"),
            })?;
        Ok(Table {
            label: label.to_string(),
            sha256,
            df,
        })
    }

    /// Parses Parquet bytes held in memory; `label` names it in errors.
    pub fn from_parquet_bytes(label: &str, bytes: Vec<u8>) -> Result<Table, SdslError> {
        let sha256 = sha256_hex(&bytes);
        let df = ParquetReader::new(Cursor::new(bytes))
            .finish()
            .map_err(|e| SdslError::Data {
                path: label.to_string(),
                message: format!("not a readable Parquet file ({e}); check that the file is Parquet, or rename a CSV file to .csv"),
            })?;
        Ok(Table {
            label: label.to_string(),
            sha256,
            df,
        })
    }

    /// SHA-256 of the file's bytes, lower-case hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The file label used in messages.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Number of data rows.
    pub fn height(&self) -> usize {
        self.df.height()
    }

    /// Column names in file order.
    pub fn columns(&self) -> Vec<String> {
        self.df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    /// Whether a column exists.
    pub fn has(&self, name: &str) -> bool {
        self.df.column(name).is_ok()
    }

    fn error(&self, message: String) -> SdslError {
        SdslError::Data {
            path: self.label.clone(),
            message,
        }
    }

    /// The error for a missing column, listing the columns present.
    pub fn missing_column(&self, name: &str, fix: &str) -> SdslError {
        self.error(format!(
            "missing column '{name}' (columns present: {}); {fix}",
            self.columns().join(", ")
        ))
    }

    fn column(&self, name: &str) -> Result<&Column, SdslError> {
        self.df.column(name).map_err(|_| {
            self.missing_column(
                name,
                "rename the column or choose another with the command's column flag",
            )
        })
    }

    /// A numeric column. Every cell must hold a number (no empty cells).
    pub fn f64_column(&self, name: &str) -> Result<Vec<f64>, SdslError> {
        let col = self.column(name)?;
        if col.dtype() == &DataType::String {
            let ca = col.str().map_err(|e| self.error(e.to_string()))?;
            ca.iter()
                .enumerate()
                .map(|(i, cell)| match cell.map(str::trim) {
                    None | Some("") => Err(self.error(format!(
                        "row {} (line {}), column '{name}': empty cell; every row needs a number here",
                        i + 1,
                        i + 2
                    ))),
                    Some(s) => s.parse::<f64>().map_err(|_| {
                        self.error(format!(
                            "row {} (line {}), column '{name}': '{s}' is not a number",
                            i + 1,
                            i + 2
                        ))
                    }),
                })
                .collect()
        } else {
            let cast = col.cast(&DataType::Float64).map_err(|_| {
                self.error(format!(
                    "column '{name}' has type {} which is not numeric",
                    col.dtype()
                ))
            })?;
            let ca = cast.f64().map_err(|e| self.error(e.to_string()))?;
            ca.iter()
                .enumerate()
                .map(|(i, v)| {
                    v.ok_or_else(|| {
                        self.error(format!(
                            "row {}, column '{name}': missing value (null); every row needs a number here",
                            i + 1
                        ))
                    })
                })
                .collect()
        }
    }

    /// A text column. Empty cells are errors.
    pub fn str_column(&self, name: &str) -> Result<Vec<String>, SdslError> {
        let col = self.column(name)?;
        let cast = col
            .cast(&DataType::String)
            .map_err(|e| self.error(format!("column '{name}': {e}")))?;
        let ca = cast.str().map_err(|e| self.error(e.to_string()))?;
        ca.iter()
            .enumerate()
            .map(|(i, cell)| match cell.map(str::trim) {
                None | Some("") => Err(self.error(format!(
                    "row {} (line {}), column '{name}': empty cell; every row needs a value here",
                    i + 1,
                    i + 2
                ))),
                Some(s) => Ok(s.to_string()),
            })
            .collect()
    }

    /// Checks that every value of a numeric column is finite and > 0.
    pub fn require_positive(&self, name: &str, values: &[f64]) -> Result<(), SdslError> {
        match values.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
            None => Ok(()),
            Some(i) => Err(self.error(format!(
                "row {} (line {}), column '{name}': {} must be a finite number > 0",
                i + 1,
                i + 2,
                values[i]
            ))),
        }
    }
}

pub use super::sha256_hex;
