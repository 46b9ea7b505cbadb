//! The model registry (`datasets/models.csv`): name, family, role, params,
//! pre-training tokens, source, and optionally `arch` (the architecture name
//! a latency table measured the model under; default its own name). The bundled file is embedded in the binary;
//! `--registry FILE` reads another of the same shape.

#[cfg(feature = "io")]
use super::table::Table;
use super::text_table::{Columns, TextTable};
use crate::error::{SdslError, ambiguous_name, capped_list, clip, find_name, num};
use serde::Serialize;
#[cfg(feature = "io")]
use std::path::Path;

/// The bundled registry, embedded at compile time.
pub const BUNDLED: &str = include_str!("../../datasets/models.csv");
/// The bundled registry's path, as named in messages.
pub const BUNDLED_PATH: &str = "datasets/models.csv";
/// At most this many known names are listed when a look-up fails.
const KNOWN_LISTED: usize = 10;

/// Whether a model serves as a draft or a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A small model that proposes tokens.
    Draft,
    /// A large model that verifies them.
    Target,
}

/// One registry row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Model {
    /// Model name, unique in the registry.
    pub name: String,
    /// Family (models of one family share a tokenizer and training recipe).
    pub family: String,
    /// Draft or target.
    pub role: Role,
    /// Parameters.
    pub params: f64,
    /// Pre-training tokens.
    pub tokens: f64,
    /// Where the figures come from.
    pub source: String,
    /// The architecture name under which a latency table measured this model
    /// (optional `arch` column; empty cell or no column: the model's own
    /// name). E.g. LLaMA3.1-70B has LLaMA3-70B's shape.
    pub arch: String,
}

/// The registry: models in file order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Registry {
    /// Where it was read from.
    pub path: String,
    /// The models.
    pub models: Vec<Model>,
    /// SHA-256 of the file's bytes (provenance in reports).
    #[serde(skip)]
    pub sha256: String,
}

/// A draft family: its members and their common pre-training tokens.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DraftFamily {
    /// Family name.
    pub name: String,
    /// Pre-training tokens of the family's drafts.
    pub tokens: f64,
    /// The family's draft models, in file order.
    pub drafts: Vec<Model>,
}

impl Registry {
    /// The registry bundled with the binary (read with the `csv` crate: no
    /// `io` feature needed).
    pub fn bundled() -> Result<Registry, SdslError> {
        Registry::from_table(&TextTable::from_csv(BUNDLED_PATH, BUNDLED.as_bytes())?)
    }

    /// Reads a registry file (CSV or Parquet).
    #[cfg(feature = "io")]
    pub fn read(path: &Path) -> Result<Registry, SdslError> {
        Registry::from_table(&Table::read(path)?)
    }

    /// The registry in a table (a file read with polars, or CSV text).
    pub fn from_table(t: &impl Columns) -> Result<Registry, SdslError> {
        let names = t.str_column("name")?;
        let families = t.str_column("family")?;
        let roles = t.str_column("role")?;
        let params = t.f64_column("params")?;
        t.require_positive("params", &params)?;
        let tokens = t.f64_column("tokens")?;
        t.require_positive("tokens", &tokens)?;
        let sources = if t.has("source") {
            t.str_column("source")?
        } else {
            vec![String::new(); t.height()]
        };
        let archs = t.opt_str_column("arch")?;
        let mut models = Vec::with_capacity(names.len());
        for i in 0..names.len() {
            let role = match roles[i].to_ascii_lowercase().as_str() {
                "draft" => Role::Draft,
                "target" => Role::Target,
                other => {
                    return Err(SdslError::Data {
                        path: t.label().to_string(),
                        message: format!(
                            "row {} (line {}), column 'role': '{}' must be 'draft' or 'target'",
                            i + 1,
                            i + 2,
                            clip(other)
                        ),
                    });
                }
            };
            if let Some(j) = names[..i].iter().position(|n| n == &names[i]) {
                return Err(SdslError::Data {
                    path: t.label().to_string(),
                    message: format!(
                        "row {} (line {}), column 'name': '{}' repeats row {}; model names must be unique",
                        i + 1,
                        i + 2,
                        clip(&names[i]),
                        j + 1
                    ),
                });
            }
            models.push(Model {
                name: names[i].clone(),
                family: families[i].clone(),
                role,
                params: params[i],
                tokens: tokens[i],
                source: sources[i].clone(),
                arch: archs[i].clone().unwrap_or_else(|| names[i].clone()),
            });
        }
        Ok(Registry {
            path: t.label().to_string(),
            models,
            sha256: t.sha256().to_string(),
        })
    }

    /// Target models in file order.
    pub fn targets(&self) -> impl Iterator<Item = &Model> {
        self.models.iter().filter(|m| m.role == Role::Target)
    }

    /// A target by name: the exact name first, else the one target whose
    /// name matches case-insensitively; a name that matches several targets
    /// only up to case is an error listing them. The error for an unknown
    /// name lists the known ones.
    pub fn target(&self, name: &str) -> Result<&Model, SdslError> {
        self.lookup("target", Some(Role::Target), name)
    }

    /// A model of either role by name, under the rule of [`Self::target`].
    pub fn model(&self, name: &str) -> Result<&Model, SdslError> {
        self.lookup("model", None, name)
    }

    /// The 1-based row of a model in the registry file (models are unique
    /// by exact name and kept in file order).
    pub fn row_of(&self, m: &Model) -> Option<usize> {
        self.models
            .iter()
            .position(|x| x.name == m.name)
            .map(|i| i + 1)
    }

    fn lookup(
        &self,
        kind: &'static str,
        role: Option<Role>,
        name: &str,
    ) -> Result<&Model, SdslError> {
        let models = || {
            self.models
                .iter()
                .filter(move |m| role.is_none_or(|r| m.role == r))
        };
        match find_name(models(), name, |m| m.name.as_str()) {
            Ok(Some(m)) => Ok(m),
            Ok(None) => Err(SdslError::UnknownName {
                kind,
                name: clip(name),
                known: capped_list(models().map(|m| m.name.as_str()), KNOWN_LISTED),
            }),
            Err(several) => Err(ambiguous_name(
                kind,
                name,
                &several.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
                &format!("the registry {}", self.path),
            )),
        }
    }

    /// Names of families that have at least one draft, in file order.
    pub fn draft_family_names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in self.models.iter().filter(|m| m.role == Role::Draft) {
            if !out.contains(&m.family) {
                out.push(m.family.clone());
            }
        }
        out
    }

    /// A draft family by name, under the rule of [`Self::target`] (exact,
    /// else a unique case-insensitive match). Its drafts must share one
    /// pre-training token count.
    pub fn draft_family(&self, name: &str) -> Result<DraftFamily, SdslError> {
        let known = self.draft_family_names();
        let fam = match find_name(&known, name, String::as_str) {
            Ok(Some(fam)) => fam,
            Ok(None) => {
                return Err(SdslError::UnknownName {
                    kind: "draft family",
                    name: clip(name),
                    known: capped_list(&known, KNOWN_LISTED),
                });
            }
            Err(several) => {
                return Err(ambiguous_name(
                    "draft family",
                    name,
                    &several.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
                    &format!("the registry {}", self.path),
                ));
            }
        };
        let drafts: Vec<Model> = self
            .models
            .iter()
            .filter(|m| m.role == Role::Draft && &m.family == fam)
            .cloned()
            .collect();
        let tokens = drafts[0].tokens;
        if let Some(odd) = drafts.iter().find(|m| m.tokens != tokens) {
            return Err(SdslError::Data {
                path: self.path.clone(),
                message: format!(
                    "draft family '{}' mixes pre-training token counts ({} has {}, {} has {}); give the draft tokens explicitly or fix the registry",
                    clip(fam),
                    clip(&drafts[0].name),
                    num(tokens),
                    clip(&odd.name),
                    num(odd.tokens)
                ),
            });
        }
        Ok(DraftFamily {
            name: fam.clone(),
            tokens,
            drafts,
        })
    }

    /// Every draft family.
    pub fn draft_families(&self) -> Result<Vec<DraftFamily>, SdslError> {
        self.draft_family_names()
            .iter()
            .map(|f| self.draft_family(f))
            .collect()
    }
}
