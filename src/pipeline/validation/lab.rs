//! The lab's sampler runs (`lab`).

use super::{group_by, mark_choices, row};
use crate::ingest::validation::{self as iv, Sourced};
use crate::law::throughput::expected_tokens;
use crate::report::model::validation::{SDSL_FLOPS, ValidationRow};

/// The lab's sampler runs: the lab has no wall times, so its speed-up is the
/// FLOP model's, S = τ/(γ·c + 1) with c = N/M (non-embedding parameters, as
/// the lab's laws use). Measured: τ = tokens emitted per iteration of the
/// run; predicted (`sdsl-flops`): E(α, γ) with α the pair's Σ min(p, q) on
/// held-out text (measured apart from the run). The best γ per pair.
pub fn lab(t: &Sourced<iv::LabRunRow>, out: &mut Vec<ValidationRow>) {
    let from = out.len();
    for r in &t.rows {
        let g = r.gamma as f64;
        let c = r.draft_params / r.target_params;
        let mut v = row(
            "lab",
            "speedup",
            "tinyshakespeare T=1".into(),
            &r.draft,
            &r.target,
        );
        v.gamma = Some(r.gamma);
        v.measured = Some(r.emitted / r.iterations / (g * c + 1.0));
        v.predicted.insert(
            SDSL_FLOPS.into(),
            Some(expected_tokens(r.alpha_heldout, g) / (g * c + 1.0)),
        );
        v.note = Some(
            "FLOP-model speed-up (the lab has no wall times), c = N/M in non-embedding parameters"
                .into(),
        );
        out.push(v);
    }
    let groups = group_by(out, from, |r| format!("{} {}", r.draft, r.target));
    mark_choices(out, &groups, &[SDSL_FLOPS], |r| {
        format!("γ={}", r.gamma.unwrap_or(0))
    });
}
