//! The `[validation]` section of the refit manifest: the independent
//! measurements (`datasets/validation/`, the NeMo sweep) that `sdsl refit`
//! and `sdsl validate` check the laws against (docs/validation.md).

use super::located::{Cx, Located};
use crate::error::SdslError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use toml::Spanned;

/// `[validation]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawValidation {
    leviathan: Spanned<String>,
    leviathan_alpha: Spanned<String>,
    h200_walltime: Spanned<String>,
    cost_ratios: Spanned<String>,
    chen: Spanned<String>,
    appendix_f: Spanned<String>,
    hf_blog: Spanned<String>,
    opt_ppl: Spanned<String>,
    nemo: Spanned<String>,
    nemo_cost_model: Spanned<String>,
    nemo_stand_ins: Spanned<BTreeMap<String, String>>,
    nemo_params: Spanned<BTreeMap<String, f64>>,
    nemo_tokens: Spanned<f64>,
    /// Optional: engine runs (runs tables or engine files) to validate
    /// against; absent in the bundled manifest.
    #[serde(default)]
    runs: Option<Spanned<Vec<String>>>,
    /// Optional: the registry with the runs' model sizes (default: the
    /// manifest's `registry`).
    #[serde(default)]
    runs_registry: Option<Spanned<String>>,
    /// Optional: the catalogued GPU the runs were measured on (their
    /// roofline predictions; the logs do not print it).
    #[serde(default)]
    runs_gpu: Option<Spanned<String>>,
    /// Optional: what each source is and can test (a CSV, one row per source).
    #[serde(default)]
    descriptions: Option<Spanned<String>>,
    /// Optional: the SDSL paper's published numbers (a CSV, one row per number).
    #[serde(default)]
    paper: Option<Spanned<String>>,
}

/// `[validation]`, validated: every file exists.
#[derive(Debug, Clone)]
pub struct ValidationInput {
    /// Leviathan et al. 2023 Tables 2 + 4 (T5-XXL wall times).
    pub leviathan: Located<PathBuf>,
    /// Leviathan et al. 2023 Table 3 (α per pair; gives T5-XXL's size).
    pub leviathan_alpha: Located<PathBuf>,
    /// The H200 wall-clock runs at controlled α.
    pub h200_walltime: Located<PathBuf>,
    /// Published cost ratios c.
    pub cost_ratios: Located<PathBuf>,
    /// Chen et al. 2023 Table 1.
    pub chen: Located<PathBuf>,
    /// SDSL Appendix F (secondary).
    pub appendix_f: Located<PathBuf>,
    /// Hugging Face assisted-generation speed-ups.
    pub hf_blog: Located<PathBuf>,
    /// OPT WikiText-2 perplexities.
    pub opt_ppl: Located<PathBuf>,
    /// The NeMo vLLM sweep (TAR and generation speed-ups per k).
    pub nemo: Located<PathBuf>,
    /// The latency model of the NeMo check (`latency:…`).
    pub nemo_cost_model: Located<String>,
    /// Qwen3 model → the latency-table architecture standing in for it.
    pub nemo_stand_ins: Located<BTreeMap<String, String>>,
    /// Qwen3 model → parameters (public model cards).
    pub nemo_params: Located<BTreeMap<String, f64>>,
    /// Qwen3 pre-training tokens (public model cards).
    pub nemo_tokens: Located<f64>,
    /// Engine runs to validate against (`runs = [...]`, or `sdsl validate
    /// --runs`): runs tables or engine files, read by the import.
    pub runs: Option<Located<Vec<PathBuf>>>,
    /// The registry with the runs' model sizes (None: the manifest's).
    pub runs_registry: Option<Located<PathBuf>>,
    /// The catalogued GPU the runs ran on (`runs_gpu`, `--runs-gpu`; None:
    /// the runs' `gpu` column where it names a catalogue id, else no
    /// roofline predictions).
    pub runs_gpu: Option<Located<String>>,
    /// What each source is and can test (`descriptions = ...`).
    pub descriptions: Option<Located<PathBuf>>,
    /// The SDSL paper's published numbers (`paper = ...`).
    pub paper: Option<Located<PathBuf>>,
}

impl ValidationInput {
    /// Every file named.
    pub fn files(&self) -> Vec<&Located<PathBuf>> {
        let mut v = vec![
            &self.leviathan,
            &self.leviathan_alpha,
            &self.h200_walltime,
            &self.cost_ratios,
            &self.chen,
            &self.appendix_f,
            &self.hf_blog,
            &self.opt_ppl,
            &self.nemo,
        ];
        v.extend(self.descriptions.iter().chain(&self.paper));
        v
    }

    /// The runs files and their registry (empty without runs).
    pub fn runs_files(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self.runs.iter().flat_map(|r| r.value.clone()).collect();
        out.extend(self.runs_registry.iter().map(|r| r.value.clone()));
        out
    }
}

/// Validates `[validation]`: files exist (relative to the manifest), the
/// cost model is a latency model, sizes and tokens are finite and > 0.
pub(super) fn validation_input(v: &RawValidation, cx: &Cx) -> Result<ValidationInput, SdslError> {
    let file = |s: &Spanned<String>, key: &str| cx.file(s, key);
    let loc = |span: std::ops::Range<usize>, key: &str| cx.loc(span, key);
    let err = |l: (usize, String), message: String| cx.err(l.0, &l.1, message);
    let cm = &v.nemo_cost_model;
    if !cm.get_ref().starts_with("latency:") {
        return Err(err(
            loc(cm.span(), "validation.nemo_cost_model"),
            format!(
                "'{}': give a latency cost model, e.g. latency:h200-graph:batch=8",
                crate::error::clip(cm.get_ref())
            ),
        ));
    }
    let bad_size = v
        .nemo_params
        .get_ref()
        .iter()
        .find(|(_, p)| !(p.is_finite() && **p > 0.0));
    if let Some((name, p)) = bad_size {
        return Err(err(
            loc(v.nemo_params.span(), "validation.nemo_params"),
            format!(
                "{} = {}: parameters must be finite and > 0",
                crate::error::clip(name),
                crate::error::num(*p)
            ),
        ));
    }
    let t = *v.nemo_tokens.get_ref();
    if !(t.is_finite() && t > 0.0) {
        return Err(err(
            loc(v.nemo_tokens.span(), "validation.nemo_tokens"),
            format!("{}: tokens must be finite and > 0", crate::error::num(t)),
        ));
    }
    let runs = match &v.runs {
        None => None,
        Some(list) => {
            let (line, key) = loc(list.span(), "validation.runs");
            let mut paths = Vec::new();
            for name in list.get_ref() {
                let p = cx.dir.join(name);
                if !p.is_file() {
                    return Err(err(
                        (line, key.clone()),
                        format!(
                            "file '{}' not found (resolved to {}); paths are relative to the manifest",
                            crate::error::clip(name),
                            p.display()
                        ),
                    ));
                }
                paths.push(p);
            }
            if paths.is_empty() {
                return Err(err(
                    (line, key),
                    "an empty list: name the runs files, or leave the key out".into(),
                ));
            }
            Some(Located::new(paths, line, key))
        }
    };
    let runs_registry = match &v.runs_registry {
        Some(r) => Some(file(r, "validation.runs_registry")?),
        None => None,
    };
    let runs_gpu = match &v.runs_gpu {
        Some(g) => {
            let (line, key) = loc(g.span(), "validation.runs_gpu");
            let id = crate::catalog::gpus::gpu(g.get_ref())
                .map_err(|e| err((line, key.clone()), e.to_string()))?
                .id;
            Some(Located::new(id, line, key))
        }
        None => None,
    };
    let descriptions = match &v.descriptions {
        Some(r) => Some(file(r, "validation.descriptions")?),
        None => None,
    };
    let paper = match &v.paper {
        Some(r) => Some(file(r, "validation.paper")?),
        None => None,
    };
    Ok(ValidationInput {
        runs,
        runs_registry,
        runs_gpu,
        descriptions,
        paper,
        leviathan: file(&v.leviathan, "validation.leviathan")?,
        leviathan_alpha: file(&v.leviathan_alpha, "validation.leviathan_alpha")?,
        h200_walltime: file(&v.h200_walltime, "validation.h200_walltime")?,
        cost_ratios: file(&v.cost_ratios, "validation.cost_ratios")?,
        chen: file(&v.chen, "validation.chen")?,
        appendix_f: file(&v.appendix_f, "validation.appendix_f")?,
        hf_blog: file(&v.hf_blog, "validation.hf_blog")?,
        opt_ppl: file(&v.opt_ppl, "validation.opt_ppl")?,
        nemo: file(&v.nemo, "validation.nemo")?,
        nemo_cost_model: cx.at(cm, "validation.nemo_cost_model"),
        nemo_stand_ins: cx.at(&v.nemo_stand_ins, "validation.nemo_stand_ins"),
        nemo_params: cx.at(&v.nemo_params, "validation.nemo_params"),
        nemo_tokens: cx.at(&v.nemo_tokens, "validation.nemo_tokens"),
    })
}
