//! sdsl — speculative decoding scaling laws.
//!
//! Data flows one way: `ingest → fit → derive → report`. [`law`] holds the
//! laws as pure functions, [`derive`] the throughput-optimal draft size N*
//! and its linear law, [`fit`] the estimators, [`ingest`] every file format
//! and column name.

pub mod cli;
pub mod derive;
pub mod error;
pub mod fit;
pub mod ingest;
pub mod law;
pub mod report;

pub use error::SdslError;
