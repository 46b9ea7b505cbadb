//! Estimators. Nothing here touches files, polars, plotters or clap.

pub mod alpha;
pub mod bootstrap;
pub mod estimate;
pub mod lbfgs;
pub mod loss;
pub mod ols;
