//! A decoder-only byte-level GPT: token + learned position embeddings,
//! pre-LayerNorm blocks (causal multi-head attention, 4× MLP with GELU), a
//! final LayerNorm and an output layer tied to the token embedding. Linear
//! layers have no biases; LayerNorms have a gain and a bias.
//!
//! Parameters are counted with and without embeddings: `non_embedding`
//! excludes the token and position tables (the tied output layer shares the
//! token table), as in Kaplan et al. (2020); it is the `N` of `loss.csv`.
//! Initialisation (GPT-2): N(0, 0.02) for matrices and embeddings, the
//! residual output projections scaled by 1/√(2·layers); gains 1, biases 0.

use crate::ops;
use crate::rng::Normal;
use candle_core::{DType, Device, Result, Tensor, Var};
use serde::{Deserialize, Serialize};

/// Vocabulary (bytes).
pub const VOCAB: usize = 256;

/// Shape of one rung.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GptConfig {
    pub layers: usize,
    pub width: usize,
    pub heads: usize,
    pub context: usize,
}

impl GptConfig {
    /// Name used in the tables, e.g. `L2-W64`.
    pub fn name(&self) -> String {
        format!("L{}-W{}", self.layers, self.width)
    }
    /// Parameters in the token and position tables.
    pub fn embedding_params(&self) -> usize {
        (VOCAB + self.context) * self.width
    }
    /// Parameters outside the embeddings (12·w² per layer plus LayerNorms).
    pub fn non_embedding_params(&self) -> usize {
        let w = self.width;
        self.layers * (12 * w * w + 4 * w) + 2 * w
    }
    /// All parameters (the output layer is tied to the token table).
    pub fn total_params(&self) -> usize {
        self.embedding_params() + self.non_embedding_params()
    }
}

/// One parameter: its name, variable and whether AdamW decays it.
pub struct Param {
    pub name: String,
    pub var: Var,
    pub decay: bool,
}

/// The model's parameters in a fixed order.
pub struct Gpt {
    pub cfg: GptConfig,
    pub params: Vec<Param>,
}

struct Block<'a> {
    ln1: (&'a Tensor, &'a Tensor),
    qkv: &'a Tensor,
    proj: &'a Tensor,
    ln2: (&'a Tensor, &'a Tensor),
    fc: &'a Tensor,
    out: &'a Tensor,
}

impl Gpt {
    /// A freshly initialised model (f32 or f64) from the given normal stream.
    pub fn new(cfg: GptConfig, dtype: DType, rng: &mut Normal) -> Result<Self> {
        let dev = Device::Cpu;
        let w = cfg.width;
        let mut params = Vec::new();
        let mut push = |name: String, dims: &[usize], init: Init, decay: bool| -> Result<()> {
            let n: usize = dims.iter().product();
            let data: Vec<f64> = match init {
                Init::Normal(sd) => (0..n).map(|_| sd * rng.sample()).collect(),
                Init::Const(c) => vec![c; n],
            };
            let t = Tensor::from_vec(data, dims, &dev)?.to_dtype(dtype)?;
            params.push(Param {
                name,
                var: Var::from_tensor(&t)?,
                decay,
            });
            Ok(())
        };
        let resid = 0.02 / (2.0 * cfg.layers as f64).sqrt();
        push("wte".into(), &[VOCAB, w], Init::Normal(0.02), true)?;
        push("wpe".into(), &[cfg.context, w], Init::Normal(0.02), true)?;
        for l in 0..cfg.layers {
            push(format!("h{l}.ln1.g"), &[w], Init::Const(1.0), false)?;
            push(format!("h{l}.ln1.b"), &[w], Init::Const(0.0), false)?;
            push(
                format!("h{l}.attn.qkv"),
                &[w, 3 * w],
                Init::Normal(0.02),
                true,
            )?;
            push(
                format!("h{l}.attn.proj"),
                &[w, w],
                Init::Normal(resid),
                true,
            )?;
            push(format!("h{l}.ln2.g"), &[w], Init::Const(1.0), false)?;
            push(format!("h{l}.ln2.b"), &[w], Init::Const(0.0), false)?;
            push(
                format!("h{l}.mlp.fc"),
                &[w, 4 * w],
                Init::Normal(0.02),
                true,
            )?;
            push(
                format!("h{l}.mlp.proj"),
                &[4 * w, w],
                Init::Normal(resid),
                true,
            )?;
        }
        push("lnf.g".into(), &[w], Init::Const(1.0), false)?;
        push("lnf.b".into(), &[w], Init::Const(0.0), false)?;
        Ok(Self { cfg, params })
    }

    fn t(&self, i: usize) -> &Tensor {
        self.params[i].var.as_tensor()
    }

    fn block(&self, l: usize) -> Block<'_> {
        let b = 2 + 8 * l;
        Block {
            ln1: (self.t(b), self.t(b + 1)),
            qkv: self.t(b + 2),
            proj: self.t(b + 3),
            ln2: (self.t(b + 4), self.t(b + 5)),
            fc: self.t(b + 6),
            out: self.t(b + 7),
        }
    }

    /// Logits [B·T, 256] for token ids [B, T] (T ≤ context). Position t's
    /// logits predict token t + 1 from tokens 0..=t.
    pub fn forward(&self, idx: &Tensor) -> Result<Tensor> {
        let (b, t) = idx.dims2()?;
        let (w, h) = (self.cfg.width, self.cfg.heads);
        let hd = w / h;
        let wte = self.t(0);
        let pos = self.t(1).narrow(0, 0, t)?;
        let mut x = wte
            .index_select(&idx.flatten_all()?, 0)?
            .reshape((b, t, w))?
            .broadcast_add(&pos)?;
        let ln = |x: &Tensor, (g, bias): (&Tensor, &Tensor)| -> Result<Tensor> {
            ops::layer_norm(x, g, bias)
        };
        let scale = 1.0 / (hd as f64).sqrt();
        for l in 0..self.cfg.layers {
            let blk = self.block(l);
            let a = ln(&x, blk.ln1)?.reshape((b * t, w))?.matmul(blk.qkv)?;
            let a = a
                .reshape((b, t, 3, h, hd))?
                .permute((2, 0, 3, 1, 4))?
                .contiguous()?; // [3, B, H, T, hd]
            let (q, k, v) = (a.get(0)?, a.get(1)?, a.get(2)?);
            let att = ops::causal_softmax(&q.matmul(&k.t()?.contiguous()?)?, scale)?;
            let y = att
                .matmul(&v)?
                .transpose(1, 2)?
                .contiguous()?
                .reshape((b * t, w))?;
            x = (x + y.matmul(blk.proj)?.reshape((b, t, w))?)?;
            let m = ln(&x, blk.ln2)?.reshape((b * t, w))?.matmul(blk.fc)?;
            let m = ops::gelu(&m)?.matmul(blk.out)?;
            x = (x + m.reshape((b, t, w))?)?;
        }
        let n = self.params.len();
        let x = ln(&x, (self.t(n - 2), self.t(n - 1)))?.reshape((b * t, w))?;
        x.matmul(&wte.t()?)
    }

    /// Copies of the parameter values (f32), in order.
    pub fn snapshot(&self) -> Result<Vec<Vec<f32>>> {
        self.params
            .iter()
            .map(|p| {
                p.var
                    .as_tensor()
                    .to_dtype(DType::F32)?
                    .flatten_all()?
                    .to_vec1::<f32>()
            })
            .collect()
    }

    /// Sets every parameter from f32 values in order.
    pub fn load(&self, values: &[Vec<f32>]) -> Result<()> {
        for (p, v) in self.params.iter().zip(values) {
            let t = Tensor::from_slice(v, p.var.shape(), &Device::Cpu)?.to_dtype(p.var.dtype())?;
            p.var.set(&t)?;
        }
        Ok(())
    }
}

enum Init {
    Normal(f64),
    Const(f64),
}
