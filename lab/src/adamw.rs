//! AdamW (Loshchilov & Hutter 2019) with global-norm gradient clipping, on
//! host f32 copies of the parameters so the whole state can be snapshotted
//! for the cooldown branches of the warmup–stable–decay schedule.
//!
//! m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − lr·(m̂/(√v̂ + ε) + λθ)
//! with bias-corrected m̂, v̂; λ only on matrices and embeddings.

use crate::model::Gpt;
use candle_core::{DType, Result, Tensor, backprop::GradStore};
use serde::{Deserialize, Serialize};

/// Optimiser settings.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct AdamCfg {
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub weight_decay: f64,
    pub grad_clip: f64,
}

impl Default for AdamCfg {
    fn default() -> Self {
        Self {
            beta1: 0.9,
            beta2: 0.95,
            eps: 1e-8,
            weight_decay: 0.1,
            grad_clip: 1.0,
        }
    }
}

/// Parameters and moments (host copies).
#[derive(Clone)]
pub struct AdamW {
    pub cfg: AdamCfg,
    pub theta: Vec<Vec<f32>>,
    m: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
    pub step: u64,
}

impl AdamW {
    pub fn new(cfg: AdamCfg, model: &Gpt) -> Result<Self> {
        let theta = model.snapshot()?;
        let zeros: Vec<Vec<f32>> = theta.iter().map(|t| vec![0.0; t.len()]).collect();
        Ok(Self {
            cfg,
            theta,
            m: zeros.clone(),
            v: zeros,
            step: 0,
        })
    }

    /// One update at learning rate `lr`; writes the new values into `model`.
    /// Returns the gradient norm before clipping.
    pub fn update(&mut self, model: &Gpt, grads: &GradStore, lr: f64) -> Result<f64> {
        let mut g: Vec<Vec<f32>> = Vec::with_capacity(model.params.len());
        for p in &model.params {
            let gi = match grads.get(p.var.as_tensor()) {
                Some(t) => t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?,
                None => vec![0.0; p.var.elem_count()],
            };
            g.push(gi);
        }
        let norm = g
            .iter()
            .flatten()
            .map(|&x| (x as f64) * (x as f64))
            .sum::<f64>()
            .sqrt();
        let clip = if norm > self.cfg.grad_clip {
            self.cfg.grad_clip / norm
        } else {
            1.0
        };
        self.step += 1;
        let c = &self.cfg;
        let bc1 = 1.0 - c.beta1.powi(self.step as i32);
        let bc2 = 1.0 - c.beta2.powi(self.step as i32);
        for (i, p) in model.params.iter().enumerate() {
            let wd = if p.decay { c.weight_decay } else { 0.0 };
            let (th, m, v) = (&mut self.theta[i], &mut self.m[i], &mut self.v[i]);
            for j in 0..th.len() {
                let gj = g[i][j] as f64 * clip;
                let mj = c.beta1 * m[j] as f64 + (1.0 - c.beta1) * gj;
                let vj = c.beta2 * v[j] as f64 + (1.0 - c.beta2) * gj * gj;
                m[j] = mj as f32;
                v[j] = vj as f32;
                let upd = (mj / bc1) / ((vj / bc2).sqrt() + c.eps) + wd * th[j] as f64;
                th[j] = (th[j] as f64 - lr * upd) as f32;
            }
            let t =
                Tensor::from_slice(th, p.var.shape(), p.var.device())?.to_dtype(p.var.dtype())?;
            p.var.set(&t)?;
        }
        Ok(norm)
    }

    /// Writes the optimiser's parameter values into `model`.
    pub fn restore_into(&self, model: &Gpt) -> Result<()> {
        model.load(&self.theta)
    }
}
