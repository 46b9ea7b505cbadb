//! `vllm bench serve --save-result` JSON (vLLM `vllm/benchmarks/serve.py`,
//! read at commit 009e6d4a of vllm-project/vllm): `model_id`,
//! `num_prompts`, `max_concurrency`, `mean_ttft_ms`, `mean_tpot_ms`,
//! `mean_itl_ms`, `output_throughput`, and with speculation
//! `spec_decode_acceptance_rate` (percent), `spec_decode_acceptance_length`,
//! `spec_decode_num_drafts`, `spec_decode_draft_tokens`,
//! `spec_decode_accepted_tokens` and
//! `spec_decode_per_position_acceptance_rates` (fractions, unrounded).
//! `--metadata KEY=VALUE` pairs land at the top level: `temperature`,
//! `dataset` (or `dataset_name`/`dataset_path`), `draft`,
//! `num_speculative_tokens` and `engine_version` are read when present.
//! One object per file, or one per line (`--append-result`).

use super::{Block, SpecCounts, method_from_draft_name};
use crate::error::{SdslError, clip};
use serde_json::Value;

/// Reads a result file (one JSON object, or one object per line).
pub fn read(source: &str, text: &str) -> Result<Vec<Block>, SdslError> {
    let err = |m: String| SdslError::Data {
        path: source.to_string(),
        message: m,
    };
    let objects: Vec<(usize, Value)> = match serde_json::from_str::<Value>(text) {
        Ok(v) => vec![(1, v)],
        Err(whole) => {
            let mut v = Vec::new();
            for (i, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let obj = serde_json::from_str(line).map_err(|_| {
                    err(format!(
                        "not JSON ({whole}); a --save-result file holds one object, or one per line"
                    ))
                })?;
                v.push((i + 1, obj));
            }
            v
        }
    };
    let mut out = Vec::new();
    for (i, (line, v)) in objects.into_iter().enumerate() {
        let Value::Object(o) = v else {
            return Err(err(format!(
                "line {line}: a result is a JSON object, not {}",
                clip(&v.to_string())
            )));
        };
        out.push(block(source, line, i + 1, &o)?);
    }
    if out.is_empty() {
        return Err(err("no result object: the file is empty".into()));
    }
    Ok(out)
}

fn block(
    source: &str,
    line: usize,
    index: usize,
    o: &serde_json::Map<String, Value>,
) -> Result<Block, SdslError> {
    let bad = |key: &str, what: &str| SdslError::Data {
        path: source.to_string(),
        message: format!("line {line}, key '{key}': {what} (restore the file vLLM wrote)"),
    };
    let num = |key: &str| -> Result<Option<f64>, SdslError> {
        match o.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_f64() {
                Some(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
                _ => Err(bad(key, "not a finite number ≥ 0")),
            },
            // --metadata values are strings
            Some(Value::String(s)) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .map(Some)
                .ok_or_else(|| bad(key, "not a number")),
            Some(_) => Err(bad(key, "not a number")),
        }
    };
    let int = |key: &str| -> Result<Option<u64>, SdslError> {
        match num(key)? {
            Some(x) if x.fract() == 0.0 && x <= 9.0e15 => Ok(Some(x as u64)),
            Some(_) => Err(bad(key, "not a whole number")),
            None => Ok(None),
        }
    };
    let text = |key: &str| o.get(key).and_then(Value::as_str).map(str::to_string);
    let small = |v: Option<u64>| v.and_then(|x| u32::try_from(x).ok());
    let mut b = Block {
        source: source.to_string(),
        block: index,
        line,
        format: "vllm-json",
        engine: "vllm".into(),
        engine_version: text("engine_version"),
        target: text("model_id"),
        temperature: num("temperature")?,
        dataset: text("dataset")
            .or_else(|| text("dataset_path"))
            .or_else(|| text("dataset_name")),
        max_concurrency: small(int("max_concurrency")?),
        num_prompts: small(int("num_prompts")?),
        tpot_ms: num("mean_tpot_ms")?,
        itl_ms: num("mean_itl_ms")?,
        ttft_ms: num("mean_ttft_ms")?,
        output_tok_s: num("output_throughput")?,
        ..Default::default()
    };
    let drafts = int("spec_decode_num_drafts")?;
    if drafts.is_none() && !o.contains_key("spec_decode_accepted_tokens") {
        b.method = Some("none".into());
        return Ok(b);
    }
    let per_position = match o.get("spec_decode_per_position_acceptance_rates") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|r| r.as_f64().filter(|x| (0.0..=1.0).contains(x)))
            .collect::<Option<Vec<f64>>>()
            .ok_or_else(|| {
                bad(
                    "spec_decode_per_position_acceptance_rates",
                    "a rate that is not a fraction in [0, 1]",
                )
            })?,
        Some(_) => {
            return Err(bad(
                "spec_decode_per_position_acceptance_rates",
                "not a list",
            ));
        }
    };
    let spec = SpecCounts {
        drafts,
        draft_tokens: int("spec_decode_draft_tokens")?,
        accepted_tokens: int("spec_decode_accepted_tokens")?,
        tar: num("spec_decode_acceptance_rate")?.map(|p| p / 100.0),
        acceptance_length: num("spec_decode_acceptance_length")?,
        per_position,
        precision: 0.0,
    };
    b.draft = text("draft");
    b.method = b
        .draft
        .as_deref()
        .map(|d| method_from_draft_name(d).to_string());
    b.gamma = small(int("num_speculative_tokens")?);
    b.spec = Some(spec);
    Ok(b)
}
