//! `sdsl refit`: read the manifest, run [`crate::pipeline::refit`] (progress
//! bars on a terminal), write `reports/` atomically, print stage times.

use crate::pipeline::{self, Progress, read_manifest};
use clap::Args;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

/// Arguments of `sdsl refit`.
#[derive(Debug, Args)]
#[command(
    long_about = "Regenerate every table and figure from the bundled data: read the manifest \
(default datasets/refit.toml), refit the loss law with its bootstrap, take or fit the acceptance law, estimate \
alpha from raw measurements, derive N* for every registry target x draft family with 95% intervals from the \
bootstrap draws, fit the N* linear law, and write report.md, report.json and figures/ (SVG and PNG) into the \
output directory. The same manifest and seed give byte-identical output on any thread count."
)]
pub struct RefitArgs {
    /// The manifest.
    #[arg(long, default_value = "datasets/refit.toml")]
    pub manifest: PathBuf,
    /// Output directory: new, empty or a previous report (replaced atomically);
    /// anything else, and any folder holding an input, is refused.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// Seed (overrides the manifest's).
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Progress bars (hidden with --quiet or off a terminal) and wall time per stage.
struct Bars<'a> {
    global: &'a super::Global,
    bar: Mutex<Option<indicatif::ProgressBar>>,
    stages: Mutex<(Vec<(&'static str, f64)>, Instant)>,
}

impl Progress for Bars<'_> {
    fn begin(&self, what: &str, len: u64) {
        if let Ok(mut b) = self.bar.lock() {
            *b = Some(self.global.progress(len, what));
        }
    }
    fn tick(&self) {
        if let Ok(b) = self.bar.lock()
            && let Some(b) = b.as_ref()
        {
            b.inc(1);
        }
    }
    fn end(&self) {
        if let Ok(mut b) = self.bar.lock()
            && let Some(b) = b.take()
        {
            b.finish_and_clear();
        }
    }
    fn stage(&self, name: &'static str) {
        if let Ok(mut s) = self.stages.lock() {
            let now = Instant::now();
            let t = (now - s.1).as_secs_f64();
            s.0.push((name, t));
            s.1 = now;
        }
    }
}

/// Runs `sdsl refit`.
pub fn run(a: RefitArgs, global: &super::Global) -> anyhow::Result<()> {
    let start = Instant::now();
    let m = read_manifest(&a.manifest)?.with_seed(a.seed);
    // refuse an output that would delete data before the slow stages
    crate::report::write::check_out_dir(&a.out, &m.input_files())
        .map_err(|e| anyhow::anyhow!("--out: {e}"))?;
    // one writer per output directory: held through the computation and the write
    let _lock = crate::report::write::lock_out_dir(&a.out)?;
    let bars = Bars {
        global,
        bar: Mutex::new(None),
        stages: Mutex::new((Vec::new(), Instant::now())),
    };
    let report = global.pool()?.install(|| pipeline::refit(&m, &bars))?;
    for w in &report.warnings {
        crate::cli::warn(w.to_string());
    }
    crate::report::write::write_reports_locked(&report, &a.out)?;
    bars.stage("render");
    let times: Vec<String> = bars
        .stages
        .lock()
        .map(|s| s.0.iter().map(|(n, t)| format!("{n} {t:.2} s")).collect())
        .unwrap_or_default();
    eprintln!(
        "refit: wrote {} in {:.2} s ({})",
        a.out.display(),
        start.elapsed().as_secs_f64(),
        times.join(", ")
    );
    Ok(())
}
