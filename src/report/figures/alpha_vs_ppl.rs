//! α versus draft perplexity, with each target's line (measured points and
//! per-target fits, or the published law's lines when no table is bundled).

use super::{DrawResult, Frame, colour, e, px, pxi};
use crate::report::model::FigureData;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// Draws the figure. Lines with more than one `group` (the published law
/// for every registry target, grouped by family) go into small multiples,
/// one panel per group on shared axes; otherwise one panel. The x range
/// spans every finite point and line end (padded by 3%), the y range
/// likewise (padded by 5%); points or line ends that are not finite (a line
/// over an empty perplexity range) are left out, and without any finite one
/// the frame says "no data".
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &FigureData) -> DrawResult {
    let title = if f.alpha_measured {
        "α versus draft perplexity: measurements and per-target fits"
    } else {
        "α versus draft perplexity: the published SDSL law for every registry target"
    };
    let x_desc = if f.alpha_measured {
        "draft perplexity (as measured)"
    } else {
        "draft perplexity exp L(N, D) (loss law at the draft's N and tokens)"
    };
    let frame = Frame::new(title).axes(x_desc, "α");
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
    // the published law's residual band (√MSE), drawn around each line
    let band = f
        .alpha_band
        .filter(|b| !f.alpha_measured && b.is_finite() && *b > 0.0)
        .unwrap_or(0.0);
    let (xlo, xhi) = super::range(all().map(|p| p.0), 0.03);
    let (ylo, yhi) = super::range(all().flat_map(|p| [p.1 - band, p.1 + band]), 0.05);
    let groups = crate::fit::distinct(f.alpha_lines.iter().map(|l| l.group.as_str()));
    if groups.len() <= 1 {
        let mut chart = frame.build(root, xlo..xhi, ylo..yhi)?;
        lines(&mut chart, f.alpha_lines.iter(), band)?;
        return super::legend(&mut chart, 12, SeriesLabelPosition::UpperRight);
    }
    let (head, body) = root.split_vertically(px(40));
    head.draw(&Text::new(title, (pxi(20), pxi(10)), (super::FONT, px(20))))
        .map_err(e)?;
    let cols = 3;
    let rows = groups.len().div_ceil(cols);
    let panels = body.split_evenly((rows, cols));
    for (g, area) in groups.iter().zip(&panels) {
        let name = format!("{g} targets");
        let mut chart = Frame::panel(&name)
            .axes("draft ppl = exp L(N, D) (loss law)", "α")
            .labels(5, 5)
            .build(area, xlo..xhi, ylo..yhi)?;
        lines(
            &mut chart,
            f.alpha_lines.iter().filter(|l| l.group == *g),
            band,
        )?;
        super::legend(&mut chart, 10, SeriesLabelPosition::UpperRight)?;
    }
    Ok(())
}

/// Each line (and its measured points) in its own colour, labelled; with
/// `band` > 0 a shaded band of ±`band` around the line.
fn lines<'a, 'b, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    ls: impl Iterator<Item = &'b crate::report::model::AlphaLine>,
    band: f64,
) -> DrawResult {
    for (i, l) in ls.enumerate() {
        let c = colour(i);
        let line: Vec<(f64, f64)> = l.line.iter().copied().filter(super::finite).collect();
        if band > 0.0 && line.len() == 2 {
            let (a, b) = (line[0], line[1]);
            let poly = vec![
                (a.0, a.1 - band),
                (b.0, b.1 - band),
                (b.0, b.1 + band),
                (a.0, a.1 + band),
            ];
            chart
                .draw_series(std::iter::once(Polygon::new(poly, c.mix(0.10).filled())))
                .map_err(e)?;
        }
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
    Ok(())
}
