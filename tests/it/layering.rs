//! Dependencies run one way: `law`, `fit`, `derive`, `ingest`, `report` and
//! `pipeline` never name the command-line layer (`crate::cli`), so the
//! library works without it (and without the `cli` feature).
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
    for module in ["law", "fit", "derive", "ingest", "report", "pipeline"] {
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
