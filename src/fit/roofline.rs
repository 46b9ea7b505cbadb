//! Calibrating the roofline law ([`crate::law::roofline`], docs/latency.md
//! "Roofline") on measured latency tables: t0, η_bw and η_fl of one launch
//! mode, by **relative-error least squares** (minimise Σ ((t̂ − t)/t)², as
//! for the affine law of [`crate::fit::latency`], since times span three
//! decades) over the non-`tiny` architectures, in two stages:
//!
//! 1. t0 and η_bw on the q = 1 rows (every ctx and batch): decode steps are
//!    memory-bound at the measured batches (their arithmetic intensity,
//!    ≈ b FLOP per weight byte ≤ 64, is below the H200's ridge of ≈ 200),
//!    so t = t0 + (bytes/BW)·(1/η_bw) is linear in (1, bytes/BW): weighted
//!    least squares with weights 1/t²;
//! 2. η_fl on the q > 1 rows with t0 and η_bw fixed: a one-dimensional
//!    minimisation over ln η_fl ∈ [ln 1e-3, 0] (a grid of 2001 points, then
//!    golden-section refinement in the winning cell), since the max() makes
//!    the objective piecewise smooth.
//!
//! A mode without batched rows (eager in the H200 tables) takes η_fl from
//! another calibration ([`calibrate`]'s `eta_fl`).
//!
//! Accuracy is stated in-sample and **leave-one-architecture-out** (refit
//! both stages without an architecture, predict its rows), for every row,
//! the decode rows, the batch-1 decode rows at ctx 512 (the affine law's
//! selection, for the comparison), and the verification ratio
//! v(q) = t(q)/t(1) per batch at ctx 512.

use crate::error::SdslError;
use crate::fit::ols::wls;
use crate::ingest::latency::{LatencyTable, Mode};
use crate::law::roofline::{Efficiency, Pass, Peak, time_ms};
use nalgebra::{DMatrix, DVector};
use serde::Serialize;
use std::collections::BTreeMap;

/// One measured pass with the shape the roofline needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Architecture.
    pub arch: String,
    /// `params_total`.
    pub params: f64,
    /// bf16 KV bytes per cached token.
    pub kv_bytes_per_token: f64,
    /// Sequences.
    pub batch: u64,
    /// New tokens per sequence.
    pub q: u32,
    /// Cached tokens per sequence.
    pub ctx: u64,
    /// Measured median time, ms.
    pub ms: f64,
}

impl Observation {
    /// The pass, bf16 weights.
    pub fn pass(&self) -> Pass {
        Pass {
            params: self.params,
            weight_bytes_per_param: 2.0,
            kv_bytes_per_token: self.kv_bytes_per_token,
            batch: self.batch as f64,
            q: f64::from(self.q),
            ctx: self.ctx as f64,
        }
    }
}

/// The non-tiny rows of `mode` with a shape (layers, d_model, heads,
/// kv_heads), from `tables` in order: a (arch, batch, q, ctx) already taken
/// from an earlier table is skipped (the batch-1 table first, so its batch-1
/// rows win over the batched table's repeats).
pub fn observations(tables: &[&LatencyTable], mode: Mode) -> Vec<Observation> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for t in tables {
        for r in &t.rows {
            if r.mode != mode || r.is_tiny() {
                continue;
            }
            let shape = |k: &str| r.shape.get(k).map(|v| *v as f64);
            let (Some(layers), Some(d), Some(heads), Some(kv_heads)) = (
                r.layers.map(|l| l as f64),
                shape("d_model"),
                shape("heads"),
                shape("kv_heads"),
            ) else {
                continue;
            };
            if heads <= 0.0 || !seen.insert((r.arch.clone(), r.batch, r.q, r.ctx)) {
                continue;
            }
            out.push(Observation {
                arch: r.arch.clone(),
                params: r.params_total,
                kv_bytes_per_token: crate::law::roofline::kv_bytes_per_token(
                    layers,
                    kv_heads,
                    d / heads,
                ),
                batch: r.batch,
                q: r.q,
                ctx: r.ctx,
                ms: r.ms_median,
            });
        }
    }
    out
}

/// Stage 1: t0 and η_bw by relative-error WLS on the q = 1 rows.
fn stage_bandwidth(peak: &Peak, obs: &[&Observation]) -> Result<(f64, f64), SdslError> {
    let dec: Vec<&&Observation> = obs.iter().filter(|o| o.q == 1).collect();
    if dec.len() < 3 {
        return Err(SdslError::Numerical(format!(
            "the roofline calibration needs at least 3 decode (q = 1) rows, got {}",
            dec.len()
        )));
    }
    let points: Vec<(f64, f64)> = dec.iter().map(|o| (o.pass().bytes(), o.ms)).collect();
    let (t0, inv_eta_bw) = bandwidth_wls(peak, &points)?;
    let eta_bw = 1.0 / inv_eta_bw;
    if !(eta_bw.is_finite() && eta_bw > 0.0) {
        return Err(SdslError::Numerical(format!(
            "the roofline bandwidth fit gives 1/η_bw = {inv_eta_bw}: decode time does not grow with bytes read"
        )));
    }
    Ok((t0, eta_bw))
}

/// The memory-bound roofline t = t0 + (1/η_bw)·bytes/BW fitted to
/// (bytes read, ms) points by relative-error least squares (weights 1/t²);
/// returns (t0 in ms, 1/η_bw) unchecked, for the caller's own message.
fn bandwidth_wls(peak: &Peak, points: &[(f64, f64)]) -> Result<(f64, f64), SdslError> {
    let x = DMatrix::from_fn(points.len(), 2, |i, j| {
        if j == 0 {
            1.0
        } else {
            1e3 * points[i].0 / peak.bandwidth_bytes_per_s
        }
    });
    let t: Vec<f64> = points.iter().map(|p| p.1).collect();
    let w: Vec<f64> = t.iter().map(|v| 1.0 / (v * v)).collect();
    let b = wls(
        &x,
        &DVector::from_column_slice(&t),
        Some(&w),
        &["t0", "inv_eta_bw"],
        true,
    )?
    .estimates();
    Ok((b[0], b[1]))
}

/// Σ relative squared errors of the q > 1 rows at η_fl = exp(ln_eta).
fn stage2_loss(peak: &Peak, t0: f64, eta_bw: f64, obs: &[&Observation], ln_eta: f64) -> f64 {
    let eff = Efficiency {
        t0_ms: t0,
        eta_bw,
        eta_fl: ln_eta.exp(),
    };
    obs.iter()
        .filter(|o| o.q > 1)
        .map(|o| ((time_ms(peak, &eff, &o.pass()) - o.ms) / o.ms).powi(2))
        .sum()
}

/// Stage 2: η_fl on the q > 1 rows (grid in ln η_fl, then golden section).
fn stage_compute(
    peak: &Peak,
    t0: f64,
    eta_bw: f64,
    obs: &[&Observation],
) -> Result<f64, SdslError> {
    if !obs.iter().any(|o| o.q > 1) {
        return Err(SdslError::Numerical(
            "the roofline calibration needs verification (q > 1) rows for η_fl".into(),
        ));
    }
    const N: usize = 2001;
    let (lo, hi) = (1e-3f64.ln(), 0.0);
    let at = |i: usize| lo + (hi - lo) * i as f64 / (N - 1) as f64;
    let f = |x: f64| stage2_loss(peak, t0, eta_bw, obs, x);
    let best = (0..N)
        .map(|i| (i, f(at(i))))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(0, |(i, _)| i);
    // golden section in the cells either side of the best grid point
    let (mut a, mut b) = (at(best.saturating_sub(1)), at((best + 1).min(N - 1)));
    let g = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..100 {
        let (c, d) = (b - g * (b - a), a + g * (b - a));
        if f(c) <= f(d) { b = d } else { a = c }
    }
    let x = 0.5 * (a + b);
    Ok(if f(x) <= f(at(best)) { x } else { at(best) }.exp())
}

/// t0, η_bw and η_fl fitted on `obs` (η_fl fitted unless given).
pub fn calibrate(
    peak: &Peak,
    obs: &[&Observation],
    eta_fl: Option<f64>,
) -> Result<Efficiency, SdslError> {
    let (t0_ms, eta_bw) = stage_bandwidth(peak, obs)?;
    let eta_fl = match eta_fl {
        Some(e) => e,
        None => stage_compute(peak, t0_ms, eta_bw, obs)?,
    };
    Ok(Efficiency {
        t0_ms,
        eta_bw,
        eta_fl,
    })
}

/// Where a roofline profile's times come from (a [`crate::fit::latency::LatencyProfile`]
/// of kind [`ROOFLINE_KIND`]): the GPU's datasheet figures and the
/// efficiencies calibrated on measured tables.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RooflineOrigin {
    /// Catalogue id of the GPU.
    pub gpu: String,
    /// Peak memory bandwidth, bytes/s (datasheet).
    pub memory_bandwidth_bytes_per_s: f64,
    /// Dense bf16 tensor throughput, FLOP/s (datasheet).
    pub bf16_dense_flops: f64,
    /// Bytes per weight: 2 (bf16) or 1 (fp8).
    pub weight_bytes_per_param: f64,
    /// Fixed time per pass, ms (calibrated).
    pub t0_ms: f64,
    /// Achieved fraction of peak bandwidth (calibrated).
    pub eta_bw: f64,
    /// Achieved fraction of peak dense bf16 throughput (calibrated).
    pub eta_fl: f64,
    /// What the efficiencies were calibrated on.
    pub calibrated_on: String,
    /// For a profile recalibrated on the user's runs or table (kinds
    /// [`ROOFLINE_RUNS_KIND`], [`ROOFLINE_TABLE_KIND`]): what it was fitted
    /// on and how well.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recalibration: Option<Recalibration>,
}

/// The `kind` of a latency profile priced by the roofline law.
pub const ROOFLINE_KIND: &str = "roofline";

/// Relative errors over a set of rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowErrors {
    /// Rows.
    pub rows: usize,
    /// Mean |relative error|.
    pub mean_abs: f64,
    /// Largest |relative error|.
    pub max_abs: f64,
    /// The row with the largest: `arch b=… q=… ctx=…`.
    pub worst: String,
}

fn row_errors(items: impl IntoIterator<Item = (String, f64)>) -> Option<RowErrors> {
    let items: Vec<(String, f64)> = items.into_iter().collect();
    if items.is_empty() {
        return None;
    }
    let n = items.len();
    let mean_abs = items.iter().map(|(_, e)| e.abs()).sum::<f64>() / n as f64;
    let (worst, max_abs) = items
        .iter()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .map(|(w, e)| (w.clone(), e.abs()))
        .unwrap_or_default();
    Some(RowErrors {
        rows: n,
        mean_abs,
        max_abs,
        worst,
    })
}

/// The errors of one set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorSummary {
    /// Every row.
    pub all: Option<RowErrors>,
    /// The decode (q = 1) rows.
    pub decode: Option<RowErrors>,
    /// The batch-1 decode rows at ctx 512 (the affine law's selection).
    pub decode_batch1_ctx512: Option<RowErrors>,
    /// v(q) = t(q)/t(1), q > 1, at ctx 512, per batch.
    pub verify_by_batch: BTreeMap<u64, RowErrors>,
}

/// Errors of predictions `pred` (aligned with `obs`).
pub fn summarise(obs: &[&Observation], pred: &[f64]) -> ErrorSummary {
    let label = |o: &Observation| format!("{} b={} q={} ctx={}", o.arch, o.batch, o.q, o.ctx);
    let rel = |i: usize| (pred[i] - obs[i].ms) / obs[i].ms;
    let pick = |keep: &dyn Fn(&Observation) -> bool| {
        row_errors(
            (0..obs.len())
                .filter(|&i| keep(obs[i]))
                .map(|i| (label(obs[i]), rel(i))),
        )
    };
    let mut decode_of = BTreeMap::new();
    for (i, o) in obs.iter().enumerate() {
        if o.q == 1 {
            decode_of.insert((o.arch.as_str(), o.batch, o.ctx), i);
        }
    }
    let mut by_batch: BTreeMap<u64, Vec<(String, f64)>> = BTreeMap::new();
    for (i, o) in obs.iter().enumerate() {
        if o.q == 1 || o.ctx != 512 {
            continue;
        }
        if let Some(&j) = decode_of.get(&(o.arch.as_str(), o.batch, o.ctx)) {
            let (v_hat, v) = (pred[i] / pred[j], o.ms / obs[j].ms);
            by_batch
                .entry(o.batch)
                .or_default()
                .push((label(o), (v_hat - v) / v));
        }
    }
    ErrorSummary {
        all: pick(&|_| true),
        decode: pick(&|o| o.q == 1),
        decode_batch1_ctx512: pick(&|o| o.q == 1 && o.batch == 1 && o.ctx == 512),
        verify_by_batch: by_batch
            .into_iter()
            .filter_map(|(b, v)| row_errors(v).map(|e| (b, e)))
            .collect(),
    }
}

/// A calibration with its in-sample and leave-one-architecture-out errors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationReport {
    /// Launch mode.
    pub mode: Mode,
    /// t0 in ms.
    pub t0_ms: f64,
    /// Achieved fraction of peak bandwidth.
    pub eta_bw: f64,
    /// Achieved fraction of peak dense bf16 throughput.
    pub eta_fl: f64,
    /// η_fl was taken from another mode's calibration (not fitted here).
    pub eta_fl_given: bool,
    /// Architectures calibrated on.
    pub architectures: Vec<String>,
    /// Rows calibrated on.
    pub rows: usize,
    /// In-sample errors.
    pub in_sample: ErrorSummary,
    /// Leave-one-architecture-out errors.
    pub loao: ErrorSummary,
}

/// The given η_fl recalibrated without one architecture (for the
/// leave-one-architecture-out errors of a mode that takes η_fl from another).
pub type EtaFlWithout<'a> = &'a dyn Fn(&str) -> Result<f64, SdslError>;

/// [`calibrate`] with errors: in-sample, and leave-one-architecture-out
/// (both stages refitted without the architecture; η_fl, when given, comes
/// from `eta_fl_without(arch)`, the other mode's calibration without it).
pub fn calibrate_with_errors(
    peak: &Peak,
    mode: Mode,
    obs: &[Observation],
    eta_fl: Option<(f64, EtaFlWithout<'_>)>,
) -> Result<CalibrationReport, SdslError> {
    let refs: Vec<&Observation> = obs.iter().collect();
    let eff = calibrate(peak, &refs, eta_fl.map(|(e, _)| e))?;
    let pred: Vec<f64> = refs
        .iter()
        .map(|o| time_ms(peak, &eff, &o.pass()))
        .collect();
    let mut archs: Vec<String> = obs.iter().map(|o| o.arch.clone()).collect();
    archs.sort();
    archs.dedup();
    let mut loao_pred = vec![f64::NAN; obs.len()];
    for a in &archs {
        let rest: Vec<&Observation> = refs.iter().copied().filter(|o| &o.arch != a).collect();
        let given = match eta_fl {
            Some((_, without)) => Some(without(a)?),
            None => None,
        };
        let e = calibrate(peak, &rest, given)?;
        for (i, o) in refs.iter().enumerate() {
            if &o.arch == a {
                loao_pred[i] = time_ms(peak, &e, &o.pass());
            }
        }
    }
    Ok(CalibrationReport {
        mode,
        t0_ms: eff.t0_ms,
        eta_bw: eff.eta_bw,
        eta_fl: eff.eta_fl,
        eta_fl_given: eta_fl.is_some(),
        rows: obs.len(),
        in_sample: summarise(&refs, &pred),
        loao: summarise(&refs, &loao_pred),
        architectures: archs,
    })
}

/// The `kind` of a roofline profile recalibrated on a user's engine runs
/// (`sdsl fit latency --roofline GPU runs.csv`).
pub const ROOFLINE_RUNS_KIND: &str = "roofline-runs";

/// The `kind` of a roofline profile recalibrated on a user's latency table
/// (`sdsl fit latency --roofline GPU table.csv`).
pub const ROOFLINE_TABLE_KIND: &str = "roofline-table";

/// Whether a profile kind is priced by the roofline law (and so carries a
/// [`RooflineOrigin`] and can be re-priced at any batch, ctx and weights).
pub fn is_roofline_kind(kind: &str) -> bool {
    [ROOFLINE_KIND, ROOFLINE_RUNS_KIND, ROOFLINE_TABLE_KIND].contains(&kind)
}

/// One measured decode step of a serving engine: a single-model run's TPOT
/// at its mean batch (Little's law: output tok/s × TPOT / 1000).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RunStep {
    /// The run (`source block N`).
    pub run: String,
    /// The model as the registry names it.
    pub model: String,
    /// `params_total` (registry).
    pub params: f64,
    /// bf16 KV bytes per cached token (its shape, else the KV law).
    pub kv_bytes_per_token: f64,
    /// Mean running sequences (`mean_batch`), not the configured concurrency.
    pub mean_batch: f64,
    /// Cached tokens per sequence assumed for the KV read.
    pub ctx: f64,
    /// Measured mean TPOT, ms.
    pub tpot_ms: f64,
    /// The recalibrated roofline's time for it, ms.
    #[serde(default)]
    pub fitted_ms: f64,
}

impl RunStep {
    /// The decode pass (q = 1, bf16 weights).
    pub fn pass(&self) -> Pass {
        Pass {
            params: self.params,
            weight_bytes_per_param: 2.0,
            kv_bytes_per_token: self.kv_bytes_per_token,
            batch: self.mean_batch,
            q: 1.0,
            ctx: self.ctx,
        }
    }
}

/// A single-model run to recalibrate on: its id (`source block N`), the
/// registry model (name, `arch`, parameters), its mean TPOT and mean batch.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInput {
    /// `source block N`.
    pub run: String,
    /// Registry name.
    pub model: String,
    /// Registry `arch` (a table architecture gives its own KV shape).
    pub arch: String,
    /// `params_total`.
    pub params: f64,
    /// Mean TPOT, ms.
    pub tpot_ms: f64,
    /// `mean_batch` (Little's law).
    pub mean_batch: f64,
}

/// How η_fl of a recalibration was obtained.
pub const ETA_FL_KEPT: &str = "kept from the H200 graph-mode calibration: every run is memory-bound under it (its bytes take longer at η_bw·BW than its FLOPs at η_fl·FLOPS), so the runs do not constrain η_fl";

/// What a recalibration on a user's runs or table was fitted on, and how
/// well (recorded in the profile's [`RooflineOrigin::recalibration`]).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Recalibration {
    /// `runs` or `table`.
    pub on: String,
    /// The inputs as named.
    pub inputs: String,
    /// SHA-256 over the inputs.
    pub sha256: String,
    /// Whether η_fl was fitted here (else kept from the H200 calibration).
    pub eta_fl_fitted: bool,
    /// How η_fl was obtained.
    pub eta_fl_source: String,
    /// Rows or runs fitted.
    pub points: usize,
    /// The runs fitted, with their fitted times (runs only).
    #[serde(default)]
    pub runs: Vec<RunStep>,
    /// Mean |relative error| in-sample.
    pub in_sample_mean_abs: f64,
    /// Largest |relative error| in-sample.
    pub in_sample_max_abs: f64,
}

/// Recalibrates t0 and η_bw (and η_fl where the runs constrain it) on a
/// serving engine's single-model decode steps (docs/latency.md,
/// "Recalibrating on your engine"), by relative-error least squares as
/// [`calibrate`]:
///
/// - every step is classified under `prior_eta_fl` (the H200 graph-mode
///   η_fl) after a first fit of t0 and η_bw on all steps: memory-bound
///   when bytes/(η_bw·BW) ≥ flops/(η_fl·FLOPS);
/// - t0 and η_bw are refitted on the memory-bound steps (at least two of
///   distinct size, else an error); with two steps the fit is exact;
/// - η_fl is fitted (the grid and golden section of stage 2) on the
///   compute-bound steps when there are any; otherwise it is kept and
///   [`ETA_FL_KEPT`] says why.
///
/// Returns the efficiencies, whether η_fl was fitted, and the steps with
/// their fitted times.
pub fn recalibrate_on_runs(
    peak: &Peak,
    steps: &[RunStep],
    prior_eta_fl: f64,
) -> Result<(Efficiency, bool, Vec<RunStep>), SdslError> {
    let lin = |sel: &[&RunStep]| -> Result<(f64, f64), SdslError> {
        let points: Vec<(f64, f64)> = sel.iter().map(|s| (s.pass().bytes(), s.tpot_ms)).collect();
        let (t0, inv_eta_bw) = bandwidth_wls(peak, &points)?;
        let eta_bw = 1.0 / inv_eta_bw;
        if !(eta_bw.is_finite() && eta_bw > 0.0) {
            return Err(SdslError::Numerical(format!(
                "the runs give 1/η_bw = {inv_eta_bw}: their decode time does not grow with the bytes read (check that the runs are of different model sizes on one GPU)"
            )));
        }
        Ok((t0, eta_bw))
    };
    let all: Vec<&RunStep> = steps.iter().collect();
    let (t0, eta_bw) = lin(&all)?;
    let prior = Efficiency {
        t0_ms: t0,
        eta_bw,
        eta_fl: prior_eta_fl,
    };
    let (mem, comp): (Vec<&RunStep>, Vec<&RunStep>) = all.iter().partition(|s| {
        crate::law::roofline::memory_ms(peak, &prior, &s.pass())
            >= crate::law::roofline::compute_ms(peak, &prior, &s.pass())
    });
    let (eff, fitted) = if comp.is_empty() {
        (prior, false)
    } else {
        let sizes: std::collections::BTreeSet<u64> =
            mem.iter().map(|s| s.params.to_bits()).collect();
        if sizes.len() < 2 {
            return Err(SdslError::Numerical(format!(
                "{} of the {} runs are compute-bound under η_fl = {prior_eta_fl:.3}; t0 and η_bw need at least two memory-bound runs of different sizes (add runs at concurrency 1)",
                comp.len(),
                steps.len()
            )));
        }
        let (t0, eta_bw) = lin(&mem)?;
        let loss = |ln_eta: f64| -> f64 {
            let e = Efficiency {
                t0_ms: t0,
                eta_bw,
                eta_fl: ln_eta.exp(),
            };
            comp.iter()
                .map(|s| ((time_ms(peak, &e, &s.pass()) - s.tpot_ms) / s.tpot_ms).powi(2))
                .sum()
        };
        const N: usize = 2001;
        let (lo, hi) = (1e-3f64.ln(), 0.0);
        let at = |i: usize| lo + (hi - lo) * i as f64 / (N - 1) as f64;
        let best = (0..N)
            .map(|i| (i, loss(at(i))))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(0, |(i, _)| i);
        let (mut a, mut b) = (at(best.saturating_sub(1)), at((best + 1).min(N - 1)));
        let g = (5f64.sqrt() - 1.0) / 2.0;
        for _ in 0..100 {
            let (c, d) = (b - g * (b - a), a + g * (b - a));
            if loss(c) <= loss(d) { b = d } else { a = c }
        }
        let x = 0.5 * (a + b);
        let ln_eta = if loss(x) <= loss(at(best)) {
            x
        } else {
            at(best)
        };
        (
            Efficiency {
                t0_ms: t0,
                eta_bw,
                eta_fl: ln_eta.exp(),
            },
            true,
        )
    };
    let out = steps
        .iter()
        .map(|s| RunStep {
            fitted_ms: time_ms(peak, &eff, &s.pass()),
            ..s.clone()
        })
        .collect();
    Ok((eff, fitted, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Noiseless times from known (t0, η_bw, η_fl) are recovered.
    #[test]
    fn recovers_noiseless_roofline_parameters() {
        let peak = Peak {
            bandwidth_bytes_per_s: 4.8e12,
            flops_per_s: 989.5e12,
        };
        let truth = Efficiency {
            t0_ms: 0.6,
            eta_bw: 0.55,
            eta_fl: 0.35,
        };
        let mut obs = Vec::new();
        for (k, p) in [1.25e8, 1.3e9, 6.7e9, 1.3e10, 3.2e10].iter().enumerate() {
            for b in [1u64, 4, 16, 64] {
                for q in [1u32, 2, 5, 9, 17] {
                    let mut o = Observation {
                        arch: format!("a{k}"),
                        params: *p,
                        kv_bytes_per_token: 1e5 * (k + 1) as f64,
                        batch: b,
                        q,
                        ctx: 512,
                        ms: 0.0,
                    };
                    o.ms = time_ms(&peak, &truth, &o.pass());
                    obs.push(o);
                }
            }
        }
        let refs: Vec<&Observation> = obs.iter().collect();
        let e = calibrate(&peak, &refs, None).unwrap();
        assert!((e.t0_ms - 0.6).abs() < 1e-9, "{e:?}");
        assert!((e.eta_bw - 0.55).abs() < 1e-9, "{e:?}");
        assert!((e.eta_fl - 0.35).abs() < 1e-6, "{e:?}");
    }

    /// Runs at large mean batches are compute-bound: noiseless TPOTs from
    /// known (t0, η_bw, η_fl) give all three back; batch-1 runs alone keep
    /// the prior η_fl.
    #[test]
    fn recalibration_on_runs_fits_eta_fl_only_where_a_run_is_compute_bound() {
        let peak = Peak {
            bandwidth_bytes_per_s: 3.35e12,
            flops_per_s: 989.5e12,
        };
        let truth = Efficiency {
            t0_ms: 1.1,
            eta_bw: 0.85,
            eta_fl: 0.45,
        };
        let mut steps = Vec::new();
        for (m, p) in [("a", 1.7e9), ("b", 8.2e9), ("c", 32.8e9)] {
            for b in [1.0, 2.0, 300.0, 600.0] {
                let mut s = RunStep {
                    run: format!("{m} b={b}"),
                    model: m.into(),
                    params: p,
                    kv_bytes_per_token: 1e5,
                    mean_batch: b,
                    ctx: 512.0,
                    tpot_ms: 0.0,
                    fitted_ms: f64::NAN,
                };
                s.tpot_ms = time_ms(&peak, &truth, &s.pass());
                steps.push(s);
            }
        }
        let (e, fitted, out) = recalibrate_on_runs(&peak, &steps, 0.31).unwrap();
        assert!(fitted);
        assert!((e.t0_ms - 1.1).abs() < 1e-9, "{e:?}");
        assert!((e.eta_bw - 0.85).abs() < 1e-9, "{e:?}");
        assert!((e.eta_fl - 0.45).abs() < 1e-6, "{e:?}");
        assert!(
            out.iter()
                .all(|s| (s.fitted_ms - s.tpot_ms).abs() < 1e-6 * s.tpot_ms)
        );
        let small: Vec<RunStep> = steps.into_iter().filter(|s| s.mean_batch < 3.0).collect();
        let (e, fitted, _) = recalibrate_on_runs(&peak, &small, 0.31).unwrap();
        assert!(!fitted && e.eta_fl == 0.31);
        assert!((e.eta_bw - 0.85).abs() < 1e-9, "{e:?}");
    }
}
