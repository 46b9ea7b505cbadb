//! Load, then compute: [`load`] reads, validates, hashes and lists every
//! input a refit names, once, and raises every manifest-line error before
//! any computation starts; the stages are then functions of the typed
//! [`Inputs`] (no file is opened after [`load`] returns).
//!
//! Everything is read through one [`Reader`], which keeps the list of files
//! it opened ([`Inputs::reads`]): a test checks that no file is read twice.
//! Compiled-in data (the shipped H200 latency tables, the shipped law files,
//! the bundled registry) is not a read.

use super::config::located::Located;
use super::config::validation::ValidationInput;
use super::config::{BatchSweep, LabInput, RefitConfig};
use crate::catalog::laws;
use crate::derive::nstar_law::LawGrid;
use crate::error::SdslError;
use crate::fit::latency::LatencyProfile;
use crate::fit::loss::{Constraints, LossData, LossFitSpec, Objective, SolverSettings, StartGrid};
use crate::ingest::acceptance::{
    AcceptKey, AcceptRow, AcceptTable, DEFAULT_GROUP_COLS, MeasureKind, MeasureSpec, Measurements,
    accept_table_from, measurements_from,
};
use crate::ingest::columns as col;
use crate::ingest::lab_plan::LabManifest;
use crate::ingest::laws::Loaded;
use crate::ingest::loss_table::{LossTable, LossTableSpec, loss_table_from};
use crate::ingest::registry::{DraftFamily, Model, Registry};
use crate::ingest::table::{Table, sha256_hex};
use crate::ingest::validation::{self as iv, Sourced};
use crate::law::{AlphaLaw, CostModel, LossLaw};
use crate::report::model::validation::ValidationSource;
use crate::report::model::{FileRef, InputRef};
use std::path::{Path, PathBuf};

/// Every input of a refit, read once and typed, with the section settings
/// the stages need. Built by [`load`]; a library caller may build or change
/// one in memory (say, replace the loss table) and run
/// [`super::compute`] on it.
#[derive(Debug)]
pub struct Inputs {
    /// The toolkit running the refit (version, commit when known).
    pub toolkit: crate::report::model::Toolkit,
    /// The manifest's path and hash.
    pub manifest: FileRef,
    /// The seed of every bootstrap.
    pub seed: u64,
    /// The model registry.
    pub registry: Registry,
    /// The N* targets, in registry (or manifest) order.
    pub targets: Vec<Model>,
    /// The draft families, in registry (or manifest) order.
    pub families: Vec<DraftFamily>,
    /// `[loss]`.
    pub loss: LossInput,
    /// `[alpha]`.
    pub alpha: AlphaInput,
    /// `[[estimates]]`.
    pub estimates: Vec<Measurements>,
    /// `[nstar]`.
    pub nstar: NstarSettings,
    /// `[hardware]`.
    pub hardware: HardwareInput,
    /// The shipped laws and H200 latency models every refit compares with.
    pub shipped: ShippedInputs,
    /// `[lab]`.
    pub lab: Option<LabInputs>,
    /// `[validation]`.
    pub validation: Option<ValidationInputs>,
    /// Every input with its hash, role and rows used, in report order.
    pub listed: Vec<InputRef>,
    /// Every file opened, in reading order.
    pub reads: Vec<PathBuf>,
}

/// The loss table and its fit's settings.
#[derive(Debug)]
pub struct LossInput {
    /// The table (after the outlier rule).
    pub table: LossTable,
    /// The fit (objective, start grid, solver).
    pub spec: LossFitSpec,
    /// Bootstrap replicates (0: none).
    pub bootstrap: usize,
    /// The outlier rule's K (`drop_highest`).
    pub drop_highest: usize,
}

/// The acceptance law's inputs.
#[derive(Debug)]
pub struct AlphaInput {
    /// The published law named by `alpha.law` (used when no table is given,
    /// and compared with in every report).
    pub published: Loaded<AlphaLaw>,
    /// The manifest's acceptance tables, merged (None: none given).
    pub table: Option<AcceptTable>,
    /// Bootstrap replicates of the fit (0: none).
    pub bootstrap: usize,
}

/// `[nstar]`.
#[derive(Debug, Clone)]
pub struct NstarSettings {
    /// The main table's cost model.
    pub cost_model: CostModel,
    /// Bootstrap draws carried to N*.
    pub draws: usize,
    /// The N* law's (M, D) grid.
    pub law_grid: LawGrid,
}

/// A latency cost model resolved from its `latency:…` spec.
#[derive(Debug, Clone)]
pub struct ResolvedLatency {
    /// The spec as written.
    pub spec: String,
    /// The cost model.
    pub cost: CostModel,
    /// The fitted profile behind it.
    pub profile: LatencyProfile,
}

/// `[hardware]`.
#[derive(Debug, Default)]
pub struct HardwareInput {
    /// `cost_models`, resolved, in manifest order.
    pub models: Vec<ResolvedLatency>,
    /// `batch_sweep`, resolved.
    pub batch_sweep: Option<BatchSweepInput>,
    /// `deploy_catalogue`, resolved, in manifest order.
    pub catalogue: Vec<ResolvedLatency>,
    /// For each roofline model of `deploy_catalogue` in bf16: the same
    /// model with fp8 weights (`:weights=fp8`), priced where a target does
    /// not fit one GPU in bf16 (keyed by the bf16 spec).
    pub catalogue_fp8: Vec<(String, ResolvedLatency)>,
    /// `serving`, resolved.
    pub serving: Option<ServingInput>,
}

/// `[hardware.serving]` with its targets looked up.
#[derive(Debug)]
pub struct ServingInput {
    /// The targets, in the manifest's order.
    pub targets: Vec<Model>,
    /// Hardware profiles as `sdsl plan --hardware` takes them.
    pub hardware: Vec<String>,
    /// Batch sizes planned.
    pub batches: Vec<u64>,
}

/// The batch sweep: its targets (from the N* targets) and one resolved
/// latency model per batch.
#[derive(Debug)]
pub struct BatchSweepInput {
    /// The spec without `:batch=`.
    pub cost_model: String,
    /// The targets, in the sweep's order.
    pub targets: Vec<Model>,
    /// Per batch, `cost_model:batch=B` resolved.
    pub batches: Vec<(u64, ResolvedLatency)>,
}

/// Shipped constants every refit uses beside its own inputs.
#[derive(Debug)]
pub struct ShippedInputs {
    /// Epoch AI's loss law (Besiroglu et al. 2024).
    pub besiroglu: Loaded<LossLaw>,
    /// Hoffmann et al. 2022's loss law.
    pub hoffmann: Loaded<LossLaw>,
    /// `latency:h200-graph` (batch 1, ctx 512).
    pub graph: ResolvedLatency,
    /// `latency:h200-eager` (batch 1, ctx 512).
    pub eager: ResolvedLatency,
}

/// The lab's tables and plan, parsed.
#[derive(Debug)]
pub struct LabInputs {
    /// The section's settings.
    pub settings: LabInput,
    /// The ladder (one row per checkpoint).
    pub ladder: Vec<crate::report::model::lab::LadderRow>,
    /// The loss table and its fit.
    pub loss: LossInput,
    /// The acceptance table, every temperature.
    pub acceptance: AcceptTable,
    /// Its rows at `lab.temperature` (the fitted law's).
    pub chosen: AcceptTable,
    /// Its rows at temperature 1 (the sampler's).
    pub at_t1: AcceptTable,
    /// The acceptance table's columns the i.i.d. check reads.
    pub iid_acceptance: super::lab_iid::AccRows,
    /// The per-iteration logs, pooled per (draft, target).
    pub logs_pooled: Measurements,
    /// The same logs per (draft, target, γ).
    pub logs_per_gamma: Measurements,
    /// The logs as runs of accepted counts (the i.i.d. check).
    pub runs: Vec<super::lab_iid::Run>,
    /// The sampler's runs (the estimator check, the lab N*).
    pub sampler: Vec<super::lab::SpecRow>,
    /// The same table as a validation source.
    pub sampler_sourced: Sourced<iv::LabRunRow>,
    /// `manifest.json` next to the tables (None when absent).
    pub plan: Option<LabManifest>,
}

/// The `[validation]` tables and the latency models they need.
#[derive(Debug)]
pub struct ValidationInputs {
    /// The section's settings.
    pub settings: ValidationInput,
    /// Where each source came from, in reading order.
    pub sources: Vec<ValidationSource>,
    /// Leviathan et al.'s T5 rows.
    pub leviathan: Sourced<iv::LeviathanRow>,
    /// Their T5-XXL target's α.
    pub leviathan_alpha: Sourced<f64>,
    /// The H200 wall-clock runs.
    pub walltime: Sourced<iv::WalltimeRow>,
    /// Published cost ratios.
    pub cost_ratios: Sourced<iv::CostRatioRow>,
    /// Chen et al. 2023.
    pub chen: Sourced<iv::ChenRow>,
    /// SDSL Appendix F.
    pub appendix_f: Sourced<iv::AppendixFRow>,
    /// The Hugging Face posts.
    pub hf_blog: Sourced<iv::HfRow>,
    /// OPT's WikiText-2 perplexities.
    pub opt_ppl: Sourced<iv::OptPplRow>,
    /// The NeMo Qwen3 sweep.
    pub nemo: Sourced<iv::NemoRow>,
    /// The NeMo check's latency model.
    pub nemo_latency: ResolvedLatency,
    /// NeMo stand-ins the table lacks (priced by the affine law), quoted.
    pub stand_ins_by_law: Vec<String>,
    /// Engine runs (`[validation] runs`, `sdsl validate --runs`), imported.
    pub runs: Option<RunsInputs>,
    /// What each source is and can test (`[validation] descriptions`).
    pub descriptions: Option<Sourced<iv::DescriptionRow>>,
    /// The SDSL paper's published numbers (`[validation] paper`).
    pub paper: Option<Sourced<iv::PublishedRow>>,
}

/// Engine runs as a validation source: the runs table the import builds
/// from the files (`fit::runs`), and the registry with their sizes.
#[derive(Debug)]
pub struct RunsInputs {
    /// The rows (every file imported together, so bench and serve logs pair).
    pub rows: Vec<crate::ingest::engines::RunRow>,
    /// The registry for the runs' model sizes.
    pub registry: Registry,
    /// The files, as named, for the latency profile's source.
    pub names: Vec<String>,
    /// SHA-256 over the files ([`crate::fit::runs::inputs_sha256`]).
    pub sha256: String,
    /// The import's warnings.
    pub warnings: Vec<String>,
    /// The catalogued GPU the runs ran on, and where that was said
    /// (`[validation] runs_gpu`, `--runs-gpu`, the runs' gpu column).
    pub gpu: Option<(String, String)>,
}

impl Inputs {
    /// Replaces the loss table (a caller's own, held in memory, e.g. from
    /// Python) and its row in the inputs list; the fit's rows-versus-
    /// parameters check is made here, before any computation.
    pub fn replace_loss_table(&mut self, table: LossTable) -> Result<(), SdslError> {
        let free = self.loss.spec.map().n_free();
        if table.rows_used <= free {
            return Err(SdslError::Data {
                path: table.path.clone(),
                message: format!(
                    "{} rows used: a fit needs more rows than its {free} parameters",
                    table.rows_used
                ),
            });
        }
        LossData::new(&table.n, &table.d, &table.loss)?;
        if let Some(row) = self.listed.iter_mut().find(|i| i.role == "loss") {
            *row = listed("loss", &table.path, &table.sha256, table.rows_used);
        }
        self.loss.table = table;
        Ok(())
    }
}

/// Opens files for [`load`] and remembers each one; a file two sections
/// parse (the NeMo sweep: raw measurements and a validation source) is read
/// once through [`Reader::bytes`].
#[derive(Debug, Default)]
pub struct Reader {
    reads: Vec<PathBuf>,
    cache: std::collections::BTreeMap<PathBuf, Vec<u8>>,
}

impl Reader {
    /// The bytes of `path`, read on first use only.
    pub fn bytes(&mut self, path: &Path) -> Result<Vec<u8>, SdslError> {
        if let Some(b) = self.cache.get(path) {
            return Ok(b.clone());
        }
        self.reads.push(path.to_path_buf());
        let b = std::fs::read(path).map_err(|source| SdslError::Io {
            path: path.display().to_string(),
            source,
        })?;
        self.cache.insert(path.to_path_buf(), b.clone());
        Ok(b)
    }

    /// Runs `read` on `path`, counting the read.
    pub fn read<T>(
        &mut self,
        path: &Path,
        read: impl FnOnce(&Path) -> Result<T, SdslError>,
    ) -> Result<T, SdslError> {
        self.reads.push(path.to_path_buf());
        read(path)
    }

    /// Reads the manifest value `loc` with `read`, naming the manifest line
    /// on error.
    pub fn at<T, V>(
        &mut self,
        cfg: &RefitConfig,
        loc: &Located<V>,
        path: &Path,
        read: impl FnOnce(&Path) -> Result<T, SdslError>,
    ) -> Result<T, SdslError> {
        self.read(path, read).map_err(|e| cfg.at(loc, e))
    }
}

fn listed(role: &'static str, path: &str, sha256: &str, rows_used: usize) -> InputRef {
    InputRef {
        role,
        path: path.to_string(),
        sha256: sha256.to_string(),
        rows_used,
    }
}

/// Reads every input of `cfg` once (see the module docs).
pub fn load(cfg: &RefitConfig) -> Result<Inputs, SdslError> {
    let mut rd = Reader::default();
    let mut list = Vec::new();
    let registry = rd.at(cfg, &cfg.registry, &cfg.registry.value, Registry::read)?;
    list.push(listed(
        "registry",
        &registry.path,
        &registry.sha256,
        registry.models.len(),
    ));
    let (targets, families) = selection(cfg, &registry)?;
    let loss = loss_input(cfg, &mut rd)?;
    list.push(listed(
        "loss",
        &loss.table.path,
        &loss.table.sha256,
        loss.table.rows_used,
    ));
    let alpha = alpha_input(cfg, &mut rd, &mut list)?;
    let estimates = estimate_inputs(cfg, &mut rd, &mut list)?;
    let shipped = shipped_inputs()?;
    let p = &alpha.published;
    list.push(listed("alpha law", &p.path, &p.sha256, 3));
    for l in [&shipped.besiroglu, &shipped.hoffmann] {
        list.push(listed("loss law (compared)", &l.path, &l.sha256, 5));
    }
    let hardware = hardware_input(cfg, &targets, &mut list)?;
    for r in [&shipped.graph, &shipped.eager] {
        list_latency(r, &mut list);
    }
    let lab = cfg
        .lab
        .as_ref()
        .map(|l| lab_inputs(cfg, l, &mut rd, &mut list))
        .transpose()?;
    let validation = cfg
        .validation
        .as_ref()
        .map(|v| validation_inputs(cfg, v, lab.as_ref(), &mut rd, &mut list))
        .transpose()?;
    Ok(Inputs {
        toolkit: crate::report::model::Toolkit::current(),
        manifest: FileRef {
            path: cfg.path.display().to_string(),
            sha256: sha256_hex(cfg.text.as_bytes()),
        },
        seed: cfg.seed,
        registry,
        targets,
        families,
        loss,
        alpha,
        estimates,
        nstar: NstarSettings {
            cost_model: cfg.cost_model.value,
            draws: cfg.draws.value,
            law_grid: cfg.law_grid.value.clone(),
        },
        hardware,
        shipped,
        lab,
        validation,
        listed: list,
        reads: rd.reads,
    })
}

/// What N* is computed for: the manifest's targets and draft families from
/// the registry.
fn selection(
    cfg: &RefitConfig,
    registry: &Registry,
) -> Result<(Vec<Model>, Vec<DraftFamily>), SdslError> {
    if registry.targets().next().is_none() {
        return Err(cfg.at(
            &cfg.registry,
            format!(
                "{}: no row has role 'target'; a refit needs at least one target",
                registry.path
            ),
        ));
    }
    if registry.draft_family_names().is_empty() {
        return Err(cfg.at(
            &cfg.registry,
            format!(
                "{}: no row has role 'draft'; a refit needs at least one draft family",
                registry.path
            ),
        ));
    }
    let targets: Vec<Model> = match &cfg.targets.value {
        None => registry.targets().cloned().collect(),
        Some(names) => names
            .iter()
            .map(|n| {
                registry
                    .target(n)
                    .cloned()
                    .map_err(|e| cfg.at(&cfg.targets, e))
            })
            .collect::<Result<_, _>>()?,
    };
    let families = match &cfg.draft_families.value {
        None => registry
            .draft_families()
            .map_err(|e| cfg.at(&cfg.registry, e))?,
        Some(names) => names
            .iter()
            .map(|n| {
                registry
                    .draft_family(n)
                    .map_err(|e| cfg.at(&cfg.draft_families, e))
            })
            .collect::<Result<_, _>>()?,
    };
    Ok((targets, families))
}

/// The one rows-versus-parameters check of a loss table, before any
/// computation: a fit needs more rows than free parameters. Errors name
/// `loc`.
fn check_fit_data<T>(
    cfg: &RefitConfig,
    loc: &Located<T>,
    table: &LossTable,
    spec: &LossFitSpec,
) -> Result<(), SdslError> {
    let free = spec.map().n_free();
    if table.rows_used <= free {
        return Err(cfg.at(
            loc,
            format!(
                "{} rows used: a fit needs more rows than its {free} parameters",
                table.rows_used
            ),
        ));
    }
    LossData::new(&table.n, &table.d, &table.loss)
        .map(|_| ())
        .map_err(|e| cfg.at(loc, e))
}

fn loss_input(cfg: &RefitConfig, rd: &mut Reader) -> Result<LossInput, SdslError> {
    let table = rd.at(cfg, &cfg.loss_path, &cfg.loss_path.value, |p| {
        crate::ingest::loss_table::read_loss_table(p, &cfg.loss_table)
    })?;
    let spec = LossFitSpec {
        objective: cfg.objective.value,
        constraints: Constraints::default(),
        grid: cfg.grid.value.clone(),
        settings: SolverSettings::default(),
    }
    .validated()
    .map_err(|e| cfg.at(&cfg.objective, e))?;
    check_fit_data(cfg, &cfg.loss_path, &table, &spec)?;
    Ok(LossInput {
        table,
        spec,
        bootstrap: cfg.loss_bootstrap.value,
        drop_highest: cfg.loss_table.drop_highest,
    })
}

/// Merges acceptance tables; a (draft, target, temperature, dataset, gamma)
/// key measured in two tables is refused. Linear in rows (hash set of keys).
fn merge_tables(tables: Vec<AcceptTable>) -> Result<AcceptTable, SdslError> {
    use std::collections::HashSet;
    let mut it = tables.into_iter();
    let Some(mut first) = it.next() else {
        return Err(SdslError::InvalidArgument(
            "no acceptance table to merge".into(),
        ));
    };
    let mut seen: HashSet<AcceptKey> = first.rows.iter().map(AcceptRow::key).collect();
    for t in it {
        for r in t.rows {
            if !seen.insert(r.key()) {
                return Err(SdslError::Data {
                    path: t.path.clone(),
                    message: format!(
                        "row {}: the pair {} → {} is already measured in {}; each (draft, target, temperature, dataset, gamma) may appear once",
                        r.row, r.draft, r.target, first.path
                    ),
                });
            }
            first.rows.push(r);
        }
        first.path = format!("{} + {}", first.path, t.path);
        first.sha256 = sha256_hex(format!("{}{}", first.sha256, t.sha256).as_bytes());
        first.rows_total += t.rows_total;
        first.notes.extend(t.notes);
    }
    Ok(first)
}

fn alpha_input(
    cfg: &RefitConfig,
    rd: &mut Reader,
    list: &mut Vec<InputRef>,
) -> Result<AlphaInput, SdslError> {
    let spec = &cfg.alpha_law.value;
    let published = if Path::new(spec).is_file() {
        rd.at(cfg, &cfg.alpha_law, Path::new(spec), |p| {
            laws::alpha_law(&p.display().to_string())
        })?
    } else {
        laws::alpha_law(spec).map_err(|e| cfg.at(&cfg.alpha_law, e))?
    };
    let mut tables = Vec::new();
    for t in &cfg.alpha_tables {
        let tab = rd.at(
            cfg,
            t,
            &t.value,
            crate::ingest::acceptance::read_accept_table,
        )?;
        list.push(listed("alpha", &tab.path, &tab.sha256, tab.rows.len()));
        tables.push(tab);
    }
    let table = if tables.is_empty() {
        None
    } else {
        Some(merge_tables(tables)?)
    };
    Ok(AlphaInput {
        published,
        table,
        bootstrap: cfg.alpha_bootstrap,
    })
}

fn estimate_inputs(
    cfg: &RefitConfig,
    rd: &mut Reader,
    list: &mut Vec<InputRef>,
) -> Result<Vec<Measurements>, SdslError> {
    let mut out = Vec::new();
    for est in &cfg.estimates {
        let spec = MeasureSpec {
            kind: est.kind,
            gamma_col: est.gamma_col.clone(),
            value_col: est.value_col.clone(),
            group_cols: None,
        };
        let p = &est.path.value;
        let meas = rd
            .bytes(p)
            .and_then(|b| Table::from_bytes(p, b))
            .and_then(|t| measurements_from(&t, &spec))
            .map_err(|e| cfg.at(&est.path, e))?;
        list.push(listed(
            "estimates",
            &meas.path,
            &meas.sha256,
            meas.gamma.len(),
        ));
        out.push(meas);
    }
    Ok(out)
}

/// Resolves a `latency:…` spec (a shipped name or a file; see
/// `docs/latency.md`).
pub fn resolve_latency(spec: &str) -> Result<ResolvedLatency, SdslError> {
    let (cost, profile) = crate::catalog::latency::latency_cost_model(spec)?;
    Ok(ResolvedLatency {
        spec: spec.to_string(),
        cost,
        profile,
    })
}

fn shipped_inputs() -> Result<ShippedInputs, SdslError> {
    Ok(ShippedInputs {
        besiroglu: laws::loss_law("besiroglu2024")?,
        hoffmann: laws::loss_law("hoffmann2022")?,
        graph: resolve_latency("latency:h200-graph")?,
        eager: resolve_latency("latency:h200-eager")?,
    })
}

/// Lists the table a latency model was fitted on and its `.meta` (each
/// once).
fn list_latency(r: &ResolvedLatency, list: &mut Vec<InputRef>) {
    let src = &r.profile.source;
    // by path and hash: two roofline GPUs share the calibration's hash
    if !list
        .iter()
        .any(|i| i.sha256 == src.sha256 && i.path == src.path)
    {
        list.push(listed(
            "hardware",
            &src.path,
            &src.sha256,
            r.profile.architectures.len(),
        ));
    }
    if let Some((path, sha)) = crate::catalog::latency::meta_of(&src.path)
        && !list.iter().any(|i| i.sha256 == sha)
    {
        list.push(listed("hardware meta", &path, &sha, 1));
    }
}

/// A latency spec of the manifest: a file it names is a read; shipped
/// names are compiled in.
fn latency_at(
    cfg: &RefitConfig,
    loc: &Located<String>,
    spec: &str,
) -> Result<ResolvedLatency, SdslError> {
    resolve_latency(spec).map_err(|e| cfg.at(loc, e))
}

fn hardware_input(
    cfg: &RefitConfig,
    targets: &[Model],
    list: &mut Vec<InputRef>,
) -> Result<HardwareInput, SdslError> {
    let mut models = Vec::new();
    for spec in &cfg.hardware {
        let r = latency_at(cfg, spec, &spec.value)?;
        list_latency(&r, list);
        models.push(r);
    }
    let batch_sweep = cfg
        .batch_sweep
        .as_ref()
        .map(|b| batch_sweep_input(cfg, b, targets))
        .transpose()?;
    for (_, r) in batch_sweep.iter().flat_map(|b| &b.batches) {
        list_latency(r, list);
    }
    let mut catalogue = Vec::new();
    let mut catalogue_fp8 = Vec::new();
    for spec in &cfg.deploy_catalogue {
        let r = latency_at(cfg, spec, &spec.value)?;
        list_latency(&r, list);
        if r.profile.roofline.is_some() && !spec.value.contains("weights=") {
            let fp8 = latency_at(cfg, spec, &format!("{}:weights=fp8", spec.value))?;
            catalogue_fp8.push((spec.value.clone(), fp8));
        }
        catalogue.push(r);
    }
    let serving = cfg
        .serving
        .as_ref()
        .map(|s| -> Result<ServingInput, SdslError> {
            Ok(ServingInput {
                targets: find_targets(cfg, &s.targets, targets)?,
                hardware: s.hardware.value.clone(),
                batches: s.batches.value.clone(),
            })
        })
        .transpose()?;
    Ok(HardwareInput {
        models,
        batch_sweep,
        catalogue,
        catalogue_fp8,
        serving,
    })
}

/// The N* targets a manifest list names (exact name first, else a unique
/// case-insensitive match), in the list's order.
fn find_targets(
    cfg: &RefitConfig,
    names: &Located<Vec<String>>,
    all: &[Model],
) -> Result<Vec<Model>, SdslError> {
    names
        .value
        .iter()
        .map(
            |name| match crate::error::find_name(all, name, |t| t.name.as_str()) {
                Ok(Some(t)) => Ok(t.clone()),
                Ok(None) => Err(cfg.at(
                    names,
                    format!(
                        "'{}' is not among the N* targets ({}); name one of them",
                        crate::error::clip(name),
                        crate::error::capped_list(all.iter().map(|t| &t.name), 10)
                    ),
                )),
                Err(several) => Err(cfg.at(
                    names,
                    crate::error::ambiguous_name(
                        "target",
                        name,
                        &several.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
                        "the N* targets",
                    ),
                )),
            },
        )
        .collect()
}

fn batch_sweep_input(
    cfg: &RefitConfig,
    b: &BatchSweep,
    all: &[Model],
) -> Result<BatchSweepInput, SdslError> {
    let targets = find_targets(cfg, &b.targets, all)?;
    let batches = b
        .batches
        .value
        .iter()
        .map(|&batch| {
            let spec = format!("{}:batch={batch}", b.cost_model.value);
            latency_at(cfg, &b.cost_model, &spec).map(|r| (batch, r))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(BatchSweepInput {
        cost_model: b.cost_model.value.clone(),
        targets,
        batches,
    })
}

/// An error mapper naming the manifest value `loc`.
fn at<'a, T>(cfg: &'a RefitConfig, loc: &'a Located<T>) -> impl Fn(SdslError) -> SdslError + 'a {
    move |e| cfg.at(loc, e)
}

/// A lab table read once as a [`Table`].
fn lab_table(
    cfg: &RefitConfig,
    rd: &mut Reader,
    loc: &Located<PathBuf>,
) -> Result<Table, SdslError> {
    rd.at(cfg, loc, &loc.value, Table::read)
}

fn lab_inputs(
    cfg: &RefitConfig,
    lab: &LabInput,
    rd: &mut Reader,
    list: &mut Vec<InputRef>,
) -> Result<LabInputs, SdslError> {
    // the loss ladder
    let lt = lab_table(cfg, rd, &lab.loss)?;
    let ladder = super::lab::ladder(&lt).map_err(at(cfg, &lab.loss))?;
    let table = loss_table_from(
        &lt,
        &LossTableSpec {
            n_col: None,
            d_col: None,
            loss_col: None,
            drop_highest: 0,
        },
    )
    .map_err(at(cfg, &lab.loss))?;
    list.push(listed(
        "lab loss",
        &table.path,
        &table.sha256,
        table.rows_used,
    ));
    let spec = LossFitSpec {
        objective: Objective::Huber { delta: 1e-3 },
        constraints: Constraints::default(),
        grid: StartGrid::hoffmann(),
        settings: SolverSettings::default(),
    }
    .validated()?;
    check_fit_data(cfg, &lab.loss, &table, &spec)?;
    // the acceptance table
    let accept = lab_table(cfg, rd, &lab.acceptance)?;
    let acceptance = accept_table_from(&accept).map_err(at(cfg, &lab.acceptance))?;
    list.push(listed(
        "lab acceptance",
        &acceptance.path,
        &acceptance.sha256,
        acceptance.rows.len(),
    ));
    let chosen = acceptance
        .at_temperature(lab.temperature.value)
        .map_err(at(cfg, &lab.temperature))?;
    let at_t1 = acceptance
        .at_temperature(1.0)
        .map_err(at(cfg, &lab.acceptance))?;
    let iid_acceptance =
        super::lab_iid::AccRows::read(&accept).map_err(at(cfg, &lab.acceptance))?;
    // the sampler's runs (read as a validation source: '#' lines allowed)
    let sampler_sourced = rd.at(cfg, &lab.speculative, &lab.speculative.value, |p| {
        let (t, src, sha) = iv::read_commented(p)?;
        Ok((iv::lab_runs_from(&t, src, sha.clone())?, t))
    })?;
    let (sampler_sourced, st) = sampler_sourced;
    list.push(listed("lab sampler", st.label(), st.sha256(), st.height()));
    let sampler = super::lab::spec_rows(&st).map_err(at(cfg, &lab.speculative))?;
    // the per-iteration logs
    let (logs_pooled, logs_per_gamma, runs) = lab_logs(cfg, lab, rd, list)?;
    // the plan, next to the tables
    let plan_path = lab
        .loss
        .value
        .parent()
        .map(|d| d.join("manifest.json"))
        .filter(|p| p.is_file());
    let plan = match &plan_path {
        None => None,
        Some(p) => {
            let label = p.display().to_string();
            let bytes = rd.bytes(p).map_err(at(cfg, &lab.loss))?;
            let plan = LabManifest::from_json(&label, &String::from_utf8_lossy(&bytes))
                .map_err(at(cfg, &lab.loss))?;
            let sha = sha256_hex(&bytes);
            list.push(listed("lab plan", &label, &sha, plan.plan.rungs.len()));
            Some(plan)
        }
    };
    Ok(LabInputs {
        settings: lab.clone(),
        ladder,
        loss: LossInput {
            table,
            spec,
            bootstrap: lab.loss_bootstrap.value,
            drop_highest: 0,
        },
        acceptance,
        chosen,
        at_t1,
        iid_acceptance,
        logs_pooled,
        logs_per_gamma,
        runs,
        sampler,
        sampler_sourced,
        plan,
    })
}

/// The lab's per-iteration logs, read once: pooled per pair, per (pair,
/// γ), and as runs of accepted counts.
fn lab_logs(
    cfg: &RefitConfig,
    lab: &LabInput,
    rd: &mut Reader,
    list: &mut Vec<InputRef>,
) -> Result<(Measurements, Measurements, Vec<super::lab_iid::Run>), SdslError> {
    let logs = lab_table(cfg, rd, &lab.logs)?;
    let base = MeasureSpec {
        kind: Some(MeasureKind::Logs),
        gamma_col: None,
        value_col: None,
        group_cols: None,
    };
    let logs_pooled = measurements_from(&logs, &base).map_err(at(cfg, &lab.logs))?;
    list.push(listed(
        "lab logs",
        &logs_pooled.path,
        &logs_pooled.sha256,
        logs_pooled.gamma.len(),
    ));
    let with_gamma: Vec<String> = DEFAULT_GROUP_COLS
        .iter()
        .chain(&[col::GAMMA])
        .filter(|c| logs.has(c))
        .map(|s| s.to_string())
        .collect();
    let logs_per_gamma = measurements_from(
        &logs,
        &MeasureSpec {
            group_cols: Some(with_gamma),
            ..base
        },
    )
    .map_err(at(cfg, &lab.logs))?;
    let runs = super::lab_iid::read_runs(&logs).map_err(at(cfg, &lab.logs))?;
    Ok((logs_pooled, logs_per_gamma, runs))
}

/// One validation table, listed and recorded as a source.
fn source<R>(
    cfg: &RefitConfig,
    rd: &mut Reader,
    f: &Located<PathBuf>,
    read: fn(&Path) -> Result<Sourced<R>, SdslError>,
    (list, sources): (&mut Vec<InputRef>, &mut Vec<ValidationSource>),
    name: &str,
) -> Result<Sourced<R>, SdslError> {
    let t = rd.at(cfg, f, &f.value, read)?;
    record(&t, name, (list, sources));
    Ok(t)
}

/// Lists a validation table as an input and records it as a source.
fn record<R>(
    t: &Sourced<R>,
    name: &str,
    (list, sources): (&mut Vec<InputRef>, &mut Vec<ValidationSource>),
) {
    list.push(listed("validation", &t.path, &t.sha256, t.rows.len()));
    sources.push(ValidationSource {
        source: name.into(),
        path: t.path.clone(),
        sha256: t.sha256.clone(),
        provenance: t.source.clone(),
    });
}

/// The runs of `[validation] runs`: every file read once and imported
/// together, each listed with its hash; the registry of their sizes.
fn runs_inputs(
    cfg: &RefitConfig,
    v: &ValidationInput,
    files: &Located<Vec<PathBuf>>,
    rd: &mut Reader,
    (list, sources): (&mut Vec<InputRef>, &mut Vec<ValidationSource>),
) -> Result<RunsInputs, SdslError> {
    // `sdsl validate --runs` sets line 0: the files are the command line's,
    // and the import's errors name them already
    let at = |e: SdslError| {
        if files.line > 0 { cfg.at(files, e) } else { e }
    };
    let mut inputs = Vec::new();
    for p in &files.value {
        let bytes = rd.bytes(p).map_err(at)?;
        inputs.push(crate::fit::runs::Input {
            name: p.display().to_string(),
            bytes,
        });
    }
    let imported = crate::fit::runs::import(&inputs, &Default::default())
        .map_err(|e| match e {
            // the flags named are sdsl import's: say how to use them here
            SdslError::Data { path, message } => SdslError::Data {
                path,
                message: format!(
                    "{message} (validation reads engine files without flags: run `sdsl import FILE... --draft/--gamma/--target … --out runs.csv` and validate against runs.csv)"
                ),
            },
            e => e,
        })
        .map_err(at)?;
    for i in &inputs {
        let sha = crate::ingest::sha256_hex(&i.bytes);
        let n = imported.rows.iter().filter(|r| r.source == i.name).count();
        list.push(listed("validation", &i.name, &sha, n));
        sources.push(ValidationSource {
            source: super::validation::runs::SOURCE.into(),
            path: i.name.clone(),
            sha256: sha,
            provenance: "engine output read by sdsl import (docs/import.md)".into(),
        });
    }
    let registry = match &v.runs_registry {
        Some(r) => {
            let reg = rd.at(cfg, r, &r.value, Registry::read)?;
            list.push(listed("registry", &reg.path, &reg.sha256, reg.models.len()));
            reg
        }
        None => rd.at(cfg, &cfg.registry, &cfg.registry.value, Registry::read)?,
    };
    let gpu = match &v.runs_gpu {
        Some(g) if g.line > 0 => Some((g.value.clone(), "the manifest's runs_gpu".to_string())),
        Some(g) => Some((g.value.clone(), g.key.clone())),
        None => {
            let named = crate::fit::distinct(
                imported
                    .rows
                    .iter()
                    .filter(|r| !r.gpu.is_empty())
                    .map(|r| r.gpu.clone()),
            );
            match named.as_slice() {
                [one] => crate::catalog::gpus::gpu(one)
                    .ok()
                    .map(|g| (g.id, "the runs' gpu column".to_string())),
                _ => None,
            }
        }
    };
    Ok(RunsInputs {
        gpu,
        rows: imported.rows,
        registry,
        names: inputs.iter().map(|i| i.name.clone()).collect(),
        sha256: crate::fit::runs::inputs_sha256(&inputs),
        warnings: imported.warnings,
    })
}

fn validation_inputs(
    cfg: &RefitConfig,
    v: &ValidationInput,
    lab: Option<&LabInputs>,
    rd: &mut Reader,
    list: &mut Vec<InputRef>,
) -> Result<ValidationInputs, SdslError> {
    let mut sources = Vec::new();
    macro_rules! source {
        ($f:expr, $read:expr, $name:expr) => {
            source(cfg, rd, $f, $read, (&mut *list, &mut sources), $name)?
        };
    }
    let leviathan = source!(&v.leviathan, iv::read_leviathan, "leviathan2023");
    let leviathan_alpha = source!(
        &v.leviathan_alpha,
        iv::read_leviathan_target,
        "leviathan2023"
    );
    let walltime = source!(&v.h200_walltime, iv::read_walltime, "h200-walltime");
    let cost_ratios = source!(&v.cost_ratios, iv::read_cost_ratios, "published-c");
    let chen = source!(&v.chen, iv::read_chen, "chen2023");
    let appendix_f = source!(&v.appendix_f, iv::read_appendix_f, "sdsl-appendix-f");
    let hf_blog = source!(&v.hf_blog, iv::read_hf, "hf-blog");
    let opt_ppl = source!(&v.opt_ppl, iv::read_opt_ppl, "opt-wikitext2");
    // the NeMo sweep may also be a raw-measurement file: read once
    let p = &v.nemo.value;
    let nemo = rd
        .bytes(p)
        .and_then(|b| iv::commented_from_bytes(&p.display().to_string(), &b))
        .and_then(|(t, src, sha)| iv::nemo_from(&t, src, sha))
        .map_err(|e| cfg.at(&v.nemo, e))?;
    record(&nemo, "nemo-qwen3", (&mut *list, &mut sources));
    if let Some(l) = lab {
        // the lab's sampler runs, read with the lab's tables
        record(&l.sampler_sourced, "lab", (&mut *list, &mut sources));
    }
    let nemo_latency = latency_at(cfg, &v.nemo_cost_model, &v.nemo_cost_model.value)?;
    list_latency(&nemo_latency, list);
    let stand_ins_by_law =
        super::validation::stand_ins_by_law(v, &nemo_latency.profile).map_err(|e| cfg.locate(e))?;
    let runs = match &v.runs {
        Some(files) => Some(runs_inputs(cfg, v, files, rd, (&mut *list, &mut sources))?),
        None => None,
    };
    let descriptions = match &v.descriptions {
        Some(f) => {
            let t = rd.at(cfg, f, &f.value, iv::read_descriptions)?;
            list.push(listed(
                "validation sources",
                &t.path,
                &t.sha256,
                t.rows.len(),
            ));
            Some(t)
        }
        None => None,
    };
    let paper = match &v.paper {
        Some(f) => {
            let t = rd.at(cfg, f, &f.value, iv::read_published)?;
            list.push(listed("paper", &t.path, &t.sha256, t.rows.len()));
            Some(t)
        }
        None => None,
    };
    Ok(ValidationInputs {
        runs,
        descriptions,
        paper,
        settings: v.clone(),
        sources,
        leviathan,
        leviathan_alpha,
        walltime,
        cost_ratios,
        chen,
        appendix_f,
        hf_blog,
        opt_ppl,
        nemo,
        nemo_latency,
        stand_ins_by_law,
    })
}
