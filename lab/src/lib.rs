//! `sdsl-lab`: a miniature speculative-decoding scaling-law experiment on CPU.
//! A ladder of byte-level GPTs is trained on tinyshakespeare; their held-out
//! losses, pairwise acceptance rates and real speculative-sampling logs are
//! written in the schemas the `sdsl` toolkit fits.

pub mod adamw;
pub mod corpus;
pub mod eval;
pub mod measure;
pub mod model;
pub mod ops;
pub mod pipeline;
pub mod rng;
pub mod sampler;
pub mod spec;
pub mod train;
