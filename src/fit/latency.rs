//! The latency law t(P) and the verification ratio v(q), fitted to a
//! measured latency table (docs/latency.md).
//!
//! Selection: the rows of one (mode, ctx, batch), without the lab-scale
//! `tiny` shapes (their times are pure launch overhead and would pull the
//! law towards shapes nobody drafts with). Each architecture contributes its
//! decode time t(1) and its verification times t(q), q > 1.
//!
//! Forms of the decode time, both by **relative-error least squares**
//! (minimise Σᵢ ((t̂ᵢ − tᵢ)/tᵢ)², i.e. weighted least squares with weights
//! 1/tᵢ², since the times span three decades and an unweighted fit would
//! ignore the small models), through [`crate::fit::ols::wls`]:
//! - affine in parameters, t = t0 + k·P (bandwidth cost k per parameter plus
//!   a fixed per-step overhead t0);
//! - depth-aware, t = t0 + τ·layers + k·P (per-layer launch and
//!   synchronisation cost τ), where the table has a `layers` column.
//!
//! Each form's accuracy is its **leave-one-architecture-out** (LOAO) relative
//! error: refit without architecture i, predict its time, (t̂ − t)/t; the mean
//! and the maximum of |·| are reported. Up to 64 architectures the refits are
//! done; above, the same errors come in O(n) from the full fit's leverages
//! (eᵢ/(1 − hᵢᵢ), see `loao_leverage`). **N\* uses the affine form**, always:
//! the depth-aware form predicts measured shapes better but needs a layer
//! count, which a hypothetical draft of N parameters does not have (docs/latency.md).
//! The form with the smaller mean LOAO error is reported as the more
//! accurate one (on a tie, the simpler form).
//!
//! Verification ratio v(q) = t(q)/t(1) for a model of P parameters: per
//! measured q > 1, an ordinary least-squares line vᵢ(q) = a_q + b_q·ln Pᵢ
//! over the same architectures; evaluated with P clamped to the
//! architectures' range (flagged), v clamped at ≥ 1 (flagged: eager rows can
//! measure v < 1 from noise), and linear in q between measured q (v(1) = 1).
//!
//! Uncertainty: a case bootstrap over **architectures** (resample the
//! architectures with replacement; replicate i uses ChaCha8 stream i of the
//! seed, [`crate::fit::bootstrap::resample_indices`], so the intervals do not
//! depend on the thread count); 95% percentile intervals. A replicate whose
//! design is rank-deficient (e.g. one architecture drawn every time) is
//! skipped for that quantity and counted.
//!
//! **No size dependence**: when the 95% interval of the affine k (the
//! bootstrap's, else the WLS t interval) contains 0, decode time does not
//! measurably grow with size; the profile says so in its warnings and
//! [`LatencyProfile::latency_cost`] refuses to price drafts from it
//! (`no_size_dependence`).

use crate::error::SdslError;
use crate::fit::bootstrap::{Estimate, percentile_estimate, resample_indices};
use crate::fit::ols::wls;
use crate::ingest::latency::{LatencyTable, Mode};
use crate::law::cost::{LatencyCost, MAX_VERIFY_KNOTS};
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `kind` of a profile file.
pub const PROFILE_KIND: &str = "latency_profile";

/// The `kind` of a profile built from single-model engine runs
/// ([`LatencyProfile::from_runs`]): the affine t(P) only, v ≡ 1 assumed.
pub const RUNS_PROFILE_KIND: &str = "runs-affine";

/// Default bootstrap replicates of `sdsl fit latency`.
pub const DEFAULT_REPLICATES: usize = 1000;

/// Which rows of a latency table to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencySelection {
    /// Launch mode.
    pub mode: Mode,
    /// Tokens already in the KV cache.
    pub ctx: u64,
    /// Sequences per pass.
    pub batch: u64,
}

impl Default for LatencySelection {
    /// graph mode, ctx 512, batch 1 (the shipped `h200-graph` setting).
    fn default() -> Self {
        LatencySelection {
            mode: Mode::Graph,
            ctx: 512,
            batch: 1,
        }
    }
}

/// What to fit: a selection and the bootstrap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencyFitSpec {
    /// The rows to fit.
    pub selection: LatencySelection,
    /// Bootstrap replicates over architectures (0 = none; else at least 2).
    pub replicates: usize,
    /// Bootstrap seed.
    pub seed: u64,
}

/// A [`LatencyFitSpec`] whose settings were checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValidLatencyFitSpec(LatencyFitSpec);

impl LatencyFitSpec {
    /// Checks the bootstrap size.
    pub fn validated(self) -> Result<ValidLatencyFitSpec, SdslError> {
        let max = crate::fit::bootstrap::MAX_REPLICATES;
        if self.replicates == 1 || self.replicates > max {
            return Err(SdslError::InvalidArgument(format!(
                "bootstrap replicates = {}: use 0 (none) or 2..={max}",
                self.replicates
            )));
        }
        Ok(ValidLatencyFitSpec(self))
    }
}

/// One architecture's measured times at the selection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArchTimes {
    /// Architecture name.
    pub arch: String,
    /// Total parameters.
    pub params_total: f64,
    /// Decoder layers, when the table has them.
    pub layers: Option<u64>,
    /// Median time of one pass over q new tokens, ms, by q.
    pub times_ms: BTreeMap<u32, f64>,
    /// bf16 KV-cache bytes per cached token, 2·2·layers·kv_heads·d_model/heads
    /// (K and V, 2 bytes each), when the table has the shape columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kv_bytes_per_token: Option<f64>,
}

impl ArchTimes {
    /// The decode-step time t(1), ms; NaN when there is no q = 1 time (never
    /// for a validated table or profile, [`LatencyProfile::validate`]): a NaN
    /// cost ratio prices no draft, where an index would panic.
    pub fn decode_ms(&self) -> f64 {
        self.times_ms.get(&1).copied().unwrap_or(f64::NAN)
    }
}

/// t = t0 + k·P.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AffineLatency {
    /// Fixed per-step time, ms.
    pub t0_ms: f64,
    /// Time per parameter, ms.
    pub k_ms_per_param: f64,
}

impl AffineLatency {
    /// t(P), ms.
    pub fn time_ms(&self, params: f64) -> f64 {
        self.t0_ms + self.k_ms_per_param * params
    }
}

/// t = t0 + τ·layers + k·P.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DepthLatency {
    /// Fixed per-step time, ms.
    pub t0_ms: f64,
    /// Time per decoder layer, ms.
    pub tau_ms_per_layer: f64,
    /// Time per parameter, ms.
    pub k_ms_per_param: f64,
}

impl DepthLatency {
    /// t(layers, P), ms.
    pub fn time_ms(&self, layers: f64, params: f64) -> f64 {
        self.t0_ms + self.tau_ms_per_layer * layers + self.k_ms_per_param * params
    }
}

/// Relative errors (t̂ − t)/t of one form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelError {
    /// Mean |relative error|.
    pub mean_abs: f64,
    /// Largest |relative error|.
    pub max_abs: f64,
    /// The architecture with the largest |relative error|.
    pub worst_arch: String,
    /// Signed relative error per architecture.
    pub per_arch: BTreeMap<String, f64>,
}

impl RelError {
    fn from_pairs(pairs: Vec<(String, f64)>) -> RelError {
        let n = pairs.len() as f64;
        let mean_abs = pairs.iter().map(|(_, e)| e.abs()).sum::<f64>() / n;
        let (worst_arch, max_abs) =
            pairs
                .iter()
                .fold((String::new(), -1.0f64), |(wa, wm), (a, e)| {
                    if e.abs() > wm {
                        (a.clone(), e.abs())
                    } else {
                        (wa, wm)
                    }
                });
        RelError {
            mean_abs,
            max_abs,
            worst_arch,
            per_arch: pairs.into_iter().collect(),
        }
    }
}

/// A fitted form with its in-sample and leave-one-architecture-out errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormFit<L> {
    /// The fitted law.
    pub law: L,
    /// Relative errors of the fit on its own data.
    pub in_sample: RelError,
    /// Leave-one-architecture-out relative errors; absent only for a
    /// `runs-affine` profile on two sizes, whose affine fit is exact (two
    /// points, two parameters: no size can be left out and refitted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loao: Option<RelError>,
}

/// One measured q's line v(q) = a + b·ln P.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VerifyLine {
    /// New tokens per pass (γ + 1).
    pub q: u32,
    /// Intercept a_q.
    pub a: f64,
    /// Slope b_q per unit of ln P.
    pub b: f64,
    /// Architectures behind the line.
    pub architectures: usize,
}

/// v(q) at one P, with what had to be clamped.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct VerifyEval {
    /// v(q) = t(q)/t(1), ≥ 1.
    pub v: f64,
    /// P lay outside the architectures' range and was clamped to it.
    pub params_clamped: bool,
    /// A measured q's line gave v < 1 at this P; 1 was used instead.
    pub v_clamped: bool,
}

/// The bootstrap over architectures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyBootstrap {
    /// Replicates drawn.
    pub replicates: usize,
    /// Seed.
    pub seed: u64,
    /// Per quantity, the replicates skipped as rank-deficient.
    pub skipped: BTreeMap<String, usize>,
    /// Per quantity (`affine.t0_ms`, `affine.k_ms_per_param`, `depth.*`,
    /// `v.q<Q>.a`, `v.q<Q>.b`): point, SE and 95% percentile interval.
    pub estimates: BTreeMap<String, Estimate>,
}

/// The source table of a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceTable {
    /// Path as given.
    pub path: String,
    /// SHA-256 of the file.
    pub sha256: String,
}

/// A fitted latency profile: what the latency cost model needs, and how
/// well it fits. Written by `sdsl fit latency --out`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencyProfile {
    /// Always [`PROFILE_KIND`].
    pub kind: String,
    /// The device (`device` of the `.meta` file, else the table's file name).
    pub hardware: String,
    /// Device memory in bytes (`memory_bytes` of the `.meta` file), if known.
    pub memory_bytes: Option<f64>,
    /// The rows fitted.
    pub selection: LatencySelection,
    /// The affine law t = t0 + k·P (the one N\* uses).
    pub affine: FormFit<AffineLatency>,
    /// The depth-aware law, when the table has layer counts.
    pub depth: Option<FormFit<DepthLatency>>,
    /// The form N\* uses: always "affine".
    pub nstar_form: String,
    /// Why.
    pub nstar_form_reason: String,
    /// The form with the smaller mean LOAO error (the simpler on a tie).
    pub most_accurate_form: String,
    /// v(q) lines per measured q > 1, ascending.
    pub verify: Vec<VerifyLine>,
    /// Largest measured q (so γ ≤ q_max − 1).
    pub q_max: u32,
    /// Smallest and largest `params_total` fitted.
    pub params_range: [f64; 2],
    /// The architectures fitted, with their measured times.
    pub architectures: Vec<ArchTimes>,
    /// Architectures left out as lab-scale (`tiny`).
    pub excluded: Vec<String>,
    /// The table fitted.
    pub source: SourceTable,
    /// Bootstrap intervals (absent when no replicates were asked for).
    pub bootstrap: Option<LatencyBootstrap>,
    /// When the selected batch was not measured: the two measured batches
    /// its times were interpolated between (linearly in ln b).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_interpolated_from: Option<[u64; 2]>,
    /// bf16 KV-cache bytes per cached token as a power law of the model's
    /// size, ln kv = a + b·ln P (least squares over the fitted architectures
    /// with shape columns): [a, b]. For models the table did not measure
    /// (measured ones use their own shape). None without shape columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kv_law: Option<[f64; 2]>,
    /// For a profile of kind [`crate::fit::roofline::ROOFLINE_KIND`]: the
    /// GPU and calibration its times were priced from (its `architectures`
    /// then hold roofline times of the measured shapes, not measurements).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roofline: Option<crate::fit::roofline::RooflineOrigin>,
    /// Things the user should know (measured v < 1, a negative t0, …).
    pub warnings: Vec<String>,
}

/// The reason N\* uses the affine form, as printed and stored.
pub const NSTAR_FORM_REASON: &str = "N* needs the time of a draft of any size N; the depth-aware form needs a layer count that a hypothetical draft does not have, so N* uses the affine law for draft and target alike (docs/latency.md)";

/// Relative-error WLS of t on the columns of `x` (weights 1/t²).
fn rel_wls(x: &DMatrix<f64>, t: &[f64], names: &[&str]) -> Option<Vec<f64>> {
    let w: Vec<f64> = t.iter().map(|v| 1.0 / (v * v)).collect();
    let y = DVector::from_column_slice(t);
    wls(x, &y, Some(&w), names, true)
        .ok()
        .map(|f| f.estimates())
}

fn affine_design(archs: &[&ArchTimes]) -> DMatrix<f64> {
    DMatrix::from_fn(archs.len(), 2, |i, j| {
        if j == 0 { 1.0 } else { archs[i].params_total }
    })
}

fn depth_design(archs: &[&ArchTimes]) -> Option<DMatrix<f64>> {
    let layers: Option<Vec<f64>> = archs.iter().map(|a| a.layers.map(|l| l as f64)).collect();
    let layers = layers?;
    Some(DMatrix::from_fn(archs.len(), 3, |i, j| match j {
        0 => 1.0,
        1 => layers[i],
        _ => archs[i].params_total,
    }))
}

/// The affine law fitted on `archs` (None when the design is degenerate).
pub fn fit_affine(archs: &[&ArchTimes]) -> Option<AffineLatency> {
    let t: Vec<f64> = archs.iter().map(|a| a.decode_ms()).collect();
    let b = rel_wls(&affine_design(archs), &t, &["t0", "k"])?;
    Some(AffineLatency {
        t0_ms: b[0],
        k_ms_per_param: b[1],
    })
}

/// The depth-aware law fitted on `archs` (None without layers or when the
/// design is degenerate).
pub fn fit_depth(archs: &[&ArchTimes]) -> Option<DepthLatency> {
    let t: Vec<f64> = archs.iter().map(|a| a.decode_ms()).collect();
    let b = rel_wls(&depth_design(archs)?, &t, &["t0", "tau", "k"])?;
    Some(DepthLatency {
        t0_ms: b[0],
        tau_ms_per_layer: b[1],
        k_ms_per_param: b[2],
    })
}

/// Below this fraction of the fastest measured time, the size term of the
/// affine law at the largest fitted size, |k|·P_max, is rounding rather
/// than a measurement (timers give at most 6 significant digits). An
/// exactly constant table fits k ≈ −6e-27 ms/param with zero residuals,
/// so its WLS standard error is 0 and its interval the single point k,
/// which does not contain 0. See [`no_size_dependence`].
const FLAT_K_RESOLUTION: f64 = 1e-9;

/// The 95% t interval of the affine law's k from the relative-error WLS
/// fit on `archs` (coefficient ± t₀.₉₇₅(n − 2)·SE, [`wls`]); None when the
/// fit fails or the interval is not finite.
fn affine_k_ci95_wls(archs: &[&ArchTimes]) -> Option<[f64; 2]> {
    let t: Vec<f64> = archs.iter().map(|a| a.decode_ms()).collect();
    let w: Vec<f64> = t.iter().map(|v| 1.0 / (v * v)).collect();
    let y = DVector::from_column_slice(&t);
    let f = wls(&affine_design(archs), &y, Some(&w), &["t0", "k"], true).ok()?;
    let ci = f.coefficients[1].ci95;
    ci.iter().all(|v| v.is_finite()).then_some(ci)
}

/// Why the affine law of `archs` shows **no size dependence**, if it does:
/// the 95% interval of k (ms per parameter) contains 0, so decode time does
/// not measurably grow with model size and the law cannot price a draft
/// of another size (docs/latency.md).
///
/// The interval: the bootstrap's percentile interval of
/// `affine.k_ms_per_param` when `bootstrap` has one, else the WLS t interval
/// ([`affine_k_ci95_wls`]; it assumes independent relative errors of equal
/// variance). Also flat: |k|·P_max ≤ [`FLAT_K_RESOLUTION`]·t_min (k is
/// rounding; its interval contains 0 at the arithmetic's resolution). None
/// (not flat) when neither test applies or `archs` is empty.
fn no_size_dependence(
    archs: &[&ArchTimes],
    law: &AffineLatency,
    bootstrap: Option<&LatencyBootstrap>,
) -> Option<String> {
    if archs.is_empty() {
        return None;
    }
    let k = law.k_ms_per_param;
    let boot = bootstrap
        .and_then(|b| b.estimates.get("affine.k_ms_per_param"))
        .and_then(|e| e.ci95);
    let (ci, source) = match boot {
        Some(ci) => (Some(ci), "bootstrap percentile interval"),
        None => (affine_k_ci95_wls(archs), "WLS standard-error interval"),
    };
    if let Some([lo, hi]) = ci
        && lo <= 0.0
        && 0.0 <= hi
    {
        return Some(format!(
            "the 95% interval of k contains 0 (k = {k:.3e} ms/param, {source} [{lo:.3e}, {hi:.3e}])"
        ));
    }
    let p_max = archs.iter().map(|a| a.params_total).fold(0.0, f64::max);
    let t_min = archs
        .iter()
        .map(|a| a.decode_ms())
        .fold(f64::INFINITY, f64::min);
    (k.abs() * p_max <= FLAT_K_RESOLUTION * t_min).then(|| {
        format!(
            "the 95% interval of k contains 0 at the resolution of the times (k = {k:.3e} ms/param changes the largest fitted model's time by {:.1e} ms, under {FLAT_K_RESOLUTION:e} of the fastest measured time, {t_min:.4} ms: rounding)",
            k.abs() * p_max
        )
    })
}

/// The line v(q) = a + b·ln P over the architectures that measured q
/// (None with fewer than two distinct sizes).
fn fit_verify_line(archs: &[&ArchTimes], q: u32) -> Option<VerifyLine> {
    let pts: Vec<(f64, f64)> = archs
        .iter()
        .filter_map(|a| {
            a.times_ms
                .get(&q)
                .map(|t| (a.params_total.ln(), t / a.decode_ms()))
        })
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let x = DMatrix::from_fn(pts.len(), 2, |i, j| if j == 0 { 1.0 } else { pts[i].0 });
    let y = DVector::from_iterator(pts.len(), pts.iter().map(|p| p.1));
    let f = wls(&x, &y, None, &["a", "b"], true).ok()?;
    let b = f.estimates();
    Some(VerifyLine {
        q,
        a: b[0],
        b: b[1],
        architectures: pts.len(),
    })
}

/// Up to this many architectures, [`loao`] refits without each one
/// ([`loao_refit`]); above, it uses the leverage identity
/// ([`loao_leverage`]).
///
/// The explicit refits are the reference computation and cost at most 64
/// fits of 63 rows (about a millisecond); keeping them for small tables
/// keeps the errors of the shipped H200 selections (16 architectures)
/// bit-for-bit what they were, so the committed reports do not move. The
/// two paths agree to a few 1e-13 relative (`loao_tests`: at most 1.3e-13
/// on the shipped selections, 3.7e-13 on random tables), not bit-for-bit.
const LOAO_REFIT_MAX: usize = 64;

/// Leverage h_ii above which [`loao_leverage`] refits without row i
/// instead of dividing by 1 − h_ii (see there).
const LOAO_LEVERAGE_REFIT: f64 = 0.5;

/// Leave-one-architecture-out relative errors of a form: by explicit refits
/// up to [`LOAO_REFIT_MAX`] architectures, else by the leverage identity
/// (O(n) instead of O(n²)). `design` is the form's design matrix X (rows
/// in the order of `archs`), `fit` its relative-error WLS fit. None when a
/// fit without some architecture is rank-deficient.
fn loao<L>(
    archs: &[&ArchTimes],
    design: impl Fn(&[&ArchTimes]) -> Option<DMatrix<f64>>,
    fit: impl Fn(&[&ArchTimes]) -> Option<L>,
    predict: impl Fn(&L, &ArchTimes) -> f64,
) -> Option<RelError> {
    if archs.len() <= LOAO_REFIT_MAX {
        loao_refit(archs, fit, predict)
    } else {
        loao_leverage(archs, design, fit, predict)
    }
}

/// LOAO errors by the deleted-residual (PRESS) identity, O(n·p²) for n
/// architectures and p coefficients.
///
/// Formula. Relative-error WLS (weights 1/tᵢ²) is OLS on the rows divided
/// by tᵢ: x̃ᵢ = xᵢ/tᵢ, ỹᵢ = 1. With H = X̃(X̃ᵀX̃)⁻¹X̃ᵀ and hᵢᵢ its
/// diagonal (the leverage), the fit without row i leaves row i the residual
/// ỹᵢ − x̃ᵢᵀb₍ᵢ₎ = r̃ᵢ/(1 − hᵢᵢ), where r̃ᵢ is its residual in the full fit
/// (Sherman–Morrison on (X̃ᵀX̃ − x̃ᵢx̃ᵢᵀ)⁻¹; Cook & Weisberg 1982,
/// *Residuals and Influence in Regression*, ch. 2; Allen 1974, the PRESS
/// statistic, Technometrics 16(1):125–127). Since r̃ᵢ = 1 − t̂ᵢ/tᵢ = −eᵢ for the
/// in-sample relative error eᵢ = (t̂ᵢ − tᵢ)/tᵢ, the LOAO relative error is
/// eᵢ/(1 − hᵢᵢ). The weight of row i itself drops out: row i is predicted
/// by a fit on the other rows with their own weights, as in a refit.
///
/// Numerics. hᵢᵢ = ‖Qᵢ‖², the squared i-th row of the thin Householder Q
/// of X̃ with unit-norm columns (as in [`wls`]): backward stable, without
/// the squared condition number of normal equations, and no row's
/// contribution is subtracted from a sum (downdating XᵀWX cancels badly
/// when the row dominates it). 1 − hᵢᵢ carries a relative error of about
/// ε/(1 − hᵢᵢ), and at hᵢᵢ = 1 the fit without row i is rank-deficient; so
/// rows with hᵢᵢ > [`LOAO_LEVERAGE_REFIT`] = 1/2 are refitted from scratch
/// by `fit`, which also makes the rank decision (a rank-deficient refit
/// gives None, as in [`loao_refit`]). Since Σᵢ hᵢᵢ = p (the trace of H),
/// fewer than 2p rows can exceed 1/2: at most 3 refits for the affine form
/// and 5 for the depth-aware one.
///
/// Assumptions: the full design has full column rank (else `fit` gives
/// None and so does this); removing a row with hᵢᵢ ≤ 1/2 keeps the rank,
/// since X̃ᵀX̃ − x̃ᵢx̃ᵢᵀ ⪰ (1 − hᵢᵢ)·X̃ᵀX̃ (conditioning at most √2 worse
/// than the full design's).
fn loao_leverage<L>(
    archs: &[&ArchTimes],
    design: impl Fn(&[&ArchTimes]) -> Option<DMatrix<f64>>,
    fit: impl Fn(&[&ArchTimes]) -> Option<L>,
    predict: impl Fn(&L, &ArchTimes) -> f64,
) -> Option<RelError> {
    let law = fit(archs)?;
    let x = design(archs)?;
    let (n, p) = x.shape();
    let mut xs = DMatrix::from_fn(n, p, |i, j| x[(i, j)] / archs[i].decode_ms());
    for j in 0..p {
        let s = xs.column(j).norm();
        if !(s > 0.0 && s.is_finite()) {
            return None;
        }
        xs.column_mut(j).scale_mut(1.0 / s);
    }
    let q = xs.qr().q();
    let mut pairs = Vec::with_capacity(n);
    for (i, a) in archs.iter().enumerate() {
        let h = q.row(i).norm_squared();
        let t = a.decode_ms();
        let e = if h <= LOAO_LEVERAGE_REFIT {
            (predict(&law, a) - t) / t / (1.0 - h)
        } else {
            let rest: Vec<&ArchTimes> = archs
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, b)| *b)
                .collect();
            (predict(&fit(&rest)?, a) - t) / t
        };
        pairs.push((a.arch.clone(), e));
    }
    Some(RelError::from_pairs(pairs))
}

/// LOAO errors by refitting without each architecture in turn: n fits of
/// n − 1 rows, O(n²·p²). The reference for [`loao_leverage`].
fn loao_refit<L>(
    archs: &[&ArchTimes],
    fit: impl Fn(&[&ArchTimes]) -> Option<L>,
    predict: impl Fn(&L, &ArchTimes) -> f64,
) -> Option<RelError> {
    let mut pairs = Vec::with_capacity(archs.len());
    for i in 0..archs.len() {
        let rest: Vec<&ArchTimes> = (0..archs.len())
            .filter(|&j| j != i)
            .map(|j| archs[j])
            .collect();
        let law = fit(&rest)?;
        let t = archs[i].decode_ms();
        pairs.push((archs[i].arch.clone(), (predict(&law, archs[i]) - t) / t));
    }
    Some(RelError::from_pairs(pairs))
}

fn in_sample<L>(
    archs: &[&ArchTimes],
    law: &L,
    predict: impl Fn(&L, &ArchTimes) -> f64,
) -> RelError {
    RelError::from_pairs(
        archs
            .iter()
            .map(|a| {
                let t = a.decode_ms();
                (a.arch.clone(), (predict(law, a) - t) / t)
            })
            .collect(),
    )
}

fn predict_affine(l: &AffineLatency, a: &ArchTimes) -> f64 {
    l.time_ms(a.params_total)
}

fn predict_depth(l: &DepthLatency, a: &ArchTimes) -> f64 {
    l.time_ms(a.layers.unwrap_or(0) as f64, a.params_total)
}

/// The architectures of one selection, as [`select`] returns them.
#[derive(Debug, Clone, PartialEq)]
pub struct Selected {
    /// Non-tiny architectures, sorted by size.
    pub archs: Vec<ArchTimes>,
    /// Tiny (lab-scale) architectures left out.
    pub excluded: Vec<String>,
    /// When the batch was not measured: the measured batches (b0, b1) the
    /// times were interpolated between.
    pub batch_from: Option<[u64; 2]>,
}

/// bf16 KV-cache bytes per token of a row's shape (None without the shape
/// columns or with heads = 0).
fn kv_bytes_per_token(r: &crate::ingest::latency::LatencyRow) -> Option<f64> {
    let layers = r.layers? as f64;
    let d = *r.shape.get("d_model")? as f64;
    let heads = *r.shape.get("heads")? as f64;
    let kv_heads = *r.shape.get("kv_heads")? as f64;
    (heads > 0.0).then(|| 2.0 * 2.0 * layers * kv_heads * d / heads)
}

/// The rows of exactly one (mode, ctx, batch).
fn select_exact(
    table: &LatencyTable,
    sel: &LatencySelection,
) -> (Vec<ArchTimes>, std::collections::BTreeSet<String>) {
    // arch name → index in `archs` (a hash map: the order comes from the
    // sort below, by size then name, so no ordered map is needed)
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut archs: Vec<ArchTimes> = Vec::new();
    let mut tiny = std::collections::BTreeSet::new();
    for r in &table.rows {
        if r.mode != sel.mode || r.ctx != sel.ctx || r.batch != sel.batch {
            continue;
        }
        if r.is_tiny() {
            if !tiny.contains(&r.arch) {
                tiny.insert(r.arch.clone());
            }
            continue;
        }
        let i = *index.entry(&r.arch).or_insert_with(|| {
            archs.push(ArchTimes {
                arch: r.arch.clone(),
                params_total: r.params_total,
                layers: r.layers,
                times_ms: BTreeMap::new(),
                kv_bytes_per_token: kv_bytes_per_token(r),
            });
            archs.len() - 1
        });
        archs[i].times_ms.insert(r.q, r.ms_median);
    }
    archs.sort_by(|a, b| {
        a.params_total
            .total_cmp(&b.params_total)
            .then(a.arch.cmp(&b.arch))
    });
    (archs, tiny)
}

/// Interpolates two measured batches' times linearly in ln b
/// (docs/latency.md): t(b) = t(b0) + (t(b1) − t(b0))·(ln b − ln b0)/(ln b1 − ln b0),
/// per architecture and q measured at both.
fn interpolate_batches(lo: &[ArchTimes], hi: &[ArchTimes], b: [u64; 3]) -> Vec<ArchTimes> {
    let w = ((b[1] as f64).ln() - (b[0] as f64).ln()) / ((b[2] as f64).ln() - (b[0] as f64).ln());
    let hi: std::collections::HashMap<&str, &ArchTimes> =
        hi.iter().map(|h| (h.arch.as_str(), h)).collect();
    lo.iter()
        .filter_map(|a| {
            let h = *hi.get(a.arch.as_str())?;
            let times_ms: BTreeMap<u32, f64> = a
                .times_ms
                .iter()
                .filter_map(|(q, t0)| h.times_ms.get(q).map(|t1| (*q, t0 + (t1 - t0) * w)))
                .collect();
            times_ms.contains_key(&1).then(|| ArchTimes {
                times_ms,
                ..a.clone()
            })
        })
        .collect()
}

/// The architectures of one selection (tiny ones split off), sorted by size.
/// A batch the table did not measure, but that lies between two measured
/// batches of the same (mode, ctx), is interpolated in ln b between them.
pub fn select(table: &LatencyTable, sel: &LatencySelection) -> Result<Selected, SdslError> {
    let (archs, tiny) = select_exact(table, sel);
    if !archs.is_empty() || !tiny.is_empty() {
        return Ok(Selected {
            archs,
            excluded: tiny.into_iter().collect(),
            batch_from: None,
        });
    }
    let batches: Vec<u64> = table
        .selections()
        .iter()
        .filter(|(m, c, _)| *m == sel.mode && *c == sel.ctx)
        .map(|(_, _, b)| *b)
        .collect();
    let below = batches.iter().copied().filter(|&b| b < sel.batch).max();
    let above = batches.iter().copied().filter(|&b| b > sel.batch).min();
    if let (Some(b0), Some(b1)) = (below, above) {
        let (lo, tiny) = select_exact(table, &LatencySelection { batch: b0, ..*sel });
        let (hi, _) = select_exact(table, &LatencySelection { batch: b1, ..*sel });
        return Ok(Selected {
            archs: interpolate_batches(&lo, &hi, [b0, sel.batch, b1]),
            excluded: tiny.into_iter().collect(),
            batch_from: Some([b0, b1]),
        });
    }
    let have: Vec<String> = table
        .selections()
        .iter()
        .map(|(m, c, b)| format!("mode {m} ctx {c} batch {b}"))
        .collect();
    let hint = if batches.is_empty() {
        String::new()
    } else {
        format!(
            "; batches between the measured ones ({}) are interpolated in ln b, others are not extrapolated",
            crate::error::capped_list(&batches, 10)
        )
    };
    Err(SdslError::Data {
        path: table.path.clone(),
        message: format!(
            "no rows for mode {} ctx {} batch {}; the table holds: {}{hint}",
            sel.mode,
            sel.ctx,
            sel.batch,
            crate::error::capped_join(&have, 10, "; ")
        ),
    })
}

impl ValidLatencyFitSpec {
    /// The settings.
    pub fn spec(&self) -> &LatencyFitSpec {
        &self.0
    }

    /// Fits the profile of the selected rows of `table`; `hardware` and
    /// `memory_bytes` come from the table's `.meta` (else the file name).
    /// A table with an absurd q (more than 1 + 4·[`DEFAULT_MAX_GAMMA`]) is
    /// refused; [`Self::fit_capped`] takes the γ cap.
    ///
    /// [`DEFAULT_MAX_GAMMA`]: crate::law::throughput::DEFAULT_MAX_GAMMA
    pub fn fit(&self, table: &LatencyTable) -> Result<LatencyProfile, SdslError> {
        self.fit_capped(table, crate::law::throughput::DEFAULT_MAX_GAMMA)
    }

    /// [`Self::fit`] under the user's γ cap (`--max-gamma`): every row's q
    /// must be at most 1 + 4·max(16, `max_gamma`) ([`LatencyTable::check_q`]).
    pub fn fit_capped(
        &self,
        table: &LatencyTable,
        max_gamma: u64,
    ) -> Result<LatencyProfile, SdslError> {
        table.check_q(max_gamma)?;
        let sel = self.0.selection;
        // a fit that fails numerically (a rank-deficient design from extreme
        // times such as 1e308 ms) is a property of the file's times: say so
        // with the file and the column
        self.fit_checked(table).map_err(|e| match e {
            SdslError::Numerical(why) => SdslError::Data {
                path: table.path.clone(),
                message: format!(
                    "mode {} ctx {} batch {}, column '{}': {why}; the times of this selection cannot be fitted: check the column for extreme or repeated values",
                    sel.mode,
                    sel.ctx,
                    sel.batch,
                    crate::ingest::latency::col::MS_MEDIAN
                ),
            },
            e => e,
        })
    }

    // Long (≈170 lines): the fit's steps in order (select rows, per-arch
    // times, the affine and depth forms with their leave-one-out errors,
    // the verification lines, the KV law, the bootstrap), sharing the
    // selected rows; each step is a call, the rest is their wiring.
    fn fit_checked(&self, table: &LatencyTable) -> Result<LatencyProfile, SdslError> {
        let spec = self.0;
        let sel = spec.selection;
        let Selected {
            archs,
            excluded,
            batch_from,
        } = select(table, &sel)?;
        let data_err = |message: String| SdslError::Data {
            path: table.path.clone(),
            message,
        };
        let sizes: std::collections::BTreeSet<u64> =
            archs.iter().map(|a| a.params_total.to_bits()).collect();
        if archs.len() < 3 || sizes.len() < 3 {
            return Err(data_err(format!(
                "mode {} ctx {} batch {}: {} non-tiny architectures with {} distinct sizes; the affine law and its leave-one-architecture-out error need at least 3 distinct sizes (tiny shapes are left out)",
                sel.mode,
                sel.ctx,
                sel.batch,
                archs.len(),
                sizes.len()
            )));
        }
        let refs: Vec<&ArchTimes> = archs.iter().collect();
        let mut warnings = Vec::new();
        let affine_law = fit_affine(&refs).ok_or_else(|| {
            SdslError::Numerical("the affine latency fit is rank-deficient".into())
        })?;
        if affine_law.t0_ms < 0.0 || affine_law.k_ms_per_param <= 0.0 {
            warnings.push(format!(
                "the affine law has t0 = {} ms and k = {} ms/param; a cost model needs t0 ≥ 0 and k > 0, so this selection cannot price drafts",
                crate::error::num(affine_law.t0_ms),
                crate::error::num(affine_law.k_ms_per_param)
            ));
        }
        let affine = FormFit {
            law: affine_law,
            in_sample: in_sample(&refs, &affine_law, predict_affine),
            loao: Some(
                loao(
                    &refs,
                    |a| Some(affine_design(a)),
                    fit_affine,
                    predict_affine,
                )
                .ok_or_else(|| {
                    SdslError::Numerical(
                        "a leave-one-architecture-out affine fit is rank-deficient".into(),
                    )
                })?,
            ),
        };
        let has_layers = refs.iter().all(|a| a.layers.is_some());
        let depth = if has_layers && refs.len() >= 4 {
            match (
                fit_depth(&refs),
                loao(&refs, depth_design, fit_depth, predict_depth),
            ) {
                (Some(law), Some(lo)) => Some(FormFit {
                    law,
                    in_sample: in_sample(&refs, &law, predict_depth),
                    loao: Some(lo),
                }),
                _ => {
                    warnings.push(
                        "the depth-aware form is rank-deficient on these architectures (layers proportional to size?) and is not reported".into(),
                    );
                    None
                }
            }
        } else {
            if !has_layers {
                warnings.push("no 'layers' column: the depth-aware form is not fitted".into());
            } else {
                warnings
                    .push("fewer than 4 architectures: the depth-aware form is not fitted".into());
            }
            None
        };
        let most_accurate_form = match &depth {
            Some(FormFit { loao: Some(d), .. })
                if affine
                    .loao
                    .as_ref()
                    .is_some_and(|a| d.mean_abs < a.mean_abs) =>
            {
                "depth"
            }
            _ => "affine",
        }
        .to_string();
        let mut qs: Vec<u32> = refs
            .iter()
            .flat_map(|a| a.times_ms.keys().copied())
            .filter(|&q| q > 1)
            .collect();
        qs.sort_unstable();
        qs.dedup();
        let mut verify = Vec::new();
        for &q in &qs {
            match fit_verify_line(&refs, q) {
                Some(l) => verify.push(l),
                None => warnings.push(format!(
                    "q = {q}: fewer than two architectures measured it; no v(q) line"
                )),
            }
        }
        let below: Vec<String> = refs
            .iter()
            .flat_map(|a| {
                a.times_ms
                    .iter()
                    .filter(|(q, t)| **q > 1 && **t < a.decode_ms())
                    .map(move |(q, t)| format!("{} q={q} ({:.3})", a.arch, t / a.decode_ms()))
            })
            .collect();
        if !below.is_empty() {
            warnings.push(format!(
                "{} measured verification ratios are below 1 (timing noise: {}); v is clamped at 1 where a fitted line falls below it",
                below.len(),
                // a long list is cut (the bundled eager table's 25 are all shown)
                crate::error::capped_list(&below, 30)
            ));
        }
        let q_max = verify.last().map_or(1, |l| l.q);
        if let Some([b0, b1]) = batch_from {
            warnings.push(format!(
                "batch {} was not measured: times interpolated linearly in ln b between batches {b0} and {b1}",
                sel.batch
            ));
        }
        let kv_law = fit_kv_law(&refs);
        let bootstrap = if spec.replicates >= 2 {
            Some(bootstrap(
                &refs,
                &affine_law,
                depth.as_ref().map(|d| &d.law),
                &verify,
                spec,
            ))
        } else {
            None
        };
        if let Some(why) = no_size_dependence(&refs, &affine_law, bootstrap.as_ref()) {
            warnings.push(format!(
                "no size dependence: {why}; decode time does not measurably grow with model size in this selection, so this profile cannot price drafts"
            ));
        }
        let hardware = table
            .meta
            .as_ref()
            .and_then(|m| m.device.clone())
            .unwrap_or_else(|| {
                std::path::Path::new(&table.path)
                    .file_stem()
                    .map_or(table.path.clone(), |s| s.to_string_lossy().into_owned())
            });
        Ok(LatencyProfile {
            kind: PROFILE_KIND.into(),
            hardware,
            memory_bytes: table.meta.as_ref().and_then(|m| m.memory_bytes),
            selection: sel,
            params_range: [refs[0].params_total, refs[refs.len() - 1].params_total],
            affine,
            depth,
            nstar_form: "affine".into(),
            nstar_form_reason: NSTAR_FORM_REASON.into(),
            most_accurate_form,
            verify,
            q_max,
            architectures: archs,
            excluded,
            source: SourceTable {
                path: table.path.clone(),
                sha256: table.sha256.clone(),
            },
            bootstrap,
            batch_interpolated_from: batch_from,
            kv_law,
            roofline: None,
            warnings,
        })
    }
}

/// One model's decode time measured by a serving engine: TPOT of a run
/// without speculation at concurrency 1 (one sequence per step, so TPOT is
/// the time of one decode step t(P), the engine's per-step overheads
/// included).
#[derive(Debug, Clone, PartialEq)]
pub struct RunTime {
    /// The model as the runs name it.
    pub model: String,
    /// Its parameters (from the registry).
    pub params: f64,
    /// Mean TPOT, ms.
    pub tpot_ms: f64,
}

/// The warning every `runs-affine` profile carries (docs/import.md).
pub const RUNS_V_NOTE: &str = "v ≡ 1 assumed: single-model runs measure no verification pass, so t_M(γ + 1) is taken as t_M(1) (SDSL's assumption, Leviathan et al. 2023 §3.3); a real verification pass costs more, so speed-ups are over-predicted by that share";

impl LatencyProfile {
    /// A `runs-affine` profile from single-model engine runs at batch 1
    /// (docs/import.md, "From runs to the fits"): the affine law
    /// t(P) = t0 + k·P fitted by relative-error least squares (weights 1/t²,
    /// as [`LatencyFitSpec::fit`]) to the TPOTs, exact with two sizes (then
    /// no leave-one-out error exists and none is reported). Verification is
    /// not measured, so v ≡ 1 (one knot at q = γ_max + 1 with a = 1, b = 0:
    /// γ up to [`crate::law::throughput::DEFAULT_MAX_GAMMA`]). `selection`
    /// records mode graph (vLLM's default CUDA graphs), batch 1, and ctx 1 as
    /// a placeholder: the runs' context lengths are whatever their prompts
    /// were. Errors with fewer than two distinct sizes.
    pub fn from_runs(
        points: &[RunTime],
        hardware: &str,
        source: SourceTable,
    ) -> Result<LatencyProfile, SdslError> {
        let mut archs: Vec<ArchTimes> = points
            .iter()
            .map(|p| ArchTimes {
                arch: p.model.clone(),
                params_total: p.params,
                layers: None,
                times_ms: BTreeMap::from([(1, p.tpot_ms)]),
                kv_bytes_per_token: None,
            })
            .collect();
        archs.sort_by(|a, b| a.params_total.total_cmp(&b.params_total));
        let sizes: std::collections::BTreeSet<u64> =
            archs.iter().map(|a| a.params_total.to_bits()).collect();
        let data_err = |message: String| SdslError::Data {
            path: source.path.clone(),
            message,
        };
        if sizes.len() < 2 || sizes.len() != archs.len() {
            return Err(data_err(format!(
                "{} single-model runs at concurrency 1 with {} distinct sizes ({}); t(P) = t0 + k·P needs at least two models of different sizes, one run each",
                archs.len(),
                sizes.len(),
                crate::error::capped_list(archs.iter().map(|a| a.arch.clone()), 10)
            )));
        }
        let refs: Vec<&ArchTimes> = archs.iter().collect();
        let law = fit_affine(&refs).ok_or_else(|| {
            SdslError::Numerical("the affine latency fit on the runs is rank-deficient".into())
        })?;
        let mut warnings = vec![RUNS_V_NOTE.to_string()];
        let loao_err = if refs.len() >= 3 {
            loao(
                &refs,
                |a| Some(affine_design(a)),
                fit_affine,
                predict_affine,
            )
        } else {
            warnings.push(
                "two sizes: the affine fit is exact (two points, two parameters), so it has no leave-one-out error; its error on other sizes is unknown".into(),
            );
            None
        };
        if law.t0_ms < 0.0 || law.k_ms_per_param <= 0.0 {
            warnings.push(format!(
                "the affine law has t0 = {} ms and k = {} ms/param; a cost model needs t0 ≥ 0 and k > 0, so these runs cannot price drafts",
                crate::error::num(law.t0_ms),
                crate::error::num(law.k_ms_per_param)
            ));
        }
        let q = crate::law::throughput::DEFAULT_MAX_GAMMA as u32 + 1;
        Ok(LatencyProfile {
            kind: RUNS_PROFILE_KIND.into(),
            hardware: hardware.to_string(),
            memory_bytes: None,
            selection: LatencySelection {
                mode: Mode::Graph,
                ctx: 1,
                batch: 1,
            },
            params_range: [refs[0].params_total, refs[refs.len() - 1].params_total],
            affine: FormFit {
                law,
                in_sample: in_sample(&refs, &law, predict_affine),
                loao: loao_err,
            },
            depth: None,
            nstar_form: "affine".into(),
            nstar_form_reason: NSTAR_FORM_REASON.into(),
            most_accurate_form: "affine".into(),
            verify: vec![VerifyLine {
                q,
                a: 1.0,
                b: 0.0,
                architectures: archs.len(),
            }],
            q_max: q,
            architectures: archs,
            excluded: Vec::new(),
            source,
            bootstrap: None,
            batch_interpolated_from: None,
            kv_law: None,
            roofline: None,
            warnings,
        })
    }
}

/// ln kv = a + b·ln P over the architectures with a KV size (None with
/// fewer than two distinct sizes).
fn fit_kv_law(archs: &[&ArchTimes]) -> Option<[f64; 2]> {
    let pts: Vec<(f64, f64)> = archs
        .iter()
        .filter_map(|a| {
            a.kv_bytes_per_token
                .map(|kv| (a.params_total.ln(), kv.ln()))
        })
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let x = DMatrix::from_fn(pts.len(), 2, |i, j| if j == 0 { 1.0 } else { pts[i].0 });
    let y = DVector::from_iterator(pts.len(), pts.iter().map(|p| p.1));
    let b = wls(&x, &y, None, &["a", "b"], true).ok()?.estimates();
    Some([b[0], b[1]])
}

/// Device memory needed by a (target, draft) pair ([`LatencyProfile::memory_need`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MemoryNeed {
    /// bf16 weights of target and draft, 2·(P_target + P_draft).
    pub weights_bytes: f64,
    /// bf16 KV caches of both at (batch, ctx + q_max) tokens; 0 when the
    /// profile has no shapes (then only weights are counted).
    pub kv_bytes: f64,
    /// weights + KV.
    pub need_bytes: f64,
    /// The device's memory.
    pub memory_bytes: f64,
    /// need ≤ memory.
    pub fits: bool,
}
/// Bootstrap over architectures (see the module docs).
fn bootstrap(
    archs: &[&ArchTimes],
    affine: &AffineLatency,
    depth: Option<&DepthLatency>,
    verify: &[VerifyLine],
    spec: LatencyFitSpec,
) -> LatencyBootstrap {
    let n = archs.len();
    // Per replicate: (name, value) pairs of the quantities that could be fitted.
    let draws: Vec<Vec<(String, f64)>> = (0..spec.replicates as u64)
        .into_par_iter()
        .map(|i| {
            let idx = resample_indices(spec.seed, i, n);
            let sample: Vec<&ArchTimes> = idx.iter().map(|&j| archs[j]).collect();
            let mut out = Vec::new();
            if let Some(a) = fit_affine(&sample) {
                out.push(("affine.t0_ms".to_string(), a.t0_ms));
                out.push(("affine.k_ms_per_param".to_string(), a.k_ms_per_param));
            }
            if depth.is_some()
                && let Some(d) = fit_depth(&sample)
            {
                out.push(("depth.t0_ms".to_string(), d.t0_ms));
                out.push(("depth.tau_ms_per_layer".to_string(), d.tau_ms_per_layer));
                out.push(("depth.k_ms_per_param".to_string(), d.k_ms_per_param));
            }
            for l in verify {
                if let Some(f) = fit_verify_line(&sample, l.q) {
                    out.push((format!("v.q{}.a", l.q), f.a));
                    out.push((format!("v.q{}.b", l.q), f.b));
                }
            }
            out
        })
        .collect();
    let mut points: Vec<(String, f64)> = vec![
        ("affine.t0_ms".into(), affine.t0_ms),
        ("affine.k_ms_per_param".into(), affine.k_ms_per_param),
    ];
    if let Some(d) = depth {
        points.push(("depth.t0_ms".into(), d.t0_ms));
        points.push(("depth.tau_ms_per_layer".into(), d.tau_ms_per_layer));
        points.push(("depth.k_ms_per_param".into(), d.k_ms_per_param));
    }
    for l in verify {
        points.push((format!("v.q{}.a", l.q), l.a));
        points.push((format!("v.q{}.b", l.q), l.b));
    }
    let mut estimates = BTreeMap::new();
    let mut skipped = BTreeMap::new();
    for (name, point) in points {
        let values: Vec<f64> = draws
            .iter()
            .filter_map(|d| d.iter().find(|(k, _)| *k == name).map(|(_, v)| *v))
            .collect();
        skipped.insert(name.clone(), spec.replicates - values.len());
        if values.len() >= 2 {
            estimates.insert(name, percentile_estimate(point, &values));
        }
    }
    LatencyBootstrap {
        replicates: spec.replicates,
        seed: spec.seed,
        skipped,
        estimates,
    }
}

impl LatencyProfile {
    /// Decode time of a model of `params` parameters by the affine law, ms.
    pub fn time_ms(&self, params: f64) -> f64 {
        self.affine.law.time_ms(params)
    }

    /// c = t(N)/t(M) by the affine law.
    pub fn cost_ratio(&self, draft_params: f64, target_params: f64) -> f64 {
        self.time_ms(draft_params) / self.time_ms(target_params)
    }

    /// The profile as a `Copy` cost model ([`crate::law::cost::LatencyCost`]):
    /// refused when the affine law shows no size dependence (the 95%
    /// interval of k contains 0: the bootstrap's when the profile has one,
    /// else the WLS interval refitted from `architectures`; see
    /// [`no_size_dependence`]), when it cannot price a draft (t0 < 0 or
    /// k ≤ 0) or there are more than [`MAX_VERIFY_KNOTS`] measured q.
    pub fn latency_cost(&self) -> Result<LatencyCost, SdslError> {
        let a = &self.affine.law;
        let refs: Vec<&ArchTimes> = self.architectures.iter().collect();
        if let Some(why) = no_size_dependence(&refs, a, self.bootstrap.as_ref()) {
            return Err(SdslError::InvalidLaw(format!(
                "latency profile of {} ({} ctx {} batch {}): no size dependence: {why}, so decode time does not measurably grow with model size and the cost ratio c = t(N)/t(M) of a draft cannot be priced from it; measure architectures over a wider range of sizes (or with more repetitions), fit another selection (mode, ctx, batch), or give the cost ratio directly with the cost model fixed:C",
                self.hardware, self.selection.mode, self.selection.ctx, self.selection.batch,
            )));
        }
        if !(a.t0_ms >= 0.0
            && a.k_ms_per_param > 0.0
            && a.t0_ms.is_finite()
            && a.k_ms_per_param.is_finite())
        {
            return Err(SdslError::InvalidLaw(format!(
                "latency profile of {} ({} ctx {} batch {}): the affine law t0 = {} ms, k = {} ms/param cannot price drafts (need t0 ≥ 0 and k > 0); fit another selection",
                self.hardware,
                self.selection.mode,
                self.selection.ctx,
                self.selection.batch,
                a.t0_ms,
                a.k_ms_per_param
            )));
        }
        if self.verify.len() > MAX_VERIFY_KNOTS {
            return Err(SdslError::InvalidLaw(format!(
                "latency profile of {}: {} measured verification lengths q, at most {MAX_VERIFY_KNOTS} are supported; keep fewer q in the table",
                self.hardware,
                self.verify.len()
            )));
        }
        Ok(self.cost_unchecked())
    }

    /// The profile's numbers in the `Copy` form, without
    /// [`Self::latency_cost`]'s checks (at most [`MAX_VERIFY_KNOTS`] v lines
    /// are kept); γ capped at [`crate::law::throughput::DEFAULT_MAX_GAMMA`].
    fn cost_unchecked(&self) -> LatencyCost {
        let mut knots = [(0u32, 0.0, 0.0); MAX_VERIFY_KNOTS];
        for (k, l) in knots.iter_mut().zip(&self.verify) {
            *k = (l.q, l.a, l.b);
        }
        LatencyCost {
            t0_ms: self.affine.law.t0_ms,
            k_ms_per_param: self.affine.law.k_ms_per_param,
            knots,
            knots_used: self.verify.len().min(MAX_VERIFY_KNOTS),
            params_range: self.params_range,
            max_gamma: crate::law::throughput::DEFAULT_MAX_GAMMA,
        }
    }

    /// The largest γ an integer search over this profile's measured v may
    /// try: min(q_max − 1, `max_gamma`).
    pub fn gamma_limit(&self, max_gamma: u64) -> u64 {
        u64::from(self.q_max.saturating_sub(1)).min(max_gamma)
    }

    /// v(q) for a model of `params` parameters (see the module docs): the
    /// per-q lines at P clamped to the fitted range, each clamped at ≥ 1,
    /// linear in q between measured q, v(1) = 1. None when q < 1 or
    /// q > `q_max` (beyond the measurements).
    pub fn verify_ratio(&self, params: f64, q: f64) -> Option<VerifyEval> {
        let curve = self.cost_unchecked().verify_curve(params);
        let v = curve.v(q)?;
        Some(VerifyEval {
            v,
            params_clamped: curve.params_clamped,
            v_clamped: curve.v_clamped,
        })
    }

    /// bf16 KV-cache bytes per token of a model: its own shape when the table
    /// measured `arch`, else the profile's power law in P (None without
    /// shapes).
    pub fn kv_bytes_per_token(&self, arch: &str, params: f64) -> Option<f64> {
        self.measured(arch)
            .and_then(|a| a.kv_bytes_per_token)
            .or_else(|| self.kv_law.map(|[a, b]| (a + b * params.ln()).exp()))
    }

    /// Memory a (target, draft) pair needs on one device (docs/latency.md):
    /// bf16 weights 2·(P_target + P_draft) plus both
    /// KV caches at the selection's batch and ctx + q_max cached tokens
    /// (the longest verification pass). `(arch, params)` per model; pass an
    /// empty arch for a hypothetical size. None when the device memory is
    /// unknown.
    pub fn memory_need(&self, target: (&str, f64), draft: (&str, f64)) -> Option<MemoryNeed> {
        let memory_bytes = self.memory_bytes?;
        let weights_bytes = self.weight_bytes_per_param() * (target.1 + draft.1);
        // in f64: batch·(ctx + q_max) may not fit a u64 (it wrapped to "fits")
        let tokens =
            self.selection.batch as f64 * (self.selection.ctx as f64 + f64::from(self.q_max));
        let kv_bytes = tokens
            * (self.kv_bytes_per_token(target.0, target.1).unwrap_or(0.0)
                + self.kv_bytes_per_token(draft.0, draft.1).unwrap_or(0.0));
        let need_bytes = weights_bytes + kv_bytes;
        Some(MemoryNeed {
            weights_bytes,
            kv_bytes,
            need_bytes,
            memory_bytes,
            fits: need_bytes <= memory_bytes,
        })
    }

    /// Bytes per weight the profile prices: 1 for a roofline profile with
    /// fp8 weights, else 2 (bf16).
    pub fn weight_bytes_per_param(&self) -> f64 {
        self.roofline
            .as_ref()
            .map_or(2.0, |r| r.weight_bytes_per_param)
    }

    /// The weight format of [`Self::weight_bytes_per_param`]: "fp8" or "bf16".
    pub fn weight_format(&self) -> &'static str {
        if self.weight_bytes_per_param() == 1.0 {
            "fp8"
        } else {
            "bf16"
        }
    }

    /// Whether a (target, draft) pair fits the device ([`Self::memory_need`]).
    pub fn fits_memory(&self, target: (&str, f64), draft: (&str, f64)) -> Option<bool> {
        self.memory_need(target, draft).map(|m| m.fits)
    }

    /// The measured times of an architecture named `arch` (None when the
    /// table did not measure it, or left it out of the fit).
    pub fn measured(&self, arch: &str) -> Option<&ArchTimes> {
        self.architectures.iter().find(|a| a.arch == arch)
    }

    /// A real (draft, target) pair priced on **measured** times where the
    /// table has them (docs/latency.md: real drafts are ranked on their measured
    /// times, because the affine law overestimates small-model time):
    /// c = t_draft(1)/t_target(1), each measured or else from the affine law;
    /// v(q) = t_target(q)/t_target(1) measured (linear in q between measured
    /// q, at least 1) when the target is in the table, else the fitted lines.
    /// Returns the best integer γ ≤ min(q_max − 1, [`DEFAULT_MAX_GAMMA`]) of
    /// S = E(α, γ)/(γ·c + v(γ+1)); [`Self::price_pair_capped`] takes the cap.
    ///
    /// [`DEFAULT_MAX_GAMMA`]: crate::law::throughput::DEFAULT_MAX_GAMMA
    pub fn price_pair(&self, alpha: f64, draft: (&str, f64), target: (&str, f64)) -> MeasuredPair {
        self.price_pair_capped(
            alpha,
            draft,
            target,
            crate::law::throughput::DEFAULT_MAX_GAMMA,
        )
    }

    /// [`Self::price_pair`] with γ ≤ min(q_max − 1, `max_gamma`) (the
    /// user's `--max-gamma`).
    pub fn price_pair_capped(
        &self,
        alpha: f64,
        draft: (&str, f64),
        target: (&str, f64),
        max_gamma: u64,
    ) -> MeasuredPair {
        let costs = self.pair_costs(draft, target);
        let gamma_max = self.gamma_limit(max_gamma);
        let best = crate::law::throughput::optimal_integer_measured(
            alpha,
            costs.cost_ratio,
            gamma_max,
            |q| costs.verify_ratio(q as f64),
        );
        MeasuredPair {
            cost_ratio: costs.cost_ratio,
            gamma: best.gamma,
            speedup: best.speedup,
            draft_measured: costs.draft_measured,
            target_measured: costs.target.is_some(),
        }
    }

    /// The costs of a real (draft, target) pair (see [`Self::price_pair`]):
    /// c from measured decode times where the table has them, else the
    /// affine law; v from the target's measured times, else the fitted lines.
    pub fn pair_costs<'a>(&'a self, draft: (&str, f64), target: (&str, f64)) -> PairCosts<'a> {
        let md = self.measured(draft.0);
        let mt = self.measured(target.0);
        let td = md.map_or_else(|| self.time_ms(draft.1), ArchTimes::decode_ms);
        let tt = mt.map_or_else(|| self.time_ms(target.1), ArchTimes::decode_ms);
        PairCosts {
            profile: self,
            cost_ratio: td / tt,
            target_ms: tt,
            draft_measured: md.is_some(),
            target: mt,
            target_params: target.1,
        }
    }
}

/// A real pair's costs ([`LatencyProfile::pair_costs`]).
#[derive(Debug, Clone, Copy)]
pub struct PairCosts<'a> {
    profile: &'a LatencyProfile,
    /// c = t_draft(1)/t_target(1).
    pub cost_ratio: f64,
    /// t_target(1), ms.
    pub target_ms: f64,
    /// The draft's time was measured.
    pub draft_measured: bool,
    /// The target's measured times, when the table has them.
    pub target: Option<&'a ArchTimes>,
    target_params: f64,
}

impl PairCosts<'_> {
    /// v(q) = t_target(q)/t_target(1): measured (linear in q between
    /// measured q, at least 1) when the target is in the table, else the
    /// fitted lines; +∞ beyond the measured q (never chosen).
    pub fn verify_ratio(&self, q: f64) -> f64 {
        let measured = self.target.and_then(|t| {
            let t1 = t.decode_ms();
            let pts: Vec<(f64, f64)> = t
                .times_ms
                .iter()
                .map(|(&q, &ms)| (f64::from(q), ms / t1))
                .collect();
            let hi = pts.iter().position(|&(x, _)| x >= q)?;
            let v = if pts[hi].0 == q || hi == 0 {
                pts[hi].1
            } else {
                let ((x0, y0), (x1, y1)) = (pts[hi - 1], pts[hi]);
                y0 + (y1 - y0) * (q - x0) / (x1 - x0)
            };
            Some(v.max(1.0))
        });
        measured
            .or_else(|| {
                self.profile
                    .verify_ratio(self.target_params, q)
                    .map(|e| e.v)
            })
            .unwrap_or(f64::INFINITY)
    }
}

/// A real pair priced on measured times ([`LatencyProfile::price_pair`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MeasuredPair {
    /// c = t_draft(1)/t_target(1).
    pub cost_ratio: f64,
    /// Best integer γ (0: plain decoding).
    pub gamma: u64,
    /// S at that γ.
    pub speedup: f64,
    /// The draft's time was measured (else: the affine law).
    pub draft_measured: bool,
    /// The target's times were measured (else: the affine law and fitted v).
    pub target_measured: bool,
}

impl LatencyProfile {
    /// Checks a profile read from a file (`label`, named in every error) as
    /// strictly as [`crate::ingest::latency::validate_rows`] checks a latency
    /// table: `kind`; every number finite and in range (`memory_bytes` > 0;
    /// `selection.ctx` and `selection.batch` whole numbers in 1..=2³² − 1,
    /// as in a table, with batch·(ctx + q_max) within 64 bits;
    /// `params_range` > 0, smallest first; each architecture named once,
    /// its `params_total` > 0 inside `params_range`, `layers` ≥ 1, a q = 1
    /// time, every time > 0 at a q in 1..=1 + 4·`max_gamma`,
    /// `kv_bytes_per_token` > 0; `verify` lines finite, at most
    /// [`MAX_VERIFY_KNOTS`], their q > 1 strictly ascending; `q_max` the
    /// largest verify q (1 without lines) and at most 1 + 4·`max_gamma`
    /// ([`crate::law::throughput::absurd_q_limit`]: no engine verifies more,
    /// and the integer γ search walks every γ below it); `kv_law` and the
    /// fitted laws and their errors finite). Whether the affine law can
    /// price drafts (t0 ≥ 0, k > 0) is [`Self::latency_cost`]'s check.
    /// Errors are [`SdslError::Data`] naming the field by its JSON path
    /// (`architectures[3].times_ms`) and the fix.
    // Long (≈340 lines) on purpose: one check per field of the profile, in
    // the file's order, each naming its JSON path; a flat list is what a
    // reviewer audits against the format, helpers would hide the order.
    pub fn validate(&self, label: &str, max_gamma: u64) -> Result<(), SdslError> {
        let limit = crate::law::throughput::absurd_q_limit(max_gamma);
        let refit = format!("refit the profile with `sdsl fit latency TABLE --out {label}`");
        let err = |field: &str, why: String| SdslError::Data {
            path: label.to_string(),
            message: format!("field '{field}': {why}; {refit}"),
        };
        let positive = |x: f64| x.is_finite() && x > 0.0;
        let whole = |v: u64| (1..=u64::from(u32::MAX)).contains(&v);
        let roofline_kind = crate::fit::roofline::ROOFLINE_KIND;
        let is_roofline = crate::fit::roofline::is_roofline_kind(&self.kind);
        if self.kind != PROFILE_KIND && self.kind != RUNS_PROFILE_KIND && !is_roofline {
            return Err(err(
                "kind",
                format!(
                    "'{}' is not '{PROFILE_KIND}' (a table fit), '{RUNS_PROFILE_KIND}' (from engine runs), '{roofline_kind}' (the GPU catalogue), '{}' or '{}' (a roofline recalibrated on runs or on a table)",
                    self.kind,
                    crate::fit::roofline::ROOFLINE_RUNS_KIND,
                    crate::fit::roofline::ROOFLINE_TABLE_KIND
                ),
            ));
        }
        match (&self.roofline, is_roofline) {
            (None, true) => {
                return Err(err(
                    "roofline",
                    format!(
                        "a profile of kind '{}' needs its 'roofline' record",
                        self.kind
                    ),
                ));
            }
            (Some(_), false) => {
                return Err(err(
                    "roofline",
                    format!(
                        "only a roofline profile (kind '{roofline_kind}', or a recalibrated one) has a 'roofline' record"
                    ),
                ));
            }
            (Some(r), true) => {
                let bad = [
                    (
                        "memory_bandwidth_bytes_per_s",
                        r.memory_bandwidth_bytes_per_s,
                    ),
                    ("bf16_dense_flops", r.bf16_dense_flops),
                    ("eta_bw", r.eta_bw),
                    ("eta_fl", r.eta_fl),
                ]
                .into_iter()
                .find(|(_, v)| !positive(*v));
                if let Some((name, v)) = bad {
                    return Err(err(
                        &format!("roofline.{name}"),
                        format!("{v} is not a number > 0"),
                    ));
                }
                if !(r.t0_ms.is_finite() && r.t0_ms >= 0.0) {
                    return Err(err(
                        "roofline.t0_ms",
                        format!("{} is not a time ≥ 0 (ms)", r.t0_ms),
                    ));
                }
                if r.weight_bytes_per_param != 1.0 && r.weight_bytes_per_param != 2.0 {
                    return Err(err(
                        "roofline.weight_bytes_per_param",
                        format!("{} is not 2 (bf16) or 1 (fp8)", r.weight_bytes_per_param),
                    ));
                }
                if r.recalibration.is_some() != (self.kind != roofline_kind) {
                    return Err(err(
                        "roofline.recalibration",
                        format!(
                            "a profile of kind '{}' {} a 'recalibration' record (only a roofline recalibrated on runs or a table has one)",
                            self.kind,
                            if self.kind == roofline_kind {
                                "has no"
                            } else {
                                "needs"
                            }
                        ),
                    ));
                }
            }
            (None, false) => {}
        }
        if self.kind == RUNS_PROFILE_KIND {
            // v ≡ 1 is assumed, not measured: every line must say exactly that
            if let Some((i, l)) = self
                .verify
                .iter()
                .enumerate()
                .find(|(_, l)| l.a != 1.0 || l.b != 0.0)
            {
                return Err(err(
                    &format!("verify[{i}]"),
                    format!(
                        "a = {}, b = {}: a runs-affine profile assumes v ≡ 1 (a = 1, b = 0), it measured no verification",
                        l.a, l.b
                    ),
                ));
            }
            if self.depth.is_some() {
                return Err(err(
                    "depth",
                    "a runs-affine profile has no depth-aware form".into(),
                ));
            }
        }
        if let Some(m) = self.memory_bytes
            && !positive(m)
        {
            return Err(err(
                "memory_bytes",
                format!("{m} is not a number of bytes > 0"),
            ));
        }
        let LatencySelection { ctx, batch, .. } = self.selection;
        if !whole(ctx) {
            return Err(err(
                "selection.ctx",
                format!(
                    "{ctx} is not a whole number in 1..={} (tokens already in the KV cache)",
                    u32::MAX
                ),
            ));
        }
        if !whole(batch) {
            return Err(err(
                "selection.batch",
                format!(
                    "{batch} is not a whole number in 1..={} (sequences per pass)",
                    u32::MAX
                ),
            ));
        }
        if u64::from(self.q_max) > limit {
            return Err(SdslError::Data {
                path: label.to_string(),
                message: format!(
                    "field 'q_max': {} exceeds 1 + 4·max(16, max-gamma) = {limit} (max-gamma {max_gamma}); no engine verifies that many tokens in one pass: {refit} from a table without such rows, or raise --max-gamma",
                    self.q_max
                ),
            });
        }
        if self.verify.len() > MAX_VERIFY_KNOTS {
            return Err(err(
                "verify",
                format!(
                    "{} lines; at most {MAX_VERIFY_KNOTS} measured verification lengths q are supported",
                    self.verify.len()
                ),
            ));
        }
        let mut prev = 1;
        for (i, l) in self.verify.iter().enumerate() {
            if l.q <= prev {
                return Err(err(
                    &format!("verify[{i}].q"),
                    format!(
                        "q = {} is not above {prev} (the lines are for q > 1, ascending, one per q)",
                        l.q
                    ),
                ));
            }
            for (name, v) in [("a", l.a), ("b", l.b)] {
                if !v.is_finite() {
                    return Err(err(
                        &format!("verify[{i}].{name}"),
                        format!("{v} is not a finite number"),
                    ));
                }
            }
            if l.architectures < 2 {
                return Err(err(
                    &format!("verify[{i}].architectures"),
                    format!(
                        "{} architectures; a line is fitted on at least 2",
                        l.architectures
                    ),
                ));
            }
            prev = l.q;
        }
        let largest = self.verify.last().map_or(1, |l| l.q);
        if self.q_max != largest {
            return Err(err(
                "q_max",
                format!(
                    "{} is not the largest q of the verify lines, {largest} (1 without lines)",
                    self.q_max
                ),
            ));
        }
        if ctx
            .checked_add(u64::from(self.q_max))
            .and_then(|t| t.checked_mul(batch))
            .is_none()
        {
            return Err(err(
                "selection",
                format!(
                    "batch·(ctx + q_max) = {batch}·({ctx} + {}) cached tokens overflow a 64-bit count",
                    self.q_max
                ),
            ));
        }
        if let Some([b0, b1]) = self.batch_interpolated_from
            && !(b0 >= 1 && b0 < batch && batch < b1)
        {
            return Err(err(
                "batch_interpolated_from",
                format!(
                    "[{b0}, {b1}] are not two measured batches around selection.batch = {batch}"
                ),
            ));
        }
        let [lo, hi] = self.params_range;
        if !(positive(lo) && positive(hi) && lo <= hi) {
            return Err(err(
                "params_range",
                format!("[{lo}, {hi}] is not two parameter counts > 0, smallest first"),
            ));
        }
        let law = &self.affine.law;
        for (name, v) in [("t0_ms", law.t0_ms), ("k_ms_per_param", law.k_ms_per_param)] {
            if !v.is_finite() {
                return Err(err(
                    &format!("affine.law.{name}"),
                    format!("{v} is not a finite number"),
                ));
            }
        }
        // the reported errors: finite, |·| ≥ 0
        let errors = |form: &str, fit_in: &RelError, loao: Option<&RelError>| {
            if loao.is_none() && !(self.kind == RUNS_PROFILE_KIND && self.architectures.len() == 2)
            {
                return Err(err(
                    &format!("{form}.loao"),
                    "missing; only a runs-affine profile on exactly two sizes (an exact fit) has no leave-one-out error".into(),
                ));
            }
            for (kind, e) in [("in_sample", Some(fit_in)), ("loao", loao)] {
                let Some(e) = e else { continue };
                let bad = [("mean_abs", e.mean_abs), ("max_abs", e.max_abs)]
                    .into_iter()
                    .find(|(_, v)| !(v.is_finite() && *v >= 0.0))
                    .map(|(name, v)| (name.to_string(), v))
                    .or_else(|| {
                        e.per_arch
                            .iter()
                            .find(|(_, v)| !v.is_finite())
                            .map(|(a, v)| (format!("per_arch[\"{a}\"]"), *v))
                    });
                if let Some((name, v)) = bad {
                    return Err(err(
                        &format!("{form}.{kind}.{name}"),
                        format!(
                            "{v} is not a finite relative error (≥ 0 for the mean and the maximum of |·|)"
                        ),
                    ));
                }
            }
            Ok(())
        };
        errors("affine", &self.affine.in_sample, self.affine.loao.as_ref())?;
        if let Some(d) = &self.depth {
            let l = &d.law;
            for (name, v) in [
                ("t0_ms", l.t0_ms),
                ("tau_ms_per_layer", l.tau_ms_per_layer),
                ("k_ms_per_param", l.k_ms_per_param),
            ] {
                if !v.is_finite() {
                    return Err(err(
                        &format!("depth.law.{name}"),
                        format!("{v} is not a finite number"),
                    ));
                }
            }
            errors("depth", &d.in_sample, d.loao.as_ref())?;
        }
        if self.nstar_form != "affine" {
            return Err(err(
                "nstar_form",
                format!("'{}' is not 'affine' (the form N* uses)", self.nstar_form),
            ));
        }
        let forms: &[&str] = if self.depth.is_some() {
            &["affine", "depth"]
        } else {
            &["affine"]
        };
        if !forms.contains(&self.most_accurate_form.as_str()) {
            return Err(err(
                "most_accurate_form",
                format!(
                    "'{}' is not one of the fitted forms ({})",
                    self.most_accurate_form,
                    forms.join(", ")
                ),
            ));
        }
        if self.architectures.is_empty() {
            return Err(err(
                "architectures",
                "no architectures; a profile is fitted on at least 3".into(),
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, a) in self.architectures.iter().enumerate() {
            let at = format!("architectures[{i}]");
            if a.arch.is_empty() || !names.insert(a.arch.as_str()) {
                return Err(err(
                    &format!("{at}.arch"),
                    format!(
                        "'{}' is empty or named twice; one entry per architecture",
                        a.arch
                    ),
                ));
            }
            let p = a.params_total;
            if !(positive(p) && lo <= p && p <= hi) {
                return Err(err(
                    &format!("{at}.params_total"),
                    format!("{p} is not a parameter count > 0 inside params_range [{lo}, {hi}]"),
                ));
            }
            if a.layers == Some(0) {
                return Err(err(
                    &format!("{at}.layers"),
                    "0 is not a layer count ≥ 1".into(),
                ));
            }
            if !a.times_ms.contains_key(&1) {
                return Err(err(
                    &format!("{at}.times_ms"),
                    format!(
                        "'{}' has no q = 1 time (the decode step every time ratio is taken against)",
                        a.arch
                    ),
                ));
            }
            for (&q, &t) in &a.times_ms {
                let why = if q == 0 || u64::from(q) > limit {
                    format!(
                        "q = {q} is outside 1..={limit} (1 + 4·max(16, max-gamma), max-gamma {max_gamma})"
                    )
                } else if !positive(t) {
                    format!("{t} is not a finite time > 0 (milliseconds)")
                } else {
                    continue;
                };
                return Err(err(&format!("{at}.times_ms[\"{q}\"]"), why));
            }
            if let Some(kv) = a.kv_bytes_per_token
                && !positive(kv)
            {
                return Err(err(
                    &format!("{at}.kv_bytes_per_token"),
                    format!("{kv} is not a number of bytes > 0"),
                ));
            }
        }
        if let Some([a, b]) = self.kv_law
            && !(a.is_finite() && b.is_finite())
        {
            return Err(err(
                "kv_law",
                format!("[{a}, {b}] is not two finite coefficients"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod loao_tests {
    //! The leverage identity against refits from scratch (issue #27, bug 5).
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Largest |leverage − refit| over both forms, relative to
    /// max(|refit|, 1e-3); asserts that both paths agree on None.
    fn discrepancy(archs: &[&ArchTimes]) -> f64 {
        let mut worst = 0.0f64;
        let cmp = |a: Option<RelError>, b: Option<RelError>, worst: &mut f64| {
            assert_eq!(a.is_some(), b.is_some(), "one path gave None");
            if let (Some(a), Some(b)) = (a, b) {
                assert_eq!(
                    a.per_arch.keys().collect::<Vec<_>>(),
                    b.per_arch.keys().collect::<Vec<_>>()
                );
                for (k, want) in &b.per_arch {
                    let d = (a.per_arch[k] - want).abs() / want.abs().max(1e-3);
                    *worst = worst.max(d);
                }
            }
        };
        cmp(
            loao_leverage(
                archs,
                |a| Some(affine_design(a)),
                fit_affine,
                predict_affine,
            ),
            loao_refit(archs, fit_affine, predict_affine),
            &mut worst,
        );
        if archs.iter().all(|a| a.layers.is_some()) {
            cmp(
                loao_leverage(archs, depth_design, fit_depth, predict_depth),
                loao_refit(archs, fit_depth, predict_depth),
                &mut worst,
            );
        }
        worst
    }

    fn arch(i: usize, p: f64, layers: u64, t1: f64) -> ArchTimes {
        ArchTimes {
            arch: format!("a{i:04}"),
            params_total: p,
            layers: Some(layers),
            times_ms: BTreeMap::from([(1, t1)]),
            kv_bytes_per_token: None,
        }
    }

    #[cfg(feature = "io")]
    #[test]
    fn the_leverage_identity_equals_refits_on_every_shipped_h200_selection() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut checked = 0;
        for file in [
            "datasets/hardware/h200_decode_latency.csv",
            "datasets/hardware/h200_decode_latency_batched.csv",
        ] {
            let table = crate::ingest::latency::read_latency_table(&root.join(file), None)
                .expect("the shipped table reads");
            for (mode, ctx, batch) in table.selections() {
                let sel = LatencySelection { mode, ctx, batch };
                let archs = select(&table, &sel).unwrap().archs;
                let refs: Vec<&ArchTimes> = archs.iter().collect();
                let d = discrepancy(&refs);
                eprintln!("{file} {mode} ctx {ctx} batch {batch}: {d:.2e}");
                assert!(d < 1e-11, "{file} {mode} ctx {ctx} batch {batch}: {d:e}");
                checked += 1;
            }
        }
        assert_eq!(checked, 6 + 4);
    }

    #[test]
    fn the_leverage_identity_equals_refits_on_random_tables() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(27);
        let mut worst = 0.0f64;
        for n in [4, 5, 9, 30, 65, 200, 500] {
            for outlier in [false, true] {
                let mut archs: Vec<ArchTimes> = (0..n)
                    .map(|i| {
                        let p: f64 = 10f64.powf(rng.random_range(8.0..11.0));
                        let l: u64 = rng.random_range(4..=96);
                        let t1 = (0.7 + 0.02 * l as f64 + 6e-10 * p)
                            * (1.0 + 0.1 * rng.random_range(-1.0..1.0));
                        arch(i, p, l, t1)
                    })
                    .collect();
                if outlier {
                    // one model far beyond the rest: leverage ≈ 1, refitted
                    archs.push(arch(n, 3e13, 400, 0.7 + 8.0 + 6e-10 * 3e13));
                }
                let refs: Vec<&ArchTimes> = archs.iter().collect();
                worst = worst.max(discrepancy(&refs));
            }
        }
        eprintln!("random tables: worst relative discrepancy {worst:.2e}");
        assert!(worst < 1e-11, "{worst:e}");
    }

    #[test]
    fn a_rank_deficient_left_out_fit_is_none_on_both_paths() {
        // layers = P/1e8 on all but one architecture: without that one, the
        // depth-aware design (1, layers, P) has rank 2
        let mut archs: Vec<ArchTimes> = (1..=80u64)
            .map(|m| arch(m as usize, 1e8 * m as f64, m, 0.5 + 1e-9 * m as f64 * 1e8))
            .collect();
        archs.push(arch(0, 5e9, 7, 6.0));
        let refs: Vec<&ArchTimes> = archs.iter().collect();
        assert!(fit_depth(&refs).is_some(), "the full design has full rank");
        assert!(loao_refit(&refs, fit_depth, predict_depth).is_none());
        assert!(loao_leverage(&refs, depth_design, fit_depth, predict_depth).is_none());
        assert!(loao(&refs, depth_design, fit_depth, predict_depth).is_none());
    }
}
