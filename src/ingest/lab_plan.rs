//! The lab's `manifest.json` (written by `sdsl-lab` next to its tables):
//! the plan that was run, the corpus, the software and the wall times. One
//! typed struct, shared by the writer (`lab/`) and the reader (`sdsl refit`,
//! which takes the model context from the plan for its FLOP recount). Not
//! behind the `io` feature: the lab builds `sdsl` without default features.
//!
//! Unknown keys are refused, so a renamed field fails loudly instead of
//! reading as absent. Keys serialise in alphabetical order (the writer goes
//! through `serde_json::Value`), so the file's layout does not depend on the
//! field order here.

use crate::error::SdslError;
use serde::{Deserialize, Serialize};

/// The whole `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabManifest {
    /// Format version (1).
    pub schema_version: u32,
    /// What was run.
    pub plan: LabPlan,
    /// The text the ladder was trained and measured on.
    pub corpus: LabCorpus,
    /// Versions and process layout.
    pub software: LabSoftware,
    /// Per rung: sizes, throughput and checkpoints.
    pub rungs: Vec<LabRungRecord>,
    /// Wall-clock seconds per phase.
    pub wall_seconds: LabWallSeconds,
}

/// The experiment's plan (the lab's `Plan`, field for field).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabPlan {
    /// `full` or `smoke`.
    pub name: String,
    /// Master seed.
    pub seed: u64,
    /// The rungs of the ladder.
    pub rungs: Vec<LabRungPlan>,
    /// Sampling pairs as (draft rung, target rung).
    pub sample_pairs: Vec<(usize, usize)>,
    /// Draft lengths of the sampling runs.
    pub gammas: Vec<usize>,
    /// Iterations per sampling run.
    pub iterations: usize,
    /// Independent streams per sampling run.
    pub streams: usize,
    /// Prompt length (bytes).
    pub prefix: usize,
    /// Held-out windows scored for the acceptance table.
    pub eval_windows: u64,
    /// Child processes per sampling job.
    pub sample_shards: usize,
}

/// One rung's training plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabRungPlan {
    /// The model's shape.
    pub model: LabShape,
    /// The rung's seed.
    pub seed: u64,
    /// Sequences per step.
    pub batch: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Linear warm-up steps.
    pub warmup: usize,
    /// Share of each budget's steps in its cool-down branch.
    pub cooldown: f64,
    /// Token budgets of the checkpoints, ascending.
    pub budgets: Vec<u64>,
    /// Optimiser settings.
    pub adam: LabAdam,
    /// Held-out windows scored per checkpoint.
    pub eval_windows: u64,
    /// Bytes in the training split.
    pub train_bytes: usize,
}

/// A byte-level GPT's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabShape {
    /// Transformer blocks.
    pub layers: usize,
    /// Residual width.
    pub width: usize,
    /// Attention heads.
    pub heads: usize,
    /// Context length (bytes).
    pub context: usize,
}

/// AdamW settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabAdam {
    /// First-moment decay.
    pub beta1: f64,
    /// Second-moment decay.
    pub beta2: f64,
    /// Denominator epsilon.
    pub eps: f64,
    /// Decoupled weight decay.
    pub weight_decay: f64,
    /// Global gradient-norm clip.
    pub grad_clip: f64,
}

/// The corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabCorpus {
    /// Path as read.
    pub path: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Bytes in the file.
    pub bytes: usize,
    /// Bytes in the training split.
    pub train_bytes: usize,
    /// Bytes in the held-out split.
    pub heldout_bytes: usize,
    /// How it was split.
    pub split: String,
}

/// Versions and process layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabSoftware {
    /// `sdsl-lab` crate version.
    #[serde(rename = "sdsl-lab")]
    pub sdsl_lab: String,
    /// candle version.
    pub candle: String,
    /// The compiler's version line, or `unknown`.
    pub rustc: String,
    /// Threads per child process.
    pub threads_per_process: usize,
    /// Child processes run at once.
    pub processes: usize,
}

/// One rung as trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabRungRecord {
    /// The shape's name (e.g. `L2-W64`).
    pub model: String,
    /// Non-embedding parameters.
    pub params_non_embedding: u64,
    /// All parameters.
    pub params_total: u64,
    /// Training wall time.
    pub wall_seconds: f64,
    /// Training throughput.
    pub tokens_per_second: f64,
    /// The checkpoints.
    pub checkpoints: Vec<LabCheckpoint>,
}

/// One checkpoint of a rung.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabCheckpoint {
    /// Token budget.
    pub budget: u64,
    /// Optimiser steps taken.
    pub steps: u64,
    /// Tokens seen.
    pub tokens: u64,
    /// Passes over the training split.
    pub epochs: f64,
    /// Held-out loss (nats per byte).
    pub heldout_loss: f64,
    /// Mean training loss over the last steps.
    pub train_loss_tail: f64,
}

/// Wall-clock seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabWallSeconds {
    /// Training, all rungs.
    pub train: f64,
    /// Training per job: (job name, seconds).
    pub train_per_job: Vec<(String, f64)>,
    /// Measuring, all jobs.
    pub measure: f64,
    /// Measuring per job: (job name, seconds).
    pub measure_per_job: Vec<(String, f64)>,
    /// The acceptance table.
    pub acceptance_table: f64,
    /// Per sampling run.
    pub sampling_runs: Vec<LabSamplingWall>,
    /// Everything.
    pub total: f64,
}

/// One sampling run's wall time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabSamplingWall {
    /// Draft checkpoint.
    pub draft: String,
    /// Target checkpoint.
    pub target: String,
    /// Draft length.
    pub gamma: usize,
    /// Seconds.
    pub wall_seconds: f64,
}

impl LabManifest {
    /// Parses a `manifest.json`; `label` names it in errors, which give the
    /// line and column and what is wrong (a missing or unknown field).
    pub fn from_json(label: &str, text: &str) -> Result<LabManifest, SdslError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        serde_json::from_str(text).map_err(|e| SdslError::Data {
            path: label.to_string(),
            message: format!(
                "not a lab manifest ({e}); it is written by `sdsl-lab run` next to the lab's tables"
            ),
        })
    }

    /// The file's text as the lab writes it: pretty JSON, keys in
    /// alphabetical order, a final newline.
    pub fn to_json(&self) -> Result<String, SdslError> {
        let v = serde_json::to_value(self)
            .map_err(|e| SdslError::InvalidArgument(format!("lab manifest: {e}")))?;
        serde_json::to_string_pretty(&v)
            .map(|s| s + "\n")
            .map_err(|e| SdslError::InvalidArgument(format!("lab manifest: {e}")))
    }

    /// The model context of the plan's first rung (bytes): the attention
    /// term of the lab's FLOP recount.
    pub fn context(&self) -> Option<usize> {
        self.plan.rungs.first().map(|r| r.model.context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUNDLED: &str = include_str!("../../datasets/lab/manifest.json");

    #[test]
    fn the_bundled_manifest_reads_and_writes_back_byte_for_byte() {
        let m = LabManifest::from_json("manifest.json", BUNDLED).unwrap();
        assert_eq!(m.context(), Some(128));
        assert_eq!(m.plan.gammas, vec![2, 4, 8]);
        assert_eq!(m.to_json().unwrap(), BUNDLED);
    }

    #[test]
    fn an_unknown_or_missing_field_is_refused_with_the_file_named() {
        let renamed = BUNDLED.replacen("\"context\"", "\"ctx\"", 1);
        let e = LabManifest::from_json("lab/manifest.json", &renamed).unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("lab/manifest.json: "), "{msg}");
        assert!(msg.contains("ctx") || msg.contains("context"), "{msg}");
        assert!(LabManifest::from_json("m.json", "{}").is_err());
    }
}
