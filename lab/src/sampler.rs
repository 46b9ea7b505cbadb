//! Real speculative sampling with two ladder checkpoints, batched over
//! independent streams. Each stream starts from a held-out prefix and
//! generates with the rule of [`crate::spec`]; when the next block would not
//! fit in the context (128 bytes), the stream restarts from a fresh held-out
//! prefix. Every distribution conditions on the whole stream from its
//! prefix (no sliding window), so the target's distributions at the γ + 1
//! verified positions come from one forward pass, exactly as the draft saw
//! the same prefixes. Sequences of a batch are right-padded: under causal
//! attention padding never changes the rows that are read.
//!
//! Forward passes are counted per stream: γ draft passes and one target pass
//! per iteration (SDSL's convention: verifying γ + 1 tokens costs one target
//! pass, decoding being memory-bound). FLOPs use 2·N per token per pass with
//! N the non-embedding parameters.

use crate::eval::softmax_rows;
use crate::model::{Gpt, VOCAB};
use crate::rng;
use crate::spec::{IterationLog, sample_index, summarise, verify};
use anyhow::Result;
use candle_core::{Device, Tensor};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// One (pair, γ) run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SampleSpec {
    pub gamma: usize,
    pub iterations: usize,
    pub streams: usize,
    pub prefix: usize,
    pub seed: u64,
}

/// Its outcome.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SampleOutcome {
    pub accepted: Vec<u32>,
    pub overlap_tested: f64,
    pub tested: u64,
    pub overlap_all: f64,
    pub proposed: u64,
    pub draft_passes: u64,
    pub target_passes: u64,
    pub emitted: u64,
    pub restarts: u64,
    pub wall_seconds: f64,
}

/// Distributions of `model` at the given rows of each sequence (f64).
fn probs_at(model: &Gpt, seqs: &[Vec<u32>], rows: &[Vec<usize>]) -> Result<Vec<Vec<Vec<f64>>>> {
    let l = seqs.iter().map(|s| s.len()).max().unwrap_or(1);
    let mut x = Vec::with_capacity(seqs.len() * l);
    for s in seqs {
        x.extend_from_slice(s);
        x.extend(std::iter::repeat_n(0u32, l - s.len()));
    }
    let logits =
        crate::eval::logits_of(model, &Tensor::from_vec(x, (seqs.len(), l), &Device::Cpu)?)?;
    let mut out = Vec::with_capacity(seqs.len());
    let mut buf = Vec::with_capacity(VOCAB);
    for (b, r) in rows.iter().enumerate() {
        let mut per = Vec::with_capacity(r.len());
        for &pos in r {
            let o = (b * l + pos) * VOCAB;
            buf.clear();
            softmax_rows(&logits[o..o + VOCAB], &mut buf);
            per.push(buf.iter().map(|&v| v as f64).collect());
        }
        out.push(per);
    }
    Ok(out)
}

fn fresh_prefix(heldout: &[u8], len: usize, rng: &mut impl Rng) -> Vec<u32> {
    let o = rng.random_range(0..=heldout.len() - len);
    heldout[o..o + len].iter().map(|&v| v as u32).collect()
}

/// Runs `spec.iterations` speculative-sampling iterations.
pub fn run(draft: &Gpt, target: &Gpt, heldout: &[u8], spec: &SampleSpec) -> Result<SampleOutcome> {
    let t0 = Instant::now();
    let ctx = target.cfg.context.min(draft.cfg.context);
    anyhow::ensure!(
        spec.prefix + spec.gamma < ctx,
        "prefix {} + γ {} + 1 exceeds the context {ctx}",
        spec.prefix,
        spec.gamma
    );
    let mut rng = rng::stream(spec.seed, 7);
    let mut seqs: Vec<Vec<u32>> = (0..spec.streams)
        .map(|_| fresh_prefix(heldout, spec.prefix, &mut rng))
        .collect();
    let mut out = SampleOutcome {
        accepted: Vec::with_capacity(spec.iterations),
        overlap_tested: 0.0,
        tested: 0,
        overlap_all: 0.0,
        proposed: 0,
        draft_passes: 0,
        target_passes: 0,
        emitted: 0,
        restarts: 0,
        wall_seconds: 0.0,
    };
    let g = spec.gamma;
    while out.accepted.len() < spec.iterations {
        let n = spec.streams.min(spec.iterations - out.accepted.len());
        let active = &mut seqs[..n];
        for s in active.iter_mut() {
            if s.len() + g + 1 > ctx {
                *s = fresh_prefix(heldout, spec.prefix, &mut rng);
                out.restarts += 1;
            }
        }
        let base: Vec<usize> = active.iter().map(|s| s.len()).collect();
        let mut q: Vec<Vec<Vec<f64>>> = vec![Vec::with_capacity(g); n];
        let mut xs: Vec<Vec<usize>> = vec![Vec::with_capacity(g); n];
        for _ in 0..g {
            let rows: Vec<Vec<usize>> = active.iter().map(|s| vec![s.len() - 1]).collect();
            let pr = probs_at(draft, active, &rows)?;
            for (b, mut p) in pr.into_iter().enumerate() {
                let qi = p.pop().unwrap();
                let x = sample_index(&qi, rng.random());
                active[b].push(x as u32);
                q[b].push(qi);
                xs[b].push(x);
            }
        }
        let rows: Vec<Vec<usize>> = base
            .iter()
            .map(|&b0| (0..=g).map(|i| b0 - 1 + i).collect())
            .collect();
        let p = probs_at(target, active, &rows)?;
        for b in 0..n {
            let v = verify(&q[b], &xs[b], &p[b], &mut rng);
            let log: IterationLog = summarise(&q[b], &p[b], v.accepted);
            active[b].truncate(base[b] + v.accepted);
            active[b].push(v.next as u32);
            out.accepted.push(v.accepted as u32);
            out.overlap_tested += log.overlap_tested;
            out.tested += log.tested as u64;
            out.overlap_all += log.overlap_all;
            out.proposed += g as u64;
            out.emitted += v.accepted as u64 + 1;
            out.draft_passes += g as u64;
            out.target_passes += 1;
        }
    }
    out.wall_seconds = t0.elapsed().as_secs_f64();
    Ok(out)
}
