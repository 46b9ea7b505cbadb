//! The integration tests, in one binary (`cargo test --release --test it`):
//! one module per subject. One binary links the polars-heavy library once
//! instead of once per test file (issue #22).
//!
//! Run one subject with a filter, e.g. `cargo test --release --test it
//! predict_latency::` or `cargo test --release --test it layering`.

mod alpha_estimate;
mod bad_tables;
mod cli_hygiene;
mod common;
mod deploy;
mod fit_alpha;
mod fit_latency;
mod fit_loss;
mod import;
mod inputs;
mod lambert_w;
mod latency;
mod layering;
mod malformed;
mod new_family;
mod nstar;
mod ols_nist;
mod pipeline;
mod plan;
mod predict;
mod predict_latency;
mod readme;
mod refit;
mod refit_faults;
mod report_content;
mod roofline;
mod roofline_recal;
mod runs_fits;
mod schema;
mod speedup;
mod throughput;
mod throughput_measured;
mod validate;
