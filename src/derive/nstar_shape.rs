//! The shape of the N* law: the paper's straight line N* = μ·M + M0 against
//! a power law N* = κ·M^p·D^q, both fitted by OLS on the same grid of exact
//! N* (see [`super::nstar_law`]; the power law by OLS of ln N* on ln M and
//! ln D), and compared
//!
//! - in the grid: relative error (law − exact)/exact at every grid point;
//! - by leave-one-M-out: each target size's points predicted by the law
//!   refitted without them (mean |error| per held-out M, with a t interval
//!   over the held-out M's);
//! - by extrapolation to M = 1e9 and 1e12 (outside the grid's
//!   [1e10, 1.2e11]) at each grid D, against the exact N* solved there,
//!   with the 95% OLS confidence interval of the law's fitted value carried
//!   to the relative error (for the power law, the interval of ln N*
//!   exponentiated).
//!
//! docs/validation.md, "The shape of the N* law": the line's error is (line − exact)/exact.

use super::nstar::NStarSetup;
use super::nstar_law::GridPoint;
use crate::error::SdslError;
use crate::fit::interval::{Interval, IntervalMethod};
use crate::law::{AlphaLaw, CostModel, LossLaw};
use nalgebra::{DMatrix, DVector};
use serde::Serialize;

/// Target sizes the laws are extrapolated to.
pub const EXTRAPOLATE_M: [f64; 2] = [1e9, 1e12];

/// An OLS fit with what a prediction interval needs.
struct Ols {
    beta: DVector<f64>,
    xtx_inv: DMatrix<f64>,
    sigma2: f64,
    df: usize,
}

fn ols(x: &DMatrix<f64>, y: &DVector<f64>) -> Option<Ols> {
    let (n, p) = x.shape();
    if n <= p {
        return None;
    }
    let xtx_inv = (x.transpose() * x).try_inverse()?;
    let beta = &xtx_inv * x.transpose() * y;
    let r = y - x * &beta;
    Some(Ols {
        beta,
        xtx_inv,
        sigma2: r.norm_squared() / (n - p) as f64,
        df: n - p,
    })
}

fn t975(df: usize) -> f64 {
    crate::fit::t975(df as f64)
}

impl Ols {
    /// Fitted value at `x0` and its 95% confidence interval.
    fn predict(&self, x0: &[f64]) -> (f64, [f64; 2]) {
        let v = DVector::from_column_slice(x0);
        let y = v.dot(&self.beta);
        let se = (self.sigma2 * (v.transpose() * &self.xtx_inv * &v)[(0, 0)]).sqrt();
        let h = t975(self.df) * se;
        (y, [y - h, y + h])
    }

    fn coefficient(&self, i: usize) -> Interval {
        let se = (self.sigma2 * self.xtx_inv[(i, i)]).sqrt();
        let b = self.beta[i];
        let h = t975(self.df) * se;
        Interval::new(b, Some(se), Some([b - h, b + h]), IntervalMethod::OlsT)
    }
}

/// A form of the N* law.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Line,
    Power,
}

impl Form {
    fn row(self, m: f64, d: f64) -> Vec<f64> {
        match self {
            Form::Line => vec![m, 1.0],
            Form::Power => vec![1.0, m.ln(), d.ln()],
        }
    }
    fn y(self, n: f64) -> f64 {
        match self {
            Form::Line => n,
            Form::Power => n.ln(),
        }
    }
    fn back(self, v: f64) -> f64 {
        match self {
            Form::Line => v,
            Form::Power => v.exp(),
        }
    }
    fn fit(self, pts: &[&GridPoint]) -> Option<Ols> {
        let p = self.row(1.0, 1.0).len();
        let x = DMatrix::from_fn(pts.len(), p, |i, j| self.row(pts[i].m, pts[i].d)[j]);
        let y = DVector::from_iterator(pts.len(), pts.iter().map(|g| self.y(g.n_star)));
        ols(&x, &y)
    }
}

/// Mean and largest |relative error|.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorStats {
    /// Mean |(law − exact)/exact|.
    pub mean_abs: f64,
    /// Largest |(law − exact)/exact|.
    pub max_abs: f64,
    /// The signed error of largest size.
    pub worst_signed: f64,
}

fn stats(errs: &[f64]) -> ErrorStats {
    let worst = errs
        .iter()
        .copied()
        .fold(0.0f64, |a, e| if e.abs() > a.abs() { e } else { a });
    ErrorStats {
        mean_abs: errs.iter().map(|e| e.abs()).sum::<f64>() / errs.len().max(1) as f64,
        max_abs: worst.abs(),
        worst_signed: worst,
    }
}

/// One extrapolated point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Extrapolated {
    /// Target size.
    pub m: f64,
    /// Tokens of target and draft.
    pub d: f64,
    /// Exact N* under the point laws.
    pub exact: f64,
    /// The law's N*.
    pub predicted: f64,
    /// (law − exact)/exact with the 95% OLS interval of the fitted value
    /// carried over (null interval for the paper's fixed line).
    pub rel_error: Interval,
}

/// One form's fit and errors.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ShapeFit {
    /// `line` (N* = μ·M + M0), `power` (N* = κ·M^p·D^q) or `paper line`.
    pub form: String,
    /// Coefficients: (μ, M0) or (ln κ, p, q), OLS t intervals (point only
    /// for the paper's line).
    pub coefficients: Vec<(String, Interval)>,
    /// Errors at the grid points.
    pub in_grid: ErrorStats,
    /// Leave-one-M-out: mean |error| over the held-out M's with a t
    /// interval over them (null for the paper's line, which is not fitted).
    pub leave_one_m_out: Option<Interval>,
    /// Largest |error| of a held-out point.
    pub leave_one_m_out_max: Option<f64>,
    /// Per extrapolation M: errors over the grid's D.
    pub extrapolation: Vec<(f64, ErrorStats)>,
    /// Every extrapolated point.
    pub extrapolated: Vec<Extrapolated>,
}

/// The shape comparison.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NstarShape {
    /// The fitted line, the power law and the paper's line.
    pub fits: Vec<ShapeFit>,
    /// Which form describes the curve, and why (computed).
    pub verdict: String,
}

fn loo(form: Form, points: &[GridPoint]) -> (Option<Interval>, Option<f64>) {
    let mut ms: Vec<f64> = points.iter().map(|p| p.m).collect();
    ms.dedup();
    let mut per_m = Vec::new();
    let mut worst = 0.0f64;
    for &m in &ms {
        let train: Vec<&GridPoint> = points.iter().filter(|p| p.m != m).collect();
        let Some(f) = form.fit(&train) else { continue };
        let errs: Vec<f64> = points
            .iter()
            .filter(|p| p.m == m)
            .map(|p| (form.back(f.predict(&form.row(p.m, p.d)).0) - p.n_star) / p.n_star)
            .collect();
        worst = errs.iter().fold(worst, |a, e| a.max(e.abs()));
        per_m.push(errs.iter().map(|e| e.abs()).sum::<f64>() / errs.len() as f64);
    }
    if per_m.len() < 2 {
        return (None, None);
    }
    let k = per_m.len() as f64;
    let mean = per_m.iter().sum::<f64>() / k;
    let sd = (per_m.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
    let se = sd / k.sqrt();
    let h = t975(per_m.len() - 1) * se;
    (
        Some(Interval::new(
            mean,
            Some(se),
            Some([mean - h, mean + h]),
            IntervalMethod::T,
        )),
        Some(worst),
    )
}

/// Compares the forms on `points` (the grid's exact N*), extrapolating to
/// [`EXTRAPOLATE_M`] at the grid's D values with `loss`, `alpha`, `cost`.
pub fn compare_shapes(
    points: &[GridPoint],
    d_values: &[f64],
    loss: &LossLaw,
    alpha: &AlphaLaw,
    cost: CostModel,
    paper: (f64, f64),
) -> Result<NstarShape, SdslError> {
    let mut exact = Vec::new();
    for &m in &EXTRAPOLATE_M {
        for &d in d_values {
            let s = NStarSetup {
                target_params: m,
                target_tokens: d,
                draft_tokens: d,
                loss,
                alpha,
                cost,
            }
            .validated()?;
            if let Ok(r) = s.solve() {
                exact.push((m, d, r.n_star));
            }
        }
    }
    let all: Vec<&GridPoint> = points.iter().collect();
    let mut fits = Vec::new();
    for (form, name, names) in [
        (Form::Line, "line", vec!["mu", "m0"]),
        (Form::Power, "power", vec!["ln_kappa", "p", "q"]),
    ] {
        let f = form.fit(&all).ok_or_else(|| {
            SdslError::Numerical(format!("N* {name} law: the grid's design is singular"))
        })?;
        let pred = |m: f64, d: f64| {
            let (y, [lo, hi]) = f.predict(&form.row(m, d));
            (form.back(y), [form.back(lo), form.back(hi)])
        };
        let grid_err: Vec<f64> = points
            .iter()
            .map(|p| (pred(p.m, p.d).0 - p.n_star) / p.n_star)
            .collect();
        let (lomo, lomo_max) = loo(form, points);
        let extrapolated: Vec<Extrapolated> = exact
            .iter()
            .map(|&(m, d, e)| {
                let (y, [lo, hi]) = pred(m, d);
                let rel = |v: f64| (v - e) / e;
                Extrapolated {
                    m,
                    d,
                    exact: e,
                    predicted: y,
                    rel_error: Interval::new(
                        rel(y),
                        None,
                        Some([rel(lo), rel(hi)]),
                        IntervalMethod::OlsT,
                    ),
                }
            })
            .collect();
        fits.push(ShapeFit {
            form: name.into(),
            coefficients: names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.to_string(), f.coefficient(i)))
                .collect(),
            in_grid: stats(&grid_err),
            leave_one_m_out: lomo,
            leave_one_m_out_max: lomo_max,
            extrapolation: per_m(&extrapolated),
            extrapolated,
        });
    }
    fits.push(paper_fit(points, &exact, paper));
    let verdict = verdict(&fits);
    Ok(NstarShape { fits, verdict })
}

fn per_m(x: &[Extrapolated]) -> Vec<(f64, ErrorStats)> {
    EXTRAPOLATE_M
        .iter()
        .map(|&m| {
            let e: Vec<f64> = x
                .iter()
                .filter(|p| p.m == m)
                .map(|p| p.rel_error.point)
                .collect();
            (m, stats(&e))
        })
        .collect()
}

/// The paper's fixed line μ·M + M0 evaluated on the same points.
fn paper_fit(points: &[GridPoint], exact: &[(f64, f64, f64)], (mu, m0): (f64, f64)) -> ShapeFit {
    let errs: Vec<f64> = points
        .iter()
        .map(|p| (mu * p.m + m0 - p.n_star) / p.n_star)
        .collect();
    let extrapolated: Vec<Extrapolated> = exact
        .iter()
        .map(|&(m, d, e)| Extrapolated {
            m,
            d,
            exact: e,
            predicted: mu * m + m0,
            rel_error: Interval::point((mu * m + m0 - e) / e),
        })
        .collect();
    ShapeFit {
        form: "paper line".into(),
        coefficients: vec![
            ("mu".into(), Interval::point(mu)),
            ("m0".into(), Interval::point(m0)),
        ],
        in_grid: stats(&errs),
        leave_one_m_out: None,
        leave_one_m_out_max: None,
        extrapolation: per_m(&extrapolated),
        extrapolated,
    }
}

/// Which of the fitted forms describes the curve: the one with the smaller
/// largest in-grid error and the smaller leave-one-M-out error; mixed
/// results are said as such.
fn verdict(fits: &[ShapeFit]) -> String {
    let (Some(l), Some(p)) = (
        fits.iter().find(|f| f.form == "line"),
        fits.iter().find(|f| f.form == "power"),
    ) else {
        return String::new();
    };
    let lomo = |f: &ShapeFit| f.leave_one_m_out.map_or(f64::NAN, |i| i.point);
    let ext = |f: &ShapeFit| {
        f.extrapolation
            .iter()
            .map(|(_, s)| s.max_abs)
            .fold(0.0, f64::max)
    };
    let pct = crate::error::pct1;
    let power_wins = p.in_grid.max_abs < l.in_grid.max_abs && lomo(p) < lomo(l);
    let line_wins = l.in_grid.max_abs < p.in_grid.max_abs && lomo(l) < lomo(p);
    let who = if power_wins {
        "The power law describes the curve: it"
    } else if line_wins {
        "The straight line describes the curve: it"
    } else {
        "Neither form is uniformly better: the line"
    };
    format!(
        "{who} fits the grid within {} (line: {}, power law: {}), predicts a held-out M with mean error {} (line: {}), and extrapolates to M = 1e9 and 1e12 with errors up to {} (line: {}). Outside the grid both forms are extrapolations; solve N* directly there.",
        pct(if power_wins {
            p.in_grid.max_abs
        } else {
            l.in_grid.max_abs
        }),
        pct(l.in_grid.max_abs),
        pct(p.in_grid.max_abs),
        pct(if power_wins { lomo(p) } else { lomo(l) }),
        pct(lomo(l)),
        pct(if power_wins { ext(p) } else { ext(l) }),
        pct(ext(l)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points on an exact power law N* = e²·M^0.6·D^−0.02 are fitted with
    /// zero in-grid and leave-one-M-out error by the power form, not by the
    /// line.
    #[test]
    fn a_power_law_grid_is_recovered_by_the_power_form() {
        let mut pts = Vec::new();
        for i in 0..6 {
            for j in 0..3 {
                let m = 1e10 * 1.6f64.powi(i);
                let d = 1e11 * 10f64.powi(j);
                pts.push(GridPoint {
                    m,
                    d,
                    n_star: 2f64.exp() * m.powf(0.6) * d.powf(-0.02),
                });
            }
        }
        let all: Vec<&GridPoint> = pts.iter().collect();
        let f = Form::Power.fit(&all).unwrap();
        assert!((f.beta[1] - 0.6).abs() < 1e-9 && (f.beta[2] + 0.02).abs() < 1e-9);
        let (lomo, max) = loo(Form::Power, &pts);
        assert!(
            lomo.unwrap().point < 1e-7 && max.unwrap() < 1e-7,
            "{lomo:?} {max:?}"
        );
        let (line, _) = loo(Form::Line, &pts);
        assert!(line.unwrap().point > 1e-3);
    }
}
