//! Speed-up S* versus draft size N for several targets, with N* marked.

use super::{DrawResult, FONT, colour, e};
use crate::report::model::FigureData;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws the figure.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &FigureData) -> DrawResult {
    if f.speedup_curves.is_empty() {
        return Ok(());
    }
    let (nlo, nhi) = f
        .speedup_curves
        .iter()
        .flat_map(|c| c.curve.iter().map(|p| p.0))
        .fold((f64::INFINITY, 0.0f64), |(a, b), x| (a.min(x), b.max(x)));
    let smax = f
        .speedup_curves
        .iter()
        .flat_map(|c| c.curve.iter().map(|p| p.1))
        .fold(1.0f64, f64::max);
    let mut chart = ChartBuilder::on(root)
        .caption(
            "Speed-up at the optimal lookahead versus draft size (c = N/M)",
            (FONT, 20),
        )
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d((nlo..nhi).log_scale(), 1.0..smax * 1.08)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("draft parameters N")
        .y_desc("S*")
        .x_label_formatter(&|v| format!("{v:.0e}"))
        .label_style((FONT, 14))
        .draw()
        .map_err(e)?;
    for (i, sc) in f.speedup_curves.iter().enumerate() {
        let (label, curve, nstar) = (&sc.label, &sc.curve, &sc.n_star);
        let c = colour(i);
        chart
            .draw_series(LineSeries::new(curve.clone(), c.stroke_width(2)))
            .map_err(e)?
            .label(label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
        if let Some(n) = nstar {
            let s = curve
                .iter()
                .min_by(|a, b| {
                    (a.0.ln() - n.ln())
                        .abs()
                        .total_cmp(&(b.0.ln() - n.ln()).abs())
                })
                .map(|p| p.1)
                .unwrap_or(1.0);
            chart
                .draw_series(std::iter::once(TriangleMarker::new((*n, s), 7, c.filled())))
                .map_err(e)?;
        }
    }
    chart
        .configure_series_labels()
        .label_font((FONT, 13))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(e)?;
    Ok(())
}
