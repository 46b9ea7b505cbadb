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

use super::Ledger;
use super::config::Located;
use super::config::validation::ValidationInput;
use crate::error::SdslError;
use crate::fit::interval::{Interval, IntervalMethod};
use crate::fit::latency::LatencyProfile;
use crate::ingest::registry::Registry;
use crate::ingest::validation::{self as iv, Sourced};
use crate::law::throughput::{expected_tokens, optimum, speedup, speedup_measured};
use crate::law::{AlphaLaw, LossLaw};
use crate::pipeline::RefitConfig;
use crate::report::validation_model::{
    Agreement, LATENCY_GRAPH, SDSL_FLOPS, THM38_PRINTED_C, ValidationCheck, ValidationRow,
    ValidationSection, ValidationSource, ValidationSummary,
};
use std::collections::BTreeMap;
use std::path::PathBuf;

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

/// Leviathan et al. 2023 Tables 2 + 4 (T5-XXL target on a TPU-v4): Thm 3.8
/// at the printed (α, γ, c) and at c = N/M; each model's best integer γ; the
/// draft each model picks per (task, temperature) — the one with the largest
/// S at its best γ — against the measured best. The printed column is
/// reproduced as a check (±0.07, the printing's rounding of α and c).
fn leviathan(
    t: &Sourced<iv::LeviathanRow>,
    target_params: f64,
    out: &mut Vec<ValidationRow>,
    checks: &mut Vec<ValidationCheck>,
) {
    let from = out.len();
    let mut diffs = BTreeMap::new();
    for r in &t.rows {
        let setting = format!("{} T={}", r.task, r.temperature);
        let c_flops = r.draft_params / target_params;
        let mut v = row(
            "leviathan2023",
            "speedup",
            setting.clone(),
            &r.draft,
            "T5-XXL",
        );
        v.gamma = Some(r.gamma);
        v.measured = Some(r.measured);
        v.published = Some(r.printed);
        let g = r.gamma as f64;
        let s_printed = speedup(r.alpha, g, r.c);
        v.predicted.insert(THM38_PRINTED_C.into(), Some(s_printed));
        v.predicted
            .insert(SDSL_FLOPS.into(), Some(speedup(r.alpha, g, c_flops)));
        for (m, c) in [(THM38_PRINTED_C, r.c), (SDSL_FLOPS, c_flops)] {
            v.best_gamma
                .insert(m.into(), optimum(r.alpha, c).gamma_star_int);
        }
        if r.best {
            v.measured_best = Some(r.draft.clone());
        }
        diffs.insert(format!("{setting} {}", r.draft), s_printed - r.printed);
        out.push(v);
    }
    // draft choice per setting: S at each model's best integer γ
    let groups = group_by(out, from, |r| r.setting.clone());
    for g in &groups {
        for (m, c_of) in [
            (
                THM38_PRINTED_C,
                &(|r: &iv::LeviathanRow| r.c) as &dyn Fn(&iv::LeviathanRow) -> f64,
            ),
            (SDSL_FLOPS, &|r: &iv::LeviathanRow| {
                r.draft_params / target_params
            }),
        ] {
            let s: Vec<f64> = g
                .iter()
                .map(|&i| {
                    let r = &t.rows[i - from];
                    optimum(r.alpha, c_of(r)).speedup_star_int
                })
                .collect();
            if let Some(k) = argmax(&s) {
                let pick = out[g[k]].draft.clone();
                for &i in g {
                    out[i].chosen.insert(m.into(), pick.clone());
                }
            }
        }
        let best = g.iter().find_map(|&i| out[i].measured_best.clone());
        for &i in g {
            out[i].measured_best = best.clone();
        }
    }
    checks.push(check(
        "leviathan2023",
        "Thm 3.8 recomputed at the printed (α, γ, c) against the paper's printed column",
        "absolute",
        diffs,
        Some(0.07),
    ));
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

/// The H200 wall-clock runs at controlled α: S and ms per token predicted
/// with c = N/M (`sdsl-flops`) and with the toolkit's fitted H200 graph law
/// and v (`latency-h200-graph`; not the run's own times); the best γ per
/// (pair, α) against the measured best. The formula on each run's own
/// single-pass times and realised tokens per iteration,
/// S = τ·t_M(1)/(γ·t_N(1) + t_M(γ+1)), is checked within 1%.
fn walltime(
    t: &Sourced<iv::WalltimeRow>,
    graph: &LatencyProfile,
    out: &mut Vec<ValidationRow>,
    checks: &mut Vec<ValidationCheck>,
) {
    let from = out.len();
    let mut own = BTreeMap::new();
    let mut ms_rows = Vec::new();
    for r in &t.rows {
        let setting = format!("α={}", r.alpha);
        let g = r.gamma as f64;
        let mut v = row(
            "h200-walltime",
            "speedup",
            setting.clone(),
            &r.draft,
            &r.target,
        );
        v.gamma = Some(r.gamma);
        v.measured = Some(r.speedup);
        v.predicted.insert(
            SDSL_FLOPS.into(),
            Some(speedup(r.alpha, g, r.draft_params / r.target_params)),
        );
        let c = graph.cost_ratio(r.draft_params, r.target_params);
        let vq = graph.verify_ratio(r.target_params, g + 1.0).map(|e| e.v);
        let s_lat = vq.map(|vq| speedup_measured(r.alpha, g, c, vq));
        v.predicted.insert(LATENCY_GRAPH.into(), s_lat);
        let mut m = row(
            "h200-walltime",
            "ms_per_token",
            setting,
            &r.draft,
            &r.target,
        );
        m.gamma = Some(r.gamma);
        m.measured = Some(r.spec_ms_per_token);
        let tm = graph.time_ms(r.target_params);
        m.predicted.insert(
            LATENCY_GRAPH.into(),
            vq.map(|vq| (g * c + vq) * tm / expected_tokens(r.alpha, g)),
        );
        ms_rows.push(m);
        let s_own = r.realized_tokens_per_iter * r.t_target_ms / (g * r.t_draft_ms + r.t_verify_ms);
        own.insert(
            format!("{}→{} α={} γ={}", r.draft, r.target, r.alpha, r.gamma),
            (s_own - r.speedup) / r.speedup,
        );
        out.push(v);
    }
    let groups = group_by(out, from, |r| {
        format!("{} {} {}", r.draft, r.target, r.setting)
    });
    mark_choices(out, &groups, &[SDSL_FLOPS, LATENCY_GRAPH], |r| {
        format!("γ={}", r.gamma.unwrap_or(0))
    });
    out.extend(ms_rows);
    checks.push(check(
        "h200-walltime",
        "S = τ·t_M(1)/(γ·t_N(1) + t_M(γ+1)) on each run's own single-pass times and realised tokens per iteration τ, against the measured speed-up (a check of the implementation)",
        "relative",
        own,
        Some(0.01),
    ));
}

/// Published cost ratios c against SDSL's c = N/M (nominal sizes read from
/// the model names).
fn cost_ratios(t: &Sourced<iv::CostRatioRow>, out: &mut Vec<ValidationRow>) {
    for r in &t.rows {
        let mut v = row(
            "published-c",
            "cost_ratio",
            format!("{} ({})", r.source, r.hardware),
            &r.draft,
            &r.target,
        );
        v.measured = Some(r.c);
        let nm = match (iv::params_in_name(&r.draft), iv::params_in_name(&r.target)) {
            (Some(n), Some(m)) => Some(n / m),
            _ => None,
        };
        v.predicted.insert(SDSL_FLOPS.into(), nm);
        if r.status != "VERBATIM" {
            v.note = Some(format!("c {}", r.status.to_lowercase()));
        }
        out.push(v);
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

/// Chen et al. 2023 (Chinchilla 70B, 4B draft, K = 4): no α published, so
/// each model gives the range of S at K over the α range of real pairs,
/// with c = Chen's own (published) ratio and with c = N/M; the α each
/// model needs to reach the measured speed-up goes in the note.
fn chen(
    t: &Sourced<iv::ChenRow>,
    published_c: Option<f64>,
    arange: [f64; 2],
    out: &mut Vec<ValidationRow>,
) {
    let nm = 4e9 / 70e9;
    for r in t.rows.iter().filter(|r| r.method == "SpS") {
        let Some(k) = r.k else { continue };
        let mut v = row(
            "chen2023",
            "speedup",
            format!("{} {}", r.benchmark, r.sampling),
            "4B (8-layer)",
            "Chinchilla 70B",
        );
        v.gamma = Some(k as u64);
        v.measured = Some(r.speedup);
        let mut notes = Vec::new();
        for (m, c) in [(THM38_PRINTED_C, published_c), (SDSL_FLOPS, Some(nm))] {
            let Some(c) = c else { continue };
            v.predicted_range.insert(
                m.into(),
                [speedup(arange[0], k, c), speedup(arange[1], k, c)],
            );
            let need = implied_alpha(r.speedup, k, c);
            notes.push(format!(
                "{m} needs α = {}",
                need.map_or("— (unreachable)".into(), |a| format!("{a:.3}"))
            ));
        }
        v.note = Some(notes.join("; "));
        out.push(v);
    }
}

/// α with S(α, γ, c) = s (bisection; S is increasing in α), None when s is
/// outside (S(0), S(1⁻)).
fn implied_alpha(s: f64, gamma: f64, c: f64) -> Option<f64> {
    let f = |a: f64| speedup(a, gamma, c) - s;
    let (mut lo, mut hi) = (1e-9, 1.0 - 1e-9);
    if f(lo) > 0.0 || f(hi) < 0.0 {
        return None;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if f(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

/// Hugging Face assisted generation (no α): the measured speed-up against
/// the range S*(α) at the best integer γ with c = N/M over the α range of
/// real pairs (a heuristic γ schedule may land below it).
fn hf(t: &Sourced<iv::HfRow>, arange: [f64; 2], out: &mut Vec<ValidationRow>) {
    for r in &t.rows {
        let nm = match (iv::params_in_name(&r.draft), iv::params_in_name(&r.target)) {
            (Some(n), Some(m)) => Some(n / m),
            _ => None,
        };
        for (kind, s) in [("heuristic", r.heuristic), ("dynamic", r.dynamic)] {
            let Some(s) = s else { continue };
            let kind = if r.source == "universal_AG" {
                "universal assisted generation"
            } else {
                kind
            };
            let mut v = row(
                "hf-blog",
                "speedup",
                format!("{} ({kind}, {})", r.task, r.hardware),
                &r.draft,
                &r.target,
            );
            v.measured = Some(s);
            match nm {
                Some(c) => {
                    let lo = optimum(arange[0], c).speedup_star_int;
                    let hi = optimum(arange[1], c).speedup_star_int;
                    v.predicted_range.insert(SDSL_FLOPS.into(), [lo, hi]);
                }
                None => v.note = Some("no size in a model name: no prediction".into()),
            }
            out.push(v);
        }
    }
}

/// Reads one validation table, naming the manifest key on error.
fn load<R>(
    cfg: &RefitConfig,
    f: &Located<PathBuf>,
    read: fn(&std::path::Path) -> Result<Sourced<R>, SdslError>,
    ledger: &mut Ledger,
    sources: &mut Vec<ValidationSource>,
    name: &str,
) -> Result<Sourced<R>, SdslError> {
    let t = read(&f.value).map_err(|e| cfg.at(f, e))?;
    ledger.input("validation", &t.path, &t.sha256, t.rows.len());
    sources.push(ValidationSource {
        source: name.into(),
        path: t.path.clone(),
        sha256: t.sha256.clone(),
        provenance: t.source.clone(),
    });
    Ok(t)
}

/// The validation section: every source's rows, the checks and the
/// summaries.
pub fn validation_stage(
    cfg: &RefitConfig,
    v: &ValidationInput,
    cx: &ValidationContext,
    ledger: &mut Ledger,
) -> Result<ValidationSection, SdslError> {
    let mut s = ValidationSection::default();
    let src = &mut s.sources;
    let lev = load(
        cfg,
        &v.leviathan,
        iv::read_leviathan,
        ledger,
        src,
        "leviathan2023",
    )?;
    let lev_t = load(
        cfg,
        &v.leviathan_alpha,
        iv::read_leviathan_target,
        ledger,
        src,
        "leviathan2023",
    )?;
    let wall = load(
        cfg,
        &v.h200_walltime,
        iv::read_walltime,
        ledger,
        src,
        "h200-walltime",
    )?;
    let cr = load(
        cfg,
        &v.cost_ratios,
        iv::read_cost_ratios,
        ledger,
        src,
        "published-c",
    )?;
    let ch = load(cfg, &v.chen, iv::read_chen, ledger, src, "chen2023")?;
    let af = load(
        cfg,
        &v.appendix_f,
        iv::read_appendix_f,
        ledger,
        src,
        "sdsl-appendix-f",
    )?;
    let hfb = load(cfg, &v.hf_blog, iv::read_hf, ledger, src, "hf-blog")?;
    let opt = load(
        cfg,
        &v.opt_ppl,
        iv::read_opt_ppl,
        ledger,
        src,
        "opt-wikitext2",
    )?;
    let nemo = load(cfg, &v.nemo, iv::read_nemo, ledger, src, "nemo-qwen3")?;
    leviathan(&lev, lev_t.rows[0], &mut s.rows, &mut s.checks);
    super::validation_more::nemo(&nemo, v, cx, &mut s.rows, &mut s.notes)?;
    walltime(&wall, cx.graph, &mut s.rows, &mut s.checks);
    cost_ratios(&cr, &mut s.rows);
    let chen_c = cr
        .rows
        .iter()
        .find(|r| r.source.starts_with("Chen"))
        .map(|r| r.c);
    let arange = alpha_range(&s.rows, &lev);
    chen(&ch, chen_c, arange, &mut s.rows);
    hf(&hfb, arange, &mut s.rows);
    super::validation_more::appendix_f(&af, cx, &mut s.rows, &mut s.notes)?;
    s.checks.push(super::validation_more::opt_ppl(&opt, cx)?);
    if let Some(lab) = &cfg.lab {
        let runs = load(cfg, &lab.speculative, iv::read_lab_runs, ledger, src, "lab")?;
        super::validation_more::lab(&runs, &mut s.rows);
    }
    s.notes.extend(notes(arange));
    s.summary = summarise(&s.rows);
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
    let mut keys: Vec<(String, String, String)> = Vec::new();
    for r in rows {
        for m in r.predicted.keys().chain(r.predicted_range.keys()) {
            let k = (r.source.clone(), r.quantity.clone(), m.clone());
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
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
    }
}

/// The validation section from the manifest's `[validation]`: resolves the
/// three latency models (`latency:h200-graph`, `latency:h200-eager`, the
/// NeMo check's) and runs [`validation_stage`].
pub fn run(
    cfg: &RefitConfig,
    v: &ValidationInput,
    loss: &LossLaw,
    alpha: &AlphaLaw,
    registry: &Registry,
    ledger: &mut Ledger,
) -> Result<ValidationSection, SdslError> {
    use super::latency::latency_cost_model;
    let (_, graph) = latency_cost_model("latency:h200-graph")?;
    let (_, eager) = latency_cost_model("latency:h200-eager")?;
    let (_, nemo) =
        latency_cost_model(&v.nemo_cost_model.value).map_err(|e| cfg.at(&v.nemo_cost_model, e))?;
    // names the latency tables lack: a typo is refused, any other name is
    // priced by the affine law and said so
    for (label, p) in [
        ("latency:h200-graph", &graph),
        ("latency:h200-eager", &eager),
    ] {
        if let Some(w) = super::latency::check_registry_archs(p, registry, &registry.models)? {
            let w = format!("{label}: {w}");
            if !ledger.warnings.contains(&w) {
                ledger.warnings.push(w);
            }
        }
    }
    let by_law = stand_ins_by_law(cfg, v, &nemo)?;
    let cx = ValidationContext {
        loss,
        alpha,
        registry,
        graph: &graph,
        eager: &eager,
        nemo: &nemo,
    };
    let mut section = validation_stage(cfg, v, &cx, ledger)?;
    if !by_law.is_empty() {
        let w = format!(
            "NeMo sweep: the stand-in{} {} {} not {} of the latency table {} ({} mode, ctx {}, batch {}): {} time{} come{} from the affine law",
            if by_law.len() == 1 { "" } else { "s" },
            crate::error::capped_list(&by_law, 10),
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
fn stand_ins_by_law(
    cfg: &RefitConfig,
    v: &ValidationInput,
    nemo: &LatencyProfile,
) -> Result<Vec<String>, SdslError> {
    use super::latency::{ArchName, arch_name, did_you_mean};
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
                return Err(cfg.at(
                    &v.nemo_stand_ins,
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
