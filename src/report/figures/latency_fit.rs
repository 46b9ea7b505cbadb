//! Decode time t(P) against model size, log–log: the measured decode steps
//! of each latency model's architectures (points) and its fitted affine law
//! t = t0 + k·P (line).

use super::{DrawResult, Frame, Log, colour, e, px, pxi};
use crate::report::model::LatencySeries;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws the figure. Both axes are logarithmic over the positive finite
/// points (see [`super::log_range`]), padded by a quarter decade in P; each
/// law is drawn on 120 log-spaced P across that range where t > 0. Without
/// any point the frame says "no data".
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &[LatencySeries]) -> DrawResult {
    let fmt = crate::report::format::pow10;
    let tfmt = |v: &f64| format!("{v}");
    let frame =
        Frame::new("Decode-step time versus model size (H200, batch 1): data and affine laws")
            .axes("total parameters P", "t(1), ms")
            .x_fmt(&fmt)
            .y_fmt(&tfmt);
    let usable = |p: &&(f64, f64)| super::finite(p) && p.0 > 0.0 && p.1 > 0.0;
    let all = || s.iter().flat_map(|x| x.points.iter().filter(usable));
    if all().next().is_none() {
        return frame.no_data(root);
    }
    let (plo, phi) = super::log_range(all().map(|p| p.0));
    let (plo, phi) = (plo / 10f64.powf(0.25), phi * 10f64.powf(0.25));
    let law_at = |x: &LatencySeries, p: f64| x.t0_ms + x.k_ms_per_param * p;
    let ps: Vec<f64> = (0..120)
        .map(|i| (plo.ln() + (phi.ln() - plo.ln()) * f64::from(i) / 119.0).exp())
        .collect();
    let (tlo, thi) = super::log_range(
        all()
            .map(|p| p.1)
            .chain(s.iter().flat_map(|x| ps.iter().map(move |&p| law_at(x, p))))
            .filter(|t| t.is_finite() && *t > 0.0),
    );
    let mut chart = frame.build(root, Log(plo..phi), Log(tlo * 0.8..thi * 1.25))?;
    for (i, x) in s.iter().enumerate() {
        let c = colour(i);
        chart
            .draw_series(
                x.points
                    .iter()
                    .filter(usable)
                    .map(|&p| Circle::new(p, px(4), c.filled())),
            )
            .map_err(e)?
            .label(format!("{} (measured)", x.label))
            .legend(move |(lx, ly)| Circle::new((lx + pxi(8), ly), px(4), c.filled()));
        chart
            .draw_series(LineSeries::new(
                ps.iter()
                    .map(|&p| (p, law_at(x, p)))
                    .filter(|q| q.1.is_finite() && q.1 > 0.0),
                c.stroke_width(px(2)),
            ))
            .map_err(e)?
            .label(format!(
                "{}: t = {:.3} ms + {:.3e} ms·P",
                x.label, x.t0_ms, x.k_ms_per_param
            ))
            .legend(move |(lx, ly)| {
                PathElement::new(vec![(lx, ly), (lx + pxi(16), ly)], c.stroke_width(px(2)))
            });
    }
    super::legend(&mut chart, 13, SeriesLabelPosition::UpperLeft)
}
