//! The report's "The paper side by side" section (pure renderer of
//! [`crate::report::model::paper::PaperSection`]).

use crate::fit::interval::IntervalMethod;
use crate::report::model::paper::PaperSection;
use std::fmt::Write;

fn v(x: f64) -> String {
    if x.abs() >= 1e4 || (x.abs() < 1e-2 && x != 0.0) {
        format!("{x:.4e}")
    } else {
        format!("{x:.4}")
    }
}

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
    let _ = writeln!(
        w,
        "\n| group | quantity | this refit | 95% interval (method) | published | published inside? | source |\n| --- | --- | --- | --- | --- | --- | --- |"
    );
    for r in &p.rows {
        let (ours, int) = match r.ours {
            Some(i) => (
                v(i.point),
                i.ci95.map_or("—".into(), |c| {
                    format!("[{}, {}] ({})", v(c[0]), v(c[1]), method(i.method))
                }),
            ),
            None => ("—".into(), "—".into()),
        };
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.group,
            r.quantity,
            ours,
            int,
            r.published.map_or("—".into(), v),
            r.inside.map_or("—", |b| if b { "yes" } else { "**no**" }),
            r.source
        );
    }
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
