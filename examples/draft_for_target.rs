//! What draft for my target? N* from the library alone (no command line):
//! the published acceptance law and Besiroglu et al.'s loss law, SDSL's FLOP
//! cost model (c = N/M), for a target of M parameters trained on D tokens,
//! with drafts trained on the same D.
//!
//! ```sh
//! cargo run --release --example draft_for_target -- 70e9 15e12
//! ```
//!
//! The lines between `ANCHOR: readme` and `ANCHOR_END: readme` are shown in
//! README.md; `tests/readme.rs` checks that the two are the same text.

// ANCHOR: readme
use sdsl::catalog::laws;
use sdsl::derive::nstar::{NStar, NStarSetup};
use sdsl::law::CostModel;

/// N* for a target of `m` parameters trained on `d` tokens (drafts trained on `d` too).
fn draft_for(m: f64, d: f64) -> Result<NStar, sdsl::SdslError> {
    let loss = laws::loss_law("besiroglu2024")?.law; // Besiroglu et al. (2024)
    let alpha = laws::alpha_law("sdsl2026")?.law; // the published acceptance law
    NStarSetup {
        target_params: m,
        target_tokens: d,
        draft_tokens: d,
        loss: &loss,
        alpha: &alpha,
        cost: CostModel::Params, // c = N/M
    }
    .validated()?
    .solve()
}
// ANCHOR_END: readme

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<f64> = std::env::args()
        .skip(1)
        .map(|a| a.parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("arguments: target parameters and tokens, e.g. 70e9 15e12 ({e})"))?;
    let (m, d) = match args[..] {
        [m, d] => (m, d),
        [] => (12.85e9, 1.8e11), // OPT-13B
        _ => return Err("give the target's parameters and tokens, e.g. 70e9 15e12".into()),
    };
    let best = draft_for(m, d)?;
    println!(
        "target M = {m:.4e} params, D = {d:.4e} tokens\nN* = {:.1}M (N*/M = {:.2e}), alpha = {:.4}, gamma* = {:.2} (best integer {}), S* = {:.3}",
        best.n_star / 1e6,
        best.n_star_over_m,
        best.alpha,
        best.gamma_star,
        best.gamma_star_int,
        best.speedup
    );
    Ok(())
}
