//! Column names shared by the writers (`sdsl-lab`'s tables) and the readers
//! (`ingest`), so the two cannot drift apart.

/// Draft model name.
pub const DRAFT: &str = "draft";
/// Target model name.
pub const TARGET: &str = "target";
/// Draft perplexity.
pub const DRAFT_PPL: &str = "draft_ppl";
/// Target perplexity.
pub const TARGET_PPL: &str = "target_ppl";
/// Per-token acceptance rate.
pub const ALPHA: &str = "alpha";
/// Sampling temperature.
pub const TEMPERATURE: &str = "temperature";
/// Evaluation data set.
pub const DATASET: &str = "dataset";
/// Draft model family.
pub const DRAFT_FAMILY: &str = "draft_family";
/// Target model family.
pub const TARGET_FAMILY: &str = "target_family";
/// Draft parameters (non-embedding in the lab).
pub const DRAFT_PARAMS: &str = "draft_params";
/// Target parameters (non-embedding in the lab).
pub const TARGET_PARAMS: &str = "target_params";
/// Tokens behind an acceptance estimate (its weight).
pub const N_TOKENS: &str = "n_tokens";
/// Lookahead γ.
pub const GAMMA: &str = "gamma";
/// Tokens accepted in one speculative iteration (logs).
pub const ACCEPTED: &str = "accepted";
/// Model (checkpoint) name in a loss table.
pub const MODEL: &str = "model";
/// Parameters N in a loss table.
pub const N: &str = "N";
/// Parameters including embeddings.
pub const N_TOTAL: &str = "N_total";
/// Training tokens D in a loss table.
pub const D: &str = "D";
/// Epochs over the corpus.
pub const EPOCHS: &str = "epochs";
/// Loss (nats per token).
pub const LOSS: &str = "loss";
/// Positions the target tested in a sampler run.
pub const TESTED: &str = "tested";
/// Σ min(p, q) on the positions the target tested.
pub const ALPHA_SUMMIN_TESTED: &str = "alpha_summin_tested";
/// Tokens emitted per GFLOP in a sampler run.
pub const TOKENS_PER_GFLOP: &str = "tokens_per_gflop";
