//! Published cost ratios c (`published-c`) against SDSL's c = N/M.

use super::row;
use crate::ingest::validation::{self as iv, Sourced};
use crate::report::model::validation::{SDSL_FLOPS, ValidationRow};

/// Published cost ratios c against SDSL's c = N/M (nominal sizes read from
/// the model names).
pub(super) fn cost_ratios(t: &Sourced<iv::CostRatioRow>, out: &mut Vec<ValidationRow>) {
    for r in &t.rows {
        let mut v = row(
            "published-c",
            "cost_ratio",
            format!("{} ({})", r.source, r.hardware),
            &r.draft,
            &r.target,
        );
        v.measured = Some(r.c);
        let nm = match (iv::params_in_name(&r.draft), iv::params_in_name(&r.target)) {
            (Some(n), Some(m)) => Some(n / m),
            _ => None,
        };
        v.predicted.insert(SDSL_FLOPS.into(), nm);
        if r.status != "VERBATIM" {
            v.note = Some(format!("c {}", r.status.to_lowercase()));
        }
        out.push(v);
    }
}
