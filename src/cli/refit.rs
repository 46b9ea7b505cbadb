//! `sdsl refit`: the whole chain — ingest → fit → derive → report — from a
//! manifest, in memory, written once at the end into `reports/` (atomically:
//! a temporary directory is filled and swapped in only when everything
//! succeeded).

use super::alpha_estimate::estimate;
use super::fit_alpha::analyse;
use super::fit_loss::fit_record;
use crate::derive::nstar::{CellOutcome, NStarSetup};
use crate::derive::nstar_law::{LawGrid, PAPER_M0, PAPER_MU, fit_nstar_law};
use crate::derive::uncertainty::{Cell, LawDraw, interval, propagate};
use crate::fit::bootstrap::{BootStart, bootstrap_loss, quantile_sorted};
use crate::fit::loss::{Constraints, LossData, LossFitSpec, Objective, SolverSettings, StartGrid};
use crate::ingest::acceptance::{
    AcceptTable, MeasureKind, MeasureSpec, read_accept_table, read_measurements,
};
use crate::ingest::laws;
use crate::ingest::loss_table::{LossTableSpec, read_loss_table};
use crate::ingest::manifest::{Manifest, read_manifest};
use crate::ingest::registry::Registry;
use crate::ingest::table::sha256_hex;
use crate::law::{AlphaLaw, CostModel};
use crate::report::model::{
    AlphaLine, AlphaSection, EstimateSection, FigureData, FileRef, InputRef, NstarCell,
    NstarLawSection, NstarSection, Report, SCHEMA_VERSION, SpeedupCurve,
};
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
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

/// Wall time per stage.
pub struct Stages(Vec<(&'static str, f64)>, Instant);

impl Stages {
    fn mark(&mut self, name: &'static str) {
        let now = Instant::now();
        self.0.push((name, (now - self.1).as_secs_f64()));
        self.1 = now;
    }
}

fn merge_tables(tables: Vec<AcceptTable>) -> anyhow::Result<AcceptTable> {
    let mut it = tables.into_iter();
    let mut first = it.next().context("no acceptance table")?;
    for t in it {
        for r in t.rows {
            let key = |x: &crate::ingest::acceptance::AcceptRow| {
                (
                    x.draft.clone(),
                    x.target.clone(),
                    x.temperature.clone(),
                    x.dataset.clone(),
                    x.gamma.clone(),
                )
            };
            if first.rows.iter().any(|p| key(p) == key(&r)) {
                anyhow::bail!(
                    "{} row {}: the pair {} → {} is already measured in {}; each (draft, target, temperature, dataset, gamma) may appear once",
                    t.path,
                    r.row,
                    r.draft,
                    r.target,
                    first.path
                );
            }
            first.rows.push(r);
        }
        first.path = format!("{} + {}", first.path, t.path);
        first.sha256 = sha256_hex(format!("{}{}", first.sha256, t.sha256).as_bytes());
        first.rows_total += t.rows_total;
        first.notes.extend(t.notes);
    }
    Ok(first)
}

/// The fit data of a loss table; an error at the manifest line `loc` when the
/// table has no more rows than the fit has parameters.
pub(super) fn loss_data<T>(
    m: &Manifest,
    loc: &crate::ingest::manifest::Located<T>,
    table: &crate::ingest::loss_table::LossTable,
    spec: &LossFitSpec,
) -> anyhow::Result<LossData> {
    if table.rows_used <= spec.map().n_free() {
        return Err(m
            .at(
                loc,
                format!(
                    "{} rows used: a fit needs more rows than its {} parameters",
                    table.rows_used,
                    spec.map().n_free()
                ),
            )
            .into());
    }
    Ok(LossData::new(&table.n, &table.d, &table.loss)?)
}

/// The multi-start loss fit with a progress bar labelled `what`.
pub(super) fn fit_with_progress(
    data: &LossData,
    spec: &LossFitSpec,
    global: &super::Global,
    what: &str,
) -> anyhow::Result<crate::fit::loss::LossFit> {
    let bar = global.progress(spec.grid.starts(&spec.map()).len() as u64, what);
    let fit = spec.fit(data, &|| bar.inc(1))?;
    bar.finish_and_clear();
    Ok(fit)
}

/// `replicates` case-resampling refits from Hoffmann's start (None for 0),
/// with a progress bar labelled `what`.
pub(super) fn bootstrap_with_progress(
    data: &LossData,
    spec: &LossFitSpec,
    fit: &crate::fit::loss::LossFit,
    replicates: usize,
    seed: u64,
    global: &super::Global,
    what: &str,
) -> anyhow::Result<Option<crate::fit::bootstrap::LossBootstrap>> {
    if replicates == 0 {
        return Ok(None);
    }
    let bar = global.progress(replicates as u64, what);
    let b = bootstrap_loss(
        data,
        spec,
        fit,
        replicates,
        seed,
        BootStart::Hoffmann,
        &|| bar.inc(1),
    )?;
    bar.finish_and_clear();
    Ok(Some(b))
}

/// Figure data of a loss fit: the points, the law and the bootstrap draws.
pub(super) fn loss_figures(
    table: &crate::ingest::loss_table::LossTable,
    law: &crate::law::LossLaw,
    boot: Option<&crate::fit::bootstrap::LossBootstrap>,
) -> FigureData {
    FigureData {
        loss_points: table
            .n
            .iter()
            .zip(&table.d)
            .zip(&table.loss)
            .map(|((n, d), l)| (*n, *d, *l))
            .collect(),
        loss_law: Some(law.clone()),
        loss_draws: boot
            .map(|b| {
                b.draws
                    .iter()
                    .map(|l| [l.e, l.a, l.b, l.alpha, l.beta])
                    .collect()
            })
            .unwrap_or_default(),
        ..FigureData::default()
    }
}

/// Measured α per target with each target's fitted line (over its draft-ppl
/// range), and predicted-versus-measured pairs under `law`.
pub(super) fn measured_alpha_figures(
    figures: &mut FigureData,
    fit: &super::fit_alpha::FitAlphaOut,
    t: &AcceptTable,
    law: &AlphaLaw,
) {
    figures.alpha_measured = true;
    for pt in &fit.per_target {
        let pts: Vec<(f64, f64)> = t
            .rows
            .iter()
            .filter(|r| r.target == pt.target)
            .map(|r| (r.draft_ppl, r.alpha))
            .collect();
        let (xlo, xhi) = pts.iter().fold((f64::INFINITY, 0.0f64), |(a, b), p| {
            (a.min(p.0), b.max(p.0))
        });
        let (ca, cc) = (pt.fit.coefficients["A"], pt.fit.coefficients["C"]);
        figures.alpha_lines.push(AlphaLine {
            label: format!("{} (R² {:.3})", pt.target, pt.fit.r2),
            points: pts,
            line: [(xlo, ca * xlo + cc), (xhi, ca * xhi + cc)],
        });
    }
    figures.alpha_pred = t
        .rows
        .iter()
        .map(|r| (r.alpha, law.alpha(r.draft_ppl, r.target_ppl)))
        .collect();
}

/// Builds the report in memory.
pub fn build_report(
    m: &Manifest,
    seed: u64,
    global: &super::Global,
    stages: &mut Stages,
) -> anyhow::Result<Report> {
    let mut warnings: Vec<String> = Vec::new();
    let mut inputs = Vec::new();
    let registry = Registry::read(&m.registry.value).map_err(|e| m.at(&m.registry, e))?;
    inputs.push(InputRef {
        role: "registry",
        path: registry.path.clone(),
        sha256: sha256_hex(&std::fs::read(&m.registry.value)?),
        rows_used: registry.models.len(),
    });
    // what N* is computed for: resolved first, so that a registry or a
    // selection with nothing to compute stops before the slow stages
    if registry.targets().next().is_none() {
        return Err(m
            .at(
                &m.registry,
                format!(
                    "{}: no row has role 'target'; a refit needs at least one target",
                    registry.path
                ),
            )
            .into());
    }
    if registry.draft_family_names().is_empty() {
        return Err(m
            .at(
                &m.registry,
                format!(
                    "{}: no row has role 'draft'; a refit needs at least one draft family",
                    registry.path
                ),
            )
            .into());
    }
    let targets: Vec<_> = match &m.targets.value {
        None => registry.targets().cloned().collect(),
        Some(names) => names
            .iter()
            .map(|n| registry.target(n).cloned().map_err(|e| m.at(&m.targets, e)))
            .collect::<Result<_, _>>()?,
    };
    let families = match &m.draft_families.value {
        None => registry
            .draft_families()
            .map_err(|e| m.at(&m.registry, e))?,
        Some(names) => names
            .iter()
            .map(|n| {
                registry
                    .draft_family(n)
                    .map_err(|e| m.at(&m.draft_families, e))
            })
            .collect::<Result<_, _>>()?,
    };
    let table = read_loss_table(
        &m.loss_path.value,
        &LossTableSpec {
            n_col: m.n_col.clone(),
            d_col: m.d_col.clone(),
            loss_col: m.loss_col.clone(),
            drop_highest: m.drop_highest,
        },
    )
    .map_err(|e| m.at(&m.loss_path, e))?;
    inputs.push(InputRef {
        role: "loss",
        path: table.path.clone(),
        sha256: table.sha256.clone(),
        rows_used: table.rows_used,
    });
    let objective = match m.objective.value.as_str() {
        "huber-mle" => Objective::HuberMle { delta: m.delta },
        "lsq" => Objective::Lsq,
        _ => Objective::Huber { delta: m.delta },
    };
    let grid = match m.grid.value.as_str() {
        "hoffmann" => StartGrid::hoffmann(),
        "init" => StartGrid::hoffmann_init(),
        s => StartGrid::parse(s).map_err(|e| m.at(&m.grid, e))?,
    };
    let spec = LossFitSpec {
        objective,
        constraints: Constraints::default(),
        grid,
        settings: SolverSettings::default(),
    }
    .validated()?;
    let data = loss_data(m, &m.loss_path, &table, &spec)?;
    stages.mark("ingest");
    let fit = fit_with_progress(&data, &spec, global, "loss fit")?;
    stages.mark("loss fit");
    let boot = bootstrap_with_progress(
        &data,
        &spec,
        &fit,
        m.loss_bootstrap.value,
        seed,
        global,
        "bootstrap",
    )?;
    if boot.is_none() {
        warnings.push("loss.bootstrap = 0: no intervals on the loss law or on N*".into());
    }
    let loss_record = fit_record(&table, m.drop_highest, &fit, boot.as_ref());
    warnings.extend(
        loss_record
            .warnings
            .iter()
            .map(|w| format!("loss fit: {w}")),
    );
    stages.mark("loss bootstrap");

    // the acceptance law
    let (alpha, alpha_boot_stats, alpha_table) = if m.alpha_tables.is_empty() {
        let l = laws::alpha_law(&m.alpha_law.value).map_err(|e| m.at(&m.alpha_law, e))?;
        warnings.push(format!(
            "no acceptance table is bundled: N* uses the published acceptance law '{}' without uncertainty; only the loss law's bootstrap is propagated",
            l.id
        ));
        (
            AlphaSection {
                source: "published",
                id: l.id.clone(),
                provenance: l.source.clone(),
                law: l.law.clone(),
                fit: None,
            },
            None,
            None,
        )
    } else {
        let mut tables = Vec::new();
        for t in &m.alpha_tables {
            let tab = read_accept_table(&t.value).map_err(|e| m.at(t, e))?;
            inputs.push(InputRef {
                role: "alpha",
                path: tab.path.clone(),
                sha256: tab.sha256.clone(),
                rows_used: tab.rows.len(),
            });
            tables.push(tab);
        }
        let merged = merge_tables(tables)?;
        let (out, model) = analyse(&merged, m.alpha_bootstrap, seed)?;
        warnings.extend(out.warnings.iter().map(|w| format!("alpha fit: {w}")));
        let est = model.fit.estimates();
        let law = if model.uses_y {
            AlphaLaw {
                a: est[0],
                b: est[1],
                c: est[2],
            }
        } else {
            AlphaLaw {
                a: est[0],
                b: 0.0,
                c: est[1],
            }
        };
        let stats = out
            .global
            .bootstrap
            .as_ref()
            .map(|b| (model.uses_y, b.result.replicate_stats.clone()));
        (
            AlphaSection {
                source: "fitted",
                id: merged.path.clone(),
                provenance: format!("fitted by sdsl refit on {}", merged.path),
                law,
                fit: Some(out),
            },
            stats,
            Some(merged),
        )
    };
    stages.mark("alpha law");

    // α from raw measurements
    let mut estimates = Vec::new();
    for est in &m.estimates {
        let (loc, kind, value_col, gamma_col) =
            (&est.path, &est.kind, &est.value_col, &est.gamma_col);
        let spec = MeasureSpec {
            kind: match kind.as_deref() {
                Some("logs") => Some(MeasureKind::Logs),
                Some("tau") => Some(MeasureKind::Tau),
                Some("tar") => Some(MeasureKind::Tar),
                Some(other) => {
                    return Err(m
                        .at(loc, format!("kind '{other}': use logs, tau or tar"))
                        .into());
                }
                None => None,
            },
            gamma_col: gamma_col.clone(),
            value_col: value_col.clone(),
            group_cols: None,
        };
        let meas = read_measurements(&loc.value, &spec).map_err(|e| m.at(loc, e))?;
        let rows = estimate(&meas);
        for r in &rows {
            for f in &r.flags {
                warnings.push(format!("estimate {} → {}: {f}", r.draft, r.target));
            }
        }
        inputs.push(InputRef {
            role: "estimates",
            path: meas.path.clone(),
            sha256: meas.sha256.clone(),
            rows_used: meas.gamma.len(),
        });
        estimates.push(EstimateSection {
            path: meas.path.clone(),
            sha256: meas.sha256.clone(),
            kind: format!("{:?}", meas.kind).to_lowercase(),
            value_col: meas.value_col.clone(),
            rows,
        });
    }
    stages.mark("estimates");

    // N* per target × family under the point laws
    let cost: CostModel = m
        .cost_model
        .value
        .parse()
        .map_err(|e| m.at(&m.cost_model, e))?;
    let loss_law = fit.law.clone();
    let mut cells_in = Vec::new();
    let mut cells = Vec::new();
    for t in &targets {
        for f in &families {
            let setup = NStarSetup {
                target_params: t.params,
                target_tokens: t.tokens,
                draft_tokens: f.tokens,
                loss: &loss_law,
                alpha: &alpha.law,
                cost,
            }
            .validated()?;
            let r = setup.solve();
            if let Err(e) = &r {
                warnings.push(format!("N* for {} with {} drafts: {e}", t.name, f.name));
            }
            cells_in.push(Cell {
                m: t.params,
                dt: t.tokens,
                dd: f.tokens,
            });
            cells.push(NstarCell {
                target: t.name.clone(),
                target_params: t.params,
                target_tokens: t.tokens,
                draft_family: f.name.clone(),
                draft_tokens: f.tokens,
                n_star_draws: interval(&[]),
                outcome: CellOutcome::from(&r),
            });
        }
    }
    let (m_min, m_max, n_m, d_min, d_max, n_d) = m.law_grid.value;
    let grid = LawGrid {
        m_min,
        m_max,
        n_m,
        d_min,
        d_max,
        n_d,
    }
    .validated()
    .map_err(|e| m.at(&m.law_grid, e))?;
    let law_fit = fit_nstar_law(&grid, &loss_law, &alpha.law, cost)?;
    stages.mark("N*");

    // uncertainty: paired draws
    let draws: Vec<LawDraw> = match &boot {
        Some(b) => b
            .draws
            .iter()
            .take(m.draws.value)
            .enumerate()
            .map(|(i, l)| LawDraw {
                loss: l.clone(),
                alpha: match &alpha_boot_stats {
                    Some((uses_y, stats)) => match stats.get(i).cloned().flatten() {
                        Some(s) if *uses_y => AlphaLaw {
                            a: s[0],
                            b: s[1],
                            c: s[2],
                        },
                        Some(s) => AlphaLaw {
                            a: s[0],
                            b: 0.0,
                            c: s[1],
                        },
                        None => alpha.law.clone(),
                    },
                    None => alpha.law.clone(),
                },
            })
            .collect(),
        None => Vec::new(),
    };
    let bar = global.progress(draws.len() as u64, "N* draws");
    let res = propagate(&draws, &cells_in, &grid, cost, &|| bar.inc(1));
    bar.finish_and_clear();
    for (c, vals) in cells.iter_mut().zip(&res.cells) {
        c.n_star_draws = interval(vals);
    }
    let failed_draws: usize = cells.iter().map(|c| c.n_star_draws.failed).sum();
    if failed_draws > 0 {
        warnings.push(format!("{failed_draws} (draw, cell) pairs had no interior N* and are excluded from the intervals"));
    }
    let mu_int = interval(&res.mu);
    let m0_int = interval(&res.m0);
    stages.mark("N* draws");

    // figure data
    let mut figures = loss_figures(&table, &loss_law, boot.as_ref());
    if let (Some(f), Some(t)) = (&alpha.fit, &alpha_table) {
        // measured points and per-target lines over each target's draft-ppl range
        measured_alpha_figures(&mut figures, f, t, &alpha.law);
    }
    if figures.alpha_lines.is_empty() {
        // published law: one line per family's largest target, over the registry drafts' ppl range
        let draft_ppl: Vec<f64> = families
            .iter()
            .flat_map(|f| f.drafts.iter().map(|d| loss_law.ppl(d.params, f.tokens)))
            .collect();
        let (xlo, xhi) = draft_ppl
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
        let mut fams: Vec<String> = Vec::new();
        for t in &targets {
            if !fams.contains(&t.family) {
                fams.push(t.family.clone());
            }
        }
        for fam in fams {
            let t = targets
                .iter()
                .filter(|t| t.family == fam)
                .max_by(|a, b| a.params.total_cmp(&b.params))
                .expect("family member");
            let y = loss_law.ppl(t.params, t.tokens);
            figures.alpha_lines.push(AlphaLine {
                label: format!("{} (target ppl {y:.2})", t.name),
                points: vec![],
                line: [
                    (xlo, alpha.law.alpha(xlo, y)),
                    (xhi, alpha.law.alpha(xhi, y)),
                ],
            });
        }
    }
    if let Some(fam) = families.first() {
        let mut picks: Vec<&crate::ingest::registry::Model> = Vec::new();
        let mut sorted: Vec<_> = targets.iter().collect();
        sorted.sort_by(|a, b| a.params.total_cmp(&b.params));
        if let (Some(a), Some(b)) = (sorted.first(), sorted.last()) {
            picks.push(a);
            if sorted.len() > 2 {
                picks.push(sorted[sorted.len() / 2]);
            }
            if b.name != a.name {
                picks.push(b);
            }
        }
        for t in picks {
            let setup = NStarSetup {
                target_params: t.params,
                target_tokens: t.tokens,
                draft_tokens: fam.tokens,
                loss: &loss_law,
                alpha: &alpha.law,
                cost,
            };
            let curve: Vec<(f64, f64)> = (0..=160)
                .map(|k| {
                    let n = (1e7f64.ln()
                        + ((t.params / 5.0).ln() - 1e7f64.ln()) * k as f64 / 160.0)
                        .exp();
                    let e = setup.evaluate(n);
                    (
                        n,
                        if e.admissible() {
                            e.optimum.speedup_star
                        } else {
                            1.0
                        },
                    )
                })
                .collect();
            let nstar = setup.solve().ok().map(|r| r.n_star);
            figures.speedup_curves.push(SpeedupCurve {
                label: format!("{} ({} drafts)", t.name, fam.name),
                curve,
                n_star: nstar,
            });
        }
    }
    let okd: Vec<(f64, f64)> = res
        .mu
        .iter()
        .zip(&res.m0)
        .filter_map(|(a, b)| Some(((*a)?, (*b)?)))
        .collect();
    if !okd.is_empty() {
        for k in 0..=40 {
            let mm =
                (grid.m_min.ln() + (grid.m_max.ln() - grid.m_min.ln()) * k as f64 / 40.0).exp();
            let mut v: Vec<f64> = okd.iter().map(|(mu, m0)| mu * mm + m0).collect();
            v.sort_by(f64::total_cmp);
            figures
                .nstar_band
                .push((mm, quantile_sorted(&v, 0.025), quantile_sorted(&v, 0.975)));
        }
    }

    let lab = match &m.lab {
        Some(l) => Some(super::refit_lab::build_lab(
            m,
            l,
            seed,
            global,
            &mut inputs,
            &mut warnings,
        )?),
        None => None,
    };
    stages.mark("lab");

    let lin = &law_fit.linear;
    let report = Report {
        schema_version: SCHEMA_VERSION,
        manifest: FileRef {
            path: m.path.display().to_string(),
            sha256: sha256_hex(m.text.as_bytes()),
        },
        seed,
        inputs,
        loss: loss_record,
        alpha,
        estimates,
        nstar: NstarSection {
            cost_model: cost.to_string(),
            loss_law,
            draws: draws.len(),
            draft_families: families.iter().map(|f| f.name.clone()).collect(),
            cells,
            law: NstarLawSection {
                mu: lin.coefficients[0].estimate,
                m0: lin.coefficients[1].estimate,
                mu_ci95: mu_int.ci95,
                m0_ci95: m0_int.ci95,
                draws: mu_int,
                mu_ols_ci95: lin.coefficients[0].ci95,
                m0_ols_ci95: lin.coefficients[1].ci95,
                r2: lin.r2,
                log_d: law_fit.log_d.as_ref().map(|f| {
                    [
                        f.coefficients[0].estimate,
                        f.coefficients[1].estimate,
                        f.coefficients[2].estimate,
                    ]
                }),
                grid: grid.clone(),
                points: law_fit.points.clone(),
                paper_mu: PAPER_MU,
                paper_m0: PAPER_M0,
            },
        },
        lab,
        warnings,
        figures,
    };
    Ok(report)
}

/// Runs `sdsl refit`.
pub fn run(a: RefitArgs, global: &super::Global) -> anyhow::Result<()> {
    let start = Instant::now();
    let mut stages = Stages(Vec::new(), Instant::now());
    let m = read_manifest(&a.manifest)?;
    // refuse an output that would delete data before the slow stages
    crate::report::write::check_out_dir(&a.out, &m.input_files())?;
    let seed = a.seed.unwrap_or(m.seed);
    let report = global
        .pool()?
        .install(|| build_report(&m, seed, global, &mut stages))?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    crate::report::write::write_reports(&report, &a.out)?;
    stages.mark("render");
    let times: Vec<String> = stages
        .0
        .iter()
        .map(|(n, t)| format!("{n} {t:.2} s"))
        .collect();
    eprintln!(
        "refit: wrote {} in {:.2} s ({})",
        a.out.display(),
        start.elapsed().as_secs_f64(),
        times.join(", ")
    );
    Ok(())
}
