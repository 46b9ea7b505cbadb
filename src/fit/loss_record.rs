//! The loss-law fit as a record: input, objective, constants, derived
//! quantities, multi-start summary, bootstrap and warnings — the record
//! `sdsl fit loss --json` prints and `report.json` embeds.

use crate::fit::bootstrap::{BootStart, LossBootstrap, loss_quantities};
use crate::fit::loss::{LossFit, Objective, SolverSettings, StartsSummary};
use crate::ingest::loss_table::LossTable;
use crate::law::LossLaw;
use serde::Serialize;
use std::collections::BTreeMap;

/// Bootstrap summary in the output.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BootOut {
    /// Replicates.
    pub replicates: usize,
    /// Seed.
    pub seed: u64,
    /// Start of every refit.
    pub start: BootStart,
    /// Refits that converged.
    pub converged: usize,
    /// Refits without a finite objective (excluded).
    pub failed: usize,
    /// Per quantity (E, A, B, alpha, beta, a_opt, b_opt, G): the full-data
    /// estimate, the bootstrap SE and the 95% percentile interval.
    pub estimates: BTreeMap<String, crate::fit::interval::Interval>,
}

impl From<&LossBootstrap> for BootOut {
    fn from(b: &LossBootstrap) -> Self {
        BootOut {
            replicates: b.replicates,
            seed: b.seed,
            start: b.start,
            converged: b.converged,
            failed: b.failed,
            estimates: b.estimates.clone(),
        }
    }
}

/// JSON output of `sdsl fit loss`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FitLossOut {
    /// The input file and rows.
    pub input: InputOut,
    /// Rows used by the fit.
    pub rows_used: usize,
    /// Objective name, value and δ.
    pub objective: ObjectiveOut,
    /// Fitted constants (keys E, A, B, alpha, beta).
    pub params: LossLaw,
    /// Fitted log scale σ (huber-mle only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sigma: Option<f64>,
    /// a_opt = β/(α+β), b_opt = α/(α+β), G = (αA/(βB))^(1/(α+β)).
    pub derived: BTreeMap<String, f64>,
    /// Multi-start summary.
    pub starts: StartsSummary,
    /// The best start's solver status.
    pub best_start: BestStart,
    /// Fixed and tied parameters.
    pub constraints: ConstraintsOut,
    /// Solver settings.
    pub solver: SolverSettings,
    /// Bootstrap, when requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<BootOut>,
    /// Warnings (also printed to stderr).
    pub warnings: Vec<String>,
}

/// Input description.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InputOut {
    /// Path as given.
    pub path: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Layout recognised.
    pub layout: String,
    /// Rows in the file.
    pub rows_total: usize,
    /// Outlier rule K.
    pub drop_highest: usize,
    /// Data-row numbers dropped.
    pub dropped_rows: Vec<usize>,
}

/// Objective in the output.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ObjectiveOut {
    /// Name.
    pub name: &'static str,
    /// Value at the optimum.
    pub value: f64,
    /// Huber δ (absent for lsq).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<f64>,
}

/// Solver status of the best start.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BestStart {
    /// Why it stopped.
    pub reason: String,
    /// Iterations.
    pub iterations: u64,
    /// Gradient norm at the optimum.
    pub grad_norm: f64,
}

/// Constraints in the output.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConstraintsOut {
    /// Fixed parameters.
    pub fixed: BTreeMap<String, f64>,
    /// Tie, if any.
    pub tie: Option<&'static str>,
}

/// Refuses a table with no more rows than the fit has free parameters (the
/// fit could interpolate any data), naming the file.
pub fn check_rows(table: &LossTable, n_free: usize) -> Result<(), crate::error::SdslError> {
    if table.rows_used <= n_free {
        return Err(crate::error::SdslError::Data {
            path: table.path.clone(),
            message: format!(
                "{} rows used for {} free parameters; a fit needs more rows than parameters",
                table.rows_used, n_free
            ),
        });
    }
    Ok(())
}

/// Builds the output record of a fit.
pub fn fit_record(
    table: &LossTable,
    drop_highest: usize,
    fit: &LossFit,
    boot: Option<&LossBootstrap>,
) -> FitLossOut {
    let q = loss_quantities(&fit.law);
    let mut warnings = Vec::new();
    if fit.grad_norm > SolverSettings::default().accept_grad * fit.value.abs().max(1.0) {
        warnings.push(format!(
            "the best start did not converge (gradient norm {:.3e}, stopped: {}); try another grid or objective",
            fit.grad_norm, fit.reason
        ));
    }
    for (name, v) in [("alpha", fit.law.alpha), ("beta", fit.law.beta)] {
        if v <= 0.0 {
            warnings.push(format!(
                "exponent {name} = {v:.4} ≤ 0: the fitted loss does not fall with {}; the data do not follow the law (no law file is written from this fit)",
                if name == "alpha" { "N" } else { "D" }
            ));
        }
    }
    if fit.starts.at_best < 2 && fit.starts.total > 1 {
        warnings.push("only one start reached the best objective: the optimum may be fragile; try a denser start grid".into());
    }
    if let Some(b) = boot {
        if b.failed > 0 {
            warnings.push(format!(
                "{} bootstrap refits produced no finite objective and were excluded",
                b.failed
            ));
        }
        let unconv = b.replicates - b.failed - b.converged;
        if unconv > 0 {
            warnings.push(format!(
                "{unconv} of {} bootstrap refits stopped with a gradient norm above the acceptance threshold; they are kept (as Besiroglu et al. do)",
                b.replicates
            ));
        }
    }
    FitLossOut {
        input: InputOut {
            path: table.path.clone(),
            sha256: table.sha256.clone(),
            layout: table.layout.clone(),
            rows_total: table.rows_total,
            drop_highest,
            dropped_rows: table.dropped_rows.clone(),
        },
        rows_used: table.rows_used,
        objective: ObjectiveOut {
            name: fit.objective.name(),
            value: fit.value,
            delta: match fit.objective {
                Objective::Huber { delta } | Objective::HuberMle { delta } => Some(delta),
                Objective::Lsq => None,
            },
        },
        params: fit.law.clone(),
        sigma: fit.sigma,
        derived: [("a_opt", q[5]), ("b_opt", q[6]), ("G", q[7])]
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        starts: fit.starts.clone(),
        best_start: BestStart {
            reason: fit.reason.clone(),
            iterations: fit.iterations,
            grad_norm: fit.grad_norm,
        },
        constraints: ConstraintsOut {
            fixed: fit
                .constraints
                .fixed
                .iter()
                .enumerate()
                .filter_map(|(j, v)| v.map(|v| (crate::fit::loss::PARAM_NAMES[j].to_string(), v)))
                .collect(),
            tie: fit.constraints.tie_alpha_beta.then_some("alpha=beta"),
        },
        solver: SolverSettings::default(),
        bootstrap: boot.map(BootOut::from),
        warnings,
    }
}

/// The two long tasks of a loss fit, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LossTask {
    /// The multi-start fit (one tick per start).
    Starts,
    /// The case-resampling bootstrap (one tick per replicate).
    Bootstrap,
}

/// Progress of [`fit_loss_table`]; every method has a no-op default and may
/// be called from several threads at once.
pub trait LossTicks: Sync {
    /// `task` of `len` steps starts.
    fn begin(&self, _task: LossTask, _len: u64) {}
    /// One step is done.
    fn tick(&self) {}
    /// The task is done.
    fn end(&self) {}
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoTicks;

impl LossTicks for NoTicks {}

/// The bootstrap of a loss fit: replicates (0: none), seed and start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossBootSettings {
    /// Case-resampling replicates; 0 for none.
    pub replicates: usize,
    /// Seed of the resampling.
    pub seed: u64,
    /// Where every replicate's refit starts.
    pub start: BootStart,
}

/// A loss fit with its bootstrap and its record.
#[derive(Debug)]
pub struct LossRun {
    /// The multi-start fit.
    pub fit: LossFit,
    /// The bootstrap, when replicates were asked for.
    pub boot: Option<LossBootstrap>,
    /// The record `sdsl fit loss --json` prints.
    pub record: FitLossOut,
}

/// A loss fit's settings from their names (objective already parsed):
/// `fix` entries `NAME=VALUE`, `tie` `NAME=NAME`, `grid` a start-grid name.
/// On error, the name of the setting at fault (`fix`, `tie`, `grid`) and
/// why, for the caller to word as its option (`--fix` on the command
/// line, `fix=` in Python).
pub fn loss_spec(
    objective: Objective,
    fix: &[String],
    tie: Option<&str>,
    grid: &str,
) -> Result<crate::fit::loss::LossFitSpec, (&'static str, crate::error::SdslError)> {
    use crate::fit::loss::{Constraints, LossFitSpec, StartGrid};
    let mut constraints = Constraints::default();
    for f in fix {
        constraints.fix(f).map_err(|e| ("fix", e))?;
    }
    if let Some(t) = tie {
        constraints.tie(t).map_err(|e| ("tie", e))?;
    }
    let grid = StartGrid::named(grid).map_err(|e| ("grid", e))?;
    LossFitSpec {
        objective,
        constraints,
        grid,
        settings: SolverSettings::default(),
    }
    .validated()
    .map_err(|e| ("objective", e))
}

/// The loss law fitted on a table: the rows-versus-parameters check, the
/// multi-start fit, the bootstrap when asked for, and the record. The one
/// call behind `sdsl fit loss`, the refit's loss stages and Python's
/// `fit_loss`.
pub fn fit_loss_table(
    table: &LossTable,
    drop_highest: usize,
    spec: &crate::fit::loss::LossFitSpec,
    boot: LossBootSettings,
    ticks: &dyn LossTicks,
) -> Result<LossRun, crate::error::SdslError> {
    use crate::fit::bootstrap::bootstrap_loss;
    use crate::fit::loss::LossData;
    check_rows(table, spec.map().n_free())?;
    let data = LossData::new(&table.n, &table.d, &table.loss)?;
    ticks.begin(LossTask::Starts, spec.grid.starts(&spec.map()).len() as u64);
    let fit = spec.fit(&data, &|| ticks.tick());
    ticks.end();
    let fit = fit?;
    let boot = if boot.replicates > 0 {
        ticks.begin(LossTask::Bootstrap, boot.replicates as u64);
        let b = bootstrap_loss(
            &data,
            spec,
            &fit,
            boot.replicates,
            boot.seed,
            boot.start,
            &|| ticks.tick(),
        );
        ticks.end();
        Some(b?)
    } else {
        None
    };
    let record = fit_record(table, drop_highest, &fit, boot.as_ref());
    Ok(LossRun { fit, boot, record })
}
