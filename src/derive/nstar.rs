//! N*: the throughput-optimal draft size (SDSL, arXiv:2603.11053, §4;
//! docs/method.md, "Finding N*").
//!
//! For a target with M parameters trained on D_t tokens and a draft family
//! trained on D_d tokens:
//!
//!   x(N) = exp(L(N, D_d)),  y = exp(L(M, D_t)),  α(N) = A·x(N) + B·y + C,
//!   N* = argmax_N S*(α(N), c(N)),
//!
//! with S* the speed-up at the continuous optimal lookahead
//! ([`crate::law::throughput::optimal_continuous`]). M is fixed, so N* also
//! maximises tokens per FLOP S*/(2M).
//!
//! Search: the admissible set is the draft sizes in [[`N_MIN`], M) where
//! 0 < α(N) < 1 and speculation helps (c(N) < −α ln α/(1 − α)). S* is
//! evaluated on a log grid of [`GRID_PER_DECADE`] points per decade over
//! [N_MIN, M); the values on admissible points must be unimodal (checked),
//! the grid maximiser must lie strictly inside its admissible run, and the
//! bracket formed by its two neighbours is then refined in ln N with Brent's
//! method (argmin's `BrentOpt`) to |Δ ln N| ≲ 1e-7.

use crate::error::SdslError;
use crate::law::cost::Verification;
use crate::law::throughput::{self, Optimum};
use crate::law::{AlphaLaw, CostModel, LossLaw};
use argmin::core::{CostFunction, Executor};
use argmin::solver::brent::BrentOpt;
use serde::Serialize;

/// Smallest draft size searched (parameters). Far below any useful draft; the
/// admissible set (α > 0) normally starts orders of magnitude above it.
pub const N_MIN: f64 = 1e3;
/// Grid density for the unimodality check and the bracket.
pub const GRID_PER_DECADE: usize = 40;

/// A target/draft-family setting to optimise, with its laws.
#[derive(Debug, Clone)]
pub struct NStarSetup<'a> {
    /// Target parameters M.
    pub target_params: f64,
    /// Target pre-training tokens D_t.
    pub target_tokens: f64,
    /// Draft pre-training tokens D_d.
    pub draft_tokens: f64,
    /// Loss law giving both perplexities.
    pub loss: &'a LossLaw,
    /// Acceptance law α(x, y).
    pub alpha: &'a AlphaLaw,
    /// Cost ratio model c(N, M).
    pub cost: CostModel,
}

/// Speculative decoding with one particular draft size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DraftEval {
    /// Draft parameters N.
    pub n: f64,
    /// Draft perplexity exp(L(N, D_d)).
    pub draft_ppl: f64,
    /// Target perplexity exp(L(M, D_t)).
    pub target_ppl: f64,
    /// α(N) from the acceptance law.
    pub alpha: f64,
    /// Cost ratio c(N).
    pub cost_ratio: f64,
    /// Optimal lookahead and speed-up (zeros/ones when α ∉ (0, 1)).
    #[serde(skip)]
    pub optimum: Optimum,
}

impl DraftEval {
    /// Whether α ∈ (0, 1) and a continuous lookahead helps.
    pub fn admissible(&self) -> bool {
        self.alpha > 0.0 && self.alpha < 1.0 && self.optimum.helps
    }

    /// The speed-up N* maximises: S* at the continuous γ* where a closed form
    /// applies, else (a measured, non-affine v) S at the best integer γ.
    pub fn objective(&self) -> f64 {
        if self.optimum.speedup_star.is_nan() {
            self.optimum.speedup_star_int
        } else {
            self.optimum.speedup_star
        }
    }
}

/// γ and S for acceptance α and cost ratio c under a verification cost:
/// free → [`throughput::optimum`] (SDSL's model, unchanged); affine
/// v = 1 + ρ(q − 1) → the same closed forms with c + ρ, the integer γ kept
/// within the measured range; measured v → the best integer γ ≤ γ_max
/// ([`throughput::optimal_integer_measured`]), with γ* and S* NaN (no
/// continuous optimum is defined; null in JSON).
pub fn optimum_under(alpha: f64, c: f64, verification: &Verification) -> Optimum {
    match *verification {
        Verification::Free => throughput::optimum(alpha, c),
        Verification::Affine { rho, gamma_max } => {
            let mut o = throughput::optimum_affine_verify(alpha, c, rho);
            if o.gamma_star_int > gamma_max {
                let m = throughput::optimal_integer_measured(alpha, c + rho, gamma_max, |_| 1.0);
                o.gamma_star_int = m.gamma;
                o.speedup_star_int = m.speedup;
            }
            o
        }
        Verification::Measured { curve, gamma_max } => {
            let m = throughput::optimal_integer_measured(alpha, c, gamma_max, |q| {
                curve.v(q as f64).unwrap_or(f64::INFINITY)
            });
            Optimum {
                gamma_star: f64::NAN,
                speedup_star: f64::NAN,
                gamma_star_int: m.gamma,
                speedup_star_int: m.speedup,
                helps: m.gamma >= 1,
            }
        }
    }
}

/// The optimum N* and everything derived at it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NStar {
    /// Throughput-optimal draft size N*.
    pub n_star: f64,
    /// N*/M.
    pub n_star_over_m: f64,
    /// α(N*).
    pub alpha: f64,
    /// Cost ratio c(N*).
    pub cost_ratio: f64,
    /// Continuous optimal lookahead γ* at N*.
    pub gamma_star: f64,
    /// Best integer lookahead at N* (0 if none helps).
    pub gamma_star_int: u64,
    /// S* at the continuous γ*.
    pub speedup: f64,
    /// S at the best integer γ.
    pub speedup_int: f64,
    /// Tokens per FLOP, S*/(2M) (SDSL's FLOP convention).
    pub tokens_per_flop: f64,
    /// Tokens per FLOP at the best integer γ.
    pub tokens_per_flop_int: f64,
    /// Draft perplexity at N*.
    pub draft_ppl: f64,
    /// Target perplexity.
    pub target_ppl: f64,
    /// Admissible range of draft sizes found on the grid, [lower, upper].
    pub admissible_range: [f64; 2],
}

impl<'a> NStarSetup<'a> {
    /// Checks sizes and laws; returns the setup unchanged when valid.
    pub fn validated(self) -> Result<Self, SdslError> {
        for (name, v) in [
            ("target parameters", self.target_params),
            ("target tokens", self.target_tokens),
            ("draft tokens", self.draft_tokens),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(SdslError::InvalidArgument(format!(
                    "{name} = {v}: must be a finite number > 0"
                )));
            }
        }
        if self.target_params <= N_MIN * 10.0 {
            return Err(SdslError::InvalidArgument(format!(
                "target parameters = {}: must exceed {} so that a smaller draft can be searched",
                self.target_params,
                N_MIN * 10.0
            )));
        }
        self.loss.validate()?;
        self.alpha.validate()?;
        Ok(self)
    }

    /// Target perplexity exp(L(M, D_t)).
    pub fn target_ppl(&self) -> f64 {
        self.loss.ppl(self.target_params, self.target_tokens)
    }

    /// The setting of a registry target with one draft family (drafts trained
    /// on the family's tokens): the one place a (target, family) pair becomes
    /// an [`NStarSetup`] (the N* table, the refit, its figures).
    pub fn for_pair(
        target: &crate::ingest::registry::Model,
        family: &crate::ingest::registry::DraftFamily,
        loss: &'a LossLaw,
        alpha: &'a AlphaLaw,
        cost: CostModel,
    ) -> NStarSetup<'a> {
        NStarSetup {
            target_params: target.params,
            target_tokens: target.tokens,
            draft_tokens: family.tokens,
            loss,
            alpha,
            cost,
        }
    }

    /// S*(N) at `steps + 1` log-spaced draft sizes from `lo` to `hi`: the
    /// speed-up at the optimal γ where speculation is admissible
    /// (0 < α < 1 and some γ helps), else 1 (plain decoding). The curve the
    /// speed-up figures draw.
    pub fn speedup_curve(&self, lo: f64, hi: f64, steps: usize) -> Vec<(f64, f64)> {
        (0..=steps)
            .map(|k| {
                let n = (lo.ln() + (hi.ln() - lo.ln()) * k as f64 / steps as f64).exp();
                let e = self.evaluate(n);
                let s = if e.admissible() { e.objective() } else { 1.0 };
                (n, s)
            })
            .collect()
    }

    /// α, c, γ* and S* for a draft of `n` parameters.
    pub fn evaluate(&self, n: f64) -> DraftEval {
        let draft_ppl = self.loss.ppl(n, self.draft_tokens);
        let target_ppl = self.target_ppl();
        let alpha = self.alpha.alpha(draft_ppl, target_ppl);
        let cost_ratio = self.cost.ratio(n, self.target_params);
        let optimum = if alpha > 0.0 && alpha < 1.0 && cost_ratio > 0.0 {
            optimum_under(
                alpha,
                cost_ratio,
                &self.cost.verification(self.target_params),
            )
        } else {
            Optimum {
                gamma_star: 0.0,
                speedup_star: 1.0,
                gamma_star_int: 0,
                speedup_star_int: 1.0,
                helps: false,
            }
        };
        DraftEval {
            n,
            draft_ppl,
            target_ppl,
            alpha,
            cost_ratio,
            optimum,
        }
    }

    /// The log grid searched: GRID_PER_DECADE points per decade from N_MIN up
    /// to (excluding) M.
    pub fn grid(&self) -> Vec<f64> {
        let (count, at) = self.grid_points();
        (0..count).map(at).collect()
    }

    /// The search grid as (number of points, point i): 40 per decade in
    /// ln N from N_MIN up to M. [`NStarSetup::grid`] and
    /// [`NStarSetup::solve_near`] use exactly these points.
    fn grid_points(&self) -> (usize, impl Fn(usize) -> f64) {
        let lo = N_MIN.ln();
        let step = std::f64::consts::LN_10 / GRID_PER_DECADE as f64;
        let count = ((self.target_params.ln() - lo) / step).ceil() as usize;
        (count, move |i: usize| (lo + i as f64 * step).exp())
    }

    /// Finds N*; see the module docs for the method.
    pub fn solve(&self) -> Result<NStar, SdslError> {
        let grid = self.grid();
        let evals: Vec<DraftEval> = grid.iter().map(|&n| self.evaluate(n)).collect();
        let admissible: Vec<usize> = (0..evals.len())
            .filter(|&i| evals[i].admissible())
            .collect();
        if admissible.is_empty() {
            return Err(self.explain_empty(&evals));
        }
        // Grid maximiser among admissible points (first on ties).
        let best = *admissible
            .iter()
            .max_by(|&&i, &&j| {
                evals[i]
                    .objective()
                    .total_cmp(&evals[j].objective())
                    .then(j.cmp(&i))
            })
            .expect("non-empty");
        self.check_unimodal(&evals, &admissible, best)?;
        let pos = admissible.iter().position(|&i| i == best).expect("member");
        let on_edge = pos == 0
            || pos + 1 == admissible.len()
            || admissible[pos - 1] != best - 1
            || admissible[pos + 1] != best + 1;
        if on_edge {
            return Err(self.explain_edge(
                &evals[best],
                &evals[admissible[0]],
                &evals[*admissible.last().expect("non-empty")],
            ));
        }
        let (lo, hi) = (grid[best - 1].ln(), grid[best + 1].ln());
        let refined = self.refine(lo, hi)?;
        let at = if refined.objective() >= evals[best].objective() {
            refined
        } else {
            evals[best]
        };
        let m = self.target_params;
        Ok(NStar {
            n_star: at.n,
            n_star_over_m: at.n / m,
            alpha: at.alpha,
            cost_ratio: at.cost_ratio,
            gamma_star: at.optimum.gamma_star,
            gamma_star_int: at.optimum.gamma_star_int,
            speedup: at.optimum.speedup_star,
            speedup_int: at.optimum.speedup_star_int,
            // tokens per FLOP belong to the FLOP convention, not to measured hardware
            tokens_per_flop: if self.cost.is_latency() {
                f64::NAN
            } else {
                throughput::tokens_per_flop(at.optimum.speedup_star, m)
            },
            tokens_per_flop_int: if self.cost.is_latency() {
                f64::NAN
            } else {
                throughput::tokens_per_flop(at.optimum.speedup_star_int, m)
            },
            draft_ppl: at.draft_ppl,
            target_ppl: at.target_ppl,
            admissible_range: [
                grid[admissible[0]],
                grid[*admissible.last().expect("non-empty")],
            ],
        })
    }

    /// N* searched from a nearby size `hint` (the point estimate's N* when
    /// solving a bootstrap draw of the laws): only the log-grid points within
    /// three steps of the hint are evaluated; when the best of them is a
    /// strict interior maximum with admissible neighbours, it is refined
    /// exactly as [`NStarSetup::solve`] refines (same grid points, same
    /// bracket), so the result is the same N* whenever S*(N) is unimodal —
    /// which `solve` checks on the point estimate. Otherwise (hint far off,
    /// maximum at the window's edge, inadmissible points) it falls back to
    /// the full search. Returns N* only.
    pub fn solve_near(&self, hint: f64) -> Result<f64, SdslError> {
        let full = || self.solve().map(|r| r.n_star);
        let (count, at) = self.grid_points();
        if !(hint.is_finite() && hint > 0.0) {
            return full();
        }
        let step = std::f64::consts::LN_10 / GRID_PER_DECADE as f64;
        let h = ((hint.ln() - N_MIN.ln()) / step).round();
        if !(h >= 1.0 && h + 1.0 < count as f64) {
            return full();
        }
        let h = h as usize;
        let (a, b) = (h.saturating_sub(3), (h + 3).min(count - 1));
        let evals: Vec<DraftEval> = (a..=b).map(|i| self.evaluate(at(i))).collect();
        if !evals.iter().all(DraftEval::admissible) {
            return full();
        }
        let k = (0..evals.len())
            .max_by(|&i, &j| {
                evals[i]
                    .objective()
                    .total_cmp(&evals[j].objective())
                    .then(j.cmp(&i))
            })
            .expect("non-empty window");
        if k == 0 || k + 1 == evals.len() {
            return full();
        }
        let best = a + k;
        let refined = self.refine(at(best - 1).ln(), at(best + 1).ln())?;
        Ok(if refined.objective() >= evals[k].objective() {
            refined.n
        } else {
            evals[k].n
        })
    }

    fn refine(&self, lo: f64, hi: f64) -> Result<DraftEval, SdslError> {
        let solver = BrentOpt::new(lo, hi).set_tolerance(f64::EPSILON.sqrt(), 1e-10);
        let result = Executor::new(NegSpeedup { setup: self }, solver)
            .configure(|state| state.max_iters(200))
            .run()
            .map_err(|e| SdslError::Numerical(format!("N* refinement: {e}")))?;
        let ln_n = result
            .state
            .best_param
            .ok_or_else(|| SdslError::Numerical("N* refinement returned no point".into()))?;
        Ok(self.evaluate(ln_n.exp()))
    }

    /// Admissible S* values must rise to the maximum and fall after it
    /// (allowing rounding noise of 1e-12 relative).
    fn check_unimodal(
        &self,
        evals: &[DraftEval],
        admissible: &[usize],
        best: usize,
    ) -> Result<(), SdslError> {
        let s = |i: usize| evals[i].objective();
        let tol = 1e-12 * s(best);
        for w in admissible.windows(2) {
            let (i, j) = (w[0], w[1]);
            let rising = j <= best;
            let bad = if rising {
                s(j) < s(i) - tol
            } else {
                s(j) > s(i) + tol
            };
            if bad {
                return Err(SdslError::NoOptimum(format!(
                    "S*(N) is not unimodal over the admissible draft sizes: S* = {:.6} at N = {:.4e} but {:.6} at N = {:.4e} (maximum {:.6} at N = {:.4e}); N* is not well defined for these laws",
                    s(i),
                    evals[i].n,
                    s(j),
                    evals[j].n,
                    s(best),
                    evals[best].n
                )));
            }
        }
        Ok(())
    }

    fn explain_empty(&self, evals: &[DraftEval]) -> SdslError {
        let first = evals.first().expect("grid is non-empty");
        let last = evals.last().expect("grid is non-empty");
        let in_range = evals.iter().any(|e| e.alpha > 0.0 && e.alpha < 1.0);
        if !in_range {
            SdslError::NoOptimum(format!(
                "the acceptance law gives α outside (0, 1) for every draft size in [{:.3e}, {:.3e}) (α = {:.4} at the smallest, {:.4} at the largest; target ppl {:.4}); check the α-law coefficients and the loss law",
                first.n, self.target_params, first.alpha, last.alpha, first.target_ppl
            ))
        } else {
            let why = match self.cost.verification(self.target_params) {
                crate::law::cost::Verification::Free => {
                    "the cost ratio c ≥ −α·ln α/(1 − α)".to_string()
                }
                _ => "no lookahead γ ≥ 1 gives E(α, γ) > γ·c + v(γ+1), the cost of drafting plus verification".to_string(),
            };
            SdslError::NoOptimum(format!(
                "speculation never helps: for every draft size with 0 < α < 1 {why} (cost model {}); a cheaper draft or a higher acceptance rate is needed",
                self.cost
            ))
        }
    }

    fn explain_edge(&self, best: &DraftEval, lo: &DraftEval, hi: &DraftEval) -> SdslError {
        let why = if !self.cost.depends_on_draft_size() {
            format!(
                "with a fixed cost ratio ({}) the draft's cost does not grow with its size, so S* only grows as α(N) grows: the optimum is degenerate (the largest admissible draft). Use the 'params' or 'affine:T0,K' cost model",
                self.cost
            )
        } else {
            "the throughput keeps rising towards the edge of the admissible range, so there is no interior optimum for these laws".to_string()
        };
        SdslError::NoOptimum(format!(
            "the best draft size N = {:.4e} (S* = {:.6}) lies on the edge of the admissible range [{:.4e}, {:.4e}]: {why}",
            best.n,
            best.objective(),
            lo.n,
            hi.n
        ))
    }
}

/// −S*(α(e^u), c(e^u)) as a function of u = ln N, for argmin.
struct NegSpeedup<'s, 'a> {
    setup: &'s NStarSetup<'a>,
}

impl CostFunction for NegSpeedup<'_, '_> {
    type Param = f64;
    type Output = f64;

    fn cost(&self, ln_n: &f64) -> Result<f64, argmin::core::Error> {
        let e = self.setup.evaluate(ln_n.exp());
        Ok(if e.admissible() { -e.objective() } else { -1.0 })
    }
}

/// One N* cell — a target × draft family with its N* and what follows: the
/// one record of the report's N* table (with `n_star_draws`), its hardware
/// tables (with `fits_memory`) and `sdsl nstar table --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NstarCell {
    /// Target.
    pub target: String,
    /// Target parameters.
    pub target_params: f64,
    /// Target pre-training tokens.
    pub target_tokens: f64,
    /// Draft family.
    pub draft_family: String,
    /// Draft pre-training tokens.
    pub draft_tokens: f64,
    /// N* under the point laws with the SD and 95% percentile interval of
    /// N* over the bootstrap draws (the loss law's uncertainty only); the
    /// main N* table only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_star_draws: Option<crate::derive::uncertainty::DrawInterval>,
    /// N* under the point laws and what follows from it, or why there is none.
    #[serde(flatten)]
    pub outcome: CellOutcome,
    /// Under a latency cost model: whether the bf16 weights (and KV caches)
    /// of the target and the N* draft fit the device's memory (multi-GPU
    /// latency is not measured, so a cell that does not fit is flagged, not
    /// extrapolated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fits_memory: Option<bool>,
}

impl NstarCell {
    /// The cell of target `t` with the drafts of family `f`.
    pub fn new(
        t: &crate::ingest::registry::Model,
        f: &crate::ingest::registry::DraftFamily,
        outcome: CellOutcome,
    ) -> NstarCell {
        NstarCell {
            target: t.name.clone(),
            target_params: t.params,
            target_tokens: t.tokens,
            draft_family: f.name.clone(),
            draft_tokens: f.tokens,
            n_star_draws: None,
            outcome,
            fits_memory: None,
        }
    }
}

/// N* of one (target, draft family) cell as reported in tables: the optimum's
/// main quantities, or why there is none (all None, with `error`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CellOutcome {
    /// N* (null when there is no interior optimum).
    pub n_star: Option<f64>,
    /// N*/M.
    pub n_star_over_m: Option<f64>,
    /// α(N*).
    pub alpha: Option<f64>,
    /// γ*.
    pub gamma_star: Option<f64>,
    /// Best integer γ.
    pub gamma_star_int: Option<u64>,
    /// S*.
    pub speedup: Option<f64>,
    /// S at the best integer γ.
    pub speedup_int: Option<f64>,
    /// Why there is no N*, if there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl From<&Result<NStar, SdslError>> for CellOutcome {
    fn from(r: &Result<NStar, SdslError>) -> Self {
        let ok = r.as_ref().ok();
        CellOutcome {
            n_star: ok.map(|r| r.n_star),
            n_star_over_m: ok.map(|r| r.n_star_over_m),
            alpha: ok.map(|r| r.alpha),
            gamma_star: ok.map(|r| r.gamma_star),
            gamma_star_int: ok.map(|r| r.gamma_star_int),
            speedup: ok.map(|r| r.speedup),
            speedup_int: ok.map(|r| r.speedup_int),
            error: r.as_ref().err().map(|e| e.to_string()),
        }
    }
}
