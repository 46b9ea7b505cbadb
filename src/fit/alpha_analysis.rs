//! The acceptance-law analysis as a record: the global fit, per-target and
//! per-family fits, the target-term test, leave-one-target/family-out
//! cross-validation, alternative forms and bootstrap intervals — the record
//! `sdsl fit alpha --json` prints and `report.json` embeds.

use crate::SdslError;
use crate::fit::alpha::{
    CvResult, Form, Model, ModelBootstrap, Obs, TargetTermTest, aic_alpha_scale, bootstrap_model,
    cross_validate, fit_model, identifies_y, target_term_test,
};
use crate::fit::interval::{Interval, IntervalMethod};
use crate::fit::ols::{COLLINEARITY_THRESHOLD, OlsFit};
use crate::ingest::acceptance::AcceptTable;
use serde::Serialize;
use std::collections::BTreeMap;

/// One coefficient in the output: the estimate with its OLS standard error
/// and t interval (`{point, se, ci95, method: "ols-t"}`), its t statistic and
/// two-sided p value.
#[derive(Debug, Clone, Copy, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CoefOut {
    /// Estimate, SE and 95% interval.
    #[serde(flatten)]
    pub estimate: Interval,
    /// t statistic, estimate/SE.
    pub t: f64,
    /// Two-sided p value of t under H0: coefficient = 0.
    pub p: f64,
}

/// A linear fit in the output.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FitOut {
    /// Coefficients by name (A: draft ppl, B: target ppl, C: intercept).
    pub coefficients: BTreeMap<String, CoefOut>,
    /// R².
    pub r2: f64,
    /// Adjusted R².
    pub adj_r2: f64,
    /// RMSE of α (√(Σw·r²/Σw)).
    pub rmse: f64,
    /// F statistic.
    pub f_stat: f64,
    /// p value of F.
    pub f_p: f64,
    /// Condition number of the unit-column design.
    pub condition_number: f64,
    /// Rows.
    pub n: usize,
}

impl FitOut {
    /// The point estimate of a coefficient (None when the fit has no such
    /// coefficient).
    pub fn coef(&self, name: &str) -> Option<f64> {
        self.coefficients.get(name).map(|c| c.estimate.point)
    }
}

impl From<&OlsFit> for FitOut {
    fn from(f: &OlsFit) -> Self {
        FitOut {
            coefficients: f
                .coefficients
                .iter()
                .map(|c| {
                    let out = CoefOut {
                        estimate: Interval::new(
                            c.estimate,
                            Some(c.se),
                            Some(c.ci95),
                            IntervalMethod::OlsT,
                        ),
                        t: c.t,
                        p: c.p,
                    };
                    (c.name.clone(), out)
                })
                .collect(),
            r2: f.r2,
            adj_r2: f.adj_r2,
            rmse: f.rmse,
            f_stat: f.f_stat,
            f_p: f.f_p,
            condition_number: f.condition_number,
            n: f.n,
        }
    }
}

/// A per-group fit.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GroupFit {
    /// Target (per-target) or draft family (per-family).
    pub name: String,
    /// Whether the target term is in the model.
    pub uses_target_ppl: bool,
    /// The fit.
    #[serde(flatten)]
    pub fit: FitOut,
    /// Bootstrap, when requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<ModelBootstrap>,
}

/// Per-target entry (`target` key).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TargetFit {
    /// Target.
    pub target: String,
    /// The fit on draft ppl alone.
    #[serde(flatten)]
    pub fit: FitOut,
    /// Bootstrap, when requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<ModelBootstrap>,
}

/// One alternative form.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FormOut {
    /// Form name.
    pub name: &'static str,
    /// Cross-validated RMSE of α (leave-one-target-out; leave-one-row-out with one target).
    pub cv_rmse: f64,
    /// Cross-validated MAE of α.
    pub cv_mae: f64,
    /// Which CV was used.
    pub cv: &'static str,
    /// AIC on the α scale.
    pub aic: f64,
    /// In-sample R² on the form's own response scale.
    pub r2: f64,
    /// In-sample predictions outside (0, 1).
    pub outside_unit_interval: usize,
}

/// Cross-validation summary.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CvOut {
    /// Leave-one-target-out RMSE of α (null with one target).
    pub loto_rmse: Option<f64>,
    /// Leave-one-target-out MAE.
    pub loto_mae: Option<f64>,
    /// Leave-one-family-out RMSE (draft family; null with < 2 families).
    pub lofo_rmse: Option<f64>,
    /// Leave-one-family-out MAE.
    pub lofo_mae: Option<f64>,
    /// Full LOTO record.
    pub loto: Option<CvResult>,
    /// Full LOFO record.
    pub lofo: Option<CvResult>,
}

/// JSON output of `sdsl fit alpha`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FitAlphaOut {
    /// Input.
    pub input: InputOut,
    /// The global law.
    pub global: GlobalOut,
    /// Is the target term needed?
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_term: Option<TargetTermTest>,
    /// Per-target fits on draft ppl alone.
    pub per_target: Vec<TargetFit>,
    /// Per-draft-family fits.
    pub per_family: Vec<GroupFit>,
    /// Cross-validation.
    pub cv: CvOut,
    /// Alternative forms, best cross-validated error first.
    pub forms: Vec<FormOut>,
    /// Warnings (also printed to stderr).
    pub warnings: Vec<String>,
}

/// The global fit in the output.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GlobalOut {
    /// Whether the target term is in the model (needs ≥ 2 target perplexities).
    pub uses_target_ppl: bool,
    /// The fit.
    #[serde(flatten)]
    pub fit: FitOut,
    /// Bootstrap, when requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<BootOut>,
}

/// Bootstrap header and estimates.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BootOut {
    /// Seed.
    pub seed: u64,
    /// The estimates.
    #[serde(flatten)]
    pub result: ModelBootstrap,
}

/// Input description.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InputOut {
    /// Path.
    pub path: String,
    /// SHA-256.
    pub sha256: String,
    /// Rows in the file.
    pub rows_total: usize,
    /// Rows used.
    pub rows_used: usize,
    /// Targets.
    pub targets: usize,
}

/// The observations of an acceptance table.
pub fn obs_from(t: &AcceptTable) -> Vec<Obs> {
    t.rows
        .iter()
        .map(|r| Obs {
            draft: r.draft.clone(),
            target: r.target.clone(),
            family: r.draft_family.clone(),
            x: r.draft_ppl,
            y: r.target_ppl,
            alpha: r.alpha,
            w: r.weight.unwrap_or(1.0),
        })
        .collect()
}

/// The rows of each key, keys in order of first appearance (rows without a
/// key left out): one pass, so that per-group work stays linear in rows.
fn rows_by(obs: &[Obs], key: impl Fn(&Obs) -> Option<&str>) -> Vec<(String, Vec<&Obs>)> {
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out: Vec<(String, Vec<&Obs>)> = Vec::new();
    for o in obs {
        if let Some(k) = key(o) {
            let i = *index.entry(k.to_string()).or_insert_with(|| {
                out.push((k.to_string(), Vec::new()));
                out.len() - 1
            });
            out[i].1.push(o);
        }
    }
    out
}

/// Runs the whole analysis on a validated table (shared with `refit`).
// Long (≈140 lines): the analysis's parts (global fit, target term test,
// per-target and per-family fits, forms, cross-validation, bootstrap)
// in report order, each a call; the function is their wiring.
pub fn analyse(
    t: &AcceptTable,
    bootstrap: usize,
    seed: u64,
) -> Result<(FitAlphaOut, Model), SdslError> {
    let obs = obs_from(t);
    let all: Vec<&Obs> = obs.iter().collect();
    let mut warnings: Vec<String> = t.notes.clone();
    let by_target = rows_by(&obs, |o| Some(o.target.as_str()));
    check_table(t, &by_target)?;
    let uses_y = identifies_y(&all);
    if !uses_y {
        warnings.push("all rows share one target perplexity: the target term B is not identifiable; the global law is fitted on draft ppl alone (B = 0)".into());
    }
    let p = if uses_y { 3 } else { 2 };
    if obs.len() <= p {
        return Err(SdslError::Data {
            path: t.path.clone(),
            message: format!(
                "{} rows for {p} coefficients; the global fit needs more rows than coefficients",
                obs.len()
            ),
        });
    }
    let global = fit_model(&all, Form::AffinePpl, uses_y)
        .map_err(|e| at_rows(t, "the global fit", |_| true, e))?;
    if global.fit.collinear() {
        warnings.push(format!(
            "the global design is collinear (condition number {:.1} > {COLLINEARITY_THRESHOLD}): coefficients are poorly determined",
            global.fit.condition_number
        ));
    }
    let target_term = if uses_y {
        let reduced = fit_model(&all, Form::AffinePpl, false)
            .map_err(|e| at_rows(t, "the fit without the target term", |_| true, e))?;
        Some(target_term_test(&global.fit, &reduced.fit))
    } else {
        None
    };
    let mut per_target = Vec::new();
    for (tg, rows) in &by_target {
        let m = fit_model(rows, Form::AffinePpl, false).map_err(|e| {
            at_rows(
                t,
                &format!("the fit for target '{tg}'"),
                |r| &r.target == tg,
                e,
            )
        })?;
        if m.fit.df_resid == 0 {
            warnings.push(format!(
                "target '{tg}' has two drafts: its line is exact, with no standard errors"
            ));
        }
        let boot = (bootstrap > 0).then(|| bootstrap_model(rows, &m, bootstrap, seed));
        if let Some(b) = &boot
            && b.estimates.values().any(|e| e.bca.ci95.is_none())
        {
            warnings.push(format!(
                "target '{tg}': BCa intervals undefined for some quantities ({} drafts; degenerate resamples)",
                rows.len()
            ));
        }
        per_target.push(TargetFit {
            target: tg.clone(),
            fit: FitOut::from(&m.fit),
            bootstrap: boot,
        });
    }
    let families = rows_by(&obs, |o| o.family.as_deref());
    let per_family = family_fits(t, &families, &mut warnings)?;
    let loto = cross_validate(&obs, Form::AffinePpl, |_, o| Some(o.target.clone()));
    let lofo = if families.len() >= 2 {
        cross_validate(&obs, Form::AffinePpl, |_, o| o.family.clone())
    } else {
        warnings.push(
            "leave-one-family-out skipped: fewer than two draft families (column draft_family)"
                .into(),
        );
        None
    };
    if loto.is_none() {
        warnings.push(if by_target.len() < 2 {
            "leave-one-target-out skipped: a single target".into()
        } else {
            "leave-one-target-out skipped: every fold's training rows were too few, held a non-finite value or were collinear".into()
        });
    }
    for (name, cv) in [
        ("leave-one-target-out", &loto),
        ("leave-one-family-out", &lofo),
    ] {
        if let Some(c) = cv {
            if c.outside_unit_interval > 0 {
                warnings.push(format!(
                    "{name}: {} predictions fall outside (0, 1)",
                    c.outside_unit_interval
                ));
            }
            if c.extrapolated > 0 {
                warnings.push(format!(
                    "{name}: {} held-out rows lie outside the training range of the perplexities",
                    c.extrapolated
                ));
            }
        }
    }
    let forms = alternative_forms(&obs, uses_y)?;
    let gboot = (bootstrap > 0).then(|| BootOut {
        seed,
        result: bootstrap_model(&all, &global, bootstrap, seed),
    });
    let out = FitAlphaOut {
        input: InputOut {
            path: t.path.clone(),
            sha256: t.sha256.clone(),
            rows_total: t.rows_total,
            rows_used: obs.len(),
            targets: by_target.len(),
        },
        global: GlobalOut {
            uses_target_ppl: uses_y,
            fit: FitOut::from(&global.fit),
            bootstrap: gboot,
        },
        target_term,
        per_target,
        per_family,
        cv: CvOut {
            loto_rmse: loto.as_ref().map(|c| c.rmse),
            loto_mae: loto.as_ref().map(|c| c.mae),
            lofo_rmse: lofo.as_ref().map(|c| c.rmse),
            lofo_mae: lofo.as_ref().map(|c| c.mae),
            loto,
            lofo,
        },
        forms,
        warnings,
    };
    Ok((out, global))
}

/// A fit's error with the file and the rows it used (at most 12 listed).
fn at_rows(
    t: &AcceptTable,
    what: &str,
    keep: impl Fn(&crate::ingest::acceptance::AcceptRow) -> bool,
    e: SdslError,
) -> SdslError {
    let rows: Vec<usize> = t.rows.iter().filter(|r| keep(r)).map(|r| r.row).collect();
    let mut list: Vec<String> = rows.iter().take(12).map(|r| r.to_string()).collect();
    if rows.len() > 12 {
        list.push(format!("… ({} rows)", rows.len()));
    }
    SdslError::Data {
        path: t.path.clone(),
        message: format!("{what} (rows {}): {e}", list.join(", ")),
    }
}

/// Refuses tables the analysis cannot use: mixed temperatures, or a target
/// with a single draft (per-target fits need two).
fn check_table(t: &AcceptTable, by_target: &[(String, Vec<&Obs>)]) -> Result<(), SdslError> {
    let temps = t.temperatures();
    if temps.len() > 1 {
        let row = t
            .rows
            .iter()
            .find(|r| r.temperature.as_ref() == Some(&temps[1]))
            .map(|r| r.row)
            .unwrap_or(0);
        return Err(SdslError::Data {
            path: t.path.clone(),
            message: format!(
                "the rows mix temperatures {} (row {row} is at {}); acceptance depends on temperature, so fit one at a time (select rows with the temperature setting)",
                temps.join(" and "),
                temps[1]
            ),
        });
    }
    for (tg, rows) in by_target {
        if rows.len() < 2 {
            return Err(SdslError::Data {
                path: t.path.clone(),
                message: format!(
                    "target '{tg}' has a single draft (row {}); per-target fits need at least two drafts per target: add drafts for it or remove the target",
                    t.rows
                        .iter()
                        .find(|r| &r.target == tg)
                        .map(|r| r.row)
                        .unwrap_or(0)
                ),
            });
        }
    }
    Ok(())
}

/// Fits per draft family (skipping, with a warning, families with too few rows).
fn family_fits(
    t: &AcceptTable,
    families: &[(String, Vec<&Obs>)],
    warnings: &mut Vec<String>,
) -> Result<Vec<GroupFit>, SdslError> {
    let mut per_family = Vec::new();
    for (f, rows) in families {
        let fy = identifies_y(rows);
        if rows.len() <= if fy { 3 } else { 2 } {
            warnings.push(format!(
                "draft family '{f}': {} rows, too few for a family fit",
                rows.len()
            ));
            continue;
        }
        let m = fit_model(rows, Form::AffinePpl, fy).map_err(|e| {
            at_rows(
                t,
                &format!("the fit for draft family '{f}'"),
                |r| r.draft_family.as_ref() == Some(f),
                e,
            )
        })?;
        per_family.push(GroupFit {
            name: f.clone(),
            uses_target_ppl: fy,
            fit: FitOut::from(&m.fit),
            bootstrap: None,
        });
    }
    Ok(per_family)
}

/// The alternative forms ranked by cross-validated RMSE, with AIC on the α scale.
fn alternative_forms(obs: &[Obs], uses_y: bool) -> Result<Vec<FormOut>, SdslError> {
    let all: Vec<&Obs> = obs.iter().collect();
    let mut forms = Vec::new();
    for form in Form::ALL {
        let m = fit_model(&all, form, uses_y)
            .map_err(|e| SdslError::Numerical(format!("the {} form: {e}", form.name())))?;
        let (cv, how) = match cross_validate(obs, form, |_, o| Some(o.target.clone())) {
            Some(c) => (Some(c), "leave-one-target-out"),
            None => (
                cross_validate(obs, form, |i, _| Some(i.to_string())),
                "leave-one-row-out",
            ),
        };
        forms.push(FormOut {
            name: form.name(),
            cv_rmse: cv.as_ref().map(|c| c.rmse).unwrap_or(f64::NAN),
            cv_mae: cv.as_ref().map(|c| c.mae).unwrap_or(f64::NAN),
            cv: how,
            aic: aic_alpha_scale(&m, &all),
            r2: m.fit.r2,
            outside_unit_interval: obs
                .iter()
                .filter(|o| !(m.predict(o.x, o.y) > 0.0 && m.predict(o.x, o.y) < 1.0))
                .count(),
        });
    }
    forms.sort_by(|a, b| a.cv_rmse.total_cmp(&b.cv_rmse));
    Ok(forms)
}
