//! Speed-up S* versus draft size N for several targets, with N* marked.

use super::{DrawResult, Frame, Log, colour, e, px, pxi};
use crate::report::model::FigureData;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws the figure. N is on a log axis over the positive finite N of the
/// curves (see [`super::log_range`]); S* on a linear axis from 1 to 1.35 times
/// the largest finite S* (at least 1), the headroom holding the legend.
/// Measured drafts (dots), the real sampler's best draft (crosses) and the
/// shaded range of measured sizes are drawn where the data have them (the
/// lab). Points that are not finite or have a
/// non-positive N are left out; without any the frame says "no data".
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &FigureData) -> DrawResult {
    let fmt = crate::report::format::pow10;
    let title = f
        .speedup_title
        .as_deref()
        .unwrap_or("Speed-up at the optimal lookahead versus draft size (c = N/M)");
    let frame = Frame::new(title)
        .axes("draft parameters N", "S*")
        .x_fmt(&fmt);
    let usable = |p: &&(f64, f64)| super::finite(p) && p.0 > 0.0;
    let all = || {
        f.speedup_curves
            .iter()
            .flat_map(|c| c.curve.iter().filter(usable))
    };
    if all().next().is_none() {
        return frame.no_data(root);
    }
    let (nlo, nhi) = super::log_range(all().map(|p| p.0));
    let smax = all().map(|p| p.1).fold(1.0f64, f64::max);
    // headroom above the curves for the legend (upper right, off the data)
    let ytop = 1.0 + (smax - 1.0) * 1.35;
    let mut chart = frame.build(root, Log(nlo..nhi), 1.0..ytop)?;
    // the range of measured draft sizes, shaded (where the curves are checked)
    let measured = || {
        f.speedup_curves
            .iter()
            .flat_map(|c| c.measured.iter().filter(usable))
    };
    if let Some((mlo, mhi)) = super::bounds(measured().map(|p| p.0)) {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(mlo, 1.0), (mhi, ytop)],
                BLACK.mix(0.06).filled(),
            )))
            .map_err(e)?
            .label("measured draft sizes")
            .legend(|(x, y)| {
                Rectangle::new(
                    [(x, y - pxi(5)), (x + pxi(16), y + pxi(5))],
                    BLACK.mix(0.15).filled(),
                )
            });
    }
    for (i, sc) in f.speedup_curves.iter().enumerate() {
        let c = colour(i);
        chart
            .draw_series(
                sc.measured
                    .iter()
                    .filter(usable)
                    .map(|&p| Circle::new(p, px(4), c.filled())),
            )
            .map_err(e)?;
        chart
            .draw_series(
                sc.sampled
                    .iter()
                    .filter(usable)
                    .map(|&p| Cross::new(p, px(7), c.stroke_width(px(2)))),
            )
            .map_err(e)?;
    }
    if measured().next().is_some() {
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), u32>>())
            .map_err(e)?
            .label("measured α → S at best integer γ (dots); real sampler's best (×)")
            .legend(|(x, y)| Circle::new((x + pxi(8), y), px(4), BLACK.filled()));
    }
    for (i, sc) in f.speedup_curves.iter().enumerate() {
        let (label, curve, nstar) = (&sc.label, &sc.curve, &sc.n_star);
        let c = colour(i);
        chart
            .draw_series(LineSeries::new(
                curve.iter().copied().filter(|p| usable(&p)),
                c.stroke_width(px(2)),
            ))
            .map_err(e)?
            .label(label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + pxi(16), y)], c.stroke_width(px(2)))
            });
        if let Some(n) = nstar.filter(|n| n.is_finite() && *n > 0.0) {
            let s = curve
                .iter()
                .filter(usable)
                .min_by(|a, b| {
                    (a.0.ln() - n.ln())
                        .abs()
                        .total_cmp(&(b.0.ln() - n.ln()).abs())
                })
                .map(|p| p.1)
                .unwrap_or(1.0);
            chart
                .draw_series(std::iter::once(TriangleMarker::new(
                    (n, s),
                    px(7),
                    c.filled(),
                )))
                .map_err(e)?;
        }
    }
    super::legend(&mut chart, 12, SeriesLabelPosition::UpperRight)
}
