//! The validation stage: every independent measurement of the manifest's
//! `[validation]` section next to each applicable model's prediction
//! (docs/validation.md). Nothing here is fitted to these
//! measurements: they say where the laws hold and where they fail.
//!
//! Models (names as in docs/validation.md):
//! - `thm38-printed-c`: Leviathan et al.'s Theorem 3.8,
//!   S = (1 − α^(γ+1))/((1 − α)(γc + 1)), at the source's own α, γ, c;
//! - `sdsl-flops`: the same formula with the measured α and SDSL's c = N/M
//!   (one pass costs 2·params FLOPs, verification of γ + 1 tokens costs one
//!   target pass);
//! - `sdsl-law`: α from the laws (loss law → perplexities → α law), c = N/M;
//! - `latency-h200-graph`, `latency-h200-eager`: the measured α with the H200
//!   latency model (docs/latency.md): S = E(α, γ)/(γ·c + v(γ + 1)), c and v from the
//!   toolkit's fitted affine law t = t0 + k·P and verification lines, or the
//!   measured times of a real pair where the table has them.
//!
//! Errors are (predicted − measured)/measured; summaries are per (source,
//! quantity, model).
//!
//! One file per source (below); the shared helpers (row construction,
//! grouping, choices, checks, summaries) live here and the sources never
//! call each other.

pub mod appendix_f;
mod chen;
mod cost_ratios;
mod h200_walltime;
mod hf_blog;
pub mod lab;
mod leviathan;
pub mod nemo;
pub mod opt_wikitext2;
pub mod runs;

use super::Ledger;
use super::config::validation::ValidationInput;
use super::inputs::{Inputs, ValidationInputs};
use crate::error::SdslError;
use crate::fit::interval::{Interval, IntervalMethod};
use crate::fit::latency::LatencyProfile;
use crate::ingest::registry::Registry;
use crate::ingest::validation::{self as iv, Sourced};
use crate::law::{AlphaLaw, LossLaw};
use crate::report::model::validation::{
    Agreement, SourceDescription, TauSummary, ValidationCheck, ValidationRow, ValidationSection,
    ValidationSummary,
};
use std::collections::BTreeMap;

/// Everything a validation computation needs besides the tables.
pub struct ValidationContext<'a> {
    /// The loss law (the refit's point law).
    pub loss: &'a LossLaw,
    /// The acceptance law N* uses.
    pub alpha: &'a AlphaLaw,
    /// The registry (OPT sizes and tokens).
    pub registry: &'a Registry,
    /// `latency:h200-graph` (batch 1, ctx 512).
    pub graph: &'a LatencyProfile,
    /// `latency:h200-eager` (batch 1, ctx 512).
    pub eager: &'a LatencyProfile,
    /// The NeMo check's latency model (H200 graph at batch 8).
    pub nemo: &'a LatencyProfile,
}

/// A validation row with its identity set and everything else empty.
pub(super) fn row(
    source: &str,
    quantity: &str,
    setting: String,
    draft: &str,
    target: &str,
) -> ValidationRow {
    ValidationRow {
        source: source.into(),
        quantity: quantity.into(),
        setting,
        draft: draft.into(),
        target: target.into(),
        gamma: None,
        measured: None,
        predicted: BTreeMap::new(),
        published: None,
        predicted_range: BTreeMap::new(),
        chosen: BTreeMap::new(),
        best_gamma: BTreeMap::new(),
        measured_best: None,
        note: None,
    }
}

/// The index of the largest finite value (first on ties).
fn argmax(v: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, x) in v.iter().enumerate() {
        if x.is_finite() && best.is_none_or(|b| *x > v[b]) {
            best = Some(i);
        }
    }
    best
}

/// Marks, within each group of row indices, the measured best and each
/// model's choice (the largest measured / predicted value), labelled by
/// `label(row)`.
pub(super) fn mark_choices(
    rows: &mut [ValidationRow],
    groups: &[Vec<usize>],
    models: &[&str],
    label: impl Fn(&ValidationRow) -> String,
) {
    for g in groups {
        let meas: Vec<f64> = g
            .iter()
            .map(|&i| rows[i].measured.unwrap_or(f64::NAN))
            .collect();
        let best = argmax(&meas).map(|k| label(&rows[g[k]]));
        let picks: Vec<(String, Option<String>)> = models
            .iter()
            .map(|m| {
                let p: Vec<f64> = g
                    .iter()
                    .map(|&i| {
                        rows[i]
                            .predicted
                            .get(*m)
                            .copied()
                            .flatten()
                            .unwrap_or(f64::NAN)
                    })
                    .collect();
                (m.to_string(), argmax(&p).map(|k| label(&rows[g[k]])))
            })
            .collect();
        for &i in g {
            rows[i].measured_best = best.clone();
            for (m, p) in &picks {
                if let Some(p) = p {
                    rows[i].chosen.insert(m.clone(), p.clone());
                }
            }
        }
    }
}

/// Groups row indices by a key, in first-appearance order.
pub(super) fn group_by(
    rows: &[ValidationRow],
    from: usize,
    key: impl Fn(&ValidationRow) -> String,
) -> Vec<Vec<usize>> {
    let mut keys: Vec<String> = Vec::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, r) in rows.iter().enumerate().skip(from) {
        let k = key(r);
        match keys.iter().position(|x| *x == k) {
            Some(j) => groups[j].push(i),
            None => {
                keys.push(k);
                groups.push(vec![i]);
            }
        }
    }
    groups
}

/// A check record from per-item errors.
fn check(
    source: &str,
    what: &str,
    error: &str,
    items: BTreeMap<String, f64>,
    tolerance: Option<f64>,
) -> ValidationCheck {
    let n = items.len();
    let abs: Vec<f64> = items.values().map(|e| e.abs()).collect();
    let max = abs.iter().cloned().fold(0.0, f64::max);
    let mean = abs.iter().sum::<f64>() / n.max(1) as f64;
    ValidationCheck {
        source: source.into(),
        what: what.into(),
        n,
        error: error.into(),
        mean_abs_error: mean,
        max_abs_error: max,
        tolerance,
        passes: tolerance.map(|t| max <= t),
        items,
    }
}

/// The α range of real LLM pairs in the bundled measurements (Leviathan's
/// T5 rows and the NeMo α's used): the range the models are given where a
/// source reports no α.
fn alpha_range(rows: &[ValidationRow], lev: &Sourced<iv::LeviathanRow>) -> [f64; 2] {
    let nemo = rows
        .iter()
        .filter(|r| r.source == "nemo-qwen3" && r.quantity == "alpha")
        .filter_map(|r| r.measured);
    lev.rows
        .iter()
        .map(|r| r.alpha)
        .chain(nemo)
        .fold([f64::INFINITY, f64::NEG_INFINITY], |[a, b], x| {
            [a.min(x), b.max(x)]
        })
}

/// The validation section: every source's rows, the checks and the
/// summaries, on the tables [`crate::pipeline::load`] read.
pub fn validation_stage(
    v: &ValidationInputs,
    lab_runs: Option<&Sourced<iv::LabRunRow>>,
    cx: &ValidationContext,
) -> Result<ValidationSection, SdslError> {
    let mut s = ValidationSection {
        sources: v.sources.clone(),
        ..ValidationSection::default()
    };
    let lev = &v.leviathan;
    leviathan::leviathan(lev, v.leviathan_alpha.rows[0], &mut s.rows, &mut s.checks);
    nemo::nemo(&v.nemo, &v.settings, cx, &mut s.rows, &mut s.notes)?;
    h200_walltime::walltime(&v.walltime, cx.graph, &mut s.rows, &mut s.checks);
    cost_ratios::cost_ratios(&v.cost_ratios, &mut s.rows);
    let chen_c = v
        .cost_ratios
        .rows
        .iter()
        .find(|r| r.source.starts_with("Chen"))
        .map(|r| r.c);
    let arange = alpha_range(&s.rows, lev);
    chen::chen(&v.chen, chen_c, arange, &mut s.rows);
    hf_blog::hf(&v.hf_blog, arange, &mut s.rows);
    appendix_f::appendix_f(&v.appendix_f, cx, &mut s.rows, &mut s.notes)?;
    s.checks.push(opt_wikitext2::opt_ppl(&v.opt_ppl, cx)?);
    s.ppl_scale = opt_wikitext2::ppl_scale(&v.opt_ppl, cx);
    if let Some(runs) = lab_runs {
        lab::lab(runs, &mut s.rows);
    }
    if let Some(r) = &v.runs {
        runs::runs(r, cx, &mut s.rows, &mut s.notes)?;
    }
    s.notes.extend(notes(arange));
    s.summary = summarise(&s.rows);
    if let Some(d) = &v.descriptions {
        s.descriptions = d
            .rows
            .iter()
            .map(|r| SourceDescription {
                source: r.source.clone(),
                comparable: r.comparable.clone(),
                hardware: r.hardware.clone(),
                engine: r.engine.clone(),
                weights: r.weights.clone(),
                alpha: r.alpha.clone(),
                tests: r.tests.clone(),
                cannot_test: r.cannot_test.clone(),
            })
            .collect();
        s.headline_rule = Some(format!(
            "Failures are ranked by MAPE, each model's largest over the sources `{}` marks `values` (the same quantity measured as predicted, on stated hardware at a stated γ); `rank` sources (Appendix F: another GPU, γ unknown) enter only through the order of drafts (Kendall τ-b), `range` sources and `check`s not at all.",
            d.path
        ));
    }
    Ok(s)
}

fn notes(arange: [f64; 2]) -> Vec<String> {
    vec![
        format!(
            "Where a source reports no α (Chen et al., the Hugging Face posts), each model gives the range of S over α ∈ [{:.3}, {:.3}], the acceptance rates of real LLM pairs measured in the bundled sources (Leviathan's T5 rows and the NeMo sweep).",
            arange[0], arange[1]
        ),
        "Errors are (predicted − measured)/measured; MAPE and the mean signed error are fractions. Ranks have no MAPE.".into(),
        "Not modelled by any model here: the draft's catch-up pass when all γ tokens are accepted, sampling and rejection overhead, tokenizer round trips across vocabularies, batching and serving-engine overheads.".into(),
    ]
}

/// Per (source, quantity, model): MAPE and mean signed error over the rows
/// with both values (t interval on the mean signed error over rows), the
/// choice agreement over settings, and the share of measured values inside
/// a model's range.
pub fn summarise(rows: &[ValidationRow]) -> Vec<ValidationSummary> {
    let keys = crate::fit::distinct(rows.iter().flat_map(|r| {
        r.predicted
            .keys()
            .chain(r.predicted_range.keys())
            .map(|m| (r.source.clone(), r.quantity.clone(), m.clone()))
    }));
    keys.into_iter()
        .map(|(source, quantity, model)| {
            let sel: Vec<&ValidationRow> = rows
                .iter()
                .filter(|r| r.source == source && r.quantity == quantity)
                .collect();
            summary_of(&sel, source, quantity, model)
        })
        .collect()
}

fn summary_of(
    sel: &[&ValidationRow],
    source: String,
    quantity: String,
    model: String,
) -> ValidationSummary {
    let errs: Vec<f64> = sel
        .iter()
        .filter_map(|r| Some((r.measured?, r.predicted.get(&model).copied()??)))
        .filter(|(m, p)| m.is_finite() && p.is_finite() && *m != 0.0)
        .map(|(m, p)| (p - m) / m)
        .collect();
    let n = errs.len();
    let is_rank = quantity == "rank";
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (mape, mse) = if n == 0 || is_rank {
        (None, None)
    } else {
        let abs: Vec<f64> = errs.iter().map(|e| e.abs()).collect();
        (Some(mean(&abs)), Some(mean(&errs)))
    };
    let mse_int = mse.filter(|_| n >= 2).map(|m| {
        let sd = (errs.iter().map(|e| (e - m).powi(2)).sum::<f64>() / (n as f64 - 1.0)).sqrt();
        let se = sd / (n as f64).sqrt();
        let t = crate::fit::t975(n as f64 - 1.0);
        Interval::new(
            m,
            Some(se),
            Some([m - t * se, m + t * se]),
            IntervalMethod::T,
        )
    });
    // a choice of γ (labels "γ=…") is made per pair and setting, a choice
    // of draft per setting
    let mut settings: Vec<(String, bool)> = Vec::new();
    for r in sel {
        let (Some(c), Some(b)) = (r.chosen.get(&model), &r.measured_best) else {
            continue;
        };
        let key = if c.starts_with("γ=") {
            format!("{} {} {}", r.setting, r.draft, r.target)
        } else {
            r.setting.clone()
        };
        if !settings.iter().any(|(k, _)| *k == key) {
            settings.push((key, c == b));
        }
    }
    let choice_agrees = (!settings.is_empty()).then(|| Agreement {
        agree: settings.iter().filter(|(_, a)| *a).count(),
        of: settings.len(),
    });
    let ranged: Vec<bool> = sel
        .iter()
        .filter_map(|r| {
            let [lo, hi] = *r.predicted_range.get(&model)?;
            let m = r.measured?;
            Some(lo <= m && m <= hi)
        })
        .collect();
    let within_range = (!ranged.is_empty()).then(|| Agreement {
        agree: ranged.iter().filter(|&&b| b).count(),
        of: ranged.len(),
    });
    let below: Vec<bool> = sel
        .iter()
        .filter_map(|r| Some(r.measured? < r.predicted_range.get(&model)?[0]))
        .collect();
    let below_range = (!below.is_empty()).then(|| below.iter().filter(|&&b| b).count());
    let kendall_tau = order_agreement(sel, &model);
    ValidationSummary {
        source,
        quantity,
        model,
        n,
        mape,
        mean_signed_error: mse,
        mean_signed_error_interval: mse_int,
        choice_agrees,
        within_range,
        below_range,
        kendall_tau,
    }
}

/// Kendall's τ-b of measured against predicted values within each group a
/// choice is made in (the key of the choice agreement: a setting for a
/// choice of draft, a (setting, draft, target) for a choice of γ), over the
/// groups where it is defined ([`crate::fit::kendall::tau_b`]). Ranks
/// (1 = best) are compared as they are: both orders are ranks.
fn order_agreement(sel: &[&ValidationRow], model: &str) -> Option<TauSummary> {
    let mut groups: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for r in sel {
        let (Some(c), Some(_)) = (r.chosen.get(model), &r.measured_best) else {
            continue;
        };
        let (Some(m), Some(Some(p))) = (r.measured, r.predicted.get(model).copied()) else {
            continue;
        };
        let key = if c.starts_with("γ=") {
            format!("{} {} {}", r.setting, r.draft, r.target)
        } else {
            r.setting.clone()
        };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push((m, p)),
            None => groups.push((key, vec![(m, p)])),
        }
    }
    let taus: Vec<f64> = groups
        .iter()
        .filter_map(|(_, v)| {
            let (m, p): (Vec<f64>, Vec<f64>) = v.iter().copied().unzip();
            crate::fit::kendall::tau_b(&m, &p)
        })
        .collect();
    if taus.is_empty() {
        return None;
    }
    Some(TauSummary {
        mean: taus.iter().sum::<f64>() / taus.len() as f64,
        min: taus.iter().copied().fold(f64::INFINITY, f64::min),
        max: taus.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        groups: taus.len(),
    })
}

/// The validation section from the manifest's `[validation]` inputs, with
/// the H200 latency models and the NeMo check's (resolved by
/// [`crate::pipeline::load`]), under the refit's point laws.
pub fn run(
    v: &ValidationInputs,
    inputs: &Inputs,
    loss: &LossLaw,
    alpha: &AlphaLaw,
    ledger: &mut Ledger,
) -> Result<ValidationSection, SdslError> {
    let registry = &inputs.registry;
    let (graph, eager) = (&inputs.shipped.graph, &inputs.shipped.eager);
    let nemo = &v.nemo_latency.profile;
    // names the latency tables lack: a typo is refused, any other name is
    // priced by the affine law and said so
    for r in [graph, eager] {
        if let Some(w) =
            crate::catalog::latency::check_registry_archs(&r.profile, registry, &registry.models)?
        {
            ledger.warn_once(format!("{}: {w}", r.spec));
        }
    }
    let by_law = &v.stand_ins_by_law;
    let cx = ValidationContext {
        loss,
        alpha,
        registry,
        graph: &graph.profile,
        eager: &eager.profile,
        nemo,
    };
    let lab_runs = inputs.lab.as_ref().map(|l| &l.sampler_sourced);
    for w in v.runs.iter().flat_map(|r| &r.warnings) {
        ledger.warn_once(w.clone());
    }
    let mut section = validation_stage(v, lab_runs, &cx)?;
    if !by_law.is_empty() {
        let w = format!(
            "NeMo sweep: the stand-in{} {} {} not {} of the latency table {} ({} mode, ctx {}, batch {}): {} time{} come{} from the affine law",
            if by_law.len() == 1 { "" } else { "s" },
            crate::error::capped_list(by_law, 10),
            if by_law.len() == 1 { "is" } else { "are" },
            if by_law.len() == 1 {
                "an architecture"
            } else {
                "architectures"
            },
            nemo.source.path,
            nemo.selection.mode,
            nemo.selection.ctx,
            nemo.selection.batch,
            if by_law.len() == 1 { "its" } else { "their" },
            if by_law.len() == 1 { "" } else { "s" },
            if by_law.len() == 1 { "s" } else { "" },
        );
        ledger.warnings.push(w.clone());
        section.notes.push(w);
    }
    Ok(section)
}

/// Checks the manifest's NeMo stand-ins (`[validation] nemo_stand_ins`)
/// against the table of the NeMo latency model: a name within edit distance
/// 2 of a table architecture (case-insensitive) is refused as a typo; the
/// names the table lacks otherwise are returned (quoted), to be priced by
/// the affine law.
pub(crate) fn stand_ins_by_law(
    v: &ValidationInput,
    nemo: &LatencyProfile,
) -> Result<Vec<String>, SdslError> {
    use crate::catalog::latency::{ArchName, arch_name, did_you_mean};
    let mut by_law = Vec::new();
    for (model, stand_in) in &v.nemo_stand_ins.value {
        match arch_name(nemo, stand_in) {
            ArchName::Measured => {}
            ArchName::Excluded | ArchName::Unknown => {
                let item = format!("'{}'", crate::error::clip(stand_in));
                if !by_law.contains(&item) {
                    by_law.push(item);
                }
            }
            ArchName::Typo(near) => {
                return Err(SdslError::setting(
                    &v.nemo_stand_ins.key,
                    format!(
                        "the stand-in for {}: {} Fix the name, or name an architecture the table measured",
                        crate::error::clip(model),
                        did_you_mean(nemo, stand_in, &near)
                    ),
                ));
            }
        }
    }
    Ok(by_law)
}
