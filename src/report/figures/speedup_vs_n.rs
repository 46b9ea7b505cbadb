//! Speed-up S* versus draft size N for several targets, with N* marked.

use super::{DrawResult, Frame, Log, colour, e};
use crate::report::model::FigureData;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws the figure. N is on a log axis over the N of the curves; S* on a
/// linear axis from 1 to 1.08 times the largest S* (at least 1).
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &FigureData) -> DrawResult {
    if f.speedup_curves.is_empty() {
        return Ok(());
    }
    let all = || f.speedup_curves.iter().flat_map(|c| c.curve.iter());
    let (nlo, nhi) = all()
        .map(|p| p.0)
        .fold((f64::INFINITY, 0.0f64), |(a, b), x| (a.min(x), b.max(x)));
    let smax = all().map(|p| p.1).fold(1.0f64, f64::max);
    let fmt = |v: &f64| format!("{v:.0e}");
    let mut chart = Frame::new("Speed-up at the optimal lookahead versus draft size (c = N/M)")
        .axes("draft parameters N", "S*")
        .x_fmt(&fmt)
        .build(root, Log(nlo..nhi), 1.0..smax * 1.08)?;
    for (i, sc) in f.speedup_curves.iter().enumerate() {
        let (label, curve, nstar) = (&sc.label, &sc.curve, &sc.n_star);
        let c = colour(i);
        chart
            .draw_series(LineSeries::new(curve.clone(), c.stroke_width(2)))
            .map_err(e)?
            .label(label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
        if let Some(n) = nstar {
            let s = curve
                .iter()
                .min_by(|a, b| {
                    (a.0.ln() - n.ln())
                        .abs()
                        .total_cmp(&(b.0.ln() - n.ln()).abs())
                })
                .map(|p| p.1)
                .unwrap_or(1.0);
            chart
                .draw_series(std::iter::once(TriangleMarker::new((*n, s), 7, c.filled())))
                .map_err(e)?;
        }
    }
    super::legend(&mut chart, 13, SeriesLabelPosition::LowerRight)
}
