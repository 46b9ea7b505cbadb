//! N* on real hardware: the manifest's `[hardware] cost_models` (latency
//! cost models, `latency:NAME|FILE…`) applied to every target × draft
//! family of the N* table, with the real drafts of each family ranked on the
//! table's measured times for the targets it measured (docs/latency.md). The FLOP
//! model's N* stays the main table; this section sits beside it.

use super::inputs::{BatchSweepInput, Inputs};
use super::{Ledger, NstarStage};
use crate::derive::nstar::{CellOutcome, NStarSetup};
use crate::derive::nstar_law::fit_nstar_law_in_memory;
use crate::error::SdslError;
use crate::fit::latency::LatencyProfile;
use crate::ingest::registry::{DraftFamily, Model, Registry};
use crate::law::{AlphaLaw, CostModel, LossLaw};
use crate::report::model::{
    BatchRow, BatchSweepSection, DraftRanking, FigureData, FileRef, HardwareLaw, HardwareModel,
    HardwareSection, LatencySeries, NstarCell, RankedDraft, SpeedupCurve,
};

/// What the section assumes (printed in the report).
pub const NOTE: &str = "decoding on one GPU (batch 1 unless a batch is given): per iteration γ draft decode steps and one target pass over γ + 1 tokens, S = E(α, γ)/(γ·c + v(γ+1)) with c = t(N)/t(M) from the fitted affine latency law and v the measured verification ratio; integer γ within the measured q range. Not modelled: the draft's catch-up pass when all γ tokens are accepted, sampling overhead, tokenizer round trips. A target whose bf16 weights (with the draft's) exceed one device is flagged: multi-GPU latency is not in the table.";

/// Stage 7: N* and the real drafts under each latency cost model of the
/// manifest (None without a `[hardware]` section). The models were resolved
/// (tables read and fitted once) by [`super::load`].
pub fn hardware_stage(
    inputs: &Inputs,
    nstar: &NstarStage,
    loss: &LossLaw,
    alpha: &AlphaLaw,
    ledger: &mut Ledger,
) -> Result<Option<HardwareSection>, SdslError> {
    let hw = &inputs.hardware;
    let registry = &inputs.registry;
    if hw.models.is_empty() && hw.batch_sweep.is_none() {
        return Ok(None);
    }
    let mut models = Vec::new();
    // S(N) curves: OPT-13B and LLaMA3-70B with the first family's drafts
    let picks: Vec<&crate::ingest::registry::Model> = ["OPT-13B", "LLaMA3-70B"]
        .iter()
        .filter_map(|n| nstar.targets.iter().find(|t| t.name == *n))
        .collect();
    let mut figures = FigureData {
        speedup_title: Some(
            "Speed-up at the best lookahead versus draft size: FLOPs and H200 latencies".into(),
        ),
        ..FigureData::default()
    };
    if let Some(f) = nstar.families.first() {
        figures.real_drafts = f
            .drafts
            .iter()
            .map(|d| (d.name.clone(), d.params))
            .collect();
    }
    let mut curves =
        |cost: crate::law::CostModel, profile: Option<&LatencyProfile>, label: &str| {
            if let Some(f) = nstar.families.first() {
                for t in &picks {
                    let setup = NStarSetup::for_pair(t, f, loss, alpha, cost);
                    // the real drafts as `predict` prices them: on measured
                    // times under a latency model, S* under the FLOP model
                    let cap = cost
                        .max_gamma()
                        .unwrap_or(crate::law::throughput::DEFAULT_MAX_GAMMA);
                    let measured = f
                        .drafts
                        .iter()
                        .filter(|d| d.params < t.params)
                        .map(|d| {
                            let e = setup.evaluate(d.params);
                            let s = match profile {
                                Some(p) => {
                                    p.price_pair_capped(
                                        e.alpha,
                                        (&d.arch, d.params),
                                        (&t.arch, t.params),
                                        cap,
                                    )
                                    .speedup
                                }
                                None if e.admissible() => e.objective(),
                                None => 1.0,
                            };
                            (d.params, s)
                        })
                        .collect();
                    figures.speedup_curves.push(SpeedupCurve {
                        measured,
                        sampled: Vec::new(),
                        label: format!("{}, {label}", t.name),
                        curve: setup.speedup_curve(1e7, t.params / 5.0, 160),
                        n_star: setup.solve().ok().map(|r| r.n_star),
                    });
                }
            }
        };
    let cost_model = inputs.nstar.cost_model;
    curves(cost_model, None, &format!("{cost_model} (FLOPs)"));
    for r in &hw.models {
        curves(
            r.cost,
            Some(&r.profile),
            r.spec.trim_start_matches("latency:"),
        );
    }
    let mut latency_fig = Vec::new();
    for r in &hw.models {
        let (spec, cost, profile) = (&r.spec, r.cost, &r.profile);
        for w in &profile.warnings {
            ledger.warnings.push(format!("{spec}: {w}"));
        }
        // a registry `arch` the table lacks: a typo is refused, any other is
        // priced by the affine law and said so
        let priced = nstar
            .targets
            .iter()
            .chain(nstar.families.iter().flat_map(|f| &f.drafts));
        if let Some(w) = crate::catalog::latency::check_registry_archs(profile, registry, priced)? {
            ledger.warnings.push(format!("{spec}: {w}"));
        }
        latency_fig.push(latency_series(spec, profile));
        models.push(model_section(
            &inputs.nstar.law_grid,
            spec,
            cost,
            profile,
            nstar,
            (loss, alpha),
            ledger,
        ));
    }
    let batch_sweep = hw
        .batch_sweep
        .as_ref()
        .map(|b| batch_sweep(b, nstar, registry, loss, alpha, ledger))
        .transpose()?;
    Ok(Some(HardwareSection {
        note: NOTE.to_string(),
        models,
        batch_sweep,
        figures,
        latency_fig,
    }))
}

/// One latency model's measured decode times and its affine law (figure).
fn latency_series(label: &str, profile: &LatencyProfile) -> LatencySeries {
    LatencySeries {
        label: label.trim_start_matches("latency:").to_string(),
        points: profile
            .architectures
            .iter()
            .map(|a| (a.params_total, a.decode_ms()))
            .collect(),
        t0_ms: profile.affine.law.t0_ms,
        k_ms_per_param: profile.affine.law.k_ms_per_param,
    }
}

/// The real drafts of `f` for target `t`, ranked on the profile's measured
/// times, best first (None when the table did not measure the target or
/// any of the drafts).
fn rank_drafts(
    setup: &NStarSetup,
    profile: &LatencyProfile,
    t: &Model,
    f: &DraftFamily,
) -> Option<Vec<RankedDraft>> {
    profile.measured(&t.arch)?;
    let mut drafts: Vec<RankedDraft> = f
        .drafts
        .iter()
        .filter(|d| d.params < t.params && profile.measured(&d.arch).is_some())
        .map(|d| {
            let a = setup.evaluate(d.params).alpha;
            RankedDraft {
                name: d.name.clone(),
                alpha: a,
                priced: profile.price_pair(a, (&d.arch, d.params), (&t.arch, t.params)),
            }
        })
        .collect();
    drafts.sort_by(|x, y| y.priced.speedup.total_cmp(&x.priced.speedup));
    (!drafts.is_empty()).then_some(drafts)
}

/// N* per target × family, the real drafts and the N* law (over `grid`)
/// under one latency model.
fn model_section(
    grid: &crate::derive::nstar_law::LawGrid,
    label: &str,
    cost: CostModel,
    profile: &LatencyProfile,
    nstar: &NstarStage,
    (loss, alpha): (&LossLaw, &AlphaLaw),
    ledger: &mut Ledger,
) -> HardwareModel {
    let mut cells = Vec::new();
    let mut rankings = Vec::new();
    for t in &nstar.targets {
        for f in &nstar.families {
            let setup = NStarSetup::for_pair(t, f, loss, alpha, cost);
            let r = setup.clone().validated().and_then(|s| s.solve());
            if let Err(e) = &r {
                ledger.warnings.push(format!(
                    "{label}: N* for {} with {} drafts: {e}",
                    t.name, f.name
                ));
            }
            let outcome = CellOutcome::from(&r);
            let fits_memory = outcome
                .n_star
                .and_then(|n| profile.fits_memory((&t.arch, t.params), ("", n)));
            cells.push(NstarCell {
                fits_memory,
                ..NstarCell::new(t, f, outcome)
            });
            if let Some(drafts) = rank_drafts(&setup, profile, t, f) {
                rankings.push(DraftRanking {
                    target: t.name.clone(),
                    draft_family: f.name.clone(),
                    drafts,
                });
            }
        }
    }
    let law = match fit_nstar_law_in_memory(grid, loss, alpha, cost, Some(profile)) {
        Ok((fit, out)) => {
            let b = fit.linear.estimates();
            let max_rel_error = fit
                .points
                .iter()
                .map(|p| ((b[0] * p.m + b[1] - p.n_star) / p.n_star).abs())
                .fold(0.0, f64::max);
            Some(HardwareLaw {
                mu: b[0],
                m0: b[1],
                r2: fit.linear.r2,
                max_rel_error,
                points: fit.points.len(),
                beyond_memory: out.iter().map(|p| p.m).collect(),
            })
        }
        Err(e) => {
            ledger
                .warnings
                .push(format!("{label}: the N* law on the law grid: {e}"));
            None
        }
    };
    HardwareModel {
        cost_model: label.to_string(),
        hardware: profile.hardware.clone(),
        mode: profile.selection.mode.to_string(),
        ctx: profile.selection.ctx,
        batch: profile.selection.batch,
        memory_bytes: profile.memory_bytes,
        source: FileRef {
            path: profile.source.path.clone(),
            sha256: profile.source.sha256.clone(),
        },
        affine_t0_ms: profile.affine.law.t0_ms,
        affine_k_ms_per_param: profile.affine.law.k_ms_per_param,
        // a table fit always has leave-one-out errors (only a two-size
        // runs-affine profile lacks them): NaN never reaches the report
        affine_loao: profile
            .affine
            .loao
            .as_ref()
            .map_or([f64::NAN; 2], |l| [l.mean_abs, l.max_abs]),
        depth_loao: profile
            .depth
            .as_ref()
            .and_then(|d| d.loao.as_ref())
            .map(|l| [l.mean_abs, l.max_abs]),
        cells,
        rankings,
        law,
    }
}

/// N*, best γ and S against batch size for the sweep's targets, each with
/// its own draft family when it has one (else the first family).
fn batch_sweep(
    b: &BatchSweepInput,
    nstar: &NstarStage,
    registry: &Registry,
    loss: &LossLaw,
    alpha: &AlphaLaw,
    ledger: &mut Ledger,
) -> Result<BatchSweepSection, SdslError> {
    let targets = &b.targets;
    let mut rows = Vec::new();
    for (batch, resolved) in &b.batches {
        let batch = *batch;
        let (spec, cost, profile) = (&resolved.spec, resolved.cost, &resolved.profile);
        let models = targets.iter().chain(
            targets
                .iter()
                .filter_map(|t| nstar.families.iter().find(|f| f.name == t.family))
                .chain(nstar.families.first())
                .flat_map(|f| &f.drafts),
        );
        if let Some(w) = crate::catalog::latency::check_registry_archs(profile, registry, models)? {
            ledger.warn_once(format!("{}: {w}", b.cost_model));
        }
        for t in targets {
            let Some(f) = nstar
                .families
                .iter()
                .find(|f| f.name == t.family)
                .or(nstar.families.first())
            else {
                continue;
            };
            let setup = NStarSetup::for_pair(t, f, loss, alpha, cost);
            let r = setup.clone().validated().and_then(|s| s.solve());
            if let Err(e) = &r {
                ledger.warnings.push(format!(
                    "{spec}: N* for {} with {} drafts: {e}",
                    t.name, f.name
                ));
            }
            let outcome = CellOutcome::from(&r);
            let verify_ratio = outcome
                .gamma_star_int
                .and_then(|g| profile.verify_ratio(t.params, (g + 1) as f64))
                .map(|e| e.v);
            let fits_memory = outcome
                .n_star
                .and_then(|n| profile.fits_memory((&t.arch, t.params), ("", n)));
            rows.push(BatchRow {
                target: t.name.clone(),
                draft_family: f.name.clone(),
                batch,
                interpolated_from: profile.batch_interpolated_from,
                outcome,
                verify_ratio,
                fits_memory,
                best_real_draft: rank_drafts(&setup, profile, t, f)
                    .and_then(|d| d.into_iter().next()),
            });
        }
    }
    rows.sort_by(|x, y| {
        let pos = |r: &BatchRow| targets.iter().position(|t| t.name == r.target);
        pos(x).cmp(&pos(y)).then(x.batch.cmp(&y.batch))
    });
    Ok(BatchSweepSection {
        cost_model: b.cost_model.clone(),
        rows,
    })
}
