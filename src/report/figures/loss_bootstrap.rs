//! Histograms of the loss-law parameters over the bootstrap replicates.

use super::{Axis, DrawResult, FONT, Frame, Log, colour, e, px, pxi};
use crate::report::model::FigureData;
use plotters::coord::Shift;
use plotters::prelude::*;

const NAMES: [&str; 5] = ["E", "A", "B", "alpha", "beta"];
const BINS: usize = 30;

/// Draws the figure: one panel per parameter, a histogram of its finite
/// draws in `BINS` bins over their 0.5–99.5% quantile range (widened when
/// all draws are equal, see [`super::linear`]); B, whose draws span orders
/// of magnitude, on a logarithmic axis with log-spaced bins. Each panel
/// marks the point estimate (solid), the 95% percentile interval of the
/// draws (dashed) and, for the main fit, Epoch's published value (dotted).
/// Without draws the whole figure, and without a finite draw a panel, says
/// "no data".
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &FigureData) -> DrawResult {
    if f.loss_draws.is_empty() {
        return Frame::new("Bootstrap distributions of the loss-law parameters").no_data(root);
    }
    let (title, body) = root.split_vertically(px(40));
    title
        .draw(&Text::new(
            format!(
                "Bootstrap distributions of the loss-law parameters ({} replicates)",
                f.loss_draws.len()
            ),
            (pxi(20), pxi(10)),
            (FONT, px(20)),
        ))
        .map_err(e)?;
    let panels = body.split_evenly((2, 3));
    legend_panel(&panels[5], f)?;
    let point = f
        .loss_law
        .as_ref()
        .map(|l| [l.e, l.a, l.b, l.alpha, l.beta]);
    let reference = f
        .loss_reference
        .as_ref()
        .map(|(_, l)| [l.e, l.a, l.b, l.alpha, l.beta]);
    for (k, name) in NAMES.iter().enumerate() {
        let frame = Frame::panel(name).labels(4, 4).y_desc("replicates");
        let vals: Vec<f64> = f
            .loss_draws
            .iter()
            .map(|d| d[k])
            .filter(|v| v.is_finite() && (k != 2 || *v > 0.0))
            .collect();
        if vals.is_empty() {
            frame.no_data(&panels[k])?;
            continue;
        }
        let mut sorted = vals.clone();
        sorted.sort_by(f64::total_cmp);
        let q = |p: f64| crate::fit::bootstrap::quantile_sorted(&sorted, p);
        let marks = Marks {
            point: point.map(|p| p[k]),
            ci: [q(0.025), q(0.975)],
            reference: reference.map(|r| r[k]),
        };
        if k == 2 {
            let (lo, hi) = super::log_span(q(0.005), q(0.995));
            let edges: Vec<f64> = (0..=BINS)
                .map(|b| (lo.ln() + (hi.ln() - lo.ln()) * b as f64 / BINS as f64).exp())
                .collect();
            let fmt = crate::report::format::pow10;
            histogram(
                &panels[k],
                frame.x_fmt(&fmt),
                Log(lo..hi),
                &vals,
                &edges,
                &marks,
                k,
            )?;
        } else {
            let (lo, hi) = super::linear(q(0.005), q(0.995));
            let edges: Vec<f64> = (0..=BINS)
                .map(|b| lo + (hi - lo) * b as f64 / BINS as f64)
                .collect();
            let fmt = crate::report::format::axis_tick;
            histogram(
                &panels[k],
                frame.x_fmt(&fmt),
                lo..hi,
                &vals,
                &edges,
                &marks,
                k,
            )?;
        }
    }
    Ok(())
}

/// What a panel marks besides the histogram.
struct Marks {
    point: Option<f64>,
    ci: [f64; 2],
    reference: Option<f64>,
}

/// One panel: counts of `vals` in the bins between consecutive `edges`
/// (values outside are not drawn), and the marks.
fn histogram<DB: DrawingBackend, X: Axis>(
    area: &DrawingArea<DB, Shift>,
    frame: Frame,
    x: X,
    vals: &[f64],
    edges: &[f64],
    marks: &Marks,
    k: usize,
) -> DrawResult {
    let nb = edges.len() - 1;
    let mut counts = vec![0u32; nb];
    for v in vals {
        if let Some(b) = edges.windows(2).position(|w| *v >= w[0] && *v <= w[1]) {
            counts[b] += 1;
        }
    }
    let top = *counts.iter().max().unwrap_or(&1) as f64 * 1.1;
    let y_fmt = |v: &f64| format!("{v:.0}");
    let mut chart = frame.y_fmt(&y_fmt).build(area, x, 0.0..top)?;
    let c = colour(k);
    chart
        .draw_series(counts.iter().enumerate().map(|(b, &n)| {
            Rectangle::new(
                [(edges[b], 0.0), (edges[b + 1], n as f64)],
                c.mix(0.6).filled(),
            )
        }))
        .map_err(e)?;
    let (lo, hi) = (edges[0], edges[nb]);
    let inside = |v: &f64| v.is_finite() && *v >= lo && *v <= hi;
    let vline = |v: f64| vec![(v, 0.0), (v, top)];
    if let Some(p) = marks.point.filter(inside) {
        chart
            .draw_series(LineSeries::new(vline(p), BLACK.stroke_width(px(2))))
            .map_err(e)?;
    }
    for v in marks.ci.iter().filter(|v| inside(v)) {
        chart
            .draw_series(DashedLineSeries::new(
                vline(*v),
                px(6),
                px(4),
                BLACK.stroke_width(px(1)),
            ))
            .map_err(e)?;
    }
    if let Some(r) = marks.reference.filter(inside) {
        chart
            .draw_series(DashedLineSeries::new(
                vline(r),
                px(2),
                px(3),
                colour(5).stroke_width(px(2)),
            ))
            .map_err(e)?;
    }
    Ok(())
}

/// The sixth panel: what the marks mean.
fn legend_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, f: &FigureData) -> DrawResult {
    let mut lines = vec![
        ("solid: the point estimate", BLACK),
        ("dashed: 95% percentile interval", BLACK),
    ];
    let reference = f
        .loss_reference
        .as_ref()
        .map(|(name, _)| format!("dotted: {name}"));
    if let Some(r) = &reference {
        lines.push((r.as_str(), colour(5)));
    }
    for (i, (text, c)) in lines.iter().enumerate() {
        area.draw(&Text::new(
            text.to_string(),
            (pxi(16), pxi(40 + 26 * i as i32)),
            (FONT, px(13)).into_font().color(c),
        ))
        .map_err(e)?;
    }
    area.draw(&Text::new(
        "B on a logarithmic axis (long right tail)".to_string(),
        (pxi(16), pxi(40 + 26 * lines.len() as i32)),
        (FONT, px(13)).into_font().color(&BLACK.mix(0.7)),
    ))
    .map_err(e)?;
    Ok(())
}
