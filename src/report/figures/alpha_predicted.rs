//! Predicted (global law) versus measured α, with the identity line.

use super::{DrawResult, Frame, colour, e};
use crate::report::model::FigureData;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws the figure: both axes share the range of all values (padded by 5%).
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &FigureData) -> DrawResult {
    let (lo, hi) = super::range(f.alpha_pred.iter().flat_map(|p| [p.0, p.1]), 0.05);
    let mut chart = Frame::new("Predicted versus measured α (global law)")
        .axes("measured α", "predicted α")
        .build(root, lo..hi, lo..hi)?;
    chart
        .draw_series(LineSeries::new(vec![(lo, lo), (hi, hi)], BLACK.mix(0.5)))
        .map_err(e)?;
    chart
        .draw_series(
            f.alpha_pred
                .iter()
                .map(|&(m, p)| Circle::new((m, p), 4, colour(0).filled())),
        )
        .map_err(e)?;
    Ok(())
}
