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
