//! N* on real hardware: the manifest's `[hardware] cost_models` (latency
//! cost models, `latency:NAME|FILE…`) applied to every target × draft
//! family of the N* table, with the real drafts of each family ranked on the
//! table's measured times for the targets it measured (SPEC §5). The FLOP
//! model's N* stays the main table; this section sits beside it.

use super::{Ledger, NstarStage, RefitConfig};
use crate::derive::nstar::{CellOutcome, NStarSetup};
use crate::error::SdslError;
use crate::law::{AlphaLaw, LossLaw};
use crate::report::model::{
    DraftRanking, FigureData, FileRef, HardwareCell, HardwareModel, HardwareSection, RankedDraft,
    SpeedupCurve,
};

/// What the section assumes (printed in the report).
pub const NOTE: &str = "batch-1 decoding on one GPU: per iteration γ draft decode steps and one target pass over γ + 1 tokens, S = E(α, γ)/(γ·c + v(γ+1)) with c = t(N)/t(M) from the fitted affine latency law and v the measured verification ratio; integer γ within the measured q range. Not modelled: the draft's catch-up pass when all γ tokens are accepted, sampling overhead, tokenizer round trips. A target whose bf16 weights (with the draft's) exceed one device is flagged: multi-GPU latency is not in the table.";

/// Stage 7: N* and the real drafts under each latency cost model of the
/// manifest (None without a `[hardware]` section).
pub fn hardware_stage(
    cfg: &RefitConfig,
    nstar: &NstarStage,
    loss: &LossLaw,
    alpha: &AlphaLaw,
    ledger: &mut Ledger,
) -> Result<Option<HardwareSection>, SdslError> {
    if cfg.hardware.is_empty() {
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
    let mut curves = |cost: crate::law::CostModel, label: &str| {
        if let Some(f) = nstar.families.first() {
            for t in &picks {
                let setup = NStarSetup::for_pair(t, f, loss, alpha, cost);
                figures.speedup_curves.push(SpeedupCurve {
                    label: format!("{}, {label}", t.name),
                    curve: setup.speedup_curve(1e7, t.params / 5.0, 160),
                    n_star: setup.solve().ok().map(|r| r.n_star),
                });
            }
        }
    };
    // each latency table is read and fitted once
    let resolved = cfg
        .hardware
        .iter()
        .map(|spec| {
            super::latency::latency_cost_model(&spec.value)
                .map(|(cost, profile)| (spec, cost, profile))
                .map_err(|e| cfg.at(spec, e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    curves(
        cfg.cost_model.value,
        &format!("{} (FLOPs)", cfg.cost_model.value),
    );
    for (spec, cost, _) in &resolved {
        curves(*cost, spec.value.trim_start_matches("latency:"));
    }
    for (spec, cost, profile) in resolved {
        for w in &profile.warnings {
            ledger.warnings.push(format!("{}: {w}", spec.value));
        }
        if !ledger
            .inputs
            .iter()
            .any(|i| i.sha256 == profile.source.sha256)
        {
            ledger.input(
                "hardware",
                &profile.source.path,
                &profile.source.sha256,
                profile.architectures.len(),
            );
        }
        let mem = profile.memory_bytes;
        let mut cells = Vec::new();
        let mut rankings = Vec::new();
        for t in &nstar.targets {
            for f in &nstar.families {
                let setup = NStarSetup::for_pair(t, f, loss, alpha, cost);
                let r = setup.clone().validated().and_then(|s| s.solve());
                if let Err(e) = &r {
                    ledger.warnings.push(format!(
                        "{}: N* for {} with {} drafts: {e}",
                        spec.value, t.name, f.name
                    ));
                }
                let outcome = CellOutcome::from(&r);
                let fits_memory = mem
                    .zip(outcome.n_star)
                    .map(|(m, n)| 2.0 * (t.params + n) <= m);
                cells.push(HardwareCell {
                    target: t.name.clone(),
                    draft_family: f.name.clone(),
                    outcome,
                    fits_memory,
                });
                if profile.measured(&t.name).is_none() {
                    continue;
                }
                let mut drafts: Vec<RankedDraft> = f
                    .drafts
                    .iter()
                    .filter(|d| d.params < t.params && profile.measured(&d.name).is_some())
                    .map(|d| {
                        let a = setup.evaluate(d.params).alpha;
                        RankedDraft {
                            name: d.name.clone(),
                            alpha: a,
                            priced: profile.price_pair(a, (&d.name, d.params), (&t.name, t.params)),
                        }
                    })
                    .collect();
                if drafts.is_empty() {
                    continue;
                }
                drafts.sort_by(|x, y| y.priced.speedup.total_cmp(&x.priced.speedup));
                rankings.push(DraftRanking {
                    target: t.name.clone(),
                    draft_family: f.name.clone(),
                    drafts,
                });
            }
        }
        models.push(HardwareModel {
            cost_model: spec.value.clone(),
            hardware: profile.hardware.clone(),
            mode: profile.selection.mode.to_string(),
            ctx: profile.selection.ctx,
            batch: profile.selection.batch,
            memory_bytes: mem,
            source: FileRef {
                path: profile.source.path.clone(),
                sha256: profile.source.sha256.clone(),
            },
            affine_t0_ms: profile.affine.law.t0_ms,
            affine_k_ms_per_param: profile.affine.law.k_ms_per_param,
            affine_loao: [profile.affine.loao.mean_abs, profile.affine.loao.max_abs],
            depth_loao: profile
                .depth
                .as_ref()
                .map(|d| [d.loao.mean_abs, d.loao.max_abs]),
            cells,
            rankings,
        });
    }
    Ok(Some(HardwareSection {
        note: NOTE.to_string(),
        models,
        figures,
    }))
}
