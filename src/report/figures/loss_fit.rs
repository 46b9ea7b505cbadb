//! Loss versus N at several D: the data (one colour per training-token
//! value when there are at most 8 of them, as in a designed ladder;
//! otherwise one per decade of D) and the fitted law at that D.

use super::{DrawResult, Frame, Log, colour, e};
use crate::report::model::FigureData;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws the figure. N is on a log axis over the positive finite N of the
/// data, ×0.8 below and ×1.25 above (see [`super::log_range`]); loss on a
/// linear axis over the finite losses, padded by 5%. Points with a
/// non-finite value or a non-positive N or D are left out; without a law or
/// without a usable point the frame says "no data".
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &FigureData) -> DrawResult {
    let fmt = |v: &f64| format!("{v:.0e}");
    let frame = Frame::new("Loss-law fit: L(N, D) = E + A/N^α + B/D^β")
        .title_size(22)
        .axes("parameters N", "loss (nats/token)")
        .labels(8, 11)
        .x_fmt(&fmt);
    let points: Vec<(f64, f64, f64)> = f
        .loss_points
        .iter()
        .copied()
        .filter(|p| p.0 > 0.0 && p.1 > 0.0 && p.0.is_finite() && p.1.is_finite())
        .filter(|p| p.2.is_finite())
        .collect();
    let Some(law) = f.loss_law.as_ref().filter(|_| !points.is_empty()) else {
        return frame.no_data(root);
    };
    let (nlo, nhi) = super::log_range(points.iter().map(|p| p.0));
    let (llo, lhi) = super::range(points.iter().map(|p| p.2), 0.05);
    let mut chart = frame.build(root, Log(nlo * 0.8..nhi * 1.25), llo..lhi)?;
    // Groups of D: the distinct values of a designed grid, else decades.
    let mut distinct: Vec<f64> = Vec::new();
    for p in &points {
        if !distinct.iter().any(|&d| (d - p.1).abs() <= 1e-9 * d) {
            distinct.push(p.1);
        }
    }
    distinct.sort_by(f64::total_cmp);
    let exact = distinct.len() <= 8;
    let bands: Vec<(f64, f64)> = if exact {
        distinct
            .iter()
            .map(|&d| (d * (1.0 - 1e-9), d * (1.0 + 1e-9)))
            .collect()
    } else {
        let lo = distinct.first().map_or(0, |d| d.log10().floor() as i32);
        let hi = distinct.last().map_or(0, |d| d.log10().floor() as i32);
        (lo..=hi)
            .map(|k| (10f64.powi(k), 10f64.powi(k + 1)))
            .collect()
    };
    for (i, (lo, hi)) in bands.iter().enumerate() {
        let c = colour(i);
        let pts: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| p.1 >= *lo && p.1 < *hi)
            .map(|p| (p.0, p.2))
            .collect();
        if pts.is_empty() {
            continue;
        }
        chart
            .draw_series(
                pts.iter()
                    .map(|&(x, y)| Circle::new((x, y), 3, c.mix(0.6).filled())),
            )
            .map_err(e)?
            .label(if exact {
                format!("data, D = {:.3e}", (lo * hi).sqrt())
            } else {
                format!("data, D in [{lo:.0e}, {hi:.0e})")
            })
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, c.filled()));
        let d: f64 = (lo * hi).sqrt();
        let curve: Vec<(f64, f64)> = (0..=100)
            .map(|k| {
                let n = (nlo.ln() + (nhi.ln() - nlo.ln()) * k as f64 / 100.0).exp();
                (n, law.loss(n, d))
            })
            .filter(|p| p.1 >= llo && p.1 <= lhi)
            .collect();
        chart
            .draw_series(LineSeries::new(curve, c.stroke_width(2)))
            .map_err(e)?
            .label(format!("fit at D = {d:.1e}"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
    }
    super::legend(&mut chart, 13, SeriesLabelPosition::UpperRight)
}
