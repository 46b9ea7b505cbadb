//! The refit as a library call: ingest → fit → derive → report, in memory.
//!
//! Load, then compute: [`load`] reads every input a [`RefitConfig`] (the
//! parsed manifest, `datasets/refit.toml`) names, once, into typed
//! [`Inputs`], raising every manifest-line error first; [`compute`] runs the
//! stages on them without opening a file and returns the [`Report`];
//! [`refit`] is the two in a row; [`write`](fn@write) puts the report on disk
//! (atomically, as a separate call). Each stage is a public function of
//! typed tables, its own section's settings and what earlier stages
//! produced, so a caller can run, test or replace one stage at a time:
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
pub mod deploy;
pub mod hardware;
pub mod inputs;
pub mod lab;
pub mod lab_iid;
pub mod paper;
pub mod sensitivity;
pub mod validation;

use crate::derive::nstar::{CellOutcome, NStarSetup};
use crate::derive::nstar_law::LawGrid;
use crate::derive::nstar_law::{NStarLaw, PAPER_M0, PAPER_MU, fit_nstar_law};
use crate::derive::uncertainty::{Cell, DrawResults, Hints, LawDraw, interval, propagate};
use crate::error::SdslError;
use crate::fit::alpha::alpha_law_from;
use crate::fit::alpha_analysis::{FitAlphaOut, analyse};
use crate::fit::bootstrap::{BootStart, LossBootstrap, quantile_sorted};
use crate::fit::estimate::estimate;
use crate::fit::interval::{Interval, IntervalMethod};
use crate::fit::loss::LossFit;
use crate::fit::loss_record::{FitLossOut, LossBootSettings, LossTask, LossTicks, fit_loss_table};
use crate::ingest::acceptance::{AcceptTable, Measurements};
use crate::ingest::loss_table::LossTable;
use crate::ingest::registry::{DraftFamily, Model};
use crate::law::CostModel;
use crate::law::{AlphaLaw, LossLaw};
use crate::report::model::{
    AlphaLine, AlphaSection, EstimateSection, FigureData, InputRef, NstarCell, NstarLawSection,
    NstarSection, Report, SCHEMA_VERSION, SpeedupCurve,
};
use std::path::Path;

pub use config::{RefitConfig, read_manifest};
pub use inputs::{AlphaInput, Inputs, LossInput, NstarSettings, load};

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
    /// Adds a warning unless the ledger holds the same text already (two
    /// stages that check one thing say it once).
    fn warn_once(&mut self, w: String) {
        if !self.warnings.contains(&w) {
            self.warnings.push(w);
        }
    }
}

/// A loss fit's progress as the refit reports it: the starts as task
/// `names.0`, the bootstrap as `names.1`.
pub(crate) struct LossProgress<'a> {
    /// The refit's progress.
    pub progress: &'a dyn Progress,
    /// The two tasks' names.
    pub names: (&'a str, &'a str),
    /// A stage to report when the starts are done (the refit's timing
    /// breakdown separates the fit from its bootstrap).
    pub stage_after_starts: Option<&'static str>,
}

impl LossTicks for LossProgress<'_> {
    fn begin(&self, task: LossTask, len: u64) {
        if task == LossTask::Bootstrap {
            self.starts_done();
        }
        let what = match task {
            LossTask::Starts => self.names.0,
            LossTask::Bootstrap => self.names.1,
        };
        self.progress.begin(what, len);
    }
    fn tick(&self) {
        self.progress.tick();
    }
    fn end(&self) {
        self.progress.end();
    }
}

impl LossProgress<'_> {
    fn starts_done(&self) {
        if let Some(s) = self.stage_after_starts {
            self.progress.stage(s);
        }
    }
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

/// Stage 1: the loss law refitted on the loss table, with its bootstrap
/// (seed `seed`, from Hoffmann's start).
pub fn loss_stage(
    input: &LossInput,
    seed: u64,
    progress: &dyn Progress,
    ledger: &mut Ledger,
) -> Result<LossStage, SdslError> {
    progress.stage("ingest");
    let ticks = LossProgress {
        progress,
        names: ("loss fit", "bootstrap"),
        stage_after_starts: Some("loss fit"),
    };
    let boot = LossBootSettings {
        replicates: input.bootstrap,
        seed,
        start: BootStart::Hoffmann,
    };
    let run = fit_loss_table(&input.table, input.drop_highest, &input.spec, boot, &ticks)?;
    if run.boot.is_none() {
        progress.stage("loss fit");
        ledger
            .warnings
            .push("loss.bootstrap = 0: no intervals on the loss law or on N*".into());
    }
    ledger
        .warnings
        .extend(run.record.warnings.iter().map(|w| format!("loss fit: {w}")));
    progress.stage("loss bootstrap");
    Ok(LossStage {
        table: input.table.clone(),
        fit: run.fit,
        boot: run.boot,
        record: run.record,
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

/// Stage 2: the acceptance law — the published one named in the manifest
/// when it lists no tables, else a fit of the merged tables (with its
/// bootstrap, seed `seed`).
pub fn alpha_stage(
    input: &AlphaInput,
    seed: u64,
    ledger: &mut Ledger,
) -> Result<AlphaStage, SdslError> {
    let Some(merged) = &input.table else {
        let l = &input.published;
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
    };
    let (out, model) = analyse(merged, input.bootstrap, seed)
        .map_err(|e| SdslError::setting("alpha.tables", e))?;
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
        table: Some(merged.clone()),
    })
}

/// Stage 3: α per pair from every raw-measurement file of the manifest.
pub fn estimates_stage(measured: &[Measurements], ledger: &mut Ledger) -> Vec<EstimateSection> {
    let mut estimates = Vec::new();
    for meas in measured {
        let rows = estimate(meas);
        for r in &rows {
            for f in &r.flags {
                ledger
                    .warnings
                    .push(format!("estimate {} → {}: {f}", r.draft, r.target));
            }
        }
        estimates.push(EstimateSection {
            path: meas.path.clone(),
            sha256: meas.sha256.clone(),
            kind: format!("{:?}", meas.kind).to_lowercase(),
            value_col: meas.value_col.clone(),
            rows,
        });
    }
    estimates
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

/// Stage 4: N* for every target × draft family and the N* linear law under
/// the point laws.
pub fn nstar_stage(
    settings: &NstarSettings,
    (targets, families): (Vec<Model>, Vec<DraftFamily>),
    loss: &LossLaw,
    alpha: &AlphaLaw,
    ledger: &mut Ledger,
) -> Result<NstarStage, SdslError> {
    let mut cells_in = Vec::new();
    let mut cells = Vec::new();
    for t in &targets {
        for f in &families {
            let r = NStarSetup::for_pair(t, f, loss, alpha, settings.cost_model)
                .validated()
                .map_err(|e| SdslError::setting("nstar.cost_model", e))?
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
                n_star_draws: Some(interval(f64::NAN, &[])),
                ..NstarCell::new(t, f, CellOutcome::from(&r))
            });
        }
    }
    let law_fit = fit_nstar_law(&settings.law_grid, loss, alpha, settings.cost_model)
        .map_err(|e| SdslError::setting("nstar.law_grid", e))?;
    Ok(NstarStage {
        targets,
        families,
        cells_in,
        cells,
        law_fit,
    })
}

/// The first `nstar.draws` bootstrap draws of the loss law, each paired
/// with the α-law replicate of the same index (the point α law when none).
pub fn law_draws(settings: &NstarSettings, loss: &LossStage, alpha: &AlphaStage) -> Vec<LawDraw> {
    match &loss.boot {
        Some(b) => b
            .draws
            .iter()
            .take(settings.draws)
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
    }
}

/// Stage 5: the first `nstar.draws` bootstrap draws of the loss law, each
/// paired with the α-law replicate of the same index (the point α law when
/// none), carried to N* of every cell and to (μ, M0); fills the cells'
/// intervals.
pub fn draws_stage(
    settings: &NstarSettings,
    loss: &LossStage,
    alpha: &AlphaStage,
    nstar: &mut NstarStage,
    progress: &dyn Progress,
    ledger: &mut Ledger,
) -> (usize, DrawResults) {
    let draws = law_draws(settings, loss, alpha);
    progress.begin("N* draws", draws.len() as u64);
    let cell_hints: Vec<Option<f64>> = nstar.cells.iter().map(|c| c.outcome.n_star).collect();
    let hints = Hints {
        cells: &cell_hints,
        law: Some(&nstar.law_fit.points),
    };
    let res = propagate(
        &draws,
        &nstar.cells_in,
        &settings.law_grid,
        settings.cost_model,
        hints,
        &|| progress.tick(),
    );
    progress.end();
    for (c, vals) in nstar.cells.iter_mut().zip(&res.cells) {
        c.n_star_draws = Some(interval(c.outcome.n_star.unwrap_or(f64::NAN), vals));
    }
    let failed: usize = nstar
        .cells
        .iter()
        .filter_map(|c| c.n_star_draws.map(|d| d.failed))
        .sum();
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
    cost_model: CostModel,
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
            let setup = NStarSetup::for_pair(t, fam, loss, alpha, cost_model);
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
fn nstar_band(grid: &LawGrid, res: &DrawResults) -> Vec<(f64, f64, f64)> {
    let okd: Vec<(f64, f64)> = res
        .mu
        .iter()
        .zip(&res.m0)
        .filter_map(|(a, b)| Some(((*a)?, (*b)?)))
        .collect();
    if okd.is_empty() {
        return Vec::new();
    }
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
    inputs: &Inputs,
    loss: &LossStage,
    alpha: &AlphaStage,
    nstar: &NstarStage,
    res: &DrawResults,
) -> FigureData {
    let law = &loss.fit.law;
    let mut figures = loss_figures(&loss.table, law, loss.boot.as_ref());
    figures.loss_reference = Some((
        "Epoch (Besiroglu et al. 2024)".to_string(),
        inputs.shipped.besiroglu.law.clone(),
    ));
    if let (Some(f), Some(t)) = (&alpha.section.fit, &alpha.table) {
        measured_alpha_figures(&mut figures, f, t, &alpha.section.law);
    }
    if figures.alpha_lines.is_empty() {
        figures.alpha_lines = published_alpha_lines(nstar, law, &alpha.section.law);
        figures.alpha_band = inputs
            .alpha
            .published
            .stat("mse")
            .filter(|m| *m >= 0.0)
            .map(f64::sqrt);
    }
    figures.speedup_curves =
        speedup_curves(inputs.nstar.cost_model, nstar, law, &alpha.section.law);
    figures.nstar_band = nstar_band(&inputs.nstar.law_grid, res);
    figures
}

/// The whole refit: [`load`] then [`compute`]. Nothing is written.
/// `cfg.seed` seeds every bootstrap (the manifest's `seed`, or the one
/// [`RefitConfig::with_seed`] set). An error a computation raises about a
/// setting names its manifest line ([`RefitConfig::locate`]).
pub fn refit(cfg: &RefitConfig, progress: &dyn Progress) -> Result<Report, SdslError> {
    compute(&load(cfg)?, progress).map_err(|e| cfg.locate(e))
}

/// Every stage in order on inputs already read: no file is opened. Errors
/// about a setting are [`SdslError::Setting`] with the manifest key.
pub fn compute(inputs: &Inputs, progress: &dyn Progress) -> Result<Report, SdslError> {
    let seed = inputs.seed;
    let mut ledger = Ledger {
        inputs: inputs.listed.clone(),
        warnings: Vec::new(),
    };
    let selected = (inputs.targets.clone(), inputs.families.clone());
    let loss = loss_stage(&inputs.loss, seed, progress, &mut ledger)?;
    let alpha = alpha_stage(&inputs.alpha, seed, &mut ledger)?;
    progress.stage("alpha law");
    let estimates = estimates_stage(&inputs.estimates, &mut ledger);
    progress.stage("estimates");
    let mut nstar = nstar_stage(
        &inputs.nstar,
        selected,
        &loss.fit.law,
        &alpha.section.law,
        &mut ledger,
    )?;
    progress.stage("N*");
    let (n_draws, res) = draws_stage(
        &inputs.nstar,
        &loss,
        &alpha,
        &mut nstar,
        progress,
        &mut ledger,
    );
    let lin = &nstar.law_fit.linear;
    let mu_int = interval(lin.coefficients[0].estimate, &res.mu);
    let m0_int = interval(lin.coefficients[1].estimate, &res.m0);
    progress.stage("N* draws");
    let figures = main_figures(inputs, &loss, &alpha, &nstar, &res);
    let hardware = hardware::hardware_stage(
        inputs,
        &nstar,
        &loss.fit.law,
        &alpha.section.law,
        &mut ledger,
    )?;
    let deploy = deploy::deploy_stage(
        inputs,
        &nstar,
        (&loss.fit.law, &alpha.section.law),
        &law_draws(&inputs.nstar, &loss, &alpha),
        &mut ledger,
    )?;
    let serving = deploy::serving_stage(inputs, &nstar, (&loss.fit.law, &alpha.section.law))?;
    progress.stage("hardware");
    let lab = match &inputs.lab {
        Some(l) => Some(lab::lab_stage(l, seed, progress, &mut ledger)?),
        None => None,
    };
    let lab_iid = inputs.lab.as_ref().map(lab_iid::lab_iid_stage);
    progress.stage("lab");
    let validation = match &inputs.validation {
        Some(v) => Some(validation::run(
            v,
            inputs,
            &loss.fit.law,
            &alpha.section.law,
            &mut ledger,
        )?),
        None => None,
    };
    progress.stage("validation");
    let sensitivity =
        sensitivity::sensitivity_stage(inputs, &nstar, &loss.fit.law, &alpha.section.law)?;
    progress.stage("sensitivity");
    let nstar_shape = match crate::derive::nstar_shape::compare_shapes(
        &nstar.law_fit.points,
        &inputs.nstar.law_grid.d_values(),
        &loss.fit.law,
        &alpha.section.law,
        inputs.nstar.cost_model,
        (PAPER_MU, PAPER_M0),
    ) {
        Ok(s) => Some(s),
        Err(e) => {
            ledger.warnings.push(format!("N* law shape: {e}"));
            None
        }
    };
    let law = nstar_law_section(&nstar, &inputs.nstar.law_grid, mu_int, m0_int);
    let paper = paper::paper_stage(
        inputs,
        &loss,
        &alpha.section.law,
        &law,
        &nstar.cells,
        validation.as_ref(),
    );
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        toolkit: inputs.toolkit.clone(),
        manifest: inputs.manifest.clone(),
        seed,
        inputs: ledger.inputs,
        nstar: NstarSection {
            cost_model: inputs.nstar.cost_model.to_string(),
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
        deploy,
        serving,
        warnings: ledger.warnings,
        figures,
    })
}

/// The N* law's section: the line over the grid with its OLS intervals,
/// the intervals over the draws (`mu`, `m0`), the ln D form and the
/// paper's values.
fn nstar_law_section(
    nstar: &NstarStage,
    grid: &LawGrid,
    mu: crate::derive::uncertainty::DrawInterval,
    m0: crate::derive::uncertainty::DrawInterval,
) -> NstarLawSection {
    let lin = &nstar.law_fit.linear;
    let ols = |c: &crate::fit::ols::Coefficient| {
        Interval::new(c.estimate, Some(c.se), Some(c.ci95), IntervalMethod::OlsT)
    };
    NstarLawSection {
        mu,
        m0,
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
        grid: grid.clone(),
        points: nstar.law_fit.points.clone(),
        paper_mu: PAPER_MU,
        paper_m0: PAPER_M0,
    }
}

/// Writes `report` into the directory `out` (report.md, report.json,
/// figures/), replacing it only when everything was written.
pub fn write(report: &Report, out: &Path) -> Result<(), SdslError> {
    crate::report::write::write_reports(report, out)
}
