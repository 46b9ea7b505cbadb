//! Tabular files (CSV, Parquet) read with polars, with cell-level errors.
//!
//! CSV is read with every column as text and converted here, so that a bad
//! cell is reported with its row and column rather than as a failed schema
//! inference. Rows are numbered from 1 for the first data row (the header is
//! line 1 of the file, so data row r is line r + 1).

use crate::error::SdslError;
use polars_core::datatypes::ArrowDataType;
use polars_core::prelude::*;
use polars_io::prelude::*;
use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

/// A table read from a file, with the label used in error messages.
pub struct Table {
    label: String,
    sha256: String,
    source: Source,
}

/// Where the columns come from. A Parquet file is kept as bytes and its
/// columns are decoded one at a time when asked for, so that a column the
/// caller never reads (a decimal, map, date or int8 column this build of
/// polars cannot decode) is never touched.
enum Source {
    /// A CSV file, read whole with every column as text.
    Frame(DataFrame),
    /// A Parquet file: its bytes, schema (from the footer) and row count.
    Parquet {
        bytes: Vec<u8>,
        schema: Arc<ArrowSchema>,
        rows: usize,
    },
}

/// Runs a polars call with panics turned into a named error: polars can
/// panic on corrupt Parquet (an open upstream bug) or on a type this build
/// cannot decode. The default panic hook is swapped for a silent one while
/// `f` runs (and restored after), so the user sees only the error.
fn without_panics<T>(label: &str, f: impl FnOnce() -> T) -> Result<T, SdslError> {
    static HOOK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = HOOK.lock().unwrap_or_else(|e| e.into_inner());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    result.map_err(|payload| {
        let why = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        SdslError::Data {
            path: label.to_string(),
            message: format!(
                "the Parquet reader failed ({why}); the file is corrupt or uses an encoding this build cannot read: re-export it (numeric columns as Float64 or Int64), or save it as CSV"
            ),
        }
    })
}

/// Parquet (Arrow) types a numeric column may have: floats and integers
/// that this build of polars decodes (the 8- and 16-bit integers, decimals
/// and dates need polars features that are not enabled).
fn parquet_numeric(dt: &ArrowDataType) -> bool {
    matches!(
        dt,
        ArrowDataType::Float32
            | ArrowDataType::Float64
            | ArrowDataType::Int32
            | ArrowDataType::Int64
            | ArrowDataType::UInt32
            | ArrowDataType::UInt64
    )
}

/// Parquet (Arrow) text types.
fn parquet_text(dt: &ArrowDataType) -> bool {
    matches!(
        dt,
        ArrowDataType::Utf8 | ArrowDataType::LargeUtf8 | ArrowDataType::Utf8View
    )
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

pub use super::text_table::excerpt;
use super::text_table::{Columns, precheck_csv};

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

    /// A file's bytes already read, parsed as CSV or Parquet by the
    /// extension of `path` (as [`Table::read`] does).
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Table, SdslError> {
        let label = path.display().to_string();
        match Format::from_path(path)? {
            Format::Csv => Table::from_csv_bytes(&label, bytes),
            Format::Parquet => Table::from_parquet_bytes(&label, bytes),
        }
    }

    /// Parses CSV text held in memory; `label` names it in errors.
    pub fn from_csv_bytes(label: &str, mut bytes: Vec<u8>) -> Result<Table, SdslError> {
        let sha256 = sha256_hex(&bytes);
        if bytes.starts_with(b"\xEF\xBB\xBF") {
            bytes.drain(..3); // a UTF-8 byte-order mark (spreadsheet exports)
        }
        precheck_csv(label, &bytes)?;
        let df = without_panics(label, || {
            CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(Some(0))
                .into_reader_with_file_handle(Cursor::new(bytes))
                .finish()
        })?
        .map_err(|e| SdslError::Data {
            path: label.to_string(),
            message: format!("not a readable CSV file: {e}"),
        })?;
        Ok(Table {
            label: label.to_string(),
            sha256,
            source: Source::Frame(df),
        })
    }

    /// Reads the schema and row count of Parquet bytes held in memory;
    /// columns are decoded when asked for. `label` names the file in errors.
    pub fn from_parquet_bytes(label: &str, bytes: Vec<u8>) -> Result<Table, SdslError> {
        let sha256 = sha256_hex(&bytes);
        let footer = without_panics(label, || {
            let mut r = ParquetReader::new(Cursor::new(bytes.as_slice()));
            Ok::<_, PolarsError>((r.schema()?, r.num_rows()?))
        })?;
        let (schema, rows) = footer.map_err(|e| SdslError::Data {
            path: label.to_string(),
            message: format!("not a readable Parquet file ({e}); check that the file is Parquet, or rename a CSV file to .csv"),
        })?;
        Ok(Table {
            label: label.to_string(),
            sha256,
            source: Source::Parquet {
                bytes,
                schema,
                rows,
            },
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
        match &self.source {
            Source::Frame(df) => df.height(),
            Source::Parquet { rows, .. } => *rows,
        }
    }

    /// Column names in file order.
    pub fn columns(&self) -> Vec<String> {
        match &self.source {
            Source::Frame(df) => df
                .get_column_names()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            Source::Parquet { schema, .. } => schema.iter_names().map(|s| s.to_string()).collect(),
        }
    }

    /// Whether a column exists.
    pub fn has(&self, name: &str) -> bool {
        match &self.source {
            Source::Frame(df) => df.column(name).is_ok(),
            Source::Parquet { schema, .. } => schema.get(name).is_some(),
        }
    }

    fn error(&self, message: String) -> SdslError {
        SdslError::Data {
            path: self.label.clone(),
            message,
        }
    }

    /// The error for a missing column, listing the columns present.
    pub fn missing_column(&self, name: &str, fix: &str) -> SdslError {
        super::text_table::missing_column(&self.label, &self.columns(), name, fix)
    }

    /// One column; for Parquet, decoded now (that column only) after its
    /// type was checked with `accept`, which names what the caller needs.
    fn column(
        &self,
        name: &str,
        accept: fn(&ArrowDataType) -> bool,
        needs: &str,
    ) -> Result<Column, SdslError> {
        let missing = || {
            self.missing_column(
                name,
                "rename the column or choose another with the command's column flag",
            )
        };
        match &self.source {
            Source::Frame(df) => df.column(name).cloned().map_err(|_| missing()),
            Source::Parquet { bytes, schema, .. } => {
                let field = schema.get(name).ok_or_else(missing)?;
                if !accept(&field.dtype) {
                    return Err(self.error(format!(
                        "column '{name}' has Parquet type {:?}, but {needs} is needed here; store the column as {} (or save the table as CSV)",
                        field.dtype,
                        if needs.starts_with("a number") {
                            "Float64 or Int64"
                        } else {
                            "text (Utf8) or a number"
                        }
                    )));
                }
                let df = without_panics(&self.label, || {
                    ParquetReader::new(Cursor::new(bytes.as_slice()))
                        .with_columns(Some(vec![name.to_string()]))
                        .finish()
                })?
                .map_err(|e| {
                    self.error(format!(
                        "column '{name}' could not be read ({e}); re-export the file, or save it as CSV"
                    ))
                })?;
                df.column(name).cloned().map_err(|_| missing())
            }
        }
    }

    /// A numeric column. Every cell must hold a number (no empty cells).
    /// Parquet columns may be floats or 32/64-bit integers, or text holding
    /// numbers.
    pub fn f64_column(&self, name: &str) -> Result<Vec<f64>, SdslError> {
        let col = self.column(
            name,
            |t| parquet_numeric(t) || parquet_text(t),
            "a number (float or 32/64-bit integer)",
        )?;
        if col.dtype() == &DataType::String {
            let ca = col.str().map_err(|e| self.error(e.to_string()))?;
            super::text_table::f64_cells(&self.label, name, ca.iter())
        } else {
            let cast = col.cast(&DataType::Float64).map_err(|_| {
                self.error(format!(
                    "column '{name}' has type {} which is not numeric",
                    excerpt(&col.dtype().to_string())
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

    /// A text column. Empty cells are errors. Parquet columns may be text,
    /// booleans or numbers (read as their decimal text).
    pub fn str_column(&self, name: &str) -> Result<Vec<String>, SdslError> {
        super::text_table::required_cells(&self.label, name, self.text_cells(name)?)
    }

    /// A text column whose cells may be empty (None for an empty cell or a
    /// missing column).
    pub fn opt_str_column(&self, name: &str) -> Result<Vec<Option<String>>, SdslError> {
        if !self.has(name) {
            return Ok(vec![None; self.height()]);
        }
        self.text_cells(name)
    }

    /// The cells of a column read as text, trimmed; None for an empty cell.
    /// Text, numeric and boolean columns qualify.
    fn text_cells(&self, name: &str) -> Result<Vec<Option<String>>, SdslError> {
        let col = self.column(
            name,
            |t| parquet_text(t) || parquet_numeric(t) || matches!(t, ArrowDataType::Boolean),
            "text",
        )?;
        let cast = col
            .cast(&DataType::String)
            .map_err(|e| self.error(format!("column '{name}': {e}")))?;
        let ca = cast.str().map_err(|e| self.error(e.to_string()))?;
        Ok(ca
            .iter()
            .map(|cell| {
                cell.map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            })
            .collect())
    }

    /// Checks that every value of a numeric column is finite and > 0.
    pub fn require_positive(&self, name: &str, values: &[f64]) -> Result<(), SdslError> {
        super::text_table::require_positive(&self.label, name, values)
    }
}

pub use super::sha256_hex;

impl Columns for Table {
    fn label(&self) -> &str {
        Table::label(self)
    }
    fn sha256(&self) -> &str {
        Table::sha256(self)
    }
    fn height(&self) -> usize {
        Table::height(self)
    }
    fn has(&self, name: &str) -> bool {
        Table::has(self, name)
    }
    fn missing_column(&self, name: &str, fix: &str) -> SdslError {
        Table::missing_column(self, name, fix)
    }
    fn f64_column(&self, name: &str) -> Result<Vec<f64>, SdslError> {
        Table::f64_column(self, name)
    }
    fn str_column(&self, name: &str) -> Result<Vec<String>, SdslError> {
        Table::str_column(self, name)
    }
    fn opt_str_column(&self, name: &str) -> Result<Vec<Option<String>>, SdslError> {
        Table::opt_str_column(self, name)
    }
    fn require_positive(&self, name: &str, values: &[f64]) -> Result<(), SdslError> {
        Table::require_positive(self, name, values)
    }
}

#[cfg(test)]
mod parquet_tests {
    use super::*;
    use std::path::PathBuf;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/parquet")
            .join(name)
    }

    fn message(r: Result<Vec<f64>, SdslError>) -> String {
        match r {
            Ok(v) => panic!("expected an error, read {} values", v.len()),
            Err(e) => e.to_string(),
        }
    }

    fn parquet_bytes(df: &mut DataFrame) -> Vec<u8> {
        let mut buf = Vec::new();
        ParquetWriter::new(&mut buf).finish(df).unwrap();
        buf
    }

    #[test]
    fn unused_decimal_int8_date_and_map_columns_do_not_stop_a_read() {
        // gen_parquet.py: L = 1.8 + 400/N^0.34 + 2000/D^0.28 on a 7 × 4 grid
        let t = Table::read(&fixture("loss_unused_exotic.parquet")).unwrap();
        assert_eq!(
            t.columns(),
            ["N", "D", "loss", "price", "tiny", "day", "tags"]
        );
        assert_eq!(t.height(), 28);
        let n = t.f64_column("N").unwrap();
        let d = t.f64_column("D").unwrap();
        let l = t.f64_column("loss").unwrap();
        assert_eq!((n[0], d[0]), (7e7, 5e9));
        for i in 0..28 {
            let want = 1.8 + 400.0 / n[i].powf(0.34) + 2000.0 / d[i].powf(0.28);
            assert!((l[i] - want).abs() < 1e-12, "row {i}: {} vs {want}", l[i]);
        }
    }

    #[test]
    fn a_needed_column_of_an_unreadable_type_is_refused_by_name_type_and_fix() {
        for (file, col, ty) in [
            ("loss_date_n.parquet", "N", "Date32"),
            ("loss_decimal_loss.parquet", "loss", "Decimal"),
            ("loss_int8_d.parquet", "D", "Int8"),
        ] {
            let path = fixture(file);
            let t = Table::read(&path).unwrap();
            let e = message(t.f64_column(col));
            for needle in [file, &format!("column '{col}'"), ty, "Float64 or Int64"] {
                assert!(e.contains(needle), "expected '{needle}' in: {e}");
            }
        }
    }

    #[test]
    fn polars_written_tables_read_their_numeric_columns_and_refuse_the_rest() {
        let mut df = polars_core::df!(
            "N" => [1i32, 2, 3],
            "D" => [10u64, 20, 30],
            "loss" => [2.5f64, 2.25, 2.125],
            "text" => ["4", "x", "6"],
            "flag" => [true, false, true],
        )
        .unwrap();
        let t = Table::from_parquet_bytes("mem.parquet", parquet_bytes(&mut df)).unwrap();
        assert_eq!(t.f64_column("N").unwrap(), [1.0, 2.0, 3.0]);
        assert_eq!(t.f64_column("D").unwrap(), [10.0, 20.0, 30.0]);
        assert_eq!(t.f64_column("loss").unwrap(), [2.5, 2.25, 2.125]);
        assert_eq!(t.str_column("N").unwrap(), ["1", "2", "3"]);
        let e = message(t.f64_column("text"));
        assert!(
            e.contains("row 2") && e.contains("'x' is not a number"),
            "{e}"
        );
        let e = message(t.f64_column("flag"));
        assert!(
            e.contains("column 'flag'") && e.contains("Boolean") && e.contains("Float64 or Int64"),
            "{e}"
        );
        let e = message(t.f64_column("nope"));
        assert!(e.contains("missing column 'nope'"), "{e}");
    }

    #[test]
    fn a_panic_inside_the_reader_becomes_a_named_error() {
        let e = without_panics("broken.parquet", || -> u32 { panic!("boom") }).unwrap_err();
        let e = e.to_string();
        assert!(e.contains("broken.parquet") && e.contains("boom"), "{e}");
        // the hook is restored and the next call runs normally
        assert_eq!(without_panics("ok", || 7).unwrap(), 7);
    }

    #[test]
    fn corrupt_parquet_bytes_give_errors_not_panics() {
        let good = std::fs::read(fixture("loss_unused_exotic.parquet")).unwrap();
        // overwrite stretches of data pages and of the footer with garbage
        for start in (4..good.len() - 8).step_by(97) {
            let mut bad = good.clone();
            for (k, b) in bad[start..(start + 24).min(good.len() - 8)]
                .iter_mut()
                .enumerate()
            {
                *b = (k as u8).wrapping_mul(37) ^ 0xA5;
            }
            // any outcome but a panic (which would abort this test) is fine
            if let Ok(t) = Table::from_parquet_bytes("bad.parquet", bad) {
                for c in ["N", "D", "loss"] {
                    let _ = t.f64_column(c);
                }
            }
        }
    }
}
