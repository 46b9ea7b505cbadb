//! Writing a report directory: report.md, report.json and figures/, put in
//! place only when everything was written.

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
    let io = |p: &Path| {
        let path = p.display().to_string();
        move |source| SdslError::Io { path, source }
    };
    let result = (|| -> Result<(), SdslError> {
        std::fs::create_dir_all(tmp.join("figures")).map_err(io(&tmp))?;
        let md = tmp.join("report.md");
        std::fs::write(&md, super::markdown::render(r)).map_err(io(&md))?;
        let json = tmp.join("report.json");
        let text = serde_json::to_string_pretty(r)
            .map_err(|e| SdslError::Numerical(format!("serialising the report: {e}")))?;
        std::fs::write(&json, text + "\n").map_err(io(&json))?;
        super::figures::render_all(r, &tmp.join("figures"))?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(SdslError::InvalidArgument(format!(
            "writing the reports failed ({e}); {} was left unchanged",
            out.display()
        )));
    }
    if out.exists() {
        std::fs::rename(out, &old).map_err(io(out))?;
    }
    if let Err(e) = std::fs::rename(&tmp, out) {
        let _ = std::fs::rename(&old, out);
        return Err(io(out)(e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}
