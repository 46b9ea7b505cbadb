//! Law files (JSON): the format ([`LawFile`]), its parser and the loaded
//! law with its provenance ([`Loaded`]). Which names are shipped, and how a
//! name or a path is resolved, is `crate::catalog::laws`.

use crate::error::SdslError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A law with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded<L> {
    /// The law's constants.
    pub law: L,
    /// The name or path given.
    pub id: String,
    /// The file's `source` text.
    pub source: String,
    /// Where the constants were read: the path given, or the shipped
    /// file's repository path (`datasets/laws/…`, compiled in).
    pub path: String,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// Every other number at the file's top level (a published fit's `r2`,
    /// `mse`, …).
    pub stats: std::collections::BTreeMap<String, f64>,
}

impl<L> Loaded<L> {
    /// A published fit statistic of the file (e.g. `mse`, `r2`), when it
    /// carries it.
    pub fn stat(&self, key: &str) -> Option<f64> {
        self.stats.get(key).copied()
    }
}

/// A law file (JSON): the one format `--loss-law` / `--alpha-law` and the
/// manifest read, and `sdsl fit loss --out` / `sdsl fit alpha --out` write.
/// `L` is the law's constants (loss: `E, A, B, alpha, beta`; α: `A, B, C`),
/// flattened into the object beside `kind` and `source`; `F` the fit record
/// a fitted file carries (kept as JSON when read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LawFile<L, F = serde_json::Value> {
    /// `loss` or `alpha` (files without it are read as the kind asked for).
    #[serde(default)]
    pub kind: String,
    /// A short name (the shipped files carry one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The constants.
    #[serde(flatten)]
    pub law: L,
    /// Where the constants come from.
    #[serde(default)]
    pub source: String,
    /// The published or fitted R², when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r2: Option<f64>,
    /// The published mean squared error, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mse: Option<f64>,
    /// 95% intervals of the constants, when fitted with a bootstrap or OLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci95: Option<std::collections::BTreeMap<String, [f64; 2]>>,
    /// The fit record, when the file was written by a fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit: Option<F>,
}

impl<L: Serialize, F: Serialize> LawFile<L, F> {
    /// The file's text: pretty JSON and a final newline.
    pub fn to_json(&self) -> Result<String, SdslError> {
        serde_json::to_string_pretty(self)
            .map(|s| s + "\n")
            .map_err(|e| SdslError::InvalidArgument(format!("law file: {e}")))
    }
}

/// The constants, the `source` text and the other top-level numbers of a
/// law file.
pub type Parsed<L> = (L, String, std::collections::BTreeMap<String, f64>);

pub fn parse<L: DeserializeOwned>(
    label: &str,
    text: &str,
    kind: &str,
) -> Result<Parsed<L>, SdslError> {
    let err = |message: String| SdslError::LawFile {
        path: label.to_string(),
        message,
    };
    // a UTF-8 byte-order mark (editors on Windows write one) is not JSON:
    // skip it, as the table readers do
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| err(format!("not valid JSON: {e}")))?;
    if let Some(k) = value.get("kind").and_then(|k| k.as_str())
        && k != kind
    {
        return Err(err(format!(
            "this is a '{k}' law, but a '{kind}' law is needed here"
        )));
    }
    let file: LawFile<L> = serde_json::from_str(text).map_err(|e| {
        err(format!(
            "{e}; a {kind} law file is a JSON object with keys {}",
            if kind == "loss" {
                "E, A, B, alpha, beta, source"
            } else {
                "A, B, C, source"
            }
        ))
    })?;
    let law_keys = ["E", "A", "B", "C", "alpha", "beta"];
    let stats = value
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| !law_keys.contains(&k.as_str()))
                .filter_map(|(k, v)| Some((k.clone(), v.as_f64()?)))
                .collect()
        })
        .unwrap_or_default();
    Ok((file.law, file.source, stats))
}

#[cfg(test)]
mod law_file_tests {
    use super::*;
    use crate::law::AlphaLaw;

    /// What a fit writes, the readers read back: the same constants, source
    /// and statistics.
    #[test]
    fn a_written_law_file_reads_back() {
        let f: LawFile<AlphaLaw> = LawFile {
            kind: "alpha".into(),
            name: None,
            law: AlphaLaw {
                a: -0.0067,
                b: 0.01297,
                c: 0.642,
            },
            source: "a test".into(),
            r2: Some(0.602),
            mse: None,
            ci95: None,
            fit: None,
        };
        let text = f.to_json().unwrap();
        let (law, source, stats) = parse::<AlphaLaw>("t.json", &text, "alpha").unwrap();
        assert_eq!((law, source.as_str()), (f.law.clone(), "a test"));
        assert_eq!(stats.get("r2"), Some(&0.602));
        // a loss file is refused where an α law is needed
        let loss = text.replace("\"alpha\"", "\"loss\"");
        assert!(parse::<AlphaLaw>("t.json", &loss, "alpha").is_err());
    }
}
