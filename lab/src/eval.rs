//! Held-out evaluation: the mean cross-entropy (nats per byte) and the
//! next-byte distributions of a model at every held-out position.

use crate::model::{Gpt, GptConfig, VOCAB};
use crate::rng;
use anyhow::{Context, Result};
use candle_core::{DType, Device, Tensor};
use std::path::Path;

/// Windows per forward pass.
const EVAL_BATCH: usize = 32;

fn window_batches<'a>(
    windows: &'a [&'a [u8]],
) -> impl Iterator<Item = Result<(Tensor, Vec<u32>)>> + 'a {
    windows.chunks(EVAL_BATCH).map(|ch| {
        let ctx = ch[0].len() - 1;
        let x: Vec<u32> = ch
            .iter()
            .flat_map(|w| w[..ctx].iter().map(|&v| v as u32))
            .collect();
        let y: Vec<u32> = ch
            .iter()
            .flat_map(|w| w[1..].iter().map(|&v| v as u32))
            .collect();
        Ok((Tensor::from_vec(x, (ch.len(), ctx), &Device::Cpu)?, y))
    })
}

/// Softmax of each row of `logits` (row-major, `VOCAB` wide) into `out`.
pub fn softmax_rows(logits: &[f32], out: &mut Vec<f32>) {
    for row in logits.chunks_exact(VOCAB) {
        let mx = row.iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v));
        let z: f64 = row.iter().map(|&v| ((v - mx) as f64).exp()).sum();
        out.extend(row.iter().map(|&v| (((v - mx) as f64).exp() / z) as f32));
    }
}

/// The model's logits for token ids [B, T] as row-major f32 [B·T, 256].
pub fn logits_of(model: &Gpt, x: &Tensor) -> Result<Vec<f32>> {
    Ok(model
        .forward(x)?
        .to_dtype(DType::F32)?
        .flatten_all()?
        .to_vec1::<f32>()?)
}

/// Mean held-out cross-entropy (nats/byte) and the number of positions.
pub fn heldout_loss(model: &Gpt, windows: &[&[u8]]) -> Result<(f64, usize)> {
    let (mut total, mut n) = (0f64, 0usize);
    for b in window_batches(windows) {
        let (x, y) = b?;
        let logits = logits_of(model, &x)?;
        for (row, &t) in logits.chunks_exact(VOCAB).zip(&y) {
            let mx = row.iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v));
            let lse = mx as f64
                + row
                    .iter()
                    .map(|&v| ((v - mx) as f64).exp())
                    .sum::<f64>()
                    .ln();
            total += lse - row[t as usize] as f64;
        }
        n += y.len();
    }
    anyhow::ensure!(n > 0, "no held-out window to score");
    Ok((total / n as f64, n))
}

/// Next-byte distributions at every held-out position (row-major
/// [positions, 256], f32) and the true next bytes.
pub fn heldout_probs(model: &Gpt, windows: &[&[u8]]) -> Result<(Vec<f32>, Vec<u32>)> {
    let mut probs = Vec::new();
    let mut next = Vec::new();
    for b in window_batches(windows) {
        let (x, y) = b?;
        let logits = logits_of(model, &x)?;
        softmax_rows(&logits, &mut probs);
        next.extend(y);
    }
    Ok((probs, next))
}

/// Loads a checkpoint written by training.
pub fn load(cfg: GptConfig, path: &Path) -> Result<Gpt> {
    let mut dummy = rng::Normal::new(rng::stream(0, 0));
    let model = Gpt::new(cfg, DType::F32, &mut dummy)?;
    let map = candle_core::safetensors::load(path, &Device::Cpu)
        .with_context(|| format!("{}: cannot read the checkpoint", path.display()))?;
    for p in &model.params {
        let t = map
            .get(&p.name)
            .with_context(|| format!("{}: no tensor {}", path.display(), p.name))?;
        p.var.set(t)?;
    }
    Ok(model)
}
