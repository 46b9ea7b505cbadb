//! Estimators. Nothing here touches files, polars, plotters or clap.

pub mod ols;
