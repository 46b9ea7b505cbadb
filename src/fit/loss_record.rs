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
