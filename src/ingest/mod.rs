//! The only module that knows file formats, column names and polars.

pub mod acceptance;
pub mod laws;
pub mod loss_table;
pub mod manifest;
pub mod registry;
pub mod table;
