//! The report as a decision document: the table of contents resolves, the
//! page stays short, and "What to deploy" equals `sdsl predict` with the
//! refit's own law files.
use crate::common::*;
use std::path::Path;

fn reports() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/reports"))
}

/// GitHub's heading anchor, written here independently of the renderer:
/// lower case; letters, digits, `-`, `_` and spaces kept; spaces → `-`;
/// a repeated anchor gets `-1`, `-2`, ….
fn github_anchors(md: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_code = false;
    for line in md.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        }
        if in_code || !line.starts_with('#') {
            continue;
        }
        let text = line.trim_start_matches('#').trim();
        let base: String = text
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut a = base.clone();
        let mut k = 0;
        while out.contains(&a) {
            k += 1;
            a = format!("{base}-{k}");
        }
        out.push(a);
    }
    out
}

#[test]
fn every_table_of_contents_link_resolves_and_every_section_is_listed() {
    let md = std::fs::read_to_string(reports().join("report.md")).unwrap();
    let anchors = github_anchors(&md);
    let links: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("- [") && l.contains("](#"))
        .filter_map(|l| l.split("](#").nth(1)?.strip_suffix(')'))
        .collect();
    assert!(links.len() >= 8, "only {} contents links", links.len());
    for l in &links {
        assert!(
            anchors.iter().any(|a| a == l),
            "contents link #{l} names no heading"
        );
    }
    let sections: Vec<&str> = md.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        links.len(),
        sections.len(),
        "the contents list {} links for {} sections",
        links.len(),
        sections.len()
    );
    // the decision first, then the laws, N*, hardware, validation, lab
    let pos = |needle: &str| {
        sections
            .iter()
            .position(|s| s.contains(needle))
            .unwrap_or_else(|| panic!("no section {needle}"))
    };
    let order = [
        pos("What to deploy"),
        pos("Loss law"),
        pos("Acceptance law"),
        pos("N*: the throughput-optimal"),
        pos("N* on real hardware"),
        pos("Where the laws hold and fail"),
        pos("Sensitivity of N*"),
        pos("The paper side by side"),
        pos("Lab:"),
    ];
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "sections out of order: {sections:?}"
    );
    assert_eq!(order[0], 0, "\"What to deploy\" is not the first section");
}

/// report.md ≤ 500 lines (issue #25): the long tables live in `tables/`.
#[test]
fn the_report_page_is_at_most_500_lines() {
    let md = std::fs::read_to_string(reports().join("report.md")).unwrap();
    let n = md.lines().count();
    assert!(n <= 500, "report.md has {n} lines, over 500");
}

/// Every row of the page's "What to deploy" table: N*, S(N*) and the best
/// draft's S equal `sdsl predict` run with the refit's law files
/// (`reports/laws/*.json`) for the same target, family and cost model.
#[test]
fn what_to_deploy_equals_sdsl_predict_with_the_refit_laws() {
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reports().join("report.json")).unwrap())
            .unwrap();
    let loss = reports().join("laws/loss.json");
    let alpha = reports().join("laws/alpha.json");
    let rows = report["deploy"]["rows"].as_array().expect("deploy rows");
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    let mut checked = 0;
    let mut beats = 0;
    for row in rows.iter().filter(|r| r["on_page"] == true) {
        let (t, f, c) = (
            row["target"].as_str().unwrap(),
            row["draft_family"].as_str().unwrap(),
            row["cost_model"].as_str().unwrap(),
        );
        let args = [
            "predict",
            "--target",
            t,
            "--draft-family",
            f,
            "--cost-model",
            c,
            "--loss-law",
            loss.to_str().unwrap(),
            "--alpha-law",
            alpha.to_str().unwrap(),
            "--json",
        ];
        let what = format!("{t} / {f} / {c}");
        if row["n_star"].is_null() {
            // no N*: predict says so and fails
            assert!(!sdsl(&args).status.success(), "{what}: predict finds an N*");
            checked += 1;
            continue;
        }
        let v = sdsl_json(&args);
        match row["n_star"].as_f64() {
            Some(n) => {
                assert!(
                    close(n, num(&v, "n_star")),
                    "{what}: N* {n} vs {}",
                    v["n_star"]
                );
                let s = row["speedup_at_n_star"].as_f64().unwrap();
                assert!(
                    close(s, num(&v, "speedup_int")),
                    "{what}: S(N*) {s} vs {}",
                    v["speedup_int"]
                );
                assert_eq!(row["gamma"], v["gamma_star_int"], "{what}: γ");
            }
            None => assert!(v["n_star"].is_null(), "{what}: predict finds an N*"),
        }
        assert_eq!(
            row["best_draft"], v["best_family_draft"],
            "{what}: best draft"
        );
        if let Some(name) = row["best_draft"].as_str() {
            let d = v["family_drafts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["name"] == name)
                .unwrap();
            let s = match d.get("measured") {
                Some(m) => num(m, "speedup"),
                None => num(d, "speedup_int"),
            };
            let ours = row["best_draft_speedup"].as_f64().unwrap();
            assert!(close(ours, s), "{what}: best draft S {ours} vs {s}");
        }
        if let Some(fits) = row["fits_memory"].as_bool() {
            assert_eq!(Some(fits), v["fits_memory"].as_bool(), "{what}: memory");
        }
        beats += usize::from(row["real_draft_beats_n_star"] == true);
        checked += 1;
    }
    assert!(checked >= 50, "only {checked} rows on the page");
    assert!(beats > 0, "no real draft beats S(N*) on the page");
}
