//! The report's "Sensitivity of N*" section (pure renderer of
//! [`crate::derive::sensitivity::SensitivitySection`]).

use crate::derive::sensitivity::{InputEffect, SensitivitySection};
use crate::report::format::{DASH, pct0, pct1, sig3, signed_pct0, signed_pct1};
use crate::report::md_table::MdTable;
use std::fmt::Write;

/// The input that moves N* most, as a phrase.
pub fn most_sensitive_phrase(s: &SensitivitySection) -> Option<String> {
    let top: &InputEffect = s.inputs.first()?;
    Some(format!(
        "the input that moves N* most is the **{}** (median over the N*-table targets of its largest move {}, range {} to {}), far outside the N* intervals, which carry only the loss law's bootstrap",
        top.input,
        pct0(top.median_max_abs_change),
        signed_pct0(top.range[0]),
        signed_pct0(top.range[1])
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
    let mut t = MdTable::new([
        "input",
        "median over targets of the largest move",
        "smallest and largest move",
    ]);
    for i in &s.inputs {
        t.row([
            i.input.clone(),
            pct1(i.median_max_abs_change),
            format!("{} to {}", signed_pct1(i.range[0]), signed_pct1(i.range[1])),
        ]);
    }
    t.write_to(w);
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
    let _ = writeln!(
        w,
        "\nN* (3 significant figures) and S under each variant; the change against the base in brackets.\n"
    );
    let head = ["target", "family", "base N*", "base S"].map(String::from);
    let mut table = MdTable::new(head.into_iter().chain(variants));
    for t in &s.targets {
        let mut row = vec![
            t.target.clone(),
            t.draft_family.clone(),
            t.base.map_or(DASH.into(), |b| sig3(b.n_star)),
            t.base.map_or(DASH.into(), |b| format!("{:.2}", b.speedup)),
        ];
        for v in &t.variants {
            let cell = match (v.solved, v.rel_change) {
                (Some(x), Some(c)) => format!(
                    "{} ({}), S {:.2}",
                    sig3(x.n_star),
                    signed_pct0(c),
                    x.speedup
                ),
                (Some(x), None) => format!("{}, S {:.2}", sig3(x.n_star), x.speedup),
                _ => DASH.into(),
            };
            row.push(cell);
        }
        table.row(row);
    }
    table.write_to(w);
    let _ = writeln!(w, "\n![sensitivity of N*](figures/nstar_sensitivity.png)");
}
