//! The refit as a library call: ingest → fit → derive → report, in memory.
//!
//! [`refit`] runs every stage on a [`RefitConfig`] (the parsed manifest,
//! `datasets/refit.toml`) and returns the [`Report`]; [`write`](fn@write) puts it on
//! disk (atomically, as a separate call). Each stage is a public function
//! taking what the previous stages produced by reference, so a caller can
//! run, test or replace one stage at a time:
//!
//! 1. [`loss_stage`]: the loss-law refit with its bootstrap;
//! 2. [`alpha_stage`]: the published acceptance law, or a fit of the
//!    manifest's acceptance tables;
//! 3. [`estimates_stage`]: α from raw measurements;
//! 4. [`nstar_stage`]: N* per target × draft family and the N* linear law
//!    under the point laws;
//! 5. [`draws_stage`]: the bootstrap draws carried to N* and to (μ, M0);
//! 6. [`lab::lab_stage`]: the `[lab]` section.
//!
//! Progress is reported through the [`Progress`] trait ([`NoProgress`] does
//! nothing; the command line draws bars). The same configuration and seed
//! give the same report on any number of rayon threads.

pub mod config;
pub mod hardware;
pub mod lab;
pub mod lab_iid;
pub mod latency;
pub mod paper;
pub mod sensitivity;
pub mod validation;

use crate::derive::nstar::{CellOutcome, NStarSetup};
use crate::derive::nstar_law::{NStarLaw, PAPER_M0, PAPER_MU, fit_nstar_law};
use crate::derive::uncertainty::{Cell, DrawResults, Hints, LawDraw, interval, propagate};
use crate::error::SdslError;
use crate::fit::alpha::alpha_law_from;
use crate::fit::alpha_analysis::{FitAlphaOut, analyse};
use crate::fit::bootstrap::{BootStart, LossBootstrap, bootstrap_loss, quantile_sorted};
use crate::fit::estimate::estimate;
use crate::fit::interval::{Interval, IntervalMethod};
use crate::fit::loss::{Constraints, LossData, LossFit, LossFitSpec, SolverSettings};
use crate::fit::loss_record::{FitLossOut, fit_record};
use crate::ingest::acceptance::{
    AcceptKey, AcceptRow, AcceptTable, MeasureSpec, read_accept_table, read_measurements,
};
use crate::ingest::laws;
use crate::ingest::loss_table::{LossTable, read_loss_table};
use crate::ingest::registry::{DraftFamily, Model, Registry};
use crate::ingest::table::sha256_hex;
use crate::law::{AlphaLaw, LossLaw};
use crate::report::model::{
    AlphaLine, AlphaSection, EstimateSection, FigureData, FileRef, InputRef, NstarCell,
    NstarLawSection, NstarSection, Report, SCHEMA_VERSION, SpeedupCurve,
};
use config::Located;
use std::path::Path;

pub use config::{RefitConfig, read_manifest};

/// Progress of a long refit. Every method has a no-op default; the
/// methods may be called from several threads at once.
pub trait Progress: Sync {
    /// A task of `len` steps named `what` starts.
    fn begin(&self, _what: &str, _len: u64) {}
    /// One step of the current task is done.
    fn tick(&self) {}
    /// The current task is done.
    fn end(&self) {}
    /// A stage of the refit (named as in `docs/performance.md`) is done.
    fn stage(&self, _name: &'static str) {}
}

/// Progress that reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// Inputs read and warnings raised so far; every stage adds to them.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Every input file with its hash and use, in reading order.
    pub inputs: Vec<InputRef>,
    /// Every warning, prefixed by its stage.
    pub warnings: Vec<String>,
}

impl Ledger {
    fn input(&mut self, role: &'static str, path: &str, sha256: &str, rows_used: usize) {
        self.inputs.push(InputRef {
            role,
            path: path.to_string(),
            sha256: sha256.to_string(),
            rows_used,
        });
    }

    /// Adds a warning unless the ledger holds the same text already (two
    /// stages that check one thing say it once).
    fn warn_once(&mut self, w: String) {
        if !self.warnings.contains(&w) {
            self.warnings.push(w);
        }
    }
}

/// The data of a loss table for a fit, after the one rows-versus-parameters
/// check: a fit needs more rows than free parameters. Errors name the
/// manifest line `loc`.
pub fn loss_data<T>(
    cfg: &RefitConfig,
    loc: &Located<T>,
    table: &LossTable,
    spec: &LossFitSpec,
) -> Result<LossData, SdslError> {
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
}

/// The multi-start loss fit, reported to `progress` as task `what`.
pub fn fit_loss(
    data: &LossData,
    spec: &LossFitSpec,
    progress: &dyn Progress,
    what: &str,
) -> Result<LossFit, SdslError> {
    progress.begin(what, spec.grid.starts(&spec.map()).len() as u64);
    let fit = spec.fit(data, &|| progress.tick());
    progress.end();
    fit
}

/// `replicates` case-resampling refits from Hoffmann's start (None for 0),
/// reported to `progress` as task `what`.
pub fn bootstrap(
    data: &LossData,
    spec: &LossFitSpec,
    fit: &LossFit,
    replicates: usize,
    seed: u64,
    progress: &dyn Progress,
    what: &str,
) -> Result<Option<LossBootstrap>, SdslError> {
    if replicates == 0 {
        return Ok(None);
    }
    progress.begin(what, replicates as u64);
    let b = bootstrap_loss(
        data,
        spec,
        fit,
        replicates,
        seed,
        BootStart::Hoffmann,
        &|| progress.tick(),
    );
    progress.end();
    b.map(Some)
}

/// Figure data of a loss fit: the points, the law and the bootstrap draws.
pub fn loss_figures(table: &LossTable, law: &LossLaw, boot: Option<&LossBootstrap>) -> FigureData {
    FigureData {
        loss_points: table
            .n
            .iter()
            .zip(&table.d)
            .zip(&table.loss)
            .map(|((n, d), l)| (*n, *d, *l))
            .collect(),
        loss_law: Some(law.clone()),
        loss_draws: boot
            .map(|b| {
                b.draws
                    .iter()
                    .map(|l| [l.e, l.a, l.b, l.alpha, l.beta])
                    .collect()
            })
            .unwrap_or_default(),
        ..FigureData::default()
    }
}

/// Measured α per target with each target's fitted line (over its draft-ppl
/// range), and predicted-versus-measured pairs under `law`.
pub fn measured_alpha_figures(
    figures: &mut FigureData,
    fit: &FitAlphaOut,
    t: &AcceptTable,
    law: &AlphaLaw,
) {
    figures.alpha_measured = true;
    for pt in &fit.per_target {
        let pts: Vec<(f64, f64)> = t
            .rows
            .iter()
            .filter(|r| r.target == pt.target)
            .map(|r| (r.draft_ppl, r.alpha))
            .collect();
        let (xlo, xhi) = pts.iter().fold((f64::INFINITY, 0.0f64), |(a, b), p| {
            (a.min(p.0), b.max(p.0))
        });
        let (ca, cc) = (
            pt.fit.coef("A").unwrap_or(f64::NAN),
            pt.fit.coef("C").unwrap_or(f64::NAN),
        );
        figures.alpha_lines.push(AlphaLine {
            label: format!("{} (R² {:.3})", pt.target, pt.fit.r2),
            group: String::new(),
            points: pts,
            line: [(xlo, ca * xlo + cc), (xhi, ca * xhi + cc)],
        });
    }
    figures.alpha_pred = t
        .rows
        .iter()
        .map(|r| (r.alpha, law.alpha(r.draft_ppl, r.target_ppl)))
        .collect();
    figures.alpha_pred_group = t.rows.iter().map(|r| r.target.clone()).collect();
    // the affine-in-ln-ppl form beside it (the form compared in the forms table)
    let obs = crate::fit::alpha_analysis::obs_from(t);
    let refs: Vec<&crate::fit::alpha::Obs> = obs.iter().collect();
    if let Ok(m) = crate::fit::alpha::fit_model(
        &refs,
        crate::fit::alpha::Form::AffineLogPpl,
        fit.global.uses_target_ppl,
    ) {
        figures.alpha_pred_log = obs.iter().map(|o| m.predict(o.x, o.y)).collect();
    }
}

/// What the loss stage produced.
#[derive(Debug)]
pub struct LossStage {
    /// The table as read (after the outlier rule).
    pub table: LossTable,
    /// The multi-start fit.
    pub fit: LossFit,
    /// The bootstrap, when replicates were asked for.
    pub boot: Option<LossBootstrap>,
    /// The fit record (as `sdsl fit loss --json` prints it).
    pub record: FitLossOut,
}

/// Stage 1: the loss law refitted on the manifest's loss table, with its
/// bootstrap (seed `seed`).
pub fn loss_stage(
    cfg: &RefitConfig,
    seed: u64,
    progress: &dyn Progress,
    ledger: &mut Ledger,
) -> Result<LossStage, SdslError> {
    let table = read_loss_table(&cfg.loss_path.value, &cfg.loss_table)
        .map_err(|e| cfg.at(&cfg.loss_path, e))?;
    ledger.input("loss", &table.path, &table.sha256, table.rows_used);
    let spec = LossFitSpec {
        objective: cfg.objective.value,
        constraints: Constraints::default(),
        grid: cfg.grid.value.clone(),
        settings: SolverSettings::default(),
    }
    .validated()
    .map_err(|e| cfg.at(&cfg.objective, e))?;
    let data = loss_data(cfg, &cfg.loss_path, &table, &spec)?;
    progress.stage("ingest");
    let fit = fit_loss(&data, &spec, progress, "loss fit")?;
    progress.stage("loss fit");
    let boot = bootstrap(
        &data,
        &spec,
        &fit,
        cfg.loss_bootstrap.value,
        seed,
        progress,
        "bootstrap",
    )?;
    if boot.is_none() {
        ledger
            .warnings
            .push("loss.bootstrap = 0: no intervals on the loss law or on N*".into());
    }
    let record = fit_record(&table, cfg.loss_table.drop_highest, &fit, boot.as_ref());
    ledger
        .warnings
        .extend(record.warnings.iter().map(|w| format!("loss fit: {w}")));
    progress.stage("loss bootstrap");
    Ok(LossStage {
        table,
        fit,
        boot,
        record,
    })
}

/// What the acceptance stage produced.
#[derive(Debug)]
pub struct AlphaStage {
    /// The law used for N* and its provenance (with the fit record when fitted).
    pub section: AlphaSection,
    /// Per bootstrap replicate, the fitted law (None where the resample was
    /// rank-deficient); empty for the published law or without a bootstrap.
    pub draws: Vec<Option<AlphaLaw>>,
    /// The merged acceptance table when fitted.
    pub table: Option<AcceptTable>,
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

/// Stage 2: the acceptance law — the published one named in the manifest
/// when it lists no tables, else a fit of the merged tables (with its
/// bootstrap, seed `seed`).
pub fn alpha_stage(
    cfg: &RefitConfig,
    seed: u64,
    ledger: &mut Ledger,
) -> Result<AlphaStage, SdslError> {
    if cfg.alpha_tables.is_empty() {
        let l = laws::alpha_law(&cfg.alpha_law.value).map_err(|e| cfg.at(&cfg.alpha_law, e))?;
        ledger.warnings.push(format!(
            "no acceptance table is bundled: N* uses the published acceptance law '{}' without uncertainty; only the loss law's bootstrap is propagated",
            l.id
        ));
        return Ok(AlphaStage {
            section: AlphaSection {
                source: "published",
                id: l.id.clone(),
                provenance: l.source.clone(),
                law: l.law.clone(),
                fit: None,
            },
            draws: Vec::new(),
            table: None,
        });
    }
    let mut tables = Vec::new();
    for t in &cfg.alpha_tables {
        let tab = read_accept_table(&t.value).map_err(|e| cfg.at(t, e))?;
        ledger.input("alpha", &tab.path, &tab.sha256, tab.rows.len());
        tables.push(tab);
    }
    let merged = merge_tables(tables)?;
    let (out, model) = analyse(&merged, cfg.alpha_bootstrap, seed)?;
    ledger
        .warnings
        .extend(out.warnings.iter().map(|w| format!("alpha fit: {w}")));
    let draws = out
        .global
        .bootstrap
        .as_ref()
        .map(|b| {
            b.result
                .replicate_stats
                .iter()
                .map(|s| s.as_ref().map(|s| alpha_law_from(s, model.uses_y)))
                .collect()
        })
        .unwrap_or_default();
    Ok(AlphaStage {
        section: AlphaSection {
            source: "fitted",
            id: merged.path.clone(),
            provenance: format!("fitted by sdsl refit on {}", merged.path),
            law: model.alpha_law(),
            fit: Some(out),
        },
        draws,
        table: Some(merged),
    })
}

/// Stage 3: α per pair from every raw-measurement file of the manifest.
pub fn estimates_stage(
    cfg: &RefitConfig,
    ledger: &mut Ledger,
) -> Result<Vec<EstimateSection>, SdslError> {
    let mut estimates = Vec::new();
    for est in &cfg.estimates {
        let spec = MeasureSpec {
            kind: est.kind,
            gamma_col: est.gamma_col.clone(),
            value_col: est.value_col.clone(),
            group_cols: None,
        };
        let meas = read_measurements(&est.path.value, &spec).map_err(|e| cfg.at(&est.path, e))?;
        let rows = estimate(&meas);
        for r in &rows {
            for f in &r.flags {
                ledger
                    .warnings
                    .push(format!("estimate {} → {}: {f}", r.draft, r.target));
            }
        }
        ledger.input("estimates", &meas.path, &meas.sha256, meas.gamma.len());
        estimates.push(EstimateSection {
            path: meas.path.clone(),
            sha256: meas.sha256.clone(),
            kind: format!("{:?}", meas.kind).to_lowercase(),
            value_col: meas.value_col.clone(),
            rows,
        });
    }
    Ok(estimates)
}

/// What the N* stage produced.
#[derive(Debug)]
pub struct NstarStage {
    /// Targets, in registry (or manifest) order.
    pub targets: Vec<Model>,
    /// Draft families, in registry (or manifest) order.
    pub families: Vec<DraftFamily>,
    /// Sizes of each (target, family) cell, targets outer.
    pub cells_in: Vec<Cell>,
    /// N* of each cell under the point laws (intervals filled by [`draws_stage`]).
    pub cells: Vec<NstarCell>,
    /// The N* linear law over the manifest's grid.
    pub law_fit: NStarLaw,
}

/// What N* is computed for: the manifest's targets and draft families from
/// the registry. Resolved before the slow stages, so that a registry or a
/// selection with nothing to compute stops at once.
pub fn selection(
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

/// Stage 4: N* for every target × draft family and the N* linear law under
/// the point laws.
pub fn nstar_stage(
    cfg: &RefitConfig,
    (targets, families): (Vec<Model>, Vec<DraftFamily>),
    loss: &LossLaw,
    alpha: &AlphaLaw,
    ledger: &mut Ledger,
) -> Result<NstarStage, SdslError> {
    let mut cells_in = Vec::new();
    let mut cells = Vec::new();
    for t in &targets {
        for f in &families {
            let r = NStarSetup::for_pair(t, f, loss, alpha, cfg.cost_model.value)
                .validated()?
                .solve();
            if let Err(e) = &r {
                ledger
                    .warnings
                    .push(format!("N* for {} with {} drafts: {e}", t.name, f.name));
            }
            cells_in.push(Cell {
                m: t.params,
                dt: t.tokens,
                dd: f.tokens,
            });
            cells.push(NstarCell {
                target: t.name.clone(),
                target_params: t.params,
                target_tokens: t.tokens,
                draft_family: f.name.clone(),
                draft_tokens: f.tokens,
                n_star_draws: interval(f64::NAN, &[]),
                outcome: CellOutcome::from(&r),
            });
        }
    }
    let law_fit = fit_nstar_law(&cfg.law_grid.value, loss, alpha, cfg.cost_model.value)?;
    Ok(NstarStage {
        targets,
        families,
        cells_in,
        cells,
        law_fit,
    })
}

/// Stage 5: the first `nstar.draws` bootstrap draws of the loss law, each
/// paired with the α-law replicate of the same index (the point α law when
/// none), carried to N* of every cell and to (μ, M0); fills the cells'
/// intervals.
pub fn draws_stage(
    cfg: &RefitConfig,
    loss: &LossStage,
    alpha: &AlphaStage,
    nstar: &mut NstarStage,
    progress: &dyn Progress,
    ledger: &mut Ledger,
) -> (usize, DrawResults) {
    let draws: Vec<LawDraw> = match &loss.boot {
        Some(b) => b
            .draws
            .iter()
            .take(cfg.draws.value)
            .enumerate()
            .map(|(i, l)| LawDraw {
                loss: l.clone(),
                alpha: alpha
                    .draws
                    .get(i)
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| alpha.section.law.clone()),
            })
            .collect(),
        None => Vec::new(),
    };
    progress.begin("N* draws", draws.len() as u64);
    let cell_hints: Vec<Option<f64>> = nstar.cells.iter().map(|c| c.outcome.n_star).collect();
    let hints = Hints {
        cells: &cell_hints,
        law: Some(&nstar.law_fit.points),
    };
    let res = propagate(
        &draws,
        &nstar.cells_in,
        &cfg.law_grid.value,
        cfg.cost_model.value,
        hints,
        &|| progress.tick(),
    );
    progress.end();
    for (c, vals) in nstar.cells.iter_mut().zip(&res.cells) {
        c.n_star_draws = interval(c.outcome.n_star.unwrap_or(f64::NAN), vals);
    }
    let failed: usize = nstar.cells.iter().map(|c| c.n_star_draws.failed).sum();
    if failed > 0 {
        ledger.warnings.push(format!(
            "{failed} (draw, cell) pairs had no interior N* and are excluded from the intervals"
        ));
    }
    (draws.len(), res)
}

/// The α-versus-draft-ppl lines of the published law: one line per N*
/// target (grouped by the target's family), over the registry drafts'
/// perplexity range.
fn published_alpha_lines(nstar: &NstarStage, loss: &LossLaw, alpha: &AlphaLaw) -> Vec<AlphaLine> {
    let draft_ppl: Vec<f64> = nstar
        .families
        .iter()
        .flat_map(|f| f.drafts.iter().map(|d| loss.ppl(d.params, f.tokens)))
        .collect();
    let (xlo, xhi) = draft_ppl
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
    if !(xlo.is_finite() && xhi.is_finite()) {
        return Vec::new(); // no draft to span the axis
    }
    nstar
        .targets
        .iter()
        .map(|t| {
            let y = loss.ppl(t.params, t.tokens);
            AlphaLine {
                label: format!("{} (target ppl {y:.2})", t.name),
                group: t.family.clone(),
                points: vec![],
                line: [(xlo, alpha.alpha(xlo, y)), (xhi, alpha.alpha(xhi, y))],
            }
        })
        .collect()
}

/// S*(N) of the smallest, middle and largest target with the first draft
/// family's drafts, over N in [1e7, M/5].
fn speedup_curves(
    cfg: &RefitConfig,
    nstar: &NstarStage,
    loss: &LossLaw,
    alpha: &AlphaLaw,
) -> Vec<SpeedupCurve> {
    let Some(fam) = nstar.families.first() else {
        return Vec::new();
    };
    let mut sorted: Vec<&Model> = nstar.targets.iter().collect();
    sorted.sort_by(|a, b| a.params.total_cmp(&b.params));
    let mut picks: Vec<&Model> = Vec::new();
    if let (Some(a), Some(b)) = (sorted.first(), sorted.last()) {
        picks.push(a);
        if sorted.len() > 2 {
            picks.push(sorted[sorted.len() / 2]);
        }
        if b.name != a.name {
            picks.push(b);
        }
    }
    picks
        .into_iter()
        .map(|t| {
            let setup = NStarSetup::for_pair(t, fam, loss, alpha, cfg.cost_model.value);
            SpeedupCurve {
                measured: Vec::new(),
                sampled: Vec::new(),
                label: format!("{} ({} drafts)", t.name, fam.name),
                curve: setup.speedup_curve(1e7, t.params / 5.0, 160),
                n_star: setup.solve().ok().map(|r| r.n_star),
            }
        })
        .collect()
}

/// The 95% band of the N* law μ·M + M0 over the draws, at 41 log-spaced M.
fn nstar_band(cfg: &RefitConfig, res: &DrawResults) -> Vec<(f64, f64, f64)> {
    let okd: Vec<(f64, f64)> = res
        .mu
        .iter()
        .zip(&res.m0)
        .filter_map(|(a, b)| Some(((*a)?, (*b)?)))
        .collect();
    if okd.is_empty() {
        return Vec::new();
    }
    let grid = &cfg.law_grid.value;
    (0..=40)
        .map(|k| {
            let mm =
                (grid.m_min.ln() + (grid.m_max.ln() - grid.m_min.ln()) * k as f64 / 40.0).exp();
            let mut v: Vec<f64> = okd.iter().map(|(mu, m0)| mu * mm + m0).collect();
            v.sort_by(f64::total_cmp);
            (mm, quantile_sorted(&v, 0.025), quantile_sorted(&v, 0.975))
        })
        .collect()
}

/// Figure data of the main report.
fn main_figures(
    cfg: &RefitConfig,
    loss: &LossStage,
    alpha: &AlphaStage,
    nstar: &NstarStage,
    res: &DrawResults,
) -> FigureData {
    let law = &loss.fit.law;
    let mut figures = loss_figures(&loss.table, law, loss.boot.as_ref());
    figures.loss_reference = crate::ingest::laws::loss_law("besiroglu2024")
        .ok()
        .map(|l| ("Epoch (Besiroglu et al. 2024)".to_string(), l.law));
    if let (Some(f), Some(t)) = (&alpha.section.fit, &alpha.table) {
        measured_alpha_figures(&mut figures, f, t, &alpha.section.law);
    }
    if figures.alpha_lines.is_empty() {
        figures.alpha_lines = published_alpha_lines(nstar, law, &alpha.section.law);
    }
    figures.speedup_curves = speedup_curves(cfg, nstar, law, &alpha.section.law);
    figures.nstar_band = nstar_band(cfg, res);
    figures
}

/// The whole refit: every stage in order, in memory. Nothing is written.
/// `cfg.seed` seeds every bootstrap (the manifest's `seed`, or the one
/// [`RefitConfig::with_seed`] set).
pub fn refit(cfg: &RefitConfig, progress: &dyn Progress) -> Result<Report, SdslError> {
    let seed = cfg.seed;
    let mut ledger = Ledger::default();
    let registry = Registry::read(&cfg.registry.value).map_err(|e| cfg.at(&cfg.registry, e))?;
    ledger.input(
        "registry",
        &registry.path,
        &registry.sha256,
        registry.models.len(),
    );
    let selected = selection(cfg, &registry)?;
    let loss = loss_stage(cfg, seed, progress, &mut ledger)?;
    let alpha = alpha_stage(cfg, seed, &mut ledger)?;
    progress.stage("alpha law");
    let estimates = estimates_stage(cfg, &mut ledger)?;
    progress.stage("estimates");
    let mut nstar = nstar_stage(
        cfg,
        selected,
        &loss.fit.law,
        &alpha.section.law,
        &mut ledger,
    )?;
    progress.stage("N*");
    let (n_draws, res) = draws_stage(cfg, &loss, &alpha, &mut nstar, progress, &mut ledger);
    let lin = &nstar.law_fit.linear;
    let mu_int = interval(lin.coefficients[0].estimate, &res.mu);
    let m0_int = interval(lin.coefficients[1].estimate, &res.m0);
    progress.stage("N* draws");
    let figures = main_figures(cfg, &loss, &alpha, &nstar, &res);
    let hardware = hardware::hardware_stage(
        cfg,
        &nstar,
        &registry,
        &loss.fit.law,
        &alpha.section.law,
        &mut ledger,
    )?;
    progress.stage("hardware");
    let lab = match &cfg.lab {
        Some(l) => Some(lab::lab_stage(cfg, l, seed, progress, &mut ledger)?),
        None => None,
    };
    let lab_iid = match &cfg.lab {
        Some(l) => Some(lab_iid::lab_iid_stage(cfg, l)?),
        None => None,
    };
    progress.stage("lab");
    let validation = match &cfg.validation {
        Some(v) => Some(validation::run(
            cfg,
            v,
            &loss.fit.law,
            &alpha.section.law,
            &registry,
            &mut ledger,
        )?),
        None => None,
    };
    progress.stage("validation");
    let sensitivity =
        sensitivity::sensitivity_stage(cfg, &nstar, &loss.fit.law, &alpha.section.law)?;
    progress.stage("sensitivity");
    let nstar_shape = match crate::derive::nstar_shape::compare_shapes(
        &nstar.law_fit.points,
        &cfg.law_grid.value.d_values(),
        &loss.fit.law,
        &alpha.section.law,
        cfg.cost_model.value,
        (PAPER_MU, PAPER_M0),
    ) {
        Ok(s) => Some(s),
        Err(e) => {
            ledger.warnings.push(format!("N* law shape: {e}"));
            None
        }
    };
    let lin = &nstar.law_fit.linear;
    let ols = |c: &crate::fit::ols::Coefficient| {
        Interval::new(c.estimate, Some(c.se), Some(c.ci95), IntervalMethod::OlsT)
    };
    let law = NstarLawSection {
        mu: mu_int,
        m0: m0_int,
        mu_ols: ols(&lin.coefficients[0]),
        m0_ols: ols(&lin.coefficients[1]),
        r2: lin.r2,
        log_d: nstar.law_fit.log_d.as_ref().map(|f| {
            [
                f.coefficients[0].estimate,
                f.coefficients[1].estimate,
                f.coefficients[2].estimate,
            ]
        }),
        grid: cfg.law_grid.value.clone(),
        points: nstar.law_fit.points.clone(),
        paper_mu: PAPER_MU,
        paper_m0: PAPER_M0,
    };
    let paper = paper::paper_stage(cfg, &loss, &alpha.section.law, &law, &nstar.cells)?;
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        manifest: FileRef {
            path: cfg.path.display().to_string(),
            sha256: sha256_hex(cfg.text.as_bytes()),
        },
        seed,
        inputs: ledger.inputs,
        nstar: NstarSection {
            cost_model: cfg.cost_model.value.to_string(),
            loss_law: loss.fit.law.clone(),
            draws: n_draws,
            draft_families: nstar.families.iter().map(|f| f.name.clone()).collect(),
            cells: nstar.cells,
            law,
        },
        loss: loss.record,
        alpha: alpha.section,
        estimates,
        lab,
        hardware,
        validation,
        sensitivity: Some(sensitivity),
        nstar_shape,
        lab_iid,
        paper: Some(paper),
        warnings: ledger.warnings,
        figures,
    })
}

/// Writes `report` into the directory `out` (report.md, report.json,
/// figures/), replacing it only when everything was written.
pub fn write(report: &Report, out: &Path) -> Result<(), SdslError> {
    crate::report::write::write_reports(report, out)
}
