//! Figures, one file per kind, each drawn to SVG and PNG. PNG text uses the
//! embedded DejaVu Sans (assets/fonts), so no system fonts are needed.

mod alpha_predicted;
mod alpha_vs_ppl;
mod latency_fit;
mod loss_bootstrap;
mod loss_fit;
mod nstar_vs_m;
mod parity;
mod serving;
mod speedup_vs_n;
mod tornado;

use super::model::{FigureData, LatencySeries, NstarLawSection, Report};
use crate::error::SdslError;
use plotters::coord::Shift;
use plotters::coord::combinators::{BindKeyPoints, WithKeyPoints};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::ops::Range;
use std::path::Path;
use std::sync::Once;

/// Logical width and height of every figure (the SVG's `width`/`height`).
pub const SIZE: (u32, u32) = (900, 600);
/// Drawing scale. plotters' backends take integer pixel coordinates, which
/// makes curves wobble by up to half a pixel; figures are therefore drawn
/// on a canvas K times the logical size, with every pixel constant (fonts,
/// strokes, markers, margins) scaled by K through [`px`], and the SVG's
/// `viewBox` maps the canvas back onto the logical size: coordinates land
/// on 1/K of a logical pixel.
pub const K: u32 = 4;
/// Width of the PNGs, pixels: 8 in at 300 dpi, rasterised from the SVG
/// (anti-aliased, by resvg) rather than drawn by plotters' bitmap backend
/// (which does not anti-alias).
pub const PNG_WIDTH: u32 = 2400;

/// A logical pixel size on the K-times canvas.
pub fn px(v: u32) -> u32 {
    v * K
}

/// A logical pixel offset on the K-times canvas (legend glyph geometry).
pub fn pxi(v: i32) -> i32 {
    v * K as i32
}
/// Font family registered for figure text.
pub const FONT: &str = "sans-serif";

/// The embedded font (DejaVu Sans, assets/fonts): plotters measures text
/// with it and resvg draws the PNGs' text with it.
const FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

static REGISTER: Once = Once::new();

fn register_font() {
    REGISTER.call_once(|| {
        // The embedded font is valid TrueType; a failure would leave text blank, not crash.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

/// A drawing error as text.
pub type DrawResult = Result<(), String>;

/// Maps any plotters error to text.
pub fn e<E: std::fmt::Debug>(err: E) -> String {
    format!("{err:?}")
}

/// Colours for series, in order: the Okabe–Ito palette (Okabe & Ito 2008,
/// "Color Universal Design"), distinguishable with the common forms of
/// colour-vision deficiency; black last.
pub fn colour(i: usize) -> RGBColor {
    const C: [RGBColor; 8] = [
        RGBColor(0, 114, 178),
        RGBColor(230, 159, 0),
        RGBColor(0, 158, 115),
        RGBColor(213, 94, 0),
        RGBColor(204, 121, 167),
        RGBColor(86, 180, 233),
        RGBColor(240, 228, 66),
        RGBColor(0, 0, 0),
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
    /// Decode time versus model size with the affine latency laws.
    LatencyFit(&'a [LatencySeries]),
    /// N*'s sensitivity to each input.
    Tornado(&'a crate::derive::sensitivity::SensitivitySection),
    /// Predicted versus measured values of one validation model.
    Parity(
        &'a crate::report::model::validation::ValidationSection,
        &'a str,
    ),
    /// Serving plans: S against batch size per GPU.
    Serving(&'a crate::report::model::deploy::ServingSection),
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
            Kind::LatencyFit(s) => latency_fit::draw(root, s),
            Kind::Tornado(s) => tornado::draw(root, s),
            Kind::Parity(v, m) => parity::draw(root, v, m),
            Kind::Serving(s) => serving::draw(root, s),
        }
    }
}

/// Draws `kind` to `dir/name.svg` and `dir/name.png`; returns both file names.
fn both(dir: &Path, name: &str, kind: Kind) -> Result<Vec<String>, SdslError> {
    let fail = |m: String| SdslError::Numerical(format!("figure {name}: {m}"));
    let svg = svg_of(kind).map_err(fail)?;
    let svg_path = dir.join(format!("{name}.svg"));
    std::fs::write(&svg_path, &svg).map_err(|source| SdslError::Io {
        path: svg_path.display().to_string(),
        source,
    })?;
    let png = rasterise(&svg).map_err(fail)?;
    let png_path = dir.join(format!("{name}.png"));
    std::fs::write(&png_path, png).map_err(|source| SdslError::Io {
        path: png_path.display().to_string(),
        source,
    })?;
    Ok(vec![format!("{name}.svg"), format!("{name}.png")])
}

/// The figure as SVG text: drawn on the K-times canvas, its `width` and
/// `height` set back to the logical [`SIZE`] (the `viewBox` keeps the canvas).
pub fn svg_of(kind: Kind) -> Result<String, String> {
    let canvas = (px(SIZE.0), px(SIZE.1));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, canvas).into_drawing_area();
        root.fill(&WHITE).map_err(e)?;
        kind.draw(&root)?;
        root.present().map_err(e)?;
    }
    let head = format!(
        "<svg width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\"",
        canvas.0, canvas.1, canvas.0, canvas.1
    );
    let logical = format!(
        "<svg width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\"",
        SIZE.0, SIZE.1, canvas.0, canvas.1
    );
    if !svg.starts_with(&head) {
        return Err(format!(
            "unexpected SVG header: {}",
            &svg[..svg.len().min(80)]
        ));
    }
    Ok(svg.replacen(&head, &logical, 1))
}

/// The SVG rasterised to a [`PNG_WIDTH`]-wide PNG by resvg (anti-aliased),
/// with text in the embedded DejaVu Sans only (no system fonts), so the
/// bytes do not depend on the machine.
pub fn rasterise(svg: &str) -> Result<Vec<u8>, String> {
    use resvg::{tiny_skia, usvg};
    let mut db = usvg::fontdb::Database::new();
    db.load_font_data(FONT_BYTES.to_vec());
    db.set_sans_serif_family("DejaVu Sans");
    let opt = usvg::Options {
        font_family: "DejaVu Sans".into(),
        fontdb: std::sync::Arc::new(db),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|x| format!("SVG: {x}"))?;
    let scale = PNG_WIDTH as f32 / tree.size().width();
    let height = (tree.size().height() * scale).round() as u32;
    let mut pixmap = tiny_skia::Pixmap::new(PNG_WIDTH, height).ok_or("PNG canvas of zero size")?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|x| format!("PNG: {x}"))
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
    if let Some(h) = &r.hardware {
        figures.push(("hardware_latency_fit", Kind::LatencyFit(&h.latency_fig)));
        figures.push(("hardware_speedup_vs_n", Kind::SpeedupVsN(&h.figures)));
    }
    if let Some(s) = &r.serving {
        figures.push(("serving_speedup_vs_batch", Kind::Serving(s)));
    }
    if let Some(s) = &r.sensitivity {
        figures.push(("nstar_sensitivity", Kind::Tornado(s)));
    }
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
    if let Some(v) = &r.validation {
        for m in v.parity_models() {
            out.extend(both(
                dir,
                &format!("validation_parity_{m}"),
                Kind::Parity(v, &m),
            )?);
        }
    }
    Ok(out)
}

/// An axis the [`Frame`] can draw: `lo..hi` is a linear axis, [`Log`] a
/// logarithmic one. Either is made drawable first ([`linear`], [`log_span`]):
/// plotters loops forever computing tick marks on an infinite, NaN or
/// (nearly) zero-width range, so none of those reaches it.
pub trait Axis {
    /// The plotters coordinate of the axis.
    type Coord: Ranged<ValueType = f64> + ValueFormatter<f64>;
    /// The drawable coordinate: unchanged for a proper range, repaired otherwise.
    fn coord(self) -> Self::Coord;
}

impl Axis for Range<f64> {
    type Coord = RangedCoordf64;
    fn coord(self) -> RangedCoordf64 {
        let (lo, hi) = linear(self.start, self.end);
        (lo..hi).into()
    }
}

/// A logarithmic axis over `lo..hi`.
pub struct Log(pub Range<f64>);

impl Axis for Log {
    type Coord = WithKeyPoints<LogCoord<f64>>;
    fn coord(self) -> WithKeyPoints<LogCoord<f64>> {
        let (lo, hi) = log_span(self.0.start, self.0.end);
        let coord: LogCoord<f64> = (lo..hi).log_scale().into();
        coord.with_key_points(log_ticks(lo, hi))
    }
}

/// Tick values of a logarithmic axis over [lo, hi]: the powers of ten when
/// it spans more than three decades, 1, 2 and 5 × 10ᵏ over one to three, and
/// every 1…9 × 10ᵏ below one decade (a short axis, such as the loss law's B
/// over its bootstrap, would otherwise show a single tick).
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return Vec::new();
    }
    let decades = (hi / lo).log10();
    let mantissas: &[f64] = if decades > 3.0 {
        &[1.0]
    } else if decades >= 1.0 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    };
    let (e0, e1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    // a label at the right end would be cut by the frame: keep a margin of
    // 4% of the axis there (powers of ten excepted, which are short)
    let right = (hi.ln() - 0.04 * (hi / lo).ln()).exp();
    (e0..=e1)
        .flat_map(|e| mantissas.iter().map(move |&m| (m, m * 10f64.powi(e))))
        .filter(|&(_, v)| v >= lo * (1.0 - 1e-12) && v <= hi * (1.0 + 1e-12))
        .filter(|&(m, v)| m == 1.0 || v <= right)
        .map(|(_, v)| v)
        .collect()
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

    /// The y axis description only.
    pub fn y_desc(self, y: &'a str) -> Self {
        Frame {
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

    /// Draws caption, axes and mesh on `root` over `x` and `y` (each made
    /// drawable, see [`Axis`]) and returns the chart.
    pub fn build<'b, DB: DrawingBackend, X: Axis, Y: Axis>(
        &self,
        root: &'b DrawingArea<DB, Shift>,
        x: X,
        y: Y,
    ) -> Result<Chart<'b, DB, X, Y>, String> {
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, (FONT, px(self.title_size)))
            .margin(px(self.margin))
            .x_label_area_size(px(self.x_area))
            .y_label_area_size(px(self.y_area))
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
        mesh.label_style((FONT, px(self.label_size)))
            .axis_desc_style((FONT, px(self.label_size)))
            .axis_style(BLACK.stroke_width(px(1)))
            .bold_line_style(BLACK.mix(0.2).stroke_width(px(1) / 2))
            .light_line_style(BLACK.mix(0.06).stroke_width(px(1) / 4))
            .set_all_tick_mark_size(px(4))
            .draw()
            .map_err(e)?;
        Ok(chart)
    }

    /// Draws the frame over the unit square with the note "no data" in its
    /// middle (default tick labels): what a figure shows when it has
    /// nothing to plot.
    pub fn no_data<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let frame = Frame {
            x_fmt: None,
            y_fmt: None,
            ..*self
        };
        let mut chart = frame.build(root, 0.0..1.0, 0.0..1.0)?;
        let style = (FONT, px(self.title_size))
            .into_font()
            .color(&BLACK.mix(0.6))
            .pos(Pos::new(HPos::Center, VPos::Center));
        chart
            .draw_series(std::iter::once(Text::new("no data", (0.5, 0.5), style)))
            .map_err(e)?;
        Ok(())
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
        .label_font((FONT, px(font_size)))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.stroke_width(px(1) / 2))
        .margin(px(8))
        .legend_area_size(px(24))
        .position(pos)
        .draw()
        .map_err(e)
}

/// Range of a linear axis with no usable value.
pub const EMPTY_RANGE: (f64, f64) = (0.0, 1.0);
/// Range of a logarithmic axis with no usable (positive, finite) value.
pub const EMPTY_LOG_RANGE: (f64, f64) = (1.0, 10.0);

/// The (min, max) of the finite values, or `None` when there is none.
pub fn bounds(v: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    v.filter(|x| x.is_finite()).fold(None, |acc, x| match acc {
        None => Some((x, x)),
        Some((a, b)) => Some((a.min(x), b.max(x))),
    })
}

/// The (min, max) of the finite values, padded by `pad` of the span on each
/// side, made drawable by [`linear`]: [`EMPTY_RANGE`] without a finite value,
/// and widened around a single value (all values equal).
pub fn range(v: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    match bounds(v) {
        None => EMPTY_RANGE,
        Some((lo, hi)) => {
            let span = hi - lo;
            linear(lo - pad * span, hi + pad * span)
        }
    }
}

/// The (min, max) of the positive finite values (the others cannot stand on
/// a logarithmic axis), made drawable by [`log_span`]: [`EMPTY_LOG_RANGE`]
/// without such a value, and ÷/× 2 around a single value.
pub fn log_range(v: impl Iterator<Item = f64>) -> (f64, f64) {
    match bounds(v.filter(|x| *x > 0.0)) {
        None => EMPTY_LOG_RANGE,
        Some((lo, hi)) => log_span(lo, hi),
    }
}

/// Largest magnitude an axis end may have, so that the span and the tick
/// arithmetic stay finite.
const HUGE: f64 = 1e300;

/// A linear axis range plotters can draw, from the ends `a` and `b` (in
/// either order). A proper range (finite, span above 1e-9 of its magnitude)
/// is returned unchanged. Otherwise: a non-finite end is replaced by the
/// other end ([`EMPTY_RANGE`] when both are), ends are clamped to ±1e300,
/// and a range narrower than 1e-9 of its magnitude is widened around its
/// middle by ±10% of the middle (±0.5 when the middle is 0).
pub fn linear(a: f64, b: f64) -> (f64, f64) {
    let (lo, hi) = match (a.is_finite(), b.is_finite()) {
        (true, true) => (a.min(b), a.max(b)),
        (true, false) => (a, a),
        (false, true) => (b, b),
        (false, false) => return EMPTY_RANGE,
    };
    let (lo, hi) = (lo.clamp(-HUGE, HUGE), hi.clamp(-HUGE, HUGE));
    if hi - lo > 1e-9 * lo.abs().max(hi.abs()) {
        return (lo, hi);
    }
    let mid = lo / 2.0 + hi / 2.0;
    let half = if mid == 0.0 { 0.5 } else { 0.1 * mid.abs() };
    (mid - half, mid + half)
}

/// A logarithmic axis range plotters can draw, from the ends `a` and `b`
/// (in either order). A proper range (positive and finite ends, ratio above
/// 1 + 1e-9) is returned unchanged. Otherwise: an end that is not positive
/// and finite is replaced by the other end ([`EMPTY_LOG_RANGE`] when both
/// are), ends are clamped to [1e-300, 1e300], and a range narrower than a
/// ratio of 1 + 1e-9 becomes ÷/× 2 around it.
pub fn log_span(a: f64, b: f64) -> (f64, f64) {
    let ok = |x: f64| x.is_finite() && x > 0.0;
    let (lo, hi) = match (ok(a), ok(b)) {
        (true, true) => (a.min(b), a.max(b)),
        (true, false) => (a, a),
        (false, true) => (b, b),
        (false, false) => return EMPTY_LOG_RANGE,
    };
    let (lo, hi) = (lo.clamp(1.0 / HUGE, HUGE), hi.clamp(1.0 / HUGE, HUGE));
    if hi > lo * (1.0 + 1e-9) {
        return (lo, hi);
    }
    (lo / 2.0, hi * 2.0)
}

/// Whether a point has finite coordinates (others are left out of series).
pub fn finite(p: &(f64, f64)) -> bool {
    p.0.is_finite() && p.1.is_finite()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::nstar_law::{GridPoint, LawGrid};
    use crate::fit::interval::Interval;
    use crate::law::LossLaw;
    use crate::report::model::{AlphaLine, SpeedupCurve};
    use std::sync::{Arc, mpsc};
    use std::time::Duration;

    const NAN: f64 = f64::NAN;
    const INF: f64 = f64::INFINITY;

    /// Whether `(lo, hi)` is a range plotters can draw on a linear axis.
    fn drawable(r: (f64, f64)) -> bool {
        r.0.is_finite() && r.1.is_finite() && r.1 - r.0 > 1e-9 * r.0.abs().max(r.1.abs())
    }

    /// Whether `(lo, hi)` is a range plotters can draw on a log axis.
    fn log_drawable(r: (f64, f64)) -> bool {
        drawable(r) && r.0 > 0.0 && r.1 > r.0 * (1.0 + 1e-9)
    }

    #[test]
    fn range_of_nothing_is_the_default() {
        assert_eq!(range(std::iter::empty(), 0.05), EMPTY_RANGE);
        assert_eq!(range([NAN, INF, -INF].into_iter(), 0.05), EMPTY_RANGE);
        assert_eq!(log_range(std::iter::empty()), EMPTY_LOG_RANGE);
        assert_eq!(
            log_range([0.0, -3.0, NAN, INF].into_iter()),
            EMPTY_LOG_RANGE
        );
        assert_eq!(bounds(std::iter::empty()), None);
    }

    /// Whether two ranges agree to 1e-12 relative.
    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        let near = |x: f64, y: f64| (x - y).abs() <= 1e-12 * x.abs().max(y.abs()).max(1.0);
        near(a.0, b.0) && near(a.1, b.1)
    }

    #[test]
    fn a_single_value_is_widened_around_it() {
        assert!(close(range([2.0].into_iter(), 0.05), (1.8, 2.2)));
        assert!(close(range([-2.0, -2.0].into_iter(), 0.05), (-2.2, -1.8)));
        assert_eq!(range([0.0].into_iter(), 0.05), (-0.5, 0.5));
        assert_eq!(log_range([5.0, 5.0].into_iter()), (2.5, 10.0));
        assert!(close(linear(3.0, 3.0), (2.7, 3.3)));
        assert_eq!(log_span(1e9, 1e9), (5e8, 2e9));
        // equal but for rounding: still degenerate for plotters' tick search
        let (lo, hi) = range([1e15, 1e15 + 1.0].into_iter(), 0.05);
        assert!(drawable((lo, hi)) && hi - lo > 1e13, "{lo} {hi}");
    }

    #[test]
    fn non_finite_values_are_ignored() {
        assert_eq!(range([1.0, NAN, 3.0, INF].into_iter(), 0.0), (1.0, 3.0));
        assert_eq!(range([-INF, 1.0, 3.0].into_iter(), 0.5), (0.0, 4.0));
        assert_eq!(bounds([NAN, 2.0, -1.0].into_iter()), Some((-1.0, 2.0)));
        // the ends folded from an empty list: (inf, 0) and (inf, -inf)
        assert!(drawable(linear(INF, 0.0)));
        assert!(drawable(linear(INF, -INF)));
        assert!(drawable(linear(NAN, NAN)));
        assert!(drawable(linear(-f64::MAX, f64::MAX)));
        assert!(log_drawable(log_span(INF, 0.0)));
        assert!(log_drawable(log_span(f64::MIN_POSITIVE / 4.0, f64::MAX)));
    }

    #[test]
    fn log_ranges_keep_only_positive_values() {
        assert_eq!(
            log_range([0.0, -1.0, 10.0, 1000.0].into_iter()),
            (10.0, 1000.0)
        );
        assert_eq!(log_range([0.0, 4.0].into_iter()), (2.0, 8.0));
        assert_eq!(log_span(-1.0, 100.0), (50.0, 200.0));
        assert_eq!(log_span(100.0, 1.0), (1.0, 100.0));
    }

    #[test]
    fn proper_ranges_are_unchanged() {
        // the arithmetic of the committed figures: min/max, then the padding
        let (lo, hi, pad) = (1.0, 3.0, 0.05);
        let old = (lo - pad * (hi - lo), hi + pad * (hi - lo));
        assert_eq!(range([3.0, 1.0, 2.0].into_iter(), pad), old);
        for (lo, hi) in [(0.0, 1.0), (-5.0, -1.0), (1e7, 7e10), (0.61, 0.62)] {
            assert_eq!(linear(lo, hi), (lo, hi));
            assert_eq!(linear(hi, lo), (lo, hi));
        }
        for (lo, hi) in [(1e-3, 1.0), (8e6, 1.25e11), (1.0, 1.001)] {
            assert_eq!(log_span(lo, hi), (lo, hi));
        }
    }

    fn nstar_law(m: (f64, f64), points: Vec<GridPoint>) -> NstarLawSection {
        let none = crate::derive::uncertainty::interval(NAN, &[]);
        NstarLawSection {
            mu: none,
            m0: none,
            mu_ols: Interval::point(NAN),
            m0_ols: Interval::point(NAN),
            r2: NAN,
            log_d: None,
            grid: LawGrid {
                m_min: m.0,
                m_max: m.1,
                ..LawGrid::default()
            },
            points,
            paper_mu: 2.71e-3,
            paper_m0: 8.71e7,
        }
    }

    /// Figure data with nothing to plot, or only degenerate and non-finite
    /// values (one point, equal ends, NaN, ±inf, zero on log axes).
    fn degenerate() -> Vec<(&'static str, FigureData)> {
        let law = LossLaw::BESIROGLU_2024;
        vec![
            ("empty", FigureData::default()),
            (
                "single",
                FigureData {
                    loss_points: vec![(1e8, 1e10, 3.0)],
                    loss_law: Some(law.clone()),
                    loss_draws: vec![[1.8, 480.0, 2000.0, 0.34, 0.28]],
                    loss_reference: Some(("ref".into(), law.clone())),
                    alpha_lines: vec![AlphaLine {
                        group: String::new(),
                        label: "one".into(),
                        points: vec![(10.0, 0.6)],
                        line: [(10.0, 0.6), (10.0, 0.6)],
                    }],
                    alpha_measured: true,
                    alpha_band: Some(0.03),
                    alpha_pred: vec![(0.6, 0.6)],
                    alpha_pred_group: vec!["one".into()],
                    alpha_pred_log: vec![0.6],
                    speedup_curves: vec![SpeedupCurve {
                        measured: vec![(1e8, 2.0)],
                        sampled: vec![(1e8, 2.1)],
                        label: "one".into(),
                        curve: vec![(1e8, 1.0)],
                        n_star: Some(1e8),
                    }],
                    nstar_band: vec![(1e10, 1e8, 1e8)],
                    speedup_title: None,
                    real_drafts: vec![("OPT-125M".into(), 1.25e8)],
                },
            ),
            (
                // what `refit` builds without draft families: line ends
                // folded from no perplexities, (inf, ·) and (0, ·)
                "no-drafts",
                FigureData {
                    loss_law: Some(law.clone()),
                    alpha_lines: vec![AlphaLine {
                        group: String::new(),
                        label: "published".into(),
                        points: vec![],
                        line: [(INF, NAN), (0.0, 0.7)],
                    }],
                    ..FigureData::default()
                },
            ),
            (
                "non-finite",
                FigureData {
                    loss_points: vec![(0.0, 1e10, 3.0), (NAN, 1e10, 3.0), (1e8, 0.0, INF)],
                    loss_law: Some(law),
                    loss_draws: vec![[NAN, INF, -INF, NAN, NAN]; 3],
                    loss_reference: None,
                    alpha_lines: vec![AlphaLine {
                        group: String::new(),
                        label: "bad".into(),
                        points: vec![(NAN, 0.5), (INF, -INF)],
                        line: [(INF, 0.0), (-INF, NAN)],
                    }],
                    alpha_measured: false,
                    alpha_band: Some(f64::NAN),
                    alpha_pred: vec![(NAN, 0.5), (INF, INF)],
                    alpha_pred_group: vec!["a".into(), "b".into()],
                    alpha_pred_log: vec![NAN, 0.5],
                    speedup_curves: vec![SpeedupCurve {
                        measured: Vec::new(),
                        sampled: Vec::new(),
                        label: "bad".into(),
                        curve: vec![(0.0, 2.0), (-1.0, NAN), (INF, 1.5)],
                        n_star: Some(0.0),
                    }],
                    nstar_band: vec![(NAN, INF, -INF)],
                    speedup_title: Some(String::new()),
                    real_drafts: vec![
                        ("nan".into(), NAN),
                        ("zero".into(), 0.0),
                        ("inf".into(), INF),
                    ],
                },
            ),
        ]
    }

    /// Draws figure `k` (0–4: the `FigureData` kinds, 5: N* versus M with
    /// law `law`) of `f` to `dir/name.{svg,png}`.
    fn render(dir: &Path, name: &str, k: usize, f: &FigureData, law: &NstarLawSection) {
        let kind = match k {
            0 => Kind::LossFit(f),
            1 => Kind::LossBootstrap(f),
            2 => Kind::AlphaVsPpl(f),
            3 => Kind::AlphaPredicted(f),
            4 => Kind::SpeedupVsN(f),
            _ => Kind::NstarVsM(law, &f.nstar_band),
        };
        let files = both(dir, name, kind).unwrap_or_else(|err| panic!("{name}: {err}"));
        for file in files {
            let len = std::fs::metadata(dir.join(&file)).unwrap().len();
            assert!(len > 0, "{file} is empty");
        }
    }

    /// Every figure kind drawn from every degenerate data set into a temp
    /// dir, each on its own thread that must finish within 60 s: plotters
    /// loops forever on a degenerate axis, so a hang fails the test (the
    /// stuck thread is abandoned) instead of stalling it.
    #[test]
    fn every_figure_renders_without_data_and_never_hangs() {
        register_font();
        let dir = tempfile::tempdir().unwrap();
        let laws = Arc::new([
            nstar_law((1e10, 1.2e11), vec![]),
            nstar_law(
                (5e10, 5e10),
                vec![GridPoint {
                    m: 5e10,
                    d: 1e12,
                    n_star: 2e8,
                }],
            ),
            nstar_law(
                (NAN, INF),
                vec![GridPoint {
                    m: NAN,
                    d: 0.0,
                    n_star: INF,
                }],
            ),
            nstar_law((0.0, 0.0), vec![]),
        ]);
        let data = Arc::new(degenerate());
        let names = [
            "loss_fit",
            "loss_bootstrap",
            "alpha_vs_ppl",
            "alpha_predicted",
            "speedup_vs_n",
        ];
        for c in 0..data.len() {
            for k in 0..names.len() + laws.len() {
                let (l, figure) = match names.get(k) {
                    Some(n) => (0, n.to_string()),
                    None => (k - names.len(), format!("nstar_vs_m{}", k - names.len())),
                };
                let name = format!("{figure}-{}", data[c].0);
                let (tx, rx) = mpsc::channel();
                let (path, data, laws, n) = (
                    dir.path().to_owned(),
                    data.clone(),
                    laws.clone(),
                    name.clone(),
                );
                let worker = std::thread::spawn(move || {
                    render(&path, &n, k, &data[c].1, &laws[l]);
                    let _ = tx.send(());
                });
                match rx.recv_timeout(Duration::from_secs(60)) {
                    Ok(()) => worker.join().unwrap(),
                    // the sender dropped without sending: the render panicked
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        let err = worker.join().unwrap_err();
                        panic!("{name} panicked: {err:?}")
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        panic!("{name} did not finish within 60 s (hangs)")
                    }
                }
            }
        }
        let svg = std::fs::read_to_string(dir.path().join("alpha_vs_ppl-empty.svg")).unwrap();
        assert!(svg.contains("no data"), "an empty figure says so");
        let svg = std::fs::read_to_string(dir.path().join("alpha_vs_ppl-no-drafts.svg")).unwrap();
        assert!(
            !svg.contains("no data"),
            "a figure with a finite point draws it"
        );
    }
}
