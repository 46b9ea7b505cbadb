//! `latency:roofline:GPU[:mode=graph|eager][:ctx=N][:batch=B][:weights=bf16|fp8]`
//! (docs/latency.md, "Roofline"): a latency profile for a catalogued GPU
//! ([`super::gpus`]) priced by the roofline law ([`crate::law::roofline`])
//! with t0, η_bw, η_fl calibrated on the compiled-in H200 tables
//! ([`crate::fit::roofline`]).
//!
//! The profile is built as the measured ones are: the roofline times of the
//! H200 tables' non-`tiny` shapes (their own parameter counts and KV
//! shapes) at the selection's (ctx, batch) and the tables' q values are
//! fitted like a measured table ([`crate::fit::latency`]: the affine law
//! for c = t(N)/t(M), the v(q) lines, the KV law for sizes without a shape).
//! A registry model whose `arch` is one of these shapes is priced by its own
//! shape.

use crate::error::SdslError;
use crate::fit::latency::{LatencyFitSpec, LatencyProfile, LatencySelection};
use crate::fit::roofline::{
    CalibrationReport, Observation, ROOFLINE_KIND, RooflineOrigin, calibrate,
    calibrate_with_errors, observations,
};
use crate::ingest::latency::{HardwareMeta, LatencyRow, LatencyTable, Mode};
use crate::law::roofline::{Efficiency, Pass, Peak, time_ms};

/// The GPU the shipped tables were measured on (catalogue id).
pub const CALIBRATION_GPU: &str = "h200";

/// What every roofline profile says about its calibration.
pub const TRANSFER_CAVEAT: &str = "roofline times assume the engine efficiency of the calibration (t0, η_bw, η_fl fitted on the H200 tables, measured with a plain PyTorch decode loop): a serving engine reaches a higher fraction of bandwidth and keeps batched passes flatter, and another GPU may reach other fractions; recalibrate on your own runs (docs/latency.md, Roofline)";

/// The compiled-in H200 tables: batch 1, then the batched sweep.
fn tables() -> Result<(LatencyTable, LatencyTable), SdslError> {
    let b1 = super::latency::shipped_table(LatencySelection::default())?;
    let batched = super::latency::shipped_table(LatencySelection {
        batch: 4,
        ..LatencySelection::default()
    })?;
    Ok((b1, batched))
}

/// The calibration GPU's peak figures (the catalogue's `h200` row).
fn calibration_peak() -> Result<Peak, SdslError> {
    Ok(super::gpus::gpu(CALIBRATION_GPU)?.peak())
}

/// The measured rows of a mode (batch-1 table first, then the batched one).
pub fn calibration_observations(mode: Mode) -> Result<Vec<Observation>, SdslError> {
    let (b1, batched) = tables()?;
    Ok(observations(&[&b1, &batched], mode))
}

/// t0, η_bw, η_fl of a mode. Graph: both stages on the graph rows. Eager:
/// t0 and η_bw on the eager rows, η_fl from graph mode (the eager table has
/// no batched rows, so its q > 1 rows are all memory- or launch-bound).
pub fn calibration(mode: Mode) -> Result<Efficiency, SdslError> {
    let peak = calibration_peak()?;
    let graph = calibration_observations(Mode::Graph)?;
    let g = calibrate(&peak, &graph.iter().collect::<Vec<_>>(), None)?;
    match mode {
        Mode::Graph => Ok(g),
        Mode::Eager => {
            let eager = calibration_observations(Mode::Eager)?;
            calibrate(&peak, &eager.iter().collect::<Vec<_>>(), Some(g.eta_fl))
        }
    }
}

/// Both modes' calibrations with their in-sample and
/// leave-one-architecture-out errors (graph, eager).
pub fn calibration_reports() -> Result<[CalibrationReport; 2], SdslError> {
    let peak = calibration_peak()?;
    let graph = calibration_observations(Mode::Graph)?;
    let g = calibrate_with_errors(&peak, Mode::Graph, &graph, None)?;
    let eta_without = |arch: &str| -> Result<f64, SdslError> {
        let rest: Vec<&Observation> = graph.iter().filter(|o| o.arch != arch).collect();
        Ok(calibrate(&peak, &rest, None)?.eta_fl)
    };
    let eager = calibration_observations(Mode::Eager)?;
    let e = calibrate_with_errors(&peak, Mode::Eager, &eager, Some((g.eta_fl, &eta_without)))?;
    Ok([g, e])
}

/// The latency profile of a catalogued GPU under the roofline law at `sel`,
/// weights of `weight_bytes_per_param` bytes (2 bf16, 1 fp8), γ capped at
/// `max_gamma` in the integer searches.
pub fn roofline_profile(
    gpu_id: &str,
    sel: LatencySelection,
    weight_bytes_per_param: f64,
    max_gamma: u64,
) -> Result<LatencyProfile, SdslError> {
    if sel.batch > 1 && sel.mode == Mode::Eager {
        return Err(SdslError::InvalidArgument(format!(
            "batch {} in eager mode: the roofline's eager calibration has batch-1 rows only (the batched H200 table is graph mode only); use mode=graph or batch=1",
            sel.batch
        )));
    }
    let gpu = super::gpus::gpu(gpu_id)?;
    let eff = calibration(sel.mode)?;
    let peak = gpu.peak();
    let (b1, _) = tables()?;
    let mut rows: Vec<LatencyRow> = Vec::new();
    // one row per (shape, q) of the batch-1 table's graph rows at ctx 512
    for r in b1
        .rows
        .iter()
        .filter(|r| r.mode == Mode::Graph && r.ctx == 512 && r.batch == 1 && !r.is_tiny())
    {
        let kv = shape_kv(r).ok_or_else(|| SdslError::Data {
            path: b1.path.clone(),
            message: format!(
                "row {}: '{}' has no KV shape (layers, d_model, heads, kv_heads)",
                r.row, r.arch
            ),
        })?;
        let pass = Pass {
            params: r.params_total,
            weight_bytes_per_param,
            kv_bytes_per_token: kv,
            batch: sel.batch as f64,
            q: f64::from(r.q),
            ctx: sel.ctx as f64,
        };
        rows.push(LatencyRow {
            row: rows.len() + 1,
            mode: sel.mode,
            ctx: sel.ctx,
            batch: sel.batch,
            ms_median: time_ms(&peak, &eff, &pass),
            ..r.clone()
        });
    }
    let weights = if weight_bytes_per_param == 1.0 {
        "fp8"
    } else {
        "bf16"
    };
    let label = format!("roofline:{}", gpu.id);
    let table = LatencyTable {
        path: label.clone(),
        sha256: crate::ingest::sha256_hex(
            &[super::gpus::GPUS_BYTES, b1.sha256.as_bytes()].concat(),
        ),
        rows,
        meta: Some(HardwareMeta {
            path: super::gpus::GPUS_CSV.into(),
            device: Some(format!("{} (roofline, {weights} weights)", gpu.name)),
            memory_bytes: Some(gpu.memory_for_fit()),
            entries: Default::default(),
        }),
    };
    let mut profile = LatencyFitSpec {
        selection: sel,
        replicates: 0,
        seed: 0,
    }
    .validated()?
    .fit_capped(&table, max_gamma)?;
    profile.kind = ROOFLINE_KIND.into();
    profile.roofline = Some(RooflineOrigin {
        gpu: gpu.id.clone(),
        memory_bandwidth_bytes_per_s: peak.bandwidth_bytes_per_s,
        bf16_dense_flops: peak.flops_per_s,
        weight_bytes_per_param,
        t0_ms: eff.t0_ms,
        eta_bw: eff.eta_bw,
        eta_fl: eff.eta_fl,
        calibrated_on: format!(
            "datasets/hardware/h200_decode_latency.csv and h200_decode_latency_batched.csv, {} mode{}",
            sel.mode,
            if sel.mode == Mode::Eager {
                " (η_fl from graph mode)"
            } else {
                ""
            }
        ),
    });
    profile.warnings.push(TRANSFER_CAVEAT.into());
    profile.validate(&label, max_gamma)?;
    Ok(profile)
}

/// bf16 KV bytes per cached token of a row's shape.
fn shape_kv(r: &LatencyRow) -> Option<f64> {
    let layers = r.layers? as f64;
    let d = *r.shape.get("d_model")? as f64;
    let heads = *r.shape.get("heads")? as f64;
    let kv_heads = *r.shape.get("kv_heads")? as f64;
    (heads > 0.0).then(|| crate::law::roofline::kv_bytes_per_token(layers, kv_heads, d / heads))
}
