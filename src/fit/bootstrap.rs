//! Case-resampling bootstrap, reproducible on any thread count.
//!
//! Replicate i draws its n row indices (with replacement, uniformly) from a
//! ChaCha8 generator seeded with `seed` on stream i, so its resample depends
//! only on (seed, i) — never on the clock, the thread that runs it or the
//! order replicates finish. Results are collected in replicate order.
//!
//! Intervals: standard error = sample SD of the replicates (n − 1 divisor);
//! 95% percentile interval = the 2.5% and 97.5% quantiles with linear
//! interpolation between order statistics (numpy's default, as used by
//! Besiroglu et al.).

use super::loss::{HOFFMANN_INIT, LossData, LossFit, LossFitSpec, fit_from, law_from_theta};
use crate::error::SdslError;
use crate::fit::interval::{Interval, IntervalMethod};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// Point estimate, bootstrap standard error and 95% percentile interval:
/// the one interval shape ([`Interval`], method `percentile`).
pub type Estimate = Interval;

/// Quantile q ∈ [0, 1] of sorted values, linear interpolation (numpy "linear").
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = q * (n - 1) as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Sample standard deviation (n − 1 divisor).
pub fn sample_sd(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// SE and percentile interval of replicate values around a point estimate.
pub fn percentile_estimate(point: f64, values: &[f64]) -> Estimate {
    let mut s = values.to_vec();
    s.sort_by(f64::total_cmp);
    Interval::new(
        point,
        Some(sample_sd(values)),
        Some([quantile_sorted(&s, 0.025), quantile_sorted(&s, 0.975)]),
        IntervalMethod::Percentile,
    )
}

/// The row indices of replicate `i`: n uniform draws with replacement from a
/// ChaCha8 stream determined by (seed, i) alone.
pub fn resample_indices(seed: u64, i: u64, n: usize) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(i);
    (0..n).map(|_| rng.random_range(0..n)).collect()
}

/// Where each bootstrap refit starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum BootStart {
    /// Hoffmann et al.'s unrounded initialisation (Besiroglu et al.'s choice).
    Hoffmann,
    /// The full-data optimum.
    Best,
}

impl BootStart {
    /// The names, as written.
    pub const NAMES: [&'static str; 2] = ["hoffmann", "best"];
}

/// `hoffmann` or `best`: what the manifest, `sdsl fit loss
/// --bootstrap-start` and the Python package's `bootstrap_start=` parse.
impl std::str::FromStr for BootStart {
    type Err = crate::error::SdslError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "hoffmann" => Ok(BootStart::Hoffmann),
            "best" => Ok(BootStart::Best),
            other => Err(crate::error::SdslError::InvalidArgument(format!(
                "'{}' is not a bootstrap start; use hoffmann or best",
                crate::error::clip(other)
            ))),
        }
    }
}

/// The loss-law parameters and derived quantities of one fit.
pub const LOSS_QUANTITIES: [&str; 8] = ["A", "B", "E", "alpha", "beta", "a_opt", "b_opt", "G"];

/// [A, B, E, α, β, a_opt, b_opt, G] for a law: a_opt = β/(α+β),
/// b_opt = α/(α+β), G = (αA/(βB))^(1/(α+β)) (Hoffmann et al. Eq. 4;
/// N_opt = G·(C/6)^a_opt).
pub fn loss_quantities(l: &crate::law::LossLaw) -> [f64; 8] {
    let s = l.alpha + l.beta;
    [
        l.a,
        l.b,
        l.e,
        l.alpha,
        l.beta,
        l.beta / s,
        l.alpha / s,
        ((l.alpha * l.a) / (l.beta * l.b)).powf(1.0 / s),
    ]
}

/// Bootstrap of a loss-law fit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LossBootstrap {
    /// Replicates requested.
    pub replicates: usize,
    /// Seed.
    pub seed: u64,
    /// Start of every refit.
    pub start: BootStart,
    /// Replicates whose refit converged (gradient criterion).
    pub converged: usize,
    /// Replicates with no finite objective (excluded).
    pub failed: usize,
    /// SE and percentile interval per quantity.
    pub estimates: BTreeMap<String, Estimate>,
    /// The replicate laws (E, A, B, α, β), in replicate order; failed ones omitted.
    #[serde(skip)]
    pub draws: Vec<crate::law::LossLaw>,
}

/// The most bootstrap replicates accepted anywhere (flags, manifest): far
/// beyond what a percentile interval needs (a few thousand), and small
/// enough that the replicates' records fit in memory.
pub const MAX_REPLICATES: usize = 1_000_000;

/// Runs `replicates` case-resampled refits of `spec` (single start each, see
/// [`BootStart`]) on the current rayon pool. `on_rep` is called per replicate.
pub fn bootstrap_loss(
    data: &LossData,
    spec: &LossFitSpec,
    point: &LossFit,
    replicates: usize,
    seed: u64,
    start: BootStart,
    on_rep: &(dyn Fn() + Sync),
) -> Result<LossBootstrap, SdslError> {
    if !(2..=MAX_REPLICATES).contains(&replicates) {
        return Err(SdslError::InvalidArgument(format!(
            "bootstrap replicates = {replicates}: need 2..={MAX_REPLICATES} replicates"
        )));
    }
    if !data.unit_weights() {
        return Err(SdslError::InvalidArgument(
            "bootstrap: the data are already a weighted resample; resample the table itself".into(),
        ));
    }
    let map = spec.map().with_centring(data);
    let theta0 = match start {
        BootStart::Hoffmann => HOFFMANN_INIT,
        BootStart::Best => {
            let l = &point.law;
            [l.a.ln(), l.b.ln(), l.e.ln(), l.alpha, l.beta]
        }
    };
    let sigma0 = match start {
        BootStart::Hoffmann => 0.0,
        BootStart::Best => point.sigma.unwrap_or(0.0),
    };
    let phi0 = map.phi(&theta0, sigma0);
    let n = data.len();
    let results: Vec<_> = (0..replicates as u64)
        .into_par_iter()
        .map(|i| {
            let idx = resample_indices(seed, i, n);
            let d = data.resample(&idx);
            let r = fit_from(&d, &spec.objective, &map, &phi0, &spec.settings);
            on_rep();
            r
        })
        .collect();
    let ok: Vec<_> = results.iter().filter(|r| r.value.is_finite()).collect();
    if ok.len() < 2 {
        return Err(SdslError::Numerical(
            "fewer than two bootstrap refits produced a finite objective".into(),
        ));
    }
    let draws: Vec<_> = ok
        .iter()
        .map(|r| law_from_theta(&map.theta(&r.phi)))
        .collect();
    let qs: Vec<[f64; 8]> = draws.iter().map(loss_quantities).collect();
    let point_q = loss_quantities(&point.law);
    let estimates = LOSS_QUANTITIES
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let vals: Vec<f64> = qs.iter().map(|q| q[k]).collect();
            (name.to_string(), percentile_estimate(point_q[k], &vals))
        })
        .collect();
    Ok(LossBootstrap {
        replicates,
        seed,
        start,
        converged: results.iter().filter(|r| r.converged).count(),
        failed: results.len() - ok.len(),
        estimates,
        draws,
    })
}
