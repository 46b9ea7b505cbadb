//! One shape for every estimate with its uncertainty in `report.json` and in
//! every `--json` record (schema_version 2): `{point, se, ci95, method}`.
//!
//! - `point`: the estimate (null when not finite);
//! - `se`: its standard error, null when the method gives none (e.g. a
//!   likelihood-ratio interval) or when it is undefined;
//! - `ci95`: the 95% interval `[lower, upper]`, null when undefined (e.g. a
//!   degenerate bootstrap, a single γ of a τ table);
//! - `method`: how the interval was made ([`IntervalMethod`]).

use serde::{Deserialize, Serialize};

/// How an interval was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum IntervalMethod {
    /// Bootstrap percentile interval (2.5% and 97.5% quantiles of the
    /// replicates); SE = standard deviation of the replicates.
    Percentile,
    /// Bias-corrected and accelerated bootstrap interval (Efron 1987).
    Bca,
    /// Ordinary/weighted least squares: estimate ± t₀.₉₇₅(n − p)·SE.
    OlsT,
    /// Likelihood-ratio interval {θ : 2(ℓ(θ̂) − ℓ(θ)) ≤ χ²₁,₀.₉₅}.
    LikelihoodRatio,
    /// t-interval over independent per-group estimates: mean ± t₀.₉₇₅(m − 1)·sd/√m.
    T,
    /// Cluster-robust (CR2, Bell–McCaffrey) SE with a t interval.
    Cr2,
    /// Wild cluster bootstrap (Rademacher weights) percentile interval.
    WildClusterBootstrap,
    /// No interval (a point value only).
    None,
}

/// An estimate with its standard error, 95% interval and method.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Interval {
    /// The estimate.
    pub point: f64,
    /// Standard error (null when the method has none or it is undefined).
    pub se: Option<f64>,
    /// 95% interval [lower, upper] (null when undefined).
    pub ci95: Option<[f64; 2]>,
    /// How the interval was made.
    pub method: IntervalMethod,
}

impl Interval {
    /// An interval from its parts; a non-finite SE or bound becomes null
    /// (undefined), as documented for degenerate fits.
    pub fn new(
        point: f64,
        se: Option<f64>,
        ci95: Option<[f64; 2]>,
        method: IntervalMethod,
    ) -> Self {
        Interval {
            point,
            se: se.filter(|s| s.is_finite()),
            ci95: ci95.filter(|c| c[0].is_finite() && c[1].is_finite()),
            method,
        }
    }

    /// The SE, NaN when undefined (for text output that prints "undefined").
    pub fn se_or_nan(&self) -> f64 {
        self.se.unwrap_or(f64::NAN)
    }

    /// The 95% bounds, NaN when undefined.
    pub fn ci_or_nan(&self) -> [f64; 2] {
        self.ci95.unwrap_or([f64::NAN; 2])
    }

    /// A point value without an interval.
    pub fn point(point: f64) -> Self {
        Interval {
            point,
            se: None,
            ci95: None,
            method: IntervalMethod::None,
        }
    }
}
