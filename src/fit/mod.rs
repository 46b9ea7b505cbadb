//! Estimators. Nothing here touches files, polars, plotters or clap.

pub mod alpha;
pub mod alpha_analysis;
pub mod bootstrap;
pub mod estimate;
pub mod latency;
pub mod lbfgs;
pub mod loss;
pub mod loss_record;
pub mod ols;
