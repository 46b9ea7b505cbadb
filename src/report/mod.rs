//! Writing results. Renderers are pure; [`write_atomic`] and
//! [`write::write_reports`] do the I/O.

pub mod figures;
pub mod markdown;
pub mod model;
pub mod write;

use crate::error::SdslError;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory is written, flushed and renamed over the target, so a failure
/// never leaves a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SdslError> {
    let io = |source| SdslError::Io {
        path: path.display().to_string(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}
