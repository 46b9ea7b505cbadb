//! The report's "Lab: is acceptance i.i.d.?" section (pure renderer of
//! [`crate::report::model::lab_iid::LabIidSection`]).

use crate::report::format::interval_or_dash;
use crate::report::md_table::MdTable;
use crate::report::model::lab_iid::LabIidSection;
use std::fmt::Write;

fn ci(i: &crate::fit::interval::Interval) -> String {
    interval_or_dash(i.ci95, 4)
}

/// Renders the section.
pub fn render(w: &mut String, s: &LabIidSection) {
    let _ = writeln!(
        w,
        "\n### Lab: is acceptance i.i.d.?\n\nThe throughput formulas assume every drafted token is accepted independently with one rate α. Position 1 of the draft block is accepted less often than positions 2..γ pooled in **{} of {}** (pair, γ) sampler runs.\n",
        s.first_lower[0], s.first_lower[1]
    );
    for n in &s.notes {
        let _ = writeln!(w, "- {n}");
    }
    let rejected = s.pairs.iter().filter(|p| p.lr[2] < 0.01).count();
    let same_gamma = s
        .pairs
        .iter()
        .filter(|p| p.measured_best_gamma == p.best_gamma[1])
        .count();
    let _ = writeln!(
        w,
        "\nPer run (acceptance at each block position, the LR test of position 1 against 2..γ, α̂, measured and i.i.d. tokens per iteration): `tables/lab_iid_positions.csv`. Per pair, α̂ at each γ with its likelihood-ratio interval, the test of one α for every γ (rejected at the 1% level in {rejected} of {} pairs) and the best γ and S with c counted as the lab's laws count it (N/M, non-embedding) and with every FLOP (the measured best γ equals the latter's in {same_gamma} of {}): `tables/lab_iid_gamma.csv`.",
        s.pairs.len(),
        s.pairs.len()
    );
    let _ = writeln!(
        w,
        "\nThe lab α law α = A·x + B·y + C with cluster-robust errors ({} draft architectures, {} targets):\n",
        s.clusters[0], s.clusters[1]
    );
    let mut t = MdTable::new([
        "coefficient",
        "OLS [95% t]",
        "CR2 by draft architecture [95% t, G − 1 df]",
        "CR2 by target [95% t, G − 1 df]",
    ]);
    for c in &s.alpha_law {
        t.row([
            c.name.clone(),
            format!("{:.5} {}", c.ols.point, ci(&c.ols)),
            format!(
                "SE {:.5} {}",
                c.by_draft.se.unwrap_or(f64::NAN),
                ci(&c.by_draft)
            ),
            format!(
                "SE {:.5} {}",
                c.by_target.se.unwrap_or(f64::NAN),
                ci(&c.by_target)
            ),
        ]);
    }
    t.write_to(w);
}
