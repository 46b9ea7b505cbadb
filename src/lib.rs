//! sdsl — speculative decoding scaling laws.
//!
//! A small draft model (N parameters) proposes γ tokens that a large target
//! (M parameters) verifies in one pass; α is the per-token acceptance rate.
//! SDSL (Bozorgkhoo & Molybog 2026) makes α affine in the draft's and the
//! target's perplexity and perplexity a Chinchilla law of (N, D), so the
//! throughput-optimal draft size N* follows before anything is trained.
//!
//! Data flows one way: `ingest → fit → derive → report`, and [`pipeline`]
//! runs the whole chain (the `sdsl refit` command is a thin wrapper over
//! [`pipeline::refit`] and [`pipeline::write`]). [`law`] holds the laws as
//! pure functions, [`fit`] the estimators and their result records,
//! [`derive`](mod@derive) N* and its linear law, [`ingest`] every file format and column
//! name, [`report`] the report's records, Markdown and figures, [`query`]
//! the records of the one-shot commands (`predict`, `speedup`, `nstar table`).
//! No module below [`cli`] knows the command line.
//!
//! # Cargo features
//! - `cli` (default): the `sdsl` binary (clap, indicatif, anyhow); turns on
//!   `io` and `plots`.
//! - `io`: reading CSV/Parquet tables (polars) and the refit manifest
//!   (TOML), and the [`pipeline`].
//! - `plots`: figures (plotters) and writing report directories.
//!
//! With `default-features = false` the crate builds the laws, the fits, N*,
//! the name resolution of `latency:…` models and shipped laws (`catalog`) and
//! the one-shot queries without polars, plotters or clap.
//!
//! # Example
//! Refit the loss law on Epoch AI's Chinchilla table (Hoffmann's 4500-start
//! grid, sum-Huber objective) and find the throughput-optimal draft for
//! OPT-13B (M = 12.85e9, trained on 1.8e11 tokens, as its OPT drafts):
//!
//! ```
//! # #[cfg(feature = "io")] {
//! use sdsl::derive::nstar::NStarSetup;
//! use sdsl::fit::loss::{Constraints, LossData, LossFitSpec, Objective, SolverSettings, StartGrid};
//! use sdsl::catalog::laws;
//! use sdsl::ingest::loss_table::{LossTableSpec, read_loss_table};
//! use sdsl::law::CostModel;
//! use std::path::Path;
//!
//! // Epoch's outlier rule drops the 5 highest losses: 240 of 245 rows remain.
//! let spec = LossTableSpec { drop_highest: 5, ..Default::default() };
//! let table = read_loss_table(Path::new("datasets/chinchilla/svg_extracted_data.csv"), &spec)?;
//! let data = LossData::new(&table.n, &table.d, &table.loss)?;
//! let fit = LossFitSpec {
//!     objective: Objective::Huber { delta: 1e-3 },
//!     constraints: Constraints::default(),
//!     grid: StartGrid::hoffmann(),
//!     settings: SolverSettings::default(),
//! }
//! .validated()?
//! .fit(&data, &|| {})?;
//! // Besiroglu et al. (2024): E = 1.81722, alpha = 0.34731, beta = 0.36717
//! assert!((fit.law.e - 1.81722).abs() < 1e-4);
//! assert!((fit.law.alpha - 0.34731).abs() < 1e-4);
//!
//! // N* under the published acceptance law and the refitted loss law ...
//! let alpha = laws::alpha_law("sdsl2026")?.law;
//! let setup = |loss| NStarSetup {
//!     target_params: 12.85e9,
//!     target_tokens: 1.8e11,
//!     draft_tokens: 1.8e11,
//!     loss,
//!     alpha: &alpha,
//!     cost: CostModel::Params,
//! };
//! let refit = setup(&fit.law).validated()?.solve()?;
//! println!("N* = {:.1}M, S* = {:.2}", refit.n_star / 1e6, refit.speedup);
//! // ... and under Besiroglu et al.'s published constants: N* ≈ 117.3M (docs/method.md, "Finding N*")
//! let published = laws::loss_law("besiroglu2024")?.law;
//! let n = setup(&published).validated()?.solve()?.n_star;
//! assert!((n / 1e6 - 117.3).abs() < 0.05, "{n}");
//! # }
//! # Ok::<(), sdsl::SdslError>(())
//! ```
// The docs link to modules and items behind features (`cli`, `io`, `plots`);
// a build without them has nothing to link to, so only there are broken
// links allowed. The default build, with every feature, still reports any
// broken link (`cargo doc --lib` has no warnings).
#![cfg_attr(
    not(all(feature = "cli", feature = "io", feature = "plots")),
    allow(rustdoc::broken_intra_doc_links)
)]

pub mod catalog;
#[cfg(feature = "cli")]
pub mod cli;
pub mod derive;
pub mod error;
pub mod fit;
pub mod ingest;
pub mod law;
#[cfg(feature = "io")]
pub mod pipeline;
pub mod query;
pub mod report;

pub use error::SdslError;
