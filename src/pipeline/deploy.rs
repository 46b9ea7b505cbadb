//! The report's decision sections: "What to deploy" (N* and the best
//! available draft per target × cost model × draft family, the numbers
//! `sdsl predict` prints with the refit's laws) and "Serving plans" (one
//! `sdsl plan` per target × GPU profile over batch sizes).
//!
//! A row is computed as `predict` computes its record
//! (`crate::query::predict`, which this layer cannot name): N* from
//! [`NStarSetup::for_pair`]; each real draft of the family smaller than the
//! target evaluated at its size, and under a latency model priced on the
//! table's measured times where it has both models
//! ([`LatencyProfile::price_pair_capped`]); the best draft is the one with
//! the highest S (measured S under a latency model, else S* at the
//! continuous γ*, else S at the best integer γ) among those with S > 1.
//! `tests/it/deploy.rs` checks every row on the page against the binary.
//! The N* interval of a row on the page is the 95% percentile interval over
//! the same bootstrap draws of the laws as the N* table's.

use super::inputs::Inputs;
use super::{Ledger, NstarStage};
use crate::catalog::plan::{Drafts, PlanQuery, plan_with_laws};
use crate::derive::nstar::NStarSetup;
use crate::derive::uncertainty::{Cell, LawDraw, interval, propagate_cells};
use crate::error::SdslError;
use crate::fit::latency::LatencyProfile;
use crate::ingest::laws::Loaded;
use crate::ingest::registry::{DraftFamily, Model};
use crate::law::throughput::DEFAULT_MAX_GAMMA;
use crate::law::{AlphaLaw, CostModel, LossLaw};
use crate::report::model::deploy::{DeployRow, DeploySection, ServingPlan, ServingSection};

/// Where the refit writes its laws, relative to the report directory (the
/// files `sdsl predict --loss-law/--alpha-law` read back).
pub const LOSS_LAW_FILE: &str = "laws/loss.json";
/// See [`LOSS_LAW_FILE`].
pub const ALPHA_LAW_FILE: &str = "laws/alpha.json";

/// One cost model of the table.
struct Column<'a> {
    spec: String,
    cost: CostModel,
    profile: Option<&'a LatencyProfile>,
    /// The fp8-weights twin of a bf16 roofline model.
    fp8: Option<(String, CostModel, &'a LatencyProfile)>,
}

/// The families of a target in table order: its own family first where it
/// has a draft smaller than the target, then the others; with the flag
/// "different tokenizer" and whether the row is on the page.
fn families_of<'a>(t: &Model, fams: &'a [DraftFamily]) -> Vec<(&'a DraftFamily, bool, bool)> {
    let own = fams
        .iter()
        .find(|f| f.name == t.family && f.drafts.iter().any(|d| d.params < t.params));
    let mut out = Vec::new();
    if let Some(o) = own {
        out.push((o, false, true));
    }
    for f in fams {
        if own.is_some_and(|o| o.name == f.name) {
            continue;
        }
        out.push((f, true, own.is_none()));
    }
    out
}

/// One row: N* under `cost`, the family's best real draft, and the memory
/// check, as `sdsl predict` computes them.
#[allow(clippy::too_many_arguments)]
fn row(
    t: &Model,
    f: &DraftFamily,
    (different_tokenizer, on_page): (bool, bool),
    spec: &str,
    cost: CostModel,
    profile: Option<&LatencyProfile>,
    (loss, alpha): (&LossLaw, &AlphaLaw),
    ledger: &mut Ledger,
) -> DeployRow {
    let setup = NStarSetup::for_pair(t, f, loss, alpha, cost);
    let r = setup.clone().validated().and_then(|s| s.solve());
    if let Err(e) = &r {
        ledger.warn_once(format!(
            "what to deploy, {spec}: N* for {} with {} drafts: {e}",
            t.name, f.name
        ));
    }
    let r = r.ok();
    // the family's drafts, priced as `predict` prices them
    let cap = cost.max_gamma().unwrap_or(DEFAULT_MAX_GAMMA);
    // (draft, S, γ, priced on measured times, c as priced, c of the law)
    type Priced<'m> = (&'m Model, f64, u64, bool, f64, f64);
    let drafts: Vec<Priced> = f
        .drafts
        .iter()
        .filter(|d| d.params < t.params)
        .map(|d| {
            let e = setup.evaluate(d.params);
            match profile {
                Some(p) => {
                    let m =
                        p.price_pair_capped(e.alpha, (&d.arch, d.params), (&t.arch, t.params), cap);
                    (
                        d,
                        m.speedup,
                        m.gamma,
                        m.draft_measured && m.target_measured,
                        m.cost_ratio,
                        e.cost_ratio,
                    )
                }
                None => {
                    let o = &e.optimum;
                    let rank = if o.speedup_star.is_nan() {
                        o.speedup_star_int
                    } else {
                        o.speedup_star
                    };
                    (d, rank, o.gamma_star_int, false, e.cost_ratio, e.cost_ratio)
                }
            }
        })
        .collect();
    let best = drafts
        .iter()
        .filter(|d| d.1 > 1.0)
        .max_by(|x, y| x.1.total_cmp(&y.1));
    // the reported S of the best draft: at its best integer γ
    let best_speedup = best.map(|b| match profile {
        Some(_) => b.1,
        None => setup.evaluate(b.0.params).optimum.speedup_star_int,
    });
    let speedup_at_n_star = r.as_ref().map(|r| r.speedup_int);
    let fits_memory = match (profile, &r) {
        (Some(p), Some(r)) => p
            .memory_need((&t.arch, t.params), ("", r.n_star))
            .map(|m| m.fits),
        _ => None,
    };
    DeployRow {
        target: t.name.clone(),
        target_params: t.params,
        draft_family: f.name.clone(),
        different_tokenizer,
        on_page,
        cost_model: spec.to_string(),
        weights: profile.and_then(|p| p.roofline.is_some().then(|| p.weight_format().to_string())),
        fits_memory,
        n_star: r.as_ref().map(|r| r.n_star),
        n_star_ci95: None,
        gamma: r.as_ref().map(|r| r.gamma_star_int),
        speedup_at_n_star,
        best_draft: best.map(|b| b.0.name.clone()),
        best_draft_params: best.map(|b| b.0.params),
        best_draft_gamma: best.map(|b| b.2),
        best_draft_speedup: best_speedup,
        best_draft_priced: best.map(|b| {
            match (b.3, profile.is_some_and(|p| p.roofline.is_some())) {
                // a roofline profile prices known shapes, it measures nothing
                (true, true) => "roofline",
                (true, false) => "measured",
                _ => "law",
            }
            .to_string()
        }),
        best_draft_cost_ratio: best.map(|b| b.4),
        best_draft_law_cost_ratio: best.map(|b| b.5),
        real_draft_beats_n_star: matches!(
            (best_speedup, speedup_at_n_star),
            (Some(b), Some(s)) if b > s
        ),
    }
}

/// "What to deploy": every N* target × cost model (the N* table's FLOP
/// model, `[hardware] cost_models`, `deploy_catalogue`) × draft family,
/// with N* intervals over `draws` for the rows on the page. None without
/// a `[hardware]` section.
pub fn deploy_stage(
    inputs: &Inputs,
    nstar: &NstarStage,
    (loss, alpha): (&LossLaw, &AlphaLaw),
    draws: &[LawDraw],
    ledger: &mut Ledger,
) -> Result<Option<DeploySection>, SdslError> {
    let hw = &inputs.hardware;
    if hw.models.is_empty() && hw.catalogue.is_empty() {
        return Ok(None);
    }
    let mut cols = vec![Column {
        spec: inputs.nstar.cost_model.to_string(),
        cost: inputs.nstar.cost_model,
        profile: None,
        fp8: None,
    }];
    for r in hw.models.iter().chain(&hw.catalogue) {
        cols.push(Column {
            spec: r.spec.clone(),
            cost: r.cost,
            profile: Some(&r.profile),
            fp8: hw
                .catalogue_fp8
                .iter()
                .find(|(base, _)| *base == r.spec)
                .map(|(_, x)| (x.spec.clone(), x.cost, &x.profile)),
        });
    }
    let mut rows: Vec<DeployRow> = Vec::new();
    for t in &nstar.targets {
        for col in &cols {
            for (f, diff, page) in families_of(t, &nstar.families) {
                let x = row(
                    t,
                    f,
                    (diff, page),
                    &col.spec,
                    col.cost,
                    col.profile,
                    (loss, alpha),
                    ledger,
                );
                let too_big = x.fits_memory == Some(false);
                rows.push(x);
                if let (true, Some((spec, cost, p))) = (too_big, &col.fp8) {
                    rows.push(row(
                        t,
                        f,
                        (diff, page),
                        spec,
                        *cost,
                        Some(p),
                        (loss, alpha),
                        ledger,
                    ));
                }
            }
        }
    }
    // intervals of the page's rows: the N* table's for the FLOP model, the
    // same draws carried through each latency model otherwise
    let flop = inputs.nstar.cost_model.to_string();
    for x in rows
        .iter_mut()
        .filter(|x| x.on_page && x.cost_model == flop)
    {
        x.n_star_ci95 = nstar
            .cells
            .iter()
            .find(|c| c.target == x.target && c.draft_family == x.draft_family)
            .and_then(|c| c.n_star_draws)
            .and_then(|d| d.interval.ci95);
    }
    let mut specs: Vec<(String, CostModel)> = Vec::new();
    for col in &cols[1..] {
        specs.push((col.spec.clone(), col.cost));
        if let Some((s, c, _)) = &col.fp8 {
            specs.push((s.clone(), *c));
        }
    }
    for (spec, cost) in specs {
        let idx: Vec<usize> = (0..rows.len())
            .filter(|&i| rows[i].on_page && rows[i].cost_model == spec && rows[i].n_star.is_some())
            .collect();
        let cells: Vec<Cell> = idx
            .iter()
            .map(|&i| {
                let x = &rows[i];
                let t = nstar.targets.iter().find(|t| t.name == x.target);
                let f = nstar.families.iter().find(|f| f.name == x.draft_family);
                Cell {
                    m: x.target_params,
                    dt: t.map_or(f64::NAN, |t| t.tokens),
                    dd: f.map_or(f64::NAN, |f| f.tokens),
                }
            })
            .collect();
        let hints: Vec<Option<f64>> = idx.iter().map(|&i| rows[i].n_star).collect();
        let vals = propagate_cells(draws, &cells, cost, &hints);
        for (k, &i) in idx.iter().enumerate() {
            let point = rows[i].n_star.unwrap_or(f64::NAN);
            rows[i].n_star_ci95 = interval(point, &vals[k]).interval.ci95;
        }
    }
    Ok(Some(DeploySection {
        cost_models: cols.iter().map(|c| c.spec.clone()).collect(),
        draws: draws.len(),
        rows,
    }))
}

/// What a hardware profile's times come from (said next to each plan).
fn calibration(hw: &str) -> String {
    let hw = hw.trim_start_matches("latency:");
    if let Some(gpu) = hw.strip_prefix("roofline:") {
        let gpu = gpu.split(':').next().unwrap_or(gpu);
        format!(
            "roofline on the catalogue's datasheet figures for `{gpu}` (datasets/hardware/gpus.csv), with t0, η_bw, η_fl calibrated on the measured H200 tables (plain PyTorch decode loop): assumes that loop's efficiency on the other GPU"
        )
    } else if hw.starts_with("h200-") {
        "measured H200 tables (plain PyTorch decode loop; batch 1 and batched, linear in ln b between measured batches)".to_string()
    } else {
        format!("the latency table or profile `{hw}`")
    }
}

/// For a plan without a recommendation (no draft fits the device at every
/// batch, nor with fp8 weights where the plan has an fp8 twin): the
/// hardware to re-plan (the fp8 twin's when there is one) and the planned
/// batches up to the largest B where some draft fits at every batch ≤ B;
/// None when the plan has a recommendation or nothing fits at batch 1.
fn fitting_batches(
    plan: &crate::catalog::plan::PlanOut,
    batches: &[u64],
) -> Option<(String, Vec<u64>)> {
    if plan.recommendation.draft.is_some() {
        return None;
    }
    let base = match plan.fp8_plan.as_deref() {
        Some(f) if f.recommendation.draft.is_some() => return None,
        Some(f) => f,
        None => plan,
    };
    let fits = |d: &str, b: u64| {
        base.rows
            .iter()
            .any(|r| r.draft == d && r.batch == b && r.fits_memory != Some(false))
    };
    let drafts = crate::fit::distinct(base.rows.iter().map(|r| r.draft.as_str()));
    let cap = drafts
        .iter()
        .filter_map(|d| batches.iter().take_while(|&&b| fits(d, b)).last().copied())
        .max()?;
    Some((
        base.hardware.clone(),
        batches.iter().copied().filter(|&b| b <= cap).collect(),
    ))
}

/// "Serving plans": `sdsl plan` for each `[hardware.serving]` target ×
/// hardware profile over its batches (equal weights), with the refit's
/// laws; the drafts are the target's own family, else every family's
/// drafts smaller than the target (a different tokenizer). None without
/// `[hardware.serving]`.
pub fn serving_stage(
    inputs: &Inputs,
    nstar: &NstarStage,
    (loss, alpha): (&LossLaw, &AlphaLaw),
) -> Result<Option<ServingSection>, SdslError> {
    let Some(s) = &inputs.hardware.serving else {
        return Ok(None);
    };
    let loss = Loaded {
        law: loss.clone(),
        id: LOSS_LAW_FILE.to_string(),
        source: "the refit's loss law".into(),
        path: LOSS_LAW_FILE.to_string(),
        sha256: String::new(),
        stats: Default::default(),
    };
    let alpha = Loaded {
        law: alpha.clone(),
        id: ALPHA_LAW_FILE.to_string(),
        source: "the refit's acceptance law".into(),
        path: ALPHA_LAW_FILE.to_string(),
        sha256: String::new(),
        stats: Default::default(),
    };
    let mut plans = Vec::new();
    for t in &s.targets {
        let own = nstar
            .families
            .iter()
            .find(|f| f.name == t.family && f.drafts.iter().any(|d| d.params < t.params));
        let (drafts, label) = match own {
            Some(f) => (Drafts::Family(f.name.clone()), f.name.clone()),
            None => {
                let mut names: Vec<String> = Vec::new();
                for d in nstar.families.iter().flat_map(|f| &f.drafts) {
                    if d.params < t.params && !names.contains(&d.name) {
                        names.push(d.name.clone());
                    }
                }
                let fams: Vec<&str> = nstar.families.iter().map(|f| f.name.as_str()).collect();
                (Drafts::Named(names), fams.join(", "))
            }
        };
        for hw in &s.hardware {
            let q = PlanQuery {
                target: Some(t.name.clone()),
                target_params: None,
                target_tokens: None,
                drafts: drafts.clone(),
                hardware: hw.clone(),
                batches: s.batches.clone(),
                batch_mix: None,
                max_gamma: DEFAULT_MAX_GAMMA,
                measured_alpha: None,
            };
            let plan = plan_with_laws(&q, &inputs.registry, &loss, &alpha)
                .map_err(|e| SdslError::setting("hardware.serving", e))?;
            let fitting_plan = match fitting_batches(&plan, &s.batches) {
                Some((hardware, batches)) => Some(
                    plan_with_laws(
                        &PlanQuery {
                            hardware,
                            batches,
                            ..q.clone()
                        },
                        &inputs.registry,
                        &loss,
                        &alpha,
                    )
                    .map_err(|e| SdslError::setting("hardware.serving", e))?,
                ),
                None => None,
            };
            plans.push(ServingPlan {
                target: t.name.clone(),
                drafts: label.clone(),
                different_tokenizer: own.is_none(),
                hardware: hw.clone(),
                calibration: calibration(hw),
                plan,
                fitting_plan,
            });
        }
    }
    Ok(Some(ServingSection {
        batches: s.batches.clone(),
        plans,
    }))
}
