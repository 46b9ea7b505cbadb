//! The report's "Lab: is acceptance i.i.d.?" section (pure renderer of
//! [`crate::report::model::lab_iid::LabIidSection`]).

use crate::report::format::{fixed_or_dash, interval_or_dash};
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
    w.push('\n');
    let mut t = MdTable::new([
        "draft",
        "target",
        "γ",
        "iterations",
        "acceptance by position 1..γ",
        "positions 2..γ",
        "LR χ²₁ (p)",
        "α̂ (MLE)",
        "τ measured",
        "E(α̂ pooled, γ)",
    ]);
    for r in &s.runs {
        let pos: Vec<String> = r.by_position.iter().map(|p| fixed_or_dash(*p, 3)).collect();
        t.row([
            r.draft.clone(),
            r.target.clone(),
            r.gamma.to_string(),
            r.iterations.to_string(),
            pos.join(", "),
            fixed_or_dash(r.later, 3),
            format!(
                "{:.2} ({:.2e})",
                r.lr_first_vs_later[0], r.lr_first_vs_later[1]
            ),
            format!("{:.4}", r.alpha_mle),
            format!("{:.3}", r.tokens_per_iter),
            format!("{:.3}", r.tokens_per_iter_iid),
        ]);
    }
    t.write_to(w);
    let _ = writeln!(
        w,
        "\nα̂ by γ (likelihood-ratio intervals), the test of one α for every γ, and the effect on the best γ and S (c as the lab's laws count it, N/M in non-embedding parameters, and with every FLOP counted):\n"
    );
    let mut t = MdTable::new([
        "draft",
        "target",
        "α̂ by γ",
        "pooled α̂",
        "LR χ² (df, p)",
        "c: non-emb. / all FLOPs",
        "best γ, S (non-emb.)",
        "best γ, S (all FLOPs)",
        "measured best γ (all FLOPs)",
    ]);
    for p in &s.pairs {
        let by: Vec<String> = p
            .alpha_by_gamma
            .iter()
            .map(|(g, i)| format!("γ={g}: {:.4} {}", i.point, ci(i)))
            .collect();
        t.row([
            p.draft.clone(),
            p.target.clone(),
            by.join("; "),
            format!("{:.4}", p.alpha_pooled),
            format!("{:.2} ({}, {:.2e})", p.lr[0], p.lr[1], p.lr[2]),
            format!("{:.4} / {:.4}", p.cost_ratio[0], p.cost_ratio[1]),
            format!("{}, {:.3}", p.best_gamma[0], p.speedup[0]),
            format!("{}, {:.3}", p.best_gamma[1], p.speedup[1]),
            p.measured_best_gamma.to_string(),
        ]);
    }
    t.write_to(w);
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
