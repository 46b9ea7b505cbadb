//! Hugging Face assisted generation (`hf-blog`).

use super::row;
use crate::ingest::validation::{self as iv, Sourced};
use crate::law::throughput::optimum;
use crate::report::model::validation::{SDSL_FLOPS, ValidationRow};

/// Hugging Face assisted generation (no α): the measured speed-up against
/// the range S*(α) at the best integer γ with c = N/M over the α range of
/// real pairs (a heuristic γ schedule may land below it).
pub(super) fn hf(t: &Sourced<iv::HfRow>, arange: [f64; 2], out: &mut Vec<ValidationRow>) {
    for r in &t.rows {
        let nm = match (iv::params_in_name(&r.draft), iv::params_in_name(&r.target)) {
            (Some(n), Some(m)) => Some(n / m),
            _ => None,
        };
        for (kind, s) in [("heuristic", r.heuristic), ("dynamic", r.dynamic)] {
            let Some(s) = s else { continue };
            let kind = if r.source == "universal_AG" {
                "universal assisted generation"
            } else {
                kind
            };
            let mut v = row(
                "hf-blog",
                "speedup",
                format!("{} ({kind}, {})", r.task, r.hardware),
                &r.draft,
                &r.target,
            );
            v.measured = Some(s);
            match nm {
                Some(c) => {
                    let lo = optimum(arange[0], c).speedup_star_int;
                    let hi = optimum(arange[1], c).speedup_star_int;
                    v.predicted_range.insert(SDSL_FLOPS.into(), [lo, hi]);
                }
                None => v.note = Some("no size in a model name: no prediction".into()),
            }
            out.push(v);
        }
    }
}
