//! N* versus target size M: the grid solutions, the fitted line with its
//! bootstrap band, and the paper's line.

use super::{DrawResult, FONT, colour, e};
use crate::report::model::Report;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws the figure.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: &Report) -> DrawResult {
    let law = &r.nstar.law;
    let (mlo, mhi) = (law.grid.m_min * 0.9, law.grid.m_max * 1.05);
    let ys = law
        .points
        .iter()
        .map(|p| p.n_star)
        .chain(r.figures.nstar_band.iter().flat_map(|b| [b.1, b.2]))
        .chain([
            law.paper_mu * mlo + law.paper_m0,
            law.paper_mu * mhi + law.paper_m0,
        ]);
    let (ylo, yhi) = super::range(ys.filter(|v| v.is_finite()), 0.05);
    let mut chart = ChartBuilder::on(root)
        .caption("N* versus target size M", (FONT, 22))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(mlo..mhi, ylo..yhi)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("target parameters M")
        .y_desc("N*")
        .x_label_formatter(&|v| format!("{:.0}B", v / 1e9))
        .y_label_formatter(&|v| format!("{:.0}M", v / 1e6))
        .label_style((FONT, 14))
        .draw()
        .map_err(e)?;
    let band = &r.figures.nstar_band;
    if !band.is_empty() {
        let mut poly: Vec<(f64, f64)> = band.iter().map(|b| (b.0, b.2)).collect();
        poly.extend(band.iter().rev().map(|b| (b.0, b.1)));
        let c = colour(0);
        chart
            .draw_series(std::iter::once(Polygon::new(poly, c.mix(0.2).filled())))
            .map_err(e)?
            .label("95% band over bootstrap draws")
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 16, y + 5)], c.mix(0.2).filled())
            });
    }
    let c1 = colour(1);
    chart
        .draw_series(
            law.points
                .iter()
                .map(|p| Circle::new((p.m, p.n_star), 3, c1.filled())),
        )
        .map_err(e)?
        .label("N* on the (M, D) grid")
        .legend(move |(x, y)| Circle::new((x + 8, y), 4, c1.filled()));
    let c0 = colour(0);
    chart
        .draw_series(LineSeries::new(
            vec![(mlo, law.mu * mlo + law.m0), (mhi, law.mu * mhi + law.m0)],
            c0.stroke_width(2),
        ))
        .map_err(e)?
        .label(format!("fit: N* = {:.3e}·M + {:.1}M", law.mu, law.m0 / 1e6))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c0.stroke_width(2)));
    let c3 = colour(3);
    chart
        .draw_series(LineSeries::new(
            vec![
                (mlo, law.paper_mu * mlo + law.paper_m0),
                (mhi, law.paper_mu * mhi + law.paper_m0),
            ],
            c3.stroke_width(2),
        ))
        .map_err(e)?
        .label(format!(
            "paper: N* = {:.2e}·M + {:.0}M",
            law.paper_mu,
            law.paper_m0 / 1e6
        ))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c3.stroke_width(2)));
    chart
        .configure_series_labels()
        .label_font((FONT, 13))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(e)?;
    Ok(())
}
