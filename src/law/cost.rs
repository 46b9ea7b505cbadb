//! Cost models: c, the cost of one draft forward pass relative to one target
//! forward pass.
//!
//! - `params` (SDSL's, the default): c = N/M, since a forward pass costs
//!   ≈ 2·params FLOPs.
//! - `affine`: per-token time t(P) = t0 + k·P, so c = t(N)/t(M). Small drafts
//!   on real hardware are overhead- or memory-bound, which t0 captures.
//! - `fixed`: a measured c, the same for every draft size.

use crate::error::SdslError;
use std::fmt;
use std::str::FromStr;

/// How the draft/target cost ratio c depends on the draft size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CostModel {
    /// c = N/M.
    Params,
    /// c = (t0 + k·N)/(t0 + k·M), with t0 ≥ 0 and k > 0 in any time unit.
    Affine { t0: f64, k: f64 },
    /// c fixed, in (0, 1].
    Fixed(f64),
}

impl CostModel {
    /// The cost ratio c for a draft of `n` and a target of `m` parameters.
    pub fn ratio(&self, n: f64, m: f64) -> f64 {
        match *self {
            CostModel::Params => n / m,
            CostModel::Affine { t0, k } => (t0 + k * n) / (t0 + k * m),
            CostModel::Fixed(c) => c,
        }
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
