//! Dependencies run one way, down the layers `error → law → ingest → fit →
//! derive → catalog → report → pipeline → query → cli`: no module names a layer above
//! its own (checked from the imports, and shown to fail on a deliberately
//! wrong one), the library never names the command line, and the manifest
//! reader and the section folders have no circle.
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn library_modules_do_not_name_the_cli() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    let mut seen = 0;
    for module in [
        "law", "fit", "derive", "ingest", "catalog", "report", "pipeline",
    ] {
        let mut files = Vec::new();
        rust_files(&src.join(module), &mut files);
        assert!(!files.is_empty(), "src/{module} has no files");
        for f in files {
            seen += 1;
            let text = std::fs::read_to_string(&f).unwrap();
            for (i, line) in text.lines().enumerate() {
                if line.contains("crate::cli") || line.contains("sdsl::cli") {
                    offenders.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
                }
            }
        }
    }
    assert!(seen > 20, "only {seen} files scanned");
    assert!(
        offenders.is_empty(),
        "library code names the CLI:\n{}",
        offenders.join("\n")
    );
}

/// The refit manifest reader (`src/pipeline/config/`) has no circle:
/// `located.rs` names nothing in the crate but `error`, `validation.rs`
/// names only `located.rs` of its siblings, and `mod.rs` uses both.
#[test]
fn the_manifest_reader_has_no_circle() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/pipeline/config");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let located = read("located.rs");
    for (i, line) in located.lines().enumerate() {
        let names_crate = line.contains("crate::") && !line.contains("crate::error");
        assert!(
            !(names_crate || line.contains("super::")),
            "src/pipeline/config/located.rs:{}: a leaf names {}",
            i + 1,
            line.trim()
        );
    }
    let validation = read("validation.rs");
    for (i, line) in validation.lines().enumerate() {
        let sibling = line.contains("super::") && !line.contains("super::located");
        assert!(
            !(sibling || line.contains("pipeline::") || line.contains("config::")),
            "src/pipeline/config/validation.rs:{}: names {}",
            i + 1,
            line.trim()
        );
    }
    let root = read("mod.rs");
    assert!(root.contains("mod located;") && root.contains("mod validation;"));
}

/// The library's layers, lowest first (issue #22): a module may name its own
/// layer and the ones below it, never one above. `error` is the floor.
/// `catalog` (name resolution: `latency:…` specs, shipped law names) sits
/// above `derive` and below `report`, and builds without the `io` feature.
const LAYERS: [&str; 10] = [
    "error", "law", "ingest", "fit", "derive", "catalog", "report", "pipeline", "query", "cli",
];

/// Every `crate::X` a Rust source text names, with its line: plain paths
/// (`crate::fit::ols`) and the heads of grouped imports
/// (`use crate::{fit::ols, law}` names `fit` and `law`). Comments are skipped.
fn crate_references(text: &str) -> Vec<(usize, String)> {
    let code: Vec<String> = text
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => l[..i].to_string(),
            None => l.to_string(),
        })
        .collect();
    let joined = code.join("\n");
    let line_of = |byte: usize| joined[..byte].matches('\n').count() + 1;
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = joined[from..].find("crate::") {
        let at = from + i;
        let rest = &joined[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // the heads of a grouped import, at brace depth 0
            let mut depth = 0;
            let mut head = true;
            for (k, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => head = true,
                    c if head && (c.is_alphanumeric() || c == '_') => {
                        out.push((line_of(at), ident(&group[k..])));
                        head = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.push((line_of(at), ident(rest)));
        }
        from = at + "crate::".len();
    }
    out
}

/// The violations of the layer order in the sources under `src`: every
/// `crate::X` in a file of layer L where X is a layer above L.
fn layer_violations(src: &Path) -> (usize, Vec<String>) {
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut bad = Vec::new();
    let mut scanned = 0;
    for f in files {
        let rel = f.strip_prefix(src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let Some(own) = rank(&top) else { continue }; // lib.rs, main.rs
        scanned += 1;
        let text = std::fs::read_to_string(&f).unwrap();
        for (line, name) in crate_references(&text) {
            if let Some(r) = rank(&name)
                && r > own
            {
                bad.push(format!(
                    "src/{}:{line}: layer '{top}' names the higher layer '{name}'",
                    rel.display()
                ));
            }
        }
    }
    (scanned, bad)
}

/// No module names a layer above its own (`law → ingest → fit → derive →
/// report → pipeline → query → cli`, with `error` below all), so an arrow
/// back up fails here.
#[test]
fn no_module_names_a_layer_above_its_own() {
    let (scanned, bad) = layer_violations(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(scanned > 60, "only {scanned} files scanned");
    assert!(bad.is_empty(), "arrows back up:\n{}", bad.join("\n"));
}

/// The check above can fail: a copy of two real files with a deliberately
/// wrong import (a law naming the pipeline, grouped and plain) is caught,
/// and the same files without it are not.
#[test]
fn the_layer_check_catches_a_deliberately_wrong_import() {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for (name, body) in [
        (
            "law/cost.rs",
            std::fs::read_to_string(src.join("law/cost.rs")).unwrap(),
        ),
        (
            "catalog/latency.rs",
            std::fs::read_to_string(src.join("catalog/latency.rs")).unwrap(),
        ),
    ] {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    assert!(layer_violations(dir.path()).1.is_empty());
    let cost = dir.path().join("law/cost.rs");
    let text = std::fs::read_to_string(&cost).unwrap();
    std::fs::write(
        &cost,
        format!("use crate::{{error::SdslError as E, catalog::latency}};\n{text}"),
    )
    .unwrap();
    let (_, bad) = layer_violations(dir.path());
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(bad[0].contains("law/cost.rs:1: layer 'law' names the higher layer 'catalog'"));
    std::fs::write(
        &cost,
        format!("{text}\nfn f() {{ let _ = crate::query::Laws::load; }}\n"),
    )
    .unwrap();
    assert_eq!(layer_violations(dir.path()).1.len(), 1);
}

/// The heads of the paths after each `prefix` in `text` (comments skipped):
/// `super::nemo::f` gives `nemo`, `super::{row, lab::f}` gives `row` and `lab`.
fn heads_after(text: &str, prefix: &str) -> Vec<(usize, String)> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    let mut group: Option<(usize, i32, bool)> = None; // (line, depth, at a head)
    for (n, line) in text.lines().enumerate() {
        let code = line.find("//").map_or(line, |i| &line[..i]);
        let mut k = 0;
        while k < code.len() {
            let rest = &code[k..];
            if let Some((at, depth, head)) = group.as_mut() {
                let c = rest.chars().next().unwrap();
                match c {
                    '{' => *depth += 1,
                    '}' if *depth == 0 => group = None,
                    '}' => *depth -= 1,
                    ',' if *depth == 0 => *head = true,
                    c if *head && (c.is_alphanumeric() || c == '_') => {
                        let id = ident(rest);
                        out.push((*at, id.clone()));
                        *head = false;
                        k += id.len();
                        continue;
                    }
                    _ => {}
                }
                k += c.len_utf8();
                continue;
            }
            let boundary = !code[..k]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
            if boundary && rest.starts_with(prefix) {
                let after = &rest[prefix.len()..];
                if after.starts_with('{') {
                    group = Some((n + 1, 0, true));
                    k += prefix.len() + 1;
                } else {
                    out.push((n + 1, ident(after)));
                    k += prefix.len();
                }
                continue;
            }
            k += rest.chars().next().unwrap().len_utf8();
        }
    }
    out
}

/// The section folders have no circle (issue #22): `src/report/model/`,
/// `src/report/markdown/` and `src/pipeline/validation/` hold a `mod.rs` and
/// one file per section (or validation source); a section file never names a
/// sibling section file (it may use `mod.rs`, which calls the sections), and
/// the report record's `mod.rs` names only each section's top record.
#[test]
fn the_section_folders_have_no_circle() {
    assert_eq!(
        heads_after(
            "use super::{row, lab::f};\nx = model::nemo::g(); // super::no",
            "super::"
        ),
        vec![(1, "row".to_string()), (1, "lab".to_string())]
    );
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    for folder in ["report/model", "report/markdown", "pipeline/validation"] {
        let dir = src.join(folder);
        let parent = folder.rsplit('/').next().unwrap();
        let mut sections: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
            .filter(|s| s != "mod")
            .collect();
        sections.sort();
        assert!(sections.len() >= 4, "src/{folder}: only {sections:?}");
        let root = std::fs::read_to_string(dir.join("mod.rs")).unwrap();
        for s in &sections {
            assert!(
                root.contains(&format!("mod {s};")),
                "src/{folder}/mod.rs lacks mod {s}"
            );
        }
        for s in &sections {
            let text = std::fs::read_to_string(dir.join(format!("{s}.rs"))).unwrap();
            for prefix in ["super::".to_string(), format!("{parent}::")] {
                for (line, head) in heads_after(&text, &prefix) {
                    if head != *s && sections.contains(&head) {
                        offenders.push(format!("src/{folder}/{s}.rs:{line}: names {prefix}{head}"));
                    }
                }
            }
        }
        if folder == "report/model" {
            for s in &sections {
                for (line, item) in heads_after(&root, &format!("{s}::")) {
                    if !item.ends_with("Section") {
                        offenders.push(format!(
                            "src/{folder}/mod.rs:{line}: names {s}::{item}, not the section's record"
                        ));
                    }
                }
            }
        }
    }
    assert!(offenders.is_empty(), "circles:\n{}", offenders.join("\n"));
}
