//! The sensitivity stage: N* and S* of every N*-table target (with its own
//! family's drafts, else the first family) when one input moves:
//!
//! - loss-law constants: Besiroglu et al. 2024 and Hoffmann et al. 2022
//!   (shipped) instead of the refit;
//! - α law: slope A × 0.8 and × 1.2; intercept C ± one residual SD of the
//!   published fit, √MSE (the law file's `mse`, 0.00128 → 0.036);
//! - cost model: c = k·N/M for k = 1.5, 2, 3 (published c's are 1.5–3× the
//!   FLOP ratio, docs/validation.md), and the H200 latency models (graph, eager);
//! - γ: the best integer γ instead of the continuous γ*.
//!
//! The base is the N* table's: the refit loss law, the manifest's α law,
//! c = N/M, continuous γ*.

use super::NstarStage;
use crate::derive::nstar::NStarSetup;
use crate::derive::sensitivity::{
    SensitivitySection, SensitivityTarget, SensitivityVariant, Solved, input_effects, solve_scaled,
};
use crate::error::SdslError;

use crate::law::{AlphaLaw, CostModel, LossLaw};
use crate::pipeline::inputs::Inputs;

fn solved(setup: &NStarSetup) -> Option<Solved> {
    setup.solve().ok().map(|r| Solved {
        n_star: r.n_star,
        speedup: if r.speedup.is_finite() {
            r.speedup
        } else {
            r.speedup_int
        },
    })
}

/// The sensitivity section over the N* stage's targets.
pub fn sensitivity_stage(
    inputs: &Inputs,
    nstar: &NstarStage,
    loss: &LossLaw,
    alpha: &AlphaLaw,
) -> Result<SensitivitySection, SdslError> {
    let besiroglu = inputs.shipped.besiroglu.law.clone();
    let hoffmann = inputs.shipped.hoffmann.law.clone();
    let mse = inputs.alpha.published.stat("mse");
    let sd = mse.map(f64::sqrt);
    let (graph, eager) = (inputs.shipped.graph.cost, inputs.shipped.eager.cost);
    let mut alphas: Vec<(&str, String, AlphaLaw)> = vec![
        (
            "α slope A",
            "A × 0.8".into(),
            AlphaLaw {
                a: alpha.a * 0.8,
                ..alpha.clone()
            },
        ),
        (
            "α slope A",
            "A × 1.2".into(),
            AlphaLaw {
                a: alpha.a * 1.2,
                ..alpha.clone()
            },
        ),
    ];
    if let Some(sd) = sd {
        alphas.push((
            "α intercept C",
            format!("C − {sd:.3}"),
            AlphaLaw {
                c: alpha.c - sd,
                ..alpha.clone()
            },
        ));
        alphas.push((
            "α intercept C",
            format!("C + {sd:.3}"),
            AlphaLaw {
                c: alpha.c + sd,
                ..alpha.clone()
            },
        ));
    }
    let mut targets = Vec::new();
    for t in &nstar.targets {
        let Some(fam) = nstar
            .families
            .iter()
            .find(|f| f.name == t.family)
            .or_else(|| nstar.families.first())
        else {
            continue;
        };
        let setup = |l: &'_ LossLaw, a: &'_ AlphaLaw, c: CostModel| {
            let s = NStarSetup::for_pair(t, fam, l, a, c);
            solved(&s)
        };
        // the loss and α laws live as long as this loop body
        let base = setup(loss, alpha, CostModel::Params);
        let mut variants = Vec::new();
        let mut push = |input: &str, variant: String, s: Option<Solved>| {
            variants.push(SensitivityVariant {
                input: input.into(),
                variant,
                solved: s,
                rel_change: match (s, base) {
                    (Some(s), Some(b)) => Some(s.n_star / b.n_star - 1.0),
                    _ => None,
                },
            });
        };
        push(
            "loss law",
            "Besiroglu et al. 2024".into(),
            setup(&besiroglu, alpha, CostModel::Params),
        );
        push(
            "loss law",
            "Hoffmann et al. 2022".into(),
            setup(&hoffmann, alpha, CostModel::Params),
        );
        for (input, label, a) in &alphas {
            push(input, label.clone(), setup(loss, a, CostModel::Params));
        }
        let flops = NStarSetup::for_pair(t, fam, loss, alpha, CostModel::Params);
        for k in [1.5, 2.0, 3.0] {
            push(
                "cost model",
                format!("c = {k}·N/M"),
                solve_scaled(&flops, k, false),
            );
        }
        push("cost model", "H200 graph".into(), setup(loss, alpha, graph));
        push("cost model", "H200 eager".into(), setup(loss, alpha, eager));
        push("γ", "integer γ".into(), solve_scaled(&flops, 1.0, true));
        targets.push(SensitivityTarget {
            target: t.name.clone(),
            draft_family: fam.name.clone(),
            base,
            variants,
        });
    }
    let effects = input_effects(&targets);
    Ok(SensitivitySection {
        note: format!(
            "Each row moves one input and holds the rest at the N* table's values (refit loss law, α law '{}', c = N/M, continuous γ*). The α intercept moves by ±√MSE of the published fit{}. The N* table's intervals carry only the loss law's bootstrap; these moves are not in them.",
            inputs.alpha.published.id,
            mse.map_or(" (not in the law file: not moved)".into(), |m| format!(
                " (MSE {m}, √MSE = {:.4})",
                m.sqrt()
            ))
        ),
        targets,
        inputs: effects,
    })
}
