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
