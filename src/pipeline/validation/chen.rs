//! Chen et al. 2023 (`chen2023`): Chinchilla 70B with a 4B draft.

use super::row;
use crate::ingest::validation::{self as iv, Sourced};
use crate::law::throughput::speedup;
use crate::report::model::validation::{SDSL_FLOPS, THM38_PRINTED_C, ValidationRow};

/// Chen et al. 2023 (Chinchilla 70B, 4B draft, K = 4): no α published, so
/// each model gives the range of S at K over the α range of real pairs,
/// with c = Chen's own (published) ratio and with c = N/M; the α each
/// model needs to reach the measured speed-up goes in the note.
pub(super) fn chen(
    t: &Sourced<iv::ChenRow>,
    published_c: Option<f64>,
    arange: [f64; 2],
    out: &mut Vec<ValidationRow>,
) {
    let nm = 4e9 / 70e9;
    for r in t.rows.iter().filter(|r| r.method == "SpS") {
        let Some(k) = r.k else { continue };
        let mut v = row(
            "chen2023",
            "speedup",
            format!("{} {}", r.benchmark, r.sampling),
            "4B (8-layer)",
            "Chinchilla 70B",
        );
        v.gamma = Some(k as u64);
        v.measured = Some(r.speedup);
        let mut notes = Vec::new();
        for (m, c) in [(THM38_PRINTED_C, published_c), (SDSL_FLOPS, Some(nm))] {
            let Some(c) = c else { continue };
            v.predicted_range.insert(
                m.into(),
                [speedup(arange[0], k, c), speedup(arange[1], k, c)],
            );
            let need = implied_alpha(r.speedup, k, c);
            notes.push(format!(
                "{m} needs α = {}",
                need.map_or("— (unreachable)".into(), |a| format!("{a:.3}"))
            ));
        }
        v.note = Some(notes.join("; "));
        out.push(v);
    }
}

/// α with S(α, γ, c) = s (bisection; S is increasing in α), None when s is
/// outside (S(0), S(1⁻)).
fn implied_alpha(s: f64, gamma: f64, c: f64) -> Option<f64> {
    let f = |a: f64| speedup(a, gamma, c) - s;
    let (mut lo, mut hi) = (1e-9, 1.0 - 1e-9);
    if f(lo) > 0.0 || f(hi) < 0.0 {
        return None;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if f(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}
