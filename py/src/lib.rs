//! `sdsl_laws._native`: the Python boundary of the `sdsl` library.
//!
//! Every function converts its arguments once, calls the same library
//! functions as the `sdsl` command line and returns the command's `--json`
//! record as JSON text, wrapped as `{"record": …, "warnings": […]}` (the
//! warnings the command prints on stderr). The Python module `sdsl_laws`
//! turns the text into dicts and the warnings into Python warnings.
//!
//! - Errors: a library error ([`SdslError`]) raises `LibraryError` (a
//!   `ValueError`) whose single argument is the CLI's `--json` error object
//!   `{"kind", "message", "path", "row", "column"}`; a panic (a bug) is
//!   caught at the boundary and raises `RuntimeError`, so the interpreter
//!   never aborts.
//! - The GIL is released while the library runs (`Python::detach`), and a
//!   `threads` argument runs the call in a local rayon pool of that size
//!   (results do not depend on it: every bootstrap replicate has its own
//!   seeded RNG).
//! - Tables come as a path (read by the library's readers, as the CLI reads
//!   them) or as CSV text built by the Python module from a DataFrame or
//!   sequences (`label` then names the input in messages); both go through
//!   the same reader and its row/column checks.

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use sdsl::SdslError;
use sdsl::fit::bootstrap::BootStart;
use sdsl::fit::loss::{LossFitSpec, ObjectiveKind};
use sdsl::ingest::table::Table;
use serde::Serialize;
use std::path::Path;

pyo3::create_exception!(
    _native,
    LibraryError,
    PyValueError,
    "An error of the sdsl library; args[0] is the JSON error object {kind, message, path, row, column}."
);

/// What a call can fail with before it becomes a Python exception.
enum Failure {
    /// Bad input, refused by the library (or by the argument conversion).
    Library(SdslError),
    /// A library error with what the call was about in front of its message
    /// (kind, path, row and column stay the error's).
    Context(String, SdslError),
    /// A panic inside the library: a bug.
    Panic(String),
}

impl From<SdslError> for Failure {
    fn from(e: SdslError) -> Self {
        Failure::Library(e)
    }
}

fn invalid(message: String) -> Failure {
    Failure::Library(SdslError::InvalidArgument(message))
}

impl From<Failure> for PyErr {
    fn from(f: Failure) -> PyErr {
        match f {
            Failure::Library(e) => PyErr::from(Failure::Context(String::new(), e)),
            Failure::Context(context, e) => {
                let message = if context.is_empty() {
                    e.to_string()
                } else {
                    format!("{context}: {e}")
                };
                let value = serde_json::json!({
                    "kind": e.kind(),
                    "message": message,
                    "path": e.path(),
                    "row": e.row(),
                    "column": e.column(),
                });
                LibraryError::new_err(value.to_string())
            }
            Failure::Panic(why) => PyRuntimeError::new_err(format!(
                "internal error in sdsl (a bug; please report it with the input that caused it): {why}"
            )),
        }
    }
}

/// The JSON text handed to Python: the record and the warnings that the
/// command line would print on stderr.
fn answer<T: Serialize>(record: &T, warnings: Vec<String>) -> Result<String, Failure> {
    #[derive(Serialize)]
    struct Answer<'a, T> {
        record: &'a T,
        warnings: Vec<String>,
    }
    serde_json::to_string(&Answer { record, warnings })
        .map_err(|e| invalid(format!("the record could not be serialised: {e}")))
}

/// Runs `f` with the GIL released, in a rayon pool of `threads` threads
/// (the global pool, all cores, when `None`), turning a panic into
/// [`Failure::Panic`]. Like the command line, it refuses every call while
/// `SDSL_SIMD` holds a value that is not a level (the library alone would
/// fall back to the widest level).
fn run<F>(py: Python<'_>, threads: Option<usize>, f: F) -> PyResult<String>
where
    F: FnOnce() -> Result<String, Failure> + Send,
{
    py.detach(move || {
        sdsl::fit::loss_kernel::Simd::requested().map_err(invalid)?;
        let pool = match threads {
            None => None,
            Some(0) => return Err(invalid("threads = 0: need at least one thread".into())),
            Some(t) => {
                let cap = 4 * std::thread::available_parallelism().map_or(1, |n| n.get());
                if t > cap {
                    return Err(invalid(format!(
                        "threads = {t}: at most {cap} (4 × the {} available cores); choose a smaller number or None for all cores",
                        cap / 4
                    )));
                }
                Some(
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(t)
                        .build()
                        .map_err(|e| invalid(format!("threads = {t}: {e}")))?,
                )
            }
        };
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &pool {
            Some(p) => p.install(f),
            None => f(),
        }));
        caught.unwrap_or_else(|payload| {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".into());
            Err(Failure::Panic(why))
        })
    })
    .map_err(PyErr::from)
}

/// A table from a path (`csv` is None) or from CSV text labelled `source`.
fn table(source: &str, csv: Option<Vec<u8>>) -> Result<Table, SdslError> {
    match csv {
        Some(bytes) => Table::from_csv_bytes(source, bytes),
        None => Table::read(Path::new(source)),
    }
}

/// The loss fit's settings from their Python names: the same conversion as
/// `sdsl fit loss`'s flags (objective, δ, fixed and tied parameters, grid).
fn loss_spec(
    objective: &str,
    delta: f64,
    fix: &[String],
    tie: Option<&str>,
    grid: &str,
) -> Result<LossFitSpec, Failure> {
    let objective = objective
        .parse::<ObjectiveKind>()
        .map_err(|e| invalid(format!("objective: {e}")))?
        .with_delta(delta);
    sdsl::fit::loss_record::loss_spec(objective, fix, tie, grid).map_err(|(option, e)| match option
    {
        "objective" => Failure::from(e),
        o => invalid(format!("{o}: {e}")),
    })
}

/// `sdsl fit loss --json`: the loss law refitted on an (N, D, loss) table,
/// optionally with a case-resampling bootstrap.
#[pyfunction]
#[pyo3(signature = (source, csv, n_col, d_col, loss_col, drop_highest, objective, delta, fix, tie, grid, bootstrap, seed, bootstrap_start, threads))]
#[allow(clippy::too_many_arguments)]
fn fit_loss(
    py: Python<'_>,
    source: String,
    csv: Option<Vec<u8>>,
    n_col: Option<String>,
    d_col: Option<String>,
    loss_col: Option<String>,
    drop_highest: usize,
    objective: String,
    delta: f64,
    fix: Vec<String>,
    tie: Option<String>,
    grid: String,
    bootstrap: usize,
    seed: u64,
    bootstrap_start: String,
    threads: Option<usize>,
) -> PyResult<String> {
    use sdsl::fit::loss_record::{LossBootSettings, NoTicks, fit_loss_table};
    use sdsl::ingest::loss_table::{LossTableSpec, loss_table_from};
    run(py, threads, move || {
        let spec = loss_spec(&objective, delta, &fix, tie.as_deref(), &grid)?;
        let start = bootstrap_start
            .parse::<BootStart>()
            .map_err(|e| invalid(format!("bootstrap_start: {e}")))?;
        let table = loss_table_from(
            &table(&source, csv)?,
            &LossTableSpec {
                n_col,
                d_col,
                loss_col,
                drop_highest,
            },
        )?;
        let boot = LossBootSettings {
            replicates: bootstrap,
            seed,
            start,
        };
        let out = fit_loss_table(&table, drop_highest, &spec, boot, &NoTicks)?.record;
        let warnings = out.warnings.clone();
        answer(&out, warnings)
    })
}

/// `sdsl fit alpha --json`: the acceptance law on an acceptance table.
#[pyfunction]
#[pyo3(signature = (source, csv, temperature, bootstrap, seed, threads))]
fn fit_alpha(
    py: Python<'_>,
    source: String,
    csv: Option<Vec<u8>>,
    temperature: Option<f64>,
    bootstrap: usize,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<String> {
    use sdsl::fit::alpha_analysis::analyse;
    use sdsl::ingest::acceptance::accept_table_from;
    run(py, threads, move || {
        if bootstrap > sdsl::fit::bootstrap::MAX_REPLICATES {
            return Err(invalid(format!(
                "bootstrap = {bootstrap}: at most {} replicates; choose a smaller number",
                sdsl::fit::bootstrap::MAX_REPLICATES
            )));
        }
        let mut table = accept_table_from(&table(&source, csv)?)?;
        if let Some(t) = temperature {
            table = table.at_temperature(t)?;
        }
        let mixed = table.temperatures().len() > 1;
        let (out, _) = analyse(&table, bootstrap, seed).map_err(|e| {
            let context = if mixed {
                "fit_alpha: pick one temperature with temperature=T"
            } else {
                "fit_alpha"
            };
            Failure::Context(context.into(), e)
        })?;
        let warnings = out.warnings.clone();
        answer(&out, warnings)
    })
}

/// `sdsl fit latency --json`: the latency law t(P) and the verification
/// ratio v(q) fitted to a latency table — a path, CSV text, or a shipped
/// name (`h200-graph`, `h200-eager`: the compiled-in H200 tables, whose
/// mode is the name's unless `mode` is given).
#[pyfunction]
#[pyo3(signature = (source, csv, meta, mode, ctx, batch, bootstrap, seed, threads))]
#[allow(clippy::too_many_arguments)]
fn fit_latency(
    py: Python<'_>,
    source: String,
    csv: Option<Vec<u8>>,
    meta: Option<String>,
    mode: Option<String>,
    ctx: u64,
    batch: u64,
    bootstrap: usize,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<String> {
    use sdsl::catalog::latency::{shipped_mode, shipped_table};
    use sdsl::fit::latency::{LatencyFitSpec, LatencySelection};
    use sdsl::ingest::latency::{Mode, latency_table_from, read_latency_table, read_meta};
    run(py, threads, move || {
        let shipped = shipped_mode(&source).filter(|_| csv.is_none());
        if shipped.is_some() && meta.is_some() {
            return Err(invalid(format!(
                "meta: the shipped table '{source}' carries its own hardware description; give meta with a table of your own"
            )));
        }
        let mode = match mode {
            Some(m) => m.parse::<Mode>()?,
            None => shipped.unwrap_or(Mode::Graph),
        };
        if ctx == 0 || batch == 0 {
            return Err(invalid(format!(
                "ctx = {ctx}, batch = {batch}: each a whole number ≥ 1"
            )));
        }
        let selection = LatencySelection { mode, ctx, batch };
        let spec = LatencyFitSpec {
            selection,
            replicates: bootstrap,
            seed,
        }
        .validated()
        .map_err(|e| Failure::Context("fit_latency: bootstrap".into(), e))?;
        let table = if shipped.is_some() {
            shipped_table(selection)?
        } else {
            let meta = meta.as_deref().map(Path::new);
            match csv {
                None => read_latency_table(Path::new(&source), meta)?,
                Some(bytes) => latency_table_from(
                    &Table::from_csv_bytes(&source, bytes)?,
                    meta.map(read_meta).transpose()?,
                )?,
            }
        };
        let profile = spec.fit(&table).map_err(|e| {
            Failure::Context(
                "fit_latency (choose another mode, ctx or batch from the table)".into(),
                e,
            )
        })?;
        let warnings = profile.warnings.clone();
        answer(&profile, warnings)
    })
}

/// `sdsl alpha estimate --json`: α per (draft, target, grouping columns)
/// from per-iteration logs, τ tables or TAR tables.
#[pyfunction]
#[pyo3(signature = (source, csv, kind, gamma_col, value_col, group_cols))]
fn estimate_alpha(
    py: Python<'_>,
    source: String,
    csv: Option<Vec<u8>>,
    kind: Option<String>,
    gamma_col: Option<String>,
    value_col: Option<String>,
    group_cols: Option<Vec<String>>,
) -> PyResult<String> {
    use sdsl::fit::estimate::estimate_rows;
    use sdsl::ingest::acceptance::{MeasureKind, MeasureSpec, measurements_from};
    run(py, None, move || {
        let kind = kind
            .as_deref()
            .map(str::parse::<MeasureKind>)
            .transpose()
            .map_err(|e| invalid(e.to_string()))?;
        let spec = MeasureSpec {
            kind,
            gamma_col,
            value_col,
            group_cols,
        };
        let m = measurements_from(&table(&source, csv)?, &spec)?;
        let rows = estimate_rows(&m)?;
        let warnings = rows
            .iter()
            .flat_map(|r| {
                r.flags
                    .iter()
                    .map(move |f| format!("{} → {}: {f}", r.draft, r.target))
            })
            .collect();
        answer(&rows, warnings)
    })
}

/// `sdsl import FILE... --json`: the runs table of engine outputs
/// (docs/import.md), read and imported exactly as the command does.
#[pyfunction]
#[pyo3(signature = (paths, format, target, draft, gamma, gpu))]
fn import_runs(
    py: Python<'_>,
    paths: Vec<String>,
    format: Option<String>,
    target: Option<String>,
    draft: Option<String>,
    gamma: Option<u32>,
    gpu: Option<String>,
) -> PyResult<String> {
    use sdsl::query::import::{ImportOptions, Input, import, render_json};
    run(py, None, move || {
        if paths.is_empty() {
            return Err(invalid("import_runs: no paths given".into()));
        }
        if gamma == Some(0) {
            return Err(invalid(
                "gamma = 0: gamma must be between 1 and 1024".into(),
            ));
        }
        let format = format
            .as_deref()
            .map(str::parse::<sdsl::ingest::engines::Format>)
            .transpose()?;
        let inputs = paths
            .iter()
            .map(|p| {
                std::fs::read(p)
                    .map(|bytes| Input {
                        name: p.clone(),
                        bytes,
                    })
                    .map_err(|source| SdslError::Io {
                        path: p.clone(),
                        source,
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let opts = ImportOptions {
            format,
            target,
            draft,
            gamma,
            gpu,
        };
        let out = import(&inputs, &opts)?;
        answer(&render_json(&out.rows), out.warnings)
    })
}

/// Laws and cost model by name, with the latency profile's warnings.
fn laws(
    loss_law: &str,
    alpha_law: &str,
    cost_model: &str,
) -> Result<(sdsl::query::Laws, Vec<String>), Failure> {
    let laws = sdsl::query::Laws::load(loss_law, alpha_law, cost_model)?;
    let warnings = laws
        .latency
        .iter()
        .flat_map(|p| &p.warnings)
        .map(|w| format!("latency profile: {w}"))
        .collect();
    Ok((laws, warnings))
}

fn registry(path: Option<&str>) -> Result<sdsl::ingest::registry::Registry, SdslError> {
    use sdsl::ingest::registry::Registry;
    match path {
        Some(p) => Registry::read(Path::new(p)),
        None => Registry::bundled(),
    }
}

/// `sdsl predict --json`: N* for one target.
#[pyfunction]
#[pyo3(signature = (target_params, target_tokens, draft_tokens, target, draft_family, loss_law, alpha_law, cost_model, registry_path))]
#[allow(clippy::too_many_arguments)]
fn predict(
    py: Python<'_>,
    target_params: Option<f64>,
    target_tokens: Option<f64>,
    draft_tokens: Option<f64>,
    target: Option<String>,
    draft_family: Option<String>,
    loss_law: String,
    alpha_law: String,
    cost_model: String,
    registry_path: Option<String>,
) -> PyResult<String> {
    use sdsl::query::predict::PredictQuery;
    run(py, None, move || {
        let (laws, warnings) = laws(&loss_law, &alpha_law, &cost_model)?;
        let query = PredictQuery {
            target_params,
            target_tokens,
            draft_tokens,
            target,
            draft_family,
        };
        let reg = if query.needs_registry() {
            Some(registry(registry_path.as_deref())?)
        } else {
            None
        };
        let prediction = query.resolve(&laws, reg.as_ref())?;
        let result = prediction
            .solve()
            .map_err(|e| Failure::Context(prediction.context(), e))?;
        answer(&prediction.record(result), warnings)
    })
}

/// `sdsl plan --json`: the serving plan of a target on a GPU over a batch
/// mix. `batch` and `batch_mix` are the command's strings (`1,4,16`,
/// `1:0.5,8:0.5`), parsed by the same functions; `alpha` is None for the
/// laws, else the runs' paths.
#[pyfunction]
#[pyo3(signature = (target, target_params, target_tokens, drafts, hardware, batch, batch_mix, alpha, max_gamma, loss_law, alpha_law, registry_path))]
#[allow(clippy::too_many_arguments)]
fn plan(
    py: Python<'_>,
    target: Option<String>,
    target_params: Option<f64>,
    target_tokens: Option<f64>,
    drafts: String,
    hardware: String,
    batch: Option<String>,
    batch_mix: Option<String>,
    alpha: Option<Vec<String>>,
    max_gamma: Option<u64>,
    loss_law: String,
    alpha_law: String,
    registry_path: Option<String>,
) -> PyResult<String> {
    use sdsl::query::plan::{
        DEFAULT_BATCHES, Drafts, PlanQuery, measured_alphas, parse_batch_mix, parse_batches,
    };
    run(py, None, move || {
        let reg = registry(registry_path.as_deref())?;
        let drafts = Drafts::parse(&drafts, &reg)?;
        let mix = batch_mix.as_deref().map(parse_batch_mix).transpose()?;
        let batches = match (batch.as_deref().map(parse_batches).transpose()?, &mix) {
            (Some(b), _) => b,
            (None, Some(m)) => m.iter().map(|(b, _)| *b).collect(),
            (None, None) => DEFAULT_BATCHES.to_vec(),
        };
        let measured_alpha = match alpha {
            None => None,
            Some(paths) => {
                let inputs = paths
                    .iter()
                    .map(|p| {
                        std::fs::read(p)
                            .map(|bytes| sdsl::query::import::Input {
                                name: p.clone(),
                                bytes,
                            })
                            .map_err(|source| SdslError::Io {
                                path: p.clone(),
                                source,
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Some(measured_alphas(&inputs)?)
            }
        };
        if let Some(g) = max_gamma
            && !(1..=1024).contains(&g)
        {
            return Err(invalid(format!(
                "max_gamma = {g}: the γ cap must be a whole number from 1 to 1024"
            )));
        }
        let q = PlanQuery {
            target,
            target_params,
            target_tokens,
            drafts,
            hardware,
            batches,
            batch_mix: mix,
            max_gamma: max_gamma.unwrap_or(sdsl::law::throughput::DEFAULT_MAX_GAMMA),
            measured_alpha,
        };
        let out = sdsl::query::plan::plan(&q, &reg, &loss_law, &alpha_law)?;
        let warnings = out.warnings.clone();
        answer(&out, warnings)
    })
}

/// `sdsl speedup --json`.
#[pyfunction]
#[pyo3(signature = (alpha, cost_ratio, gamma))]
fn speedup(py: Python<'_>, alpha: f64, cost_ratio: f64, gamma: Option<f64>) -> PyResult<String> {
    run(py, None, move || {
        answer(
            &sdsl::query::speedup::speedup(alpha, cost_ratio, gamma)?,
            vec![],
        )
    })
}

/// `sdsl nstar table --json`: N* for every registry target × draft family.
#[pyfunction]
#[pyo3(signature = (loss_law, alpha_law, cost_model, registry_path))]
fn nstar_table(
    py: Python<'_>,
    loss_law: String,
    alpha_law: String,
    cost_model: String,
    registry_path: Option<String>,
) -> PyResult<String> {
    run(py, None, move || {
        let (laws, warnings) = laws(&loss_law, &alpha_law, &cost_model)?;
        let reg = registry(registry_path.as_deref())?;
        answer(
            &sdsl::query::nstar_table::nstar_table(&laws, &reg)?,
            warnings,
        )
    })
}

/// `sdsl nstar law --json`: N* on an (M, D) grid and the law N* = μ·M + M0.
#[pyfunction]
#[pyo3(signature = (loss_law, alpha_law, cost_model, m_min, m_max, m_count, d_min, d_max, d_count))]
#[allow(clippy::too_many_arguments)]
fn nstar_law(
    py: Python<'_>,
    loss_law: String,
    alpha_law: String,
    cost_model: String,
    m_min: f64,
    m_max: f64,
    m_count: usize,
    d_min: f64,
    d_max: f64,
    d_count: usize,
) -> PyResult<String> {
    run(py, None, move || {
        let (laws, warnings) = laws(&loss_law, &alpha_law, &cost_model)?;
        let grid = sdsl::derive::nstar_law::LawGrid {
            m_min,
            m_max,
            n_m: m_count,
            d_min,
            d_max,
            n_d: d_count,
        }
        .validated()?;
        answer(&sdsl::query::nstar_law::nstar_law(&laws, grid)?, warnings)
    })
}

/// `sdsl refit`: the whole pipeline on a manifest; the report record
/// (`report.json`'s content). Writes the report directory only when `out`
/// is given, with the command's protections (an output that would delete
/// data or an input is refused before anything is computed; one writer at
/// a time; atomic replacement).
#[pyfunction]
#[pyo3(signature = (manifest, out, seed, threads, loss_source, loss_csv))]
fn refit(
    py: Python<'_>,
    manifest: String,
    out: Option<String>,
    seed: Option<u64>,
    threads: Option<usize>,
    loss_source: Option<String>,
    loss_csv: Option<Vec<u8>>,
) -> PyResult<String> {
    use sdsl::pipeline::{self, NoProgress};
    run(py, threads, move || {
        let m = pipeline::read_manifest(Path::new(&manifest))?.with_seed(seed);
        let lock = match &out {
            Some(dir) => {
                let dir = Path::new(dir);
                sdsl::report::write::check_out_dir(dir, &m.input_files())
                    .map_err(|e| Failure::Context("out".into(), e))?;
                Some(sdsl::report::write::lock_out_dir(dir)?)
            }
            None => None,
        };
        let mut inputs = pipeline::load(&m)?;
        if let Some(src) = &loss_source {
            // the caller's loss table, read with the manifest's column choices
            let t =
                sdsl::ingest::loss_table::loss_table_from(&table(src, loss_csv)?, &m.loss_table)
                    .map_err(|e| Failure::Context("loss_table".into(), e))?;
            inputs
                .replace_loss_table(t)
                .map_err(|e| Failure::Context("loss_table".into(), e))?;
        }
        let report = pipeline::compute(&inputs, &NoProgress).map_err(|e| m.locate(e))?;
        if let Some(dir) = &out {
            sdsl::report::write::write_reports_locked(&report, Path::new(dir))?;
        }
        drop(lock);
        let warnings = report.warnings.clone();
        answer(&report, warnings)
    })
}

/// The native half of `sdsl_laws`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("LibraryError", m.py().get_type::<LibraryError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add(
        "SHIPPED_LATENCY",
        sdsl::catalog::latency::SHIPPED
            .map(|(name, _)| name)
            .to_vec(),
    )?;
    m.add_function(wrap_pyfunction!(fit_loss, m)?)?;
    m.add_function(wrap_pyfunction!(fit_alpha, m)?)?;
    m.add_function(wrap_pyfunction!(fit_latency, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_alpha, m)?)?;
    m.add_function(wrap_pyfunction!(import_runs, m)?)?;
    m.add_function(wrap_pyfunction!(predict, m)?)?;
    m.add_function(wrap_pyfunction!(speedup, m)?)?;
    m.add_function(wrap_pyfunction!(plan, m)?)?;
    m.add_function(wrap_pyfunction!(nstar_table, m)?)?;
    m.add_function(wrap_pyfunction!(nstar_law, m)?)?;
    m.add_function(wrap_pyfunction!(refit, m)?)?;
    Ok(())
}
