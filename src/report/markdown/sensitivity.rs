//! The report's "Sensitivity of N*" section (pure renderer of
//! [`crate::derive::sensitivity::SensitivitySection`]).

use super::sig3;
use crate::derive::sensitivity::{InputEffect, SensitivitySection};
use std::fmt::Write;

/// The input that moves N* most, as a phrase.
pub fn most_sensitive_phrase(s: &SensitivitySection) -> Option<String> {
    let top: &InputEffect = s.inputs.first()?;
    Some(format!(
        "the input that moves N* most is the **{}** (median over the N*-table targets of its largest move {:.0}%, range {:+.0}% to {:+.0}%), far outside the N* intervals, which carry only the loss law's bootstrap",
        top.input,
        100.0 * top.median_max_abs_change,
        100.0 * top.range[0],
        100.0 * top.range[1]
    ))
}

/// The figure's caption.
pub fn caption(s: Option<&SensitivitySection>) -> String {
    format!(
        "Sensitivity of N* to each input, one row per moved input: the bar spans N*/N*_base − 1 over the {} N*-table targets, the point is its median. Read: inputs whose bars reach far from zero matter more for N* than the bootstrap interval suggests.",
        s.map_or(0, |s| s.targets.len())
    )
}

/// Renders the section.
pub fn render(w: &mut String, s: &SensitivitySection) {
    let _ = writeln!(w, "\n## Sensitivity of N*\n\n{}\n", s.note);
    let _ = writeln!(
        w,
        "| input | median over targets of the largest move | smallest and largest move |\n| --- | --- | --- |"
    );
    for i in &s.inputs {
        let _ = writeln!(
            w,
            "| {} | {:.1}% | {:+.1}% to {:+.1}% |",
            i.input,
            100.0 * i.median_max_abs_change,
            100.0 * i.range[0],
            100.0 * i.range[1]
        );
    }
    let variants: Vec<String> = s
        .targets
        .first()
        .map(|t| {
            t.variants
                .iter()
                .map(|v| format!("{}: {}", v.input, v.variant))
                .collect()
        })
        .unwrap_or_default();
    let _ = write!(
        w,
        "\nN* (3 significant figures) and S under each variant; the change against the base in brackets.\n\n| target | family | base N* | base S |"
    );
    for v in &variants {
        let _ = write!(w, " {v} |");
    }
    let _ = writeln!(w, "\n|{}", " --- |".repeat(4 + variants.len()));
    for t in &s.targets {
        let _ = write!(
            w,
            "| {} | {} | {} | {} |",
            t.target,
            t.draft_family,
            t.base.map_or("—".into(), |b| sig3(b.n_star)),
            t.base.map_or("—".into(), |b| format!("{:.2}", b.speedup))
        );
        for v in &t.variants {
            let cell = match (v.solved, v.rel_change) {
                (Some(x), Some(c)) => format!(
                    "{} ({:+.0}%), S {:.2}",
                    sig3(x.n_star),
                    100.0 * c,
                    x.speedup
                ),
                (Some(x), None) => format!("{}, S {:.2}", sig3(x.n_star), x.speedup),
                _ => "—".into(),
            };
            let _ = write!(w, " {cell} |");
        }
        let _ = writeln!(w);
    }
    let _ = writeln!(w, "\n![sensitivity of N*](figures/nstar_sensitivity.png)");
}

#[cfg(test)]
mod tests {
    use super::sig3;

    #[test]
    fn three_significant_figures() {
        assert_eq!(sig3(117_312_000.0), "117M");
        assert_eq!(sig3(1_234_000_000.0), "1.23B");
        assert_eq!(sig3(45_670_000.0), "45.7M");
    }
}
