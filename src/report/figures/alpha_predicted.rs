//! Predicted versus measured α, with the identity line: the global affine
//! law and, beside it when fitted, the affine-in-ln-ppl form; points
//! coloured by target, each panel's RMSE in its title.

use super::{DrawResult, Frame, colour, e, px, pxi};
use crate::report::model::FigureData;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws the figure: one panel per form (the affine law; the ln-ppl form
/// when `alpha_pred_log` is filled), both axes of every panel sharing the
/// range of all finite values (padded by 5%); points coloured by
/// `alpha_pred_group` (one colour without groups); RMSE over the finite
/// pairs in each title; "no data" without a finite pair.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &FigureData) -> DrawResult {
    let affine: Vec<(f64, f64)> = f.alpha_pred.clone();
    let log: Vec<(f64, f64)> = if f.alpha_pred_log.len() == f.alpha_pred.len() {
        f.alpha_pred
            .iter()
            .zip(&f.alpha_pred_log)
            .map(|(m, p)| (m.0, *p))
            .collect()
    } else {
        Vec::new()
    };
    let all = || affine.iter().chain(&log).copied().filter(super::finite);
    if all().next().is_none() {
        return Frame::new("Predicted versus measured α (global law)")
            .axes("measured α", "predicted α")
            .no_data(root);
    }
    let (lo, hi) = super::range(all().flat_map(|p| [p.0, p.1]), 0.05);
    let groups = crate::fit::distinct(f.alpha_pred_group.iter().map(String::as_str));
    let panels: Vec<(&str, &[(f64, f64)])> = if log.is_empty() {
        vec![("global law, affine in ppl", &affine)]
    } else {
        vec![
            ("global law, affine in ppl", &affine),
            ("affine in ln ppl", &log),
        ]
    };
    // two panels: the figure's title in a header of its own and short panel
    // titles, so that no title runs into its neighbour or the tick labels
    let body = if panels.len() > 1 {
        let (head, body) = root.split_vertically(px(44));
        head.draw(&Text::new(
            "Predicted versus measured α (each law fitted on all pairs)",
            (pxi(20), pxi(12)),
            (super::FONT, px(20)),
        ))
        .map_err(e)?;
        body
    } else {
        root.clone()
    };
    let areas = body.split_evenly((1, panels.len()));
    for ((name, pts), area) in panels.iter().zip(&areas) {
        let ok: Vec<(usize, (f64, f64))> = pts
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, p)| super::finite(p))
            .collect();
        let rmse = (ok.iter().map(|(_, p)| (p.1 - p.0).powi(2)).sum::<f64>()
            / ok.len().max(1) as f64)
            .sqrt();
        let title = if panels.len() > 1 {
            format!("{name} (RMSE {rmse:.4})")
        } else {
            format!("Predicted vs measured α: {name} (RMSE {rmse:.4})")
        };
        let frame = Frame::new(&title)
            .title_size(if panels.len() > 1 { 16 } else { 20 })
            .axes("measured α", "predicted α");
        let mut chart = frame.build(area, lo..hi, lo..hi)?;
        chart
            .draw_series(LineSeries::new(
                vec![(lo, lo), (hi, hi)],
                BLACK.mix(0.5).stroke_width(px(1)),
            ))
            .map_err(e)?;
        for (gi, g) in groups.iter().enumerate().chain(
            // without groups, one series in the first colour
            std::iter::once((0, &"")).filter(|_| groups.is_empty()),
        ) {
            let c = colour(gi);
            let series: Vec<(f64, f64)> = ok
                .iter()
                .filter(|(i, _)| groups.is_empty() || f.alpha_pred_group[*i] == *g)
                .map(|(_, p)| *p)
                .collect();
            let drawn = chart
                .draw_series(
                    series
                        .iter()
                        .map(|&(m, p)| Circle::new((m, p), px(4), c.filled())),
                )
                .map_err(e)?;
            if !g.is_empty() {
                drawn
                    .label(g.to_string())
                    .legend(move |(x, y)| Circle::new((x + pxi(8), y), px(4), c.filled()));
            }
        }
        if !groups.is_empty() {
            super::legend(&mut chart, 11, SeriesLabelPosition::UpperLeft)?;
        }
    }
    Ok(())
}
