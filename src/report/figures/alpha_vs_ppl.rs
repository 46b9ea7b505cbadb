//! α versus draft perplexity, with each target's line (measured points and
//! per-target fits, or the published law's lines when no table is bundled).

use super::{DrawResult, Frame, colour, e, px, pxi};
use crate::report::model::FigureData;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws the figure. The x range spans every finite point and line end
/// (padded by 3%), the y range likewise (padded by 5%); points or line ends
/// that are not finite (a line over an empty perplexity range) are left out,
/// and without any finite one the frame says "no data".
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &FigureData) -> DrawResult {
    let title = if f.alpha_measured {
        "α versus draft perplexity: measurements and per-target fits"
    } else {
        "α versus draft perplexity: published SDSL law, one line per registry target"
    };
    let frame = Frame::new(title).axes("draft perplexity", "α");
    let all = || {
        f.alpha_lines
            .iter()
            .flat_map(|l| l.points.iter().chain(&l.line))
            .copied()
            .filter(super::finite)
    };
    if all().next().is_none() {
        return frame.no_data(root);
    }
    let (xlo, xhi) = super::range(all().map(|p| p.0), 0.03);
    let (ylo, yhi) = super::range(all().map(|p| p.1), 0.05);
    let mut chart = frame.build(root, xlo..xhi, ylo..yhi)?;
    for (i, l) in f.alpha_lines.iter().enumerate() {
        let c = colour(i);
        let line: Vec<(f64, f64)> = l.line.iter().copied().filter(super::finite).collect();
        chart
            .draw_series(LineSeries::new(line, c.stroke_width(px(2))))
            .map_err(e)?
            .label(l.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + pxi(16), y)], c.stroke_width(px(2)))
            });
        chart
            .draw_series(
                l.points
                    .iter()
                    .filter(|p| super::finite(p))
                    .map(|&(x, y)| Circle::new((x, y), px(4), c.filled())),
            )
            .map_err(e)?;
    }
    super::legend(&mut chart, 12, SeriesLabelPosition::UpperRight)
}
