//! The lab section of `sdsl refit`: the tables written by `sdsl-lab` (a
//! ladder of byte-level GPTs trained on tinyshakespeare, `datasets/lab/`)
//! refitted with the same machinery as the main report — the loss law with
//! its bootstrap, the acceptance law with per-target and global R² and
//! cross-validation, the acceptance estimator on real speculative-sampling
//! logs — and N* derived from the ladder's own laws next to the best draft
//! measured by tokens per FLOP.
//!
//! The lab's laws feed only this section: byte-level perplexities never
//! enter the main N* table.
//!
//! FLOP convention (SDSL's): a forward pass costs 2·N FLOPs per token with N
//! the non-embedding parameters, and verifying γ + 1 tokens costs one target
//! pass; tokens per FLOP = S/(2M), so c = N_draft/N_target.

use super::inputs::LabInputs;
use super::{Ledger, Progress};
use crate::derive::nstar::{N_MIN, NStarSetup};
use crate::error::SdslError;
use crate::fit::alpha_analysis::{FitAlphaOut, analyse};
use crate::fit::bootstrap::BootStart;
use crate::fit::estimate::{EstimateRow, estimate};
use crate::fit::loss_record::{LossBootSettings, fit_loss_table};
use crate::ingest::acceptance::AcceptTable;
use crate::ingest::columns as col;
use crate::ingest::table::Table;
use crate::law::throughput;
use crate::law::{AlphaLaw, CostModel};
pub use crate::report::model::lab::*;
use crate::report::model::{FigureData, SpeedupCurve};

/// The ladder rows of the lab's loss table.
pub(crate) fn ladder(t: &Table) -> Result<Vec<LadderRow>, SdslError> {
    let model = t.str_column(col::MODEL)?;
    let cols = [col::N, col::N_TOTAL, col::D, col::EPOCHS, col::LOSS].map(|c| t.f64_column(c));
    let [n, nt, d, ep, l] = cols;
    let (n, nt, d, ep, l) = (n?, nt?, d?, ep?, l?);
    Ok((0..t.height())
        .map(|i| LadderRow {
            model: model[i].clone(),
            n: n[i],
            n_total: nt[i],
            d: d[i],
            epochs: ep[i],
            loss: l[i],
        })
        .collect())
}

fn verdict(f: &FitAlphaOut) -> AffineVerdict {
    let r2s: Vec<f64> = f.per_target.iter().map(|t| t.fit.r2).collect();
    let range = [
        r2s.iter().cloned().fold(f64::INFINITY, f64::min),
        r2s.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
    ];
    let affine = f
        .forms
        .iter()
        .find(|x| x.name == "affine_ppl")
        .or(f.forms.first());
    let best = f.forms.first();
    let (acv, bname, bcv) = match (affine, best) {
        (Some(a), Some(b)) => (a.cv_rmse, b.name.to_string(), b.cv_rmse),
        _ => (f64::NAN, "—".into(), f64::NAN),
    };
    let r2g = f.global.fit.r2;
    let summary = if bname == "affine_ppl"
        || (acv.is_finite() && bcv.is_finite() && acv <= 1.1 * bcv)
    {
        format!(
            "yes, to first order: the affine law explains R² = {r2g:.3} of the variance of α globally (per target {:.3}–{:.3}) and no other form predicts held-out targets more than 10% better (cross-validated RMSE {acv:.4} vs best {bcv:.4}, {bname})",
            range[0], range[1]
        )
    } else {
        format!(
            "not quite: the affine law has R² = {r2g:.3} globally (per target {:.3}–{:.3}) but the {bname} form predicts held-out targets better (cross-validated RMSE {bcv:.4} vs {acv:.4} for the affine law)",
            range[0], range[1]
        )
    };
    AffineVerdict {
        r2_global: r2g,
        r2_per_target_range: range,
        loto_rmse: f.cv.loto_rmse,
        affine_cv_rmse: acv,
        best_form: bname,
        best_cv_rmse: bcv,
        summary,
    }
}

/// One sampler run of `speculative.csv`.
#[derive(Debug, Clone)]
pub struct SpecRow {
    /// Draft checkpoint.
    pub draft: String,
    /// Target checkpoint.
    pub target: String,
    /// Draft length.
    pub gamma: f64,
    /// Positions the target tested.
    pub tested: f64,
    /// Σ min(p, q) per tested position.
    pub summin_tested: f64,
    /// Emitted tokens per GFLOP.
    pub tokens_per_gflop: f64,
}

/// The sampler's runs (`speculative.csv`).
pub(crate) fn spec_rows(t: &Table) -> Result<Vec<SpecRow>, SdslError> {
    let (d, tg) = (t.str_column(col::DRAFT)?, t.str_column(col::TARGET)?);
    let (g, te, s, tp) = (
        t.f64_column(col::GAMMA)?,
        t.f64_column(col::TESTED)?,
        t.f64_column(col::ALPHA_SUMMIN_TESTED)?,
        t.f64_column(col::TOKENS_PER_GFLOP)?,
    );
    Ok((0..t.height())
        .map(|i| SpecRow {
            draft: d[i].clone(),
            target: tg[i].clone(),
            gamma: g[i],
            tested: te[i],
            summin_tested: s[i],
            tokens_per_gflop: tp[i],
        })
        .collect())
}

fn est_row(
    e: &EstimateRow,
    gamma: Option<f64>,
    sampler: Option<f64>,
    heldout: Option<f64>,
) -> EstimatorRow {
    let inside = |v: Option<f64>| match (v, e.alpha.ci95) {
        (Some(v), Some([lo, hi])) => Some(lo <= v && v <= hi),
        _ => None,
    };
    EstimatorRow {
        draft: e.draft.clone(),
        target: e.target.clone(),
        gamma,
        iterations: e.n,
        mle: e.alpha,
        summin_sampler: sampler,
        summin_heldout: heldout,
        covered_sampler: inside(sampler),
        covered_heldout: inside(heldout),
    }
}

fn share(rows: &[EstimatorRow], f: impl Fn(&EstimatorRow) -> Option<bool>) -> f64 {
    let v: Vec<bool> = rows.iter().filter_map(f).collect();
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().filter(|&&b| b).count() as f64 / v.len() as f64
    }
}

fn heldout_alpha(t1: &AcceptTable, draft: &str, target: &str) -> Option<f64> {
    t1.rows
        .iter()
        .find(|r| r.draft == draft && r.target == target)
        .map(|r| r.alpha)
}

fn estimator_check(lab: &LabInputs, warnings: &mut Vec<String>) -> EstimatorCheck {
    let (t1, spec) = (&lab.at_t1, &lab.sampler);
    let pooled = estimate(&lab.logs_pooled);
    let per = estimate(&lab.logs_per_gamma);
    let sampler = |d: &str, t: &str, g: Option<f64>| -> Option<f64> {
        let rows: Vec<&SpecRow> = spec
            .iter()
            .filter(|r| r.draft == d && r.target == t && g.is_none_or(|g| r.gamma == g))
            .collect();
        let tested: f64 = rows.iter().map(|r| r.tested).sum();
        (tested > 0.0)
            .then(|| rows.iter().map(|r| r.summin_tested * r.tested).sum::<f64>() / tested)
    };
    let mut pairs = Vec::new();
    for e in &pooled {
        for f in &e.flags {
            warnings.push(format!("lab estimate {} → {}: {f}", e.draft, e.target));
        }
        pairs.push(est_row(
            e,
            None,
            sampler(&e.draft, &e.target, None),
            heldout_alpha(t1, &e.draft, &e.target),
        ));
    }
    let mut per_gamma = Vec::new();
    for e in &per {
        let g = e.gammas.first().copied();
        per_gamma.push(est_row(
            e,
            g,
            sampler(&e.draft, &e.target, g),
            heldout_alpha(t1, &e.draft, &e.target),
        ));
    }
    EstimatorCheck {
        share_covered_sampler: share(&pairs, |r| r.covered_sampler),
        share_covered_heldout: share(&pairs, |r| r.covered_heldout),
        share_covered_sampler_per_gamma: share(&per_gamma, |r| r.covered_sampler),
        pairs,
        per_gamma,
    }
}

/// Stage 6: the lab section from the `[lab]` tables (read by
/// [`super::load`]); warnings go to `ledger`.
pub fn lab_stage(
    lab: &LabInputs,
    seed: u64,
    progress: &dyn Progress,
    ledger: &mut Ledger,
) -> Result<LabSection, SdslError> {
    let warnings = &mut ledger.warnings;
    // Loss law on the ladder.
    let li = &lab.loss;
    let ticks = super::LossProgress {
        progress,
        names: ("lab loss fit", "lab bootstrap"),
        stage_after_starts: None,
    };
    let boot_settings = LossBootSettings {
        replicates: li.bootstrap,
        seed,
        start: BootStart::Hoffmann,
    };
    let run = fit_loss_table(&li.table, 0, &li.spec, boot_settings, &ticks)?;
    let (fit, boot, loss) = (run.fit, run.boot, run.record);
    warnings.extend(loss.warnings.iter().map(|w| format!("lab loss fit: {w}")));
    let law = fit.law.clone();
    let table = &li.table;

    // Acceptance law at the chosen temperature (and the others, reported).
    let (full, chosen) = (&lab.acceptance, &lab.chosen);
    let t = lab.settings.temperature.value;
    let (alpha, model) = analyse(chosen, lab.settings.alpha_bootstrap, seed)
        .map_err(|e| SdslError::setting("lab.acceptance", e))?;
    warnings.extend(alpha.warnings.iter().map(|w| format!("lab alpha fit: {w}")));
    let alpha_law = model.alpha_law();
    let mut other_temperatures = Vec::new();
    for temp in full.temperatures() {
        let v: f64 = temp.trim().parse().unwrap_or(f64::NAN);
        if v != t {
            match full
                .at_temperature(v)
                .and_then(|sub| analyse(&sub, 0, seed))
            {
                Ok((fit, _)) => other_temperatures.push(OtherTemperature {
                    temperature: temp,
                    fit,
                }),
                Err(e) => warnings.push(format!(
                    "lab alpha fit at temperature {temp} (reported only): {e}"
                )),
            }
        }
    }
    let affine = verdict(&alpha);

    // Estimator check: the sampler runs at temperature 1, so Σ min is the temperature-1 rows.
    let estimator = estimator_check(lab, warnings);

    // N* from the lab laws versus measured drafts.
    let mut figures = super::loss_figures(table, &law, boot.as_ref());
    let nstar = lab_nstar(
        chosen,
        &lab.ladder,
        &law,
        &alpha_law,
        &lab.sampler,
        &mut figures,
        warnings,
    )?;
    super::measured_alpha_figures(&mut figures, &alpha, chosen, &alpha_law);
    Ok(LabSection {
        note: "byte-level GPTs trained on tinyshakespeare by sdsl-lab (datasets/lab/); these laws feed only this section, never the main N* table".into(),
        ladder: lab.ladder.clone(),
        loss,
        temperature: t,
        alpha,
        alpha_law,
        other_temperatures,
        affine,
        estimator,
        nstar,
        figures,
    })
}

/// N* from the lab laws for every target of the fitted rows, next to the
/// measured drafts ranked by tokens per FLOP and the sampler's best run;
/// adds each target's S*(N) curve to `figures`.
fn lab_nstar(
    chosen: &AcceptTable,
    ladder: &[LadderRow],
    law: &crate::law::LossLaw,
    alpha_law: &AlphaLaw,
    spec_rows: &[SpecRow],
    figures: &mut FigureData,
    warnings: &mut Vec<String>,
) -> Result<Vec<LabNstar>, SdslError> {
    let tokens_of = |name: &str| ladder.iter().find(|r| r.model == name).map(|r| r.d);
    let targets = crate::fit::distinct(chosen.rows.iter().map(|r| r.target.clone()));
    let mut nstar = Vec::new();
    for tg in &targets {
        let rows: Vec<_> = chosen.rows.iter().filter(|r| &r.target == tg).collect();
        let mparams = rows[0].target_params.ok_or_else(|| SdslError::Data {
            path: chosen.path.clone(),
            message: "target_params is needed for the lab N*".into(),
        })?;
        let dt = tokens_of(tg).ok_or_else(|| SdslError::Data {
            path: chosen.path.clone(),
            message: format!("target {tg} is not in the loss table"),
        })?;
        let setup = NStarSetup {
            target_params: mparams,
            target_tokens: dt,
            draft_tokens: dt,
            loss: law,
            alpha: alpha_law,
            cost: CostModel::Params,
        };
        let sol = setup.clone().validated().and_then(|s| s.solve());
        let mut measured: Vec<MeasuredDraft> = rows
            .iter()
            .filter(|r| tokens_of(&r.draft) == Some(dt))
            .filter_map(|r| {
                let n = r.draft_params?;
                let o = throughput::optimum(r.alpha, n / mparams);
                Some(MeasuredDraft {
                    draft: r.draft.clone(),
                    n,
                    alpha: r.alpha,
                    gamma_int: o.gamma_star_int,
                    speedup: o.speedup_star_int,
                    tokens_per_gflop: o.speedup_star_int / (2.0 * mparams) * 1e9,
                })
            })
            .collect();
        measured.sort_by(|a, b| b.tokens_per_gflop.total_cmp(&a.tokens_per_gflop));
        let sampled_best = spec_rows
            .iter()
            .filter(|r| &r.target == tg)
            .max_by(|a, b| a.tokens_per_gflop.total_cmp(&b.tokens_per_gflop))
            .map(|r| SampledBest {
                draft: r.draft.clone(),
                gamma: r.gamma,
                tokens_per_gflop: r.tokens_per_gflop,
            });
        let (n_star, err, la, lg, lt) = match &sol {
            Ok(s) => (
                Some(s.n_star),
                None,
                Some(s.alpha),
                Some(s.gamma_star_int),
                Some(s.tokens_per_flop_int * 1e9),
            ),
            Err(e) => {
                warnings.push(format!("lab N* for {tg}: {e}"));
                (None, Some(e.to_string()), None, None, None)
            }
        };
        nstar.push(LabNstar {
            target: tg.clone(),
            m: mparams,
            tokens: dt,
            n_star,
            n_star_error: err,
            law_alpha: la,
            law_gamma_int: lg,
            law_tokens_per_gflop: lt,
            measured,
            sampled_best,
        });

        // figure: S* versus N with N* marked
        if sol.is_err() && setup.clone().validated().is_err() {
            continue;
        }
        let last = nstar.last().expect("pushed above");
        let measured_pts: Vec<(f64, f64)> =
            last.measured.iter().map(|d| (d.n, d.speedup)).collect();
        let sampled_pts: Vec<(f64, f64)> = last
            .sampled_best
            .iter()
            .filter_map(|b| {
                let n = last.measured.iter().find(|d| d.draft == b.draft)?.n;
                // emitted tokens per FLOP × the plain decoder's FLOPs per token (2M)
                Some((n, b.tokens_per_gflop * 1e-9 * 2.0 * mparams))
            })
            .collect();
        figures.speedup_curves.push(SpeedupCurve {
            label: tg.clone(),
            curve: setup.speedup_curve(N_MIN, mparams, 160),
            n_star: sol.as_ref().ok().map(|s| s.n_star),
            measured: measured_pts,
            sampled: sampled_pts,
        });
    }
    Ok(nstar)
}
