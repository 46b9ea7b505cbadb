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

/// The lock that serialises writers of one output directory: an exclusive
/// advisory lock (`flock`) on `.NAME.lock` beside `out`, held while the
/// returned guard lives. A second `sdsl refit` into the same `out` fails at
/// once with a clear message instead of interleaving files.
pub struct OutLock {
    file: std::fs::File,
    path: PathBuf,
}

impl Drop for OutLock {
    /// Removes the lock file while still holding the lock, so nothing is
    /// left beside `out`; a writer that opened the removed file notices (the
    /// path no longer names the file it locked) and retries.
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Whether `file` (locked) is still the file at `path` (not removed and
/// replaced by another writer's release in between).
fn still_at(file: &std::fs::File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

fn sibling(out: &Path, what: &str) -> PathBuf {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("reports");
    parent.join(format!(".{name}.{what}"))
}

/// Takes the output directory's lock (creating its parent folder if needed)
/// and removes what killed or failed earlier writers left behind
/// (`.NAME.tmp-PID` and `.NAME.old-PID` directories): while the lock is
/// held no other writer is alive, so every such directory is stale. A
/// half-done swap of the non-exchanging fallback (`out` missing, an old copy
/// beside it) is rolled back first.
pub fn lock_out_dir(out: &Path) -> Result<OutLock, SdslError> {
    let lock = sibling(out, "lock");
    if let Some(p) = lock.parent() {
        std::fs::create_dir_all(p).map_err(|source| SdslError::Io {
            path: p.display().to_string(),
            source,
        })?;
    }
    // a few attempts: the file may be removed by a writer finishing between
    // our open and our lock (then we hold a lock on a file nobody else sees)
    for _ in 0..16 {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .map_err(|source| SdslError::Io {
                path: lock.display().to_string(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(SdslError::InvalidArgument(format!(
                    "output directory {}: another sdsl refit is writing it (lock {}); wait for it to finish or choose another directory",
                    out.display(),
                    lock.display()
                )));
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(SdslError::Io {
                    path: lock.display().to_string(),
                    source,
                });
            }
        }
        if still_at(&file, &lock) {
            let guard = OutLock { file, path: lock };
            clean_stale(out)?;
            return Ok(guard);
        }
    }
    Err(SdslError::InvalidArgument(format!(
        "output directory {}: could not take its lock {} (other writers keep replacing it); try again",
        out.display(),
        lock.display()
    )))
}

/// Removes stale temporaries of `out` (call with the lock held).
fn clean_stale(out: &Path) -> Result<(), SdslError> {
    let tmp_prefix = sibling(out, "tmp-");
    let old_prefix = sibling(out, "old-");
    let Some(parent) = tmp_prefix.parent() else {
        return Ok(());
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Ok(());
    };
    let name_of = |p: &Path| p.file_name().and_then(|n| n.to_str()).map(str::to_string);
    let (tmp_name, old_name) = (name_of(&tmp_prefix), name_of(&old_prefix));
    let mut olds = Vec::new();
    let mut tmps = Vec::new();
    for e in entries.flatten() {
        let Some(n) = e.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if tmp_name.as_ref().is_some_and(|t| n.starts_with(t.as_str())) {
            tmps.push(e.path());
        } else if old_name.as_ref().is_some_and(|o| n.starts_with(o.as_str())) {
            olds.push(e.path());
        }
    }
    olds.sort();
    if !out.exists()
        && let Some(last) = olds.pop()
    {
        // killed between moving the old report aside and moving the new
        // one in: put the old one back
        std::fs::rename(&last, out).map_err(|source| SdslError::Io {
            path: format!("restoring {} from {}", out.display(), last.display()),
            source,
        })?;
    }
    for p in tmps.into_iter().chain(olds) {
        std::fs::remove_dir_all(&p).map_err(|source| SdslError::Io {
            path: format!("removing the stale temporary {}", p.display()),
            source,
        })?;
    }
    Ok(())
}

/// Exchanges two paths atomically (Linux `renameat2(RENAME_EXCHANGE)`).
/// Returns false where the call is not available (other systems, old
/// kernels, file systems without support), so the caller falls back.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<bool, std::io::Error> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths, relative to the working directory.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::ENOSYS) | Some(libc::EINVAL) => Ok(false),
        _ => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> Result<bool, std::io::Error> {
    Ok(false)
}

/// Writes the report into `out` atomically: everything goes to a sibling
/// temporary directory, which then replaces `out` in one step (an atomic
/// exchange where the system has one; else two renames, which a killed run
/// leaves for [`lock_out_dir`] to roll back). `out` must pass
/// [`check_out_dir`] (checked again here, without protected paths). Takes
/// the directory's lock unless the caller holds it (`locked`).
pub fn write_reports(r: &Report, out: &Path) -> Result<(), SdslError> {
    let _lock = lock_out_dir(out)?;
    write_reports_locked(r, out)
}

/// [`write_reports`] for a caller that already holds [`lock_out_dir`].
pub fn write_reports_locked(r: &Report, out: &Path) -> Result<(), SdslError> {
    check_out_dir(out, &[])?;
    let tmp = sibling(out, &format!("tmp-{}", std::process::id()));
    let old = sibling(out, &format!("old-{}", std::process::id()));
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
        #[cfg(feature = "schema")]
        {
            let path = tmp.join("report.schema.json");
            let text =
                serde_json::to_string_pretty(&super::schema::report_schema()).map_err(|e| {
                    SdslError::InvalidArgument(format!("serialising {}: {e}", path.display()))
                })?;
            std::fs::write(&path, text + "\n").map_err(io(&path))?;
        }
        super::figures::render_all(r, &figures)?;
        for (rel, text) in super::tables::files(r)? {
            let path = tmp.join(&rel);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(io(dir))?;
            }
            std::fs::write(&path, text).map_err(io(&path))?;
        }
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
        let swapped = exchange(&tmp, out).map_err(|source| SdslError::Io {
            path: format!("exchanging the new reports with {}", out.display()),
            source,
        })?;
        if swapped {
            // `tmp` now holds the previous report
            return std::fs::remove_dir_all(&tmp).map_err(|source| SdslError::Io {
                path: format!(
                    "the new reports are in {}, but the previous ones could not be removed from {}; delete it by hand",
                    out.display(),
                    tmp.display()
                ),
                source,
            });
        }
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
