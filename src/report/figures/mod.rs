//! Figures, one file per kind, each drawn to SVG and PNG. PNG text uses the
//! embedded DejaVu Sans (assets/fonts), so no system fonts are needed.

mod alpha_predicted;
mod alpha_vs_ppl;
mod loss_bootstrap;
mod loss_fit;
mod nstar_vs_m;
mod speedup_vs_n;

use super::model::Report;
use crate::error::SdslError;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

/// Width and height of every figure, pixels.
pub const SIZE: (u32, u32) = (900, 600);
/// Font family registered for figure text.
pub const FONT: &str = "sans-serif";

static REGISTER: Once = Once::new();

fn register_font() {
    REGISTER.call_once(|| {
        // The embedded font is valid TrueType; a failure would leave text blank, not crash.
        let _ = plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            include_bytes!("../../../assets/fonts/DejaVuSans.ttf"),
        );
    });
}

/// A drawing error as text.
pub type DrawResult = Result<(), String>;

/// Maps any plotters error to text.
pub fn e<E: std::fmt::Debug>(err: E) -> String {
    format!("{err:?}")
}

/// Colours for series, in order.
pub fn colour(i: usize) -> RGBColor {
    const C: [RGBColor; 8] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
    ];
    C[i % C.len()]
}

fn both(
    dir: &Path,
    name: &str,
    draw: impl Fn(&DrawingArea<SVGBackend, Shift>) -> DrawResult,
    draw_png: impl Fn(&DrawingArea<BitMapBackend, Shift>) -> DrawResult,
) -> Result<Vec<String>, SdslError> {
    let fail = |m: String| SdslError::Numerical(format!("figure {name}: {m}"));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|x| fail(e(x)))?;
        draw(&root).map_err(fail)?;
        root.present().map_err(|x| fail(e(x)))?;
    }
    let svg_path = dir.join(format!("{name}.svg"));
    std::fs::write(&svg_path, svg).map_err(|source| SdslError::Io {
        path: svg_path.display().to_string(),
        source,
    })?;
    let png_path = dir.join(format!("{name}.png"));
    {
        let root = BitMapBackend::new(&png_path, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|x| fail(e(x)))?;
        draw_png(&root).map_err(fail)?;
        root.present().map_err(|x| fail(e(x)))?;
    }
    Ok(vec![format!("{name}.svg"), format!("{name}.png")])
}

/// Draws every figure of the report into `dir` (which must exist); returns
/// the file names written.
pub fn render_all(r: &Report, dir: &Path) -> Result<Vec<String>, SdslError> {
    register_font();
    let f = &r.figures;
    let mut out = Vec::new();
    out.extend(both(
        dir,
        "loss_fit",
        |a| loss_fit::draw(a, f),
        |a| loss_fit::draw(a, f),
    )?);
    out.extend(both(
        dir,
        "loss_bootstrap",
        |a| loss_bootstrap::draw(a, f),
        |a| loss_bootstrap::draw(a, f),
    )?);
    out.extend(both(
        dir,
        "alpha_vs_ppl",
        |a| alpha_vs_ppl::draw(a, f),
        |a| alpha_vs_ppl::draw(a, f),
    )?);
    if !f.alpha_pred.is_empty() {
        out.extend(both(
            dir,
            "alpha_predicted",
            |a| alpha_predicted::draw(a, f),
            |a| alpha_predicted::draw(a, f),
        )?);
    }
    out.extend(both(
        dir,
        "speedup_vs_n",
        |a| speedup_vs_n::draw(a, f),
        |a| speedup_vs_n::draw(a, f),
    )?);
    out.extend(both(
        dir,
        "nstar_vs_m",
        |a| nstar_vs_m::draw(a, r),
        |a| nstar_vs_m::draw(a, r),
    )?);
    if let Some(lab) = &r.lab {
        let f = &lab.figures;
        out.extend(both(
            dir,
            "lab_loss_fit",
            |a| loss_fit::draw(a, f),
            |a| loss_fit::draw(a, f),
        )?);
        out.extend(both(
            dir,
            "lab_alpha_vs_ppl",
            |a| alpha_vs_ppl::draw(a, f),
            |a| alpha_vs_ppl::draw(a, f),
        )?);
        out.extend(both(
            dir,
            "lab_alpha_predicted",
            |a| alpha_predicted::draw(a, f),
            |a| alpha_predicted::draw(a, f),
        )?);
        out.extend(both(
            dir,
            "lab_speedup_vs_n",
            |a| speedup_vs_n::draw(a, f),
            |a| speedup_vs_n::draw(a, f),
        )?);
    }
    Ok(out)
}

/// The (min, max) of values, padded by `pad` of the span on each side.
pub fn range(v: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let span = (hi - lo).max(1e-12);
    (lo - pad * span, hi + pad * span)
}
