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
    // curves labelled "TARGET, MODEL" (the hardware figure): one colour per
    // target, one line style per cost model; otherwise one colour per curve
    let split: Option<Vec<(&str, &str)>> = f
        .speedup_curves
        .iter()
        .map(|c| c.label.split_once(", "))
        .collect();
    let styles = split.as_ref().map(|parts| {
        let targets = crate::fit::distinct(parts.iter().map(|p| p.0));
        let models = crate::fit::distinct(parts.iter().map(|p| p.1));
        parts
            .iter()
            .map(|(t, m)| {
                let ti = targets.iter().position(|x| x == t).unwrap_or(0);
                let mi = models.iter().position(|x| x == m).unwrap_or(0);
                (ti, mi)
            })
            .collect::<Vec<_>>()
    });
    let y_desc = if styles.is_some() {
        "S at the best γ (continuous γ* for FLOPs, integer γ for latency models)"
    } else {
        "S*"
    };
    let frame = Frame::new(title)
        .axes("draft parameters N", y_desc)
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
    // (more with real drafts: their labels sit between the curves and the legend)
    let real = !f.real_drafts.is_empty();
    let ytop = 1.0 + (smax - 1.0) * if real { 1.5 } else { 1.35 };
    let mut chart = frame.build(root, Log(nlo..nhi), 1.0..ytop)?;
    // the range of measured draft sizes, shaded (where the curves are checked)
    let measured = || {
        f.speedup_curves
            .iter()
            .flat_map(|c| c.measured.iter().filter(usable))
    };
    // real drafts (the hardware figure): a labelled dotted guide at each
    // size, the dots on every curve are that draft's S; labels just above
    // the highest curve, below the legend
    for (name, n) in &f.real_drafts {
        if !(n.is_finite() && *n > nlo && *n < nhi) {
            continue;
        }
        chart
            .draw_series(DashedLineSeries::new(
                [(*n, 1.0), (*n, ytop)],
                px(2),
                px(4),
                BLACK.mix(0.35).stroke_width(px(1)),
            ))
            .map_err(e)?;
        let y = smax + (ytop - 1.0) * 0.07;
        chart
            .draw_series(std::iter::once(Text::new(
                name.clone(),
                (*n * 1.04, y),
                ("sans-serif", px(13)).into_font().color(&BLACK.mix(0.8)),
            )))
            .map_err(e)?;
    }
    if let Some((mlo, mhi)) = super::bounds(measured().map(|p| p.0)).filter(|_| !real) {
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
        // the curve's own colour (per target in the hardware figure)
        let c = colour(styles.as_ref().map_or(i, |s| s[i].0));
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
            .label(if real {
                "real drafts (dotted guides): S on measured times (latency), S* (FLOPs)"
            } else {
                "measured α → S at best integer γ (dots); real sampler's best (×)"
            })
            .legend(|(x, y)| Circle::new((x + pxi(8), y), px(4), BLACK.filled()));
    }
    for (i, sc) in f.speedup_curves.iter().enumerate() {
        let (label, curve, nstar) = (&sc.label, &sc.curve, &sc.n_star);
        let (ci, dash) = styles.as_ref().map_or((i, 0), |s| s[i]);
        let c = colour(ci);
        let points = curve.iter().copied().filter(|p| usable(&p));
        let stroke = c.stroke_width(px(2));
        // solid, dashed, dotted: the first three cost models
        let (size, gap) = match dash {
            0 => (0, 0),
            1 => (px(10), px(6)),
            _ => (px(3), px(4)),
        };
        let series = if size == 0 {
            chart.draw_series(LineSeries::new(points, stroke))
        } else {
            chart.draw_series(DashedLineSeries::new(points, size, gap, stroke))
        };
        series
            .map_err(e)?
            .label(label.clone())
            .legend(move |(x, y)| {
                // a legend sample with the curve's gaps: one stroke, two
                // dashes or three dots over the same width
                let p: [(i32, i32); 3] = match dash {
                    0 => [(0, 16); 3],
                    1 => [(0, 6), (10, 16), (10, 16)],
                    _ => [(0, 2), (7, 9), (14, 16)],
                };
                let seg =
                    |(a, b): (i32, i32)| PathElement::new(vec![(pxi(a), 0), (pxi(b), 0)], stroke);
                EmptyElement::at((x, y)) + seg(p[0]) + seg(p[1]) + seg(p[2])
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
