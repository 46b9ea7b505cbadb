//! Writing a whole report directory (`report.md`, `report.json`,
//! `figures/`) atomically.

use super::model::Report;
use crate::error::SdslError;
use std::path::{Path, PathBuf};

/// Writes the report into `out` atomically: everything goes to a sibling
/// temporary directory, which replaces `out` only when complete.
pub fn write_reports(r: &Report, out: &Path) -> Result<(), SdslError> {
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
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}
