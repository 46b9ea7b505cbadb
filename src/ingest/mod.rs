//! The only module that knows file formats, column names and polars.

pub mod acceptance;
pub mod columns;
pub mod engines;
pub mod lab_plan;
pub mod latency;
pub mod laws;
pub mod loss_table;
pub mod registry;
#[cfg(feature = "io")]
pub mod table;
pub mod text_table;
#[cfg(feature = "io")]
pub mod validation;

pub use hash::sha256_hex;

mod hash {
    /// Lower-case hex SHA-256 of `bytes` (input provenance in reports).
    pub fn sha256_hex(bytes: &[u8]) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}
