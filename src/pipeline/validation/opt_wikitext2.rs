//! OPT WikiText-2 perplexities (`opt-wikitext2`) against the loss law.

use super::ValidationContext;
use crate::error::SdslError;
use crate::ingest::validation::{self as iv, Sourced};
use crate::report::model::validation::{PplScale, PplScaleNstar, PplScaleRow, ValidationCheck};
use std::collections::BTreeMap;

/// OPT WikiText-2 perplexities against the loss law's exp(L(N, D)) at OPT's
/// nominal size and its registry tokens (a scale check: the law was fitted
/// on Chinchilla's MassiveText losses, not on WikiText-2, so only the order
/// of magnitude and the trend are expected to agree).
pub fn opt_ppl(
    t: &Sourced<iv::OptPplRow>,
    cx: &ValidationContext,
) -> Result<ValidationCheck, SdslError> {
    let opt_tokens = cx
        .registry
        .models
        .iter()
        .find(|m| m.family == "OPT")
        .map(|m| m.tokens)
        .ok_or_else(|| SdslError::Data {
            path: cx.registry.path.clone(),
            message: "no OPT model: the OPT perplexity check needs OPT's pre-training tokens"
                .into(),
        })?;
    let items: BTreeMap<String, f64> = t
        .rows
        .iter()
        .map(|r| {
            let d = cx
                .registry
                .models
                .iter()
                .find(|m| m.name == r.model)
                .map_or(opt_tokens, |m| m.tokens);
            let law = cx.loss.ppl(r.params, d);
            (r.model.clone(), (law - r.ppl_gptq) / r.ppl_gptq)
        })
        .collect();
    let n = items.len();
    let abs: Vec<f64> = items.values().map(|e| e.abs()).collect();
    Ok(ValidationCheck {
        source: "opt-wikitext2".into(),
        what: "loss-law perplexity exp(L(N, D)) at OPT's (N, D) against OPT's WikiText-2 perplexity (GPTQ Table 3): a scale check, different corpora".into(),
        n,
        error: "relative".into(),
        mean_abs_error: abs.iter().sum::<f64>() / n.max(1) as f64,
        max_abs_error: abs.iter().cloned().fold(0.0, f64::max),
        tolerance: None,
        passes: None,
        items,
    })
}

/// The perplexity-scale rows (issue 19): OPT's measured WikiText-2
/// perplexity (GPTQ Table 3) against the loss law's at each OPT size, and
/// for every registry OPT target whose perplexity was measured, N* with OPT
/// drafts under the FLOP model (c = N/M, continuous γ*) twice: with the loss
/// law's perplexities (the N* table's value, [`NStarSetup::solve`]) and with
/// the measured ones ([`crate::derive::ppl_scale`]: ln ppl linear in ln N
/// between measured sizes, no extrapolation below the smallest, searched
/// over the measured sizes up to M/5 on 2000 log steps).
pub fn ppl_scale(t: &Sourced<iv::OptPplRow>, cx: &ValidationContext) -> Option<PplScale> {
    use crate::derive::nstar::NStarSetup;
    use crate::derive::ppl_scale::{interp_ln, nstar_on_grid};
    let reg = cx.registry;
    let opt_tokens = reg.models.iter().find(|m| m.family == "OPT")?.tokens;
    let tokens_of = |name: &str| {
        reg.models
            .iter()
            .find(|m| m.name == name)
            .map_or(opt_tokens, |m| m.tokens)
    };
    let mut seen: Vec<&str> = Vec::new();
    let mut rows = Vec::new();
    for r in &t.rows {
        if seen.contains(&r.model.as_str()) {
            continue; // the file repeats a row
        }
        seen.push(&r.model);
        let law = cx.loss.ppl(r.params, tokens_of(&r.model));
        rows.push(PplScaleRow {
            model: r.model.clone(),
            params: r.params,
            measured_ppl: r.ppl_gptq,
            law_ppl: law,
            relative_error: (law - r.ppl_gptq) / r.ppl_gptq,
        });
    }
    if rows.is_empty() {
        return None;
    }
    let points: Vec<(f64, f64)> = rows.iter().map(|r| (r.params, r.measured_ppl)).collect();
    let n_min = rows.iter().map(|r| r.params).fold(f64::INFINITY, f64::min);
    let n_max = rows.iter().map(|r| r.params).fold(0.0, f64::max);
    let mut nstar = Vec::new();
    for target in reg
        .models
        .iter()
        .filter(|m| m.family == "OPT" && m.role == crate::ingest::registry::Role::Target)
    {
        let Some(measured) = rows.iter().find(|r| r.model == target.name) else {
            continue;
        };
        let setup = NStarSetup {
            target_params: target.params,
            target_tokens: target.tokens,
            draft_tokens: opt_tokens,
            loss: cx.loss,
            alpha: cx.alpha,
            cost: crate::law::CostModel::Params,
        };
        let law = setup.solve().ok();
        let hi = (target.params / 5.0).min(n_max);
        let g = nstar_on_grid(
            cx.alpha,
            target.params,
            measured.measured_ppl,
            n_min,
            hi,
            2000,
            |n| interp_ln(&points, n),
        );
        nstar.push(PplScaleNstar {
            target: target.name.clone(),
            target_params: target.params,
            n_star_law: law.as_ref().map(|l| l.n_star),
            speedup_law: law.as_ref().map(|l| l.speedup),
            target_ppl_measured: measured.measured_ppl,
            n_star_measured: g.map(|g| g.n_star),
            alpha_measured: g.map(|g| g.alpha),
            speedup_measured: g.map(|g| g.speedup),
            at_edge: g.is_some_and(|g| g.at_edge),
        });
    }
    let small = rows.first().map(|r| r.model.clone()).unwrap_or_default();
    Some(PplScale {
        rows,
        nstar,
        notes: vec![
            format!(
                "Measured perplexities: OPT FP16 on WikiText-2 ({}), GPTQ Table 3; the law's: exp L(N, D) of the refitted loss law at each model's nominal N and OPT's pre-training tokens.",
                t.path
            ),
            format!(
                "N* with measured perplexities: the draft's ppl(N) interpolates ln ppl linearly in ln N between the measured OPT sizes (no extrapolation below {small}), the target's is its own measured value; α from the same α law, FLOP cost model c = N/M, continuous γ*. WikiText-2 is not the text the α law was fitted on (HellaSwag) nor the loss law's (MassiveText): the rows show the direction of the effect of the perplexity scale on N*, not a corrected N*."
            ),
        ],
    })
}
