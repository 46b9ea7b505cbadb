//! No build step. This script exists so that the `[build-dependencies]` of
//! Cargo.toml, a feature pin on syn, takes part in the build: the `sdsl`
//! binary, its tests and the Python extension (py/) then share one build of
//! the proc macros and of everything compiled with them (polars included).
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
}
