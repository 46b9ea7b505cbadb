//! The refit as a library call: `pipeline::refit` on a small fixture
//! manifest (few replicates, the bundled data, a synthetic acceptance table
//! and the lab) builds a `Report` without the command line; its Markdown and
//! JSON are compared with committed snapshots (`tests/snapshots/`). After an
//! intended change, regenerate them with
//! `SDSL_UPDATE_SNAPSHOTS=1 cargo test --release --test pipeline` and review
//! the diff.
use sdsl::pipeline::{self, NoProgress, Progress, read_manifest};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

const MANIFEST: &str = "tests/data/pipeline/refit.toml";

fn check_snapshot(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("SDSL_UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with SDSL_UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    if want != got {
        let line = want
            .lines()
            .zip(got.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(want.lines().count().min(got.lines().count()));
        panic!(
            "{name} differs from its snapshot from line {} on:\n  want: {:?}\n  got:  {:?}\n(regenerate with SDSL_UPDATE_SNAPSHOTS=1 if the change is intended)",
            line + 1,
            want.lines().nth(line),
            got.lines().nth(line)
        );
    }
}

/// Counts what the pipeline reports, to check the trait is driven.
#[derive(Default)]
struct Count {
    ticks: AtomicUsize,
    stages: AtomicUsize,
}

impl Progress for Count {
    fn tick(&self) {
        self.ticks.fetch_add(1, Ordering::Relaxed);
    }
    fn stage(&self, _name: &'static str) {
        self.stages.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn pipeline_refit_builds_the_report_without_the_cli_and_matches_its_snapshots() {
    let cfg = read_manifest(Path::new(MANIFEST)).unwrap();
    let count = Count::default();
    let report = pipeline::refit(&cfg, &count).unwrap();
    // every stage ran: the loss fit, the fitted α law, the estimates, the N*
    // cells with intervals, the lab
    assert_eq!(report.alpha.source, "fitted");
    assert_eq!(
        report.nstar.cells.len(),
        2 * report.nstar.draft_families.len()
    );
    assert!(
        report
            .nstar
            .cells
            .iter()
            .all(|c| c.n_star_draws.unwrap().n > 0)
    );
    assert_eq!(report.estimates.len(), 1);
    assert!(report.lab.is_some());
    assert!(count.stages.load(Ordering::Relaxed) >= 6);
    // 1 start + 12 + 12 replicates + 12 draws + the lab's 4500 starts and 8 replicates
    assert!(count.ticks.load(Ordering::Relaxed) >= 1 + 12 + 12);
    let md = sdsl::report::markdown::render(&report);
    let json = serde_json::to_string_pretty(&report).unwrap() + "\n";
    check_snapshot("pipeline_report.md", &md);
    check_snapshot("pipeline_report.json", &json);
}

#[test]
fn the_same_config_and_seed_give_the_same_report_on_one_and_two_threads() {
    let cfg = read_manifest(Path::new(MANIFEST))
        .unwrap()
        .with_seed(Some(11));
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let r = pool.install(|| pipeline::refit(&cfg, &NoProgress)).unwrap();
        serde_json::to_string(&r).unwrap()
    };
    assert_eq!(run(1), run(2));
}

#[test]
fn a_stage_error_names_the_manifest_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(MANIFEST)
        .unwrap()
        .replace(
            "../../../datasets/",
            &format!("{}/datasets/", env!("CARGO_MANIFEST_DIR")),
        )
        .replace(
            "../acceptance_synthetic.csv",
            &format!(
                "{}/tests/data/acceptance_synthetic.csv",
                env!("CARGO_MANIFEST_DIR")
            ),
        )
        .replace(
            "targets = [\"OPT-13B\", \"LLaMA3.1-70B\"]",
            "targets = [\"OPT-13B\", \"GPT-9\"]",
        );
    let p = dir.path().join("refit.toml");
    std::fs::write(&p, text).unwrap();
    let cfg = read_manifest(&p).unwrap();
    let err = pipeline::refit(&cfg.with_seed(Some(1)), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 22 (nstar.targets)") && err.contains("GPT-9"),
        "{err}"
    );
}
