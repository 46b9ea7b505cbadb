//! Figures, one file per kind, each drawn to SVG and PNG. PNG text uses the
//! embedded DejaVu Sans (assets/fonts), so no system fonts are needed.

mod alpha_predicted;
mod alpha_vs_ppl;
mod loss_bootstrap;
mod loss_fit;
mod nstar_vs_m;
mod speedup_vs_n;

use super::model::{FigureData, NstarLawSection, Report};
use crate::error::SdslError;
use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::ops::Range;
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

/// One figure to draw and the data it shows.
#[derive(Clone, Copy)]
pub enum Kind<'a> {
    /// Loss versus N with the fitted law.
    LossFit(&'a FigureData),
    /// Histograms of the bootstrap draws of the loss law.
    LossBootstrap(&'a FigureData),
    /// α versus draft perplexity.
    AlphaVsPpl(&'a FigureData),
    /// Predicted versus measured α.
    AlphaPredicted(&'a FigureData),
    /// Speed-up versus draft size.
    SpeedupVsN(&'a FigureData),
    /// N* versus target size, with the bootstrap band (M, lower, upper).
    NstarVsM(&'a NstarLawSection, &'a [(f64, f64, f64)]),
}

impl Kind<'_> {
    /// Draws the figure on `root` (already filled white).
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        match *self {
            Kind::LossFit(f) => loss_fit::draw(root, f),
            Kind::LossBootstrap(f) => loss_bootstrap::draw(root, f),
            Kind::AlphaVsPpl(f) => alpha_vs_ppl::draw(root, f),
            Kind::AlphaPredicted(f) => alpha_predicted::draw(root, f),
            Kind::SpeedupVsN(f) => speedup_vs_n::draw(root, f),
            Kind::NstarVsM(law, band) => nstar_vs_m::draw(root, law, band),
        }
    }
}

/// Draws `kind` to `dir/name.svg` and `dir/name.png`; returns both file names.
fn both(dir: &Path, name: &str, kind: Kind) -> Result<Vec<String>, SdslError> {
    let fail = |m: String| SdslError::Numerical(format!("figure {name}: {m}"));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|x| fail(e(x)))?;
        kind.draw(&root).map_err(fail)?;
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
        kind.draw(&root).map_err(fail)?;
        root.present().map_err(|x| fail(e(x)))?;
    }
    Ok(vec![format!("{name}.svg"), format!("{name}.png")])
}

/// Draws every figure of the report into `dir` (which must exist); returns
/// the file names written.
pub fn render_all(r: &Report, dir: &Path) -> Result<Vec<String>, SdslError> {
    register_font();
    let f = &r.figures;
    let mut figures = vec![
        ("loss_fit", Kind::LossFit(f)),
        ("loss_bootstrap", Kind::LossBootstrap(f)),
        ("alpha_vs_ppl", Kind::AlphaVsPpl(f)),
    ];
    if !f.alpha_pred.is_empty() {
        figures.push(("alpha_predicted", Kind::AlphaPredicted(f)));
    }
    figures.push(("speedup_vs_n", Kind::SpeedupVsN(f)));
    figures.push(("nstar_vs_m", Kind::NstarVsM(&r.nstar.law, &f.nstar_band)));
    if let Some(lab) = &r.lab {
        let f = &lab.figures;
        figures.extend([
            ("lab_loss_fit", Kind::LossFit(f)),
            ("lab_alpha_vs_ppl", Kind::AlphaVsPpl(f)),
            ("lab_alpha_predicted", Kind::AlphaPredicted(f)),
            ("lab_speedup_vs_n", Kind::SpeedupVsN(f)),
        ]);
    }
    let mut out = Vec::new();
    for (name, kind) in figures {
        out.extend(both(dir, name, kind)?);
    }
    Ok(out)
}

/// An axis the [`Frame`] can draw: `lo..hi` is a linear axis, [`Log`] a
/// logarithmic one.
pub trait Axis {
    /// The plotters coordinate of the axis.
    type Coord: Ranged<ValueType = f64> + ValueFormatter<f64>;
    /// The plotters coordinate over the range.
    fn coord(self) -> Self::Coord;
}

impl Axis for Range<f64> {
    type Coord = RangedCoordf64;
    fn coord(self) -> RangedCoordf64 {
        self.into()
    }
}

/// A logarithmic axis over `lo..hi`.
pub struct Log(pub Range<f64>);

impl Axis for Log {
    type Coord = LogCoord<f64>;
    fn coord(self) -> LogCoord<f64> {
        self.0.log_scale().into()
    }
}

/// A chart with axes `X` and `Y`.
pub type Chart<'b, DB, X, Y> =
    ChartContext<'b, DB, Cartesian2d<<X as Axis>::Coord, <Y as Axis>::Coord>>;

/// A label formatter for axis values.
pub type Fmt<'a> = &'a dyn Fn(&f64) -> String;

/// The frame of a chart: caption, margin, label areas, axis descriptions,
/// label counts and formatters, fonts. [`Frame::new`] holds the settings of
/// a full-page figure; the setters change one thing each, and
/// [`Frame::build`] draws the frame and mesh and returns the chart to draw
/// series on.
#[derive(Clone, Copy)]
pub struct Frame<'a> {
    title: &'a str,
    title_size: u32,
    margin: u32,
    x_area: u32,
    y_area: u32,
    label_size: u32,
    x_desc: Option<&'a str>,
    y_desc: Option<&'a str>,
    x_labels: usize,
    y_labels: usize,
    x_fmt: Option<Fmt<'a>>,
    y_fmt: Option<Fmt<'a>>,
}

/// The number of axis labels plotters shows unless told otherwise.
const DEFAULT_LABELS: usize = 11;

impl<'a> Frame<'a> {
    /// A full-page frame: caption at 20 px, margin 12, label areas of 45 px
    /// (x) and 60 px (y), tick labels at 14 px, no axis descriptions.
    pub fn new(title: &'a str) -> Self {
        Frame {
            title,
            title_size: 20,
            margin: 12,
            x_area: 45,
            y_area: 60,
            label_size: 14,
            x_desc: None,
            y_desc: None,
            x_labels: DEFAULT_LABELS,
            y_labels: DEFAULT_LABELS,
            x_fmt: None,
            y_fmt: None,
        }
    }

    /// A small panel of a multi-panel figure: caption at 16 px, margin 8,
    /// label areas of 28 px (x) and 40 px (y), tick labels at 11 px.
    pub fn panel(title: &'a str) -> Self {
        Frame {
            title_size: 16,
            margin: 8,
            x_area: 28,
            y_area: 40,
            label_size: 11,
            ..Frame::new(title)
        }
    }

    /// Caption font size, pixels.
    pub fn title_size(self, px: u32) -> Self {
        Frame {
            title_size: px,
            ..self
        }
    }

    /// Width of the y label area, pixels.
    pub fn y_area(self, px: u32) -> Self {
        Frame { y_area: px, ..self }
    }

    /// Axis descriptions.
    pub fn axes(self, x: &'a str, y: &'a str) -> Self {
        Frame {
            x_desc: Some(x),
            y_desc: Some(y),
            ..self
        }
    }

    /// At most this many labels on the x and y axes.
    pub fn labels(self, x: usize, y: usize) -> Self {
        Frame {
            x_labels: x,
            y_labels: y,
            ..self
        }
    }

    /// Formatter of the x tick labels.
    pub fn x_fmt(self, f: Fmt<'a>) -> Self {
        Frame {
            x_fmt: Some(f),
            ..self
        }
    }

    /// Formatter of the y tick labels.
    pub fn y_fmt(self, f: Fmt<'a>) -> Self {
        Frame {
            y_fmt: Some(f),
            ..self
        }
    }

    /// Draws caption, axes and mesh on `root` over `x` and `y` and returns
    /// the chart.
    pub fn build<'b, DB: DrawingBackend, X: Axis, Y: Axis>(
        &self,
        root: &'b DrawingArea<DB, Shift>,
        x: X,
        y: Y,
    ) -> Result<Chart<'b, DB, X, Y>, String> {
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, (FONT, self.title_size))
            .margin(self.margin)
            .x_label_area_size(self.x_area)
            .y_label_area_size(self.y_area)
            .build_cartesian_2d(x.coord(), y.coord())
            .map_err(e)?;
        let mut mesh = chart.configure_mesh();
        if let Some(d) = self.x_desc {
            mesh.x_desc(d);
        }
        if let Some(d) = self.y_desc {
            mesh.y_desc(d);
        }
        mesh.x_labels(self.x_labels).y_labels(self.y_labels);
        if let Some(f) = self.x_fmt {
            mesh.x_label_formatter(f);
        }
        if let Some(f) = self.y_fmt {
            mesh.y_label_formatter(f);
        }
        mesh.label_style((FONT, self.label_size))
            .draw()
            .map_err(e)?;
        Ok(chart)
    }
}

/// Draws the legend of the labelled series of `chart` at `pos`: text at
/// `font_size` px on a white box (85% opaque) with a black border.
pub fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    font_size: u32,
    pos: SeriesLabelPosition,
) -> DrawResult {
    chart
        .configure_series_labels()
        .label_font((FONT, font_size))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(pos)
        .draw()
        .map_err(e)
}

/// The (min, max) of values, padded by `pad` of the span on each side.
pub fn range(v: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let span = (hi - lo).max(1e-12);
    (lo - pad * span, hi + pad * span)
}
