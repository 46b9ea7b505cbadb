//! Law names: a law argument is first tried as a path; if no such file
//! exists it must be the name of a shipped law (`datasets/laws/`, compiled
//! in). The file format is [`crate::ingest::laws::LawFile`].

use crate::error::SdslError;
use crate::ingest::laws::{Loaded, parse};
use crate::law::{AlphaLaw, LossLaw};
use serde::de::DeserializeOwned;
use std::path::Path;

/// The shipped loss laws: names, repository path, text.
pub const SHIPPED_LOSS: &[(&[&str], &str, &str)] = &[
    (
        &["besiroglu2024", "epoch"],
        "datasets/laws/besiroglu2024.json",
        include_str!("../../datasets/laws/besiroglu2024.json"),
    ),
    (
        &["hoffmann2022", "chinchilla"],
        "datasets/laws/hoffmann2022.json",
        include_str!("../../datasets/laws/hoffmann2022.json"),
    ),
];

/// The shipped acceptance laws: names, repository path, text.
pub const SHIPPED_ALPHA: &[(&[&str], &str, &str)] = &[(
    &["sdsl2026", "sdsl"],
    "datasets/laws/sdsl2026.json",
    include_str!("../../datasets/laws/sdsl2026.json"),
)];

/// Default loss law name.
pub const DEFAULT_LOSS: &str = "besiroglu2024";
/// Default α law name.
pub const DEFAULT_ALPHA: &str = "sdsl2026";

fn load<L: DeserializeOwned>(
    spec: &str,
    kind: &'static str,
    shipped: &[(&[&str], &str, &str)],
) -> Result<Loaded<L>, SdslError> {
    let path = Path::new(spec);
    let ((law, source, stats), label, sha256) = if path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|source| SdslError::Io {
            path: spec.to_string(),
            source,
        })?;
        (
            parse::<L>(spec, &text, kind)?,
            spec.to_string(),
            crate::ingest::sha256_hex(text.as_bytes()),
        )
    } else if let Some((_, label, text)) = shipped
        .iter()
        .find(|(names, _, _)| names.iter().any(|n| n.eq_ignore_ascii_case(spec)))
    {
        (
            parse::<L>(label, text, kind)?,
            label.to_string(),
            crate::ingest::sha256_hex(text.as_bytes()),
        )
    } else {
        return Err(SdslError::UnknownLaw {
            kind,
            name: spec.to_string(),
            known: shipped
                .iter()
                .map(|(n, _, _)| n.join("/"))
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    Ok(Loaded {
        law,
        id: spec.to_string(),
        source,
        path: label,
        sha256,
        stats,
    })
}

/// Loads a loss law by shipped name or path and validates it.
pub fn loss_law(spec: &str) -> Result<Loaded<LossLaw>, SdslError> {
    let l = load::<LossLaw>(spec, "loss", SHIPPED_LOSS)?;
    l.law.validate().map_err(|e| SdslError::LawFile {
        path: spec.to_string(),
        message: e.to_string(),
    })?;
    Ok(l)
}

/// Loads an α law by shipped name or path and validates it.
pub fn alpha_law(spec: &str) -> Result<Loaded<AlphaLaw>, SdslError> {
    let l = load::<AlphaLaw>(spec, "alpha", SHIPPED_ALPHA)?;
    l.law.validate().map_err(|e| SdslError::LawFile {
        path: spec.to_string(),
        message: e.to_string(),
    })?;
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::laws::LawFile;

    /// The shipped files parse as the type, name and statistics included.
    #[test]
    fn the_shipped_files_are_law_files() {
        for (_, label, text) in SHIPPED_ALPHA {
            let f: LawFile<AlphaLaw> = serde_json::from_str(text).unwrap();
            assert_eq!(
                (f.kind.as_str(), f.mse.is_some()),
                ("alpha", true),
                "{label}"
            );
        }
        for (_, label, text) in SHIPPED_LOSS {
            let f: LawFile<LossLaw> = serde_json::from_str(text).unwrap();
            assert_eq!(f.kind, "loss", "{label}");
            assert!(f.name.is_some());
        }
    }
}
