//! The report's "The paper side by side" section (pure renderer of
//! [`crate::report::model::paper::PaperSection`]).

use crate::fit::interval::IntervalMethod;
use crate::report::format::{DASH, coefficient, yes_bold_no};
use crate::report::md_table::MdTable;
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
        "this refit",
        "95% interval (method)",
        "published",
        "published inside?",
        "source",
    ]);
    for r in &p.rows {
        let (ours, int) = match r.ours {
            Some(i) => (
                coefficient(i.point),
                i.ci95.map_or(DASH.into(), |c| {
                    format!(
                        "[{}, {}] ({})",
                        coefficient(c[0]),
                        coefficient(c[1]),
                        method(i.method)
                    )
                }),
            ),
            None => (DASH.into(), DASH.into()),
        };
        t.row([
            r.group.clone(),
            r.quantity.clone(),
            ours,
            int,
            r.published.map_or(DASH.into(), coefficient),
            yes_bold_no(r.inside).to_string(),
            r.source.clone(),
        ]);
    }
    t.write_to(w);
    let outside: Vec<String> = p
        .rows
        .iter()
        .filter(|r| r.group == "N* law" && r.inside == Some(false))
        .map(|r| r.quantity.clone())
        .collect();
    if !outside.is_empty() {
        let _ = writeln!(
            w,
            "\nThe paper's value falls outside this refit's interval for: {}. The paper's regression design is not public; this grid is explicit (see the N* linear law).",
            outside.join(", ")
        );
    }
}
