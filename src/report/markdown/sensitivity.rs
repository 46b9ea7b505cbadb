//! The report's "Sensitivity of N*" section (pure renderer of
//! [`crate::derive::sensitivity::SensitivitySection`]).

use crate::derive::sensitivity::{InputEffect, SensitivitySection};
use crate::report::format::{pct0, pct1, signed_pct0, signed_pct1};
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
    let _ = writeln!(
        w,
        "\nN* and S of every target under each variant, with the change against the base: `tables/sensitivity.csv`."
    );
    let _ = writeln!(w, "\n![sensitivity of N*](figures/nstar_sensitivity.png)");
}
