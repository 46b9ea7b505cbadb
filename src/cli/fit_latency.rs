//! `sdsl fit latency`: the latency law t(P) and the verification ratio v(q)
//! of measured hardware (docs/latency.md).

use crate::fit::latency::{
    DEFAULT_REPLICATES, FormFit, LatencyFitSpec, LatencyProfile, LatencySelection, RelError,
};
use crate::ingest::latency::{Mode, read_latency_table};
use crate::report::format::{bracket_sci, pct1};
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

/// Arguments of `sdsl fit latency`.
#[derive(Debug, Args)]
#[command(
    long_about = "Fit the decode time t(P) of one forward pass and the verification ratio v(q) = t(q)/t(1) to a \
latency table with columns arch, params_total, mode (graph|eager), q, ctx, ms_median (optional: batch, family, \
layers, d_model, heads, kv_heads, ffn, vocab, params_non_embedding), e.g. datasets/hardware/h200_decode_latency.csv. \
One (mode, ctx, batch) is fitted, over the architectures that are not lab-scale (family 'tiny' or a name starting \
'tiny-'). Two forms of t(P), both by relative-error least squares (weights 1/t^2): affine t = t0 + k*P and \
depth-aware t = t0 + tau*layers + k*P (when the table has layers); each with its leave-one-architecture-out \
relative error. N* uses the affine form: a hypothetical draft of N parameters has no layer count. v(q): per \
measured q, a least-squares line a_q + b_q*ln P. Intervals: bootstrap over architectures. The hardware name and \
memory come from the .meta file next to the table (same stem) or --meta. \
With --runs instead of a table: engine runs (a runs table from `sdsl import --out`, or the engine files \
themselves); each model's run without speculation at concurrency 1 gives its TPOT, the registry its size, and \
t(P) = t0 + k*P is fitted to them (profile kind runs-affine; exact with two sizes, so no leave-one-out error). \
Single-model runs measure no verification pass: v = 1 is assumed, and every output says so. The profile is \
usable as --cost-model latency:FILE (docs/import.md). \
With --roofline GPU: recalibrate the roofline law of a catalogued GPU (datasets/hardware/gpus.csv) on your own \
engine: FILE (or --runs) is a runs table or engine files, whose single-model runs (method none; two or more \
model sizes) are decode steps at their mean batch (the runs' mean_batch, output tok/s x TPOT / 1000: Little's \
law, not the configured concurrency) with --ctx tokens assumed cached; t0 and eta_bw are fitted to their \
TPOTs, eta_fl too where a run is compute-bound, else eta_fl is kept from the H200 calibration and the profile \
says so. FILE may instead be a latency table measured on that GPU (q > 1 rows constrain eta_fl). The profile \
(kind roofline-runs or roofline-table) is usable wherever latency:FILE.json is, and re-priced at any batch with \
latency:FILE.json:batch=B (sdsl plan --hardware FILE.json does so per batch; docs/latency.md)."
)]
pub struct FitLatencyArgs {
    /// The latency table (CSV or Parquet); with --roofline, a runs table or engine file too.
    #[arg(required_unless_present = "runs", conflicts_with = "runs", num_args = 1..)]
    pub file: Vec<PathBuf>,
    /// Recalibrate the roofline law of this catalogued GPU (e.g. h100-sxm) on FILE or --runs.
    #[arg(long, value_name = "GPU")]
    pub roofline: Option<String>,
    /// Engine runs instead of a table: a runs table or engine files (docs/import.md).
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub runs: Vec<PathBuf>,
    /// Registry with the runs' model sizes (default: the bundled datasets/models.csv).
    #[arg(long, value_name = "FILE", requires = "runs")]
    pub registry: Option<PathBuf>,
    /// Hardware name of a runs profile (default: the runs' gpu column).
    #[arg(
        long,
        value_name = "NAME",
        requires = "runs",
        conflicts_with = "roofline"
    )]
    pub gpu: Option<String>,
    /// Launch mode to fit: graph (CUDA graphs) or eager.
    #[arg(long, default_value = "graph", value_name = "M")]
    pub mode: Mode,
    /// KV-cache length (tokens already in the cache) to fit.
    #[arg(long, default_value_t = 512, value_name = "C")]
    pub ctx: u64,
    /// Batch size to fit (sequences per pass).
    #[arg(long, default_value_t = 1, value_name = "B")]
    pub batch: u64,
    /// Hardware description (key,value lines with device and memory_bytes);
    /// default: the table's path with extension .meta, when it exists.
    #[arg(long, value_name = "FILE")]
    pub meta: Option<PathBuf>,
    /// Bootstrap replicates over architectures; 0 = none.
    #[arg(long, default_value_t = DEFAULT_REPLICATES, value_name = "B", value_parser = crate::cli::replicates)]
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write the fitted profile to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print the profile as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Runs `sdsl fit latency`.
pub fn run(a: FitLatencyArgs, global: &crate::cli::Global) -> anyhow::Result<()> {
    if let Some(gpu) = a.roofline.clone() {
        return run_roofline(&a, &gpu);
    }
    let file = match a.file.as_slice() {
        [] => return run_runs(&a),
        [one] => one.clone(),
        more => anyhow::bail!(
            "{} files given: fit latency reads one latency table (engine runs go after --runs, or after --roofline GPU)",
            more.len()
        ),
    };
    // --out must name neither the table nor its hardware description (the
    // .meta given, or the one found next to the table): checked before
    // anything is read or computed
    crate::cli::refuse_overwriting_input(a.out.as_deref(), &file)?;
    let meta = a
        .meta
        .clone()
        .unwrap_or_else(|| file.with_extension("meta"));
    crate::cli::refuse_overwriting_input(a.out.as_deref(), &meta)
        .context("the table's hardware description (.meta)")?;
    let table = read_latency_table(&file, a.meta.as_deref())?;
    let spec = LatencyFitSpec {
        selection: LatencySelection {
            mode: a.mode,
            ctx: a.ctx,
            batch: a.batch,
        },
        replicates: a.bootstrap,
        seed: a.seed,
    }
    .validated()
    .context("--bootstrap")?;
    let profile = global
        .pool()?
        .install(|| spec.fit(&table))
        .context("fit latency (choose another --mode/--ctx/--batch from the table)")?;
    if emit(&profile, &a)? {
        return Ok(());
    }
    print_human(&profile);
    Ok(())
}

/// `sdsl fit latency --runs`: a `runs-affine` profile from the single-model
/// runs at concurrency 1 ([`LatencyProfile::from_runs`]).
fn run_runs(a: &FitLatencyArgs) -> anyhow::Result<()> {
    use crate::fit::runs::{inputs_sha256, latency_points, registry_model};
    let (inputs, rows) = crate::cli::read_runs(&a.runs, a.out.as_deref())?;
    let registry = match &a.registry {
        Some(p) => crate::ingest::registry::Registry::read(p)?,
        None => crate::ingest::registry::Registry::bundled()?,
    };
    let mut notes = Vec::new();
    let points = latency_points(&rows, &mut notes);
    for n in notes {
        crate::cli::warn(n);
    }
    let times = points
        .iter()
        .map(|p| {
            let m = registry_model(&registry, &p.model).with_context(|| {
                format!(
                    "--runs: the size of {} ({}); give a registry that has it with --registry FILE (datasets/models-engines.csv has Qwen3 and Llama 3.x)",
                    p.model,
                    p.rows.join(", ")
                )
            })?;
            // the registry's name, so that commands pricing registry models
            // find the measured time (the runs' name is in the printout)
            Ok(crate::fit::latency::RunTime {
                model: m.name.clone(),
                params: m.params,
                tpot_ms: p.tpot_ms,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let gpus = crate::fit::distinct(
        rows.iter()
            .filter(|r| !r.gpu.is_empty())
            .map(|r| r.gpu.clone()),
    );
    let hardware = match (&a.gpu, gpus.as_slice()) {
        (Some(g), _) => g.clone(),
        (None, [one]) => one.clone(),
        _ => "unknown (give --gpu NAME)".to_string(),
    };
    let source = crate::fit::latency::SourceTable {
        path: a
            .runs
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        sha256: inputs_sha256(&inputs),
    };
    let profile =
        LatencyProfile::from_runs(&times, &hardware, source).context("fit latency --runs")?;
    let label = a
        .out
        .as_ref()
        .map_or("the runs profile".to_string(), |p| p.display().to_string());
    profile.validate(&label, crate::law::throughput::DEFAULT_MAX_GAMMA)?;
    if emit(&profile, a)? {
        return Ok(());
    }
    print_runs(&profile, &points);
    Ok(())
}

/// Whether a file is a latency table (its CSV header has `ms_median`, or a
/// Parquet file reads as one) rather than runs or engine output.
/// The common tail of every `fit latency` form: the profile's warnings to
/// stderr, the profile file (`--out`, written atomically) and, with
/// `--json`, the profile on stdout. Returns whether it printed the JSON (the
/// caller prints its human table otherwise).
fn emit(profile: &LatencyProfile, a: &FitLatencyArgs) -> anyhow::Result<bool> {
    for w in &profile.warnings {
        crate::cli::warn(w.to_string());
    }
    if let Some(path) = &a.out {
        crate::report::write_atomic(
            path,
            (serde_json::to_string_pretty(profile)? + "\n").as_bytes(),
        )?;
    }
    if a.json {
        crate::cli::print_json(profile)?;
        return Ok(true);
    }
    Ok(false)
}

fn is_latency_table(path: &std::path::Path) -> bool {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" => std::fs::read(path).is_ok_and(|b| {
            let head = b.split(|&c| c == b'\n').next().unwrap_or_default();
            String::from_utf8_lossy(head)
                .split(',')
                .any(|c| c.trim().trim_matches('"') == "ms_median")
        }),
        "parquet" => read_latency_table(path, None).is_ok(),
        _ => false,
    }
}

/// `sdsl fit latency --roofline GPU FILE|--runs FILE...`: the roofline law
/// of a catalogued GPU recalibrated on the user's runs or table
/// ([`crate::catalog::roofline::recalibrate_runs`],
/// [`crate::catalog::roofline::recalibrate_table`]).
fn run_roofline(a: &FitLatencyArgs, gpu: &str) -> anyhow::Result<()> {
    use crate::law::throughput::DEFAULT_MAX_GAMMA;
    // the GPU first: an unknown id lists the catalogue before anything is read
    let g = crate::catalog::gpus::gpu(gpu).context("--roofline")?;
    let files: Vec<PathBuf> = if a.runs.is_empty() {
        a.file.clone()
    } else {
        a.runs.clone()
    };
    let profile = if a.runs.is_empty() && files.len() == 1 && is_latency_table(&files[0]) {
        let file = &files[0];
        crate::cli::refuse_overwriting_input(a.out.as_deref(), file)?;
        let table = read_latency_table(file, a.meta.as_deref())?;
        let sel = LatencySelection {
            mode: a.mode,
            ctx: a.ctx,
            batch: a.batch,
        };
        crate::catalog::roofline::recalibrate_table(&g.id, &table, sel, DEFAULT_MAX_GAMMA)
            .context("fit latency --roofline (a latency table measured on that GPU)")?
    } else {
        let (inputs, rows) = crate::cli::read_runs(&files, a.out.as_deref())?;
        let registry = match &a.registry {
            Some(p) => crate::ingest::registry::Registry::read(p)?,
            None => crate::ingest::registry::Registry::bundled()?,
        };
        let label = files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let mut notes = Vec::new();
        let runs = crate::fit::runs::roofline_runs(&rows, &registry, &label, &mut notes)?;
        for n in notes {
            crate::cli::warn(n);
        }
        let named: Vec<String> = crate::fit::distinct(
            rows.iter()
                .filter(|r| !r.gpu.is_empty())
                .map(|r| r.gpu.clone()),
        );
        if let Some(other) = named
            .iter()
            .find(|n| crate::catalog::gpus::gpu(n).map_or(true, |x| x.id != g.id))
        {
            crate::cli::warn(format!(
                "the runs' gpu column names '{other}', not {}: the recalibration assumes the runs were measured on the --roofline GPU",
                g.id
            ));
        }
        crate::catalog::roofline::recalibrate_runs(
            &g.id,
            &runs,
            a.ctx,
            (&label, &crate::fit::runs::inputs_sha256(&inputs)),
            DEFAULT_MAX_GAMMA,
        )
        .context("fit latency --roofline")?
    };
    if emit(&profile, a)? {
        return Ok(());
    }
    print_roofline(&profile, a.out.as_deref());
    Ok(())
}

fn print_roofline(p: &LatencyProfile, out: Option<&std::path::Path>) {
    let Some(r) = &p.roofline else { return };
    let Some(c) = &r.recalibration else { return };
    println!(
        "input: {} (sha256 {}…)",
        c.inputs,
        &c.sha256[..12.min(c.sha256.len())]
    );
    println!(
        "GPU: {} ({}): {:.3} TB/s, {:.1} TFLOP/s dense bf16 (datasheet)",
        r.gpu,
        p.hardware,
        r.memory_bandwidth_bytes_per_s / 1e12,
        r.bf16_dense_flops / 1e12
    );
    println!(
        "profile kind {}: t = t0 + max(bytes/(η_bw·BW), 2·P·b·q/(η_fl·FLOPS)), bytes = 2·P + KV·ctx·b",
        p.kind
    );
    if c.on == "runs" {
        println!(
            "runs: single-model decode steps at their mean batch (Little's law), ctx {} assumed",
            p.selection.ctx
        );
        println!(
            "  {:<16} {:>8} {:>10} {:>9} {:>10}  run",
            "model", "params", "mean batch", "TPOT ms", "fitted ms"
        );
        for s in &c.runs {
            println!(
                "  {:<16} {:>8} {:>10.4} {:>9.4} {:>10.4}  {}",
                s.model,
                crate::cli::si(s.params),
                s.mean_batch,
                s.tpot_ms,
                s.fitted_ms,
                s.run
            );
        }
    } else {
        println!("table: {} rows, {} mode", c.points, p.selection.mode);
    }
    let h = crate::catalog::roofline::calibration(p.selection.mode).ok();
    println!(
        "\nrecalibrated: t0 = {:.4} ms, η_bw = {:.4}{}",
        r.t0_ms,
        r.eta_bw,
        h.map(|h| format!(
            " (the H200 calibration has t0 = {:.4} ms, η_bw = {:.4})",
            h.t0_ms, h.eta_bw
        ))
        .unwrap_or_default()
    );
    println!("η_fl = {:.4}: {}", r.eta_fl, c.eta_fl_source);
    println!(
        "in-sample error: {} mean, {} max{}",
        pct1(c.in_sample_mean_abs),
        pct1(c.in_sample_max_abs),
        if c.points == 2 && c.on == "runs" {
            " (two runs, two parameters: the fit is exact)"
        } else {
            ""
        }
    );
    let f = out.map_or("FILE.json".to_string(), |p| p.display().to_string());
    println!(
        "use: --cost-model latency:{f} (latency:{f}:batch=B re-prices at batch B), sdsl plan --hardware {f}"
    );
}

fn print_runs(p: &LatencyProfile, points: &[crate::fit::runs::RunTpot]) {
    println!(
        "input: {} (sha256 {}…), hardware {}",
        p.source.path,
        &p.source.sha256[..12],
        p.hardware
    );
    println!(
        "profile kind {}: TPOT of the runs without speculation at concurrency 1, one per model size",
        p.kind
    );
    println!(
        "  {:<20} {:>8} {:>10} {:>10}  runs",
        "model", "params", "TPOT ms", "fitted ms"
    );
    for a in &p.architectures {
        let rows = points
            .iter()
            .find(|x| x.tpot_ms == a.decode_ms())
            .map_or(String::new(), |x| {
                format!("{}: {}", x.model, x.rows.join(", "))
            });
        println!(
            "  {:<20} {:>8} {:>10.4} {:>10.4}  {rows}",
            a.arch,
            crate::cli::si(a.params_total),
            a.decode_ms(),
            p.affine.law.time_ms(a.params_total)
        );
    }
    let l = &p.affine.law;
    println!(
        "\ndecode time t(P) = t0 + k·P (relative-error least squares): t0 = {:.4} ms, k = {:.4e} ms/param",
        l.t0_ms, l.k_ms_per_param
    );
    match &p.affine.loao {
        Some(e) => println!("leave-one-size-out error: {}", rel_error(e)),
        None => println!(
            "two sizes: the fit is exact (no leave-one-out error; its error on other sizes is unknown)"
        ),
    }
    println!(
        "verification: v ≡ 1 assumed (single-model runs measure no verification pass; speed-ups are over-predicted by what verifying γ + 1 tokens costs over one decode step)"
    );
    println!("use: --cost-model latency:PROFILE.json (the file written with --out)");
}

/// Mean and worst relative error, each a [`pct1`] right-aligned in six
/// characters.
fn rel_error(e: &RelError) -> String {
    format!(
        "{:>6} mean, {:>6} max ({})",
        pct1(e.mean_abs),
        pct1(e.max_abs),
        e.worst_arch
    )
}

fn errors<L>(name: &str, f: &FormFit<L>) {
    println!("  {name:<7} in-sample   {}", rel_error(&f.in_sample));
    match &f.loao {
        Some(l) => println!("  {:<7} leave-one-architecture-out {}", "", rel_error(l)),
        None => println!(
            "  {:<7} leave-one-architecture-out: none (two sizes: the fit is exact)",
            ""
        ),
    }
}

fn ci(p: &LatencyProfile, key: &str) -> String {
    p.bootstrap
        .as_ref()
        .and_then(|b| b.estimates.get(key))
        .map(|e| {
            let [a, b] = e.ci_or_nan();
            format!("  95% CI {}", bracket_sci(a, b, 4))
        })
        .unwrap_or_default()
}

fn print_human(p: &LatencyProfile) {
    let s = &p.selection;
    println!(
        "input: {} (sha256 {}…), hardware {}{}",
        p.source.path,
        &p.source.sha256[..12],
        p.hardware,
        p.memory_bytes
            .map(|m| format!(" ({:.2} GB)", m / 1e9))
            .unwrap_or_default()
    );
    println!(
        "selection: mode {}, ctx {}, batch {}: {} architectures, {} to {} parameters{}",
        s.mode,
        s.ctx,
        s.batch,
        p.architectures.len(),
        crate::cli::si(p.params_range[0]),
        crate::cli::si(p.params_range[1]),
        if p.excluded.is_empty() {
            String::new()
        } else {
            format!(" (lab-scale left out: {})", p.excluded.join(", "))
        }
    );
    println!("\ndecode time t(P), relative-error least squares (weights 1/t²):");
    let a = &p.affine.law;
    println!(
        "  affine  t = t0 + k·P:            t0 = {:.4} ms{}",
        a.t0_ms,
        ci(p, "affine.t0_ms")
    );
    println!(
        "  {:<7}                            k = {:.4e} ms/param{}",
        "",
        a.k_ms_per_param,
        ci(p, "affine.k_ms_per_param")
    );
    errors("", &p.affine);
    match &p.depth {
        Some(d) => {
            let l = &d.law;
            println!(
                "  depth   t = t0 + τ·layers + k·P: t0 = {:.4} ms, τ = {:.4} ms/layer, k = {:.4e} ms/param",
                l.t0_ms, l.tau_ms_per_layer, l.k_ms_per_param
            );
            errors("", d);
        }
        None => println!("  depth   not fitted (see warnings)"),
    }
    println!(
        "\nmost accurate form (leave-one-architecture-out): {}",
        p.most_accurate_form
    );
    println!("N* uses: {} — {}", p.nstar_form, p.nstar_form_reason);
    let [lo, hi] = p.params_range;
    println!(
        "\nverification ratio v(q) = t(q)/t(1) = a_q + b_q·ln P (P clamped to the fitted range, v ≥ 1):"
    );
    println!(
        "  {:>4} {:>10} {:>11} {:>12} {:>12}",
        "q",
        "a_q",
        "b_q",
        format!("v({})", crate::cli::si(lo)),
        format!("v({})", crate::cli::si(hi))
    );
    for l in &p.verify {
        let v = |pp: f64| p.verify_ratio(pp, l.q as f64).map_or(f64::NAN, |e| e.v);
        println!(
            "  {:>4} {:>10.5} {:>11.6} {:>12.4} {:>12.4}",
            l.q,
            l.a,
            l.b,
            v(lo),
            v(hi)
        );
    }
    if let Some(b) = &p.bootstrap {
        println!(
            "\nintervals: bootstrap over architectures, {} replicates, seed {}",
            b.replicates, b.seed
        );
    }
}
