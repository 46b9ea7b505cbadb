//! The report's "Where the laws hold and fail" section and the headline
//! at the top of `report.md` (pure renderers of
//! [`crate::report::model::validation::ValidationSection`]). The rows
//! themselves are in `tables/validation.csv` and the parity figures; the
//! page holds the sources, the summaries and the checks.

use crate::report::format::{DASH, measurement, or_dash, pct1, pct2, sig3, signed_pct1, yes_no};
use crate::report::md_table::MdTable;
use crate::report::model::validation::{ValidationRow, ValidationSection, ValidationSummary};
use std::fmt::Write;

/// The headline's failures: the summaries with a MAPE over the sources
/// whose description marks them `values` (all sources when none is
/// described), largest MAPE first, each model once (its largest).
pub fn largest_failures(v: &ValidationSection) -> Vec<&ValidationSummary> {
    let comparable = |s: &ValidationSummary| {
        v.descriptions.is_empty()
            || v.description(&s.source)
                .is_some_and(|d| d.comparable == "values")
    };
    let mut s: Vec<&ValidationSummary> = v
        .summary
        .iter()
        .filter(|s| s.mape.is_some() && comparable(s))
        .collect();
    s.sort_by(|a, b| {
        b.mape
            .unwrap_or(0.0)
            .total_cmp(&a.mape.unwrap_or(0.0))
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.model.cmp(&b.model))
    });
    let mut out: Vec<&ValidationSummary> = Vec::new();
    for x in s {
        if !out.iter().any(|o| o.model == x.model) {
            out.push(x);
        }
    }
    out
}

/// One failure as a phrase.
pub fn failure_phrase(s: &ValidationSummary) -> String {
    format!(
        "`{}` on {} ({}, {} rows): MAPE {}, mean signed error {}",
        s.model,
        s.source,
        s.quantity,
        s.n,
        or_dash(s.mape, pct1),
        or_dash(s.mean_signed_error, signed_pct1)
    )
}

/// τ-b as text: the mean, with its range over several groups.
fn tau_text(s: &ValidationSummary) -> String {
    match s.kendall_tau {
        None => DASH.into(),
        Some(t) if t.groups == 1 => format!("{:.2}", t.mean),
        Some(t) => format!(
            "{:.2} [{:.2}, {:.2}] over {}",
            t.mean, t.min, t.max, t.groups
        ),
    }
}

/// The headline: the rule, each model's largest failure over comparable
/// sources, and the order agreement of the rank-only sources.
pub fn headline(v: &ValidationSection) -> Option<String> {
    let f = largest_failures(v);
    if f.is_empty() {
        return None;
    }
    let list: Vec<String> = f
        .iter()
        .enumerate()
        .map(|(i, s)| format!("({}) {}", i + 1, failure_phrase(s)))
        .collect();
    let ranks: Vec<String> = v
        .summary
        .iter()
        .filter(|s| {
            v.description(&s.source)
                .is_some_and(|d| d.comparable == "rank")
                && s.kendall_tau.is_some()
        })
        .map(|s| format!("`{}` τ-b {}", s.model, tau_text(s)))
        .collect();
    let rank_src: Vec<&str> = crate::fit::distinct(
        v.descriptions
            .iter()
            .filter(|d| d.comparable == "rank")
            .map(|d| d.source.as_str()),
    );
    let ranks = if ranks.is_empty() {
        String::new()
    } else {
        format!(
            " Order of drafts on the rank-only source{} {}: {}.",
            if rank_src.len() == 1 { "" } else { "s" },
            rank_src.join(", "),
            ranks.join(", ")
        )
    };
    Some(format!(
        "Against independent measurements (section \"Where the laws hold and fail\"), {} {}.{ranks}",
        v.headline_rule
            .as_deref()
            .map_or("the largest failures are".to_string(), |r| {
                // the rule as a clause: its first letter in lower case
                let mut c = r.trim_end_matches('.').chars();
                let first: String = c
                    .next()
                    .map(|f| f.to_lowercase().collect())
                    .unwrap_or_default();
                format!(
                    "by this rule — {first}{} — the largest failures are",
                    c.as_str()
                )
            }),
        list.join("; ")
    ))
}

/// The caption of `validation_parity_<model>`.
pub fn parity_caption(model: &str, v: &ValidationSection) -> String {
    let rows = v.parity_rows(model);
    let sources = crate::fit::distinct(
        rows.iter()
            .map(|(r, _)| format!("{} ({})", r.source, r.quantity)),
    );
    format!(
        "Predicted against measured values of `{model}`, log–log, one marker per source and quantity ({}; {} rows), with the line y = x (agreement) and dotted lines at ±25%. Read: points above the line are over-predictions; a source whose points run parallel to the line but off it has a scale error (a cost ratio or hardware difference), one that crosses it a trend error. Every row is in `tables/validation.csv`.",
        sources.join(", "),
        rows.len()
    )
}

/// The parity figures as a two-column gallery (a Markdown table; each
/// figure's title names its model): one figure per model, captioned
/// together below the table by [`parity_gallery_caption`].
fn parity_gallery(w: &mut String, models: &[String]) {
    if models.is_empty() {
        return;
    }
    w.push('\n');
    for (i, pair) in models.chunks(2).enumerate() {
        let cell = |m: &String| {
            format!("![predicted versus measured, {m}](figures/validation_parity_{m}.png)")
        };
        let figs: Vec<String> = pair.iter().map(cell).collect();
        if i == 0 {
            // a table needs a header; each figure's title names its model
            let _ = writeln!(w, "| predicted versus measured | |");
            let _ = writeln!(w, "|{}", " --- |".repeat(2));
        }
        let _ = writeln!(w, "| {} |", figs.join(" | "));
    }
}

/// The joint caption of the parity gallery: what every panel plots, then
/// each model's sources and row count.
pub fn parity_gallery_caption(models: &[&str], v: &ValidationSection) -> String {
    let per: Vec<String> = models
        .iter()
        .map(|m| {
            let rows = v.parity_rows(m);
            let sources = crate::fit::distinct(
                rows.iter()
                    .map(|(r, _)| format!("{} ({})", r.source, r.quantity)),
            );
            format!("`{m}`: {}; {} rows", sources.join(", "), rows.len())
        })
        .collect();
    format!(
        "Predicted against measured values, one panel per model, log–log, one marker per source and quantity, with the line y = x (agreement) and dotted lines at ±25%. Read: points above the line are over-predictions; a source whose points run parallel to the line but off it has a scale error (a cost ratio or hardware difference), one that crosses it a trend error. Every row is in `tables/validation.csv`. Panels: {}.",
        per.join(" — ")
    )
}

/// Renders the report's section: the rows are in the parity figures and
/// `tables/validation.csv`, not on the page.
pub fn render(w: &mut String, v: &ValidationSection) {
    render_with(w, v, false);
}

/// Renders the section as `sdsl validate` prints it: without figures, with
/// one table of rows per (source, quantity) after the checks.
pub fn render_cli(w: &mut String, v: &ValidationSection) {
    render_with(w, v, true);
}

fn render_with(w: &mut String, v: &ValidationSection, rows: bool) {
    let _ = writeln!(w, "\n## Where the laws hold and fail\n");
    let _ = writeln!(
        w,
        "Every number below is recomputed by `sdsl refit` (and printed by `sdsl validate`) from the bundled measurements, none of which any law here was fitted to; every row, with each model's prediction, is in `tables/validation.csv`. Models: `thm38-printed-c` (Leviathan et al.'s Theorem 3.8 at the source's own α, γ, c), `sdsl-flops` (measured α, c = N/M with one token's pass costing 2·params FLOPs and verification of γ + 1 tokens one target pass), `sdsl-law` (α from the loss and α laws, c = N/M), `latency-h200-graph` / `latency-h200-eager` (measured α, the H200 latency model of the hardware section), `latency-runs` (measured α, the affine law of single-model engine runs), `roofline-<gpu>` / `roofline-<gpu>-runs` (the roofline law of a catalogued GPU with the H200 calibration / recalibrated on single-model engine runs).\n"
    );
    for n in &v.notes {
        let _ = writeln!(w, "- {n}");
    }
    if !v.descriptions.is_empty() {
        let _ = writeln!(w, "\n### Sources\n");
        if let Some(rule) = &v.headline_rule {
            let _ = writeln!(w, "{rule}\n");
        }
        let mut t = MdTable::new([
            "source",
            "kind",
            "hardware",
            "engine",
            "weights",
            "α",
            "can test",
            "cannot test",
        ]);
        let present = crate::fit::distinct(v.sources.iter().map(|s| s.source.as_str()));
        for d in v
            .descriptions
            .iter()
            .filter(|d| present.contains(&d.source.as_str()))
        {
            t.row([
                format!("**{}**", d.source),
                d.comparable.clone(),
                d.hardware.clone(),
                d.engine.clone(),
                d.weights.clone(),
                d.alpha.clone(),
                d.tests.clone(),
                d.cannot_test.clone(),
            ]);
        }
        for s in present.iter().filter(|s| v.description(s).is_none()) {
            t.row([
                format!("**{s}**"),
                DASH.into(),
                "no description in the manifest's `[validation] descriptions`".into(),
                DASH.into(),
                DASH.into(),
                DASH.into(),
                DASH.into(),
                DASH.into(),
            ]);
        }
        t.write_to(w);
        let files: Vec<String> = v
            .sources
            .iter()
            .map(|s| format!("{} `{}`", s.source, s.path))
            .collect();
        let _ = writeln!(
            w,
            "\nFiles (each one's provenance line is in `report.json`, `validation.sources`): {}.",
            files.join("; ")
        );
    }
    let _ = writeln!(w, "\n### Summary\n");
    let mut t = MdTable::new([
        "source",
        "kind",
        "quantity",
        "model",
        "n",
        "MAPE",
        "mean signed error (95% t interval)",
        "choice agrees",
        "order agreement (Kendall τ-b)",
        "measured within range",
    ]);
    for s in &v.summary {
        let int = s
            .mean_signed_error_interval
            .and_then(|i| i.ci95)
            .map_or(String::new(), |c| {
                format!(" [{}, {}]", signed_pct1(c[0]), signed_pct1(c[1]))
            });
        let ag = |a: Option<crate::report::model::validation::Agreement>| {
            a.map_or(DASH.into(), |a| format!("{} of {}", a.agree, a.of))
        };
        let within = match (s.within_range, s.below_range) {
            (Some(a), Some(b)) => format!("{} of {} ({b} below the minimum)", a.agree, a.of),
            (a, _) => ag(a),
        };
        let kind = match v.description(&s.source).map(|d| d.comparable.as_str()) {
            Some("check") => "check, not a validation".to_string(),
            Some(k) => k.to_string(),
            None => DASH.into(),
        };
        t.row([
            s.source.clone(),
            kind,
            s.quantity.clone(),
            format!("`{}`", s.model),
            s.n.to_string(),
            or_dash(s.mape, pct1),
            format!("{}{int}", or_dash(s.mean_signed_error, signed_pct1)),
            ag(s.choice_agrees),
            tau_text(s),
            within,
        ]);
    }
    t.write_to(w);
    let _ = writeln!(
        w,
        "\n\"choice agrees\" counts the settings where a model's best draft (or γ) is the measured best; Kendall τ-b (ties counted as in Kendall 1945) compares a model's whole order with the measured one within each such setting: 1 the same order, −1 the reverse; mean [min, max] over the settings."
    );
    let _ = writeln!(w, "\n### Checks\n");
    let mut t = MdTable::new([
        "source",
        "what",
        "n",
        "error",
        "mean",
        "max",
        "tolerance",
        "passes",
    ]);
    for c in &v.checks {
        let f = |x: f64| {
            if c.error == "relative" {
                pct2(x)
            } else {
                format!("{x:.3}")
            }
        };
        t.row([
            c.source.clone(),
            c.what.clone(),
            c.n.to_string(),
            c.error.clone(),
            f(c.mean_abs_error),
            f(c.max_abs_error),
            c.tolerance.map_or(DASH.into(), f),
            yes_no(c.passes).to_string(),
        ]);
    }
    t.write_to(w);
    if rows {
        rows_tables(w, v);
    }
    if !rows {
        parity_gallery(w, &v.parity_models());
    }
    if let Some(p) = &v.ppl_scale {
        ppl_scale(w, p);
    }
}

/// The perplexity-scale rows and N* with measured perplexities.
fn ppl_scale(w: &mut String, p: &crate::report::model::validation::PplScale) {
    let _ = writeln!(w, "\n### Perplexity scale: OPT on WikiText-2\n");
    for n in &p.notes {
        let _ = writeln!(w, "- {n}");
    }
    w.push('\n');
    let mut t = MdTable::new(["model", "N", "measured ppl", "law ppl", "law − measured"]);
    for r in &p.rows {
        t.row([
            r.model.clone(),
            sig3(r.params),
            format!("{:.2}", r.measured_ppl),
            format!("{:.2}", r.law_ppl),
            signed_pct1(r.relative_error),
        ]);
    }
    t.write_to(w);
    w.push('\n');
    let mut t = MdTable::new([
        "target (OPT drafts, FLOP model)",
        "N* with the law's ppl (S*)",
        "target ppl measured",
        "N* with measured ppl (α, S*)",
        "change",
    ]);
    for n in &p.nstar {
        let law = match (n.n_star_law, n.speedup_law) {
            (Some(a), Some(s)) => format!("{} ({s:.3})", sig3(a)),
            _ => "none".into(),
        };
        let meas = match (n.n_star_measured, n.alpha_measured, n.speedup_measured) {
            (Some(a), Some(al), Some(s)) => format!(
                "{}{} (α {al:.3}, {s:.3})",
                sig3(a),
                if n.at_edge {
                    " (edge of the measured sizes)"
                } else {
                    ""
                }
            ),
            _ => "none".into(),
        };
        let change = match (n.n_star_law, n.n_star_measured) {
            (Some(a), Some(b)) => signed_pct1(b / a - 1.0),
            _ => DASH.into(),
        };
        t.row([
            n.target.clone(),
            law,
            format!("{:.2}", n.target_ppl_measured),
            meas,
            change,
        ]);
    }
    t.write_to(w);
}

/// One table per (source, quantity), rows in file order.
fn rows_tables(w: &mut String, v: &ValidationSection) {
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for r in &v.rows {
        if !keys.contains(&(r.source.as_str(), r.quantity.as_str())) {
            keys.push((&r.source, &r.quantity));
        }
    }
    for (src, q) in keys {
        let rows: Vec<&ValidationRow> = v
            .rows
            .iter()
            .filter(|r| r.source == src && r.quantity == q)
            .collect();
        let mut models: Vec<&str> = Vec::new();
        for r in &rows {
            for m in r.predicted.keys().chain(r.predicted_range.keys()) {
                if !models.contains(&m.as_str()) {
                    models.push(m);
                }
            }
        }
        let has_pub = rows.iter().any(|r| r.published.is_some());
        let has_choice = rows.iter().any(|r| r.measured_best.is_some());
        let has_best_gamma = rows.iter().any(|r| !r.best_gamma.is_empty());
        let _ = writeln!(w, "\n### {src}: {q}\n");
        let mut head: Vec<String> = ["setting", "draft", "target", "γ", "measured"]
            .map(String::from)
            .into();
        if has_pub {
            head.push("printed".into());
        }
        for m in &models {
            head.push(format!("`{m}`"));
        }
        if has_best_gamma {
            head.push("best integer γ".into());
        }
        if has_choice {
            head.extend(["measured best".into(), "chosen".into()]);
        }
        head.push("note".into());
        let mut t = MdTable::new(head);
        for r in rows {
            let mut line = vec![
                r.setting.clone(),
                r.draft.clone(),
                r.target.clone(),
                r.gamma.map_or(DASH.into(), |g| g.to_string()),
                measurement(r.measured),
            ];
            if has_pub {
                line.push(measurement(r.published));
            }
            for m in &models {
                let cell = match (r.predicted.get(*m), r.predicted_range.get(*m)) {
                    (Some(p), _) => measurement(*p),
                    (None, Some([a, b])) => format!("{a:.2}–{b:.2}"),
                    _ => DASH.into(),
                };
                line.push(cell);
            }
            if has_best_gamma {
                let bg: Vec<String> = r
                    .best_gamma
                    .iter()
                    .map(|(m, g)| format!("{m}: {g}"))
                    .collect();
                line.push(bg.join("; "));
            }
            if has_choice {
                let chosen: Vec<String> =
                    r.chosen.iter().map(|(m, c)| format!("{m}: {c}")).collect();
                line.push(r.measured_best.as_deref().unwrap_or(DASH).to_string());
                line.push(chosen.join("; "));
            }
            line.push(r.note.clone().unwrap_or_default());
            t.row(line);
        }
        t.write_to(w);
    }
}
