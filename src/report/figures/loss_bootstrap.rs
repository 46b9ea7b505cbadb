//! Histograms of the loss-law parameters over the bootstrap replicates.

use super::{DrawResult, FONT, Frame, colour, e};
use crate::report::model::FigureData;
use plotters::coord::Shift;
use plotters::prelude::*;

const NAMES: [&str; 5] = ["E", "A", "B", "alpha", "beta"];
const BINS: usize = 30;

/// Draws the figure: one panel per parameter, a histogram of its finite
/// draws in `BINS` bins over their 0.5–99.5% quantile range (widened when
/// all draws are equal, see [`super::linear`]). Without draws the whole
/// figure, and without a finite draw a panel, says "no data".
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &FigureData) -> DrawResult {
    if f.loss_draws.is_empty() {
        return Frame::new("Bootstrap distributions of the loss-law parameters").no_data(root);
    }
    let (title, body) = root.split_vertically(40);
    title
        .draw(&Text::new(
            format!(
                "Bootstrap distributions of the loss-law parameters ({} replicates)",
                f.loss_draws.len()
            ),
            (20, 10),
            (FONT, 20),
        ))
        .map_err(e)?;
    let panels = body.split_evenly((2, 3));
    let x_fmt = |v: &f64| {
        if v.abs() >= 100.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.3}")
        }
    };
    let y_fmt = |v: &f64| format!("{v:.0}");
    for (k, name) in NAMES.iter().enumerate() {
        let frame = Frame::panel(name).labels(4, 4).x_fmt(&x_fmt).y_fmt(&y_fmt);
        let vals: Vec<f64> = f
            .loss_draws
            .iter()
            .map(|d| d[k])
            .filter(|v| v.is_finite())
            .collect();
        if vals.is_empty() {
            frame.no_data(&panels[k])?;
            continue;
        }
        let mut sorted = vals.clone();
        sorted.sort_by(f64::total_cmp);
        // clip the plotted range to the 0.5–99.5% quantiles (A and B have long tails)
        let (lo, hi) = super::linear(
            crate::fit::bootstrap::quantile_sorted(&sorted, 0.005),
            crate::fit::bootstrap::quantile_sorted(&sorted, 0.995),
        );
        let width = (hi - lo) / BINS as f64;
        let mut counts = [0u32; BINS];
        for v in vals.iter().filter(|v| **v >= lo && **v <= hi) {
            let b = (((v - lo) / width) as usize).min(BINS - 1);
            counts[b] += 1;
        }
        let top = *counts.iter().max().unwrap_or(&1) as f64 * 1.1;
        let mut chart = frame.build(&panels[k], lo..hi, 0.0..top)?;
        let c = colour(k);
        chart
            .draw_series(counts.iter().enumerate().map(|(b, &n)| {
                let x0 = lo + b as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width, n as f64)], c.mix(0.7).filled())
            }))
            .map_err(e)?;
    }
    Ok(())
}
