//! The roofline latency law of one decoder forward pass (docs/latency.md,
//! "Roofline"), after Williams, Waterman & Patterson (2009), "Roofline: an
//! insightful visual performance model for multicore architectures",
//! Communications of the ACM 52(4):65–76: a kernel takes at least the time
//! its memory traffic needs at the achieved bandwidth and at least the time
//! its arithmetic needs at the achieved throughput, whichever is longer.
//!
//! One forward pass of a model of P parameters over b sequences × q new
//! tokens, with ctx tokens already in each sequence's KV cache:
//!
//! `t = t0 + max(bytes / (η_bw·BW), flops / (η_fl·FLOPS))`
//!
//! - bytes = w·P + kv·ctx·b: the weights read once (w = 2 bytes per
//!   parameter in bf16, the output head included as `params_total` counts
//!   it; w = 1 for fp8 weights) plus every sequence's KV cache, kv bytes per
//!   cached token (K and V, 2 bytes each: 2·2·layers·kv_heads·head_dim);
//! - flops = 2·P·b·q (one multiply-add per parameter and token, the
//!   toolkit's FLOP convention);
//! - BW and FLOPS are the datasheet's peak memory bandwidth and dense bf16
//!   tensor throughput; t0 (launch and framework overhead per pass), η_bw
//!   and η_fl (the achieved fractions) are calibrated on measured times
//!   ([`crate::fit::roofline`]).
//!
//! Left out, and said so wherever the law is used: activations and other
//! intermediate tensors (small next to weights at decode batch sizes), the
//! embedding lookup (b·q rows of the table, counted as part of
//! `params_total` for models with untied embeddings), attention's
//! score FLOPs (≈ 4·layers·d_model·ctx per token), and the KV write of the
//! new tokens.

/// A GPU's peak figures from its datasheet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Peak {
    /// Peak memory bandwidth, bytes per second.
    pub bandwidth_bytes_per_s: f64,
    /// Dense (non-sparsity) bf16 tensor throughput, FLOP per second.
    pub flops_per_s: f64,
}

/// What an engine achieves of the peak, and its fixed cost per pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Efficiency {
    /// Fixed time per forward pass, ms.
    pub t0_ms: f64,
    /// Achieved fraction of the peak bandwidth.
    pub eta_bw: f64,
    /// Achieved fraction of the peak dense bf16 throughput.
    pub eta_fl: f64,
}

/// One forward pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pass {
    /// Parameters P (`params_total`).
    pub params: f64,
    /// Bytes per weight: 2 (bf16) or 1 (fp8).
    pub weight_bytes_per_param: f64,
    /// KV-cache bytes per cached token of one sequence.
    pub kv_bytes_per_token: f64,
    /// Sequences b.
    pub batch: f64,
    /// New tokens per sequence q.
    pub q: f64,
    /// Tokens already cached per sequence.
    pub ctx: f64,
}

impl Pass {
    /// Bytes read: w·P + kv·ctx·b.
    pub fn bytes(&self) -> f64 {
        self.weight_bytes_per_param * self.params + self.kv_bytes_per_token * self.ctx * self.batch
    }

    /// FLOPs: 2·P·b·q.
    pub fn flops(&self) -> f64 {
        2.0 * self.params * self.batch * self.q
    }
}

/// Bytes per cached token of one sequence in bf16: K and V, 2 bytes each,
/// 2·2·layers·kv_heads·head_dim.
pub fn kv_bytes_per_token(layers: f64, kv_heads: f64, head_dim: f64) -> f64 {
    2.0 * 2.0 * layers * kv_heads * head_dim
}

/// The memory-side time bytes/(η_bw·BW), ms.
pub fn memory_ms(peak: &Peak, eff: &Efficiency, pass: &Pass) -> f64 {
    1e3 * pass.bytes() / (eff.eta_bw * peak.bandwidth_bytes_per_s)
}

/// The compute-side time flops/(η_fl·FLOPS), ms.
pub fn compute_ms(peak: &Peak, eff: &Efficiency, pass: &Pass) -> f64 {
    1e3 * pass.flops() / (eff.eta_fl * peak.flops_per_s)
}

/// t = t0 + max(memory, compute), ms (the module docs).
pub fn time_ms(peak: &Peak, eff: &Efficiency, pass: &Pass) -> f64 {
    eff.t0_ms + memory_ms(peak, eff, pass).max(compute_ms(peak, eff, pass))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// H100 SXM datasheet (NVIDIA H100 Tensor Core GPU datasheet, 2022):
    /// 3.35 TB/s; BF16 1,979 TFLOPS with sparsity, one half without.
    const H100: Peak = Peak {
        bandwidth_bytes_per_s: 3.35e12,
        flops_per_s: 1979e12 / 2.0,
    };

    /// The brute-force twin: the smallest time by which both resources have
    /// done their work, t such that bytes ≤ η_bw·BW·(t − t0) and
    /// flops ≤ η_fl·FLOPS·(t − t0), found by bisection on the predicate
    /// alone (no max, no division by a rate).
    fn brute(peak: &Peak, eff: &Efficiency, pass: &Pass) -> f64 {
        let done = |t_ms: f64| {
            let s = (t_ms - eff.t0_ms) / 1e3;
            pass.bytes() <= eff.eta_bw * peak.bandwidth_bytes_per_s * s
                && pass.flops() <= eff.eta_fl * peak.flops_per_s * s
        };
        let (mut lo, mut hi) = (eff.t0_ms, eff.t0_ms + 1.0);
        while !done(hi) {
            hi = eff.t0_ms + 2.0 * (hi - eff.t0_ms);
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if done(mid) { hi = mid } else { lo = mid }
        }
        hi
    }

    #[test]
    fn the_roofline_equals_its_brute_force_twin_on_both_sides_of_the_ridge() {
        let eff = Efficiency {
            t0_ms: 0.4,
            eta_bw: 0.7,
            eta_fl: 0.45,
        };
        let mut memory_bound = 0;
        let mut compute_bound = 0;
        for params in [1.25e8, 1.3e9, 1.3e10, 7.06e10] {
            for batch in [1.0, 4.0, 16.0, 64.0, 256.0] {
                for q in [1.0, 2.0, 9.0, 17.0] {
                    let pass = Pass {
                        params,
                        weight_bytes_per_param: 2.0,
                        kv_bytes_per_token: 8.2e5,
                        batch,
                        q,
                        ctx: 512.0,
                    };
                    let (t, b) = (time_ms(&H100, &eff, &pass), brute(&H100, &eff, &pass));
                    assert!(
                        (t - b).abs() <= 1e-12 * t,
                        "{params} {batch} {q}: {t} vs {b}"
                    );
                    if memory_ms(&H100, &eff, &pass) >= compute_ms(&H100, &eff, &pass) {
                        memory_bound += 1;
                    } else {
                        compute_bound += 1;
                    }
                }
            }
        }
        // the grid crosses the ridge: both regimes were checked
        assert!(
            memory_bound > 10 && compute_bound > 10,
            "{memory_bound} {compute_bound}"
        );
    }

    #[test]
    fn twice_the_bandwidth_halves_the_memory_bound_time() {
        let eff = Efficiency {
            t0_ms: 0.5,
            eta_bw: 0.6,
            eta_fl: 0.5,
        };
        let fast = Peak {
            bandwidth_bytes_per_s: 2.0 * H100.bandwidth_bytes_per_s,
            ..H100
        };
        // OPT-13B (12.85e9 parameters) decode at batch 1: memory-bound on both
        let pass = Pass {
            params: 12.85e9,
            weight_bytes_per_param: 2.0,
            kv_bytes_per_token: 2.0 * 2.0 * 40.0 * 40.0 * 128.0,
            batch: 1.0,
            q: 1.0,
            ctx: 512.0,
        };
        let slow_t = time_ms(&H100, &eff, &pass) - eff.t0_ms;
        let fast_t = time_ms(&fast, &eff, &pass) - eff.t0_ms;
        assert!(memory_ms(&fast, &eff, &pass) > compute_ms(&fast, &eff, &pass));
        assert!(
            (fast_t - slow_t / 2.0).abs() <= 1e-12 * slow_t,
            "{slow_t} {fast_t}"
        );
        // fp8 weights halve the weight bytes only
        let fp8 = Pass {
            weight_bytes_per_param: 1.0,
            ..pass
        };
        let kv = pass.kv_bytes_per_token * pass.ctx;
        assert!((pass.bytes() - fp8.bytes() - 12.85e9).abs() < 1e-3);
        assert!((fp8.bytes() - (12.85e9 + kv)).abs() < 1e-3);
    }
}
