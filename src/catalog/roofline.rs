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
    CalibrationReport, Observation, ROOFLINE_KIND, ROOFLINE_RUNS_KIND, ROOFLINE_TABLE_KIND,
    RooflineOrigin, calibrate, calibrate_with_errors, observations,
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
/// `max_gamma` in the integer searches, with the H200 calibration of
/// `sel.mode`.
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
    let calibrated_on = format!(
        "datasets/hardware/h200_decode_latency.csv and h200_decode_latency_batched.csv, {} mode{}",
        sel.mode,
        if sel.mode == Mode::Eager {
            " (η_fl from graph mode)"
        } else {
            ""
        }
    );
    let origin = RooflineOrigin {
        gpu: gpu.id.clone(),
        memory_bandwidth_bytes_per_s: gpu.peak().bandwidth_bytes_per_s,
        bf16_dense_flops: gpu.peak().flops_per_s,
        weight_bytes_per_param,
        t0_ms: eff.t0_ms,
        eta_bw: eff.eta_bw,
        eta_fl: eff.eta_fl,
        calibrated_on,
        recalibration: None,
    };
    priced_profile(ROOFLINE_KIND, origin, sel, max_gamma)
}

/// The latency profile priced by the roofline law from a calibration
/// record (`origin`: the GPU, its peak figures, the efficiencies, the
/// weight format) at `sel`: the roofline times of the H200 tables'
/// non-`tiny` shapes at (sel.ctx, sel.batch) and the tables' q values,
/// fitted like a measured table. `kind` is the profile's kind (the
/// catalogue's [`ROOFLINE_KIND`] or a recalibration's). The GPU's name and
/// memory come from the catalogue.
pub fn priced_profile(
    kind: &str,
    origin: RooflineOrigin,
    sel: LatencySelection,
    max_gamma: u64,
) -> Result<LatencyProfile, SdslError> {
    let gpu = super::gpus::gpu(&origin.gpu)?;
    let eff = Efficiency {
        t0_ms: origin.t0_ms,
        eta_bw: origin.eta_bw,
        eta_fl: origin.eta_fl,
    };
    let peak = Peak {
        bandwidth_bytes_per_s: origin.memory_bandwidth_bytes_per_s,
        flops_per_s: origin.bf16_dense_flops,
    };
    let weight_bytes_per_param = origin.weight_bytes_per_param;
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
    // the catalogue's profile keeps its hash; a recalibration adds its own
    let recal_sha = origin
        .recalibration
        .as_ref()
        .map(|r| r.sha256.clone())
        .unwrap_or_default();
    let table = LatencyTable {
        path: label.clone(),
        sha256: crate::ingest::sha256_hex(
            &[
                super::gpus::GPUS_BYTES,
                b1.sha256.as_bytes(),
                recal_sha.as_bytes(),
            ]
            .concat(),
        ),
        rows,
        meta: Some(HardwareMeta {
            path: super::gpus::GPUS_CSV.into(),
            device: Some(format!(
                "{} (roofline{}, {weights} weights)",
                gpu.name,
                match kind {
                    ROOFLINE_RUNS_KIND => ", recalibrated on engine runs",
                    ROOFLINE_TABLE_KIND => ", recalibrated on a latency table",
                    _ => "",
                }
            )),
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
    profile.kind = kind.into();
    profile.roofline = Some(origin);
    profile.warnings.push(if kind == ROOFLINE_KIND {
        TRANSFER_CAVEAT.into()
    } else {
        RECALIBRATED_CAVEAT.into()
    });
    profile.validate(&label, max_gamma)?;
    Ok(profile)
}

/// What every recalibrated roofline profile says about itself.
pub const RECALIBRATED_CAVEAT: &str = "roofline times recalibrated on your own runs or table (t0 and η_bw fitted there; η_fl as the profile's roofline.recalibration says): they assume the engine, GPU and context of those inputs; verification cost v(q) and batched steps are the roofline's, not measured (docs/latency.md, Recalibrating on your engine)";

/// bf16 KV bytes per cached token of a row's shape.
fn shape_kv(r: &LatencyRow) -> Option<f64> {
    let layers = r.layers? as f64;
    let d = *r.shape.get("d_model")? as f64;
    let heads = *r.shape.get("heads")? as f64;
    let kv_heads = *r.shape.get("kv_heads")? as f64;
    (heads > 0.0).then(|| crate::law::roofline::kv_bytes_per_token(layers, kv_heads, d / heads))
}

/// The roofline profile of `gpu_id` recalibrated on single-model engine
/// runs (`sdsl fit latency --roofline GPU runs.csv`; docs/latency.md,
/// "Recalibrating on your engine"): t0 and η_bw (and η_fl where a run is
/// compute-bound) by [`crate::fit::roofline::recalibrate_on_runs`], each
/// run a decode step of its model at its mean batch with `ctx` cached
/// tokens assumed per sequence; η_fl otherwise from the H200 graph-mode
/// calibration, and the record says so. KV bytes per token: the model's
/// own shape when its `arch` is an H200 table architecture, else the KV
/// law of the catalogue profile. The profile is at batch 1, ctx `ctx`,
/// graph mode (re-priced at any batch by `latency:FILE.json:batch=B`).
pub fn recalibrate_runs(
    gpu_id: &str,
    runs: &[crate::fit::roofline::RunInput],
    ctx: u64,
    inputs: (&str, &str),
    max_gamma: u64,
) -> Result<LatencyProfile, SdslError> {
    let gpu = super::gpus::gpu(gpu_id)?;
    let peak = gpu.peak();
    let sel = LatencySelection {
        mode: Mode::Graph,
        ctx,
        batch: 1,
    };
    let catalogue = roofline_profile(gpu_id, sel, 2.0, max_gamma)?;
    let prior = calibration(Mode::Graph)?;
    let steps = runs
        .iter()
        .map(|r| {
            let kv = catalogue
                .kv_bytes_per_token(&r.arch, r.params)
                .ok_or_else(|| {
                    SdslError::Numerical(format!(
                        "no KV bytes per token for {} (the catalogue profile has no KV law)",
                        r.model
                    ))
                })?;
            Ok(crate::fit::roofline::RunStep {
                run: r.run.clone(),
                model: r.model.clone(),
                params: r.params,
                kv_bytes_per_token: kv,
                mean_batch: r.mean_batch,
                ctx: ctx as f64,
                tpot_ms: r.tpot_ms,
                fitted_ms: f64::NAN,
            })
        })
        .collect::<Result<Vec<_>, SdslError>>()?;
    let (eff, fitted, steps) =
        crate::fit::roofline::recalibrate_on_runs(&peak, &steps, prior.eta_fl)?;
    if eff.t0_ms < 0.0 {
        return Err(SdslError::Data {
            path: inputs.0.to_string(),
            message: format!(
                "the runs give t0 = {:.4} ms < 0 on the {}: the smaller model's TPOT is below what its weights take at the bandwidth the larger one reaches; check that the runs are on this GPU and engine",
                eff.t0_ms, gpu.name
            ),
        });
    }
    let errs: Vec<f64> = steps
        .iter()
        .map(|s| ((s.fitted_ms - s.tpot_ms) / s.tpot_ms).abs())
        .collect();
    let recal = crate::fit::roofline::Recalibration {
        on: "runs".into(),
        inputs: inputs.0.to_string(),
        sha256: inputs.1.to_string(),
        eta_fl_fitted: fitted,
        eta_fl_source: if fitted {
            "fitted on the compute-bound runs".into()
        } else {
            crate::fit::roofline::ETA_FL_KEPT.into()
        },
        points: steps.len(),
        in_sample_mean_abs: errs.iter().sum::<f64>() / errs.len().max(1) as f64,
        in_sample_max_abs: errs.iter().copied().fold(0.0, f64::max),
        runs: steps,
    };
    let origin = RooflineOrigin {
        gpu: gpu.id.clone(),
        memory_bandwidth_bytes_per_s: peak.bandwidth_bytes_per_s,
        bf16_dense_flops: peak.flops_per_s,
        weight_bytes_per_param: 2.0,
        t0_ms: eff.t0_ms,
        eta_bw: eff.eta_bw,
        eta_fl: eff.eta_fl,
        calibrated_on: format!(
            "engine runs {} (t0 and η_bw from {} single-model runs; η_fl {})",
            inputs.0,
            recal.points,
            if fitted {
                "fitted on the compute-bound runs".to_string()
            } else {
                format!(
                    "= {:.3} kept from the H200 graph-mode calibration",
                    eff.eta_fl
                )
            }
        ),
        recalibration: Some(recal),
    };
    priced_profile(ROOFLINE_RUNS_KIND, origin, sel, max_gamma)
}

/// The roofline profile of `gpu_id` recalibrated on a latency table
/// measured on it (`sdsl fit latency --roofline GPU table.csv`): the
/// table's non-`tiny` architectures with shape columns in `mode`, t0 and
/// η_bw on its q = 1 rows, η_fl on its q > 1 rows when one of them is
/// compute-bound under the H200 graph-mode η_fl (else kept, and said so),
/// as [`crate::fit::roofline::calibrate`]. The profile is at `sel`.
pub fn recalibrate_table(
    gpu_id: &str,
    table: &LatencyTable,
    sel: LatencySelection,
    max_gamma: u64,
) -> Result<LatencyProfile, SdslError> {
    let gpu = super::gpus::gpu(gpu_id)?;
    let peak = gpu.peak();
    let obs = observations(&[table], sel.mode);
    let archs: std::collections::BTreeSet<&str> = obs.iter().map(|o| o.arch.as_str()).collect();
    if archs.len() < 2 {
        return Err(SdslError::Data {
            path: table.path.clone(),
            message: format!(
                "{} architecture{} in {} mode with the shape columns (layers, d_model, heads, kv_heads) the roofline needs; recalibrating t0 and η_bw needs at least two (lab-scale 'tiny' rows are left out)",
                archs.len(),
                if archs.len() == 1 { "" } else { "s" },
                sel.mode
            ),
        });
    }
    let prior = calibration(Mode::Graph)?;
    let refs: Vec<&Observation> = obs.iter().collect();
    let first = calibrate(&peak, &refs, Some(prior.eta_fl))?;
    let compute_bound = refs.iter().any(|o| {
        o.q > 1
            && crate::law::roofline::compute_ms(&peak, &first, &o.pass())
                > crate::law::roofline::memory_ms(&peak, &first, &o.pass())
    });
    let eff = if compute_bound {
        calibrate(&peak, &refs, None)?
    } else {
        first
    };
    let errs: Vec<f64> = refs
        .iter()
        .map(|o| ((time_ms(&peak, &eff, &o.pass()) - o.ms) / o.ms).abs())
        .collect();
    let recal = crate::fit::roofline::Recalibration {
        on: "table".into(),
        inputs: table.path.clone(),
        sha256: table.sha256.clone(),
        eta_fl_fitted: compute_bound,
        eta_fl_source: if compute_bound {
            "fitted on the table's q > 1 rows".into()
        } else {
            "kept from the H200 graph-mode calibration: no q > 1 row of the table is compute-bound under it, so the table does not constrain η_fl".into()
        },
        points: refs.len(),
        runs: Vec::new(),
        in_sample_mean_abs: errs.iter().sum::<f64>() / errs.len().max(1) as f64,
        in_sample_max_abs: errs.iter().copied().fold(0.0, f64::max),
    };
    let origin = RooflineOrigin {
        gpu: gpu.id.clone(),
        memory_bandwidth_bytes_per_s: peak.bandwidth_bytes_per_s,
        bf16_dense_flops: peak.flops_per_s,
        weight_bytes_per_param: 2.0,
        t0_ms: eff.t0_ms,
        eta_bw: eff.eta_bw,
        eta_fl: eff.eta_fl,
        calibrated_on: format!(
            "latency table {} ({} mode, {} rows of {} architectures; η_fl {})",
            table.path,
            sel.mode,
            refs.len(),
            archs.len(),
            if compute_bound {
                "fitted on its q > 1 rows".to_string()
            } else {
                format!(
                    "= {:.3} kept from the H200 graph-mode calibration",
                    eff.eta_fl
                )
            }
        ),
        recalibration: Some(recal),
    };
    priced_profile(ROOFLINE_TABLE_KIND, origin, sel, max_gamma)
}
