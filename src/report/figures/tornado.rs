//! Tornado of N*'s sensitivity: for each moved input (one row per variant),
//! the range over the N*-table targets of N*/N*_base − 1 (bar) and its
//! median (point), rows sorted by the median's size, largest on top.

use super::{DrawResult, Frame, colour, e, px, pxi};
use crate::derive::sensitivity::SensitivitySection;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One bar: label, input (for the colour), min, median, max of the change.
type Bar = (String, String, f64, f64, f64);

/// The bars, smallest |median| first (drawn bottom to top).
fn bars(s: &SensitivitySection) -> Vec<Bar> {
    let keys = crate::fit::distinct(s.targets.iter().flat_map(|t| {
        t.variants
            .iter()
            .map(|v| (v.input.clone(), v.variant.clone()))
    }));
    let mut out: Vec<Bar> = keys
        .into_iter()
        .filter_map(|(input, variant)| {
            let mut ch: Vec<f64> = s
                .targets
                .iter()
                .flat_map(|t| t.variants.iter())
                .filter(|v| v.input == input && v.variant == variant)
                .filter_map(|v| v.rel_change)
                .filter(|c| c.is_finite())
                .collect();
            if ch.is_empty() {
                return None;
            }
            ch.sort_by(f64::total_cmp);
            let k = ch.len();
            let med = if k % 2 == 1 {
                ch[k / 2]
            } else {
                0.5 * (ch[k / 2 - 1] + ch[k / 2])
            };
            Some((format!("{input}: {variant}"), input, ch[0], med, ch[k - 1]))
        })
        .collect();
    out.sort_by(|a, b| a.3.abs().total_cmp(&b.3.abs()).then_with(|| b.0.cmp(&a.0)));
    out
}

/// Draws the figure ("no data" without any finite change).
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &SensitivitySection,
) -> DrawResult {
    let b = bars(s);
    let labels: Vec<String> = b.iter().map(|x| x.0.clone()).collect();
    let yfmt = |v: &f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
            labels[i as usize].clone()
        } else {
            String::new()
        }
    };
    let xfmt = |v: &f64| crate::report::format::signed_pct0(*v);
    let frame =
        Frame::new("Sensitivity of N*: change against the N* table (range over targets, median)")
            .title_size(17)
            .axes("N*/N*_base − 1", "")
            .y_area(230)
            .labels(9, b.len().max(1))
            .x_fmt(&xfmt)
            .y_fmt(&yfmt);
    if b.is_empty() {
        return frame.no_data(root);
    }
    let (lo, hi) = super::range(b.iter().flat_map(|x| [x.2, x.4, 0.0]), 0.05);
    let n = b.len() as f64;
    let mut chart = frame.build(root, lo..hi, -0.5..n - 0.5)?;
    let inputs = crate::fit::distinct(b.iter().map(|x| x.1.as_str()));
    let col = |input: &str| colour(inputs.iter().position(|i| *i == input).unwrap_or(0));
    chart
        .draw_series(b.iter().enumerate().map(|(i, x)| {
            let y = i as f64;
            Rectangle::new(
                [(x.2, y - 0.35), (x.4, y + 0.35)],
                col(&x.1).mix(0.6).filled(),
            )
        }))
        .map_err(e)?;
    chart
        .draw_series(
            b.iter()
                .enumerate()
                .map(|(i, x)| Circle::new((x.3, i as f64), px(4), BLACK.filled())),
        )
        .map_err(e)?;
    chart
        .draw_series(LineSeries::new(
            vec![(0.0, -0.5), (0.0, n - 0.5)],
            BLACK.mix(0.6),
        ))
        .map_err(e)?;
    // the legend: one swatch per input (the bars' colour), and the median
    for (k, input) in inputs.iter().enumerate() {
        let c = colour(k);
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), u32>>())
            .map_err(e)?
            .label(format!("moved input: {input}"))
            .legend(move |(x, y)| {
                Rectangle::new(
                    [(x, y - pxi(5)), (x + pxi(16), y + pxi(5))],
                    c.mix(0.6).filled(),
                )
            });
    }
    chart
        .draw_series(std::iter::empty::<Circle<(f64, f64), u32>>())
        .map_err(e)?
        .label("median over the targets (bar: their range)")
        .legend(|(x, y)| Circle::new((x + pxi(8), y), px(4), BLACK.filled()));
    super::legend(&mut chart, 12, SeriesLabelPosition::LowerRight)
}
