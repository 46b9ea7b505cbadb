//! The report's "Where the laws hold and fail" section and the summary
//! paragraph at the top of `report.md` (pure renderers of
//! [`crate::report::model::validation::ValidationSection`]).

use crate::report::format::{DASH, measurement, or_dash, pct1, pct2, signed_pct1, yes_no};
use crate::report::md_table::MdTable;
use crate::report::model::validation::{ValidationRow, ValidationSection, ValidationSummary};
use std::fmt::Write;

/// The largest failures: summaries with a MAPE, one per (source, quantity),
/// largest MAPE first.
pub fn largest_failures(v: &ValidationSection, k: usize) -> Vec<&ValidationSummary> {
    let mut s: Vec<&ValidationSummary> = v.summary.iter().filter(|s| s.mape.is_some()).collect();
    s.sort_by(|a, b| {
        b.mape
            .unwrap_or(0.0)
            .total_cmp(&a.mape.unwrap_or(0.0))
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.model.cmp(&b.model))
    });
    let mut out: Vec<&ValidationSummary> = Vec::new();
    for x in s {
        if !out
            .iter()
            .any(|o| o.source == x.source && o.quantity == x.quantity)
        {
            out.push(x);
        }
        if out.len() == k {
            break;
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

/// Renders the section.
pub fn render(w: &mut String, v: &ValidationSection) {
    let _ = writeln!(w, "\n## Where the laws hold and fail\n");
    let _ = writeln!(
        w,
        "Every number below is recomputed by `sdsl refit` (and printed by `sdsl validate`) from the bundled measurements, none of which any law here was fitted to. Models: `thm38-printed-c` (Leviathan et al.'s Theorem 3.8 at the source's own α, γ, c), `sdsl-flops` (measured α, c = N/M with one token's pass costing 2·params FLOPs and verification of γ + 1 tokens one target pass), `sdsl-law` (α from the loss and α laws, c = N/M), `latency-h200-graph` / `latency-h200-eager` (measured α, the H200 latency model of the hardware section), `latency-runs` (measured α, the affine law of single-model engine runs), `roofline-<gpu>` / `roofline-<gpu>-runs` (the roofline law of a catalogued GPU with the H200 calibration / recalibrated on single-model engine runs).\n"
    );
    for n in &v.notes {
        let _ = writeln!(w, "- {n}");
    }
    let _ = writeln!(w, "\n### Summary\n");
    let mut t = MdTable::new([
        "source",
        "quantity",
        "model",
        "n",
        "MAPE",
        "mean signed error (95% t interval)",
        "choice agrees",
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
        t.row([
            s.source.clone(),
            s.quantity.clone(),
            format!("`{}`", s.model),
            s.n.to_string(),
            or_dash(s.mape, pct1),
            format!("{}{int}", or_dash(s.mean_signed_error, signed_pct1)),
            ag(s.choice_agrees),
            ag(s.within_range),
        ]);
    }
    t.write_to(w);
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
    rows_tables(w, v);
    let _ = writeln!(w, "\n### Sources\n");
    for s in &v.sources {
        let _ = writeln!(w, "- **{}** `{}`: {}", s.source, s.path, s.provenance);
    }
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
