//! The H200 wall-clock runs at controlled α (`h200-walltime`).

use super::{check, group_by, mark_choices, row};
use crate::fit::latency::LatencyProfile;
use crate::ingest::validation::{self as iv, Sourced};
use crate::law::throughput::{expected_tokens, speedup, speedup_measured};
use crate::report::model::validation::{LATENCY_GRAPH, SDSL_FLOPS, ValidationCheck, ValidationRow};
use std::collections::BTreeMap;

/// The H200 wall-clock runs at controlled α: S and ms per token predicted
/// with c = N/M (`sdsl-flops`) and with the toolkit's fitted H200 graph law
/// and v (`latency-h200-graph`; not the run's own times); the best γ per
/// (pair, α) against the measured best. The formula on each run's own
/// single-pass times and realised tokens per iteration,
/// S = τ·t_M(1)/(γ·t_N(1) + t_M(γ+1)), is checked within 1%.
pub(super) fn walltime(
    t: &Sourced<iv::WalltimeRow>,
    graph: &LatencyProfile,
    out: &mut Vec<ValidationRow>,
    checks: &mut Vec<ValidationCheck>,
) {
    let from = out.len();
    let mut own = BTreeMap::new();
    let mut ms_rows = Vec::new();
    for r in &t.rows {
        let setting = format!("α={}", r.alpha);
        let g = r.gamma as f64;
        let mut v = row(
            "h200-walltime",
            "speedup",
            setting.clone(),
            &r.draft,
            &r.target,
        );
        v.gamma = Some(r.gamma);
        v.measured = Some(r.speedup);
        v.predicted.insert(
            SDSL_FLOPS.into(),
            Some(speedup(r.alpha, g, r.draft_params / r.target_params)),
        );
        let c = graph.cost_ratio(r.draft_params, r.target_params);
        let vq = graph.verify_ratio(r.target_params, g + 1.0).map(|e| e.v);
        let s_lat = vq.map(|vq| speedup_measured(r.alpha, g, c, vq));
        v.predicted.insert(LATENCY_GRAPH.into(), s_lat);
        let mut m = row(
            "h200-walltime",
            "ms_per_token",
            setting,
            &r.draft,
            &r.target,
        );
        m.gamma = Some(r.gamma);
        m.measured = Some(r.spec_ms_per_token);
        let tm = graph.time_ms(r.target_params);
        m.predicted.insert(
            LATENCY_GRAPH.into(),
            vq.map(|vq| (g * c + vq) * tm / expected_tokens(r.alpha, g)),
        );
        ms_rows.push(m);
        let s_own = r.realized_tokens_per_iter * r.t_target_ms / (g * r.t_draft_ms + r.t_verify_ms);
        own.insert(
            format!("{}→{} α={} γ={}", r.draft, r.target, r.alpha, r.gamma),
            (s_own - r.speedup) / r.speedup,
        );
        out.push(v);
    }
    let groups = group_by(out, from, |r| {
        format!("{} {} {}", r.draft, r.target, r.setting)
    });
    mark_choices(out, &groups, &[SDSL_FLOPS, LATENCY_GRAPH], |r| {
        format!("γ={}", r.gamma.unwrap_or(0))
    });
    out.extend(ms_rows);
    checks.push(check(
        "h200-walltime",
        "S = τ·t_M(1)/(γ·t_N(1) + t_M(γ+1)) on each run's own single-pass times and realised tokens per iteration τ, against the measured speed-up (a check of the implementation)",
        "relative",
        own,
        Some(0.01),
    ));
}
