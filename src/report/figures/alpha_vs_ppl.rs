//! α versus draft perplexity, with each target's line (measured points and
//! per-target fits, or the published law's lines when no table is bundled).

use super::{DrawResult, Frame, colour, e};
use crate::report::model::FigureData;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws the figure. The x range spans every point and line end (padded by
/// 3%), the y range likewise (padded by 5%).
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &FigureData) -> DrawResult {
    if f.alpha_lines.is_empty() {
        return Ok(());
    }
    let all = || {
        f.alpha_lines
            .iter()
            .flat_map(|l| l.points.iter().chain(&l.line))
    };
    let (xlo, xhi) = super::range(all().map(|p| p.0), 0.03);
    let (ylo, yhi) = super::range(all().map(|p| p.1), 0.05);
    let title = if f.alpha_measured {
        "α versus draft perplexity: measurements and per-target fits"
    } else {
        "α versus draft perplexity: published SDSL law, one line per registry target"
    };
    let mut chart =
        Frame::new(title)
            .axes("draft perplexity", "α")
            .build(root, xlo..xhi, ylo..yhi)?;
    for (i, l) in f.alpha_lines.iter().enumerate() {
        let c = colour(i);
        chart
            .draw_series(LineSeries::new(l.line.to_vec(), c.stroke_width(2)))
            .map_err(e)?
            .label(l.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
        chart
            .draw_series(
                l.points
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 4, c.filled())),
            )
            .map_err(e)?;
    }
    super::legend(&mut chart, 12, SeriesLabelPosition::UpperRight)
}
