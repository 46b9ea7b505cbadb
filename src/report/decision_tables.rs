//! The files behind the report's decision sections and the long tables
//! moved off the page: `tables/deploy.csv`, `tables/serving_plans.csv`,
//! `tables/nstar_vs_batch.csv`, `tables/inputs.csv`, the lab's
//! `tables/lab_ladder.csv` and `tables/lab_estimator.csv`, and the refit's
//! laws as law files (`laws/loss.json`, `laws/alpha.json`, the format
//! `--loss-law` / `--alpha-law` read). Same conventions as
//! [`super::tables`]: shortest round-trip numbers, empty cell = undefined.

use super::csv_out::CsvTable;
use super::format::{csv_num, csv_opt};
use super::model::Report;
use crate::error::SdslError;
use crate::ingest::laws::LawFile;

fn opt_u(v: Option<u64>) -> String {
    v.map_or(String::new(), |x| x.to_string())
}

fn opt_b(v: Option<bool>) -> String {
    v.map_or(String::new(), |x| x.to_string())
}

/// Every file, as (path relative to the report directory, text).
pub fn files(r: &Report) -> Result<Vec<(String, String)>, SdslError> {
    let mut out = vec![
        ("tables/inputs.csv".to_string(), inputs(r)?),
        ("laws/loss.json".into(), loss_law(r)?),
        ("laws/alpha.json".into(), alpha_law(r)?),
    ];
    if r.deploy.is_some() {
        out.push(("tables/deploy.csv".into(), deploy(r)?));
    }
    if r.serving.is_some() {
        out.push(("tables/serving_plans.csv".into(), serving(r)?));
    }
    if r.hardware.as_ref().is_some_and(|h| h.batch_sweep.is_some()) {
        out.push(("tables/nstar_vs_batch.csv".into(), batch_sweep(r)?));
    }
    if r.lab.is_some() {
        out.push(("tables/lab_ladder.csv".into(), lab_ladder(r)?));
        out.push(("tables/lab_estimator.csv".into(), lab_estimator(r)?));
    }
    if let Some(l) = &r.lab_iid {
        out.push(("tables/lab_iid_positions.csv".into(), lab_iid_positions(l)?));
        out.push(("tables/lab_iid_gamma.csv".into(), lab_iid_gamma(l)?));
    }
    Ok(out)
}

fn json<T: serde::Serialize>(v: &T, what: &str) -> Result<String, SdslError> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| SdslError::InvalidArgument(format!("serialising {what}: {e}")))
}

fn loss_law(r: &Report) -> Result<String, SdslError> {
    let f: LawFile<crate::law::LossLaw> = LawFile {
        kind: "loss".into(),
        name: Some("refit".into()),
        law: r.nstar.loss_law.clone(),
        source: format!(
            "sdsl refit of {} (manifest {}, seed {}): the loss law N* uses",
            r.inputs
                .iter()
                .find(|i| i.role == "loss")
                .map_or("the loss table", |i| i.path.as_str()),
            r.manifest.path,
            r.seed
        ),
        r2: None,
        mse: None,
        ci95: None,
        fit: None,
    };
    json(&f, "laws/loss.json")
}

fn alpha_law(r: &Report) -> Result<String, SdslError> {
    let f: LawFile<crate::law::AlphaLaw> = LawFile {
        kind: "alpha".into(),
        name: Some(r.alpha.id.clone()),
        law: r.alpha.law.clone(),
        source: format!(
            "{} ({}): the acceptance law N* uses",
            r.alpha.provenance, r.alpha.source
        ),
        r2: None,
        mse: None,
        ci95: None,
        fit: None,
    };
    json(&f, "laws/alpha.json")
}

fn inputs(r: &Report) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&["role", "path", "sha256", "rows_used"])?;
    for i in &r.inputs {
        t.row(&[
            i.role.to_string(),
            i.path.clone(),
            i.sha256.clone(),
            i.rows_used.to_string(),
        ])?;
    }
    t.finish()
}

fn deploy(r: &Report) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "target",
        "target_params",
        "draft_family",
        "different_tokenizer",
        "on_page",
        "cost_model",
        "weights",
        "fits_memory",
        "n_star",
        "n_star_ci95_lower",
        "n_star_ci95_upper",
        "gamma",
        "speedup_at_n_star",
        "best_draft",
        "best_draft_params",
        "best_draft_gamma",
        "best_draft_speedup",
        "best_draft_priced",
        "best_draft_cost_ratio",
        "best_draft_law_cost_ratio",
        "real_draft_beats_n_star",
    ])?;
    for x in r.deploy.iter().flat_map(|d| &d.rows) {
        t.row(&[
            x.target.clone(),
            csv_num(x.target_params),
            x.draft_family.clone(),
            x.different_tokenizer.to_string(),
            x.on_page.to_string(),
            x.cost_model.clone(),
            x.weights.clone().unwrap_or_default(),
            opt_b(x.fits_memory),
            csv_opt(x.n_star),
            csv_opt(x.n_star_ci95.map(|c| c[0])),
            csv_opt(x.n_star_ci95.map(|c| c[1])),
            opt_u(x.gamma),
            csv_opt(x.speedup_at_n_star),
            x.best_draft.clone().unwrap_or_default(),
            csv_opt(x.best_draft_params),
            opt_u(x.best_draft_gamma),
            csv_opt(x.best_draft_speedup),
            x.best_draft_priced.clone().unwrap_or_default(),
            csv_opt(x.best_draft_cost_ratio),
            csv_opt(x.best_draft_law_cost_ratio),
            x.real_draft_beats_n_star.to_string(),
        ])?;
    }
    t.finish()
}

fn serving(r: &Report) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "target",
        "plan",
        "hardware",
        "device",
        "weights",
        "batch",
        "draft",
        "draft_params",
        "recommended",
        "alpha",
        "cost_ratio",
        "gamma",
        "speedup",
        "gamma_speculating",
        "speedup_speculating",
        "verify_ratio",
        "target_step_ms",
        "ms_per_token",
        "tokens_per_s",
        "tokens_per_s_aggregate",
        "fits_memory",
        "draft_measured",
        "target_measured",
    ])?;
    for p in r.serving.iter().flat_map(|s| &s.plans) {
        let plans = [
            ("planned", Some(&p.plan)),
            ("fp8", p.plan.fp8_plan.as_deref()),
            ("fitting batches", p.fitting_plan.as_ref()),
        ];
        for (kind, plan) in plans {
            let Some(plan) = plan else { continue };
            for x in &plan.rows {
                t.row(&[
                    p.target.clone(),
                    kind.to_string(),
                    plan.hardware.clone(),
                    plan.device.clone(),
                    x.weights.to_string(),
                    x.batch.to_string(),
                    x.draft.clone(),
                    csv_num(x.draft_params),
                    (plan.recommendation.draft.as_deref() == Some(x.draft.as_str())).to_string(),
                    csv_num(x.alpha),
                    csv_num(x.cost_ratio),
                    x.gamma.to_string(),
                    csv_num(x.speedup),
                    x.gamma_speculating.to_string(),
                    csv_num(x.speedup_speculating),
                    csv_num(x.verify_ratio),
                    csv_num(x.target_step_ms),
                    csv_num(x.ms_per_token),
                    csv_num(x.tokens_per_s),
                    csv_num(x.tokens_per_s_aggregate),
                    opt_b(x.fits_memory),
                    x.draft_measured.to_string(),
                    x.target_measured.to_string(),
                ])?;
            }
        }
    }
    t.finish()
}

fn batch_sweep(r: &Report) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "cost_model",
        "target",
        "draft_family",
        "batch",
        "interpolated_from_lower",
        "interpolated_from_upper",
        "n_star",
        "gamma_star_int",
        "speedup_int",
        "verify_ratio",
        "fits_memory",
        "best_real_draft",
        "best_real_draft_gamma",
        "best_real_draft_speedup",
    ])?;
    let Some(b) = r.hardware.as_ref().and_then(|h| h.batch_sweep.as_ref()) else {
        return t.finish();
    };
    for x in &b.rows {
        let d = x.best_real_draft.as_ref();
        t.row(&[
            b.cost_model.clone(),
            x.target.clone(),
            x.draft_family.clone(),
            x.batch.to_string(),
            opt_u(x.interpolated_from.map(|i| i[0])),
            opt_u(x.interpolated_from.map(|i| i[1])),
            csv_opt(x.outcome.n_star),
            opt_u(x.outcome.gamma_star_int),
            csv_opt(x.outcome.speedup_int),
            csv_opt(x.verify_ratio),
            opt_b(x.fits_memory),
            d.map_or(String::new(), |d| d.name.clone()),
            opt_u(d.map(|d| d.priced.gamma)),
            csv_opt(d.map(|d| d.priced.speedup)),
        ])?;
    }
    t.finish()
}

fn lab_ladder(r: &Report) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "checkpoint",
        "n_non_embedding",
        "n_with_embeddings",
        "d_tokens",
        "epochs",
        "heldout_loss",
        "ppl",
    ])?;
    for x in r.lab.iter().flat_map(|l| &l.ladder) {
        t.row(&[
            x.model.clone(),
            csv_num(x.n),
            csv_num(x.n_total),
            csv_num(x.d),
            csv_num(x.epochs),
            csv_num(x.loss),
            csv_num(x.loss.exp()),
        ])?;
    }
    t.finish()
}

fn lab_estimator(r: &Report) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "draft",
        "target",
        "gamma",
        "iterations",
        "mle_alpha",
        "mle_ci95_lower",
        "mle_ci95_upper",
        "summin_sampler",
        "covered_sampler",
        "summin_heldout",
        "covered_heldout",
    ])?;
    for l in r.lab.iter() {
        let e = &l.estimator;
        for x in e.pairs.iter().chain(&e.per_gamma) {
            t.row(&[
                x.draft.clone(),
                x.target.clone(),
                x.gamma.map_or("all".to_string(), csv_num),
                x.iterations.to_string(),
                csv_num(x.mle.point),
                csv_opt(x.mle.ci95.map(|c| c[0])),
                csv_opt(x.mle.ci95.map(|c| c[1])),
                csv_opt(x.summin_sampler),
                opt_b(x.covered_sampler),
                csv_opt(x.summin_heldout),
                opt_b(x.covered_heldout),
            ])?;
        }
    }
    t.finish()
}

fn lab_iid_positions(s: &super::model::lab_iid::LabIidSection) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "draft",
        "target",
        "gamma",
        "iterations",
        "acceptance_by_position",
        "acceptance_positions_2_to_gamma",
        "first_lower",
        "lr_chi2_first_vs_later",
        "lr_p_first_vs_later",
        "alpha_mle",
        "tokens_per_iteration_measured",
        "tokens_per_iteration_iid",
    ])?;
    for x in &s.runs {
        t.row(&[
            x.draft.clone(),
            x.target.clone(),
            x.gamma.to_string(),
            x.iterations.to_string(),
            x.by_position
                .iter()
                .map(|p| csv_opt(*p))
                .collect::<Vec<_>>()
                .join(";"),
            csv_opt(x.later),
            x.first_lower.to_string(),
            csv_num(x.lr_first_vs_later[0]),
            csv_num(x.lr_first_vs_later[1]),
            csv_num(x.alpha_mle),
            csv_num(x.tokens_per_iter),
            csv_num(x.tokens_per_iter_iid),
        ])?;
    }
    t.finish()
}

fn lab_iid_gamma(s: &super::model::lab_iid::LabIidSection) -> Result<String, SdslError> {
    let mut t = CsvTable::new(&[
        "draft",
        "target",
        "gamma",
        "alpha",
        "alpha_ci95_lower",
        "alpha_ci95_upper",
        "alpha_pooled",
        "lr_chi2_one_alpha",
        "lr_df",
        "lr_p",
        "cost_ratio_non_embedding",
        "cost_ratio_all_flops",
        "best_gamma_non_embedding",
        "speedup_non_embedding",
        "best_gamma_all_flops",
        "speedup_all_flops",
        "measured_best_gamma",
    ])?;
    for p in &s.pairs {
        for (g, i) in &p.alpha_by_gamma {
            t.row(&[
                p.draft.clone(),
                p.target.clone(),
                g.to_string(),
                csv_num(i.point),
                csv_opt(i.ci95.map(|c| c[0])),
                csv_opt(i.ci95.map(|c| c[1])),
                csv_num(p.alpha_pooled),
                csv_num(p.lr[0]),
                csv_num(p.lr[1]),
                csv_num(p.lr[2]),
                csv_num(p.cost_ratio[0]),
                csv_num(p.cost_ratio[1]),
                p.best_gamma[0].to_string(),
                csv_num(p.speedup[0]),
                p.best_gamma[1].to_string(),
                csv_num(p.speedup[1]),
                p.measured_best_gamma.to_string(),
            ])?;
        }
    }
    t.finish()
}
