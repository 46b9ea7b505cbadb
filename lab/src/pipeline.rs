//! The experiment's plan, its jobs (each run in a single-threaded child
//! process) and the tables it writes.

use crate::adamw::AdamCfg;
use crate::corpus::Corpus;
use crate::eval;
use crate::measure::{PairAcceptance, pair_acceptance};
use crate::model::GptConfig;
use crate::sampler::{self, SampleOutcome, SampleSpec};
use crate::train::{RungRecord, RungSpec, train_rung};
use anyhow::{Context, Result, bail};
use sdsl::ingest::columns as col;
use sdsl::ingest::lab_plan::{
    LabCheckpoint, LabCorpus, LabManifest, LabPlan, LabRungRecord, LabSamplingWall, LabSoftware,
    LabWallSeconds,
};
use sdsl::report::csv_out::CsvTable;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Instant;

/// Context length of every rung (bytes).
pub const CONTEXT: usize = 128;
/// Version of candle the lab was built with (checked against Cargo.lock by a test).
pub const CANDLE_VERSION: &str = "0.11.1";
/// Name of the held-out text in the tables.
pub const DATASET: &str = "tinyshakespeare-heldout";
/// Model family name in the tables.
pub const FAMILY: &str = "lab-bytegpt";

/// What to run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    pub name: String,
    pub seed: u64,
    pub rungs: Vec<RungSpec>,
    /// Sampling pairs as (draft rung, target rung), final checkpoints.
    pub sample_pairs: Vec<(usize, usize)>,
    pub gammas: Vec<usize>,
    pub iterations: usize,
    pub streams: usize,
    pub prefix: usize,
    /// Held-out windows scored for the acceptance table (all when larger).
    pub eval_windows: usize,
    /// Sampling jobs are split into this many child processes.
    pub sample_shards: usize,
}

fn rung(
    layers: usize,
    width: usize,
    seed: u64,
    budgets: &[u64],
    batch: usize,
    warmup: usize,
    eval_windows: usize,
) -> RungSpec {
    // Peak learning rate 3e-3·√(64/width): smaller for wider rungs.
    let lr = 3e-3 * (64.0 / width as f64).sqrt();
    RungSpec {
        model: GptConfig {
            layers,
            width,
            heads: (width / 32).max(1),
            context: CONTEXT,
        },
        seed: seed + 1000 * layers as u64 + width as u64,
        batch,
        lr,
        warmup,
        cooldown: 0.2,
        budgets: budgets.to_vec(),
        adam: AdamCfg::default(),
        eval_windows,
        // Replaced by the corpus actually read (see `run`).
        train_bytes: TRAIN_BYTES,
    }
}

/// Training split of tinyshakespeare (90% of 1,115,394 bytes).
const TRAIN_BYTES: usize = 1_003_854;

impl Plan {
    /// The experiment of `just lab`.
    pub fn full(seed: u64) -> Self {
        let budgets = [500_000, 1_000_000, 2_000_000, 5_000_000];
        let rungs = [(1, 16), (1, 32), (2, 64), (3, 96), (4, 128)]
            .iter()
            .map(|&(l, w)| rung(l, w, seed, &budgets, 16, 100, usize::MAX))
            .collect();
        Self {
            name: "full".into(),
            seed,
            rungs,
            sample_pairs: vec![
                (0, 3),
                (0, 4),
                (1, 2),
                (1, 3),
                (1, 4),
                (2, 3),
                (2, 4),
                (3, 4),
            ],
            gammas: vec![2, 4, 8],
            iterations: 2000,
            streams: 50,
            prefix: 32,
            eval_windows: usize::MAX,
            sample_shards: 2,
        }
    }

    /// A tiny ladder that runs every stage in seconds (`--smoke`).
    pub fn smoke(seed: u64) -> Self {
        let budgets = [16_384, 32_768];
        let rungs = [(1, 16), (1, 32), (2, 32)]
            .iter()
            .map(|&(l, w)| rung(l, w, seed, &budgets, 8, 4, 40))
            .collect();
        Self {
            name: "smoke".into(),
            seed,
            rungs,
            sample_pairs: vec![(0, 2), (1, 2)],
            gammas: vec![2, 4],
            iterations: 60,
            streams: 20,
            prefix: 32,
            eval_windows: 40,
            sample_shards: 2,
        }
    }
}

/// A checkpoint as the measuring jobs see it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Ckpt {
    pub name: String,
    pub rung: usize,
    pub cfg: GptConfig,
    pub budget: u64,
    pub tokens: u64,
    pub loss: f64,
    pub weights: PathBuf,
}

/// One sampling run inside a job.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SampleRun {
    pub draft: Ckpt,
    pub target: Ckpt,
    pub spec: SampleSpec,
}

/// A unit of work for a child process; it writes its result as JSON to `result`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Job {
    Train {
        spec: RungSpec,
        corpus: PathBuf,
        dir: PathBuf,
        result: PathBuf,
    },
    Alpha {
        corpus: PathBuf,
        ckpts: Vec<Ckpt>,
        eval_windows: usize,
        result: PathBuf,
    },
    Sample {
        corpus: PathBuf,
        runs: Vec<SampleRun>,
        result: PathBuf,
    },
}

/// What a job file holds: the job and what its result depends on besides
/// the job itself (for `--reuse`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JobFile {
    /// sha256 of the executable that wrote it.
    pub build: String,
    /// sha256 of the corpus.
    pub corpus_sha256: String,
    pub job: Job,
}

/// The acceptance of one pair (output of the alpha job).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PairRow {
    pub draft: usize,
    pub target: usize,
    pub acc: PairAcceptance,
}

/// Output of the alpha job.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AlphaResult {
    pub pairs: Vec<PairRow>,
    pub wall_seconds: f64,
}

/// Raises glibc's mmap and trim thresholds: without it every op's output
/// buffer is freshly mapped and zeroed by the kernel.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tunables; called before other threads allocate.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}

fn write_json<T: Serialize>(path: &Path, v: &T) -> Result<()> {
    std::fs::write(path, serde_json::to_string_pretty(v)?)
        .with_context(|| format!("{}: cannot write", path.display()))
}

fn read_json<T: for<'a> Deserialize<'a>>(path: &Path) -> Result<T> {
    let s = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    serde_json::from_str(&s).with_context(|| format!("{}: malformed", path.display()))
}

/// Runs one job in this process.
pub fn execute(job: &Job) -> Result<()> {
    match job {
        Job::Train {
            spec,
            corpus,
            dir,
            result,
        } => {
            let c = Corpus::load(corpus)?;
            let rec = train_rung(spec, &c, dir)?;
            eprintln!(
                "  {} trained: {:.0} s, {:.0} tokens/s",
                spec.model.name(),
                rec.wall_seconds,
                rec.tokens_per_second
            );
            write_json(result, &rec)
        }
        Job::Alpha {
            corpus,
            ckpts,
            eval_windows,
            result,
        } => {
            let t0 = Instant::now();
            let c = Corpus::load(corpus)?;
            let windows = c.heldout_windows(CONTEXT, *eval_windows);
            let mut probs = Vec::with_capacity(ckpts.len());
            for k in ckpts {
                probs.push(eval::heldout_probs(&eval::load(k.cfg, &k.weights)?, &windows)?.0);
            }
            let mut pairs = Vec::new();
            for (t, kt) in ckpts.iter().enumerate() {
                if !is_final(ckpts, t) || kt.rung == 0 {
                    continue;
                }
                for (d, kd) in ckpts.iter().enumerate() {
                    if kd.rung < kt.rung {
                        pairs.push(PairRow {
                            draft: d,
                            target: t,
                            acc: pair_acceptance(&probs[t], &probs[d]),
                        });
                    }
                }
            }
            write_json(
                result,
                &AlphaResult {
                    pairs,
                    wall_seconds: t0.elapsed().as_secs_f64(),
                },
            )
        }
        Job::Sample {
            corpus,
            runs,
            result,
        } => {
            let c = Corpus::load(corpus)?;
            let mut outs = Vec::with_capacity(runs.len());
            for r in runs {
                let d = eval::load(r.draft.cfg, &r.draft.weights)?;
                let t = eval::load(r.target.cfg, &r.target.weights)?;
                let o = sampler::run(&d, &t, &c.heldout, &r.spec)?;
                eprintln!(
                    "  sampled {} -> {} at γ = {}: {:.1} s",
                    r.draft.name, r.target.name, r.spec.gamma, o.wall_seconds
                );
                outs.push(o);
            }
            write_json(result, &outs)
        }
    }
}

/// Whether checkpoint `i` is its rung's last (the rung's target model).
fn is_final(ckpts: &[Ckpt], i: usize) -> bool {
    !ckpts
        .iter()
        .any(|k| k.rung == ckpts[i].rung && k.budget > ckpts[i].budget)
}

/// Runs job files in child processes, `jobs` at a time, in the given order.
///
/// With `reuse`, a job whose file is byte-identical to the one recorded when
/// it last succeeded (`<job>.done`) is skipped and its result kept. Job files
/// carry the corpus hash and the hash of this executable, so a changed corpus
/// or a rebuilt binary never reuses old results; `.done` is removed before a
/// job starts, so a job that failed or was interrupted is never reused.
fn run_children(files: &[PathBuf], jobs: usize, reuse: bool) -> Result<Vec<(String, f64)>> {
    let exe = std::env::current_exe()?;
    let done = |f: &PathBuf| f.with_extension("json.done");
    let files: Vec<PathBuf> = files
        .iter()
        .filter(|f| {
            let same = reuse
                && std::fs::read(f)
                    .ok()
                    .is_some_and(|a| std::fs::read(done(f)).ok().is_some_and(|b| a == b));
            if same {
                eprintln!("  reusing the result of {}", f.display());
            }
            !same
        })
        .cloned()
        .collect();
    let files = &files[..];
    let mut running: Vec<(usize, Child, Instant)> = Vec::new();
    let mut walls = Vec::new();
    let mut next = 0;
    while next < files.len() || !running.is_empty() {
        while running.len() < jobs && next < files.len() {
            let _ = std::fs::remove_file(done(&files[next]));
            let child = Command::new(&exe)
                .arg("--worker")
                .arg(&files[next])
                .env("CANDLE_NUM_THREADS", "1")
                .env("RAYON_NUM_THREADS", "1")
                .spawn()
                .with_context(|| format!("cannot start {}", exe.display()))?;
            running.push((next, child, Instant::now()));
            next += 1;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        let mut i = 0;
        while i < running.len() {
            if let Some(status) = running[i].1.try_wait()? {
                let (k, _, t0) = running.remove(i);
                let stem = files[k]
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                walls.push((stem, t0.elapsed().as_secs_f64()));
                if status.success() {
                    std::fs::copy(&files[k], done(&files[k]))?;
                } else {
                    for (_, c, _) in running.iter_mut() {
                        let _ = c.kill();
                        let _ = c.wait();
                    }
                    bail!(
                        "job {} failed ({status}); its message is above",
                        files[k].display()
                    );
                }
            } else {
                i += 1;
            }
        }
    }
    walls.sort_by(|a: &(String, f64), b| a.0.cmp(&b.0));
    Ok(walls)
}

/// Compact token count: 500000 → 0.5M, 16384 → 16.384k.
pub fn fmt_tokens(d: u64) -> String {
    if d >= 1_000_000 {
        format!("{}M", d as f64 / 1e6)
    } else {
        format!("{}k", d as f64 / 1e3)
    }
}

fn ckpt_name(cfg: &GptConfig, budget: u64) -> String {
    format!("{}-D{}", cfg.name(), fmt_tokens(budget))
}

/// The whole experiment: train, measure, write the tables to `out`.
// Long (≈240 lines): the experiment's stages in order (plan, training
// jobs, measuring jobs, tables, manifest, swap-in), owning the child
// processes and the timings that the manifest records.
pub fn run(
    plan: &Plan,
    corpus_path: &Path,
    out: &Path,
    work: &Path,
    jobs: usize,
    reuse: bool,
) -> Result<()> {
    let t_all = Instant::now();
    let corpus = Corpus::load(corpus_path)?;
    if corpus.train.len() != TRAIN_BYTES && plan.name == "full" {
        eprintln!(
            "sdsl-lab: note: the corpus is not tinyshakespeare ({} training bytes); epochs are counted on it",
            corpus.train.len()
        );
    }
    let mut plan = plan.clone();
    for r in &mut plan.rungs {
        r.train_bytes = corpus.train.len();
    }
    std::fs::create_dir_all(work)?;
    let corpus_abs = std::fs::canonicalize(corpus_path)?;
    let build = format!(
        "{:x}",
        <sha2::Sha256 as sha2::Digest>::digest(std::fs::read(std::env::current_exe()?)?)
    );
    let write_job = |path: &Path, job: Job| {
        write_json(
            path,
            &JobFile {
                build: build.clone(),
                corpus_sha256: corpus.sha256.clone(),
                job,
            },
        )
    };
    eprintln!(
        "sdsl-lab: {} ladder, {} rungs, {} child processes at a time",
        plan.name,
        plan.rungs.len(),
        jobs
    );

    // Stage 1: training, most expensive rung first.
    let t_train = Instant::now();
    let mut order: Vec<usize> = (0..plan.rungs.len()).collect();
    order.sort_by_key(|&i| {
        std::cmp::Reverse(
            plan.rungs[i].model.non_embedding_params() as u128
                * *plan.rungs[i].budgets.last().unwrap() as u128,
        )
    });
    let mut files = Vec::new();
    for &i in &order {
        let spec = plan.rungs[i].clone();
        let f = work.join(format!("train-{}.json", spec.model.name()));
        let job = Job::Train {
            spec: spec.clone(),
            corpus: corpus_abs.clone(),
            dir: work.join("ckpt"),
            result: work.join(format!("rung-{}.json", spec.model.name())),
        };
        write_job(&f, job)?;
        files.push(f);
    }
    let train_walls = run_children(&files, jobs, reuse)?;
    let rungs: Vec<RungRecord> = plan
        .rungs
        .iter()
        .map(|s| read_json(&work.join(format!("rung-{}.json", s.model.name()))))
        .collect::<Result<_>>()?;
    let train_wall = t_train.elapsed().as_secs_f64();

    let mut ckpts = Vec::new();
    for (i, r) in rungs.iter().enumerate() {
        for c in &r.checkpoints {
            ckpts.push(Ckpt {
                name: ckpt_name(&r.spec.model, c.budget),
                rung: i,
                cfg: r.spec.model,
                budget: c.budget,
                tokens: c.tokens,
                loss: c.heldout_loss,
                weights: c.weights.clone(),
            });
        }
    }
    let final_of = |rung: usize| {
        ckpts
            .iter()
            .filter(|k| k.rung == rung)
            .max_by_key(|k| k.budget)
            .cloned()
            .unwrap()
    };

    // Stage 2: acceptance table and sampling, in parallel children.
    let t_measure = Instant::now();
    let mut files = vec![work.join("alpha.json")];
    write_job(
        &files[0],
        Job::Alpha {
            corpus: corpus_abs.clone(),
            ckpts: ckpts.clone(),
            eval_windows: plan.eval_windows,
            result: work.join("alpha-result.json"),
        },
    )?;
    let mut runs = Vec::new();
    for (pi, &(d, t)) in plan.sample_pairs.iter().enumerate() {
        for (gi, &g) in plan.gammas.iter().enumerate() {
            runs.push(SampleRun {
                draft: final_of(d),
                target: final_of(t),
                spec: SampleSpec {
                    gamma: g,
                    iterations: plan.iterations,
                    streams: plan.streams,
                    prefix: plan.prefix,
                    seed: plan.seed + 10_000 + 100 * pi as u64 + gi as u64,
                },
            });
        }
    }
    // Deal runs to shards by estimated cost, so the shards finish together.
    let cost = |r: &SampleRun| {
        (r.spec.gamma * r.draft.cfg.non_embedding_params() + r.target.cfg.non_embedding_params())
            as f64
    };
    let mut idx: Vec<usize> = (0..runs.len()).collect();
    idx.sort_by(|&a, &b| cost(&runs[b]).total_cmp(&cost(&runs[a])));
    let shards = plan.sample_shards.max(1);
    let mut load = vec![0.0f64; shards];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); shards];
    for i in idx {
        let s = (0..shards)
            .min_by(|&a, &b| load[a].total_cmp(&load[b]))
            .unwrap();
        load[s] += cost(&runs[i]);
        members[s].push(i);
    }
    for (s, m) in members.iter().enumerate() {
        let f = work.join(format!("sample-{s}.json"));
        write_job(
            &f,
            Job::Sample {
                corpus: corpus_abs.clone(),
                runs: m.iter().map(|&i| runs[i].clone()).collect(),
                result: work.join(format!("sample-{s}-result.json")),
            },
        )?;
        files.push(f);
    }
    let measure_walls = run_children(&files, jobs, reuse)?;
    let alpha: AlphaResult = read_json(&work.join("alpha-result.json"))?;
    let mut outcomes: Vec<Option<SampleOutcome>> = vec![None; runs.len()];
    for (s, m) in members.iter().enumerate() {
        let res: Vec<SampleOutcome> = read_json(&work.join(format!("sample-{s}-result.json")))?;
        for (&i, o) in m.iter().zip(res) {
            outcomes[i] = Some(o);
        }
    }
    let outcomes: Vec<SampleOutcome> = outcomes
        .into_iter()
        .map(|o| o.context("a sampling run has no result"))
        .collect::<Result<_>>()?;
    let measure_wall = t_measure.elapsed().as_secs_f64();

    // Stage 3: the tables, written to a fresh directory then swapped in.
    let tables = Tables {
        rungs: &rungs,
        ckpts: &ckpts,
        alpha: &alpha,
        runs: &runs,
        outcomes: &outcomes,
    };
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| n != "." && n != "..")
        .with_context(|| {
            format!(
                "--out {}: give a directory name (the directory is replaced as a whole)",
                out.display()
            )
        })?;
    let parent = out.parent().map(Path::to_path_buf).unwrap_or_default();
    let tmp = parent.join(format!(".{name}.sdsl-lab-tmp"));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp)?;
    std::fs::write(tmp.join("loss.csv"), tables.loss_csv()?)?;
    std::fs::write(tmp.join("acceptance.csv"), tables.acceptance_csv()?)?;
    std::fs::write(tmp.join("acceptance_logs.csv"), tables.logs_csv()?)?;
    std::fs::write(tmp.join("speculative.csv"), tables.speculative_csv()?)?;
    if let Ok(s) = std::fs::read_to_string(out.join("SOURCE.md")) {
        std::fs::write(tmp.join("SOURCE.md"), s)?;
    }
    let manifest = manifest_record(
        &plan,
        (corpus_path, &corpus),
        jobs,
        &rungs,
        LabWallSeconds {
            train: train_wall,
            train_per_job: train_walls,
            measure: measure_wall,
            measure_per_job: measure_walls,
            acceptance_table: alpha.wall_seconds,
            sampling_runs: runs
                .iter()
                .zip(&outcomes)
                .map(|(r, o)| LabSamplingWall {
                    draft: r.draft.name.clone(),
                    target: r.target.name.clone(),
                    gamma: r.spec.gamma,
                    wall_seconds: o.wall_seconds,
                })
                .collect(),
            total: t_all.elapsed().as_secs_f64(),
        },
    )?;
    std::fs::write(tmp.join("manifest.json"), manifest.to_json()?)?;
    if out.exists() {
        let old = parent.join(format!(".{name}.sdsl-lab-old"));
        let _ = std::fs::remove_dir_all(&old);
        std::fs::rename(out, &old)?;
        std::fs::rename(&tmp, out)?;
        std::fs::remove_dir_all(&old)?;
    } else {
        if let Some(p) = out.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::rename(&tmp, out)?;
    }
    eprintln!(
        "sdsl-lab: wrote {} in {:.0} s (training {:.0} s, measuring {:.0} s)",
        out.display(),
        t_all.elapsed().as_secs_f64(),
        train_wall,
        measure_wall
    );
    Ok(())
}

/// The plan in the shared record type (`sdsl::ingest::lab_plan`, which
/// `sdsl refit` reads): a field renamed on one side fails here, not in a
/// silent read.
pub fn plan_record(plan: &Plan) -> Result<LabPlan> {
    serde_json::from_value(serde_json::to_value(plan)?)
        .context("the lab's Plan and sdsl's LabPlan have drifted apart")
}

/// `manifest.json`: the plan, the corpus, the software and the wall times.
fn manifest_record(
    plan: &Plan,
    (corpus_path, corpus): (&Path, &Corpus),
    jobs: usize,
    rungs: &[RungRecord],
    wall_seconds: LabWallSeconds,
) -> Result<LabManifest> {
    Ok(LabManifest {
        schema_version: 1,
        plan: plan_record(plan)?,
        corpus: LabCorpus {
            path: corpus_path.display().to_string(),
            sha256: corpus.sha256.clone(),
            bytes: corpus.bytes,
            train_bytes: corpus.train.len(),
            heldout_bytes: corpus.heldout.len(),
            split: "contiguous: the first 90% trains, the last 10% is held out".into(),
        },
        software: LabSoftware {
            sdsl_lab: env!("CARGO_PKG_VERSION").into(),
            candle: CANDLE_VERSION.into(),
            rustc: option_env!("SDSL_LAB_RUSTC").unwrap_or("unknown").into(),
            threads_per_process: 1,
            processes: jobs,
        },
        rungs: rungs
            .iter()
            .map(|r| LabRungRecord {
                model: r.spec.model.name(),
                params_non_embedding: r.spec.model.non_embedding_params() as u64,
                params_total: r.spec.model.total_params() as u64,
                wall_seconds: r.wall_seconds,
                tokens_per_second: r.tokens_per_second,
                checkpoints: r
                    .checkpoints
                    .iter()
                    .map(|c| LabCheckpoint {
                        budget: c.budget,
                        steps: c.steps,
                        tokens: c.tokens,
                        epochs: c.epochs,
                        heldout_loss: c.heldout_loss,
                        train_loss_tail: c.train_loss_tail,
                    })
                    .collect(),
            })
            .collect(),
        wall_seconds,
    })
}

struct Tables<'a> {
    rungs: &'a [RungRecord],
    ckpts: &'a [Ckpt],
    alpha: &'a AlphaResult,
    runs: &'a [SampleRun],
    outcomes: &'a [SampleOutcome],
}

impl Tables<'_> {
    fn loss_csv(&self) -> Result<String> {
        let mut t = CsvTable::new(&[
            col::MODEL,
            "layers",
            "width",
            "heads",
            col::N,
            col::N_TOTAL,
            col::D,
            "steps",
            col::EPOCHS,
            col::LOSS,
            "ppl",
            "heldout_positions",
        ])?;
        for r in self.rungs {
            let m = r.spec.model;
            for c in &r.checkpoints {
                t.row(&[
                    ckpt_name(&m, c.budget),
                    m.layers.to_string(),
                    m.width.to_string(),
                    m.heads.to_string(),
                    m.non_embedding_params().to_string(),
                    m.total_params().to_string(),
                    c.tokens.to_string(),
                    c.steps.to_string(),
                    format!("{:.4}", c.epochs),
                    c.heldout_loss.to_string(),
                    c.heldout_loss.exp().to_string(),
                    c.heldout_positions.to_string(),
                ])?;
            }
        }
        Ok(t.finish()?)
    }

    fn acceptance_csv(&self) -> Result<String> {
        let mut t = CsvTable::new(&[
            col::DRAFT,
            col::TARGET,
            col::DRAFT_PPL,
            col::TARGET_PPL,
            col::ALPHA,
            "alpha_se",
            col::TEMPERATURE,
            col::DATASET,
            col::DRAFT_FAMILY,
            col::TARGET_FAMILY,
            col::DRAFT_PARAMS,
            col::TARGET_PARAMS,
            "draft_params_total",
            "target_params_total",
            "draft_tokens",
            col::N_TOKENS,
        ])?;
        for (temp, pick) in [("1", 0), ("0", 1)] {
            for p in &self.alpha.pairs {
                let (d, tg) = (&self.ckpts[p.draft], &self.ckpts[p.target]);
                let (a, se) = if pick == 0 {
                    (p.acc.alpha, p.acc.alpha_se)
                } else {
                    (p.acc.greedy, p.acc.greedy_se)
                };
                t.row(&[
                    d.name.clone(),
                    tg.name.clone(),
                    d.loss.exp().to_string(),
                    tg.loss.exp().to_string(),
                    a.to_string(),
                    se.to_string(),
                    temp.to_string(),
                    DATASET.to_string(),
                    FAMILY.to_string(),
                    FAMILY.to_string(),
                    d.cfg.non_embedding_params().to_string(),
                    tg.cfg.non_embedding_params().to_string(),
                    d.cfg.total_params().to_string(),
                    tg.cfg.total_params().to_string(),
                    d.tokens.to_string(),
                    p.acc.positions.to_string(),
                ])?;
            }
        }
        Ok(t.finish()?)
    }

    fn logs_csv(&self) -> Result<String> {
        let mut t = CsvTable::new(&[
            col::DRAFT,
            col::TARGET,
            col::GAMMA,
            "iteration",
            col::ACCEPTED,
            col::TEMPERATURE,
            col::DATASET,
        ])?;
        for (r, o) in self.runs.iter().zip(self.outcomes) {
            for (i, a) in o.accepted.iter().enumerate() {
                t.row(&[
                    r.draft.name.clone(),
                    r.target.name.clone(),
                    r.spec.gamma.to_string(),
                    i.to_string(),
                    a.to_string(),
                    "1".to_string(),
                    DATASET.to_string(),
                ])?;
            }
        }
        Ok(t.finish()?)
    }

    fn speculative_csv(&self) -> Result<String> {
        let mut t = CsvTable::new(&[
            col::DRAFT,
            col::TARGET,
            col::GAMMA,
            "iterations",
            col::ACCEPTED,
            col::TESTED,
            "alpha_ratio",
            col::ALPHA_SUMMIN_TESTED,
            "alpha_summin_proposed",
            "alpha_summin_heldout",
            col::DRAFT_PARAMS,
            col::TARGET_PARAMS,
            "draft_passes",
            "target_passes",
            "emitted",
            "restarts",
            "flops",
            col::TOKENS_PER_GFLOP,
        ])?;
        for (r, o) in self.runs.iter().zip(self.outcomes) {
            let acc: u64 = o.accepted.iter().map(|&a| a as u64).sum();
            let held = self
                .alpha
                .pairs
                .iter()
                .find(|p| {
                    self.ckpts[p.draft].name == r.draft.name
                        && self.ckpts[p.target].name == r.target.name
                })
                .map(|p| p.acc.alpha);
            let (nd, nt) = (
                r.draft.cfg.non_embedding_params() as f64,
                r.target.cfg.non_embedding_params() as f64,
            );
            let flops = 2.0 * (nd * o.draft_passes as f64 + nt * o.target_passes as f64);
            t.row(&[
                r.draft.name.clone(),
                r.target.name.clone(),
                r.spec.gamma.to_string(),
                o.accepted.len().to_string(),
                acc.to_string(),
                o.tested.to_string(),
                (acc as f64 / o.tested as f64).to_string(),
                (o.overlap_tested / o.tested as f64).to_string(),
                (o.overlap_all / o.proposed as f64).to_string(),
                held.map(|v| v.to_string()).unwrap_or_default(),
                nd.to_string(),
                nt.to_string(),
                o.draft_passes.to_string(),
                o.target_passes.to_string(),
                o.emitted.to_string(),
                o.restarts.to_string(),
                flops.to_string(),
                (o.emitted as f64 / flops * 1e9).to_string(),
            ])?;
        }
        Ok(t.finish()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan record `sdsl refit` reads is the lab's plan, field for field:
    /// both plans convert, and the record serialises to the same JSON.
    #[test]
    fn the_shared_plan_record_mirrors_the_plan() {
        for plan in [Plan::full(2026), Plan::smoke(7)] {
            let rec = plan_record(&plan).unwrap();
            assert_eq!(
                serde_json::to_value(&rec).unwrap(),
                serde_json::to_value(&plan).unwrap()
            );
            assert_eq!(rec.rungs[0].model.context, CONTEXT);
        }
    }

    /// The bundled manifest was written by this plan (the refit takes the
    /// model context from it).
    #[test]
    fn the_bundled_manifest_holds_the_full_plan() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../datasets/lab/manifest.json");
        let text = std::fs::read_to_string(&path).unwrap();
        let m = LabManifest::from_json("manifest.json", &text).unwrap();
        let mut plan = Plan::full(m.plan.seed);
        for r in &mut plan.rungs {
            r.train_bytes = m.corpus.train_bytes;
        }
        assert_eq!(m.plan, plan_record(&plan).unwrap());
    }
}
