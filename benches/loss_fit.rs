//! Loss-law fit on the 240 kept rows of Epoch's Chinchilla data: one full
//! 4500-start grid fit, one refit from Hoffmann's start, and a
//! 4000-replicate bootstrap (each refit from Hoffmann's start), on rayon's
//! default pool (all cores); the bootstrap again on one thread, whose time
//! over 4000 is the CPU per refit compared with scipy's
//! (`benches/scipy_reference.py`).
//!
//! Run: `cargo bench --bench loss_fit`. Figures are reported in docs/performance.md.
//! The kernel uses the widest SIMD level the CPU has; `SDSL_SIMD=avx2` or
//! `SDSL_SIMD=baseline` in the environment measures a lower one.

use criterion::{Criterion, criterion_group, criterion_main};
use sdsl::fit::bootstrap::{BootStart, bootstrap_loss};
use sdsl::fit::loss::{Constraints, LossData, LossFitSpec, Objective, SolverSettings, StartGrid};
use sdsl::ingest::loss_table::{LossTableSpec, read_loss_table};
use std::path::Path;
use std::time::Duration;

fn data() -> LossData {
    let t = read_loss_table(
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/datasets/chinchilla/svg_extracted_data.csv"
        )),
        &LossTableSpec {
            drop_highest: 5,
            ..LossTableSpec::default()
        },
    )
    .expect("bundled data");
    LossData::new(&t.n, &t.d, &t.loss).expect("valid")
}

fn spec(grid: StartGrid) -> LossFitSpec {
    LossFitSpec {
        objective: Objective::Huber { delta: 1e-3 },
        constraints: Constraints::default(),
        grid,
        settings: SolverSettings::default(),
    }
    .validated()
    .expect("valid spec")
}

fn bench(c: &mut Criterion) {
    let d = data();
    let mut g = c.benchmark_group("loss_fit");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(25))
        .warm_up_time(Duration::from_secs(5));
    let full = spec(StartGrid::hoffmann());
    g.bench_function("grid_4500_starts", |b| {
        b.iter(|| full.fit(&d, &|| {}).expect("fit"))
    });
    let init = spec(StartGrid::hoffmann_init());
    let point = init.fit(&d, &|| {}).expect("fit");
    g.bench_function("single_start_refit", |b| {
        b.iter(|| init.fit(&d, &|| {}).expect("fit"))
    });
    g.bench_function("bootstrap_4000", |b| {
        b.iter(|| {
            bootstrap_loss(&d, &init, &point, 4000, 2024, BootStart::Hoffmann, &|| {})
                .expect("bootstrap")
        })
    });
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    g.bench_function("bootstrap_4000_one_thread", |b| {
        b.iter(|| {
            one.install(|| {
                bootstrap_loss(&d, &init, &point, 4000, 2024, BootStart::Hoffmann, &|| {})
                    .expect("bootstrap")
            })
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
