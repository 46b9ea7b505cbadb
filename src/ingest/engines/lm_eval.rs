//! lm-evaluation-harness results JSON (`lm_eval/evaluator.py` and
//! `lm_eval/loggers/evaluation_tracker.py`, read at commit a2d17b31 of
//! EleutherAI/lm-evaluation-harness): `results.{task}.{metric},{filter}`.
//! The rolling-loglikelihood tasks (wikitext, pile subsets, …) report
//! `word_perplexity`, `byte_perplexity` and `bits_per_byte`
//! (`lm_eval/api/metrics.py`: word/byte perplexity = exp(−Σ log-lik ÷
//! words or bytes), bits per byte = −Σ log-lik ÷ (bytes · ln 2), so byte
//! perplexity = 2^bits_per_byte). A `token_perplexity` (some custom tasks)
//! is read as token-level. The model is `model_name`, else
//! `config.model_args`' `pretrained=`; the version `lm_eval_version` where
//! the file has it.
//!
//! One block per (task, normalisation): word and byte rows from the
//! printed perplexities; `bits_per_byte` is converted only when the task
//! prints no `byte_perplexity` (flag `from_bits_per_byte`).

use super::{Block, Perplexity};
use crate::error::{SdslError, clip};
use serde_json::Value;

/// Reads the perplexities of a results file.
pub fn read(source: &str, text: &str) -> Result<Vec<Block>, SdslError> {
    let err = |m: String| SdslError::Data {
        path: source.to_string(),
        message: m,
    };
    let v: Value = serde_json::from_str(text).map_err(|e| err(format!("not JSON: {e}")))?;
    let results = v
        .get("results")
        .and_then(Value::as_object)
        .ok_or_else(|| err("no 'results' object: not an lm-eval results file".into()))?;
    let model = v
        .get("model_name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            let args = v.get("config")?.get("model_args")?.as_str()?;
            args.split(',')
                .find_map(|kv| kv.trim().strip_prefix("pretrained="))
                .map(str::to_string)
        })
        .ok_or_else(|| {
            err("no model name ('model_name', or 'pretrained=' in config.model_args)".into())
        })?;
    let version = v
        .get("lm_eval_version")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut out = Vec::new();
    for (task, metrics) in results {
        let Some(m) = metrics.as_object() else {
            continue;
        };
        let get = |name: &str| -> Result<Option<f64>, SdslError> {
            let Some((key, val)) = m.iter().find(|(k, _)| k.split(',').next() == Some(name)) else {
                return Ok(None);
            };
            match val.as_f64() {
                Some(x) if x.is_finite() && x > 0.0 => Ok(Some(x)),
                _ => Err(err(format!(
                    "results.{}.'{}': {} is not a finite number > 0",
                    clip(task),
                    clip(key),
                    clip(&val.to_string())
                ))),
            }
        };
        let mut rows: Vec<(f64, &'static str, Option<&str>)> = Vec::new();
        if let Some(x) = get("token_perplexity")? {
            rows.push((x, "token", None));
        }
        if let Some(x) = get("word_perplexity")? {
            rows.push((x, "word", None));
        }
        match (get("byte_perplexity")?, get("bits_per_byte")?) {
            (Some(x), _) => rows.push((x, "byte", None)),
            (None, Some(bpb)) => rows.push((bpb.exp2(), "byte", Some("from_bits_per_byte"))),
            (None, None) => {}
        }
        for (value, norm, flag) in rows {
            out.push(Block {
                source: source.to_string(),
                block: out.len() + 1,
                format: "lm-eval",
                engine: "lm-eval".into(),
                engine_version: version.clone(),
                dataset: Some(task.clone()),
                method: Some("none".into()),
                ppl: Some(Perplexity {
                    model: model.clone(),
                    value,
                    norm,
                }),
                flags: flag.map(|f| vec![f.to_string()]).unwrap_or_default(),
                ..Default::default()
            });
        }
    }
    if out.is_empty() {
        return Err(err(
            "no perplexity in 'results' (word_perplexity, byte_perplexity, bits_per_byte or token_perplexity): run a perplexity task such as wikitext".into(),
        ));
    }
    Ok(out)
}
