//! `sdsl fit latency --bootstrap 0` on a synthetic table of many
//! architectures (issue #27, bug 5: the leave-one-architecture-out errors
//! were refitted from scratch per architecture, O(n²)).
//!
//! The table is built in memory: n architectures (default 20 000; set
//! `SDSL_BENCH_ARCHS` to change it) of log-uniform size 1e8..1e11 parameters
//! with a layer count, decode times t(1) = (0.7 ms + 0.02 ms·layers +
//! 6e-10 ms·P)·(1 + 2% noise), and for every 50th architecture verification
//! times at q = 2, 5, 9. One fit of the default selection (graph, ctx 512,
//! batch 1) with no bootstrap: the affine and depth-aware laws, both LOAO
//! errors, the v(q) lines.
//!
//! Run: `cargo bench --bench latency_fit`.

use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sdsl::fit::latency::{LatencyFitSpec, LatencySelection};
use sdsl::ingest::latency::{LatencyRow, LatencyTable, Mode};
use std::collections::BTreeMap;
use std::time::Duration;

fn table(archs: usize) -> LatencyTable {
    let mut rng = ChaCha8Rng::seed_from_u64(27);
    let mut rows = Vec::new();
    for i in 0..archs {
        let params: f64 = 10f64.powf(rng.random_range(8.0..11.0));
        let layers: u64 = rng.random_range(4..=96);
        let t1 = (0.7 + 0.02 * layers as f64 + 6e-10 * params)
            * (1.0 + 0.02 * rng.random_range(-1.0..1.0));
        let qs: &[(u32, f64)] = if i % 50 == 0 {
            &[(1, 1.0), (2, 1.05), (5, 1.15), (9, 1.3)]
        } else {
            &[(1, 1.0)]
        };
        for &(q, f) in qs {
            rows.push(LatencyRow {
                row: rows.len() + 1,
                arch: format!("a{i:06}"),
                family: Some("synthetic".into()),
                params_total: params,
                params_non_embedding: None,
                layers: Some(layers),
                shape: BTreeMap::new(),
                mode: Mode::Graph,
                q,
                ctx: 512,
                batch: 1,
                ms_median: t1 * f,
            });
        }
    }
    LatencyTable::from_rows("synthetic.csv", "0", rows, None).expect("a valid synthetic table")
}

fn bench(c: &mut Criterion) {
    let archs: usize = std::env::var("SDSL_BENCH_ARCHS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let t = table(archs);
    let spec = LatencyFitSpec {
        selection: LatencySelection::default(),
        replicates: 0,
        seed: 0,
    }
    .validated()
    .expect("valid spec");
    let mut g = c.benchmark_group("latency_fit");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .warm_up_time(Duration::from_secs(2));
    g.bench_function(format!("fit_{archs}_archs_no_bootstrap"), |b| {
        b.iter(|| spec.fit(&t).expect("fit"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
