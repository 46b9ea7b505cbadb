//! The refit manifest (`datasets/refit.toml`): inputs and settings of
//! `sdsl refit`. Every error names the manifest file and the line of the
//! offending key, and says how to fix it.
//!
//! [`located`] holds [`Located`] (a value with its manifest line) and the
//! helpers that make one; [`validation`] the `[validation]` section.

pub mod located;
pub mod validation;

use crate::derive::nstar_law::LawGrid;
use crate::error::SdslError;
use crate::fit::loss::{Objective, ObjectiveKind, StartGrid};
use crate::ingest::acceptance::MeasureKind;
use crate::ingest::loss_table::LossTableSpec;
use crate::law::CostModel;
use located::{Cx, line_of};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;
use validation::{RawValidation, ValidationInput};

pub use located::Located;

/// A string or a list of strings ("all" or names).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Selection {
    /// "all".
    All(String),
    /// Explicit names.
    Names(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    seed: Option<Spanned<u64>>,
    registry: Spanned<String>,
    loss: RawLoss,
    alpha: Option<RawAlpha>,
    #[serde(default)]
    estimates: Vec<RawEstimate>,
    nstar: Option<RawNstar>,
    lab: Option<RawLab>,
    hardware: Option<RawHardware>,
    validation: Option<RawValidation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHardware {
    cost_models: Vec<Spanned<String>>,
    #[serde(default)]
    deploy_catalogue: Vec<Spanned<String>>,
    batch_sweep: Option<RawBatchSweep>,
    serving: Option<RawServing>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServing {
    targets: Spanned<Vec<String>>,
    hardware: Spanned<Vec<String>>,
    batches: Spanned<Vec<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatchSweep {
    cost_model: Spanned<String>,
    targets: Spanned<Vec<String>>,
    batches: Spanned<Vec<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLab {
    loss: Spanned<String>,
    acceptance: Spanned<String>,
    logs: Spanned<String>,
    speculative: Spanned<String>,
    temperature: Option<Spanned<f64>>,
    loss_bootstrap: Option<Spanned<usize>>,
    alpha_bootstrap: Option<Spanned<usize>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLoss {
    path: Spanned<String>,
    drop_highest: Option<usize>,
    n_col: Option<String>,
    d_col: Option<String>,
    loss_col: Option<String>,
    objective: Option<Spanned<String>>,
    delta: Option<Spanned<f64>>,
    grid: Option<Spanned<String>>,
    bootstrap: Option<Spanned<usize>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlpha {
    law: Option<Spanned<String>>,
    #[serde(default)]
    tables: Vec<Spanned<String>>,
    bootstrap: Option<Spanned<usize>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEstimate {
    path: Spanned<String>,
    kind: Option<String>,
    value_col: Option<String>,
    gamma_col: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNstar {
    cost_model: Option<Spanned<String>>,
    targets: Option<Spanned<Selection>>,
    draft_families: Option<Spanned<Selection>>,
    draws: Option<Spanned<usize>>,
    law_grid: Option<Spanned<RawGrid>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrid {
    m_min: f64,
    m_max: f64,
    m_count: usize,
    d_min: f64,
    d_max: f64,
    d_count: usize,
}

/// A raw-measurement file and its column choices.
#[derive(Debug, Clone)]
pub struct EstimateInput {
    /// The file.
    pub path: Located<PathBuf>,
    /// Forced kind (logs, tau, tar); None: recognised from the columns.
    pub kind: Option<MeasureKind>,
    /// Value column.
    pub value_col: Option<String>,
    /// γ column.
    pub gamma_col: Option<String>,
}

/// The `[lab]` section: the tables written by `sdsl-lab` (datasets/lab/).
/// Its laws feed only the lab section of the report.
#[derive(Debug, Clone)]
pub struct LabInput {
    /// Loss table of the ladder (N, D, loss).
    pub loss: Located<PathBuf>,
    /// Acceptance table (both temperatures).
    pub acceptance: Located<PathBuf>,
    /// Per-iteration speculative-sampling logs.
    pub logs: Located<PathBuf>,
    /// Per-run sampler summary (Σ min on the sampler's contexts, passes, FLOPs).
    pub speculative: Located<PathBuf>,
    /// Temperature of the acceptance rows fitted.
    pub temperature: Located<f64>,
    /// Loss-law bootstrap replicates.
    pub loss_bootstrap: Located<usize>,
    /// α-law bootstrap replicates.
    pub alpha_bootstrap: usize,
}

/// The validated manifest.
#[derive(Debug, Clone)]
pub struct RefitConfig {
    /// The manifest file.
    pub path: PathBuf,
    /// Its text (hashed into the report).
    pub text: String,
    /// Bootstrap seed.
    pub seed: u64,
    /// Registry file.
    pub registry: Located<PathBuf>,
    /// Loss table.
    pub loss_path: Located<PathBuf>,
    /// Column choices and the outlier rule of the loss table.
    pub loss_table: LossTableSpec,
    /// Objective (with its Huber δ).
    pub objective: Located<Objective>,
    /// Start grid.
    pub grid: Located<StartGrid>,
    /// Loss bootstrap replicates.
    pub loss_bootstrap: Located<usize>,
    /// Published α law (name or file) used when no tables are given.
    pub alpha_law: Located<String>,
    /// Acceptance tables to fit.
    pub alpha_tables: Vec<Located<PathBuf>>,
    /// α bootstrap replicates.
    pub alpha_bootstrap: usize,
    /// Raw measurement files.
    pub estimates: Vec<EstimateInput>,
    /// Cost model.
    pub cost_model: Located<CostModel>,
    /// Targets ("all" = None).
    pub targets: Located<Option<Vec<String>>>,
    /// Draft families ("all" = None).
    pub draft_families: Located<Option<Vec<String>>>,
    /// Draws propagated to N*.
    pub draws: Located<usize>,
    /// N* law grid (validated).
    pub law_grid: Located<LawGrid>,
    /// The lab section, when present.
    pub lab: Option<LabInput>,
    /// `[hardware] cost_models`: latency cost models (`latency:NAME|FILE…`)
    /// under which N* is also reported, next to the FLOP model.
    pub hardware: Vec<Located<String>>,
    /// `[hardware.batch_sweep]`: N*, γ and S against batch size.
    pub batch_sweep: Option<BatchSweep>,
    /// `[hardware] deploy_catalogue`: further latency cost models (the
    /// catalogue GPUs, `latency:roofline:GPU`) for the "What to deploy"
    /// table only, after `cost_models`.
    pub deploy_catalogue: Vec<Located<String>>,
    /// `[hardware.serving]`: serving plans (`sdsl plan`) per target × GPU.
    pub serving: Option<Serving>,
    /// `[validation]`: independent measurements to check the laws against.
    pub validation: Option<ValidationInput>,
    /// The first manifest line of every key it sets (see [`Self::locate`]).
    pub lines: std::collections::BTreeMap<String, usize>,
}

/// `[hardware.serving]`: the serving plan of each target on each GPU
/// profile over the batch sizes (equal weights).
#[derive(Debug, Clone)]
pub struct Serving {
    /// Registry targets.
    pub targets: Located<Vec<String>>,
    /// Hardware profiles as `sdsl plan --hardware` takes them (`h200-graph`,
    /// `roofline:h100-sxm`, …), without `batch=`.
    pub hardware: Located<Vec<String>>,
    /// Batch sizes, ascending, each ≥ 1.
    pub batches: Located<Vec<u64>>,
}

/// `[hardware.batch_sweep]`: N* against batch size for a few targets.
#[derive(Debug, Clone)]
pub struct BatchSweep {
    /// A latency cost model without a batch option; `:batch=B` is appended.
    pub cost_model: Located<String>,
    /// Registry targets.
    pub targets: Located<Vec<String>>,
    /// Batch sizes, ascending, each ≥ 1.
    pub batches: Located<Vec<u64>>,
}

impl RefitConfig {
    /// The configuration with its bootstrap seed overridden when `seed` is
    /// given (`sdsl refit --seed`, Python's `seed=`): the one place the seed
    /// of a refit is resolved; every stage reads `self.seed`.
    pub fn with_seed(mut self, seed: Option<u64>) -> RefitConfig {
        if let Some(s) = seed {
            self.seed = s;
        }
        self
    }

    /// An error at a manifest line.
    pub fn error(&self, line: usize, key: &str, message: impl std::fmt::Display) -> SdslError {
        located::error_at(&self.path, line, key, message.to_string())
    }

    /// The manifest and every file it names (registry, loss table,
    /// acceptance tables, raw measurements, the lab's tables, and the α law
    /// when it is a file rather than a shipped name): what an output
    /// directory must never contain.
    pub fn input_files(&self) -> Vec<PathBuf> {
        let mut out = vec![
            self.path.clone(),
            self.registry.value.clone(),
            self.loss_path.value.clone(),
        ];
        out.extend(self.alpha_tables.iter().map(|t| t.value.clone()));
        out.extend(self.estimates.iter().map(|e| e.path.value.clone()));
        if let Some(l) = &self.lab {
            out.extend(
                [&l.loss, &l.acceptance, &l.logs, &l.speculative]
                    .iter()
                    .map(|p| p.value.clone()),
            );
        }
        if let Some(v) = &self.validation {
            out.extend(v.files().into_iter().map(|p| p.value.clone()));
            out.extend(v.runs_files());
        }
        let law = Path::new(&self.alpha_law.value);
        if law.is_file() {
            out.push(law.to_path_buf());
        }
        out
    }

    /// An error at a located value.
    pub fn at<T>(&self, l: &Located<T>, message: impl std::fmt::Display) -> SdslError {
        self.error(l.line, &l.key, message)
    }

    /// `e` with a [`SdslError::Setting`] key turned into this manifest's
    /// file and line (line 0 for a key the manifest does not set); other
    /// errors unchanged. The one place a computation's error meets the
    /// manifest's lines.
    pub fn locate(&self, e: SdslError) -> SdslError {
        match e {
            SdslError::Setting { key, message } => {
                let line = self.lines.get(&key).copied().unwrap_or(0);
                self.error(line, &key, message)
            }
            e => e,
        }
    }
}

/// Reads and validates a manifest; relative paths are resolved against its
/// directory and must exist.
pub fn read_manifest(path: &Path) -> Result<RefitConfig, SdslError> {
    let text = std::fs::read_to_string(path).map_err(|source| SdslError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let raw: RawManifest = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| line_of(&text, s.start)).unwrap_or(0);
        SdslError::Data {
            path: format!("{} line {line}", path.display()),
            message: format!(
                "{}; see datasets/refit.toml in the repository for the format",
                e.message()
            ),
        }
    })?;
    let cx = Cx {
        text: &text,
        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        path,
        lines: Default::default(),
    };
    let registry = cx.file(&raw.registry, "registry")?;
    let l = &raw.loss;
    let loss_path = cx.file(&l.path, "loss.path")?;
    let (objective, grid) = loss_settings(&cx, l)?;
    let loss_bootstrap = cx.replicates(l.bootstrap.as_ref(), "loss.bootstrap")?;
    let AlphaSettings {
        law: alpha_law,
        tables: alpha_tables,
        bootstrap: alpha_bootstrap,
    } = alpha_settings(&cx, raw.alpha.as_ref())?;
    let estimates = estimate_inputs(&cx, &raw.estimates)?;
    let NstarSettings {
        cost_model,
        targets,
        draft_families,
        draws,
        law_grid,
    } = nstar_settings(&cx, raw.nstar.as_ref())?;
    let lab = lab_input(&cx, raw.lab.as_ref())?;
    let (hardware, batch_sweep) = hardware_input(&cx, raw.hardware.as_ref())?;
    let (deploy_catalogue, serving) = deploy_input(&cx, raw.hardware.as_ref())?;
    let validation = raw
        .validation
        .as_ref()
        .map(|v| validation::validation_input(v, &cx))
        .transpose()?;
    let lines = cx.lines.into_inner();
    Ok(RefitConfig {
        path: path.to_path_buf(),
        text,
        seed: raw.seed.map(|s| *s.get_ref()).unwrap_or(0),
        registry,
        loss_path,
        loss_table: LossTableSpec {
            n_col: l.n_col.clone(),
            d_col: l.d_col.clone(),
            loss_col: l.loss_col.clone(),
            drop_highest: l.drop_highest.unwrap_or(0),
        },
        objective,
        grid,
        loss_bootstrap,
        alpha_law,
        alpha_tables,
        alpha_bootstrap,
        estimates,
        cost_model,
        targets,
        draft_families,
        draws,
        law_grid,
        lab,
        hardware,
        batch_sweep,
        deploy_catalogue,
        serving,
        validation,
        lines,
    })
}

/// Batch sizes of a manifest list: 1 to 64 of them, ascending, each a
/// whole number from 1 to 1000000.
fn batch_list(cx: &Cx, b: &Spanned<Vec<i64>>, key: &str) -> Result<Located<Vec<u64>>, SdslError> {
    let (bl, bk) = cx.loc(b.span(), key);
    let batches = b.get_ref();
    if batches.is_empty()
        || batches.len() > 64
        || batches.iter().any(|&x| !(1..=1_000_000).contains(&x))
        || batches.windows(2).any(|w| w[0] >= w[1])
    {
        return Err(cx.err(
            bl,
            &bk,
            format!(
                "{batches:?}: give 1 to 64 batch sizes, ascending, each a whole number from 1 to 1000000"
            ),
        ));
    }
    Ok(Located::new(
        batches.iter().map(|&x| x as u64).collect(),
        bl,
        bk,
    ))
}

/// `[hardware] deploy_catalogue` and `[hardware.serving]`.
fn deploy_input(
    cx: &Cx,
    raw: Option<&RawHardware>,
) -> Result<(Vec<Located<String>>, Option<Serving>), SdslError> {
    let Some(h) = raw else {
        return Ok((Vec::new(), None));
    };
    let catalogue = h
        .deploy_catalogue
        .iter()
        .map(|c| {
            let (line, key) = cx.loc(c.span(), "hardware.deploy_catalogue");
            if !c.get_ref().starts_with("latency:") {
                return Err(cx.err(
                    line,
                    &key,
                    format!(
                        "'{}': give latency cost models (latency:roofline:h100-sxm, latency:FILE…)",
                        c.get_ref()
                    ),
                ));
            }
            Ok(Located::new(c.get_ref().clone(), line, key))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let serving = h
        .serving
        .as_ref()
        .map(|s| {
            let (tl, tk) = cx.loc(s.targets.span(), "hardware.serving.targets");
            if s.targets.get_ref().is_empty() {
                return Err(cx.err(tl, &tk, "name at least one registry target".into()));
            }
            let (hl, hk) = cx.loc(s.hardware.span(), "hardware.serving.hardware");
            let hw = s.hardware.get_ref();
            if hw.is_empty()
                || hw
                    .iter()
                    .any(|x| x.trim().is_empty() || x.contains("batch="))
            {
                return Err(cx.err(
                    hl,
                    &hk,
                    format!(
                        "{hw:?}: name at least one hardware profile as `sdsl plan --hardware` takes it (h200-graph, roofline:h100-sxm), without batch="
                    ),
                ));
            }
            Ok(Serving {
                targets: Located::new(s.targets.get_ref().clone(), tl, tk),
                hardware: Located::new(hw.clone(), hl, hk),
                batches: batch_list(cx, &s.batches, "hardware.serving.batches")?,
            })
        })
        .transpose()?;
    Ok((catalogue, serving))
}

/// `[loss]` settings: Huber δ, objective and start grid.
fn loss_settings(
    cx: &Cx,
    l: &RawLoss,
) -> Result<(Located<Objective>, Located<StartGrid>), SdslError> {
    let delta = match &l.delta {
        Some(d) if !(d.get_ref().is_finite() && *d.get_ref() > 0.0) => {
            let (line, key) = cx.loc(d.span(), "loss.delta");
            return Err(cx.err(
                line,
                &key,
                format!("{} must be a finite number > 0", d.get_ref()),
            ));
        }
        Some(d) => *d.get_ref(),
        None => 1e-3,
    };
    let objective = match &l.objective {
        Some(o) => {
            let (line, key) = cx.loc(o.span(), "loss.objective");
            let value = o
                .get_ref()
                .parse::<ObjectiveKind>()
                .map_err(|e| cx.err(line, &key, e.to_string()))?
                .with_delta(delta);
            Located::new(value, line, key)
        }
        None => Located::unset(Objective::Huber { delta }, "loss.objective"),
    };
    let grid = match &l.grid {
        Some(g) => {
            let (line, key) = cx.loc(g.span(), "loss.grid");
            let value =
                StartGrid::named(g.get_ref()).map_err(|e| cx.err(line, &key, e.to_string()))?;
            Located::new(value, line, key)
        }
        None => Located::unset(StartGrid::hoffmann(), "loss.grid"),
    };
    Ok((objective, grid))
}

/// What `[alpha]` sets.
struct AlphaSettings {
    law: Located<String>,
    tables: Vec<Located<PathBuf>>,
    bootstrap: usize,
}

/// What `[nstar]` sets.
struct NstarSettings {
    cost_model: Located<CostModel>,
    targets: Located<Option<Vec<String>>>,
    draft_families: Located<Option<Vec<String>>>,
    draws: Located<usize>,
    law_grid: Located<LawGrid>,
}

/// `[alpha]`: the published law, the tables to fit and their bootstrap.
fn alpha_settings(cx: &Cx, alpha: Option<&RawAlpha>) -> Result<AlphaSettings, SdslError> {
    let raw_alpha = alpha;
    let out = match raw_alpha {
        Some(a) => {
            let law = match &a.law {
                Some(s) => {
                    let (line, key) = cx.loc(s.span(), "alpha.law");
                    Located::new(s.get_ref().clone(), line, key)
                }
                None => Located::unset(crate::catalog::laws::DEFAULT_ALPHA.into(), "alpha.law"),
            };
            let tables = a
                .tables
                .iter()
                .map(|t| cx.file(t, "alpha.tables"))
                .collect::<Result<Vec<_>, _>>()?;
            let bootstrap = cx
                .replicates(a.bootstrap.as_ref(), "alpha.bootstrap")?
                .value;
            (law, tables, bootstrap)
        }
        None => (
            Located::unset(crate::catalog::laws::DEFAULT_ALPHA.into(), "alpha.law"),
            vec![],
            0,
        ),
    };
    let (law, tables, bootstrap) = out;
    Ok(AlphaSettings {
        law,
        tables,
        bootstrap,
    })
}

/// `[[estimates]]`: raw-measurement files and their column choices.
fn estimate_inputs(cx: &Cx, raw: &[RawEstimate]) -> Result<Vec<EstimateInput>, SdslError> {
    let estimates = raw
        .iter()
        .map(|e| {
            let path = cx.file(&e.path, "estimates.path")?;
            let kind = match e.kind.as_deref() {
                None => None,
                Some(k) => Some(
                    k.parse::<MeasureKind>()
                        .map_err(|e| cx.err(path.line, &path.key, e.to_string()))?,
                ),
            };
            Ok(EstimateInput {
                path,
                kind,
                value_col: e.value_col.clone(),
                gamma_col: e.gamma_col.clone(),
            })
        })
        .collect::<Result<Vec<_>, SdslError>>()?;
    Ok(estimates)
}

/// `[nstar]`: cost model, selections, draws and the N* law grid.
fn nstar_settings(cx: &Cx, ns: Option<&RawNstar>) -> Result<NstarSettings, SdslError> {
    let cost_model = match ns.and_then(|n| n.cost_model.as_ref()) {
        Some(c) => {
            let (line, key) = cx.loc(c.span(), "nstar.cost_model");
            if c.get_ref().starts_with("latency:") {
                return Err(cx.err(
                    line,
                    &key,
                    format!(
                        "'{}': the main N* table (with its bootstrap intervals and the paper comparison) uses a FLOP or affine cost model; put latency models in [hardware] cost_models, where they are reported beside it",
                        c.get_ref()
                    ),
                ));
            }
            let value = c
                .get_ref()
                .parse::<CostModel>()
                .map_err(|e| cx.err(line, &key, e.to_string()))?;
            Located::new(value, line, key)
        }
        None => Located::unset(CostModel::Params, "nstar.cost_model"),
    };
    let targets = cx.selection(ns.and_then(|n| n.targets.as_ref()), "nstar.targets")?;
    let draft_families = cx.selection(
        ns.and_then(|n| n.draft_families.as_ref()),
        "nstar.draft_families",
    )?;
    let draws = match ns.and_then(|n| n.draws.as_ref()) {
        Some(d) => {
            let (line, key) = cx.loc(d.span(), "nstar.draws");
            Located::new(*d.get_ref(), line, key)
        }
        None => Located::unset(1000, "nstar.draws"),
    };
    let law_grid = match ns.and_then(|n| n.law_grid.as_ref()) {
        Some(g) => {
            let (line, key) = cx.loc(g.span(), "nstar.law_grid");
            let r = g.get_ref();
            let max = crate::derive::nstar_law::MAX_GRID_POINTS;
            if r.m_count.saturating_mul(r.d_count) > max {
                return Err(cx.err(
                    line,
                    &key,
                    format!(
                        "m_count = {} × d_count = {} is too many grid points: at most {max} in all",
                        r.m_count, r.d_count
                    ),
                ));
            }
            let value = LawGrid {
                m_min: r.m_min,
                m_max: r.m_max,
                n_m: r.m_count,
                d_min: r.d_min,
                d_max: r.d_max,
                n_d: r.d_count,
            }
            .validated()
            .map_err(|e| cx.err(line, &key, e.to_string()))?;
            Located::new(value, line, key)
        }
        None => Located::unset(LawGrid::default(), "nstar.law_grid"),
    };
    Ok(NstarSettings {
        cost_model,
        targets,
        draft_families,
        draws,
        law_grid,
    })
}

/// `[lab]`: the sdsl-lab tables.
fn lab_input(cx: &Cx, raw_lab: Option<&RawLab>) -> Result<Option<LabInput>, SdslError> {
    let lab = match raw_lab {
        None => None,
        Some(l) => {
            let temperature = match &l.temperature {
                Some(t) => {
                    let (line, key) = cx.loc(t.span(), "lab.temperature");
                    if !(t.get_ref().is_finite() && *t.get_ref() >= 0.0) {
                        return Err(cx.err(
                            line,
                            &key,
                            format!(
                                "{} must be a finite number ≥ 0 (1: sampling, 0: greedy)",
                                t.get_ref()
                            ),
                        ));
                    }
                    Located::new(*t.get_ref(), line, key)
                }
                None => Located::unset(1.0, "lab.temperature"),
            };
            let loss_bootstrap = cx.replicates(l.loss_bootstrap.as_ref(), "lab.loss_bootstrap")?;
            Some(LabInput {
                loss: cx.file(&l.loss, "lab.loss")?,
                acceptance: cx.file(&l.acceptance, "lab.acceptance")?,
                logs: cx.file(&l.logs, "lab.logs")?,
                speculative: cx.file(&l.speculative, "lab.speculative")?,
                temperature,
                loss_bootstrap,
                alpha_bootstrap: cx
                    .replicates(l.alpha_bootstrap.as_ref(), "lab.alpha_bootstrap")?
                    .value,
            })
        }
    };
    Ok(lab)
}

/// The `[hardware]` section: latency cost models and the batch sweep.
fn hardware_input(
    cx: &Cx,
    raw: Option<&RawHardware>,
) -> Result<(Vec<Located<String>>, Option<BatchSweep>), SdslError> {
    let Some(h) = raw else {
        return Ok((Vec::new(), None));
    };
    let latency = |c: &Spanned<String>, key: &str| {
        let (line, key) = cx.loc(c.span(), key);
        if !c.get_ref().starts_with("latency:") {
            return Err(cx.err(
                line,
                &key,
                format!(
                    "'{}': give latency cost models (latency:h200-graph, latency:FILE…); the FLOP model is always reported",
                    c.get_ref()
                ),
            ));
        }
        Ok(Located::new(c.get_ref().clone(), line, key))
    };
    let models = h
        .cost_models
        .iter()
        .map(|c| latency(c, "hardware.cost_models"))
        .collect::<Result<Vec<_>, _>>()?;
    let sweep = h
        .batch_sweep
        .as_ref()
        .map(|b| {
            let cost_model = latency(&b.cost_model, "hardware.batch_sweep.cost_model")?;
            if cost_model.value.contains(":batch=") {
                return Err(cx.err(
                    cost_model.line,
                    &cost_model.key,
                    format!(
                        "'{}': leave out the batch option; the sweep appends :batch=B for each of hardware.batch_sweep.batches",
                        cost_model.value
                    ),
                ));
            }
            let (tl, tk) = cx.loc(b.targets.span(), "hardware.batch_sweep.targets");
            if b.targets.get_ref().is_empty() {
                return Err(cx.err(tl, &tk, "name at least one registry target".into()));
            }
            Ok(BatchSweep {
                cost_model,
                targets: Located::new(b.targets.get_ref().clone(), tl, tk),
                batches: batch_list(cx, &b.batches, "hardware.batch_sweep.batches")?,
            })
        })
        .transpose()?;
    Ok((models, sweep))
}

impl Cx<'_> {
    /// "all" (None) or a list of names.
    fn selection(
        &self,
        s: Option<&Spanned<Selection>>,
        key: &str,
    ) -> Result<Located<Option<Vec<String>>>, SdslError> {
        match s {
            None => Ok(Located::unset(None, key)),
            Some(sp) => {
                let (line, key) = self.loc(sp.span(), key);
                match sp.get_ref() {
                    Selection::All(a) if a == "all" => Ok(Located::new(None, line, key)),
                    Selection::All(a) => Err(self.err(
                        line,
                        &key,
                        format!("'{a}': give \"all\" or a list of names"),
                    )),
                    Selection::Names(v) if v.is_empty() => Err(self.err(
                        line,
                        &key,
                        "an empty list leaves the refit nothing to compute; give \"all\" or at least one name".into(),
                    )),
                    Selection::Names(v) => Ok(Located::new(Some(v.clone()), line, key)),
                }
            }
        }
    }
}
