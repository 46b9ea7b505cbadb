//! The speculative sampler's output follows the target: chi-square tests on
//! ≥ 100,000 tokens from fixed toy models, plus a broken sampler that the
//! same test must reject (so the test can fail). Seeds were fixed before the
//! first run.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sdsl_lab::spec::{self, NextToken, overlap};
use statrs::distribution::{ChiSquared, ContinuousCDF};

const K: usize = 6;

/// A first-order Markov model over K symbols: row `prev` of `table`.
struct Markov {
    table: [[f64; K]; K],
}

impl NextToken for Markov {
    fn probs(&self, prefix: &[usize]) -> Vec<f64> {
        self.table[*prefix.last().unwrap()].to_vec()
    }
}

fn normalise(rows: [[f64; K]; K]) -> [[f64; K]; K] {
    rows.map(|r| {
        let s: f64 = r.iter().sum();
        r.map(|v| v / s)
    })
}

fn target() -> Markov {
    Markov {
        table: normalise([
            [5.0, 1.0, 1.0, 2.0, 0.5, 0.5],
            [1.0, 6.0, 0.2, 1.0, 1.0, 0.8],
            [0.3, 0.3, 4.0, 3.0, 1.0, 1.4],
            [2.0, 2.0, 2.0, 2.0, 1.0, 1.0],
            [0.1, 3.0, 0.1, 3.0, 3.0, 0.8],
            [1.0, 0.5, 2.5, 0.5, 1.5, 4.0],
        ]),
    }
}

fn draft() -> Markov {
    // Deliberately different (α well below 1), with one zero-probability token.
    Markov {
        table: normalise([
            [2.0, 2.0, 2.0, 2.0, 2.0, 0.0],
            [1.0, 2.0, 1.0, 1.0, 3.0, 2.0],
            [3.0, 0.3, 1.0, 1.0, 1.0, 3.0],
            [0.5, 4.0, 1.0, 1.0, 2.0, 1.5],
            [1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
            [4.0, 0.5, 0.5, 0.5, 0.5, 4.0],
        ]),
    }
}

/// Σ over previous symbols of the Pearson statistic of next-symbol counts;
/// returns (statistic, degrees of freedom, p value).
fn chi_square(seq: &[usize], model: &Markov) -> (f64, f64, f64) {
    let mut counts = [[0f64; K]; K];
    for w in seq.windows(2) {
        counts[w[0]][w[1]] += 1.0;
    }
    let mut stat = 0.0;
    let mut df = 0.0;
    for (a, row) in counts.iter().enumerate() {
        let n: f64 = row.iter().sum();
        for (b, &c) in row.iter().enumerate() {
            let e = n * model.table[a][b];
            stat += (c - e) * (c - e) / e;
        }
        df += (K - 1) as f64;
    }
    let p = 1.0 - ChiSquared::new(df).unwrap().cdf(stat);
    (stat, df, p)
}

fn generate(gamma: usize, tokens: usize, seed: u64, broken: bool) -> (Vec<usize>, Vec<usize>) {
    let (t, d) = (target(), draft());
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut seq = vec![0usize];
    let mut accepted = Vec::new();
    while seq.len() < tokens {
        if broken {
            // Accept every drafted token: the output then follows the draft.
            let mut x = seq.clone();
            for _ in 0..gamma {
                let q = d.probs(&x);
                x.push(spec::sample_index(&q, rand::Rng::random(&mut rng)));
            }
            seq = x;
        } else {
            accepted.push(spec::iterate(&d, &t, gamma, &mut seq, &mut rng).accepted);
        }
    }
    (seq, accepted)
}

#[test]
fn speculative_output_follows_the_target_distribution() {
    for (gamma, seed) in [(1, 101), (3, 103), (8, 108)] {
        let (seq, _) = generate(gamma, 120_000, seed, false);
        let (stat, df, p) = chi_square(&seq, &target());
        assert!(
            p > 1e-3,
            "γ = {gamma}: χ² = {stat:.1} on {df} df, p = {p:.2e}: the output does not follow the target"
        );
    }
}

#[test]
fn the_test_rejects_a_sampler_that_skips_verification() {
    let (seq, _) = generate(4, 120_000, 104, true);
    let (stat, df, p) = chi_square(&seq, &target());
    assert!(
        p < 1e-12,
        "χ² = {stat:.1} on {df} df, p = {p:.2e}: the test has no power"
    );
}

#[test]
fn acceptance_rate_equals_the_mean_overlap() {
    // With a context-free pair the count of accepted tokens is a truncated
    // geometric with α = Σ min(p, q); the empirical rate matches it.
    struct Fixed(Vec<f64>);
    impl NextToken for Fixed {
        fn probs(&self, _: &[usize]) -> Vec<f64> {
            self.0.clone()
        }
    }
    let p = Fixed(vec![0.4, 0.3, 0.2, 0.1]);
    let q = Fixed(vec![0.1, 0.2, 0.3, 0.4]);
    let alpha = overlap(&p.0, &q.0);
    assert!((alpha - 0.6).abs() < 1e-12);
    let gamma = 4;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut seq = vec![0usize];
    let (mut acc, mut trials) = (0usize, 0usize);
    let mut counts = [0f64; 5];
    let iters = 50_000;
    for _ in 0..iters {
        let log = spec::iterate(&q, &p, gamma, &mut seq, &mut rng);
        acc += log.accepted;
        trials += log.tested;
        counts[log.accepted] += 1.0;
        seq.truncate(1);
    }
    let rate = acc as f64 / trials as f64;
    let se = (alpha * (1.0 - alpha) / trials as f64).sqrt();
    assert!((rate - alpha).abs() < 4.0 * se, "rate {rate} vs α {alpha}");
    // χ² of the count histogram against the truncated geometric.
    let mut stat = 0.0;
    for (k, &c) in counts.iter().enumerate() {
        let pk = if k < gamma {
            alpha.powi(k as i32) * (1.0 - alpha)
        } else {
            alpha.powi(gamma as i32)
        };
        let e = iters as f64 * pk;
        stat += (c - e) * (c - e) / e;
    }
    let pval = 1.0 - ChiSquared::new(gamma as f64).unwrap().cdf(stat);
    assert!(pval > 1e-3, "χ² = {stat} on {gamma} df, p = {pval:e}");
}

#[test]
fn verification_accepts_everything_when_draft_equals_target() {
    let p = vec![vec![0.5, 0.5, 0.0]; 4];
    let q = vec![vec![0.5, 0.5, 0.0]; 3];
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for _ in 0..1000 {
        let v = spec::verify(&q, &[0, 1, 1], &p, &mut rng);
        assert_eq!(v.accepted, 3);
        assert!(v.next < 2);
    }
}
