//! Cost models: c, the cost of one draft forward pass relative to one target
//! forward pass.
//!
//! - `params` (SDSL's, the default): c = N/M, since a forward pass costs
//!   ≈ 2·params FLOPs.
//! - `affine`: per-token time t(P) = t0 + k·P, so c = t(N)/t(M). Small drafts
//!   on real hardware are overhead- or memory-bound, which t0 captures.
//! - `fixed`: a measured c, the same for every draft size.
//! - `latency` (docs/latency.md): a fitted latency profile of real hardware: c from
//!   its affine law t(P) = t0 + k·P, and a verification ratio
//!   v(q) = t_M(q)/t_M(1) that is no longer 1 (see [`LatencyCost`]).

use crate::error::SdslError;
use std::fmt;
use std::str::FromStr;

/// How the draft/target cost ratio c depends on the draft size.
// The latency variant is a few hundred bytes; boxing it would cost the
// enum its `Copy`, on which the N* table, the refit and the manifest rely.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CostModel {
    /// c = N/M.
    Params,
    /// c = (t0 + k·N)/(t0 + k·M), with t0 ≥ 0 and k > 0 in any time unit.
    Affine { t0: f64, k: f64 },
    /// c fixed, in (0, 1].
    Fixed(f64),
    /// Measured hardware: c = t(N)/t(M) with the affine law, and a
    /// measured verification ratio v(q).
    Latency(LatencyCost),
}

/// The cost of the target's verification pass over q = γ + 1 tokens,
/// relative to one decode step: v(q) = t_M(q)/t_M(1).
#[allow(clippy::large_enum_variant)] // Copy, evaluated once per draft size
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verification {
    /// v ≡ 1 (SDSL's and Leviathan et al.'s model).
    Free,
    /// v(q) = 1 + ρ(q − 1) over the measured q; γ ≤ `gamma_max`.
    Affine {
        /// Extra cost per verified draft token, in decode steps.
        rho: f64,
        /// The largest γ searched: min(q_max − 1, the model's `max_gamma`).
        gamma_max: u64,
    },
    /// A measured, non-affine v(q); γ ≤ `gamma_max`.
    Measured {
        /// v(q) at the target's size.
        curve: VerifyCurve,
        /// The largest γ searched: min(q_max − 1, the model's `max_gamma`).
        gamma_max: u64,
    },
}

/// The most measured verification lengths q > 1 a latency cost model holds
/// (a fixed size keeps [`CostModel`] `Copy`; the H200 table has 5).
pub const MAX_VERIFY_KNOTS: usize = 16;

/// A latency cost model in a `Copy` form: the affine decode-time law and the
/// per-q lines of the verification ratio, as fitted by
/// `sdsl::fit::latency` (docs/latency.md).
///
/// - t(P) = t0 + k·P (ms), so c = t(N)/t(M);
/// - v(q) at a target of P parameters: for each measured q > 1 (a "knot"),
///   v_q = a_q + b_q·ln P with P clamped to `params_range` and v_q clamped at
///   ≥ 1; v(1) = 1; linear in q between knots; undefined beyond the largest
///   measured q, so γ ≤ q_max − 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencyCost {
    /// Fixed per-step time t0, ms.
    pub t0_ms: f64,
    /// Time per parameter k, ms.
    pub k_ms_per_param: f64,
    /// (q, a_q, b_q) for q > 1, ascending; the first `knots_used` are valid.
    pub knots: [(u32, f64, f64); MAX_VERIFY_KNOTS],
    /// Number of valid knots.
    pub knots_used: usize,
    /// Smallest and largest parameter count the v lines were fitted on.
    pub params_range: [f64; 2],
    /// The cap on γ in the integer searches over this model's measured v
    /// (`--max-gamma`; default [`crate::law::throughput::DEFAULT_MAX_GAMMA`]):
    /// γ ≤ min(q_max − 1, max_gamma).
    pub max_gamma: u64,
}

/// v(q) at one target size: the knots evaluated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VerifyCurve {
    /// (q, v(q)) knots including (1, 1), ascending in q.
    pub knots: [(f64, f64); MAX_VERIFY_KNOTS + 1],
    /// Number of valid knots.
    pub used: usize,
    /// The target size lay outside the fitted range and was clamped.
    pub params_clamped: bool,
    /// A knot's line fell below 1 and was clamped to 1.
    pub v_clamped: bool,
}

impl VerifyCurve {
    /// The largest measured q.
    pub fn q_max(&self) -> f64 {
        self.knots[self.used - 1].0
    }

    /// v(q), linear between knots; None outside [1, q_max].
    pub fn v(&self, q: f64) -> Option<f64> {
        if !(q >= 1.0 && q <= self.q_max()) {
            return None;
        }
        let k = &self.knots[..self.used];
        for w in k.windows(2) {
            let ((q0, v0), (q1, v1)) = (w[0], w[1]);
            if q <= q1 {
                return Some(v0 + (q - q0) / (q1 - q0) * (v1 - v0));
            }
        }
        Some(1.0) // only the (1, 1) knot: q = 1
    }

    /// ρ when v is affine in q, v(q) = 1 + ρ(q − 1) at every knot (to 1e-12
    /// absolute), else None. Then the closed forms hold with c + ρ.
    pub fn affine_rho(&self) -> Option<f64> {
        let (ql, vl) = self.knots[self.used - 1];
        if self.used < 2 {
            return Some(0.0);
        }
        let rho = (vl - 1.0) / (ql - 1.0);
        self.knots[..self.used]
            .iter()
            .all(|&(q, v)| (v - (1.0 + rho * (q - 1.0))).abs() <= 1e-12)
            .then_some(rho)
    }
}

impl LatencyCost {
    /// t(P) in ms.
    pub fn time_ms(&self, params: f64) -> f64 {
        self.t0_ms + self.k_ms_per_param * params
    }

    /// The verification ratio curve of a target of `params` parameters.
    pub fn verify_curve(&self, params: f64) -> VerifyCurve {
        let [lo, hi] = self.params_range;
        let p = params.clamp(lo, hi);
        let mut c = VerifyCurve {
            knots: [(0.0, 0.0); MAX_VERIFY_KNOTS + 1],
            used: 1,
            params_clamped: p != params,
            v_clamped: false,
        };
        c.knots[0] = (1.0, 1.0);
        for &(q, a, b) in &self.knots[..self.knots_used] {
            let v = a + b * p.ln();
            let v = if v < 1.0 {
                c.v_clamped = true;
                1.0
            } else {
                v
            };
            c.knots[c.used] = (q as f64, v);
            c.used += 1;
        }
        c
    }
}

impl CostModel {
    /// The cost ratio c for a draft of `n` and a target of `m` parameters.
    pub fn ratio(&self, n: f64, m: f64) -> f64 {
        match *self {
            CostModel::Params => n / m,
            CostModel::Affine { t0, k } => (t0 + k * n) / (t0 + k * m),
            CostModel::Fixed(c) => c,
            CostModel::Latency(l) => l.time_ms(n) / l.time_ms(m),
        }
    }

    /// How verifying q tokens costs, for a target of `target_params`
    /// parameters: free (one target pass, SDSL's model) for every model but
    /// `latency`, whose measured v(q) is affine in q (closed forms with
    /// c + ρ) or not (integer γ ≤ q_max − 1).
    pub fn verification(&self, target_params: f64) -> Verification {
        match self {
            CostModel::Latency(l) => {
                let curve = l.verify_curve(target_params);
                let gamma_max = (curve.q_max() as u64).saturating_sub(1).min(l.max_gamma);
                match curve.affine_rho() {
                    Some(rho) => Verification::Affine { rho, gamma_max },
                    None => Verification::Measured { curve, gamma_max },
                }
            }
            _ => Verification::Free,
        }
    }

    /// The γ cap of a latency model's integer searches (None for the
    /// others, whose γ\* is continuous).
    pub fn max_gamma(&self) -> Option<u64> {
        match self {
            CostModel::Latency(l) => Some(l.max_gamma),
            _ => None,
        }
    }

    /// Whether this is a measured-hardware (latency) model.
    pub fn is_latency(&self) -> bool {
        matches!(self, CostModel::Latency(_))
    }

    /// Whether c depends on the draft size (with a fixed c, N* is degenerate).
    pub fn depends_on_draft_size(&self) -> bool {
        !matches!(self, CostModel::Fixed(_))
    }
}

impl fmt::Display for CostModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CostModel::Params => write!(f, "params"),
            CostModel::Affine { t0, k } => write!(f, "affine:{t0},{k}"),
            CostModel::Fixed(c) => write!(f, "fixed:{c}"),
            CostModel::Latency(l) => write!(
                f,
                "latency(t0={:.4}ms,k={:.4e}ms/param,q<={})",
                l.t0_ms,
                l.k_ms_per_param,
                l.knots[..l.knots_used].last().map_or(1, |k| k.0)
            ),
        }
    }
}

impl FromStr for CostModel {
    type Err = SdslError;

    /// Parses `params`, `affine:T0,K` or `fixed:C`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| {
            SdslError::InvalidArgument(format!(
                "cost model '{s}': {why}; expected 'params', 'affine:T0,K' (t0 ≥ 0, k > 0) or 'fixed:C' (0 < C ≤ 1)"
            ))
        };
        let num = |t: &str| -> Result<f64, SdslError> {
            t.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad(&format!("'{t}' is not a finite number")))
        };
        if s == "params" {
            return Ok(CostModel::Params);
        }
        if let Some(rest) = s.strip_prefix("affine:") {
            let parts: Vec<&str> = rest.split(',').collect();
            if parts.len() != 2 {
                return Err(bad("affine needs two numbers"));
            }
            let (t0, k) = (num(parts[0])?, num(parts[1])?);
            if t0 < 0.0 || k <= 0.0 {
                return Err(bad("need t0 ≥ 0 and k > 0"));
            }
            return Ok(CostModel::Affine { t0, k });
        }
        if let Some(rest) = s.strip_prefix("fixed:") {
            let c = num(rest)?;
            if !(c > 0.0 && c <= 1.0) {
                return Err(bad("need 0 < C ≤ 1"));
            }
            return Ok(CostModel::Fixed(c));
        }
        Err(bad("unknown model"))
    }
}
