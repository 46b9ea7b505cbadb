//! Fits of the SDSL acceptance law α = A·x + B·y + C (x, y the draft's and
//! target's perplexity) and its diagnostics: global, per-target (x only) and
//! per-family fits by OLS/WLS ([`super::ols`]); whether the target term is
//! needed (t-test on B and the partial F test of the x-only model against
//! the full one); leave-one-target-out and leave-one-family-out
//! cross-validation; alternative forms (affine in ln ppl; logit link); and a
//! case-resampling bootstrap with percentile and BCa intervals.
//!
//! AIC across forms: every form's Gaussian log-likelihood is put on the α
//! scale. For the logit form, whose errors are Gaussian on logit α, the
//! Jacobian of z = logit α adds Σ ln|dz/dα| = −Σ ln(α(1 − α)) to the
//! log-likelihood. AIC = 2k − 2ℓ with k = coefficients + 1 (the variance),
//! ℓ = −n/2·(ln(2π·SSR/n) + 1) (weights ignored for AIC).
//!
//! BCa (Efron 1987): z₀ = Φ⁻¹(share of replicates below the estimate, ties
//! counted half), acceleration a from the jackknife,
//! a = Σ(θ̄ − θ₍ᵢ₎)³ / (6·[Σ(θ̄ − θ₍ᵢ₎)²]^{3/2}); the interval's quantile
//! levels are Φ(z₀ + (z₀ + z_q)/(1 − a(z₀ + z_q))) for q = 0.025, 0.975. It
//! is undefined (reported as such) when every replicate lies on one side of
//! the estimate or the jackknife has no spread — common for per-target fits
//! with 3–5 drafts, which are often exact.

use super::bootstrap::{quantile_sorted, resample_indices, sample_sd};
use super::ols::{OlsFit, wls};
use crate::error::SdslError;
use crate::fit::interval::{Interval, IntervalMethod};
use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};
use std::collections::BTreeMap;

/// One observation.
#[derive(Debug, Clone, PartialEq)]
pub struct Obs {
    /// Draft model.
    pub draft: String,
    /// Target model.
    pub target: String,
    /// Draft family (for per-family fits and LOFO).
    pub family: Option<String>,
    /// Draft perplexity.
    pub x: f64,
    /// Target perplexity.
    pub y: f64,
    /// Acceptance rate.
    pub alpha: f64,
    /// Weight (1 when none given).
    pub w: f64,
}

/// Functional forms compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// α = A·x + B·y + C (the paper's).
    AffinePpl,
    /// α = A·ln x + B·ln y + C.
    AffineLogPpl,
    /// logit α = A·x + B·y + C.
    LogitPpl,
}

impl Form {
    /// All forms.
    pub const ALL: [Form; 3] = [Form::AffinePpl, Form::AffineLogPpl, Form::LogitPpl];

    /// Name in outputs.
    pub fn name(&self) -> &'static str {
        match self {
            Form::AffinePpl => "affine_ppl",
            Form::AffineLogPpl => "affine_log_ppl",
            Form::LogitPpl => "logit_ppl",
        }
    }

    fn feature(&self, v: f64) -> f64 {
        if *self == Form::AffineLogPpl {
            v.ln()
        } else {
            v
        }
    }

    fn response(&self, a: f64) -> f64 {
        if *self == Form::LogitPpl {
            (a / (1.0 - a)).ln()
        } else {
            a
        }
    }

    fn inverse(&self, z: f64) -> f64 {
        if *self == Form::LogitPpl {
            1.0 / (1.0 + (-z).exp())
        } else {
            z
        }
    }
}

/// A fitted model: form, whether it uses y, and the OLS fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Form.
    pub form: Form,
    /// Whether the target-ppl term is in the model.
    pub uses_y: bool,
    /// The regression.
    pub fit: OlsFit,
}

/// The affine law α = A·x + B·y + C from coefficients in a model's order:
/// (A, B, C) when the target term is in the model, (A, C) with B = 0 when
/// it is not. Used for the point fit and for each bootstrap replicate.
pub fn alpha_law_from(coefficients: &[f64], uses_y: bool) -> crate::law::AlphaLaw {
    if uses_y {
        crate::law::AlphaLaw {
            a: coefficients[0],
            b: coefficients[1],
            c: coefficients[2],
        }
    } else {
        crate::law::AlphaLaw {
            a: coefficients[0],
            b: 0.0,
            c: coefficients[1],
        }
    }
}

impl Model {
    /// The fitted affine acceptance law (meaningful for [`Form::AffinePpl`],
    /// the form N* uses).
    pub fn alpha_law(&self) -> crate::law::AlphaLaw {
        alpha_law_from(&self.fit.estimates(), self.uses_y)
    }

    /// Predicted α at (x, y).
    pub fn predict(&self, x: f64, y: f64) -> f64 {
        let b = self.fit.estimates();
        let z = if self.uses_y {
            b[0] * self.form.feature(x) + b[1] * self.form.feature(y) + b[2]
        } else {
            b[0] * self.form.feature(x) + b[1]
        };
        self.form.inverse(z)
    }
}

/// Fits a form; `uses_y` adds the target term (names A, B, C; or A, C).
pub fn fit_model(obs: &[&Obs], form: Form, uses_y: bool) -> Result<Model, SdslError> {
    let n = obs.len();
    let p = if uses_y { 3 } else { 2 };
    let x = DMatrix::from_fn(n, p, |i, j| match (uses_y, j) {
        (_, 0) => form.feature(obs[i].x),
        (true, 1) => form.feature(obs[i].y),
        _ => 1.0,
    });
    let y = DVector::from_fn(n, |i, _| form.response(obs[i].alpha));
    let w: Vec<f64> = obs.iter().map(|o| o.w).collect();
    let weighted = w.iter().any(|&v| v != 1.0);
    let names: &[&str] = if uses_y {
        &["A", "B", "C"]
    } else {
        &["A", "C"]
    };
    let fit = wls(&x, &y, weighted.then_some(w.as_slice()), names, true)?;
    Ok(Model { form, uses_y, fit })
}

/// Whether a set of observations can identify the target term (≥ 2
/// distinct target perplexities).
pub fn identifies_y(obs: &[&Obs]) -> bool {
    super::n_distinct(obs.iter().map(|o| o.y)) >= 2
}

/// The target-term test: t-test of B in the full model and the partial F
/// test of the x-only model against it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TargetTermTest {
    /// t statistic of B.
    pub t: f64,
    /// Two-sided p value of B.
    pub p: f64,
    /// Partial F = (SSR_x − SSR_xy)/(SSR_xy/(n − 3)).
    pub partial_f: f64,
    /// p value of the partial F (F(1, n − 3)).
    pub partial_f_p: f64,
    /// Whether B is significant at 5%.
    pub needed_at_5pct: bool,
}

/// Computes the target-term test from the full and x-only fits.
pub fn target_term_test(full: &OlsFit, reduced: &OlsFit) -> TargetTermTest {
    let b = &full.coefficients[1];
    let df = full.df_resid as f64;
    let f = (reduced.ssr - full.ssr) / (full.ssr / df);
    let fp = super::ols::f_sf(1.0, df, f);
    TargetTermTest {
        t: b.t,
        p: b.p,
        partial_f: f,
        partial_f_p: fp,
        needed_at_5pct: b.p < 0.05,
    }
}

/// Cross-validated prediction error.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CvResult {
    /// Root mean squared error of α over held-out rows.
    pub rmse: f64,
    /// Mean absolute error of α.
    pub mae: f64,
    /// Held-out rows predicted.
    pub n: usize,
    /// Folds used.
    pub folds: usize,
    /// Folds skipped (too few training rows).
    pub folds_skipped: usize,
    /// Predictions outside (0, 1).
    pub outside_unit_interval: usize,
    /// Held-out rows whose x or y lies outside the training range.
    pub extrapolated: usize,
}

/// Leave-one-group-out CV of a form: for each group, fit on the others
/// (with the target term when the training rows identify it) and predict the
/// group. None with fewer than two groups.
///
/// Linear in rows: each fold's weighted least-squares fit is solved from the
/// training rows' sufficient statistics — the cross-products of (x̃, ỹ, 1)
/// and the response, the totals minus the fold's own — instead of a refit
/// per fold (O(rows × groups): 68 s at 10⁵ rows and 1000 targets). x̃, ỹ are
/// the form's features centred on their means (over the rows with finite
/// features), which leaves each fit's predictions unchanged in exact
/// arithmetic and keeps the small normal equations well conditioned; a fold
/// holding more than half the rows has its training statistics summed
/// directly (centred on the training rows' means) rather than as a small
/// difference of large totals. The equations are solved by a Cholesky
/// factorisation after scaling the columns to unit norm. A fold is skipped
/// (counted in `folds_skipped`) when its training rows are no more than the
/// coefficients, hold a non-finite feature or response (the logit of α = 0
/// or 1), or are collinear (a scaled pivot below 1e-10, i.e. a column
/// within 1e-5 of the span of the others; the QR refit's threshold is
/// tighter, so folds collinear to between about 1e-13 and 1e-5 are fitted by
/// the one and skipped by the other). [`cross_validate_by_refits`], a QR
/// refit per fold, is its twin in the tests.
pub fn cross_validate(
    obs: &[Obs],
    form: Form,
    group: impl Fn(usize, &Obs) -> Option<String>,
) -> Option<CvResult> {
    use std::collections::HashMap;
    let mut index: HashMap<String, usize> = HashMap::new();
    let gid: Vec<Option<usize>> = obs
        .iter()
        .enumerate()
        .map(|(i, o)| {
            group(i, o).map(|g| {
                let k = index.len();
                *index.entry(g).or_insert(k)
            })
        })
        .collect();
    let ng = index.len();
    if ng < 2 {
        return None;
    }
    let feats: Vec<[f64; 3]> = obs
        .iter()
        .map(|o| [form.feature(o.x), form.feature(o.y), form.response(o.alpha)])
        .collect();
    let all_centre = centre_of(&feats, obs, &mut (0..obs.len()));
    let mut total = CrossProducts::default();
    let mut per: Vec<CrossProducts> = vec![CrossProducts::default(); ng];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); ng];
    // distinct target perplexities, to count those each fold's training
    // rows keep
    let mut y_total: HashMap<u64, usize> = HashMap::new();
    for (i, gi) in gid.iter().enumerate() {
        total.add(&feats[i], &obs[i], all_centre);
        *y_total.entry(obs[i].y.to_bits()).or_insert(0) += 1;
        if let Some(g) = *gi {
            per[g].add(&feats[i], &obs[i], all_centre);
            members[g].push(i);
        }
    }
    let (xr, yr) = (
        training_ranges(obs, &gid, &members, |o| o.x),
        training_ranges(obs, &gid, &members, |o| o.y),
    );
    let mut tally = CvTally::default();
    for g in 0..ng {
        let mut y_fold: HashMap<u64, usize> = HashMap::new();
        for &i in &members[g] {
            *y_fold.entry(obs[i].y.to_bits()).or_insert(0) += 1;
        }
        let gone = y_fold.iter().filter(|(k, c)| y_total[*k] == **c).count();
        let uses_y = y_total.len() - gone >= 2;
        let cols: &[usize] = if uses_y { &[0, 1, 2] } else { &[0, 2] };
        // A fold holding more than half the rows (at most one) would leave
        // its training statistics as a small difference of large totals:
        // those are summed directly over the training rows, centred on their
        // own means. Every other fold's are the totals minus its own.
        let (train, c) = if 2 * per[g].n > total.n {
            let c = centre_of(
                &feats,
                obs,
                &mut (0..obs.len()).filter(|&i| gid[i] != Some(g)),
            );
            let mut t = CrossProducts::default();
            for i in (0..obs.len()).filter(|&i| gid[i] != Some(g)) {
                t.add(&feats[i], &obs[i], c);
            }
            (t, c)
        } else {
            (total.minus(&per[g]), all_centre)
        };
        let coef = (train.n > cols.len() && train.bad == 0)
            .then(|| {
                let a: Vec<Vec<f64>> = cols
                    .iter()
                    .map(|&i| cols.iter().map(|&j| train.uu[i][j]).collect())
                    .collect();
                let b: Vec<f64> = cols.iter().map(|&i| train.ur[i]).collect();
                solve_scaled_spd(&a, &b)
            })
            .flatten();
        let Some(coef) = coef else {
            tally.skipped += 1;
            continue;
        };
        tally.folds += 1;
        for &i in &members[g] {
            let (o, f) = (&obs[i], &feats[i]);
            let u = [f[0] - c.0, f[1] - c.1, 1.0];
            let z: f64 = cols.iter().zip(&coef).map(|(&j, c)| c * u[j]).sum();
            let outside_range =
                o.x < xr[g].0 || o.x > xr[g].1 || (uses_y && (o.y < yr[g].0 || o.y > yr[g].1));
            tally.add(o, form.inverse(z), outside_range);
        }
    }
    tally.result()
}

/// Whether a row's features, response and weight can enter a fit.
fn cv_row_ok(f: &[f64; 3], o: &Obs) -> bool {
    f.iter().all(|v| v.is_finite()) && o.w.is_finite() && o.w > 0.0
}

/// The mean features (x, y) of some rows (those that can enter a fit): the
/// centre of their fit.
fn centre_of(feats: &[[f64; 3]], obs: &[Obs], rows: &mut dyn Iterator<Item = usize>) -> (f64, f64) {
    let (mut sx, mut sy, mut m) = (0.0, 0.0, 0usize);
    for i in rows {
        if cv_row_ok(&feats[i], &obs[i]) {
            sx += feats[i][0];
            sy += feats[i][1];
            m += 1;
        }
    }
    if m > 0 {
        (sx / m as f64, sy / m as f64)
    } else {
        (0.0, 0.0)
    }
}

/// Weighted cross-products of u = (x − cx, y − cy, 1) and the response over
/// some rows, with their count and the count of rows that cannot enter a fit.
#[derive(Clone, Copy, Default)]
struct CrossProducts {
    uu: [[f64; 3]; 3],
    ur: [f64; 3],
    n: usize,
    bad: usize,
}

impl CrossProducts {
    /// Adds one row (features and response `f`) centred on `c`.
    fn add(&mut self, f: &[f64; 3], o: &Obs, c: (f64, f64)) {
        self.n += 1;
        if !cv_row_ok(f, o) {
            self.bad += 1;
            return;
        }
        let u = [f[0] - c.0, f[1] - c.1, 1.0];
        for a in 0..3 {
            for b in 0..3 {
                self.uu[a][b] += o.w * u[a] * u[b];
            }
            self.ur[a] += o.w * u[a] * f[2];
        }
    }

    /// The rows of `self` without those of `part` (a subset, same centre).
    fn minus(&self, part: &CrossProducts) -> CrossProducts {
        let mut d = CrossProducts {
            n: self.n - part.n,
            bad: self.bad - part.bad,
            ..CrossProducts::default()
        };
        for a in 0..3 {
            for b in 0..3 {
                d.uu[a][b] = self.uu[a][b] - part.uu[a][b];
            }
            d.ur[a] = self.ur[a] - part.ur[a];
        }
        d
    }
}

/// Each group's training range of `f` (x or y): the extremes over the other
/// groups and the ungrouped rows, from the two smallest minima and the two
/// largest maxima by group.
fn training_ranges(
    obs: &[Obs],
    gid: &[Option<usize>],
    members: &[Vec<usize>],
    f: fn(&Obs) -> f64,
) -> Vec<(f64, f64)> {
    let range_of = |rows: &mut dyn Iterator<Item = usize>| {
        rows.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), i| {
            (a.min(f(&obs[i])), b.max(f(&obs[i])))
        })
    };
    let ng = members.len();
    let loose = range_of(&mut (0..obs.len()).filter(|&i| gid[i].is_none()));
    let (mut lo1, mut lo2, mut hi1, mut hi2) = (
        (f64::INFINITY, ng),
        f64::INFINITY,
        (f64::NEG_INFINITY, ng),
        f64::NEG_INFINITY,
    );
    for (g, rows) in members.iter().enumerate() {
        let (a, b) = range_of(&mut rows.iter().copied());
        if a < lo1.0 {
            lo2 = lo1.0;
            lo1 = (a, g);
        } else if a < lo2 {
            lo2 = a;
        }
        if b > hi1.0 {
            hi2 = hi1.0;
            hi1 = (b, g);
        } else if b > hi2 {
            hi2 = b;
        }
    }
    (0..ng)
        .map(|g| {
            let lo = if lo1.1 == g { lo2 } else { lo1.0 };
            let hi = if hi1.1 == g { hi2 } else { hi1.0 };
            (lo.min(loose.0), hi.max(loose.1))
        })
        .collect()
}

/// The held-out errors and counts of a cross-validation.
#[derive(Default)]
struct CvTally {
    se: f64,
    ae: f64,
    wsum: f64,
    n: usize,
    folds: usize,
    skipped: usize,
    outside: usize,
    extra: usize,
}

impl CvTally {
    /// One held-out row and its prediction (`extrapolated`: x or y outside
    /// the training range).
    fn add(&mut self, o: &Obs, pred: f64, extrapolated: bool) {
        if !(pred > 0.0 && pred < 1.0) {
            self.outside += 1;
        }
        if extrapolated {
            self.extra += 1;
        }
        self.se += o.w * (pred - o.alpha).powi(2);
        self.ae += o.w * (pred - o.alpha).abs();
        self.wsum += o.w;
        self.n += 1;
    }

    fn result(self) -> Option<CvResult> {
        (self.n > 0).then(|| CvResult {
            rmse: (self.se / self.wsum).sqrt(),
            mae: self.ae / self.wsum,
            n: self.n,
            folds: self.folds,
            folds_skipped: self.skipped,
            outside_unit_interval: self.outside,
            extrapolated: self.extra,
        })
    }
}

/// Solves the normal equations A·c = b (A symmetric, at most 3×3) by a
/// Cholesky factorisation of A with its columns scaled to unit diagonal;
/// None when a diagonal entry is not positive or a scaled pivot is below
/// 1e-10 (collinear columns).
#[allow(clippy::needless_range_loop)] // the textbook index form
fn solve_scaled_spd(a: &[Vec<f64>], b: &[f64]) -> Option<Vec<f64>> {
    let p = b.len();
    let d: Vec<f64> = (0..p).map(|i| a[i][i].sqrt()).collect();
    if d.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return None;
    }
    // L·Lᵀ = D⁻¹·A·D⁻¹
    let mut l = vec![vec![0.0; p]; p];
    for i in 0..p {
        for j in 0..=i {
            let mut v = a[i][j] / (d[i] * d[j]);
            for k in 0..j {
                v -= l[i][k] * l[j][k];
            }
            if i == j {
                if v.is_nan() || v <= 1e-10 {
                    return None;
                }
                l[i][i] = v.sqrt();
            } else {
                l[i][j] = v / l[j][j];
            }
        }
    }
    // forward and back substitution on D⁻¹·b, then c = D⁻¹·z
    let mut z: Vec<f64> = (0..p).map(|i| b[i] / d[i]).collect();
    for i in 0..p {
        for k in 0..i {
            z[i] -= l[i][k] * z[k];
        }
        z[i] /= l[i][i];
    }
    for i in (0..p).rev() {
        for k in i + 1..p {
            z[i] -= l[k][i] * z[k];
        }
        z[i] /= l[i][i];
    }
    Some((0..p).map(|i| z[i] / d[i]).collect())
}

/// The brute-force twin of [`cross_validate`]: a QR refit on each fold's
/// training rows (O(rows × groups)). For the tests.
#[doc(hidden)]
pub fn cross_validate_by_refits(
    obs: &[Obs],
    form: Form,
    group: impl Fn(usize, &Obs) -> Option<String>,
) -> Option<CvResult> {
    let mut groups: Vec<String> = Vec::new();
    for (i, o) in obs.iter().enumerate() {
        if let Some(g) = group(i, o)
            && !groups.contains(&g)
        {
            groups.push(g);
        }
    }
    if groups.len() < 2 {
        return None;
    }
    let mut tally = CvTally::default();
    for g in &groups {
        let in_fold = |i: usize, o: &Obs| group(i, o).as_ref() == Some(g);
        let train: Vec<&Obs> = obs
            .iter()
            .enumerate()
            .filter(|(i, o)| !in_fold(*i, o))
            .map(|(_, o)| o)
            .collect();
        let test: Vec<&Obs> = obs
            .iter()
            .enumerate()
            .filter(|(i, o)| in_fold(*i, o))
            .map(|(_, o)| o)
            .collect();
        let uses_y = identifies_y(&train);
        let model = match fit_model(&train, form, uses_y) {
            Ok(m) if train.len() > if uses_y { 3 } else { 2 } => m,
            _ => {
                tally.skipped += 1;
                continue;
            }
        };
        tally.folds += 1;
        let range = |f: fn(&Obs) -> f64| {
            train
                .iter()
                .map(|o| f(o))
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(v), b.max(v))
                })
        };
        let (xr, yr) = (range(|o| o.x), range(|o| o.y));
        for o in test {
            let outside_range = o.x < xr.0 || o.x > xr.1 || (uses_y && (o.y < yr.0 || o.y > yr.1));
            tally.add(o, model.predict(o.x, o.y), outside_range);
        }
    }
    tally.result()
}

/// AIC of a fitted form on the α scale (see module docs).
pub fn aic_alpha_scale(model: &Model, obs: &[&Obs]) -> f64 {
    let n = obs.len() as f64;
    let k = (model.fit.p + 1) as f64;
    let ll = -0.5 * n * ((2.0 * std::f64::consts::PI * model.fit.ssr / n).ln() + 1.0);
    let jac = if model.form == Form::LogitPpl {
        -obs.iter()
            .map(|o| (o.alpha * (1.0 - o.alpha)).ln())
            .sum::<f64>()
    } else {
        0.0
    };
    2.0 * k - 2.0 * (ll + jac)
}

/// A bootstrap interval pair for one quantity.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BootEstimate {
    /// Estimate, bootstrap SE and 95% percentile interval.
    pub percentile: Interval,
    /// Estimate, bootstrap SE and 95% BCa interval (`ci95` null when
    /// undefined: a degenerate resample or a failed jackknife).
    pub bca: Interval,
}

/// Bootstrap of one model's coefficients and R².
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ModelBootstrap {
    /// Replicates requested.
    pub replicates: usize,
    /// Replicates whose refit failed (rank-deficient resample) and were skipped.
    pub failed: usize,
    /// Estimates by name (A, B, C, r2).
    pub estimates: BTreeMap<String, BootEstimate>,
    /// Per replicate, in replicate order: the statistics (coefficients then
    /// R²), or None where the resample was rank-deficient.
    #[serde(skip)]
    pub replicate_stats: Vec<Option<Vec<f64>>>,
}

fn stats(m: &Model) -> Vec<f64> {
    let mut v = m.fit.estimates();
    v.push(m.fit.r2);
    v
}

fn stat_names(uses_y: bool) -> Vec<&'static str> {
    if uses_y {
        vec!["A", "B", "C", "r2"]
    } else {
        vec!["A", "C", "r2"]
    }
}

/// Up to this many rows the jackknife refits the model without each row;
/// above it, [`jackknife_closed_form`] computes the same fits in O(rows).
pub const JACKKNIFE_REFIT_MAX: usize = 500;

/// The leave-one-out fits' statistics (coefficients, R²) by refitting
/// without each row: O(rows²). None where a refit fails.
#[doc(hidden)]
pub fn jackknife_by_refits(obs: &[&Obs], model: &Model) -> Vec<Option<Vec<f64>>> {
    (0..obs.len())
        .map(|i| {
            let sample: Vec<&Obs> = obs
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != i)
                .map(|(_, o)| *o)
                .collect();
            fit_model(&sample, model.form, model.uses_y)
                .ok()
                .map(|m| stats(&m))
        })
        .collect()
}

/// The leave-one-out fits' statistics in closed form (the deletion
/// identities of weighted least squares; Belsley, Kuh & Welsch 1980, ch. 2):
/// with G = XᵀWX, residual eᵢ and leverage hᵢ = wᵢ·xᵢᵀG⁻¹xᵢ of the full fit,
///
///   β₍ᵢ₎ = β − G⁻¹xᵢ·wᵢeᵢ/(1 − hᵢ),   SSR₍ᵢ₎ = SSR − wᵢeᵢ²/(1 − hᵢ),
///   SST₍ᵢ₎ = SST − wᵢ(yᵢ − ȳ)²·W/(W − wᵢ)  (ȳ, W the weighted mean and sum),
///
/// R²₍ᵢ₎ = 1 − SSR₍ᵢ₎/SST₍ᵢ₎. O(rows). A row whose removal leaves the design
/// singular (1 − hᵢ ≤ 1e-10) or too few rows gets None, as a failed refit
/// does. [`jackknife_by_refits`] is its twin in the tests.
#[doc(hidden)]
pub fn jackknife_closed_form(obs: &[&Obs], model: &Model) -> Vec<Option<Vec<f64>>> {
    let n = obs.len();
    let p = if model.uses_y { 3 } else { 2 };
    let weighted = obs.iter().any(|o| o.w != 1.0);
    let row = |o: &Obs| -> (Vec<f64>, f64, f64) {
        let x = if model.uses_y {
            vec![model.form.feature(o.x), model.form.feature(o.y), 1.0]
        } else {
            vec![model.form.feature(o.x), 1.0]
        };
        (
            x,
            model.form.response(o.alpha),
            if weighted { o.w } else { 1.0 },
        )
    };
    let rows: Vec<_> = obs.iter().map(|o| row(o)).collect();
    let mut g = DMatrix::<f64>::zeros(p, p);
    for (x, _, w) in &rows {
        for a in 0..p {
            for b in 0..p {
                g[(a, b)] += w * x[a] * x[b];
            }
        }
    }
    let Some(ginv) = g.try_inverse() else {
        return vec![None; n];
    };
    let beta = model.fit.estimates();
    let wsum: f64 = rows.iter().map(|r| r.2).sum();
    let ybar = rows.iter().map(|(_, y, w)| w * y).sum::<f64>() / wsum;
    let resid: Vec<f64> = rows
        .iter()
        .map(|(x, y, _)| y - x.iter().zip(&beta).map(|(a, b)| a * b).sum::<f64>())
        .collect();
    let ssr: f64 = rows.iter().zip(&resid).map(|(r, e)| r.2 * e * e).sum();
    let sst: f64 = rows.iter().map(|(_, y, w)| w * (y - ybar).powi(2)).sum();
    rows.iter()
        .zip(&resid)
        .map(|((x, y, w), e)| {
            if n - 1 < p {
                return None;
            }
            let gx: Vec<f64> = (0..p)
                .map(|a| (0..p).map(|b| ginv[(a, b)] * x[b]).sum())
                .collect();
            let h = w * x.iter().zip(&gx).map(|(a, b)| a * b).sum::<f64>();
            if (1.0 - h).is_nan() || 1.0 - h <= 1e-10 {
                return None;
            }
            let k = w * e / (1.0 - h);
            let mut v: Vec<f64> = beta.iter().zip(&gx).map(|(b, c)| b - c * k).collect();
            let ssr_i = ssr - w * e * e / (1.0 - h);
            let sst_i = sst - w * (y - ybar).powi(2) * wsum / (wsum - w);
            v.push(1.0 - ssr_i / sst_i);
            Some(v)
        })
        .collect()
}

/// BCa interval from sorted replicates, the point estimate and jackknife values.
pub fn bca_interval(sorted: &[f64], point: f64, jack: &[f64]) -> Option<[f64; 2]> {
    let b = sorted.len() as f64;
    let below = sorted.iter().filter(|&&v| v < point).count() as f64;
    let ties = sorted.iter().filter(|&&v| v == point).count() as f64;
    let share = (below + 0.5 * ties) / b;
    if share <= 0.0 || share >= 1.0 || !point.is_finite() {
        return None;
    }
    let normal = Normal::new(0.0, 1.0).ok()?;
    let z0 = normal.inverse_cdf(share);
    let m = jack.iter().sum::<f64>() / jack.len() as f64;
    let s2: f64 = jack.iter().map(|v| (m - v).powi(2)).sum();
    let s3: f64 = jack.iter().map(|v| (m - v).powi(3)).sum();
    if s2.is_nan() || s2 <= 0.0 || s2.is_infinite() {
        return None;
    }
    let a = s3 / (6.0 * s2.powf(1.5));
    let level = |q: f64| {
        let zq = normal.inverse_cdf(q);
        normal.cdf(z0 + (z0 + zq) / (1.0 - a * (z0 + zq)))
    };
    let (lo, hi) = (level(0.025), level(0.975));
    if !(lo.is_finite() && hi.is_finite()) {
        return None;
    }
    Some([quantile_sorted(sorted, lo), quantile_sorted(sorted, hi)])
}

/// Case-resampling bootstrap of a model (same form and terms), replicate i
/// drawn from (seed, i) only; runs on the current rayon pool.
pub fn bootstrap_model(
    obs: &[&Obs],
    model: &Model,
    replicates: usize,
    seed: u64,
) -> ModelBootstrap {
    let n = obs.len();
    let reps: Vec<Option<Vec<f64>>> = (0..replicates as u64)
        .into_par_iter()
        .map(|i| {
            let idx = resample_indices(seed, i, n);
            let sample: Vec<&Obs> = idx.iter().map(|&k| obs[k]).collect();
            fit_model(&sample, model.form, model.uses_y)
                .ok()
                .map(|m| stats(&m))
        })
        .collect();
    let ok: Vec<&Vec<f64>> = reps.iter().flatten().collect();
    let jack = if n <= JACKKNIFE_REFIT_MAX {
        jackknife_by_refits(obs, model)
    } else {
        jackknife_closed_form(obs, model)
    };
    let jack_ok = jack.iter().all(Option::is_some);
    let point = stats(model);
    let estimates = stat_names(model.uses_y)
        .into_iter()
        .enumerate()
        .map(|(k, name)| {
            let mut vals: Vec<f64> = ok.iter().map(|r| r[k]).collect();
            vals.sort_by(f64::total_cmp);
            let jk: Vec<f64> = jack.iter().flatten().map(|r| r[k]).collect();
            let bca = if jack_ok && vals.len() >= 2 {
                bca_interval(&vals, point[k], &jk)
            } else {
                None
            };
            let se = (vals.len() >= 2).then(|| sample_sd(&vals));
            let est = BootEstimate {
                percentile: Interval::new(
                    point[k],
                    se,
                    Some([quantile_sorted(&vals, 0.025), quantile_sorted(&vals, 0.975)]),
                    IntervalMethod::Percentile,
                ),
                bca: Interval::new(point[k], se, bca, IntervalMethod::Bca),
            };
            (name.to_string(), est)
        })
        .collect();
    ModelBootstrap {
        replicates,
        failed: reps.len() - ok.len(),
        estimates,
        replicate_stats: reps.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table of `targets` × `drafts` rows from the paper's law with noise
    /// (a fixed LCG), three draft families, some weights.
    fn table(targets: usize, drafts: usize, seed: u64) -> Vec<Obs> {
        let mut s = seed;
        let mut unif = move || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut out = Vec::new();
        for t in 0..targets {
            let y = 5.0 + 7.0 * unif();
            for d in 0..drafts {
                let x = y + 2.0 + 18.0 * unif();
                let alpha =
                    (-0.012 * x + 0.02 * y + 0.75 + 0.04 * (unif() - 0.5)).clamp(0.02, 0.98);
                out.push(Obs {
                    draft: format!("d{d}"),
                    target: format!("T{t}"),
                    family: Some(format!("f{}", d % 3)),
                    x,
                    y,
                    alpha,
                    w: if d % 4 == 0 { 2.0 } else { 1.0 },
                });
            }
        }
        out
    }

    fn agree(a: &CvResult, b: &CvResult) {
        let rel = |x: f64, y: f64| (x - y).abs() <= 1e-10 * y.abs();
        assert!(rel(a.rmse, b.rmse) && rel(a.mae, b.mae), "{a:?} vs {b:?}");
        assert_eq!(
            (
                a.n,
                a.folds,
                a.folds_skipped,
                a.outside_unit_interval,
                a.extrapolated
            ),
            (
                b.n,
                b.folds,
                b.folds_skipped,
                b.outside_unit_interval,
                b.extrapolated
            )
        );
    }

    /// A group holding nearly all the rows: leaving it out trains on the few
    /// others, which must not come from a difference of large totals — a
    /// collinear minority (x = 2y + 1, rank-deficient with the target term)
    /// is skipped as the refit skips it, and an offset minority predicts as
    /// the refit does.
    #[test]
    fn cross_validation_with_a_dominant_group_matches_a_refit_per_fold() {
        let mut obs = table(500, 20, 5);
        for o in obs.iter_mut() {
            o.family = Some("big".into());
        }
        let minority = |rows: &[(f64, f64)]| -> Vec<Obs> {
            rows.iter()
                .enumerate()
                .map(|(i, &(x, y))| Obs {
                    draft: format!("s{i}"),
                    target: format!("S{i}"),
                    family: Some("small".into()),
                    x,
                    y,
                    alpha: 0.9 - 0.01 * x + 0.002 * y,
                    w: 1.0 + (i % 3) as f64,
                })
                .collect()
        };
        let by_family = |_: usize, o: &Obs| o.family.clone();
        let collinear = [(13.0, 6.0), (13.0, 6.0), (17.0, 8.0), (21.0, 10.0)];
        let offset = [
            (210.0, 200.0),
            (230.0, 201.0),
            (260.0, 204.0),
            (215.0, 207.0),
            (290.0, 199.0),
            (240.0, 203.0),
            (270.0, 206.0),
            (225.0, 202.0),
        ];
        for rows in [&collinear[..], &offset[..]] {
            let mut all = obs.clone();
            all.extend(minority(rows));
            for form in [Form::AffinePpl, Form::AffineLogPpl] {
                let fast = cross_validate(&all, form, by_family).unwrap();
                let slow = cross_validate_by_refits(&all, form, by_family).unwrap();
                agree(&fast, &slow);
            }
        }
    }

    /// The closed-form jackknife equals a refit without each row, weighted
    /// or not, with and without the target term.
    #[test]
    fn the_closed_form_jackknife_matches_a_refit_per_row() {
        for (targets, drafts, seed, unit) in
            [(30, 8, 7, false), (30, 8, 8, true), (1, 40, 9, false)]
        {
            let mut obs = table(targets, drafts, seed);
            if unit {
                obs.iter_mut().for_each(|o| o.w = 1.0);
            }
            let all: Vec<&Obs> = obs.iter().collect();
            let uses_y = identifies_y(&all);
            let model = fit_model(&all, Form::AffinePpl, uses_y).unwrap();
            let fast = jackknife_closed_form(&all, &model);
            let slow = jackknife_by_refits(&all, &model);
            for (i, (a, b)) in fast.iter().zip(&slow).enumerate() {
                let (a, b) = (a.as_ref().unwrap(), b.as_ref().unwrap());
                for (k, (x, y)) in a.iter().zip(b).enumerate() {
                    assert!(
                        (x - y).abs() <= 1e-9 * y.abs().max(1e-3),
                        "row {i} stat {k}: {x} vs {y}"
                    );
                }
            }
        }
    }

    /// The sufficient-statistics CV equals a refit per fold: every form,
    /// by target, by family, by row, with two targets (folds lose the target
    /// term) and with a fold whose training rows hold α = 1 (logit skipped).
    #[test]
    fn cross_validation_matches_a_refit_per_fold() {
        for (targets, drafts, seed) in [(6, 5, 1), (2, 6, 2), (40, 4, 3), (1, 9, 4)] {
            let mut obs = table(targets, drafts, seed);
            if seed == 3 {
                obs[5].alpha = 1.0;
            }
            for form in Form::ALL {
                let by_target = |_: usize, o: &Obs| Some(o.target.clone());
                let by_family = |_: usize, o: &Obs| o.family.clone();
                let by_row = |i: usize, _: &Obs| Some(i.to_string());
                let some = |i: usize, o: &Obs| (!i.is_multiple_of(5)).then(|| o.draft.clone());
                for (fast, slow) in [
                    (
                        cross_validate(&obs, form, by_target),
                        cross_validate_by_refits(&obs, form, by_target),
                    ),
                    (
                        cross_validate(&obs, form, by_family),
                        cross_validate_by_refits(&obs, form, by_family),
                    ),
                    (
                        cross_validate(&obs, form, by_row),
                        cross_validate_by_refits(&obs, form, by_row),
                    ),
                    (
                        cross_validate(&obs, form, some),
                        cross_validate_by_refits(&obs, form, some),
                    ),
                ] {
                    match (fast, slow) {
                        (Some(a), Some(b)) => agree(&a, &b),
                        (a, b) => assert_eq!(a.is_none(), b.is_none(), "{a:?} vs {b:?}"),
                    }
                }
            }
        }
    }
}
