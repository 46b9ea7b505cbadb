//! Writing results. Renderers are pure; [`write_atomic`] and
//! [`write::write_reports`] do the I/O.

pub mod csv_out;
pub mod decision_tables;
#[cfg(feature = "plots")]
pub mod figures;
pub mod format;
pub mod markdown;
pub mod md_table;
pub mod model;
#[cfg(feature = "schema")]
pub mod schema;
pub mod tables;
#[cfg(feature = "plots")]
pub mod write;

use crate::error::SdslError;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory is written, flushed and renamed over the target, so a failure
/// never leaves a half-written file.
///
/// Only a regular file (or a new path) is replaced that way. A special file
/// — a FIFO, a character or block device such as `/dev/null` — is written
/// in place, as a shell redirection would: renaming over it would replace
/// the device node or pipe with a regular file. A symbolic link is followed:
/// its target is replaced and the link stays. A directory is refused.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SdslError> {
    let io = |source| SdslError::Io {
        path: path.display().to_string(),
        source,
    };
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(SdslError::InvalidArgument(format!(
                "{} is a directory; name a file to write",
                path.display()
            )));
        }
        Ok(m) if !m.is_file() => {
            // special file: write in place, never rename over it
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(io)?;
            return f.write_all(bytes).and_then(|()| f.flush()).map_err(io);
        }
        _ => {}
    }
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let resolved;
    let target = if is_link {
        resolved = std::fs::canonicalize(path).map_err(io)?;
        resolved.as_path()
    } else {
        path
    };
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}
