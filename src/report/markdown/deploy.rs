//! "What to deploy" (the report's first section) and "Serving plans"
//! (under the hardware section).

use super::super::format::{DASH, sig3};
use super::super::md_table::MdTable;
use super::super::model::Report;
use super::super::model::deploy::{DeployRow, DeploySection, ServingSection};
use std::fmt::Write;

/// One cell of the page's table: N* [interval] · S(N*) · best draft S, with
/// ▲ where the real draft beats S(N*); "does not fit" where the pair
/// exceeds one device (and the fp8 twin's cell where there is one).
fn cell(x: &DeployRow, fp8: Option<&DeployRow>) -> String {
    let body = |x: &DeployRow| {
        let Some(n) = x.n_star else {
            return "speculation never helps".to_string();
        };
        let ci = x.n_star_ci95.map_or(String::new(), |c| {
            format!(" [{}, {}]", sig3(c[0]), sig3(c[1]))
        });
        let s = x
            .speedup_at_n_star
            .map_or(DASH.to_string(), |s| format!("{s:.2}"));
        let best = match (&x.best_draft, x.best_draft_speedup) {
            (Some(d), Some(b)) => format!(
                " · {d} {b:.2}{}",
                if x.real_draft_beats_n_star {
                    " ▲"
                } else {
                    ""
                }
            ),
            _ => " · no real draft helps".to_string(),
        };
        format!("{}{ci} · S {s}{best}", sig3(n))
    };
    if x.fits_memory == Some(false) {
        return match fp8 {
            Some(f) if f.fits_memory != Some(false) => {
                format!("does not fit (bf16, one GPU); fp8 weights: {}", body(f))
            }
            Some(_) => "does not fit (bf16 or fp8, one GPU)".to_string(),
            None => "does not fit (bf16, one GPU)".to_string(),
        };
    }
    body(x)
}

/// "What to deploy": the page's targets × cost models, the sentence on real
/// drafts that beat S(N*), the figure, and how to use one's own times.
pub fn render(w: &mut String, r: &Report, d: &DeploySection) {
    let _ = writeln!(w, "\n## What to deploy\n");
    let _ = writeln!(
        w,
        "Each cell: N* (3 significant figures) with its 95% interval over the {} bootstrap draws of the laws (the loss law's sampling uncertainty only: the acceptance law is the published one and the cost model is fixed), S(N*) at its best integer γ, and the best *available* draft of the family with its S at its best integer γ — on the latency table's measured times where the table has both models, else on the latency law (FLOP model: on the laws). ▲: that real draft beats S(N*). Rows: the target's own draft family; a target without one gets every family (†: a different tokenizer, which no law here models). These are the numbers `sdsl predict --target T --draft-family F --cost-model C --loss-law reports/laws/loss.json --alpha-law reports/laws/alpha.json` prints (the refit writes its laws to `laws/`); every target × cost model × family, with γ and the drafts' cost ratios: `tables/deploy.csv`.\n",
        d.draws
    );
    let mut head = vec!["target".to_string(), "drafts".into()];
    head.extend(d.cost_models.iter().map(|c| format!("`{c}`")));
    let mut t = MdTable::new(head);
    let page: Vec<&DeployRow> = d.rows.iter().filter(|x| x.on_page).collect();
    let mut keys: Vec<(&str, &str, bool)> = Vec::new();
    for x in &page {
        let k = (
            x.target.as_str(),
            x.draft_family.as_str(),
            x.different_tokenizer,
        );
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    // targets with identical rows (e.g. two names of one model) share a row
    let mut lines: Vec<(String, String, Vec<String>)> = Vec::new();
    for (target, fam, diff) in keys {
        let fam_label = format!("{fam}{}", if diff { " †" } else { "" });
        let mut row = Vec::new();
        for c in &d.cost_models {
            let of = |spec: &str| {
                page.iter()
                    .find(|x| x.target == target && x.draft_family == fam && x.cost_model == spec)
                    .copied()
            };
            let fp8 = of(&format!("{c}:weights=fp8"));
            row.push(of(c).map_or(DASH.to_string(), |x| cell(x, fp8)));
        }
        match lines.iter_mut().find(|l| l.1 == fam_label && l.2 == row) {
            Some(l) => {
                l.0.push_str(", ");
                l.0.push_str(target);
            }
            None => lines.push((target.to_string(), fam_label, row)),
        }
    }
    for (targets, fam, cells) in lines {
        let mut row = vec![targets, fam];
        row.extend(cells);
        t.row(row);
    }
    t.write_to(w);
    let beats: Vec<&&DeployRow> = page.iter().filter(|x| x.real_draft_beats_n_star).collect();
    // the example: a row priced on measured times where there is one
    let example = beats
        .iter()
        .find(|x| x.best_draft_priced.as_deref() == Some("measured"))
        .or(beats.first());
    if let Some(x) = example {
        let _ = writeln!(
            w,
            "\nA real draft beats the laws' optimum in {} of the page's {} target × family × cost-model rows (fp8 rows included){} — e.g. {} for {} under `{}`: S {:.3} at γ {} against S(N*) = {:.3} at N* = {}. Its cost ratio on {} times is c = {:.3}, while the affine latency law t = t0 + k·P that N* uses prices a draft of its size at c = {:.3}: the law overestimates a small model's time (its fixed t0 and the line through larger models), so the real small draft is cheaper than the law thinks. Deploy the real draft; N* is where to look when training a new one.",
            beats.len(),
            page.len(),
            if beats.iter().all(|b| b.cost_model.starts_with("latency:")) {
                ", all under latency models"
            } else {
                ""
            },
            x.best_draft.as_deref().unwrap_or(DASH),
            x.target,
            x.cost_model,
            x.best_draft_speedup.unwrap_or(f64::NAN),
            x.best_draft_gamma
                .map_or(DASH.to_string(), |g| g.to_string()),
            x.speedup_at_n_star.unwrap_or(f64::NAN),
            x.n_star.map_or(DASH.to_string(), sig3),
            x.best_draft_priced.as_deref().unwrap_or("the law's"),
            x.best_draft_cost_ratio.unwrap_or(f64::NAN),
            x.best_draft_law_cost_ratio.unwrap_or(f64::NAN),
        );
    }
    if r.hardware.is_some() {
        let _ = writeln!(
            w,
            "\n![speed-up versus draft size with the real drafts](figures/hardware_speedup_vs_n.png)"
        );
    }
    let _ = writeln!(
        w,
        "\n**Your own GPU.** Give your own latency table (the columns of `datasets/hardware/h200_decode_latency.csv`: one row per architecture and q with its median time) as `--cost-model latency:my.csv` (with `:mode=`, `:ctx=`, `:batch=` as for the shipped tables) to `sdsl predict`, `nstar table` or `plan`; or time your serving engine: `sdsl import` its logs into a runs table, `sdsl fit latency --runs runs.csv --out profile.json` fits t0 and the bandwidth efficiency of your stack, and `--cost-model latency:profile.json` prices drafts with it (docs/latency.md, docs/import.md). A catalogued GPU without measurements: `latency:roofline:GPU` (datasets/hardware/gpus.csv)."
    );
}

/// γ per batch range: `1–16: 4, 32: 1, 64: off`.
fn gamma_ranges(g: &[crate::catalog::plan::GammaRange]) -> String {
    if g.is_empty() {
        return DASH.to_string();
    }
    g.iter()
        .map(|r| {
            let b = if r.from_batch == r.to_batch {
                r.from_batch.to_string()
            } else {
                format!("{}–{}", r.from_batch, r.to_batch)
            };
            let v = if r.gamma == 0 {
                "off".to_string()
            } else {
                r.gamma.to_string()
            };
            format!("{b}: {v}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The plan a reader should see and what to say before its draft: the
/// plan itself when it recommends a draft, else the plan over the batches
/// where a draft fits (fp8 weights where bf16 does not fit one GPU).
pub fn plan_shown(
    p: &crate::report::model::deploy::ServingPlan,
) -> (&crate::catalog::plan::PlanOut, String) {
    match &p.fitting_plan {
        Some(f) if p.plan.recommendation.draft.is_none() => {
            let last = f.batches.last().copied().unwrap_or(0);
            let note = if f.hardware.contains("weights=fp8") {
                format!("does not fit (bf16, one GPU); fp8 weights, batch ≤ {last}: ")
            } else {
                format!("does not fit (bf16, one GPU) above batch {last}: ")
            };
            (f, note)
        }
        _ => (&p.plan, String::new()),
    }
}

/// "Serving plans": per target × GPU the recommended draft, γ by batch, the
/// batch where speculation stops paying and the expected speed-up.
pub fn render_serving(w: &mut String, s: &ServingSection) {
    let _ = writeln!(w, "\n### Serving plans\n");
    let batches = s
        .batches
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        w,
        "`sdsl plan` for each target on each GPU, over batch sizes {batches} with equal weights, with this refit's laws: one draft for every batch (a server loads one), the one that fits the device at every batch and maximises the mean aggregate throughput; γ is the best whole lookahead per run of batches (off: plain decoding is faster); \"off from\" is the smallest planned batch where the best S over γ ≥ 1 falls below 1; the expected S is the mix's aggregate throughput over plain decoding's. α comes from the laws. One GPU per model: tensor parallelism is out of scope. Calibration of each profile: {}. Full per-batch rows for every candidate draft: `tables/serving_plans.csv`; each plan's warnings (memory, extrapolated v): `report.json` (`serving`).\n",
        {
            let mut seen: Vec<String> = Vec::new();
            for p in &s.plans {
                let c = format!("`{}` — {}", p.hardware, p.calibration);
                if !seen.contains(&c) {
                    seen.push(c);
                }
            }
            seen.join("; ")
        }
    );
    let mut t = MdTable::new([
        "target",
        "GPU (`--hardware`)",
        "recommended draft",
        "γ by batch",
        "off from batch",
        "expected S",
        "S at batch 1",
        "laws' N* (expected S)",
    ]);
    for p in &s.plans {
        let (plan, note) = plan_shown(p);
        let rec = &plan.recommendation;
        let s1 = rec.draft.as_ref().and_then(|d| {
            plan.rows
                .iter()
                .find(|r| &r.draft == d && r.batch == s.batches[0])
                .map(|r| format!("{:.2}", r.speedup))
        });
        t.row([
            format!(
                "{}{}",
                p.target,
                if p.different_tokenizer { " †" } else { "" }
            ),
            format!("`{}`", p.hardware),
            rec.draft
                .as_ref()
                .map_or("none fits".to_string(), |d| format!("{note}{d}")),
            gamma_ranges(&rec.gamma_by_batch),
            rec.off_above_batch.map_or_else(
                || {
                    if plan.batches.len() < s.batches.len() {
                        format!("never (to {})", plan.batches.last().copied().unwrap_or(0))
                    } else {
                        "never".to_string()
                    }
                },
                |b| b.to_string(),
            ),
            rec.expected_speedup
                .map_or(DASH.to_string(), |x| format!("{x:.2}")),
            s1.unwrap_or_else(|| DASH.to_string()),
            rec.n_star_law.as_ref().map_or(DASH.to_string(), |n| {
                format!("{} ({:.2})", sig3(n.n_star), n.expected_speedup)
            }),
        ]);
    }
    t.write_to(w);
    let _ = writeln!(
        w,
        "\n† A target without a draft family of its own: the drafts of every family (different tokenizers).\n\n![speed-up versus batch size per GPU](figures/serving_speedup_vs_batch.png)"
    );
}
