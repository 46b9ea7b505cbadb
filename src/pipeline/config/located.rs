//! A manifest value with the line and key it came from, and the helpers
//! that make one: every manifest error names the file, the line and the key.

use crate::error::SdslError;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A value with the manifest line that set it.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// 1-based manifest line.
    pub line: usize,
    /// The key, e.g. `loss.path`.
    pub key: String,
}

impl<T> Located<T> {
    /// A value set at manifest line `line` under `key`.
    pub fn new(value: T, line: usize, key: impl Into<String>) -> Self {
        Located {
            value,
            line,
            key: key.into(),
        }
    }

    /// A default the manifest does not set: line 0.
    pub fn unset(value: T, key: impl Into<String>) -> Self {
        Self::new(value, 0, key)
    }
}

/// An error at line `line`, key `key` of the manifest `path`.
pub fn error_at(path: &Path, line: usize, key: &str, message: String) -> SdslError {
    SdslError::Data {
        path: format!("{} line {line} ({key})", path.display()),
        message,
    }
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// Where manifest values come from: its text (for line numbers), folder
/// (for relative paths) and path (for messages).
pub(super) struct Cx<'a> {
    pub(super) text: &'a str,
    pub(super) dir: PathBuf,
    pub(super) path: &'a Path,
    /// The first line of every key seen (for errors raised later by key:
    /// `RefitConfig::locate`).
    pub(super) lines: std::cell::RefCell<std::collections::BTreeMap<String, usize>>,
}

impl Cx<'_> {
    /// The 1-based line of a span and the key, for messages.
    pub(super) fn loc(&self, span: std::ops::Range<usize>, key: &str) -> (usize, String) {
        let line = line_of(self.text, span.start);
        self.lines
            .borrow_mut()
            .entry(key.to_string())
            .or_insert(line);
        (line, key.to_string())
    }

    /// The value of `s` at its manifest line, under `key`.
    pub(super) fn at<T: Clone>(&self, s: &Spanned<T>, key: &str) -> Located<T> {
        let (line, key) = self.loc(s.span(), key);
        Located::new(s.get_ref().clone(), line, key)
    }

    /// An error at a manifest line.
    pub(super) fn err(&self, line: usize, key: &str, msg: String) -> SdslError {
        error_at(self.path, line, key, msg)
    }

    /// A path relative to the manifest that must name an existing file.
    pub(super) fn file(
        &self,
        s: &Spanned<String>,
        key: &str,
    ) -> Result<Located<PathBuf>, SdslError> {
        let (line, key) = self.loc(s.span(), key);
        let p = self.dir.join(s.get_ref());
        if !p.is_file() {
            return Err(self.err(
                line,
                &key,
                format!(
                    "file '{}' not found (resolved to {}); paths are relative to the manifest",
                    s.get_ref(),
                    p.display()
                ),
            ));
        }
        Ok(Located::new(p, line, key))
    }

    /// A replicate count: 0 (none) or 2..=100000, 0 when absent.
    pub(super) fn replicates(
        &self,
        b: Option<&Spanned<usize>>,
        key: &str,
    ) -> Result<Located<usize>, SdslError> {
        match b {
            Some(b) => {
                let (line, key) = self.loc(b.span(), key);
                if *b.get_ref() == 1 || *b.get_ref() > 100_000 {
                    return Err(self.err(
                        line,
                        &key,
                        format!("{} replicates: use 0 (none) or 2..=100000", b.get_ref()),
                    ));
                }
                Ok(Located::new(*b.get_ref(), line, key))
            }
            None => Ok(Located::unset(0, key)),
        }
    }
}
