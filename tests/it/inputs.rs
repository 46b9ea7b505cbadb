//! Load, then compute (#22 item 1): every input of a refit is read exactly
//! once, by `pipeline::load`, and listed with its hash; `pipeline::compute`
//! opens no file; a bad input stops the refit before any stage runs; a
//! stage runs on tables held in memory.
use sdsl::pipeline::{self, NoProgress, Progress, read_manifest};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sha256_file(p: &Path) -> String {
    sdsl::ingest::sha256_hex(&std::fs::read(p).unwrap())
}

#[test]
fn every_input_is_read_once_and_listed_with_its_sha256() {
    let cfg = read_manifest(&root().join("datasets/refit.toml")).unwrap();
    let inputs = pipeline::load(&cfg).unwrap();
    // no file read twice
    let mut seen = BTreeSet::new();
    for p in &inputs.reads {
        assert!(seen.insert(p.clone()), "{} read twice", p.display());
    }
    // every file the manifest names is read, the lab's plan too
    let mut expected: BTreeSet<PathBuf> = cfg.input_files().into_iter().skip(1).collect();
    expected.insert(root().join("datasets/lab/manifest.json"));
    let read: BTreeSet<PathBuf> = inputs.reads.iter().cloned().collect();
    let missing: Vec<_> = expected.difference(&read).collect();
    assert!(missing.is_empty(), "never read: {missing:?}");
    assert!(read.len() >= 16, "only {} files read", read.len());
    // every file read is listed, with the sha256 of its bytes
    for p in &inputs.reads {
        let sha = sha256_file(p);
        assert!(
            inputs.listed.iter().any(|i| i.sha256 == sha),
            "{} is not listed with its sha256 {sha}",
            p.display()
        );
    }
    // so is every compiled-in table and law the refit uses
    for (role, path) in [
        ("alpha law", "datasets/laws/sdsl2026.json"),
        ("loss law (compared)", "datasets/laws/besiroglu2024.json"),
        ("loss law (compared)", "datasets/laws/hoffmann2022.json"),
        ("hardware", "datasets/hardware/h200_decode_latency.csv"),
        (
            "hardware meta",
            "datasets/hardware/h200_decode_latency.meta",
        ),
        (
            "hardware",
            "datasets/hardware/h200_decode_latency_batched.csv",
        ),
        ("lab plan", "datasets/lab/manifest.json"),
    ] {
        let sha = sha256_file(&root().join(path));
        let hit = inputs
            .listed
            .iter()
            .find(|i| i.path.ends_with(path))
            .unwrap_or_else(|| panic!("{path} is not listed"));
        assert_eq!((hit.role, hit.sha256.as_str()), (role, sha.as_str()));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dst = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dst);
        } else {
            std::fs::copy(&p, &dst).unwrap();
        }
    }
}

#[test]
fn compute_opens_no_file_it_gives_the_report_of_refit_from_inputs_held_in_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("datasets");
    copy_dir(&root().join("datasets"), &data);
    let cfg = read_manifest(&data.join("refit.toml")).unwrap();
    let inputs = pipeline::load(&cfg).unwrap();
    // the files are gone: compute must hold everything already
    std::fs::remove_dir_all(&data).unwrap();
    assert!(!data.exists());
    let report = pipeline::compute(&inputs, &NoProgress).unwrap();
    let original = read_manifest(&root().join("datasets/refit.toml")).unwrap();
    let expected = pipeline::refit(&original, &NoProgress).unwrap();
    let json = |v: &dyn Erased| v.to_json();
    for (a, b) in [
        (json(&report.nstar), json(&expected.nstar)),
        (json(&report.nstar.loss_law), json(&expected.nstar.loss_law)),
        (json(&report.lab), json(&expected.lab)),
        (json(&report.lab_iid), json(&expected.lab_iid)),
        (json(&report.hardware), json(&expected.hardware)),
        (json(&report.sensitivity), json(&expected.sensitivity)),
        (
            json(&report.validation.as_ref().map(|v| &v.summary)),
            json(&expected.validation.as_ref().map(|v| &v.summary)),
        ),
    ] {
        // the copy's paths are the only difference
        let a = a.replace(
            &tmp.path().display().to_string(),
            &root().display().to_string(),
        );
        assert!(
            a == b,
            "the sections differ (lengths {} and {})",
            a.len(),
            b.len()
        );
    }
    assert_eq!(report.inputs.len(), expected.inputs.len());
}

/// `serde_json::to_string` behind a trait object, to compare sections.
trait Erased {
    fn to_json(&self) -> String;
}
impl<T: serde::Serialize> Erased for T {
    fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap()
    }
}

#[derive(Default)]
struct Stages(AtomicUsize);

impl Progress for Stages {
    fn begin(&self, _what: &str, _len: u64) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    fn stage(&self, _name: &'static str) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn a_bad_last_input_stops_the_refit_before_any_stage_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("datasets");
    copy_dir(&root().join("datasets"), &data);
    // the NeMo sweep is the last table read: break one of its cells
    let nemo = data.join("acceptance/qwen3_32b_window_sweep.csv");
    let text = std::fs::read_to_string(&nemo).unwrap();
    let header = text.lines().next().unwrap().to_string();
    let cols = header.split(',').count();
    std::fs::write(
        &nemo,
        format!("{header}\n{}\n", vec!["oops"; cols].join(",")),
    )
    .unwrap();
    let cfg = read_manifest(&data.join("refit.toml")).unwrap();
    let stages = Stages::default();
    let err = pipeline::refit(&cfg, &stages).unwrap_err().to_string();
    assert!(err.contains("refit.toml line "), "{err}");
    assert!(err.contains("qwen3_32b_window_sweep.csv"), "{err}");
    assert_eq!(stages.0.load(Ordering::Relaxed), 0, "a stage ran: {err}");
}

#[test]
fn the_loss_stage_runs_on_a_table_held_in_memory() {
    use sdsl::fit::loss::{Constraints, LossFitSpec, Objective, SolverSettings, StartGrid};
    use sdsl::ingest::loss_table::LossTable;
    // points on Hoffmann et al.'s law (Chinchilla approach 3, their Eq. 4:
    // E 1.69, A 406.4, B 410.7, α 0.34, β 0.28), no file anywhere
    let law = sdsl::catalog::laws::loss_law("hoffmann2022").unwrap().law;
    let (mut n, mut d, mut l) = (vec![], vec![], vec![]);
    for i in 0..6 {
        for j in 0..5 {
            let (nn, dd) = (1e8 * 3f64.powi(i), 2e9 * 3f64.powi(j));
            n.push(nn);
            d.push(dd);
            l.push(law.loss(nn, dd));
        }
    }
    let table = LossTable {
        path: "in memory".into(),
        sha256: String::new(),
        layout: "N,D,loss".into(),
        rows_total: n.len(),
        rows_used: n.len(),
        dropped_rows: vec![],
        n: n.clone(),
        d: d.clone(),
        loss: l.clone(),
    };
    let spec = LossFitSpec {
        objective: Objective::Huber { delta: 1e-3 },
        constraints: Constraints::default(),
        grid: StartGrid::hoffmann(),
        settings: SolverSettings::default(),
    }
    .validated()
    .unwrap();
    let input = pipeline::LossInput {
        table,
        spec,
        bootstrap: 0,
        drop_highest: 0,
    };
    let mut ledger = pipeline::Ledger::default();
    let out = pipeline::loss_stage(&input, 1, &NoProgress, &mut ledger).unwrap();
    let fit = &out.fit.law;
    for (got, want) in [
        (fit.e, law.e),
        (fit.a, law.a),
        (fit.b, law.b),
        (fit.alpha, law.alpha),
        (fit.beta, law.beta),
    ] {
        assert!(
            (got - want).abs() <= 1e-3 * want,
            "fitted {fit:?} against {law:?}"
        );
    }
}
