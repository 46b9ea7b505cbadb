//! The byte-level corpus: tinyshakespeare, split contiguously into the first
//! 90% (training) and the last 10% (held-out text, never trained on).

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Share of the corpus used for training; the rest is held out.
pub const TRAIN_SHARE: f64 = 0.9;

/// The corpus split.
pub struct Corpus {
    pub train: Vec<u8>,
    pub heldout: Vec<u8>,
    pub sha256: String,
    pub bytes: usize,
}

impl Corpus {
    pub fn load(path: &Path) -> Result<Self> {
        let data = std::fs::read(path)
            .with_context(|| format!("{}: cannot read the corpus (copy ../shared/datasets/corpus/tinyshakespeare.txt there, or pass --corpus)", path.display()))?;
        if data.len() < 10_000 {
            bail!(
                "{}: the corpus has {} bytes; the lab needs at least 10,000",
                path.display(),
                data.len()
            );
        }
        let sha256 = format!("{:x}", Sha256::digest(&data));
        // 10,000 bytes leave ≥ 1,000 held out: at least seven 128-byte windows.
        let cut = (data.len() as f64 * TRAIN_SHARE).floor() as usize;
        Ok(Self {
            train: data[..cut].to_vec(),
            heldout: data[cut..].to_vec(),
            sha256,
            bytes: data.len(),
        })
    }

    /// Non-overlapping held-out windows of `ctx + 1` bytes stepping by `ctx`
    /// (inputs are the first `ctx`, targets the last `ctx`), at most `max`.
    /// Every held-out position is scored once, with contexts 1..=ctx bytes.
    pub fn heldout_windows(&self, ctx: usize, max: usize) -> Vec<&[u8]> {
        let n = (self.heldout.len() - 1) / ctx;
        (0..n.min(max))
            .map(|i| &self.heldout[i * ctx..i * ctx + ctx + 1])
            .collect()
    }
}
