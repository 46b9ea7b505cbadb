//! Predicted (global law) versus measured α, with the identity line.

use super::{DrawResult, Frame, colour, e, px};
use crate::report::model::FigureData;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws the figure: both axes share the range of all finite values
/// (padded by 5%); "no data" without a finite pair.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &FigureData) -> DrawResult {
    let frame =
        Frame::new("Predicted versus measured α (global law)").axes("measured α", "predicted α");
    let pairs: Vec<(f64, f64)> = f.alpha_pred.iter().copied().filter(super::finite).collect();
    if pairs.is_empty() {
        return frame.no_data(root);
    }
    let (lo, hi) = super::range(pairs.iter().flat_map(|p| [p.0, p.1]), 0.05);
    let mut chart = frame.build(root, lo..hi, lo..hi)?;
    chart
        .draw_series(LineSeries::new(vec![(lo, lo), (hi, hi)], BLACK.mix(0.5)))
        .map_err(e)?;
    chart
        .draw_series(
            pairs
                .iter()
                .map(|&(m, p)| Circle::new((m, p), px(4), colour(0).filled())),
        )
        .map_err(e)?;
    Ok(())
}
