//! The report's tables and the data behind its figures as files, so that
//! authors can restyle them in their own tools: `tables/*.csv` (loss
//! parameters with SEs and intervals, the bootstrap draws, the N* table with
//! intervals, the α fits per scope, the α estimates, the validation rows,
//! N* under each latency model and against batch size), `tables/*.tex` (LaTeX renderings of the
//! main tables, booktabs) and `figures/data/*.csv` (one file per figure,
//! named after it; `loss_bootstrap.csv` repeats the draws table).
//!
//! Numbers are written with Rust's shortest round-trip representation (the
//! full precision of `report.json`); an undefined value is an empty cell.

use super::csv_out::CsvTable;
use super::format::{csv_num, csv_opt, latex_num};
use super::md_table::MdTable;
use super::model::{FigureData, Report};
use crate::error::SdslError;
use crate::fit::alpha_analysis::FitOut;
use crate::fit::interval::Interval;

/// The five cells of an interval: estimate, se, lower, upper, method.
fn iv(i: &Interval) -> [String; 5] {
    let ci = i.ci95;
    [
        csv_num(i.point),
        csv_opt(i.se),
        csv_opt(ci.map(|c| c[0])),
        csv_opt(ci.map(|c| c[1])),
        serde_json::to_value(i.method)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
    ]
}

/// Every file, as (path relative to the report directory, text), in a
/// fixed order.
pub fn files(r: &Report) -> Result<Vec<(String, String)>, SdslError> {
    let mut out = vec![
        ("tables/loss_params.csv".to_string(), loss_params(r)?),
        ("tables/loss_bootstrap_draws.csv".into(), draws(&r.figures)?),
        ("tables/nstar.csv".into(), nstar(r)?),
        ("tables/alpha_fits.csv".into(), alpha_fits(r)?),
        ("tables/estimates.csv".into(), estimates(r)?),
        ("tables/loss_params.tex".into(), loss_params_tex(r)),
        ("tables/nstar.tex".into(), nstar_tex(r)),
    ];
    if let Some(v) = &r.validation {
        out.push(("tables/validation.csv".into(), validation(v)?));
        out.push(("tables/validation_checks.csv".into(), validation_checks(v)?));
        if let Some(p) = &v.ppl_scale {
            out.push(("tables/ppl_scale.csv".into(), ppl_scale(p)?));
        }
    }
    if let Some(p) = &r.paper {
        out.push(("tables/paper.csv".into(), paper(p)?));
    }
    if let Some(sh) = &r.nstar_shape {
        out.push((
            "tables/nstar_shape_extrapolation.csv".into(),
            shape_extrapolation(sh)?,
        ));
    }
    if let Some(se) = &r.sensitivity {
        out.push(("tables/sensitivity.csv".into(), sensitivity(se)?));
    }
    let tex = latex_tables(r);
    let mut readme = TABLES_README.to_string();
    readme.push_str(
        "\nEvery table of `report.md` is also written for LaTeX as `md_<id>.tex` (booktabs `tabular`; `<id>` is the slug of the heading above the table, `_2`, `_3`, … for further tables under one heading; LaTeX's special characters escaped, Greek letters and mathematical signs in math mode; numbers as printed on the page):\n\n",
    );
    for (path, _) in &tex {
        readme.push_str(&format!("- `{}`\n", path.trim_start_matches("tables/")));
    }
    out.push(("tables/README.md".into(), readme));
    out.extend(tex);
    out.extend(super::decision_tables::files(r)?);
    if let Some(h) = &r.hardware {
        out.push(("tables/hardware_nstar.csv".into(), hardware(h)?));
        out.push((
            "figures/data/hardware_latency_fit.csv".into(),
            latency_fig(h)?,
        ));
        out.extend(figure_data("hardware_", &h.figures)?);
    }
    out.extend(figure_data("", &r.figures)?);
    out.push(("figures/data/nstar_vs_m.csv".into(), nstar_points(r)?));
    if let Some(lab) = &r.lab {
        out.extend(figure_data("lab_", &lab.figures)?);
    }
    Ok(out)
}

fn loss_params(r: &Report) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "parameter",
        "estimate",
        "se",
        "ci95_lower",
        "ci95_upper",
        "method",
        "besiroglu2024",
    ])?;
    let p = &r.loss.params;
    let published = crate::law::LossLaw::BESIROGLU_2024;
    let rows = [
        ("E", p.e, published.e),
        ("A", p.a, published.a),
        ("B", p.b, published.b),
        ("alpha", p.alpha, published.alpha),
        ("beta", p.beta, published.beta),
    ];
    for (k, v, pubv) in rows {
        let cells = match r.loss.bootstrap.as_ref().and_then(|b| b.estimates.get(k)) {
            Some(i) => iv(i),
            None => iv(&Interval::point(v)),
        };
        let mut row = vec![k.to_string()];
        row.extend(cells);
        row.push(csv_num(pubv));
        t.row(&row)?;
    }
    for (k, v) in &r.loss.derived {
        let cells = match r.loss.bootstrap.as_ref().and_then(|b| b.estimates.get(k)) {
            Some(i) => iv(i),
            None => iv(&Interval::point(*v)),
        };
        let mut row = vec![k.clone()];
        row.extend(cells);
        row.push(String::new());
        t.row(&row)?;
    }
    t.finish()
}

fn draws(f: &FigureData) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&["replicate", "E", "A", "B", "alpha", "beta"])?;
    for (i, d) in f.loss_draws.iter().enumerate() {
        let mut row = vec![i.to_string()];
        row.extend(d.iter().map(|v| csv_num(*v)));
        t.row(&row)?;
    }
    t.finish()
}

fn nstar(r: &Report) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "target",
        "target_params",
        "target_tokens",
        "draft_family",
        "draft_tokens",
        "n_star",
        "n_star_se",
        "n_star_ci95_lower",
        "n_star_ci95_upper",
        "interval_method",
        "draws",
        "draws_failed",
        "alpha",
        "gamma_star",
        "speedup",
        "gamma_star_int",
        "speedup_int",
    ])?;
    for c in &r.nstar.cells {
        let draws = c
            .n_star_draws
            .unwrap_or_else(|| crate::derive::uncertainty::interval(f64::NAN, &[]));
        let [_, se, lo, hi, m] = iv(&draws.interval);
        let o_ = &c.outcome;
        t.row(&[
            c.target.clone(),
            csv_num(c.target_params),
            csv_num(c.target_tokens),
            c.draft_family.clone(),
            csv_num(c.draft_tokens),
            csv_opt(o_.n_star),
            se,
            lo,
            hi,
            m,
            draws.n.to_string(),
            draws.failed.to_string(),
            csv_opt(o_.alpha),
            csv_opt(o_.gamma_star),
            csv_opt(o_.speedup),
            o_.gamma_star_int.map_or(String::new(), |g| g.to_string()),
            csv_opt(o_.speedup_int),
        ])?;
    }
    t.finish()
}

fn alpha_fits(r: &Report) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "scope",
        "name",
        "coefficient",
        "estimate",
        "se",
        "ci95_lower",
        "ci95_upper",
        "method",
        "p",
        "r2",
        "rmse",
        "n",
    ])?;
    let mut add = |scope: &str, name: &str, f: &FitOut| -> Result<(), SdslError> {
        for (k, c) in &f.coefficients {
            let mut row = vec![scope.to_string(), name.to_string(), k.clone()];
            row.extend(iv(&c.estimate));
            row.extend([
                csv_num(c.p),
                csv_num(f.r2),
                csv_num(f.rmse),
                f.n.to_string(),
            ]);
            t.row(&row)?;
        }
        Ok(())
    };
    let fits = [
        r.alpha.fit.as_ref().map(|f| ("", f)),
        r.lab.as_ref().map(|l| ("lab ", &l.alpha)),
    ];
    for (prefix, f) in fits.into_iter().flatten() {
        add(&format!("{prefix}global"), "all", &f.global.fit)?;
        for g in &f.per_target {
            add(&format!("{prefix}target"), &g.target, &g.fit)?;
        }
        for g in &f.per_family {
            add(&format!("{prefix}family"), &g.name, &g.fit)?;
        }
    }
    t.finish()
}

fn estimates(r: &Report) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "path",
        "draft",
        "target",
        "settings",
        "alpha",
        "se",
        "ci95_lower",
        "ci95_upper",
        "method",
        "estimator",
        "n",
    ])?;
    for s in &r.estimates {
        for row in &s.rows {
            let settings: Vec<String> = row
                .groups
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect();
            let mut cells = vec![
                s.path.clone(),
                row.draft.clone(),
                row.target.clone(),
                settings.join("; "),
            ];
            cells.extend(iv(&row.alpha));
            cells.extend([row.estimator.to_string(), row.n.to_string()]);
            t.row(&cells)?;
        }
    }
    t.finish()
}

/// One row per (validation row, model): measured and predicted values.
/// Every validation row × model: a point prediction, or the range a model
/// allows where the source reports no α (Chen et al., the Hugging Face
/// posts), with the choice each model makes.
fn validation(v: &super::model::validation::ValidationSection) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "source",
        "quantity",
        "setting",
        "draft",
        "target",
        "gamma",
        "model",
        "measured",
        "predicted",
        "predicted_range_lower",
        "predicted_range_upper",
        "chosen",
        "measured_best",
        "published",
        "best_gamma",
        "note",
    ])?;
    for r in &v.rows {
        let models = crate::fit::distinct(r.predicted.keys().chain(r.predicted_range.keys()));
        // a row no model predicts is kept, with an empty model
        let models: Vec<Option<&String>> = if models.is_empty() {
            vec![None]
        } else {
            models.into_iter().map(Some).collect()
        };
        for model in models {
            let range = model.and_then(|m| r.predicted_range.get(m));
            let get = |m: Option<&String>| m.and_then(|m| r.predicted.get(m).copied().flatten());
            t.row(&[
                r.source.clone(),
                r.quantity.clone(),
                r.setting.clone(),
                r.draft.clone(),
                r.target.clone(),
                r.gamma.map_or(String::new(), |g| g.to_string()),
                model.cloned().unwrap_or_default(),
                csv_opt(r.measured),
                csv_opt(get(model)),
                csv_opt(range.map(|x| x[0])),
                csv_opt(range.map(|x| x[1])),
                model
                    .and_then(|m| r.chosen.get(m).cloned())
                    .unwrap_or_default(),
                r.measured_best.clone().unwrap_or_default(),
                csv_opt(r.published),
                model
                    .and_then(|m| r.best_gamma.get(m))
                    .map_or(String::new(), |g| g.to_string()),
                r.note.clone().unwrap_or_default(),
            ])?;
        }
    }
    t.finish()
}

/// The paper side by side, both directions.
fn paper(p: &super::model::paper::PaperSection) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "group",
        "quantity",
        "ours",
        "ours_ci95_lower",
        "ours_ci95_upper",
        "ours_interval_method",
        "published",
        "published_ci95_lower",
        "published_ci95_upper",
        "difference",
        "published_inside_ours",
        "ours_inside_published",
        "source",
    ])?;
    let b = |v: Option<bool>| v.map_or(String::new(), |x| x.to_string());
    for r in &p.rows {
        let ci = r.ours.and_then(|o| o.ci95);
        let method = r
            .ours
            .filter(|o| o.ci95.is_some())
            .and_then(|o| serde_json::to_value(o.method).ok())
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        t.row(&[
            r.group.clone(),
            r.quantity.clone(),
            csv_opt(r.ours.map(|o| o.point)),
            csv_opt(ci.map(|c| c[0])),
            csv_opt(ci.map(|c| c[1])),
            method,
            csv_opt(r.published),
            csv_opt(r.published_ci95.map(|c| c[0])),
            csv_opt(r.published_ci95.map(|c| c[1])),
            csv_opt(r.difference),
            b(r.inside),
            b(r.ours_inside_published),
            r.source.clone(),
        ])?;
    }
    t.finish()
}

/// The perplexity-scale rows: OPT's measured and the law's perplexity.
/// The N* law's extrapolated points: each form's N* at (M, D) outside the
/// grid against the exact N* there.
fn shape_extrapolation(s: &crate::derive::nstar_shape::NstarShape) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "form",
        "target_params",
        "target_tokens",
        "exact_n_star",
        "law_n_star",
        "relative_error",
        "relative_error_ci95_lower",
        "relative_error_ci95_upper",
    ])?;
    for f in &s.fits {
        for x in &f.extrapolated {
            let ci = x.rel_error.ci95;
            t.row(&[
                f.form.clone(),
                csv_num(x.m),
                csv_num(x.d),
                csv_num(x.exact),
                csv_num(x.predicted),
                csv_num(x.rel_error.point),
                ci.map_or(String::new(), |c| csv_num(c[0])),
                ci.map_or(String::new(), |c| csv_num(c[1])),
            ])?;
        }
    }
    t.finish()
}

/// N* and S of every target under each one-input variant of the
/// sensitivity section, and the change against the base.
fn sensitivity(s: &crate::derive::sensitivity::SensitivitySection) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "target",
        "draft_family",
        "input",
        "variant",
        "base_n_star",
        "base_speedup",
        "n_star",
        "speedup",
        "relative_change",
    ])?;
    for g in &s.targets {
        for v in &g.variants {
            t.row(&[
                g.target.clone(),
                g.draft_family.clone(),
                v.input.clone(),
                v.variant.clone(),
                g.base.map_or(String::new(), |b| csv_num(b.n_star)),
                g.base.map_or(String::new(), |b| csv_num(b.speedup)),
                v.solved.map_or(String::new(), |x| csv_num(x.n_star)),
                v.solved.map_or(String::new(), |x| csv_num(x.speedup)),
                v.rel_change.map_or(String::new(), csv_num),
            ])?;
        }
    }
    t.finish()
}

fn ppl_scale(p: &super::model::validation::PplScale) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "model",
        "params",
        "measured_ppl",
        "law_ppl",
        "relative_error",
    ])?;
    for r in &p.rows {
        t.row(&[
            r.model.clone(),
            csv_num(r.params),
            csv_num(r.measured_ppl),
            csv_num(r.law_ppl),
            csv_num(r.relative_error),
        ])?;
    }
    t.finish()
}

/// Every table of `report.md` as `tables/<id>.tex`, the id the slug of the
/// heading above it (`_2`, `_3`, … for further tables under one heading),
/// through [`MdTable::parse_all`] and [`MdTable::to_latex`].
fn latex_tables(r: &Report) -> Vec<(String, String)> {
    let md = super::markdown::render(r);
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (heading, t) in MdTable::parse_all(&md) {
        let base = slug(&heading);
        let n = seen.iter().filter(|s| **s == base).count();
        seen.push(base.clone());
        let id = if n == 0 {
            format!("md_{base}")
        } else {
            format!("md_{base}_{}", n + 1)
        };
        out.push((format!("tables/{id}.tex"), t.to_latex(&id)));
    }
    out
}

/// A heading as a file-name id: ASCII letters and digits lower-cased, any
/// other run of characters one `_`, at most 40 characters (cut at a `_`).
pub fn slug(heading: &str) -> String {
    let mut s = String::new();
    for c in heading.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('_') {
            s.push('_');
        }
    }
    let mut s = s.trim_matches('_').to_string();
    if s.len() > 40 {
        let cut = s[..40].rfind('_').unwrap_or(40);
        s.truncate(cut);
    }
    if s.is_empty() { "table".into() } else { s }
}

/// The implementation and scale checks item by item (the OPT WikiText-2
/// perplexities, the formula on the H200 runs' own times, Leviathan's
/// printed column).
fn validation_checks(v: &super::model::validation::ValidationSection) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "source",
        "what",
        "item",
        "error_kind",
        "error",
        "tolerance",
        "passes",
    ])?;
    for c in &v.checks {
        for (item, e) in &c.items {
            t.row(&[
                c.source.clone(),
                c.what.clone(),
                item.clone(),
                c.error.clone(),
                csv_num(*e),
                csv_opt(c.tolerance),
                c.passes.map_or(String::new(), |p| p.to_string()),
            ])?;
        }
    }
    t.finish()
}

/// `tables/README.md`: what each table holds, with units.
const TABLES_README: &str = include_str!("tables_readme.md");

fn hardware(h: &super::model::HardwareSection) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "cost_model",
        "batch",
        "target",
        "draft_family",
        "n_star",
        "gamma_star_int",
        "speedup_int",
        "fits_memory",
    ])?;
    let b = |v: Option<bool>| v.map_or(String::new(), |x| x.to_string());
    // the latency models' cells, then the batch sweep's rows: one layout
    let cells = h.models.iter().flat_map(|m| {
        m.cells.iter().map(move |c| {
            (
                &m.cost_model,
                m.batch,
                &c.target,
                &c.draft_family,
                &c.outcome,
                c.fits_memory,
            )
        })
    });
    let sweep = h.batch_sweep.iter().flat_map(|s| {
        s.rows.iter().map(move |x| {
            (
                &s.cost_model,
                x.batch,
                &x.target,
                &x.draft_family,
                &x.outcome,
                x.fits_memory,
            )
        })
    });
    for (cost_model, batch, target, family, outcome, fits) in cells.chain(sweep) {
        t.row(&[
            cost_model.clone(),
            batch.to_string(),
            target.clone(),
            family.clone(),
            csv_opt(outcome.n_star),
            outcome
                .gamma_star_int
                .map_or(String::new(), |g| g.to_string()),
            csv_opt(outcome.speedup_int),
            b(fits),
        ])?;
    }
    t.finish()
}

fn latency_fig(h: &super::model::HardwareSection) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "cost_model",
        "params_total",
        "t_ms",
        "law_t0_ms",
        "law_k_ms_per_param",
    ])?;
    for s in &h.latency_fig {
        for (p, ms) in &s.points {
            t.row(&[
                s.label.clone(),
                csv_num(*p),
                csv_num(*ms),
                csv_num(s.t0_ms),
                csv_num(s.k_ms_per_param),
            ])?;
        }
    }
    t.finish()
}

fn nstar_points(r: &Report) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&["kind", "m", "d", "n_star", "band_lower", "band_upper"])?;
    for p in &r.nstar.law.points {
        t.row(&[
            "grid",
            &csv_num(p.m),
            &csv_num(p.d),
            &csv_num(p.n_star),
            "",
            "",
        ])?;
    }
    for (m, lo, hi) in &r.figures.nstar_band {
        t.row(&["band", &csv_num(*m), "", "", &csv_num(*lo), &csv_num(*hi)])?;
    }
    t.finish()
}

/// The data of the figures drawn from one [`FigureData`] (`prefix` names
/// the figures as [`super::figures::render_all`] does); empty series are
/// left out.
fn figure_data(prefix: &str, f: &FigureData) -> Result<Vec<(String, String)>, SdslError> {
    let mut out = Vec::new();
    let path = |name: &str| format!("figures/data/{prefix}{name}.csv");
    if !f.loss_draws.is_empty() {
        out.push((path("loss_bootstrap"), draws(f)?));
    }
    if !f.loss_points.is_empty() {
        let mut t = CsvTable::new(&["n", "d", "loss", "fitted", "residual"])?;
        for &(nn, d, l) in &f.loss_points {
            let fit = f.loss_law.as_ref().map_or(f64::NAN, |law| law.loss(nn, d));
            t.row(&[
                csv_num(nn),
                csv_num(d),
                csv_num(l),
                csv_num(fit),
                csv_num(l - fit),
            ])?;
        }
        out.push((path("loss_fit"), t.finish()?));
    }
    if !f.alpha_lines.is_empty() {
        let mut t = CsvTable::new(&["series", "kind", "draft_ppl", "alpha"])?;
        for a in &f.alpha_lines {
            for (x, y) in &a.points {
                t.row(&[a.label.as_str(), "point", &csv_num(*x), &csv_num(*y)])?;
            }
            for (x, y) in &a.line {
                t.row(&[a.label.as_str(), "line", &csv_num(*x), &csv_num(*y)])?;
            }
        }
        out.push((path("alpha_vs_ppl"), t.finish()?));
    }
    if !f.alpha_pred.is_empty() {
        let mut t = CsvTable::new(&["target", "measured", "predicted", "predicted_ln_ppl_form"])?;
        for (i, (m, p)) in f.alpha_pred.iter().enumerate() {
            let g = f.alpha_pred_group.get(i).cloned().unwrap_or_default();
            let l = f.alpha_pred_log.get(i).copied();
            t.row(&[g, csv_num(*m), csv_num(*p), csv_opt(l)])?;
        }
        out.push((path("alpha_predicted"), t.finish()?));
    }
    if !f.speedup_curves.is_empty() {
        let mut t = CsvTable::new(&["series", "kind", "n", "speedup", "n_star"])?;
        for c in &f.speedup_curves {
            for (kind, pts) in [
                ("curve", &c.curve),
                ("measured", &c.measured),
                ("sampled", &c.sampled),
            ] {
                for (x, s) in pts {
                    t.row(&[
                        c.label.clone(),
                        kind.into(),
                        csv_num(*x),
                        csv_num(*s),
                        csv_opt(c.n_star),
                    ])?;
                }
            }
        }
        out.push((path("speedup_vs_n"), t.finish()?));
    }
    Ok(out)
}

/// LaTeX-safe text.
fn tex(s: &str) -> String {
    s.replace('\\', "\\textbackslash{}")
        .replace('_', "\\_")
        .replace('%', "\\%")
        .replace('&', "\\&")
        .replace('#', "\\#")
}

fn loss_params_tex(r: &Report) -> String {
    let mut s = String::from(
        "% sdsl refit: the loss law L(N, D) = E + A/N^alpha + B/D^beta (requires booktabs)\n\\begin{tabular}{lrrrr}\n\\toprule\nparameter & estimate & bootstrap SE & 95\\% CI (percentile) & Besiroglu et al.\\ (2024) \\\\\n\\midrule\n",
    );
    let p = &r.loss.params;
    let published = crate::law::LossLaw::BESIROGLU_2024;
    for (k, tk, v, pv) in [
        ("E", "$E$", p.e, published.e),
        ("A", "$A$", p.a, published.a),
        ("B", "$B$", p.b, published.b),
        ("alpha", "$\\alpha$", p.alpha, published.alpha),
        ("beta", "$\\beta$", p.beta, published.beta),
    ] {
        let i = r.loss.bootstrap.as_ref().and_then(|b| b.estimates.get(k));
        let se = i.map_or("---".into(), |i| latex_num(i.se_or_nan()));
        let ci = i.map_or("---".into(), |i| {
            let c = i.ci_or_nan();
            format!("[{}, {}]", latex_num(c[0]), latex_num(c[1]))
        });
        s += &format!(
            "{tk} & {} & {se} & {ci} & {} \\\\\n",
            latex_num(v),
            latex_num(pv)
        );
    }
    s += "\\bottomrule\n\\end{tabular}\n";
    s
}

fn nstar_tex(r: &Report) -> String {
    let mut s = format!(
        "% sdsl refit: N* per target and draft family, cost model {} (requires booktabs)\n\\begin{{tabular}}{{llrrrr}}\n\\toprule\ntarget & draft family & $N^*$ & 95\\% CI (loss-law bootstrap) & $\\gamma$ & $S$ \\\\\n\\midrule\n",
        tex(&r.nstar.cost_model)
    );
    for c in &r.nstar.cells {
        let ci = c
            .n_star_draws
            .map_or([f64::NAN; 2], |d| d.interval.ci_or_nan());
        s += &format!(
            "{} & {} & {} & [{}, {}] & {} & {} \\\\\n",
            tex(&c.target),
            tex(&c.draft_family),
            c.outcome.n_star.map_or("---".into(), latex_num),
            latex_num(ci[0]),
            latex_num(ci[1]),
            c.outcome
                .gamma_star_int
                .map_or("---".into(), |g| g.to_string()),
            c.outcome.speedup_int.map_or("---".into(), latex_num)
        );
    }
    s += "\\bottomrule\n\\end{tabular}\n";
    s
}
