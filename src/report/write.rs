//! Writing a whole report directory (`report.md`, `report.json`,
//! `figures/`) atomically.

use super::model::Report;
use crate::error::SdslError;
use std::path::{Path, PathBuf};

/// Whether `dir` holds a previous report: a `report.json` whose top-level
/// object has a `schema_version` key (the marker every report carries).
pub fn is_previous_report(dir: &Path) -> bool {
    std::fs::read(dir.join("report.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v.get("schema_version").is_some())
}

/// Checks that `out` may be replaced by a report directory: it is new, an
/// empty directory or a previous report ([`is_previous_report`]), and it is
/// none of the `protected` paths nor a folder containing one (pass the
/// manifest and every input file: their folders and every ancestor, such as
/// the working-tree root, are then refused). A regular file or a symbolic
/// link is refused too. Paths are compared canonicalised. Cheap: call it
/// before any computation.
pub fn check_out_dir(out: &Path, protected: &[PathBuf]) -> Result<(), SdslError> {
    let refuse = |why: String| {
        SdslError::InvalidArgument(format!(
            "output directory {}: {why}; choose an empty or new directory",
            out.display()
        ))
    };
    let io = |source| SdslError::Io {
        path: out.display().to_string(),
        source,
    };
    if out.as_os_str().is_empty() || out.file_name().is_none() {
        return Err(refuse("does not end in a directory name".into()));
    }
    let meta = match std::fs::symlink_metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(e)),
        Ok(m) => m,
    };
    if meta.file_type().is_symlink() {
        return Err(refuse(
            "is a symbolic link, which the reports would replace".into(),
        ));
    }
    if !meta.is_dir() {
        return Err(refuse(
            "is a file, not a directory, and would be replaced".into(),
        ));
    }
    let out_c = std::fs::canonicalize(out).map_err(io)?;
    for p in protected {
        if let Ok(p_c) = std::fs::canonicalize(p)
            && p_c.starts_with(&out_c)
        {
            return Err(refuse(format!(
                "holds the refit's input {}, which replacing the directory would delete",
                p.display()
            )));
        }
    }
    let empty = std::fs::read_dir(out).map_err(io)?.next().is_none();
    if !empty && !is_previous_report(out) {
        return Err(refuse(
            "exists and is not a previous report (it has no report.json with a schema_version), so replacing it would delete what it holds".into(),
        ));
    }
    Ok(())
}

/// Writes the report into `out` atomically: everything goes to a sibling
/// temporary directory, which replaces `out` only when complete. `out` must
/// pass [`check_out_dir`] (checked again here, without protected paths).
pub fn write_reports(r: &Report, out: &Path) -> Result<(), SdslError> {
    check_out_dir(out, &[])?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("reports");
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = (|| -> Result<(), SdslError> {
        let io = |p: &Path| {
            let path = p.display().to_string();
            move |source| SdslError::Io { path, source }
        };
        let figures = tmp.join("figures");
        std::fs::create_dir_all(&figures).map_err(io(&figures))?;
        let md = tmp.join("report.md");
        std::fs::write(&md, super::markdown::render(r)).map_err(io(&md))?;
        let json = tmp.join("report.json");
        let text = serde_json::to_string_pretty(r).map_err(|e| {
            SdslError::InvalidArgument(format!("serialising {}: {e}", json.display()))
        })?;
        std::fs::write(&json, text + "\n").map_err(io(&json))?;
        super::figures::render_all(r, &figures)?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(SdslError::InvalidArgument(format!(
            "writing the reports; {} was left unchanged: {e}",
            out.display()
        )));
    }
    if out.exists() {
        std::fs::rename(out, &old).map_err(|source| SdslError::Io {
            path: format!("moving the old {} aside", out.display()),
            source,
        })?;
    }
    if let Err(source) = std::fs::rename(&tmp, out) {
        let _ = std::fs::rename(&old, out);
        return Err(SdslError::Io {
            path: format!("moving the new reports into {}", out.display()),
            source,
        });
    }
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|source| SdslError::Io {
            path: format!(
                "the new reports are in {}, but the previous ones could not be removed from {}; delete it by hand",
                out.display(),
                old.display()
            ),
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(out: &Path, protected: &[PathBuf], needle: &str) {
        let e = check_out_dir(out, protected)
            .expect_err("should be refused")
            .to_string();
        assert!(
            e.contains(needle) && e.contains("choose an empty or new directory"),
            "{e}"
        );
    }

    #[test]
    fn new_empty_and_previous_report_directories_are_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("data/table.csv");
        std::fs::create_dir_all(input.parent().unwrap()).unwrap();
        std::fs::write(&input, "x\n1\n").unwrap();
        let protected = [input.clone()];
        // new, also below a folder that does not exist yet
        check_out_dir(&dir.path().join("reports"), &protected).unwrap();
        check_out_dir(&dir.path().join("a/b/reports"), &protected).unwrap();
        // a new folder inside the data folder deletes nothing
        check_out_dir(&dir.path().join("data/reports"), &protected).unwrap();
        // empty
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        check_out_dir(&empty, &protected).unwrap();
        // a previous report
        let prev = dir.path().join("prev");
        std::fs::create_dir(&prev).unwrap();
        std::fs::write(
            prev.join("report.json"),
            "{\"schema_version\": 1, \"x\": []}",
        )
        .unwrap();
        std::fs::write(prev.join("report.md"), "# old").unwrap();
        check_out_dir(&prev, &protected).unwrap();
    }

    #[test]
    fn input_folders_their_ancestors_files_links_and_other_folders_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("data/sub/table.csv");
        std::fs::create_dir_all(input.parent().unwrap()).unwrap();
        std::fs::write(&input, "x\n1\n").unwrap();
        let protected = [input.clone()];
        for out in [
            dir.path().join("data/sub"),
            dir.path().join("data"),
            dir.path().to_path_buf(),
            dir.path().join("data/sub/../sub"),
        ] {
            refused(&out, &protected, "holds the refit's input");
        }
        // even when the input folder looks like a previous report
        std::fs::write(
            input.with_file_name("report.json"),
            "{\"schema_version\": 1}",
        )
        .unwrap();
        refused(&dir.path().join("data/sub"), &protected, "table.csv");
        refused(&input, &protected, "is a file");
        let other = dir.path().join("other");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join("keep.txt"), "x").unwrap();
        refused(&other, &[], "not a previous report");
        std::fs::write(other.join("report.json"), "[1, 2]").unwrap();
        refused(&other, &[], "not a previous report");
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&other, &link).unwrap();
            refused(&link, &[], "symbolic link");
        }
        refused(Path::new(""), &[], "does not end in a directory name");
        refused(
            &dir.path().join("data/.."),
            &[],
            "does not end in a directory name",
        );
    }
}
