//! α versus draft perplexity, with each target's line (measured points and
//! per-target fits, or the published law's lines when no table is bundled).

use super::{DrawResult, FONT, colour, e};
use crate::report::model::FigureData;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws the figure.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &FigureData) -> DrawResult {
    if f.alpha_lines.is_empty() {
        return Ok(());
    }
    let xs = f.alpha_lines.iter().flat_map(|l| {
        l.points
            .iter()
            .map(|p| p.0)
            .chain(l.line.iter().map(|p| p.0))
    });
    let (xlo, xhi) = super::range(xs, 0.03);
    let ys = f.alpha_lines.iter().flat_map(|l| {
        l.points
            .iter()
            .map(|p| p.1)
            .chain(l.line.iter().map(|p| p.1))
    });
    let (ylo, yhi) = super::range(ys, 0.05);
    let title = if f.alpha_measured {
        "α versus draft perplexity: measurements and per-target fits"
    } else {
        "α versus draft perplexity: published SDSL law, one line per registry target"
    };
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 20))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(xlo..xhi, ylo..yhi)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("draft perplexity")
        .y_desc("α")
        .label_style((FONT, 14))
        .draw()
        .map_err(e)?;
    for (i, l) in f.alpha_lines.iter().enumerate() {
        let (name, pts, line) = (&l.label, &l.points, &l.line);
        let c = colour(i);
        chart
            .draw_series(LineSeries::new(line.to_vec(), c.stroke_width(2)))
            .map_err(e)?
            .label(name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
        chart
            .draw_series(pts.iter().map(|&(x, y)| Circle::new((x, y), 4, c.filled())))
            .map_err(e)?;
    }
    chart
        .configure_series_labels()
        .label_font((FONT, 12))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(e)?;
    Ok(())
}
