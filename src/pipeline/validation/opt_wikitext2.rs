//! OPT WikiText-2 perplexities (`opt-wikitext2`) against the loss law.

use super::ValidationContext;
use crate::error::SdslError;
use crate::ingest::validation::{self as iv, Sourced};
use crate::report::model::validation::ValidationCheck;
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
