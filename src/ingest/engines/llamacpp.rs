//! llama.cpp `llama-server` logs (`tools/server/server.cpp` and
//! `server-context.cpp`, read at commit aa6192d3 of ggml-org/llama.cpp):
//! `srv    load_model: loading model 'PATH'`, `loading draft model 'PATH'`,
//! and after each request with speculation
//! `draft acceptance rate = R (  A accepted /   G generated)`. The rate is
//! accepted ÷ drafted tokens over drafts whose length varies (a draft stops
//! when the draft model's confidence falls below `--draft-p-min`), so it is
//! not a fixed-γ TAR and yields no α: the runs table keeps it as `tar`.
//! One row per printed rate (one request each).

use super::text::{at, clean_lines, count, number};
use super::{Block, SpecCounts};
use crate::error::SdslError;

/// The quoted path after `label`, as the model's name (file stem of the path).
fn model_after(line: &str, label: &str) -> Option<String> {
    let i = line.find(label)?;
    let rest = &line[i + label.len()..];
    let path = rest.strip_prefix('\'')?.split('\'').next()?;
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    Some(name.trim_end_matches(".gguf").to_string()).filter(|s| !s.is_empty())
}

/// Reads every `draft acceptance rate` line of a server log.
pub fn read(source: &str, text: &str) -> Result<Vec<Block>, SdslError> {
    let lines = clean_lines(text);
    let (mut target, mut draft) = (None, None);
    let mut out = Vec::new();
    for (n, line) in &lines {
        if let Some(m) = model_after(line, "loading draft model ") {
            draft = Some(m);
        } else if let Some(m) = model_after(line, "loading model ") {
            target = Some(m);
        }
        let Some(i) = line.find("draft acceptance rate =") else {
            continue;
        };
        let rest = &line[i + "draft acceptance rate =".len()..];
        let (rate, counts) = rest.split_once('(').ok_or_else(|| {
            at(source, *n, "a 'draft acceptance rate' line without its '(A accepted / G generated)' part (truncated?)")
        })?;
        let tar = number(source, *n, "draft acceptance rate =", rate)?;
        let (a, g) = counts
            .split_once("accepted /")
            .ok_or_else(|| at(source, *n, "no 'accepted /' in the draft acceptance line"))?;
        let g = g
            .trim()
            .strip_suffix(')')
            .unwrap_or(g.trim())
            .trim()
            .trim_end_matches("generated")
            .trim();
        let accepted = count(source, *n, "accepted", a)?;
        let generated = count(source, *n, "generated", g)?;
        if accepted > generated || tar > 1.0 {
            return Err(at(source, *n, "more tokens accepted than drafted"));
        }
        out.push(Block {
            source: source.to_string(),
            block: out.len() + 1,
            line: *n,
            format: "llamacpp",
            engine: "llama.cpp".into(),
            target: target.clone(),
            draft: draft.clone(),
            method: Some("draft_model".into()),
            spec: Some(SpecCounts {
                draft_tokens: Some(generated),
                accepted_tokens: Some(accepted),
                tar: Some(tar),
                ..Default::default()
            }),
            flags: vec!["variable_draft_length".into()],
            ..Default::default()
        });
    }
    if out.is_empty() {
        return Err(SdslError::Data {
            path: source.to_string(),
            message: "no 'draft acceptance rate =' line: not a llama-server log with speculative decoding (choose another --format)".into(),
        });
    }
    Ok(out)
}
