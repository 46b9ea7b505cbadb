//! What draft for my target? N* from the library alone (no command line):
//! the published acceptance law and Besiroglu et al.'s loss law, SDSL's FLOP
//! cost model (c = N/M), for a target of M parameters trained on D tokens,
//! with drafts trained on the same D.
//!
//! ```sh
//! cargo run --release --example draft_for_target -- 70e9 15e12
//! ```
use sdsl::derive::nstar::NStarSetup;
use sdsl::ingest::laws;
use sdsl::law::CostModel;

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
    let loss = laws::loss_law("besiroglu2024")?.law;
    let alpha = laws::alpha_law("sdsl2026")?.law;
    let best = NStarSetup {
        target_params: m,
        target_tokens: d,
        draft_tokens: d,
        loss: &loss,
        alpha: &alpha,
        cost: CostModel::Params,
    }
    .validated()?
    .solve()?;
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
