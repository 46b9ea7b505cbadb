//! Typed errors of the library. Messages carry the bad value and, for data,
//! the file, row and column, and say how to fix the problem.

use thiserror::Error;

/// Everything the library can refuse.
#[derive(Debug, Error)]
pub enum SdslError {
    /// A command-line value or setting is out of range.
    #[error("{0}")]
    InvalidArgument(String),
    /// A law's constants are unusable.
    #[error("{0}")]
    InvalidLaw(String),
    /// A law file could not be read or parsed.
    #[error("law file {path}: {message}")]
    LawFile { path: String, message: String },
    /// A name that is neither a shipped law nor an existing file.
    #[error("unknown {kind} law '{name}': not a file and not a shipped law (shipped: {known})")]
    UnknownLaw {
        kind: &'static str,
        name: String,
        known: String,
    },
    /// A data file has a bad cell, row or shape.
    #[error("{path}: {message}")]
    Data { path: String, message: String },
    /// A registry look-up failed.
    #[error("unknown {kind} '{name}'; known: {known}")]
    UnknownName {
        kind: &'static str,
        name: String,
        known: String,
    },
    /// The N* search has no admissible draft size or no interior optimum.
    #[error("{0}")]
    NoOptimum(String),
    /// A numerical method failed.
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// I/O on a named path.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl SdslError {
    /// A short machine-readable name of the variant (the `kind` of the
    /// `--json` error object).
    pub fn kind(&self) -> &'static str {
        match self {
            SdslError::InvalidArgument(_) => "invalid_argument",
            SdslError::InvalidLaw(_) => "invalid_law",
            SdslError::LawFile { .. } => "law_file",
            SdslError::UnknownLaw { .. } => "unknown_law",
            SdslError::Data { .. } => "data",
            SdslError::UnknownName { .. } => "unknown_name",
            SdslError::NoOptimum(_) => "no_optimum",
            SdslError::Numerical(_) => "numerical",
            SdslError::Io { .. } => "io",
        }
    }

    /// The file the error is about, when there is one (a manifest error
    /// names the manifest, with its line, as `PATH line N (key)`).
    pub fn path(&self) -> Option<&str> {
        match self {
            SdslError::LawFile { path, .. }
            | SdslError::Data { path, .. }
            | SdslError::Io { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The 1-based data row named in the message (`row N`), if any.
    pub fn row(&self) -> Option<usize> {
        let msg = self.to_string();
        let at = msg.find("row ")?;
        let digits: String = msg[at + 4..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        digits.parse().ok()
    }

    /// The column named in the message (`column 'NAME'`), if any.
    pub fn column(&self) -> Option<String> {
        let msg = self.to_string();
        let at = msg.find("column '")? + "column '".len();
        let end = msg[at..].find('\'')?;
        Some(msg[at..at + end].to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::SdslError;

    #[test]
    fn row_and_column_are_read_from_the_message() {
        let e = SdslError::Data {
            path: "t.csv".into(),
            message: "row 12 (line 13), column 'loss': 'x' is not a number".into(),
        };
        assert_eq!(e.kind(), "data");
        assert_eq!(e.path(), Some("t.csv"));
        assert_eq!(e.row(), Some(12));
        assert_eq!(e.column().as_deref(), Some("loss"));
        let e = SdslError::InvalidArgument("no row here".into());
        assert_eq!((e.row(), e.column(), e.path()), (None, None, None));
    }
}
