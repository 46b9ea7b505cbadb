//! Records of the lab's i.i.d. check (`report.json` key `lab_iid`): is
//! acceptance independent of the position in the draft block and of γ, as
//! the throughput formulas assume; the lab's FLOPs counted with embeddings
//! and attention; cluster-robust errors of the lab's α law.

use crate::fit::interval::Interval;
use serde::Serialize;

/// One (pair, γ) sampler run's acceptance by block position.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PositionRun {
    /// Draft.
    pub draft: String,
    /// Target.
    pub target: String,
    /// γ.
    pub gamma: u64,
    /// Iterations logged.
    pub iterations: usize,
    /// Acceptance at position j = 1..γ: #{k ≥ j}/#{k ≥ j − 1}.
    pub by_position: Vec<Option<f64>>,
    /// Acceptance at positions 2..γ pooled.
    pub later: Option<f64>,
    /// Position 1 is accepted less often than positions 2..γ pooled.
    pub first_lower: bool,
    /// Likelihood-ratio test of one rate for position 1 and positions
    /// 2..γ against two rates: χ²₁ statistic and p-value.
    pub lr_first_vs_later: [f64; 2],
    /// The pooled MLE α̂ = Σk/(Σk + #{k < γ}).
    pub alpha_mle: f64,
    /// Mean tokens per iteration τ = mean(k) + 1, measured.
    pub tokens_per_iter: f64,
    /// E(α̂, γ) of the i.i.d. model at the pair's α̂ pooled over its γ's.
    pub tokens_per_iter_iid: f64,
}

/// One pair's α̂ by γ with the equality test.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GammaTest {
    /// Draft.
    pub draft: String,
    /// Target.
    pub target: String,
    /// (γ, α̂ with its likelihood-ratio interval) per γ.
    pub alpha_by_gamma: Vec<(u64, Interval)>,
    /// α̂ pooled over the γ's.
    pub alpha_pooled: f64,
    /// Likelihood-ratio statistic of one α for every γ, its degrees of
    /// freedom (number of γ − 1) and p-value.
    pub lr: [f64; 3],
    /// c = N/M in non-embedding parameters (the lab's laws) and with every
    /// FLOP counted (embeddings and head, and attention over the context).
    pub cost_ratio: [f64; 2],
    /// Best integer γ and its S under the pooled α̂: [non-embedding c, full c].
    pub best_gamma: [u64; 2],
    /// S at those γ.
    pub speedup: [f64; 2],
    /// The γ among the runs with the largest measured τ/(γc + 1) (full c).
    pub measured_best_gamma: u64,
}

/// One coefficient of the lab α law with cluster-robust errors.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RobustCoefficient {
    /// A (draft ppl), B (target ppl) or C (intercept).
    pub name: String,
    /// OLS with the classical SE.
    pub ols: Interval,
    /// CR2 (Bell–McCaffrey) SE clustered by draft architecture, t with G − 1 df.
    pub by_draft: Interval,
    /// The same clustered by target.
    pub by_target: Interval,
}

/// The lab's i.i.d. check.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LabIidSection {
    /// What is assumed and how it is computed.
    pub notes: Vec<String>,
    /// Runs where position 1 is accepted less often than positions 2..γ.
    pub first_lower: [usize; 2],
    /// Per run.
    pub runs: Vec<PositionRun>,
    /// Per pair.
    pub pairs: Vec<GammaTest>,
    /// The lab α law α = A·x + B·y + C at the lab's temperature, with CR2
    /// errors clustered by draft architecture and by target.
    pub alpha_law: Vec<RobustCoefficient>,
    /// Clusters: [draft architectures, targets].
    pub clusters: [usize; 2],
}
