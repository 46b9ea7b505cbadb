//! Estimators. Nothing here touches files, polars, plotters or clap.

pub mod alpha;
pub mod alpha_analysis;
pub mod bootstrap;
pub mod estimate;
pub mod interval;
pub mod latency;
pub mod lbfgs;
pub mod loss;
pub mod loss_record;
pub mod ols;

/// The number of distinct values (bitwise: -0.0 and 0.0 differ, each NaN
/// payload counts once), for the identifiability checks of the fits.
pub(crate) fn distinct(v: impl Iterator<Item = f64>) -> usize {
    let mut s: Vec<u64> = v.map(f64::to_bits).collect();
    s.sort_unstable();
    s.dedup();
    s.len()
}
