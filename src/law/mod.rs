//! The laws as pure, documented functions. Nothing here reads files.

pub mod acceptance;
pub mod cost;
pub mod lambert_w;
pub mod loss;
pub mod roofline;
pub mod throughput;

pub use acceptance::AlphaLaw;
pub use cost::CostModel;
pub use loss::LossLaw;
