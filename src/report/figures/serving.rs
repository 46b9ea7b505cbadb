//! Serving plans: S of the recommended draft against batch size, one panel
//! per target, one colour per GPU profile.

use super::{DrawResult, Frame, Log, colour, e, px, pxi};
use crate::report::model::deploy::ServingSection;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws the figure: per target a panel with batch size on a log axis and,
/// per hardware profile, the best S over γ ≥ 1 of the plan's recommended
/// draft at each planned batch (below 1 where speculation loses; the fp8
/// plan's where bf16 does not fit, marked in the legend), with a line at
/// S = 1. A plan without a recommendation draws nothing.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &ServingSection) -> DrawResult {
    let targets = crate::fit::distinct(s.plans.iter().map(|p| p.target.as_str()));
    let gpus = crate::fit::distinct(s.plans.iter().map(|p| p.hardware.as_str()));
    // (target, GPU index, legend label, (batch, S) points)
    type Series<'a> = (&'a str, usize, String, Vec<(f64, f64)>);
    let mut series: Vec<Series> = Vec::new();
    for p in &s.plans {
        let (plan, note) = crate::report::markdown::deploy::plan_shown(p);
        let fp8 = !note.is_empty();
        let Some(d) = &plan.recommendation.draft else {
            continue;
        };
        let pts: Vec<(f64, f64)> = plan
            .rows
            .iter()
            .filter(|r| &r.draft == d && r.speedup_speculating.is_finite())
            .map(|r| (r.batch as f64, r.speedup_speculating))
            .collect();
        let gi = gpus.iter().position(|g| *g == p.hardware).unwrap_or(0);
        // short labels (the panels are narrow): GPU, fp8 and the batch cap
        // where the plan is not the full one, then the draft
        let last = plan.batches.last().copied().unwrap_or(0);
        let extra = match (fp8, plan.hardware.contains("weights=fp8")) {
            (true, true) => format!(" fp8, b ≤ {last}"),
            (true, false) => format!(" b ≤ {last}"),
            _ => String::new(),
        };
        let label = format!("{}{extra}: {d}", p.hardware.trim_start_matches("roofline:"));
        series.push((p.target.as_str(), gi, label, pts));
    }
    let all = || series.iter().flat_map(|x| x.3.iter());
    if all().next().is_none() {
        return Frame::new("Serving plans: speed-up versus batch size").no_data(root);
    }
    let (blo, bhi) = super::bounds(all().map(|p| p.0)).unwrap_or((1.0, 64.0));
    let (slo, shi) = super::bounds(all().map(|p| p.1)).unwrap_or((1.0, 2.0));
    let (ylo, yhi) = (
        slo.min(1.0) - 0.05,
        shi.max(1.0) + (shi - slo.min(1.0)) * 0.45,
    );
    let areas = root.split_evenly((1, targets.len().max(1)));
    let fmt = |v: &f64| format!("{v:.0}");
    for (t, area) in targets.iter().zip(&areas) {
        let frame = Frame::new(t)
            .title_size(16)
            .axes(
                "batch size (sequences)",
                "S of the recommended draft (best γ ≥ 1)",
            )
            .x_fmt(&fmt);
        let mut chart = frame.build(area, Log(blo * 0.9..bhi * 1.1), ylo..yhi)?;
        chart
            .draw_series(DashedLineSeries::new(
                [(blo * 0.9, 1.0), (bhi * 1.1, 1.0)],
                px(6),
                px(4),
                BLACK.mix(0.6).stroke_width(px(1)),
            ))
            .map_err(e)?;
        for (_, gi, label, pts) in series.iter().filter(|x| x.0 == *t) {
            let c = colour(*gi);
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(px(2))))
                .map_err(e)?
                .label(label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + pxi(16), y)], c.stroke_width(px(2)))
                });
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, px(3), c.filled())))
                .map_err(e)?;
        }
        if series.iter().any(|x| x.0 == *t) {
            super::legend(&mut chart, 10, SeriesLabelPosition::UpperRight)?;
        }
    }
    Ok(())
}
