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
    /// A computation refused a setting of the refit manifest, named by its
    /// key (e.g. `nstar.law_grid`); `sdsl refit` turns the key into the
    /// manifest's file and line.
    #[error("{key}: {message}")]
    Setting { key: String, message: String },
    /// I/O on a named path.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl SdslError {
    /// `message` about the manifest setting `key` (see [`SdslError::Setting`]).
    pub fn setting(key: &str, message: impl std::fmt::Display) -> SdslError {
        SdslError::Setting {
            key: key.to_string(),
            message: message.to_string(),
        }
    }

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
            SdslError::Setting { .. } => "setting",
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

/// A number for a message: shortest round-trip text for ordinary magnitudes,
/// scientific with at most 6 significant digits for |v| ≥ 1e6 or
/// 0 < |v| < 1e-4 (so a cell of 1e300 prints as `1e300`, not 301 digits).
pub fn num(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() || v == 0.0 || (1e-4..1e6).contains(&a) {
        return format!("{v}");
    }
    let s = format!("{v:.5e}");
    match s.split_once('e') {
        Some((mantissa, exp)) if mantissa.contains('.') => {
            let m = mantissa.trim_end_matches('0').trim_end_matches('.');
            format!("{m}e{exp}")
        }
        _ => s,
    }
}

/// The divisor and suffix that write a count of magnitude `a` compactly
/// (T ≥ 1e12, B ≥ 1e9, M ≥ 1e6, k ≥ 1e3, else none).
pub fn si_scale(a: f64) -> (f64, &'static str) {
    if a >= 1e12 {
        (1e12, "T")
    } else if a >= 1e9 {
        (1e9, "B")
    } else if a >= 1e6 {
        (1e6, "M")
    } else if a >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    }
}

/// A count of parameters or tokens compactly: scaled by [`si_scale`], at
/// most four decimals with trailing zeros dropped (117.3M, 12.85B, 500k);
/// NaN prints as `NaN`.
pub fn si(v: f64) -> String {
    let (d, s) = si_scale(v.abs());
    let digits = format!("{:.4}", v / d);
    let digits = if digits.contains('.') {
        digits.trim_end_matches('0').trim_end_matches('.')
    } else {
        &digits
    };
    format!("{digits}{s}")
}

/// A share as a percentage with one decimal: `100·x` then `%` (0.1234 →
/// `12.3%`; NaN → `NaN%`). The floor of the report's percentages
/// ([`crate::report::format`]), here because `derive` writes it into its
/// verdict sentences too.
pub fn pct1(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// At most `max` items of a list for a message, joined with ", ", then
/// "… (and N more)"; each item is cut at 80 characters.
pub fn capped_list<I>(items: I, max: usize) -> String
where
    I: IntoIterator,
    I::Item: std::fmt::Display,
{
    capped_join(items, max, ", ")
}

/// [`capped_list`] with another separator.
pub fn capped_join<I>(items: I, max: usize, sep: &str) -> String
where
    I: IntoIterator,
    I::Item: std::fmt::Display,
{
    let mut shown = Vec::new();
    let mut more = 0usize;
    for it in items {
        if shown.len() < max {
            shown.push(clip(&it.to_string()));
        } else {
            more += 1;
        }
    }
    let mut out = shown.join(sep);
    if more > 0 {
        out.push_str(&format!("{sep}… (and {more} more)"));
    }
    out
}

/// At most 80 characters of a text from user data for a message (a cell
/// of a megabyte must not make a message of a megabyte): longer text is
/// cut and ends in "…".
pub fn clip(s: &str) -> String {
    const MAX: usize = 80;
    match s.char_indices().nth(MAX) {
        None => s.to_string(),
        Some((cut, _)) => format!("{}…", &s[..cut]),
    }
}

/// Levenshtein edit distance between two strings, in characters
/// (insertions, deletions and substitutions cost 1). Used to tell a typo of
/// a known name from an unknown name.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The known names within edit distance `max` of `name`, compared
/// case-insensitively (ASCII), closest first (ties in the given order).
pub fn near_names<'a>(
    name: &str,
    known: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Vec<&'a str> {
    let lower = name.to_ascii_lowercase();
    let mut near: Vec<(usize, &str)> = known
        .into_iter()
        .map(|k| (levenshtein(&lower, &k.to_ascii_lowercase()), k))
        .filter(|(d, _)| *d <= max)
        .collect();
    near.sort_by_key(|(d, _)| *d);
    near.into_iter().map(|(_, k)| k).collect()
}

/// Resolves a name among items: an exact match first; else the one item
/// whose name matches case-insensitively (ASCII). `Ok(None)` when nothing
/// matches; `Err(candidates)` when several items match only up to case.
pub fn find_name<'a, T>(
    items: impl IntoIterator<Item = &'a T>,
    name: &str,
    name_of: impl Fn(&T) -> &str,
) -> Result<Option<&'a T>, Vec<&'a T>> {
    let mut folded = Vec::new();
    for it in items {
        let n = name_of(it);
        if n == name {
            return Ok(Some(it));
        }
        if n.eq_ignore_ascii_case(name) {
            folded.push(it);
        }
    }
    match folded.len() {
        0 => Ok(None),
        1 => Ok(folded.pop()),
        _ => Err(folded),
    }
}

/// The error for a name that matches several names of `place` (e.g. "the
/// registry x.csv") only up to case.
pub fn ambiguous_name(kind: &str, name: &str, candidates: &[&str], place: &str) -> SdslError {
    SdslError::InvalidArgument(format!(
        "{kind} '{}' is ambiguous: it matches {} names of {place} only up to case ({}); give one of them spelt exactly",
        clip(name),
        candidates.len(),
        capped_list(candidates, 10)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    #[test]
    fn a_share_is_a_percentage_with_one_decimal() {
        assert_eq!(pct1(0.1234), "12.3%");
        assert_eq!(pct1(-0.05), "-5.0%");
        assert_eq!(pct1(f64::NAN), "NaN%");
    }

    #[test]
    fn numbers_are_short_in_messages() {
        assert_eq!(num(1e300), "1e300");
        assert_eq!(num(-1e300), "-1e300");
        assert_eq!(num(1.2345678e10), "1.23457e10");
        assert_eq!(num(1.8e11), "1.8e11");
        assert_eq!(num(3e-7), "3e-7");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(-5.0), "-5");
        assert_eq!(num(123456.0), "123456");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(f64::NAN), "NaN");
        assert_eq!(num(f64::INFINITY), "inf");
        assert!(num(f64::MAX).len() <= 12, "{}", num(f64::MAX));
        assert!(num(f64::MIN_POSITIVE).len() <= 12);
    }

    #[test]
    fn lists_are_capped() {
        assert_eq!(capped_list(["a", "b"], 10), "a, b");
        assert_eq!(capped_list(Vec::<String>::new(), 10), "");
        assert_eq!(
            capped_list(1..=12, 10),
            "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, … (and 2 more)"
        );
        let long = "x".repeat(1000);
        assert!(capped_list([long.as_str()], 10).chars().count() < 90);
        assert_eq!(clip(&long).chars().count(), 81);
        assert_eq!(clip("short"), "short");
        assert_eq!(capped_join(1..=3, 2, "; "), "1; 2; … (and 1 more)");
        assert!(capped_list((0..10_000).map(|i| format!("name{i}")), 10).len() < 200);
    }

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("", ""), 0);
        assert_eq!(levenshtein("abc", ""), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("flaw", "lawn"), 2);
        assert_eq!(levenshtein("OPT-13B", "OPT-13B"), 0);
        assert_eq!(levenshtein("OPT-13", "OPT-13B"), 1);
        assert_eq!(levenshtein("Qwen2.5-1.5B", "Qwen1.5-1.8B"), 2);
        assert_eq!(levenshtein("→ab", "ab"), 1, "characters, not bytes");
        assert_eq!(
            near_names("opt-13b", ["OPT-13B", "OPT-30B", "LLaMA3-70B"], 2),
            ["OPT-13B", "OPT-30B"]
        );
        assert!(near_names("Mamba-7B", ["OPT-13B", "LLaMA3-70B"], 2).is_empty());
    }

    #[test]
    fn names_resolve_exactly_then_up_to_case() {
        let names = ["OPT-13B", "opt-13b", "Big"];
        let f = |n: &str| find_name(names.iter(), n, |s| s).map(|o| o.copied());
        assert_eq!(f("opt-13b"), Ok(Some("opt-13b")));
        assert_eq!(f("OPT-13B"), Ok(Some("OPT-13B")));
        assert_eq!(f("big"), Ok(Some("Big")));
        assert_eq!(f("nope"), Ok(None));
        let e = find_name(names.iter(), "Opt-13b", |s| s).unwrap_err();
        assert_eq!(e, [&"OPT-13B", &"opt-13b"]);
        let msg = ambiguous_name("target", "Opt-13b", &["OPT-13B", "opt-13b"], "r.csv").to_string();
        assert!(
            msg.contains("'Opt-13b'") && msg.contains("OPT-13B, opt-13b"),
            "{msg}"
        );
    }
}
