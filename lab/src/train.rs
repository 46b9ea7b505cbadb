//! Training one rung: AdamW on random 128-byte windows of the training split
//! with a warmup–stable–decay (WSD) schedule. One run per size; the
//! checkpoint for each token budget D_k comes from a cooldown branch that
//! leaves the stable phase at 80% of the budget's steps and decays the
//! learning rate linearly towards 0 at D_k (the last of the n cooldown steps
//! runs at lr/n) (Hägele et al. 2024, "Scaling laws and
//! compute-optimal training beyond fixed training durations"). The largest
//! budget's cooldown is the end of the main run. Every branch draws its
//! batches from its own seeded stream, so the main run is the same whether
//! or not branches are taken.

use crate::adamw::{AdamCfg, AdamW};
use crate::corpus::Corpus;
use crate::eval;
use crate::model::{Gpt, GptConfig};
use crate::rng;
use anyhow::{Result, bail};
use candle_core::{DType, Device, Tensor};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Everything that defines one rung's run.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RungSpec {
    pub model: GptConfig,
    pub seed: u64,
    /// Sequences per step (each `model.context` bytes).
    pub batch: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Linear warmup steps.
    pub warmup: usize,
    /// Share of each budget's steps spent in its cooldown branch.
    pub cooldown: f64,
    /// Token budgets of the checkpoints, ascending.
    pub budgets: Vec<u64>,
    pub adam: AdamCfg,
    /// Held-out windows scored per checkpoint (all of them when larger).
    pub eval_windows: usize,
    /// Bytes in the training split (for the epoch count).
    pub train_bytes: usize,
}

impl RungSpec {
    pub fn tokens_per_step(&self) -> u64 {
        (self.batch * self.model.context) as u64
    }
    /// Steps to reach budget `d` (rounded up).
    pub fn steps_for(&self, d: u64) -> u64 {
        d.div_ceil(self.tokens_per_step())
    }
    fn cooldown_start(&self, d: u64) -> u64 {
        let s = self.steps_for(d);
        ((s as f64) * (1.0 - self.cooldown)).round() as u64
    }
}

/// One checkpoint's record.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckpointRecord {
    pub rung: String,
    pub budget: u64,
    pub steps: u64,
    /// Tokens actually trained on (steps × batch × context).
    pub tokens: u64,
    /// Passes over the training split.
    pub epochs: f64,
    /// Mean held-out cross-entropy, nats per byte.
    pub heldout_loss: f64,
    pub heldout_positions: usize,
    /// Mean training loss over the last 10% of the branch's steps.
    pub train_loss_tail: f64,
    pub weights: PathBuf,
}

/// Result of one rung.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RungRecord {
    pub spec: RungSpec,
    pub checkpoints: Vec<CheckpointRecord>,
    pub wall_seconds: f64,
    pub tokens_per_second: f64,
}

fn lr_at(spec: &RungSpec, step: u64, cool: Option<(u64, u64)>) -> f64 {
    let warm = ((step + 1) as f64 / spec.warmup.max(1) as f64).min(1.0);
    match cool {
        Some((start, end)) if step >= start => {
            spec.lr * warm.min((end - step) as f64 / (end - start).max(1) as f64)
        }
        _ => spec.lr * warm,
    }
}

fn batch(corpus: &Corpus, ctx: usize, b: usize, rng: &mut impl Rng) -> Result<(Tensor, Tensor)> {
    let hi = corpus.train.len() - ctx - 1;
    let mut x = Vec::with_capacity(b * ctx);
    let mut y = Vec::with_capacity(b * ctx);
    for _ in 0..b {
        let o = rng.random_range(0..=hi);
        x.extend(corpus.train[o..o + ctx].iter().map(|&v| v as u32));
        y.extend(corpus.train[o + 1..o + ctx + 1].iter().map(|&v| v as u32));
    }
    Ok((
        Tensor::from_vec(x, (b, ctx), &Device::Cpu)?,
        Tensor::from_vec(y, b * ctx, &Device::Cpu)?,
    ))
}

/// Steps from `from` to `to` (exclusive) with the given cooldown window;
/// returns the training losses.
fn run_steps(
    spec: &RungSpec,
    model: &Gpt,
    opt: &mut AdamW,
    corpus: &Corpus,
    rng: &mut impl Rng,
    (from, to): (u64, u64),
    cool: Option<(u64, u64)>,
) -> Result<Vec<f64>> {
    let mut losses = Vec::with_capacity((to - from) as usize);
    for step in from..to {
        let (x, y) = batch(corpus, spec.model.context, spec.batch, rng)?;
        let loss = crate::ops::cross_entropy(&model.forward(&x)?, &y)?;
        let l = loss.to_scalar::<f32>()? as f64;
        if !l.is_finite() {
            bail!(
                "{}: training loss is {l} at step {step}; lower the learning rate",
                spec.model.name()
            );
        }
        let grads = loss.backward()?;
        opt.update(model, &grads, lr_at(spec, step, cool))?;
        losses.push(l);
    }
    Ok(losses)
}

fn tail_mean(v: &[f64]) -> f64 {
    let k = (v.len() / 10).max(1).min(v.len());
    v[v.len() - k..].iter().sum::<f64>() / k as f64
}

/// Trains one rung, writing a safetensors file per checkpoint into `dir`.
pub fn train_rung(spec: &RungSpec, corpus: &Corpus, dir: &Path) -> Result<RungRecord> {
    if spec.budgets.is_empty() || spec.budgets.windows(2).any(|w| w[0] >= w[1]) {
        bail!(
            "budgets must be ascending and non-empty, got {:?}",
            spec.budgets
        );
    }
    std::fs::create_dir_all(dir)?;
    let t0 = Instant::now();
    let mut init = rng::Normal::new(rng::stream(spec.seed, 0));
    let model = Gpt::new(spec.model, DType::F32, &mut init)?;
    let mut opt = AdamW::new(spec.adam, &model)?;
    let mut data = rng::stream(spec.seed, 1);
    let last = *spec.budgets.last().unwrap();
    let final_cool = Some((spec.cooldown_start(last), spec.steps_for(last)));
    let windows = corpus.heldout_windows(spec.model.context, spec.eval_windows);
    let mut step = 0u64;
    let mut trained_steps = 0u64;
    let mut main_losses = Vec::new();
    let mut checkpoints = Vec::new();
    for (k, &d) in spec.budgets.iter().enumerate() {
        let (start, end) = (spec.cooldown_start(d), spec.steps_for(d));
        let is_last = k + 1 == spec.budgets.len();
        // The main run goes to the branch point, or through the final cooldown.
        let until = if is_last { end } else { start };
        let steps = (step, until);
        main_losses.extend(run_steps(
            spec, &model, &mut opt, corpus, &mut data, steps, final_cool,
        )?);
        trained_steps += until - step;
        step = until;
        if is_last {
            let tail = tail_mean(&main_losses[start as usize..]);
            checkpoints.push(checkpoint(spec, &model, &windows, dir, d, end, tail)?);
        } else {
            let saved = opt.clone();
            let mut branch = rng::stream(spec.seed, 100 + k as u64);
            let cool = Some((start, end));
            let l = run_steps(
                spec,
                &model,
                &mut opt,
                corpus,
                &mut branch,
                (start, end),
                cool,
            )?;
            trained_steps += end - start;
            checkpoints.push(checkpoint(
                spec,
                &model,
                &windows,
                dir,
                d,
                end,
                tail_mean(&l),
            )?);
            opt = saved;
            opt.restore_into(&model)?;
        }
    }
    let wall = t0.elapsed().as_secs_f64();
    let trained = trained_steps * spec.tokens_per_step();
    Ok(RungRecord {
        spec: spec.clone(),
        checkpoints,
        wall_seconds: wall,
        tokens_per_second: trained as f64 / wall,
    })
}

#[allow(clippy::too_many_arguments)]
fn checkpoint(
    spec: &RungSpec,
    model: &Gpt,
    windows: &[&[u8]],
    dir: &Path,
    budget: u64,
    steps: u64,
    train_loss_tail: f64,
) -> Result<CheckpointRecord> {
    let (loss, positions) = eval::heldout_loss(model, windows)?;
    let tokens = steps * spec.tokens_per_step();
    let weights = dir.join(format!("{}-D{}.safetensors", spec.model.name(), budget));
    let map: HashMap<String, Tensor> = model
        .params
        .iter()
        .map(|p| (p.name.clone(), p.var.as_tensor().clone()))
        .collect();
    candle_core::safetensors::save(&map, &weights)?;
    Ok(CheckpointRecord {
        rung: spec.model.name(),
        budget,
        steps,
        tokens,
        epochs: tokens as f64 / spec.train_bytes as f64,
        heldout_loss: loss,
        heldout_positions: positions,
        train_loss_tail,
        weights,
    })
}
