//! `sdsl nstar law`'s record: N\* solved on a grid of target sizes M ×
//! pre-training tokens D (the draft trained on the target's D), and the
//! lines N\* = μ·M + M0 and N\* = μ·M + λ·ln D + M0 fitted to it by OLS
//! ([`crate::derive::nstar_law`]), with the paper's μ and M0 beside them.
//! Under a latency cost model, grid points whose target and draft do not fit
//! one device's memory leave the law and are listed.

use super::Laws;
use crate::derive::nstar_law::{LawGrid, NStarLaw, PAPER_M0, PAPER_MU, fit_nstar_law_in_memory};
use crate::error::SdslError;
use crate::fit::interval::{Interval, IntervalMethod};
use crate::fit::ols::OlsFit;
use serde::Serialize;

/// A fitted line in the `nstar law` output.
#[derive(Debug, Serialize)]
pub struct FitOut {
    /// Coefficients by name (mu, m0, and lambda in the log-D variant), each
    /// `{point, se, ci95, method: "ols-t"}` (formal OLS; see `interval_note`).
    pub coefficients: std::collections::BTreeMap<String, Interval>,
    /// R².
    pub r2: f64,
    /// Residual SD (parameters).
    pub residual_sd: f64,
    /// Number of grid points.
    pub n: usize,
}

impl FitOut {
    /// The record of one OLS fit.
    pub fn new(f: &OlsFit) -> Self {
        FitOut {
            coefficients: f
                .coefficients
                .iter()
                .map(|c| {
                    let i =
                        Interval::new(c.estimate, Some(c.se), Some(c.ci95), IntervalMethod::OlsT);
                    (c.name.clone(), i)
                })
                .collect(),
            r2: f.r2,
            residual_sd: f.residual_sd,
            n: f.n,
        }
    }

    /// A coefficient (NaN point without an interval when absent).
    pub fn get(&self, name: &str) -> Interval {
        self.coefficients
            .get(name)
            .copied()
            .unwrap_or(Interval::point(f64::NAN))
    }
}

/// JSON output of `sdsl nstar law`.
#[derive(Debug, Serialize)]
pub struct LawOut {
    /// μ of N* = μ·M + M0 with its formal OLS interval (see `interval_note`).
    pub mu: Interval,
    /// M0 of N* = μ·M + M0 with its formal OLS interval.
    pub m0: Interval,
    /// The full linear fit.
    pub linear: FitOut,
    /// The variant with a ln D term.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_d: Option<FitOut>,
    /// The paper's published law.
    pub paper: Paper,
    /// What the intervals mean.
    pub interval_note: &'static str,
    /// The grid and N* at each point.
    pub grid: GridOut,
    /// Loss law id.
    pub loss_law: String,
    /// α law id.
    pub alpha_law: String,
    /// Cost model.
    pub cost_model: String,
    /// Under a latency cost model: grid points left out of the law because
    /// target and draft (weights and KV caches) exceed the device memory.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub beyond_memory: Vec<crate::derive::nstar_law::GridPoint>,
}

/// The paper's values.
#[derive(Debug, Serialize)]
pub struct Paper {
    /// μ = 2.71e-3.
    pub mu: f64,
    /// M0 = 8.71e7.
    pub m0: f64,
}

/// The grid in the output.
#[derive(Debug, Serialize)]
pub struct GridOut {
    /// Grid specification.
    #[serde(flatten)]
    pub spec: LawGrid,
    /// Target sizes.
    pub m: Vec<f64>,
    /// Token counts (draft and target).
    pub d: Vec<f64>,
    /// N* at every point.
    pub points: Vec<crate::derive::nstar_law::GridPoint>,
}

/// What the law's intervals mean.
pub const INTERVAL_NOTE: &str = "formal OLS intervals over a deterministic grid: they measure how far N*(M, D) is from a straight line and shrink as the grid grows; sampling uncertainty of the laws is propagated by `sdsl refit`";

/// Solves N\* on `grid` (validated by the caller: [`LawGrid::validated`])
/// and fits the law; the record `sdsl nstar law --json` prints.
pub fn nstar_law(laws: &Laws, grid: LawGrid) -> Result<LawOut, SdslError> {
    let (fit, beyond_memory): (NStarLaw, _) = fit_nstar_law_in_memory(
        &grid,
        &laws.loss.law,
        &laws.alpha.law,
        laws.cost,
        laws.latency.as_ref(),
    )?;
    let linear = FitOut::new(&fit.linear);
    Ok(LawOut {
        mu: linear.get("mu"),
        m0: linear.get("m0"),
        linear,
        log_d: fit.log_d.as_ref().map(FitOut::new),
        paper: Paper {
            mu: PAPER_MU,
            m0: PAPER_M0,
        },
        interval_note: INTERVAL_NOTE,
        grid: GridOut {
            m: grid.m_values(),
            d: grid.d_values(),
            spec: grid,
            points: fit.points,
        },
        loss_law: laws.loss.id.clone(),
        alpha_law: laws.alpha.id.clone(),
        cost_model: laws.cost_label.clone(),
        beyond_memory,
    })
}
