//! Engine runs (`engine-runs`): speculative runs imported from serving
//! engines' own output (docs/import.md), each k's measured speed-up against
//! the predictions of three models (docs/validation.md, "Engine runs"):
//!
//! - `sdsl-flops`: S = E(α̂, γ)/(γ·c + 1) with the run's α̂ (the counts' MLE)
//!   and SDSL's c = N/M (one token's pass costs 2·params FLOPs, verification
//!   of γ + 1 tokens one target pass; Leviathan et al. 2023 Thm 3.8);
//! - `latency-runs`: the same formula with c = t(N)/t(M) from the affine law
//!   t(P) = t0 + k·P fitted to the runs without speculation at concurrency 1
//!   (`LatencyProfile::from_runs`, kind `runs-affine`); verification is not
//!   measured there, so v ≡ 1;
//! - `sdsl-law`: α from the laws (loss law → perplexities at the registry's
//!   sizes and tokens → α law), c = N/M;
//! - `roofline-<gpu>` (when the runs' GPU is known: `[validation] runs_gpu`,
//!   `--runs-gpu`, or the runs' gpu column): the run's α̂ with
//!   S = E(α̂, γ)/(γ·c + v(γ+1)), c and v from the catalogue's roofline
//!   profile of that GPU with the H200 calibration (batch 1, ctx 512, graph
//!   mode; docs/latency.md, "Roofline");
//! - `roofline-<gpu>-runs`: the same, with t0 and η_bw recalibrated on the
//!   runs **without speculation** only (`sdsl fit latency --roofline`;
//!   η_fl kept from the H200 calibration where every run is memory-bound).
//!   The speculative rows never enter the calibration: nothing is tuned to
//!   the speed-ups it predicts.
//!
//! The measured speed-up is `speedup_tpot` = TPOT(plain)/TPOT(run) against
//! the no-speculation run of the same target, dataset, temperature and
//! concurrency. Only the cost model differs between `sdsl-flops` and
//! `latency-runs`: both use the measured α̂ per k.

use super::{ValidationContext, mark_choices, row};
use crate::error::SdslError;
use crate::fit::latency::{LatencyProfile, RunTime, SourceTable};
use crate::fit::runs::{alphas_for_fits, latency_points, registry_model};
use crate::law::throughput::speedup;
use crate::pipeline::inputs::RunsInputs;
use crate::report::model::validation::{
    LATENCY_RUNS, SDSL_FLOPS, SDSL_LAW, ValidationRow, roofline_model, roofline_runs_model,
};

/// The source name of the rows.
pub const SOURCE: &str = "engine-runs";

/// The `latency-runs` law, when the runs hold two or more single-model
/// sizes the registry knows, else why not.
fn runs_law(r: &RunsInputs, skipped: &mut Vec<String>) -> Result<(f64, f64), String> {
    let mut times = Vec::new();
    for p in latency_points(&r.rows, skipped) {
        match registry_model(&r.registry, &p.model) {
            Ok(m) => times.push(RunTime {
                model: m.name.clone(),
                params: m.params,
                tpot_ms: p.tpot_ms,
            }),
            Err(_) => skipped.push(format!(
                "{}: not in the registry {}; its TPOT is not a latency point",
                p.model, r.registry.path
            )),
        }
    }
    let source = SourceTable {
        path: r.names.join(", "),
        sha256: r.sha256.clone(),
    };
    let profile =
        LatencyProfile::from_runs(&times, "engine runs", source).map_err(|e| e.to_string())?;
    let cost = profile.latency_cost().map_err(|e| e.to_string())?;
    Ok((cost.t0_ms, cost.k_ms_per_param))
}

/// The roofline profiles of the runs' GPU (module docs): the catalogue's
/// with the H200 calibration, and the one recalibrated on the runs without
/// speculation (or why not). None when the runs' GPU is unknown.
type Rooflines = (
    String,
    String,
    Result<LatencyProfile, String>,
    Result<LatencyProfile, String>,
);

fn rooflines(r: &RunsInputs) -> Option<Rooflines> {
    let (gpu, said) = r.gpu.clone()?;
    let sel = crate::fit::latency::LatencySelection {
        mode: crate::ingest::latency::Mode::Graph,
        ctx: 512,
        batch: 1,
    };
    let max_gamma = crate::law::throughput::DEFAULT_MAX_GAMMA;
    let catalogue = crate::catalog::roofline::roofline_profile(&gpu, sel, 2.0, max_gamma)
        .map_err(|e| e.to_string());
    let label = r.names.join(", ");
    let mut notes = Vec::new();
    let recal = crate::fit::runs::roofline_runs(&r.rows, &r.registry, &label, &mut notes)
        .and_then(|runs| {
            crate::catalog::roofline::recalibrate_runs(
                &gpu,
                &runs,
                sel.ctx,
                (&label, &r.sha256),
                max_gamma,
            )
        })
        .map_err(|e| e.to_string());
    Some((gpu, said, catalogue, recal))
}

/// S at the run's α̂ and γ on a roofline profile, pricing the registry
/// models by their `arch` and size.
fn roofline_speedup(
    p: &LatencyProfile,
    alpha: f64,
    gamma: u32,
    draft: &crate::ingest::registry::Model,
    target: &crate::ingest::registry::Model,
) -> f64 {
    let costs = p.pair_costs((&draft.arch, draft.params), (&target.arch, target.params));
    let g = f64::from(gamma);
    crate::law::throughput::speedup_measured(
        alpha,
        g,
        costs.cost_ratio,
        costs.verify_ratio(g + 1.0),
    )
}

/// The rows of the engine runs (module docs), with a note saying what was
/// used and what was left out.
// Long (≈110 lines): per run, the sizes, the three models' predictions and
// the α row, then the choice marks per pair and the one note; splitting
// would pass the laws, sizes and notes around for no reader's gain.
pub fn runs(
    r: &RunsInputs,
    cx: &ValidationContext,
    out: &mut Vec<ValidationRow>,
    notes: &mut Vec<String>,
) -> Result<(), SdslError> {
    let fits = alphas_for_fits(&r.rows)?;
    let mut skipped = fits.skipped.clone();
    let law = runs_law(r, &mut skipped);
    let roof = rooflines(r);
    let mut group: Vec<ValidationRow> = Vec::new();
    for a in &fits.alphas {
        let id = a.rows.join(", ");
        let Some(meas) = a.speedup_tpot else {
            skipped.push(format!(
                "{id}: no matching no-speculation run, so no measured speed-up"
            ));
            continue;
        };
        let (Ok(d), Ok(t)) = (
            registry_model(&r.registry, &a.draft),
            registry_model(&r.registry, &a.target),
        ) else {
            skipped.push(format!(
                "{id}: {} or {} is not in the registry {}; no size, no prediction",
                a.draft, a.target, r.registry.path
            ));
            continue;
        };
        let (n, m) = (d.params, t.params);
        let k = f64::from(a.gamma);
        let setting = format!(
            "{} T={}",
            if a.dataset.is_empty() {
                "-"
            } else {
                &a.dataset
            },
            a.temperature.map_or("-".into(), |t| t.to_string())
        );
        let a_law = cx
            .alpha
            .alpha(cx.loss.ppl(n, d.tokens), cx.loss.ppl(m, t.tokens));
        let mut s = row(SOURCE, "speedup", setting.clone(), &a.draft, &a.target);
        s.gamma = Some(u64::from(a.gamma));
        s.measured = Some(meas);
        s.predicted
            .insert(SDSL_FLOPS.into(), Some(speedup(a.alpha, k, n / m)));
        s.predicted
            .insert(SDSL_LAW.into(), Some(speedup(a_law, k, n / m)));
        if let Ok((t0, kp)) = law {
            let c = (t0 + kp * n) / (t0 + kp * m);
            s.predicted
                .insert(LATENCY_RUNS.into(), Some(speedup(a.alpha, k, c)));
        }
        if let Some((gpu, _, cat, recal)) = &roof {
            if let Ok(p) = cat {
                s.predicted.insert(
                    roofline_model(gpu),
                    Some(roofline_speedup(p, a.alpha, a.gamma, d, t)),
                );
            }
            if let Ok(p) = recal {
                s.predicted.insert(
                    roofline_runs_model(gpu),
                    Some(roofline_speedup(p, a.alpha, a.gamma, d, t)),
                );
            }
        }
        s.note = Some(format!("α̂ = {:.4} ({}) from {id}", a.alpha, a.method));
        group.push(s);
        let mut al = row(SOURCE, "alpha", setting, &a.draft, &a.target);
        al.gamma = Some(u64::from(a.gamma));
        al.measured = Some(a.alpha);
        al.predicted.insert(SDSL_LAW.into(), Some(a_law));
        out.push(al);
    }
    let groups = super::group_by(&group, 0, |r| {
        format!("{}\u{1f}{}\u{1f}{}", r.setting, r.draft, r.target)
    });
    let roof_ids: Vec<String> = roof
        .iter()
        .flat_map(|(g, ..)| [roofline_model(g), roofline_runs_model(g)])
        .collect();
    let mut models = vec![SDSL_FLOPS, SDSL_LAW, LATENCY_RUNS];
    models.extend(roof_ids.iter().map(String::as_str));
    mark_choices(&mut group, &groups, &models, |r| {
        format!("γ={}", r.gamma.unwrap_or(0))
    });
    out.extend(group);
    let latency = match law {
        Ok((t0, kp)) => format!(
            "`latency-runs` is t(P) = t0 + k·P fitted to the runs without speculation at concurrency 1 (t0 = {t0:.4} ms, k = {kp:.4e} ms/param; `sdsl fit latency --runs` writes it as a profile of kind runs-affine), with v ≡ 1 assumed: single-model runs measure no verification pass, so it over-predicts by what verifying γ + 1 tokens costs over one decode step."
        ),
        Err(why) => format!("No `latency-runs` model: {why}."),
    };
    let eff = |p: &LatencyProfile| {
        p.roofline.as_ref().map_or(String::new(), |o| {
            format!(
                "t0 = {:.4} ms, η_bw = {:.4}, η_fl = {:.4}",
                o.t0_ms, o.eta_bw, o.eta_fl
            )
        })
    };
    let roofline = match &roof {
        None => " No `roofline-<gpu>` models: the runs do not name a catalogued GPU (give `[validation] runs_gpu`, `sdsl validate --runs-gpu GPU`, or import with `--gpu`).".to_string(),
        Some((gpu, said, cat, recal)) => {
            let cat = match cat {
                Ok(p) => format!(
                    "`{}` prices c and v(γ + 1) with the catalogue's roofline law for {} at batch 1, ctx 512, graph mode, calibrated on the H200 tables ({}); it assumes the H200 decode loop's efficiency on this GPU.",
                    roofline_model(gpu),
                    p.hardware,
                    eff(p)
                ),
                Err(why) => format!("No `{}` model: {why}.", roofline_model(gpu)),
            };
            let recal = match recal {
                Ok(p) => format!(
                    "`{}` is the same law with t0 and η_bw recalibrated on the runs without speculation only ({}; η_fl {}); the speculative rows never enter it, so nothing is tuned to these speed-ups.",
                    roofline_runs_model(gpu),
                    eff(p),
                    if p
                        .roofline
                        .as_ref()
                        .and_then(|o| o.recalibration.as_ref())
                        .is_some_and(|c| c.eta_fl_fitted)
                    {
                        "fitted on compute-bound runs"
                    } else {
                        "kept from the H200 calibration: batch-1 decode steps are memory-bound"
                    }
                ),
                Err(why) => format!("No `{}` model: {why}.", roofline_runs_model(gpu)),
            };
            format!(
                " The runs' GPU is {gpu} (from {said}; the logs do not print it). {cat} {recal} Both use each run's α̂, so only the cost model is tested; the roofline's v(γ + 1) at batch 1 is ≈ 1 (a verification pass is memory-bound), as `latency-runs` assumes."
            )
        }
    };
    notes.push(format!(
        "Engine runs (`engine-runs`, {} files): measured speed-up = TPOT of the matching no-speculation run ÷ TPOT of the run (docs/import.md); `sdsl-flops` and `latency-runs` use each run's α̂ from its counts, so only the cost model differs; `sdsl-law` takes α from the laws at the registry's sizes and tokens ({}). {latency}{roofline}{}",
        r.names.len(),
        r.registry.path,
        if skipped.is_empty() {
            String::new()
        } else {
            format!(" Left out: {}.", crate::error::capped_list(&skipped, 20))
        }
    ));
    Ok(())
}
