//! N* versus target size M: the grid solutions, the fitted line with its
//! bootstrap band, and the paper's line.

use super::{DrawResult, Frame, colour, e, finite, px, pxi};
use crate::report::model::NstarLawSection;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws the figure. M runs over the law's grid (×0.9 below, ×1.05 above,
/// see [`super::linear`] for a degenerate grid); N* over the finite grid
/// solutions, band ends and the paper's line at both ends of M, padded by 5%.
/// Points that are not finite are left out of every series.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    law: &NstarLawSection,
    band: &[(f64, f64, f64)],
) -> DrawResult {
    let (mlo, mhi) = super::linear(law.grid.m_min * 0.9, law.grid.m_max * 1.05);
    let ys = law
        .points
        .iter()
        .map(|p| p.n_star)
        .chain(band.iter().flat_map(|b| [b.1, b.2]))
        .chain([
            law.paper_mu * mlo + law.paper_m0,
            law.paper_mu * mhi + law.paper_m0,
        ]);
    let (ylo, yhi) = super::range(ys, 0.05);
    let x_fmt = |v: &f64| format!("{:.0}B", v / 1e9);
    let y_fmt = |v: &f64| format!("{:.0}M", v / 1e6);
    let mut chart = Frame::new("N* versus target size M")
        .title_size(22)
        .y_area(70)
        .axes("target parameters M", "N*")
        .x_fmt(&x_fmt)
        .y_fmt(&y_fmt)
        .build(root, mlo..mhi, ylo..yhi)?;
    let mut poly: Vec<(f64, f64)> = band.iter().map(|b| (b.0, b.2)).collect();
    poly.extend(band.iter().rev().map(|b| (b.0, b.1)));
    poly.retain(finite);
    if !poly.is_empty() {
        let c = colour(0);
        chart
            .draw_series(std::iter::once(Polygon::new(poly, c.mix(0.2).filled())))
            .map_err(e)?
            .label("95% band over bootstrap draws")
            .legend(move |(x, y)| {
                Rectangle::new(
                    [(x, y - pxi(5)), (x + pxi(16), y + pxi(5))],
                    c.mix(0.2).filled(),
                )
            });
    }
    let c1 = colour(1);
    chart
        .draw_series(
            law.points
                .iter()
                .filter(|p| finite(&(p.m, p.n_star)))
                .map(|p| Circle::new((p.m, p.n_star), px(3), c1.filled())),
        )
        .map_err(e)?
        .label("N* on the (M, D) grid")
        .legend(move |(x, y)| Circle::new((x + pxi(8), y), px(4), c1.filled()));
    let c0 = colour(0);
    chart
        .draw_series(LineSeries::new(
            [
                (mlo, law.mu.interval.point * mlo + law.m0.interval.point),
                (mhi, law.mu.interval.point * mhi + law.m0.interval.point),
            ]
            .into_iter()
            .filter(finite),
            c0.stroke_width(px(2)),
        ))
        .map_err(e)?
        .label(format!(
            "fit: N* = {:.3e}·M + {:.1}M",
            law.mu.interval.point,
            law.m0.interval.point / 1e6
        ))
        .legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + pxi(16), y)], c0.stroke_width(px(2)))
        });
    let c3 = colour(3);
    chart
        .draw_series(LineSeries::new(
            [
                (mlo, law.paper_mu * mlo + law.paper_m0),
                (mhi, law.paper_mu * mhi + law.paper_m0),
            ]
            .into_iter()
            .filter(finite),
            c3.stroke_width(px(2)),
        ))
        .map_err(e)?
        .label(format!(
            "paper: N* = {:.2e}·M + {:.0}M",
            law.paper_mu,
            law.paper_m0 / 1e6
        ))
        .legend(move |(x, y)| {
            PathElement::new(vec![(x, y), (x + pxi(16), y)], c3.stroke_width(px(2)))
        });
    super::legend(&mut chart, 13, SeriesLabelPosition::UpperLeft)
}
