//! CSV text held in memory, read with the `csv` crate (not behind the `io`
//! feature): the compiled-in tables (the registry, the H200 latency
//! tables), so that name resolution and the queries build without polars.
//! [`Columns`] is what the table readers need from a table; files read with
//! polars ([`super::table::Table`], feature `io`) implement it too, and both
//! word their cell errors with the helpers here (rows numbered from 1 for
//! the first data row, which is line r + 1 of the file).

use crate::error::SdslError;

/// What a table reader needs from a table, whatever read it.
pub trait Columns {
    /// The name used in errors.
    fn label(&self) -> &str;
    /// SHA-256 of the bytes read.
    fn sha256(&self) -> &str;
    /// Data rows.
    fn height(&self) -> usize;
    /// Whether a column is present.
    fn has(&self, name: &str) -> bool;
    /// The error for a missing column, listing the columns present.
    fn missing_column(&self, name: &str, fix: &str) -> SdslError;
    /// A numeric column; every cell must hold a number.
    fn f64_column(&self, name: &str) -> Result<Vec<f64>, SdslError>;
    /// A text column; empty cells are errors.
    fn str_column(&self, name: &str) -> Result<Vec<String>, SdslError>;
    /// A text column whose cells may be empty (None), or absent (all None).
    fn opt_str_column(&self, name: &str) -> Result<Vec<Option<String>>, SdslError>;
    /// Checks that every value is finite and > 0.
    fn require_positive(&self, name: &str, values: &[f64]) -> Result<(), SdslError>;
}

/// A CSV table in memory: header and text cells (trimmed; None when empty).
#[derive(Debug, Clone)]
pub struct TextTable {
    label: String,
    sha256: String,
    headers: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
}

impl TextTable {
    /// Parses CSV bytes (a UTF-8 byte-order mark is skipped); `label` names
    /// them in errors. The shape is checked first, as for files.
    pub fn from_csv(label: &str, bytes: &[u8]) -> Result<TextTable, SdslError> {
        let sha256 = super::sha256_hex(bytes);
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        precheck_csv(label, bytes)?;
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(bytes);
        let err = |e: csv::Error| SdslError::Data {
            path: label.to_string(),
            message: format!("not a readable CSV file: {e}"),
        };
        let headers: Vec<String> = rdr
            .headers()
            .map_err(err)?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(err)?;
            if rec.len() == 1 && rec.get(0) == Some("") && headers.len() != 1 {
                continue; // a trailing blank line
            }
            rows.push(
                rec.iter()
                    .map(|c| Some(c.trim()).filter(|c| !c.is_empty()).map(str::to_string))
                    .collect(),
            );
        }
        Ok(TextTable {
            label: label.to_string(),
            sha256,
            headers,
            rows,
        })
    }

    fn index(&self, name: &str) -> Result<usize, SdslError> {
        self.headers.iter().position(|h| h == name).ok_or_else(|| {
            self.missing_column(
                name,
                "rename the column or choose another with the command's column flag",
            )
        })
    }

    fn cells(&self, name: &str) -> Result<Vec<Option<String>>, SdslError> {
        let j = self.index(name)?;
        Ok(self.rows.iter().map(|r| r[j].clone()).collect())
    }
}

impl Columns for TextTable {
    fn label(&self) -> &str {
        &self.label
    }
    fn sha256(&self) -> &str {
        &self.sha256
    }
    fn height(&self) -> usize {
        self.rows.len()
    }
    fn has(&self, name: &str) -> bool {
        self.headers.iter().any(|h| h == name)
    }
    fn missing_column(&self, name: &str, fix: &str) -> SdslError {
        missing_column(&self.label, &self.headers, name, fix)
    }
    fn f64_column(&self, name: &str) -> Result<Vec<f64>, SdslError> {
        let cells = self.cells(name)?;
        f64_cells(&self.label, name, cells.iter().map(|c| c.as_deref()))
    }
    fn str_column(&self, name: &str) -> Result<Vec<String>, SdslError> {
        required_cells(&self.label, name, self.cells(name)?)
    }
    fn opt_str_column(&self, name: &str) -> Result<Vec<Option<String>>, SdslError> {
        if !self.has(name) {
            return Ok(vec![None; self.height()]);
        }
        self.cells(name)
    }
    fn require_positive(&self, name: &str, values: &[f64]) -> Result<(), SdslError> {
        require_positive(&self.label, name, values)
    }
}

fn data_err(label: &str, message: String) -> SdslError {
    SdslError::Data {
        path: label.to_string(),
        message,
    }
}

/// The error for a missing column, listing the columns present.
pub(crate) fn missing_column(label: &str, columns: &[String], name: &str, fix: &str) -> SdslError {
    data_err(
        label,
        format!(
            "missing column '{name}' (columns present: {}); {fix}",
            excerpt(&columns.join(", "))
        ),
    )
}

/// Text cells as numbers: every cell must hold one (trimmed; `.` for
/// decimals).
pub(crate) fn f64_cells<'a>(
    label: &str,
    name: &str,
    cells: impl Iterator<Item = Option<&'a str>>,
) -> Result<Vec<f64>, SdslError> {
    cells
        .enumerate()
        .map(|(i, cell)| match cell.map(str::trim) {
            None | Some("") => Err(data_err(
                label,
                format!(
                    "row {} (line {}), column '{name}': empty cell; every row needs a number here",
                    i + 1,
                    i + 2
                ),
            )),
            Some(s) => s.parse::<f64>().map_err(|_| {
                data_err(
                    label,
                    format!(
                        "row {} (line {}), column '{name}': '{}' is not a number{}",
                        i + 1,
                        i + 2,
                        excerpt(s),
                        if s.contains(',') {
                            " (use '.' for decimals and no thousands separators)"
                        } else {
                            ""
                        }
                    ),
                )
            }),
        })
        .collect()
}

/// Text cells that must all be present.
pub(crate) fn required_cells(
    label: &str,
    name: &str,
    cells: Vec<Option<String>>,
) -> Result<Vec<String>, SdslError> {
    cells
        .into_iter()
        .enumerate()
        .map(|(i, cell)| {
            cell.ok_or_else(|| {
                data_err(
                    label,
                    format!(
                        "row {} (line {}), column '{name}': empty cell; every row needs a value here",
                        i + 1,
                        i + 2
                    ),
                )
            })
        })
        .collect()
}

/// Every value finite and > 0, else the first that is not, by row.
pub(crate) fn require_positive(label: &str, name: &str, values: &[f64]) -> Result<(), SdslError> {
    match values.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
        None => Ok(()),
        Some(i) => Err(data_err(
            label,
            format!(
                "row {} (line {}), column '{name}': {} must be a finite number > 0",
                i + 1,
                i + 2,
                crate::error::num(values[i])
            ),
        )),
    }
}

/// At most 80 characters of quoted input in a message (a file without
/// newlines must not turn into a message as large as the file).
pub fn excerpt(s: &str) -> String {
    const MAX: usize = 80;
    match s.char_indices().nth(MAX) {
        None => s.to_string(),
        Some((cut, _)) => format!("{}… ({} bytes in all)", &s[..cut], s.len()),
    }
}

/// Checks a CSV file's shape before polars reads it, so that every problem
/// is named with its line: invalid UTF-8, a row with more or fewer fields
/// than the header (a decimal comma or a thousands separator splits a number
/// in two), duplicate column names, another separator, a file with
/// a header and no data rows.
pub(crate) fn precheck_csv(label: &str, bytes: &[u8]) -> Result<(), SdslError> {
    let err = |message: String| SdslError::Data {
        path: label.to_string(),
        message,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let header = rdr
        .byte_headers()
        .map_err(|e| err(format!("not a readable CSV file: {e}")))?
        .clone();
    let names: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    if std::str::from_utf8(header.as_slice()).is_err() {
        return Err(err(
            "line 1 (the header) is not valid UTF-8; save the file as UTF-8".into(),
        ));
    }
    if names.len() == 1 {
        for (sep, what) in [(';', "semicolons"), ('\t', "tabs")] {
            if names[0].contains(sep) {
                return Err(err(format!(
                    "the header is one column '{}': the file seems to separate fields with {what}; save it comma-separated",
                    excerpt(&names[0])
                )));
            }
        }
    }
    for (j, n) in names.iter().enumerate() {
        if let Some(k) = names[..j].iter().position(|m| m == n) {
            return Err(err(format!(
                "line 1: column '{}' appears twice (columns {} and {}); rename one",
                excerpt(n),
                k + 1,
                j + 1
            )));
        }
    }
    let mut rows = 0usize;
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(err(format!("not a readable CSV file: {e}"))),
        }
        rows += 1;
        let line = rec.position().map(|p| p.line()).unwrap_or(rows as u64 + 1);
        if rec.len() != names.len() {
            // a trailing blank line reads as one empty field
            if rec.len() == 1 && rec.get(0).is_some_and(|f| f.is_empty()) {
                rows -= 1;
                continue;
            }
            return Err(err(format!(
                "row {rows} (line {line}): {} fields where the header has {}; a decimal comma or a thousands separator (e.g. 1,234) splits a number in two: use '.' for decimals and no separators, or quote the cell",
                rec.len(),
                names.len()
            )));
        }
        if let Err(e) = std::str::from_utf8(rec.as_slice()) {
            return Err(err(format!(
                "row {rows} (line {line}): not valid UTF-8 (byte {} of the row's fields); save the file as UTF-8",
                e.valid_up_to() + 1
            )));
        }
    }
    if rows == 0 {
        return Err(err(
            "a header and no data rows; the table needs at least one row".into(),
        ));
    }
    Ok(())
}
