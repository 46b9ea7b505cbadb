//! The report's "The paper side by side" section (pure renderer of
//! [`crate::report::model::paper::PaperSection`]) and the paper's R² tables
//! regenerated from the manifest's acceptance table.

use crate::fit::interval::IntervalMethod;
use crate::report::format::{DASH, coefficient, signed_pct1, yes_bold_no};
use crate::report::md_table::MdTable;
use crate::report::model::Report;
use crate::report::model::paper::PaperSection;
use std::fmt::Write;

fn method(m: IntervalMethod) -> &'static str {
    match m {
        IntervalMethod::Percentile => "bootstrap percentile",
        IntervalMethod::OlsT => "OLS t",
        IntervalMethod::Bca => "BCa",
        IntervalMethod::LikelihoodRatio => "likelihood ratio",
        IntervalMethod::T => "t",
        IntervalMethod::Cr2 => "CR2",
        IntervalMethod::WildClusterBootstrap => "wild cluster bootstrap",
        IntervalMethod::None => "—",
    }
}

fn bracket(c: [f64; 2]) -> String {
    format!("[{}, {}]", coefficient(c[0]), coefficient(c[1]))
}

/// Renders the section.
pub fn render(w: &mut String, p: &PaperSection) {
    let _ = writeln!(w, "\n## The paper side by side\n");
    for n in &p.notes {
        let _ = writeln!(w, "- {n}");
    }
    w.push('\n');
    let mut t = MdTable::new([
        "group",
        "quantity",
        "this refit [95% interval (method)]",
        "published [95% interval]",
        "difference",
        "published inside ours?",
        "ours inside published?",
        "source",
    ]);
    for r in &p.rows {
        let ours = match r.ours {
            Some(i) => match i.ci95 {
                Some(c) => format!(
                    "{} {} ({})",
                    coefficient(i.point),
                    bracket(c),
                    method(i.method)
                ),
                None => coefficient(i.point),
            },
            None => DASH.into(),
        };
        let published = match (r.published, r.published_ci95) {
            (Some(v), Some(c)) => format!("{} {}", coefficient(v), bracket(c)),
            (Some(v), None) => coefficient(v),
            _ => DASH.into(),
        };
        t.row([
            r.group.clone(),
            r.quantity.clone(),
            ours,
            published,
            r.difference.map_or(DASH.into(), |d| {
                // a difference that rounds to zero prints without a sign
                if (1000.0 * d).round() == 0.0 {
                    "0.0%".into()
                } else {
                    signed_pct1(d)
                }
            }),
            yes_bold_no(r.inside).to_string(),
            yes_bold_no(r.ours_inside_published).to_string(),
            r.source.clone(),
        ]);
    }
    t.write_to(w);
    let outside: Vec<String> = p
        .rows
        .iter()
        .filter(|r| {
            r.group == "N* law"
                && (r.inside == Some(false) || r.ours_inside_published == Some(false))
        })
        .map(|r| r.quantity.clone())
        .collect();
    if !outside.is_empty() {
        let _ = writeln!(
            w,
            "\nThe N* law disagrees with the paper in at least one direction for: {}. The paper's regression design is not public; this grid is explicit (see the N* linear law).",
            outside.join(", ")
        );
    }
}

/// The α law's published fit statistics (from the paper table's rows) and
/// the paper's R² tables regenerated in its layout (a global fit
/// α = A·x + B·y + C with R² and MSE, then one fit per target on draft
/// perplexity alone) from the acceptance table the manifest names — the
/// lab's, under `[lab]` — with the sentence that the paper's own per-pair
/// data is not public.
pub fn r2_tables(w: &mut String, r: &Report) {
    let stat = |q: &str| {
        r.paper.as_ref().and_then(|p| {
            p.rows
                .iter()
                .find(|x| x.group == "alpha law" && x.quantity == q)
                .and_then(|x| x.published)
        })
    };
    if let (Some(r2), Some(mse)) = (stat("r2"), stat("mse")) {
        let per_target = match (stat("r2_per_target_low"), stat("r2_per_target_high")) {
            (Some(lo), Some(hi)) => {
                format!(
                    " The paper reports per-target fits on draft perplexity alone with R² ≈ {lo}–{hi}."
                )
            }
            _ => String::new(),
        };
        let _ = writeln!(
            w,
            "\nThe published global fit explains R² = {r2:.3} of the variance of α over the paper's pairs (MSE {mse}, √MSE = {:.4}): one pair's α is predicted to about ±{:.3}.{per_target} The paper's per-pair data is not public, so its R² tables cannot be recomputed; below they are regenerated in the paper's layout from the acceptance table the manifest names (the lab's byte-level ladder, `[lab] acceptance`), an example of the layout, not the paper's numbers.",
            mse.sqrt(),
            mse.sqrt()
        );
    }
    let Some(lab) = &r.lab else {
        return;
    };
    let a = &lab.alpha;
    let _ = writeln!(
        w,
        "\nR² of the acceptance law on `{}`, in the paper's layout:\n",
        a.input.path
    );
    let mut t = MdTable::new(["fit", "α =", "R²", "MSE", "n"]);
    let g = &a.global.fit;
    t.row([
        "global".to_string(),
        "A·ppl_draft + B·ppl_target + C".into(),
        format!("{:.3}", g.r2),
        format!("{:.2e}", g.rmse * g.rmse),
        g.n.to_string(),
    ]);
    for p in &a.per_target {
        t.row([
            format!("target {}", p.target),
            "a·ppl_draft + c".into(),
            format!("{:.3}", p.fit.r2),
            format!("{:.2e}", p.fit.rmse * p.fit.rmse),
            p.fit.n.to_string(),
        ]);
    }
    t.write_to(w);
}
