//! The N* linear law: N* = μ·M + M0 (SDSL reports μ = 2.71e-3, M0 = 8.71e7
//! from a pooled regression whose exact design is not public).
//!
//! We make the design explicit: N* is solved ([`super::nstar`]) on a grid of
//! target sizes M × pre-training tokens D, with the draft trained on the
//! target's D (D_d = D_t = D). The default grid, [`LawGrid::default`], is
//! 12 log-spaced M in [1e10, 1.2e11] (the range of the paper's targets) ×
//! 7 log-spaced D in [1e11, 1e14]. Two OLS fits ([`crate::fit::ols`]):
//!
//! - `linear`: N* = μ·M + M0,
//! - `log_d`:  N* = μ·M + λ·ln D + M0.
//!
//! The grid is deterministic, so these standard errors and intervals are
//! formal OLS quantities: they describe the misfit of a straight line to the
//! N*(M, D) surface and shrink as the grid grows. They are *not* sampling
//! uncertainty; that comes from bootstrapping the laws (`sdsl refit`).

use super::nstar::NStarSetup;
use crate::error::SdslError;
use crate::fit::latency::LatencyProfile;
use crate::fit::ols::{OlsFit, ols};
use crate::law::{AlphaLaw, CostModel, LossLaw};
use nalgebra::{DMatrix, DVector};
use serde::Serialize;

/// The published law (SDSL): μ = 2.71e-3.
pub const PAPER_MU: f64 = 2.71e-3;
/// The published law (SDSL): M0 = 8.71e7.
pub const PAPER_M0: f64 = 8.71e7;

/// A grid of (M, D) points: `n_m` log-spaced M in [m_min, m_max] × `n_d`
/// log-spaced D in [d_min, d_max].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LawGrid {
    /// Smallest target size.
    pub m_min: f64,
    /// Largest target size.
    pub m_max: f64,
    /// Number of target sizes.
    pub n_m: usize,
    /// Smallest token count.
    pub d_min: f64,
    /// Largest token count.
    pub d_max: f64,
    /// Number of token counts.
    pub n_d: usize,
}

impl Default for LawGrid {
    fn default() -> Self {
        LawGrid {
            m_min: 1e10,
            m_max: 1.2e11,
            n_m: 12,
            d_min: 1e11,
            d_max: 1e14,
            n_d: 7,
        }
    }
}

fn log_space(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![lo];
    }
    let (a, b) = (lo.ln(), hi.ln());
    (0..n)
        .map(|i| (a + (b - a) * i as f64 / (n - 1) as f64).exp())
        .collect()
}

/// The most points an N* law grid may have (M values × D values).
pub const MAX_GRID_POINTS: usize = 100_000;

impl LawGrid {
    /// Checks ranges and counts.
    pub fn validated(self) -> Result<Self, SdslError> {
        let ok = |lo: f64, hi: f64| lo.is_finite() && hi.is_finite() && lo > 0.0 && hi >= lo;
        if !ok(self.m_min, self.m_max) || !ok(self.d_min, self.d_max) {
            return Err(SdslError::InvalidArgument(format!(
                "N* law grid: need 0 < min ≤ max for M ({}, {}) and D ({}, {})",
                self.m_min, self.m_max, self.d_min, self.d_max
            )));
        }
        let points = self.n_m.saturating_mul(self.n_d);
        if points > MAX_GRID_POINTS {
            return Err(SdslError::InvalidArgument(format!(
                "N* law grid: {} M values × {} D values is {points} points; at most {MAX_GRID_POINTS} in all (each point is an N* search, repeated for every bootstrap draw)",
                self.n_m, self.n_d
            )));
        }
        if self.n_m < 2 || self.n_d < 1 || points < 4 {
            return Err(SdslError::InvalidArgument(format!(
                "N* law grid: {} M values × {} D values is too few; need ≥ 2 M values and ≥ 4 points",
                self.n_m, self.n_d
            )));
        }
        Ok(self)
    }

    /// The target sizes.
    pub fn m_values(&self) -> Vec<f64> {
        log_space(self.m_min, self.m_max, self.n_m)
    }

    /// The token counts.
    pub fn d_values(&self) -> Vec<f64> {
        log_space(self.d_min, self.d_max, self.n_d)
    }
}

/// One grid point and its N*.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GridPoint {
    /// Target parameters.
    pub m: f64,
    /// Pre-training tokens of target and draft.
    pub d: f64,
    /// The throughput-optimal draft size.
    pub n_star: f64,
}

/// Both fits of the linear law.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NStarLaw {
    /// The grid used.
    pub grid: LawGrid,
    /// N* at every grid point.
    pub points: Vec<GridPoint>,
    /// N* = μ·M + M0.
    pub linear: OlsFit,
    /// N* = μ·M + λ·ln D + M0 (None when the grid has a single D).
    pub log_d: Option<OlsFit>,
}

/// Solves N* on every grid point and fits both laws.
pub fn fit_nstar_law(
    grid: &LawGrid,
    loss: &LossLaw,
    alpha: &AlphaLaw,
    cost: CostModel,
) -> Result<NStarLaw, SdslError> {
    fit_nstar_law_near(grid, loss, alpha, cost, None)
}

/// [`fit_nstar_law`] with each grid point's search started near `hints`
/// (one N* per grid point, in `points` order, e.g. from the point
/// estimate's law; see [`NStarSetup::solve_near`]).
pub fn fit_nstar_law_near(
    grid: &LawGrid,
    loss: &LossLaw,
    alpha: &AlphaLaw,
    cost: CostModel,
    hints: Option<&[GridPoint]>,
) -> Result<NStarLaw, SdslError> {
    let mut points = Vec::with_capacity(grid.n_m * grid.n_d);
    for &m in &grid.m_values() {
        for &d in &grid.d_values() {
            let setup = NStarSetup {
                target_params: m,
                target_tokens: d,
                draft_tokens: d,
                loss,
                alpha,
                cost,
            }
            .validated()?;
            let hint = hints.and_then(|h| h.get(points.len())).map(|p| p.n_star);
            let n_star = match hint {
                Some(h) => setup.solve_near(h),
                None => setup.solve().map(|r| r.n_star),
            }
            .map_err(|e| {
                SdslError::NoOptimum(format!("grid point M = {m:.4e}, D = {d:.4e}: {e}"))
            })?;
            points.push(GridPoint { m, d, n_star });
        }
    }
    fit_points(grid, points)
}

/// [`fit_nstar_law`] under a latency cost model whose device memory is
/// known: grid points whose target and N* draft (bf16 weights and KV
/// caches, [`LatencyProfile::memory_need`]) do not fit one device leave the
/// law — multi-GPU latency is not measured — and are returned beside it.
/// Without a profile (or without its memory) every point stays.
pub fn fit_nstar_law_in_memory(
    grid: &LawGrid,
    loss: &LossLaw,
    alpha: &AlphaLaw,
    cost: CostModel,
    profile: Option<&LatencyProfile>,
) -> Result<(NStarLaw, Vec<GridPoint>), SdslError> {
    let fit = fit_nstar_law(grid, loss, alpha, cost)?;
    let Some(prof) = profile.filter(|p| p.memory_bytes.is_some()) else {
        return Ok((fit, Vec::new()));
    };
    let (keep, out): (Vec<_>, Vec<_>) = fit
        .points
        .iter()
        .cloned()
        .partition(|p| prof.fits_memory(("", p.m), ("", p.n_star)) != Some(false));
    if out.is_empty() {
        return Ok((fit, out));
    }
    let law = fit_points(grid, keep).map_err(|e| {
        SdslError::InvalidArgument(format!(
            "{e}: {} of the grid's targets exceed the device memory of {}; lower the grid's largest M",
            out.len(),
            prof.hardware
        ))
    })?;
    Ok((law, out))
}

/// Fits both laws to solved grid points (at least 3 points; the log-D form
/// only when they span more than one D).
pub fn fit_points(grid: &LawGrid, points: Vec<GridPoint>) -> Result<NStarLaw, SdslError> {
    let n = points.len();
    if n < 3 {
        return Err(SdslError::InvalidArgument(format!(
            "N* law: {n} grid points left; a line needs at least 3"
        )));
    }
    let mut ds: Vec<u64> = points.iter().map(|p| p.d.to_bits()).collect();
    ds.sort_unstable();
    ds.dedup();
    let y = DVector::from_iterator(n, points.iter().map(|p| p.n_star));
    let x1 = DMatrix::from_fn(n, 2, |i, j| if j == 0 { points[i].m } else { 1.0 });
    let linear = ols(&x1, &y, &["mu", "m0"], true)?;
    let log_d = if grid.n_d > 1 && ds.len() > 1 && n > 3 {
        let x2 = DMatrix::from_fn(n, 3, |i, j| match j {
            0 => points[i].m,
            1 => points[i].d.ln(),
            _ => 1.0,
        });
        Some(ols(&x2, &y, &["mu", "lambda", "m0"], true)?)
    } else {
        None
    };
    Ok(NStarLaw {
        grid: grid.clone(),
        points,
        linear,
        log_d,
    })
}
