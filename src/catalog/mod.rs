//! Names the toolkit resolves to things it ships or reads: latency cost
//! models (`latency:h200-graph`, `latency:FILE…`, [`latency`]) and laws
//! (`besiroglu2024`, `sdsl2026`, or a law file, [`laws`]). The shipped
//! tables are compiled in and read with the `csv` crate, so resolution
//! works without the `io` feature (the browser calculator, the lean
//! library); only table files need it.
//!
//! A layer of its own, above `derive` (it fits latency profiles with `fit`)
//! and below `report`, `pipeline` and the queries that use it.

pub mod gpus;
pub mod latency;
pub mod laws;
pub mod plan;
pub mod roofline;
