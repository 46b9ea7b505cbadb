//! Uncertainty carried to N*: each bootstrap draw of the laws (loss law and,
//! when fitted, α law — paired replicate by replicate) gives its own N* for
//! every target × draft family and its own N* linear law; the 95% intervals
//! are percentiles over the draws that have an interior optimum.

use super::nstar::NStarSetup;
use super::nstar_law::{GridPoint, LawGrid, fit_nstar_law_near};
use crate::fit::bootstrap::{quantile_sorted, sample_sd};
use crate::fit::interval::{Interval, IntervalMethod};
use crate::law::{AlphaLaw, CostModel, LossLaw};
use rayon::prelude::*;
use serde::Serialize;

/// One draw of both laws.
#[derive(Debug, Clone, PartialEq)]
pub struct LawDraw {
    /// Loss law of this replicate.
    pub loss: LossLaw,
    /// α law of this replicate (the published one when no table is fitted).
    pub alpha: AlphaLaw,
}

/// A (target, draft family) cell: sizes and tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Target parameters.
    pub m: f64,
    /// Target tokens.
    pub dt: f64,
    /// Draft tokens.
    pub dd: f64,
}

/// A quantity under the point laws with its spread over the bootstrap
/// draws that succeeded: `{point, se, ci95, method: "percentile", n, failed}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DrawInterval {
    /// The value under the point laws, the SD of the draws and their 95%
    /// percentile interval.
    #[serde(flatten)]
    pub interval: Interval,
    /// Draws with a value.
    pub n: usize,
    /// Draws without one (no interior optimum).
    pub failed: usize,
}

/// The interval of draws' values around the point-law value (None entries
/// are failures); SE and bounds are undefined (null) with fewer than two.
pub fn interval(point: f64, values: &[Option<f64>]) -> DrawInterval {
    let mut ok: Vec<f64> = values.iter().flatten().copied().collect();
    ok.sort_by(f64::total_cmp);
    let enough = ok.len() >= 2;
    DrawInterval {
        interval: Interval::new(
            point,
            enough.then(|| sample_sd(&ok)),
            enough.then(|| [quantile_sorted(&ok, 0.025), quantile_sorted(&ok, 0.975)]),
            IntervalMethod::Percentile,
        ),
        n: ok.len(),
        failed: values.len() - ok.len(),
    }
}

/// One draw's N* per cell and (μ, M0).
type DrawOutcome = (Vec<Option<f64>>, Option<(f64, f64)>);

/// N* per cell and (μ, M0) of the N* law, per draw, in draw order.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawResults {
    /// `cells[c][d]`: N* of cell c under draw d.
    pub cells: Vec<Vec<Option<f64>>>,
    /// μ per draw.
    pub mu: Vec<Option<f64>>,
    /// M0 per draw.
    pub m0: Vec<Option<f64>>,
}

/// Starting points for the draws' searches: the point estimate's N* per
/// cell (None: search the whole grid) and per N*-law grid point.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hints<'a> {
    /// N* of each cell under the point laws.
    pub cells: &'a [Option<f64>],
    /// The point estimate's N*-law grid points.
    pub law: Option<&'a [GridPoint]>,
}

/// N\* of each cell under each draw (no N\* law): the cells-only part of
/// [`propagate`], for cost models whose law grid is not wanted (the
/// "What to deploy" table's latency models). `hints[i]` starts cell i's
/// search near the point laws' N\*; per draw and cell, `None` where no
/// interior N\* exists. Deterministic on any number of threads.
pub fn propagate_cells(
    draws: &[LawDraw],
    cells: &[Cell],
    cost: CostModel,
    hints: &[Option<f64>],
) -> Vec<Vec<Option<f64>>> {
    let per: Vec<Vec<Option<f64>>> = draws
        .par_iter()
        .map(|d| {
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let setup = NStarSetup {
                        target_params: c.m,
                        target_tokens: c.dt,
                        draft_tokens: c.dd,
                        loss: &d.loss,
                        alpha: &d.alpha,
                        cost,
                    }
                    .validated();
                    match hints.get(i).copied().flatten() {
                        Some(h) => setup.and_then(|s| s.solve_near(h)),
                        None => setup.and_then(|s| s.solve().map(|r| r.n_star)),
                    }
                    .ok()
                })
                .collect()
        })
        .collect();
    (0..cells.len())
        .map(|c| per.iter().map(|p| p[c]).collect())
        .collect()
}

/// Solves every cell and the N* law under every draw (in parallel on the
/// current rayon pool; results in draw order, independent of threads). Each
/// search starts near the point estimate's N* (`hints`; see
/// [`NStarSetup::solve_near`]): draws sit close to the point estimate, so
/// a few grid points and Brent's refinement usually suffice.
pub fn propagate(
    draws: &[LawDraw],
    cells: &[Cell],
    grid: &LawGrid,
    cost: CostModel,
    hints: Hints,
    on_draw: &(dyn Fn() + Sync),
) -> DrawResults {
    let per: Vec<DrawOutcome> = draws
        .par_iter()
        .map(|d| {
            let ns = cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let setup = NStarSetup {
                        target_params: c.m,
                        target_tokens: c.dt,
                        draft_tokens: c.dd,
                        loss: &d.loss,
                        alpha: &d.alpha,
                        cost,
                    }
                    .validated();
                    match hints.cells.get(i).copied().flatten() {
                        Some(h) => setup.and_then(|s| s.solve_near(h)),
                        None => setup.and_then(|s| s.solve().map(|r| r.n_star)),
                    }
                    .ok()
                })
                .collect();
            let law = fit_nstar_law_near(grid, &d.loss, &d.alpha, cost, hints.law)
                .ok()
                .map(|l| {
                    (
                        l.linear.coefficients[0].estimate,
                        l.linear.coefficients[1].estimate,
                    )
                });
            on_draw();
            (ns, law)
        })
        .collect();
    let cells_out = (0..cells.len())
        .map(|c| per.iter().map(|p| p.0[c]).collect())
        .collect();
    DrawResults {
        cells: cells_out,
        mu: per.iter().map(|p| p.1.map(|x| x.0)).collect(),
        m0: per.iter().map(|p| p.1.map(|x| x.1)).collect(),
    }
}
