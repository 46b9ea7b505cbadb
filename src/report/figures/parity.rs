//! Predicted versus measured values of one validation model (the rows of
//! `tables/validation.csv` with a value on both sides), log–log with the
//! line y = x and dotted lines at ±25%: one marker and colour per (source,
//! quantity). Speed-ups, α, cost ratios and milliseconds per token share
//! one chart: on a log scale agreement is the distance from the diagonal
//! whatever the unit.

use super::{DrawResult, Frame, Log, colour, e, px, pxi};
use crate::report::model::validation::ValidationSection;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws the figure for `model` ("no data" without a row to plot).
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    v: &ValidationSection,
    model: &str,
) -> DrawResult {
    let title = format!("Predicted versus measured: {model}");
    let fmt = |x: &f64| {
        if *x >= 100.0 || *x < 0.01 {
            crate::report::format::pow10(x)
        } else {
            let t = format!("{x:.3}");
            t.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    };
    let frame = Frame::new(&title)
        .axes("measured", "predicted")
        .x_fmt(&fmt)
        .y_fmt(&fmt);
    let rows = v.parity_rows(model);
    if rows.is_empty() {
        return frame.no_data(root);
    }
    let (lo, hi) = super::log_range(
        rows.iter()
            .flat_map(|(r, p)| [r.measured.unwrap_or(f64::NAN), *p]),
    );
    let (lo, hi) = (lo / 1.3, hi * 1.3);
    let mut chart = frame.build(root, Log(lo..hi), Log(lo..hi))?;
    chart
        .draw_series(LineSeries::new(
            vec![(lo, lo), (hi, hi)],
            BLACK.mix(0.6).stroke_width(px(1)),
        ))
        .map_err(e)?
        .label("y = x")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + pxi(16), y)], BLACK.mix(0.6)));
    for k in [0.75, 1.25] {
        let dots: Vec<(f64, f64)> = (0..=60)
            .map(|i| {
                let x = (lo.ln() + (hi.ln() - lo.ln()) * i as f64 / 60.0).exp();
                (x, x * k)
            })
            .filter(|p| p.1 >= lo && p.1 <= hi)
            .collect();
        chart
            .draw_series(
                dots.iter()
                    .map(|&p| Circle::new(p, px(1), BLACK.mix(0.35).filled())),
            )
            .map_err(e)?;
    }
    let keys = crate::fit::distinct(
        rows.iter()
            .map(|(r, _)| (r.source.as_str(), r.quantity.as_str())),
    );
    for (i, (src, q)) in keys.iter().enumerate() {
        let c = colour(i);
        let pts: Vec<(f64, f64)> = rows
            .iter()
            .filter(|(r, _)| r.source == *src && r.quantity == *q)
            .filter_map(|(r, p)| Some((r.measured?, *p)))
            .collect();
        let label = format!("{src}: {q} ({})", pts.len());
        let s = px(4) as i32;
        match i % 3 {
            0 => {
                chart
                    .draw_series(
                        pts.iter()
                            .map(|&p| Circle::new(p, px(4), c.mix(0.8).filled())),
                    )
                    .map_err(e)?
                    .label(label)
                    .legend(move |(x, y)| Circle::new((x + pxi(8), y), px(4), c.filled()));
            }
            1 => {
                chart
                    .draw_series(
                        pts.iter()
                            .map(|&p| TriangleMarker::new(p, px(5), c.mix(0.8).filled())),
                    )
                    .map_err(e)?
                    .label(label)
                    .legend(move |(x, y)| TriangleMarker::new((x + pxi(8), y), px(5), c.filled()));
            }
            _ => {
                chart
                    .draw_series(pts.iter().map(|&p| {
                        EmptyElement::at(p)
                            + Rectangle::new([(-s, -s), (s, s)], c.mix(0.8).filled())
                    }))
                    .map_err(e)?
                    .label(label)
                    .legend(move |(x, y)| {
                        Rectangle::new(
                            [(x + pxi(8) - s, y - s), (x + pxi(8) + s, y + s)],
                            c.filled(),
                        )
                    });
            }
        }
    }
    super::legend(&mut chart, 13, SeriesLabelPosition::UpperLeft)
}
