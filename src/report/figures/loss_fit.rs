//! Loss versus N at several D: the data (one colour per training-token
//! value when there are at most 8 of them, as in a designed ladder;
//! otherwise one per decade of D) and the fitted law at that D.

use super::{DrawResult, Frame, Log, colour, e, px, pxi};
use crate::report::model::FigureData;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One group of D: its points (N, D, loss), its median D and the law's
/// curve (N, L) there.
type GroupSeries = (Vec<(f64, f64, f64)>, f64, Vec<(f64, f64)>);

/// Draws the figure: the fit (top, 70% of the height) and the residuals
/// loss − L(N, D) at each point's own D (bottom). N is on a log axis over
/// the positive finite N of the data, ×0.8 below and ×1.25 above (see
/// [`super::log_range`]); loss on a linear axis over the finite losses,
/// padded by 5%; residuals on a linear axis symmetric about 0. Each group's
/// curve is drawn at the group's median D over the group's own N range and
/// only where it lies inside the axis (a curve with nothing inside gets no
/// legend entry). Points with a non-finite value or a non-positive N or D
/// are left out; without a law or without a usable point the frame says
/// "no data".
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, f: &FigureData) -> DrawResult {
    let fmt = crate::report::format::pow10;
    let frame = Frame::new("Loss-law fit: L(N, D) = E + A/N^α + B/D^β")
        .title_size(22)
        .axes("", "loss (nats/token)")
        .labels(8, 9)
        .x_fmt(&fmt);
    let points: Vec<(f64, f64, f64)> = f
        .loss_points
        .iter()
        .copied()
        .filter(|p| p.0 > 0.0 && p.1 > 0.0 && p.0.is_finite() && p.1.is_finite())
        .filter(|p| p.2.is_finite())
        .collect();
    let Some(law) = f.loss_law.as_ref().filter(|_| !points.is_empty()) else {
        return frame.no_data(root);
    };
    let (top, bottom) = root.split_vertically(px(super::SIZE.1) * 7 / 10);
    let (nlo, nhi) = super::log_range(points.iter().map(|p| p.0));
    let xr = nlo * 0.8..nhi * 1.25;
    let bands = groups(&points);
    let exact = bands.len() <= 8 && bands.iter().all(|(lo, hi)| hi / lo < 1.0 + 1e-8);
    // each group's points, its median D and the law's curve there
    let mut series: Vec<GroupSeries> = Vec::new();
    for (lo, hi) in &bands {
        let mut pts: Vec<(f64, f64, f64)> = points
            .iter()
            .filter(|p| p.1 >= *lo && p.1 < *hi)
            .copied()
            .collect();
        if pts.is_empty() {
            series.push((pts, f64::NAN, Vec::new()));
            continue;
        }
        pts.sort_by(|a, b| a.1.total_cmp(&b.1));
        let d = pts[pts.len() / 2].1;
        let (blo, bhi) = super::log_range(pts.iter().map(|p| p.0));
        let curve: Vec<(f64, f64)> = (0..=100)
            .map(|k| {
                let n = (blo.ln() + (bhi.ln() - blo.ln()) * k as f64 / 100.0).exp();
                (n, law.loss(n, d))
            })
            .filter(|p| p.1.is_finite())
            .collect();
        series.push((pts, d, curve));
    }
    // the loss axis spans the points and the curves, so no curve is clipped
    let (llo, lhi) = super::range(
        points
            .iter()
            .map(|p| p.2)
            .chain(series.iter().flat_map(|s| s.2.iter().map(|p| p.1))),
        0.05,
    );
    let mut chart = frame.build(&top, Log(xr.clone()), llo..lhi)?;
    for (i, ((lo, hi), (pts, d, curve))) in bands.iter().zip(&series).enumerate() {
        let c = colour(i);
        if pts.is_empty() {
            continue;
        }
        chart
            .draw_series(
                pts.iter()
                    .map(|&(x, _, y)| Circle::new((x, y), px(3), c.mix(0.6).filled())),
            )
            .map_err(e)?
            .label(if exact {
                format!("data, D = {}", fmt(&(lo * hi).sqrt()))
            } else {
                format!("data, D in [{}, {})", fmt(lo), fmt(hi))
            })
            .legend(move |(x, y)| Circle::new((x + pxi(8), y), px(4), c.filled()));
        if curve.len() < 2 {
            continue;
        }
        chart
            .draw_series(LineSeries::new(curve.clone(), c.stroke_width(px(2))))
            .map_err(e)?
            .label(format!("fit at D = {}", fmt(d)))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + pxi(16), y)], c.stroke_width(px(2)))
            });
    }
    super::legend(&mut chart, 12, SeriesLabelPosition::LowerLeft)?;
    residuals(&bottom, &points, &bands, law, xr)
}

/// Groups of D: the distinct values of a designed grid (at most 8), else
/// decades; as [lower, upper) bands.
fn groups(points: &[(f64, f64, f64)]) -> Vec<(f64, f64)> {
    let mut distinct: Vec<f64> = Vec::new();
    for p in points {
        if !distinct.iter().any(|&d| (d - p.1).abs() <= 1e-9 * d) {
            distinct.push(p.1);
        }
    }
    distinct.sort_by(f64::total_cmp);
    if distinct.len() <= 8 {
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
    }
}

/// The residual panel: loss − L(N, D) at each point's own (N, D), coloured
/// by group, with the zero line.
fn residuals<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    points: &[(f64, f64, f64)],
    bands: &[(f64, f64)],
    law: &crate::law::LossLaw,
    xr: std::ops::Range<f64>,
) -> DrawResult {
    let fmt = crate::report::format::pow10;
    let res: Vec<(f64, f64, usize)> = points
        .iter()
        .filter_map(|p| {
            let g = bands.iter().position(|(lo, hi)| p.1 >= *lo && p.1 < *hi)?;
            Some((p.0, p.2 - law.loss(p.0, p.1), g))
        })
        .filter(|r| r.1.is_finite())
        .collect();
    let m = res.iter().map(|r| r.1.abs()).fold(0.0, f64::max).max(1e-6) * 1.1;
    // one more decimal than the axis' magnitude, and zero without a sign
    let prec = (1 - m.log10().floor() as i32).clamp(0, 8) as usize;
    let yfmt = move |v: &f64| {
        let t = format!("{v:.prec$}");
        if t.parse::<f64>().is_ok_and(|x| x == 0.0) {
            format!("{:.prec$}", 0.0)
        } else {
            t
        }
    };
    let frame = Frame::new("")
        .title_size(1)
        .axes("parameters N", "residual")
        .labels(8, 5)
        .x_fmt(&fmt)
        .y_fmt(&yfmt);
    let mut chart = frame.build(area, Log(xr.clone()), -m..m)?;
    chart
        .draw_series(LineSeries::new(
            [(xr.start, 0.0), (xr.end, 0.0)],
            BLACK.mix(0.6).stroke_width(px(1)),
        ))
        .map_err(e)?;
    chart
        .draw_series(
            res.iter()
                .map(|&(x, r, g)| Circle::new((x, r), px(3), colour(g).mix(0.6).filled())),
        )
        .map_err(e)?;
    Ok(())
}
