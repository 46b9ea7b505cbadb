//! Ordinary least squares, the one engine for every linear fit in the crate.
//!
//! Model: y = X·b + ε, ε i.i.d. with variance σ². Estimate by Householder QR
//! of the column-scaled design (each column divided by its Euclidean norm,
//! which leaves the solution unchanged but improves conditioning), followed
//! by one step of iterative refinement on the residual. Then:
//!
//! - residual SD s = √(SSR/(n − p)),
//! - Cov(b) = s²·(XᵀX)⁻¹ = s²·R⁻¹R⁻ᵀ (in scaled units),
//! - t = b/SE, two-sided p from Student's t with n − p degrees of freedom,
//! - 95% CI b ± t₀.₉₇₅(n − p)·SE,
//! - R² = 1 − SSR/SST with SST centred when the model has an intercept and
//!   uncentred otherwise; adjusted R² = 1 − (1 − R²)(n − k)/(n − p) with
//!   k = 1 (intercept) or 0,
//! - F = ((SST − SSR)/(p − k)) / (SSR/(n − p)),
//! - the condition number of the predictors: the ratio of extreme singular
//!   values of the non-constant columns, centred (when the model has an
//!   intercept) and scaled to unit length — i.e. of their correlation
//!   structure, so an intercept alone never triggers it. With two predictors
//!   it is √((1 + |r|)/(1 − |r|)); above [`COLLINEARITY_THRESHOLD`] = 10
//!   (|r| > 0.98) the fit warns of collinearity.
//!
//! Accuracy is checked against NIST StRD certified values (Norris, Longley)
//! in `tests/it/ols_nist.rs`.

use crate::error::SdslError;
use nalgebra::{DMatrix, DVector};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, FisherSnedecor, StudentsT};

/// Condition number of the centred, scaled predictors above which a design is
/// flagged as collinear (|r| > 0.98 for two predictors).
pub const COLLINEARITY_THRESHOLD: f64 = 10.0;

/// Condition number of the non-constant columns, centred when `intercept`
/// and scaled to unit length (1 for a single predictor).
fn predictor_condition_number(x: &DMatrix<f64>, intercept: bool) -> f64 {
    let (n, p) = x.shape();
    let cols: Vec<usize> = (0..p)
        .filter(|&j| !(intercept && x.column(j).iter().all(|&v| v == x[(0, j)])))
        .collect();
    if cols.is_empty() {
        return 1.0;
    }
    let mut z = DMatrix::from_fn(n, cols.len(), |i, k| x[(i, cols[k])]);
    for k in 0..cols.len() {
        if intercept {
            let m = z.column(k).mean();
            z.column_mut(k).add_scalar_mut(-m);
        }
        let norm = z.column(k).norm();
        if norm > 0.0 {
            z.column_mut(k).scale_mut(1.0 / norm);
        }
    }
    let sv = z.singular_values();
    let (smax, smin) = sv
        .iter()
        .fold((0.0f64, f64::INFINITY), |(a, b), &v| (a.max(v), b.min(v)));
    smax / smin
}

/// Two-sided p value of a t statistic, NaN (undefined) when `t` is NaN — a
/// zero standard error over a zero estimate, as a constant response gives.
/// statrs panics on a NaN argument (its incomplete beta function requires
/// an argument in [0, 1]), so the guard is needed, not cosmetic.
fn two_sided_p(d: &StudentsT, t: f64) -> f64 {
    if t.is_nan() {
        f64::NAN
    } else {
        2.0 * d.sf(t.abs())
    }
}

/// Upper tail P(F > f) of Fisher's F with (d1, d2) degrees of freedom; NaN
/// (undefined) when f is NaN (0/0: no variance to explain and no residual)
/// or the degrees of freedom are invalid, instead of statrs' panic.
pub fn f_sf(d1: f64, d2: f64, f: f64) -> f64 {
    if f.is_nan() {
        return f64::NAN;
    }
    FisherSnedecor::new(d1, d2)
        .map(|d| d.sf(f))
        .unwrap_or(f64::NAN)
}

/// One coefficient with its standard error, t statistic, p value and 95% CI.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Coefficient {
    /// Name of the regressor.
    pub name: String,
    /// Point estimate.
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    /// t statistic, estimate/se.
    pub t: f64,
    /// Two-sided p value of t under H0: coefficient = 0.
    pub p: f64,
    /// 95% confidence interval [lower, upper].
    pub ci95: [f64; 2],
}

/// A fitted linear model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OlsFit {
    /// Coefficients in the order of the design's columns.
    pub coefficients: Vec<Coefficient>,
    /// Number of observations.
    pub n: usize,
    /// Number of coefficients.
    pub p: usize,
    /// Residual degrees of freedom n − p.
    pub df_resid: usize,
    /// Residual sum of squares.
    pub ssr: f64,
    /// Residual standard deviation √(SSR/(n − p)).
    pub residual_sd: f64,
    /// Root mean squared error √(SSR/n).
    pub rmse: f64,
    /// Coefficient of determination.
    pub r2: f64,
    /// Adjusted R².
    pub adj_r2: f64,
    /// F statistic of the regression (NaN when p equals the intercept alone).
    pub f_stat: f64,
    /// p value of the F statistic.
    pub f_p: f64,
    /// Condition number of the centred, unit-length predictors.
    pub condition_number: f64,
    /// Fitted values.
    #[serde(skip)]
    pub fitted: Vec<f64>,
}

impl OlsFit {
    /// Estimates in column order.
    pub fn estimates(&self) -> Vec<f64> {
        self.coefficients.iter().map(|c| c.estimate).collect()
    }

    /// Whether the design is collinear enough to warn about.
    pub fn collinear(&self) -> bool {
        self.condition_number > COLLINEARITY_THRESHOLD
    }
}

/// Fits y = X·b by least squares. `names` labels X's columns; `intercept`
/// says whether one of them is a constant column (for R² and F).
pub fn ols(
    x: &DMatrix<f64>,
    y: &DVector<f64>,
    names: &[&str],
    intercept: bool,
) -> Result<OlsFit, SdslError> {
    wls(x, y, None, names, intercept)
}

/// Weighted least squares: minimises Σ wᵢ(yᵢ − xᵢ·b)² (weights > 0), by OLS on
/// rows scaled by √wᵢ; R² uses the weighted mean and weighted sums of
/// squares, RMSE is √(Σw·r²/Σw). With n = p the fit is exact: standard
/// errors, t, p and intervals are NaN (null in JSON).
// Long (≈150 lines): the estimator and every statistic it reports (SEs,
// t, p, intervals, R², adjusted R², F, condition number) from one QR,
// in the order of the textbook formulas (Greene, Econometric Analysis, ch. 4).
pub fn wls(
    x: &DMatrix<f64>,
    y: &DVector<f64>,
    w: Option<&[f64]>,
    names: &[&str],
    intercept: bool,
) -> Result<OlsFit, SdslError> {
    let (n, p) = x.shape();
    if y.len() != n {
        return Err(SdslError::InvalidArgument(format!(
            "OLS: {n} design rows but {} responses",
            y.len()
        )));
    }
    let sw: Vec<f64> = match w {
        Some(w) => {
            if w.len() != n || w.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
                return Err(SdslError::InvalidArgument(
                    "WLS: weights must be finite, > 0, one per row".into(),
                ));
            }
            w.iter().map(|v| v.sqrt()).collect()
        }
        None => vec![1.0; n],
    };
    let (x_raw, y_raw) = (x, y);
    let x = &DMatrix::from_fn(n, p, |i, j| x_raw[(i, j)] * sw[i]);
    let y = &DVector::from_fn(n, |i, _| y_raw[i] * sw[i]);
    if names.len() != p || y.len() != n {
        return Err(SdslError::InvalidArgument(format!(
            "OLS: design is {n}×{p} with {} names and {} responses",
            names.len(),
            y.len()
        )));
    }
    if n < p {
        return Err(SdslError::InvalidArgument(format!(
            "OLS: {n} observations for {p} coefficients; need at least {p}"
        )));
    }
    if x.iter().chain(y.iter()).any(|v| !v.is_finite()) {
        return Err(SdslError::InvalidArgument(
            "OLS: design or response has a non-finite value".into(),
        ));
    }
    let scale: Vec<f64> = (0..p).map(|j| x.column(j).norm()).collect();
    if let Some(j) = scale.iter().position(|&s| s == 0.0) {
        return Err(SdslError::InvalidArgument(format!(
            "OLS: column '{}' is all zeros",
            names[j]
        )));
    }
    let mut xs = x.clone();
    for (j, s) in scale.iter().enumerate() {
        xs.column_mut(j).scale_mut(1.0 / s);
    }
    let qr = xs.clone().qr();
    let (q, r) = (qr.q(), qr.r());
    let rmax = r.diagonal().iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if let Some(j) = (0..p).find(|&j| r[(j, j)].abs() <= 1e-13 * rmax * (n as f64)) {
        return Err(SdslError::InvalidArgument(format!(
            "OLS: the design is rank-deficient (column '{}' is a linear combination of the others)",
            names[j]
        )));
    }
    let solve = |rhs: &DVector<f64>| -> DVector<f64> {
        r.solve_upper_triangular(&(q.transpose() * rhs))
            .expect("full rank checked above")
    };
    let mut bs = solve(y);
    // One step of iterative refinement.
    let resid = y - &xs * &bs;
    bs += solve(&resid);
    let fitted_v = &xs * &bs;
    let resid = y - &fitted_v;
    let ssr = resid.norm_squared();
    let df = n - p;
    let s2 = if df > 0 { ssr / df as f64 } else { f64::NAN };
    let rinv = r
        .clone()
        .try_inverse()
        .ok_or_else(|| SdslError::Numerical("OLS: R is singular".into()))?;
    // An exact fit (n = p) has no residual degrees of freedom: estimates
    // only, with NaN standard errors, intervals and p values.
    let tdist = if df > 0 {
        Some(StudentsT::new(0.0, 1.0, df as f64).map_err(|e| SdslError::Numerical(e.to_string()))?)
    } else {
        None
    };
    let tq = if df > 0 {
        super::t975(df as f64)
    } else {
        f64::NAN
    };
    let coefficients = (0..p)
        .map(|j| {
            let var_scaled = rinv.row(j).norm_squared();
            let estimate = bs[j] / scale[j];
            let se = (s2 * var_scaled).sqrt() / scale[j];
            let t = estimate / se;
            let pval = tdist.as_ref().map_or(f64::NAN, |d| two_sided_p(d, t));
            Coefficient {
                name: names[j].to_string(),
                estimate,
                se,
                t,
                p: pval,
                ci95: [estimate - tq * se, estimate + tq * se],
            }
        })
        .collect();
    let wsum: f64 = sw.iter().map(|v| v * v).sum();
    let sst = if intercept {
        let mean = y_raw.iter().zip(&sw).map(|(v, s)| v * s * s).sum::<f64>() / wsum;
        y_raw
            .iter()
            .zip(&sw)
            .map(|(v, s)| s * s * (v - mean).powi(2))
            .sum::<f64>()
    } else {
        y.norm_squared()
    };
    let k = usize::from(intercept);
    let r2 = 1.0 - ssr / sst;
    let adj_r2 = 1.0 - (1.0 - r2) * (n - k) as f64 / df as f64;
    let (f_stat, f_p) = if p > k && df > 0 {
        let f = ((sst - ssr) / (p - k) as f64) / s2;
        let fp = f_sf((p - k) as f64, df as f64, f);
        (f, fp)
    } else {
        (f64::NAN, f64::NAN)
    };
    let condition_number = predictor_condition_number(x_raw, intercept);
    Ok(OlsFit {
        coefficients,
        n,
        p,
        df_resid: df,
        ssr,
        residual_sd: s2.sqrt(),
        rmse: (ssr / wsum).sqrt(),
        r2,
        adj_r2,
        f_stat,
        f_p,
        condition_number,
        fitted: fitted_v.iter().zip(&sw).map(|(v, s)| v / s).collect(),
    })
}

#[cfg(test)]
mod exact_fit_tests {
    use super::*;

    #[test]
    fn two_points_give_the_line_through_them_with_nan_intervals() {
        // y = 3 − 2x through (1, 1) and (2, −1): n = p = 2, no residual df.
        let x = DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 2.0, 1.0]);
        let y = DVector::from_vec(vec![1.0, -1.0]);
        let f = ols(&x, &y, &["A", "C"], true).expect("an exact fit is not an error");
        assert!((f.coefficients[0].estimate + 2.0).abs() < 1e-12);
        assert!((f.coefficients[1].estimate - 3.0).abs() < 1e-12);
        assert_eq!(f.df_resid, 0);
        assert!(
            f.coefficients
                .iter()
                .all(|c| c.se.is_nan() && c.ci95[0].is_nan() && c.p.is_nan())
        );
    }
}
