//! Robust nonlinear fit of the loss law L(N, D) = E + A/N^α + B/D^β
//! (Hoffmann et al. 2022, approach 3; replication: Besiroglu et al. 2024,
//! arXiv:2404.10102, docs/method.md, "The loss law").
//!
//! Parameterisation (internal only): θ = [a, b, e, α, β] with A = eᵃ,
//! B = eᵇ, E = eᵉ. The prediction of ln L is a log-sum-exp,
//!
//!   pred = LSE(a − α·ln N, b − β·ln D, e),   r = ln L − pred,
//!
//! evaluated stably (shifted by the largest term), four rows at a time with
//! SIMD in [`super::loss_kernel`] (bit-identical to its scalar twin, sums in
//! row order). Its gradient is the
//! softmax weights w₁, w₂, w₃ of the three terms:
//! ∂pred/∂a = w₁, ∂pred/∂α = −w₁·ln N, ∂pred/∂b = w₂, ∂pred/∂β = −w₂·ln D,
//! ∂pred/∂e = w₃.
//!
//! Objectives ([`Objective`]):
//! - `huber` (Hoffmann's): the **sum** (not the mean) of Huber_δ(r), with
//!   Huber_δ(r) = ½r² for |r| ≤ δ and δ(|r| − ½δ) beyond; δ = 1e-3 as in
//!   Hoffmann et al. (their §3.3), which makes the loss nearly L1 for the
//!   digitised data's residuals (≈ 1e-2) and so robust to outliers.
//! - `huber-mle` (Besiroglu et al.'s published point estimate): maximum
//!   likelihood of the density exp(−Huber_δ(r/s))/(s·Z(δ)) with learned scale
//!   s = e^σ, i.e. minimise Σ[Huber_δ(r/s)] + n·ln Z(δ) + n·σ with
//!   Z(δ) = √(2π)(1 − 2Φ̄(δ)) + 2e^(−δ²/2)/δ (Z(1e-3) = 2000.001…).
//! - `lsq`: Σ r², ordinary least squares on ln L.
//!
//! Optimiser: L-BFGS ([`super::lbfgs`], memory 10, strong-Wolfe line search)
//! with analytic gradients (checked against finite differences in the tests),
//! from every start of a grid (default: Hoffmann's 4500-point grid), keeping
//! the best. Stopping: gradient norm below `tol_grad` (default 1e-11, i.e.
//! ≈ 1e-8 of the Huber objective's scale at the optimum — scipy's absolute
//! default of 1e-5 stops bootstrap refits early and shrinks their SEs by
//! half), or the line search finding no further decrease (precision limit).
//! A start counts as converged when its final gradient norm is at most
//! `accept_grad`·max(1, |f|) (default 1e-6, relative to the objective's
//! magnitude, which is ≈ 1e-3 for `huber` and ≈ 900 for `huber-mle`),
//! whatever the stop reason.
//!
//! Constraints: any of E, A, B, α, β may be fixed, and α = β may be tied; the
//! optimiser then works on the free coordinates only (chain rule on the
//! gradient).

use crate::error::SdslError;
use crate::law::LossLaw;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// Names of θ's coordinates in the law-file vocabulary, in θ order.
pub const PARAM_NAMES: [&str; 5] = ["A", "B", "E", "alpha", "beta"];

/// Hoffmann et al.'s unrounded initialisation, θ = [a, b, e, α, β]
/// (Besiroglu et al.'s starting point for the MLE and the bootstrap).
pub const HOFFMANN_INIT: [f64; 5] = [6.0073404, 6.0179186, 0.5267228, 0.33917084, 0.2849083];

/// The data of a fit: ln N, ln D, ln L per row, and each row's weight (its
/// multiplicity: 1 for a table, the number of draws in a bootstrap resample).
#[derive(Debug, Clone, PartialEq)]
pub struct LossData {
    ln_n: Vec<f64>,
    ln_d: Vec<f64>,
    ln_l: Vec<f64>,
    weight: Vec<f64>,
}

impl LossData {
    /// Builds the data from N, D and loss (each finite and > 0; checked).
    pub fn new(n: &[f64], d: &[f64], loss: &[f64]) -> Result<LossData, SdslError> {
        if n.len() != d.len() || n.len() != loss.len() {
            return Err(SdslError::InvalidArgument(
                "loss data: columns of unequal length".into(),
            ));
        }
        for (i, ((&a, &b), &c)) in n.iter().zip(d).zip(loss).enumerate() {
            for (name, v) in [("N", a), ("D", b), ("loss", c)] {
                if !(v.is_finite() && v > 0.0) {
                    return Err(SdslError::InvalidArgument(format!(
                        "loss data row {}: {name} = {v} must be a finite number > 0",
                        i + 1
                    )));
                }
                if v < f64::MIN_POSITIVE {
                    return Err(SdslError::InvalidArgument(format!(
                        "loss data row {}: {name} = {v:e} is subnormal (below {:e}); check the column's units",
                        i + 1,
                        f64::MIN_POSITIVE
                    )));
                }
            }
        }
        Ok(LossData {
            ln_n: n.iter().map(|v| v.ln()).collect(),
            ln_d: d.iter().map(|v| v.ln()).collect(),
            ln_l: loss.iter().map(|v| v.ln()).collect(),
            weight: vec![1.0; loss.len()],
        })
    }

    /// Refuses designs whose constants the fit cannot identify: fewer than
    /// two distinct N (then A and α are not identified, unless both are
    /// fixed), fewer than two distinct D (likewise B and β), or fewer
    /// distinct (N, D) points than free parameters. Without this an
    /// optimiser returns an arbitrary point of a flat valley as "the" fit.
    pub fn check_identifiable(&self, c: &Constraints, n_free: usize) -> Result<(), SdslError> {
        let n = super::n_distinct(self.ln_n.iter().copied());
        let d = super::n_distinct(self.ln_d.iter().copied());
        let mut pairs: Vec<(u64, u64)> = self
            .ln_n
            .iter()
            .zip(&self.ln_d)
            .map(|(a, b)| (a.to_bits(), b.to_bits()))
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        // PARAM_NAMES order: A, B, E, alpha, beta
        let fixed = |j: usize| c.fixed[j].is_some();
        let refuse = |what: String| {
            Err(SdslError::InvalidArgument(format!(
                "loss data: {what}; the fit cannot identify the law's constants: add rows at other sizes or budgets, or fix the constants it cannot see"
            )))
        };
        if n < 2 && !(fixed(0) && fixed(3)) {
            return refuse(format!("{n} distinct N (need ≥ 2 for A and alpha)"));
        }
        if d < 2 && !(fixed(1) && fixed(4)) {
            return refuse(format!("{d} distinct D (need ≥ 2 for B and beta)"));
        }
        if pairs.len() < n_free {
            return refuse(format!(
                "{} distinct (N, D) points for {n_free} free parameters",
                pairs.len()
            ));
        }
        Ok(())
    }

    /// Number of distinct rows held (a resample holds each drawn row once,
    /// with its multiplicity as weight).
    pub fn len(&self) -> usize {
        self.ln_l.len()
    }

    /// Σ of the row weights: the number of rows the objective counts.
    pub fn total_weight(&self) -> f64 {
        self.weight.iter().sum()
    }

    /// Whether every row has weight 1 (a table, not a resample).
    pub fn unit_weights(&self) -> bool {
        self.weight.iter().all(|&w| w == 1.0)
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ln_l.is_empty()
    }

    /// The rows at `idx` (with repetition), for the bootstrap: each drawn
    /// row once, in table order, weighted by how often it was drawn times
    /// its own weight. The objective is the same sum as over the rows with
    /// repetition (up to the order of the additions) and costs ≈ 37% less
    /// (a resample of n rows holds ≈ 63% of them).
    pub fn resample(&self, idx: &[usize]) -> LossData {
        let mut count = vec![0u32; self.len()];
        for &i in idx {
            count[i] += 1;
        }
        let kept: Vec<usize> = (0..self.len()).filter(|&i| count[i] > 0).collect();
        LossData {
            ln_n: kept.iter().map(|&i| self.ln_n[i]).collect(),
            ln_d: kept.iter().map(|&i| self.ln_d[i]).collect(),
            ln_l: kept.iter().map(|&i| self.ln_l[i]).collect(),
            weight: kept
                .iter()
                .map(|&i| f64::from(count[i]) * self.weight[i])
                .collect(),
        }
    }
}

/// The objective minimised.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "name", rename_all = "kebab-case")]
pub enum Objective {
    /// Σ Huber_δ(r).
    Huber {
        /// Huber threshold δ.
        delta: f64,
    },
    /// Huber likelihood with learned scale.
    HuberMle {
        /// Huber threshold δ.
        delta: f64,
    },
    /// Σ r².
    Lsq,
}

/// An objective by name, without its δ: what the manifest's
/// `loss.objective`, `sdsl fit loss --objective` and the Python package's
/// `objective=` parse ([`std::str::FromStr`]; the one place these names
/// are read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectiveKind {
    /// `huber`: Σ Huber_δ(r).
    Huber,
    /// `huber-mle` (also `huber_mle`): Huber likelihood with learned scale.
    HuberMle,
    /// `lsq`: Σ r².
    Lsq,
}

impl ObjectiveKind {
    /// The names, as written.
    pub const NAMES: [&'static str; 3] = ["huber", "huber-mle", "lsq"];

    /// The objective with Huber threshold `delta` (unused by `lsq`).
    pub fn with_delta(self, delta: f64) -> Objective {
        match self {
            ObjectiveKind::Huber => Objective::Huber { delta },
            ObjectiveKind::HuberMle => Objective::HuberMle { delta },
            ObjectiveKind::Lsq => Objective::Lsq,
        }
    }
}

impl std::str::FromStr for ObjectiveKind {
    type Err = SdslError;
    fn from_str(s: &str) -> Result<Self, SdslError> {
        match s {
            "huber" => Ok(ObjectiveKind::Huber),
            "huber-mle" | "huber_mle" => Ok(ObjectiveKind::HuberMle),
            "lsq" => Ok(ObjectiveKind::Lsq),
            other => Err(SdslError::InvalidArgument(format!(
                "'{}' is not an objective; use huber, huber-mle or lsq",
                crate::error::clip(other)
            ))),
        }
    }
}

impl Objective {
    /// The objective's name as on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Objective::Huber { .. } => "huber",
            Objective::HuberMle { .. } => "huber-mle",
            Objective::Lsq => "lsq",
        }
    }

    fn has_scale(&self) -> bool {
        matches!(self, Objective::HuberMle { .. })
    }
}

/// ln Z(δ), the log normaliser of the Huber density:
/// Z(δ) = √(2π)(1 − 2Φ̄(δ)) + 2e^(−δ²/2)/δ, with Φ̄ the normal upper tail.
pub fn huber_log_normaliser(delta: f64) -> f64 {
    let tail = 0.5 * statrs::function::erf::erfc(delta / std::f64::consts::SQRT_2);
    ((2.0 * std::f64::consts::PI).sqrt() * (1.0 - 2.0 * tail)
        + 2.0 * (-0.5 * delta * delta).exp() / delta)
        .ln()
}

/// Where each θ coordinate comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    Free(usize),
    Fixed(f64),
}

/// Fixed and tied parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Constraints {
    /// Fixed values in the law's natural units (E, A, B as values; α, β as
    /// exponents), by θ index.
    pub fixed: [Option<f64>; 5],
    /// α = β.
    pub tie_alpha_beta: bool,
}

impl Constraints {
    /// Parses `NAME=VALUE` (NAME one of E, A, B, alpha, beta).
    pub fn fix(&mut self, spec: &str) -> Result<(), SdslError> {
        let bad = |why: String| {
            SdslError::InvalidArgument(format!(
                "fix {spec}: {why}; expected NAME=VALUE with NAME one of E, A, B, alpha, beta"
            ))
        };
        let (name, value) = spec.split_once('=').ok_or_else(|| bad("no '='".into()))?;
        let v: f64 = value
            .trim()
            .parse()
            .map_err(|_| bad(format!("'{value}' is not a number")))?;
        let j = PARAM_NAMES
            .iter()
            .position(|p| p.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| bad(format!("unknown parameter '{name}'")))?;
        if !(v.is_finite() && v > 0.0) {
            return Err(bad(format!("{v} must be a finite number > 0")));
        }
        self.fixed[j] = Some(v);
        Ok(())
    }

    /// Parses a tie; only `alpha=beta` is supported.
    pub fn tie(&mut self, spec: &str) -> Result<(), SdslError> {
        let s: String = spec
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        if s == "alpha=beta" || s == "beta=alpha" {
            self.tie_alpha_beta = true;
            Ok(())
        } else {
            Err(SdslError::InvalidArgument(format!(
                "tie {spec}: only alpha=beta is supported"
            )))
        }
    }

    /// Checks consistency (a tie with one side fixed fixes both).
    pub fn validated(self) -> Result<Self, SdslError> {
        if let (true, Some(a), Some(b)) = (self.tie_alpha_beta, self.fixed[3], self.fixed[4])
            && a != b
        {
            return Err(SdslError::InvalidArgument(format!(
                "tie alpha=beta contradicts fix alpha={a} and fix beta={b}"
            )));
        }
        if self.fixed.iter().all(Option::is_some) {
            return Err(SdslError::InvalidArgument(
                "every parameter is fixed: nothing to fit".into(),
            ));
        }
        Ok(self)
    }

    fn theta_fixed(&self, j: usize) -> Option<f64> {
        let v = if self.tie_alpha_beta && (j == 3 || j == 4) {
            self.fixed[3].or(self.fixed[4])
        } else {
            self.fixed[j]
        };
        v.map(|v| if j < 3 { v.ln() } else { v })
    }
}

/// The map between θ (plus σ for the MLE) and the optimiser's free vector φ.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameterisation {
    slots: [Slot; 5],
    /// Index of σ in φ, for `huber-mle`.
    sigma: Option<usize>,
    n_free: usize,
    /// Centring of the optimiser's coordinates: φ holds a − α·shift_n and
    /// b − β·shift_d instead of a and b (see [`Parameterisation::with_centring`]).
    shift_n: f64,
    shift_d: f64,
}

impl Parameterisation {
    /// Builds the map for an objective and constraints.
    pub fn new(objective: &Objective, c: &Constraints) -> Parameterisation {
        let mut slots = [Slot::Free(0); 5];
        let mut k = 0;
        for (j, slot) in slots.iter_mut().enumerate() {
            *slot = if let Some(v) = c.theta_fixed(j) {
                Slot::Fixed(v)
            } else if c.tie_alpha_beta && j == 4 {
                Slot::Free(usize::MAX) // patched below to α's slot
            } else {
                k += 1;
                Slot::Free(k - 1)
            };
        }
        if let (Slot::Free(usize::MAX), Slot::Free(ka)) = (slots[4], slots[3]) {
            slots[4] = Slot::Free(ka);
        }
        let sigma = if objective.has_scale() {
            k += 1;
            Some(k - 1)
        } else {
            None
        };
        Parameterisation {
            slots,
            sigma,
            n_free: k,
            shift_n: 0.0,
            shift_d: 0.0,
        }
    }

    /// Centres the optimiser's coordinates on the data: with m_N, m_D the
    /// means of ln N and ln D, the optimiser moves a' = a − α·m_N and
    /// b' = b − β·m_D, so that a − α·ln N = a' − α·(ln N − m_N). This linear
    /// change of variables leaves the objective and its minimiser unchanged
    /// but removes most of the correlation between a and α (ln N ≈ 20), which
    /// cuts L-BFGS iterations. Applied only where both coordinates are free.
    ///
    /// Not applied with a learned scale (`huber-mle`): there L-BFGS in the
    /// centred coordinates stopped at the precision limit with a θ-gradient of
    /// 7e-2, against 2e-4 without centring (same objective to 1e-15).
    pub fn with_centring(mut self, data: &LossData) -> Parameterisation {
        if self.sigma.is_some() {
            return self;
        }
        // weighted means (a weight of 1 multiplies exactly: a table's plain
        // means)
        let n = data.total_weight();
        let mean = |v: &[f64]| {
            if n > 0.0 {
                v.iter().zip(&data.weight).map(|(x, w)| w * x).sum::<f64>() / n
            } else {
                0.0
            }
        };
        let free = |j: usize| matches!(self.slots[j], Slot::Free(_));
        if free(0) && free(3) {
            self.shift_n = mean(&data.ln_n);
        }
        if free(1) && free(4) {
            self.shift_d = mean(&data.ln_d);
        }
        self
    }

    /// Whether α and β share one free coordinate.
    fn tied(&self) -> bool {
        matches!((self.slots[3], self.slots[4]), (Slot::Free(a), Slot::Free(b)) if a == b)
    }

    /// The same map without centring (optimiser coordinates = θ).
    pub fn without_centring(&self) -> Parameterisation {
        Parameterisation {
            shift_n: 0.0,
            shift_d: 0.0,
            ..self.clone()
        }
    }

    /// Number of free coordinates (including σ).
    pub fn n_free(&self) -> usize {
        self.n_free
    }

    /// θ from φ.
    pub fn theta(&self, phi: &[f64]) -> [f64; 5] {
        let mut t = [0.0; 5];
        for (j, s) in self.slots.iter().enumerate() {
            t[j] = match *s {
                Slot::Free(k) => phi[k],
                Slot::Fixed(v) => v,
            };
        }
        t[0] += t[3] * self.shift_n;
        t[1] += t[4] * self.shift_d;
        t
    }

    /// φ from θ (and σ).
    pub fn phi(&self, theta: &[f64; 5], sigma: f64) -> Vec<f64> {
        let mut p = vec![0.0; self.n_free];
        for (j, s) in self.slots.iter().enumerate() {
            if let Slot::Free(k) = *s {
                p[k] = match j {
                    0 => theta[0] - theta[3] * self.shift_n,
                    // tied exponents share α's coordinate and value
                    1 if self.tied() => theta[1] - theta[3] * self.shift_d,
                    1 => theta[1] - theta[4] * self.shift_d,
                    4 if self.tied() => theta[3],
                    _ => theta[j],
                };
            }
        }
        if let Some(k) = self.sigma {
            p[k] = sigma;
        }
        p
    }

    /// σ from φ (0 without a scale).
    pub fn sigma(&self, phi: &[f64]) -> f64 {
        self.sigma.map(|k| phi[k]).unwrap_or(0.0)
    }
}

/// Objective value and gradient with respect to φ (the per-row sums in
/// [`super::loss_kernel`]).
pub fn objective_and_gradient(
    data: &LossData,
    objective: &Objective,
    map: &Parameterisation,
    phi: &[f64],
    grad: &mut [f64],
) -> f64 {
    use super::loss_kernel::{Columns, Huber, Square, Theta, sums};
    let [a, b, e, alpha, beta] = map.theta(phi);
    let t = Theta {
        a,
        b,
        e,
        alpha,
        beta,
    };
    let cols = Columns::new(&data.ln_n, &data.ln_d, &data.ln_l, &data.weight);
    let mut k = match *objective {
        Objective::Huber { delta } => sums::<_, false>(&t, Huber(delta), 1.0, cols),
        // the learned scale needs `std`'s last bits (see `sums`)
        Objective::HuberMle { delta } => {
            let inv_s = (-map.sigma(phi)).exp();
            sums::<_, true>(&t, Huber(delta), inv_s, cols)
        }
        Objective::Lsq => sums::<_, false>(&t, Square, 1.0, cols),
    };
    let mut g_sigma = -k.psi_u;
    if let Objective::HuberMle { delta } = *objective {
        let n = data.total_weight();
        k.f += n * (huber_log_normaliser(delta) + map.sigma(phi));
        g_sigma += n;
    }
    let g = &mut k.g;
    // chain rule through the centring: θ_a = φ_a + φ_α·shift_n, θ_b likewise
    g[3] += map.shift_n * g[0];
    g[4] += map.shift_d * g[1];
    grad.iter_mut().for_each(|v| *v = 0.0);
    for (j, s) in map.slots.iter().enumerate() {
        if let Slot::Free(k) = *s {
            grad[k] += g[j];
        }
    }
    if let Some(k) = map.sigma {
        grad[k] = g_sigma;
    }
    k.f
}

/// Solver settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SolverSettings {
    /// Stop when the gradient norm falls below this.
    pub tol_grad: f64,
    /// A start is converged when its final gradient norm is at most this
    /// times max(1, |objective|).
    pub accept_grad: f64,
    /// Iteration cap per start.
    pub max_iters: u64,
}

impl Default for SolverSettings {
    fn default() -> Self {
        SolverSettings {
            tol_grad: 1e-11,
            accept_grad: 1e-6,
            max_iters: 1000,
        }
    }
}

/// The outcome of one L-BFGS run.
#[derive(Debug, Clone, PartialEq)]
pub struct StartResult {
    /// Final free vector φ.
    pub phi: Vec<f64>,
    /// Objective at φ.
    pub value: f64,
    /// Gradient norm at φ.
    pub grad_norm: f64,
    /// Whether the gradient norm is below the acceptance threshold.
    pub converged: bool,
    /// Why the solver stopped.
    pub reason: &'static str,
    /// Iterations.
    pub iterations: u64,
    /// Objective evaluations.
    pub evaluations: u64,
}

/// Runs L-BFGS ([`super::lbfgs`]) from `start` (a free vector φ).
pub fn fit_from(
    data: &LossData,
    objective: &Objective,
    map: &Parameterisation,
    start: &[f64],
    settings: &SolverSettings,
) -> StartResult {
    let m = super::lbfgs::minimize(
        |phi, g| objective_and_gradient(data, objective, map, phi, g),
        start,
        settings.tol_grad,
        settings.max_iters,
    );
    // Judge convergence by the gradient in θ = [ln A, ln B, ln E, α, β] (σ),
    // whatever centring the optimiser used.
    let phi = &m.x[..start.len()];
    let plain = map.without_centring();
    let phi_plain = plain.phi(&map.theta(phi), map.sigma(phi));
    let mut g = vec![0.0; phi_plain.len()];
    objective_and_gradient(data, objective, &plain, &phi_plain, &mut g);
    let grad_norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
    let ok = m.f.is_finite() && grad_norm.is_finite();
    StartResult {
        phi: phi.to_vec(),
        value: if ok { m.f } else { f64::INFINITY },
        grad_norm,
        converged: ok && grad_norm <= settings.accept_grad * m.f.abs().max(1.0),
        reason: m.stop.text(),
        iterations: m.iterations,
        evaluations: m.evaluations,
    }
}

/// A grid of starting points θ = [a, b, e, α, β] (the free coordinates are
/// taken from each; fixed ones ignored; duplicates removed).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StartGrid {
    /// Values of a = ln A.
    pub a: Vec<f64>,
    /// Values of b = ln B.
    pub b: Vec<f64>,
    /// Values of e = ln E.
    pub e: Vec<f64>,
    /// Values of α.
    pub alpha: Vec<f64>,
    /// Values of β.
    pub beta: Vec<f64>,
}

impl StartGrid {
    /// Hoffmann et al.'s grid: α, β ∈ {0, .5, 1, 1.5, 2}, e ∈ {−1, −.5, 0,
    /// .5, 1}, a, b ∈ {0, 5, …, 25}: 4500 starts.
    pub fn hoffmann() -> StartGrid {
        let half = vec![0.0, 0.5, 1.0, 1.5, 2.0];
        StartGrid {
            a: (0..6).map(|i| 5.0 * i as f64).collect(),
            b: (0..6).map(|i| 5.0 * i as f64).collect(),
            e: vec![-1.0, -0.5, 0.0, 0.5, 1.0],
            alpha: half.clone(),
            beta: half,
        }
    }

    /// Hoffmann's single unrounded start.
    pub fn hoffmann_init() -> StartGrid {
        let h = HOFFMANN_INIT;
        StartGrid {
            a: vec![h[0]],
            b: vec![h[1]],
            e: vec![h[2]],
            alpha: vec![h[3]],
            beta: vec![h[4]],
        }
    }

    /// A grid by name: `hoffmann` (4500 starts), `init` (Hoffmann's single
    /// start), or coordinates as in [`StartGrid::parse`] — what the command
    /// line, the manifest and the Python package accept.
    pub fn named(spec: &str) -> Result<StartGrid, SdslError> {
        match spec {
            "hoffmann" => Ok(StartGrid::hoffmann()),
            "init" => Ok(StartGrid::hoffmann_init()),
            coordinates => StartGrid::parse(coordinates),
        }
    }

    /// Parses `a=0,5,10;alpha=0,1` — named coordinates replace the Hoffmann
    /// grid's; the others keep it.
    pub fn parse(spec: &str) -> Result<StartGrid, SdslError> {
        let mut g = StartGrid::hoffmann();
        for part in spec.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = |why: &str| {
                SdslError::InvalidArgument(format!(
                    "start grid '{part}': {why}; expected e.g. 'a=0,5,10;alpha=0,0.5' with names a, b, e (logs of A, B, E), alpha, beta"
                ))
            };
            let (name, values) = part.split_once('=').ok_or_else(|| bad("no '='"))?;
            let vals: Vec<f64> = values
                .split(',')
                .map(|v| v.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad("not a list of finite numbers"))?;
            if vals.is_empty() {
                return Err(bad("empty list"));
            }
            match name.trim() {
                "a" => g.a = vals,
                "b" => g.b = vals,
                "e" => g.e = vals,
                "alpha" => g.alpha = vals,
                "beta" => g.beta = vals,
                _ => return Err(bad("unknown name")),
            }
        }
        Ok(g)
    }

    /// All starts as free vectors (σ starts at 0 for the MLE, as in
    /// Besiroglu et al.), duplicates (from fixed or tied coordinates)
    /// removed, in grid order.
    pub fn starts(&self, map: &Parameterisation) -> Vec<Vec<f64>> {
        let mut out: Vec<Vec<f64>> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for &a in &self.a {
            for &b in &self.b {
                for &e in &self.e {
                    for &al in &self.alpha {
                        for &be in &self.beta {
                            let phi = map.phi(&[a, b, e, al, be], 0.0);
                            let key: Vec<u64> = phi.iter().map(|v| v.to_bits()).collect();
                            if seen.insert(key) {
                                out.push(phi);
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

/// Summary of a multi-start fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StartsSummary {
    /// Number of starts run.
    pub total: usize,
    /// Starts whose final gradient norm is below the acceptance threshold.
    pub converged: usize,
    /// Starts whose objective is within 1e-9 (relative) of the best.
    pub at_best: usize,
    /// Count of each termination reason.
    pub termination: BTreeMap<String, usize>,
    /// Objective-and-gradient evaluations over all starts.
    pub evaluations: u64,
    /// L-BFGS iterations over all starts.
    pub iterations: u64,
}

/// The fitted loss law and its diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LossFit {
    /// The law at the best start.
    pub law: LossLaw,
    /// Fitted scale σ (ln s) for `huber-mle`.
    pub sigma: Option<f64>,
    /// The objective.
    pub objective: Objective,
    /// Objective value at the optimum.
    pub value: f64,
    /// Gradient norm at the optimum.
    pub grad_norm: f64,
    /// Why the best start's solver stopped.
    pub reason: String,
    /// Iterations of the best start.
    pub iterations: u64,
    /// The multi-start summary.
    pub starts: StartsSummary,
    /// The constraints applied.
    pub constraints: Constraints,
}

/// θ → the law's natural constants.
pub fn law_from_theta(t: &[f64; 5]) -> LossLaw {
    LossLaw {
        a: t[0].exp(),
        b: t[1].exp(),
        e: t[2].exp(),
        alpha: t[3],
        beta: t[4],
    }
}

/// A validated fit specification.
#[derive(Debug, Clone)]
pub struct LossFitSpec {
    /// Objective.
    pub objective: Objective,
    /// Constraints.
    pub constraints: Constraints,
    /// Starts.
    pub grid: StartGrid,
    /// Solver settings.
    pub settings: SolverSettings,
}

impl LossFitSpec {
    /// Checks δ and the constraints.
    pub fn validated(self) -> Result<Self, SdslError> {
        match self.objective {
            Objective::Huber { delta } | Objective::HuberMle { delta }
                if !(delta.is_finite() && delta > 0.0) =>
            {
                return Err(SdslError::InvalidArgument(format!(
                    "Huber delta {delta}: must be a finite number > 0"
                )));
            }
            _ => {}
        }
        Ok(LossFitSpec {
            constraints: self.constraints.validated()?,
            ..self
        })
    }

    /// The free-parameter map.
    pub fn map(&self) -> Parameterisation {
        Parameterisation::new(&self.objective, &self.constraints)
    }

    /// Fits from every start (in parallel on the current rayon pool; the
    /// result does not depend on the thread count) and keeps the best.
    /// `on_start` is called once per finished start (for progress).
    pub fn fit(&self, data: &LossData, on_start: &(dyn Fn() + Sync)) -> Result<LossFit, SdslError> {
        let map = self.map().with_centring(data);
        if data.len() <= map.n_free() {
            return Err(SdslError::InvalidArgument(format!(
                "{} rows for {} free parameters: need more rows than parameters",
                data.len(),
                map.n_free()
            )));
        }
        data.check_identifiable(&self.constraints, map.n_free())?;
        let starts = self.grid.starts(&map);
        let results: Vec<StartResult> = starts
            .into_par_iter()
            .map(|s| {
                let r = fit_from(data, &self.objective, &map, &s, &self.settings);
                on_start();
                r
            })
            .collect();
        self.summarise(&map, results)
    }

    fn summarise(
        &self,
        map: &Parameterisation,
        results: Vec<StartResult>,
    ) -> Result<LossFit, SdslError> {
        let best = results
            .iter()
            .enumerate()
            .filter(|(_, r)| r.value.is_finite())
            .min_by(|(i, x), (j, y)| x.value.total_cmp(&y.value).then(i.cmp(j)))
            .map(|(_, r)| r.clone())
            .ok_or_else(|| SdslError::Numerical("no start produced a finite objective".into()))?;
        let tol = 1e-9 * best.value.abs().max(f64::MIN_POSITIVE);
        let mut termination = BTreeMap::new();
        for r in &results {
            *termination.entry(r.reason.to_string()).or_insert(0) += 1;
        }
        let starts = StartsSummary {
            total: results.len(),
            converged: results.iter().filter(|r| r.converged).count(),
            at_best: results
                .iter()
                .filter(|r| (r.value - best.value).abs() <= tol)
                .count(),
            termination,
            evaluations: results.iter().map(|r| r.evaluations).sum(),
            iterations: results.iter().map(|r| r.iterations).sum(),
        };
        let theta = map.theta(&best.phi);
        Ok(LossFit {
            law: law_from_theta(&theta),
            sigma: map.sigma.map(|k| best.phi[k]),
            objective: self.objective,
            value: best.value,
            grad_norm: best.grad_norm,
            reason: best.reason.to_string(),
            iterations: best.iterations,
            starts,
            constraints: self.constraints.clone(),
        })
    }
}
