//! `sdsl import`: engine outputs → the runs table (docs/import.md). The
//! import itself is [`crate::fit::runs`]; this module renders its rows.

use crate::error::SdslError;
pub use crate::fit::runs::{ImportOptions, ImportOut, Input, import};
use crate::ingest::engines::{self, RunRow};

/// The runs table as CSV (header [`engines::runs::COLUMNS`]).
pub fn render_csv(rows: &[RunRow]) -> Result<String, SdslError> {
    let header: Vec<&str> = engines::runs::COLUMNS.iter().map(|(n, _)| *n).collect();
    let mut t = crate::report::csv_out::CsvTable::new(&header)?;
    for r in rows {
        t.row(&r.fields())?;
    }
    t.finish()
}

/// The rows as JSON objects: every column, with `alpha` as
/// `{point, se: null, ci95: [lo, hi], method}` (null without an estimate),
/// `per_position` and `flags` as lists.
pub fn render_json(rows: &[RunRow]) -> serde_json::Value {
    use serde_json::{Value, json};
    let list = rows
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
            if let Value::Object(o) = &mut v {
                o.remove("alpha_ci95_lower");
                o.remove("alpha_ci95_upper");
                o.remove("alpha_method");
                let alpha = r.alpha.map(|point| {
                    json!({
                        "point": point,
                        "se": null,
                        "ci95": r.alpha_ci95_lower.zip(r.alpha_ci95_upper).map(|(l, h)| [l, h]),
                        "method": if r.alpha_method == "counts-mle" { "lr" } else { r.alpha_method.as_str() },
                    })
                });
                o.insert("alpha".into(), alpha.unwrap_or(Value::Null));
            }
            v
        })
        .collect();
    Value::Array(list)
}

/// A compact text table: file, block, method, γ, TPOT, tok/s, α̂ with its
/// interval, i.i.d. p, and the two speed-ups (perplexity rows: model,
/// task, perplexity and its normalisation).
pub fn render_table(rows: &[RunRow]) -> String {
    let f = |v: Option<f64>, d: usize| v.map(|x| format!("{x:.d$}")).unwrap_or_else(|| "-".into());
    let mut lines = vec![vec![
        "file".to_string(),
        "blk".into(),
        "method".into(),
        "γ".into(),
        "TPOT ms".into(),
        "tok/s".into(),
        "alpha [95% CI]".into(),
        "iid p".into(),
        "S tpot".into(),
        "S tok/s".into(),
    ]];
    for r in rows {
        let file = std::path::Path::new(&r.source)
            .file_name()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| r.source.clone());
        if let Some(p) = r.ppl {
            lines.push(vec![
                file,
                r.block.to_string(),
                format!("ppl {}", r.ppl_norm),
                "-".into(),
                r.model.clone(),
                r.dataset.clone(),
                format!("{p:.4}"),
                "-".into(),
                "-".into(),
                "-".into(),
            ]);
            continue;
        }
        let alpha = match (r.alpha, r.alpha_ci95_lower, r.alpha_ci95_upper) {
            (Some(a), Some(l), Some(h)) => format!("{a:.4} [{l:.4}, {h:.4}]"),
            (Some(a), _, _) => format!("{a:.4} ({})", r.alpha_method),
            _ => r
                .tar
                .map(|t| format!("- (tar {t:.4})"))
                .unwrap_or_else(|| "-".into()),
        };
        let iid = match (r.iid_p, r.iid_flag) {
            (Some(p), Some(true)) => format!("{p:.3}!"),
            (Some(p), _) => format!("{p:.3}"),
            _ => "-".into(),
        };
        lines.push(vec![
            file,
            r.block.to_string(),
            r.method.clone(),
            r.gamma.map(|g| g.to_string()).unwrap_or_else(|| "-".into()),
            f(r.tpot_ms, 2),
            f(r.output_tok_s, 2),
            alpha,
            iid,
            f(r.speedup_tpot, 3),
            f(r.speedup_throughput, 3),
        ]);
    }
    let widths: Vec<usize> = (0..lines[0].len())
        .map(|c| {
            lines
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = String::new();
    for l in &lines {
        let cells: Vec<String> = l
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}", w = *w))
            .collect();
        s.push_str(cells.join("  ").trim_end());
        s.push('\n');
    }
    s.push_str("(! marks an i.i.d. test rejected at p < 0.01; S: speed-up against the matching no-speculation run)\n");
    s
}
