//! Predicted (global law) versus measured α, with the identity line.

use super::{DrawResult, FONT, colour, e};
use crate::report::model::FigureData;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws the figure.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &FigureData) -> DrawResult {
    let (lo, hi) = super::range(f.alpha_pred.iter().flat_map(|p| [p.0, p.1]), 0.05);
    let mut chart = ChartBuilder::on(root)
        .caption("Predicted versus measured α (global law)", (FONT, 20))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(lo..hi, lo..hi)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("measured α")
        .y_desc("predicted α")
        .label_style((FONT, 14))
        .draw()
        .map_err(e)?;
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
