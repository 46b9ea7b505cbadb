//! The NeMo vLLM sweep (`nemo-qwen3`).

use super::{ValidationContext, mark_choices, row};
use crate::error::SdslError;
use crate::fit::estimate::alpha_from_taus;
use crate::ingest::validation::{self as iv, Sourced};
use crate::law::throughput::{speedup, speedup_measured};
use crate::pipeline::config::validation::ValidationInput;
use crate::report::model::validation::{LATENCY_GRAPH, SDSL_FLOPS, SDSL_LAW, ValidationRow};

/// The NeMo vLLM sweep (Qwen3-32B target, Qwen3 drafts): α pooled per
/// (draft, temperature, thinking) from vLLM's TAR (E(α, k) = 1 + k·TAR,
/// least squares on that scale, [`alpha_from_taus`]); at temperature 0 the
/// steady-state TAR is flagged by the source, so the step-1 TAR is used
/// where every row has it and the group is left out otherwise. Speed-ups per
/// k under c = N/M with the measured α (`sdsl-flops`) and with the law's α
/// (`sdsl-law`), and under the H200 latency model at the manifest's batch
/// with Qwen2.5 stand-ins (`latency-h200-graph`); the α law's α against the
/// measured α; the k each model picks against the measured best k. Drafts
/// without a size and stand-in in the manifest are left out and listed.
// Long (≈135 lines): per (draft, temperature, thinking) group, α from the
// TARs, then the rows of each model (flops, law, latency) and the choice
// marks; splitting would pass the group's rows and α around.
pub fn nemo(
    t: &Sourced<iv::NemoRow>,
    v: &ValidationInput,
    cx: &ValidationContext,
    out: &mut Vec<ValidationRow>,
    notes: &mut Vec<String>,
) -> Result<(), SdslError> {
    let keys = crate::fit::distinct(t.rows.iter().map(|r| {
        (
            r.draft.clone(),
            r.target.clone(),
            r.temperature.to_bits(),
            r.thinking.clone(),
        )
    }));
    let d = v.nemo_tokens.value;
    let mut left_out = Vec::new();
    let mut no_size = Vec::new();
    for (draft, target, tbits, thinking) in keys {
        let temp = f64::from_bits(tbits);
        let rows: Vec<&iv::NemoRow> = t
            .rows
            .iter()
            .filter(|r| {
                r.draft == draft
                    && r.target == target
                    && r.temperature == temp
                    && r.thinking == thinking
            })
            .collect();
        let setting = format!(
            "T={temp}{}",
            if thinking == "yes" { " thinking" } else { "" }
        );
        let step1 = temp == 0.0;
        let pts: Option<Vec<(f64, f64)>> = rows
            .iter()
            .map(|r| {
                let tar = if step1 { r.tar_step1? } else { r.tar_steady };
                Some((r.k as f64, 1.0 + r.k as f64 * tar))
            })
            .collect();
        let Some(est) = pts.as_deref().and_then(alpha_from_taus) else {
            left_out.push(format!("{draft} {setting}"));
            continue;
        };
        let a_hat = est.alpha;
        let sizes = |n: &str| {
            Some((
                *v.nemo_params.value.get(n)?,
                v.nemo_stand_ins.value.get(n)?.clone(),
            ))
        };
        let (Some((n, sd)), Some((m, st))) = (sizes(&draft), sizes(&target)) else {
            no_size.push(format!("{draft} {setting}"));
            continue;
        };
        let a_law = cx.alpha.alpha(cx.loss.ppl(n, d), cx.loss.ppl(m, d));
        let mut a = row("nemo-qwen3", "alpha", setting.clone(), &draft, &target);
        a.measured = Some(a_hat);
        a.predicted.insert(SDSL_LAW.into(), Some(a_law));
        if step1 {
            a.note = Some(
                "α from the step-1 TAR (the steady-state TAR at T = 0 is flagged by the source)"
                    .into(),
            );
        }
        out.push(a);
        let costs = cx.nemo.pair_costs((&sd, n), (&st, m));
        let mut group: Vec<ValidationRow> = Vec::new();
        for r in rows {
            let Some(meas) = r.generation_speedup else {
                continue;
            };
            let k = r.k as f64;
            let mut s = row("nemo-qwen3", "speedup", setting.clone(), &draft, &target);
            s.gamma = Some(r.k);
            s.measured = Some(meas);
            s.predicted
                .insert(SDSL_FLOPS.into(), Some(speedup(a_hat, k, n / m)));
            s.predicted
                .insert(SDSL_LAW.into(), Some(speedup(a_law, k, n / m)));
            let vq = costs.verify_ratio(k + 1.0);
            s.predicted.insert(
                LATENCY_GRAPH.into(),
                vq.is_finite()
                    .then(|| speedup_measured(a_hat, k, costs.cost_ratio, vq)),
            );
            group.push(s);
        }
        let all: Vec<usize> = (0..group.len()).collect();
        mark_choices(
            &mut group,
            &[all],
            &[SDSL_FLOPS, SDSL_LAW, LATENCY_GRAPH],
            |r| format!("γ={}", r.gamma.unwrap_or(0)),
        );
        out.extend(group);
    }
    let sel = &cx.nemo.selection;
    notes.push(format!(
        "NeMo sweep: measured on NVIDIA B200 GPUs inside GRPO rollouts (vLLM, 2 prompts × 4 generations per batch); the latency model is the H200 table ({} mode, ctx {}, batch {}{}) with Qwen2.5 shapes standing in for the Qwen3 models ({}) — a different GPU and different shapes, so its numbers are indicative. Qwen3 sizes and {} pre-training tokens from the public model cards.{}{}",
        sel.mode,
        sel.ctx,
        sel.batch,
        cx.nemo
            .batch_interpolated_from
            .map_or(String::new(), |[a, b]| format!(", interpolated in ln b between {a} and {b}")),
        v.nemo_stand_ins
            .value
            .iter()
            .map(|(q, s)| format!("{q} → {s}"))
            .collect::<Vec<_>>()
            .join(", "),
        crate::report::format::si(d),
        if no_size.is_empty() {
            String::new()
        } else {
            format!(
                " Left out (no size or stand-in in [validation] nemo_params / nemo_stand_ins): {}.",
                no_size.join(", ")
            )
        },
        if left_out.is_empty() {
            String::new()
        } else {
            format!(
                " Left out of the α and speed-up checks (temperature 0, steady-state TAR flagged by the source and no step-1 TAR on every row): {}.",
                left_out.join(", ")
            )
        }
    ));
    Ok(())
}
