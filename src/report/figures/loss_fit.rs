//! Loss versus N at several D: the data (one colour per training-token
//! value when there are at most 8 of them, as in a designed ladder;
//! otherwise one per decade of D) and the fitted law at that D.

use super::{DrawResult, FONT, colour, e};
use crate::report::model::FigureData;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws the figure.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &FigureData) -> DrawResult {
    let Some(law) = &f.loss_law else {
        return Ok(());
    };
    let (nlo, nhi) = f
        .loss_points
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), p| {
            (a.min(p.0), b.max(p.0))
        });
    let (llo, lhi) = super::range(f.loss_points.iter().map(|p| p.2), 0.05);
    let mut chart = ChartBuilder::on(root)
        .caption("Loss-law fit: L(N, D) = E + A/N^α + B/D^β", (FONT, 22))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d((nlo * 0.8..nhi * 1.25).log_scale(), llo..lhi)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("parameters N")
        .y_desc("loss (nats/token)")
        .x_labels(8)
        .x_label_formatter(&|v| format!("{v:.0e}"))
        .label_style((FONT, 14))
        .draw()
        .map_err(e)?;
    // Groups of D: the distinct values of a designed grid, else decades.
    let mut distinct: Vec<f64> = Vec::new();
    for p in &f.loss_points {
        if !distinct.iter().any(|&d| (d - p.1).abs() <= 1e-9 * d) {
            distinct.push(p.1);
        }
    }
    distinct.sort_by(f64::total_cmp);
    let exact = distinct.len() <= 8;
    let bands: Vec<(f64, f64)> = if exact {
        distinct
            .iter()
            .map(|&d| (d * (1.0 - 1e-9), d * (1.0 + 1e-9)))
            .collect()
    } else {
        let lo = distinct.first().map_or(0, |d| d.log10().floor() as i32);
        let hi = distinct.last().map_or(0, |d| d.log10().floor() as i32);
        (lo..=hi)
            .map(|k| (10f64.powi(k), 10f64.powi(k + 1)))
            .collect()
    };
    for (i, (lo, hi)) in bands.iter().enumerate() {
        let c = colour(i);
        let pts: Vec<(f64, f64)> = f
            .loss_points
            .iter()
            .filter(|p| p.1 >= *lo && p.1 < *hi)
            .map(|p| (p.0, p.2))
            .collect();
        if pts.is_empty() {
            continue;
        }
        chart
            .draw_series(
                pts.iter()
                    .map(|&(x, y)| Circle::new((x, y), 3, c.mix(0.6).filled())),
            )
            .map_err(e)?
            .label(if exact {
                format!("data, D = {:.3e}", (lo * hi).sqrt())
            } else {
                format!("data, D in [{lo:.0e}, {hi:.0e})")
            })
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, c.filled()));
        let d: f64 = (lo * hi).sqrt();
        let curve: Vec<(f64, f64)> = (0..=100)
            .map(|k| {
                let n = (nlo.ln() + (nhi.ln() - nlo.ln()) * k as f64 / 100.0).exp();
                (n, law.loss(n, d))
            })
            .filter(|p| p.1 >= llo && p.1 <= lhi)
            .collect();
        chart
            .draw_series(LineSeries::new(curve, c.stroke_width(2)))
            .map_err(e)?
            .label(format!("fit at D = {d:.1e}"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .label_font((FONT, 13))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(e)?;
    Ok(())
}
