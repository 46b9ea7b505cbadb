//! Speculative sampling (Leviathan et al. 2023, Algorithm 1; Chen et al.
//! 2023): the draft proposes γ tokens x_i ~ q_i, the target scores all of
//! them in one pass, token i is accepted with probability
//! min(1, p_i(x_i)/q_i(x_i)); at the first rejection a token is drawn from
//! norm(max(0, p_i − q_i)) and the iteration ends; if all γ are accepted a
//! bonus token is drawn from p_{γ+1}. The output follows the target exactly.
//! The expected acceptance of position i is Σ_v min(p_i(v), q_i(v)) (their
//! Theorem 3.5 / Corollary 3.6).

use rand::Rng;

/// Draws an index from a probability vector by inversion (`u` uniform in [0, 1)).
pub fn sample_index(p: &[f64], u: f64) -> usize {
    let total: f64 = p.iter().sum();
    let mut acc = 0.0;
    let target = u * total;
    let mut last = 0;
    for (i, &v) in p.iter().enumerate() {
        if v > 0.0 {
            last = i;
            acc += v;
            if target < acc {
                return i;
            }
        }
    }
    last
}

/// Σ_v min(p(v), q(v)): the probability that a token drafted from q is accepted.
pub fn overlap(p: &[f64], q: &[f64]) -> f64 {
    p.iter().zip(q).map(|(&a, &b)| a.min(b)).sum()
}

/// The outcome of verifying one draft block.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    /// Drafted tokens accepted (0..=γ).
    pub accepted: usize,
    /// The token appended after them (the correction or the bonus token).
    pub next: usize,
}

/// Verifies drafted tokens `xs` (γ of them) drawn from `q[i]`, given the
/// target's distributions `p[0..=γ]` at the same prefixes.
pub fn verify<R: Rng>(q: &[Vec<f64>], xs: &[usize], p: &[Vec<f64>], rng: &mut R) -> Verified {
    let gamma = xs.len();
    debug_assert!(q.len() == gamma && p.len() == gamma + 1);
    for i in 0..gamma {
        let (pi, qi, x) = (&p[i], &q[i], xs[i]);
        let r: f64 = rng.random();
        if qi[x] <= 0.0 || r < (pi[x] / qi[x]).min(1.0) {
            continue;
        }
        let resid: Vec<f64> = pi.iter().zip(qi).map(|(&a, &b)| (a - b).max(0.0)).collect();
        let next = if resid.iter().sum::<f64>() > 0.0 {
            sample_index(&resid, rng.random())
        } else {
            // p ≤ q everywhere means p = q: rejection has probability 0.
            sample_index(pi, rng.random())
        };
        return Verified { accepted: i, next };
    }
    Verified {
        accepted: gamma,
        next: sample_index(&p[gamma], rng.random()),
    }
}

/// Something that gives a next-token distribution for a prefix (used by the
/// toy models of the tests and by the reference one-stream sampler).
pub trait NextToken {
    fn probs(&self, prefix: &[usize]) -> Vec<f64>;
}

/// Per-iteration record of one speculative-sampling run.
#[derive(Clone, Debug, Default)]
pub struct IterationLog {
    pub accepted: usize,
    /// Σ min(p_i, q_i) summed over the positions the target tested
    /// (1..=min(accepted + 1, γ)).
    pub overlap_tested: f64,
    pub tested: usize,
    /// Σ min summed over all γ proposed positions.
    pub overlap_all: f64,
}

/// One iteration on one sequence with models given as [`NextToken`]:
/// extends `seq` by accepted + 1 tokens.
pub fn iterate<R: Rng>(
    draft: &dyn NextToken,
    target: &dyn NextToken,
    gamma: usize,
    seq: &mut Vec<usize>,
    rng: &mut R,
) -> IterationLog {
    let base = seq.len();
    let mut q = Vec::with_capacity(gamma);
    let mut xs = Vec::with_capacity(gamma);
    for _ in 0..gamma {
        let qi = draft.probs(seq);
        let x = sample_index(&qi, rng.random());
        seq.push(x);
        q.push(qi);
        xs.push(x);
    }
    let p: Vec<Vec<f64>> = (0..=gamma)
        .map(|i| target.probs(&seq[..base + i]))
        .collect();
    seq.truncate(base);
    let v = verify(&q, &xs, &p, rng);
    let log = summarise(&q, &p, v.accepted);
    seq.extend_from_slice(&xs[..v.accepted]);
    seq.push(v.next);
    log
}

/// The overlap bookkeeping of one iteration.
pub fn summarise(q: &[Vec<f64>], p: &[Vec<f64>], accepted: usize) -> IterationLog {
    let gamma = q.len();
    let tested = (accepted + 1).min(gamma);
    let ov: Vec<f64> = (0..gamma).map(|i| overlap(&p[i], &q[i])).collect();
    IterationLog {
        accepted,
        overlap_tested: ov[..tested].iter().sum(),
        tested,
        overlap_all: ov.iter().sum(),
    }
}
