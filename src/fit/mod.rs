//! Estimators. Nothing here touches files, polars, plotters or clap.

pub mod bootstrap;
pub mod lbfgs;
pub mod loss;
pub mod ols;
