//! Measurements as serving engines print them (docs/import.md): one reader
//! per format, each returning the numbers *as printed*, untouched. Turning
//! them into α̂, i.i.d. checks and speed-ups is `fit::runs`'s job.
//!
//! Formats: `vllm-bench` (the `vllm bench serve` text summary, possibly
//! inside a larger log), `vllm-json` (its `--save-result` file),
//! `vllm-serve` (the `vllm serve` log), `sglang` (`bench_serving`'s
//! summary), `llamacpp` (llama-server's log), `lm-eval` (results JSON),
//! `runs` (our own runs table read back). Text and JSON readers need no
//! polars; only the Parquet runs table does (feature `io`).

pub mod llamacpp;
pub mod lm_eval;
pub mod runs;
pub mod sglang;
mod text;
pub mod vllm_bench;
pub mod vllm_json;
pub mod vllm_serve;

use crate::error::SdslError;
use serde::Serialize;

pub use runs::RunRow;

/// An input format of `sdsl import`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Recognise the format from the content.
    Auto,
    /// `vllm bench serve` text summary.
    VllmBench,
    /// `vllm bench serve --save-result` JSON.
    VllmJson,
    /// `vllm serve` server log.
    VllmServe,
    /// SGLang `bench_serving` summary.
    Sglang,
    /// llama.cpp `llama-server` log.
    Llamacpp,
    /// lm-evaluation-harness results JSON.
    LmEval,
    /// A runs table written by `sdsl import` (CSV or Parquet).
    Runs,
}

/// The format names with their help, in the order `--format` lists them.
pub const FORMATS: [(&str, &str); 8] = [
    ("auto", "Recognise the format from the file's content"),
    (
        "vllm-bench",
        "vllm bench serve text summary (also inside a larger log)",
    ),
    ("vllm-json", "vllm bench serve --save-result JSON"),
    (
        "vllm-serve",
        "vllm serve log (metadata; SpecDecoding metrics lines)",
    ),
    ("sglang", "SGLang bench_serving summary (accept length)"),
    (
        "llamacpp",
        "llama.cpp llama-server log (draft acceptance rate)",
    ),
    (
        "lm-eval",
        "lm-evaluation-harness results JSON (perplexities)",
    ),
    (
        "runs",
        "A runs table written by sdsl import (CSV or Parquet)",
    ),
];

impl Format {
    /// The format's name, as `--format` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::VllmBench => "vllm-bench",
            Format::VllmJson => "vllm-json",
            Format::VllmServe => "vllm-serve",
            Format::Sglang => "sglang",
            Format::Llamacpp => "llamacpp",
            Format::LmEval => "lm-eval",
            Format::Runs => "runs",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = SdslError;
    fn from_str(s: &str) -> Result<Format, SdslError> {
        let all = [
            Format::Auto,
            Format::VllmBench,
            Format::VllmJson,
            Format::VllmServe,
            Format::Sglang,
            Format::Llamacpp,
            Format::LmEval,
            Format::Runs,
        ];
        all.into_iter().find(|f| f.name() == s).ok_or_else(|| {
            SdslError::InvalidArgument(format!(
                "unknown import format '{}'; known: {}",
                crate::error::clip(s),
                FORMATS.map(|(n, _)| n).join(", ")
            ))
        })
    }
}

/// The speculative section of a result as printed (vLLM's "Speculative
/// Decoding" block, its JSON keys, or summed server-log snapshots).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct SpecCounts {
    /// Iterations that drafted.
    pub drafts: Option<u64>,
    /// Draft tokens proposed.
    pub draft_tokens: Option<u64>,
    /// Draft tokens accepted.
    pub accepted_tokens: Option<u64>,
    /// Accepted ÷ draft tokens, as a fraction (vLLM prints percent).
    pub tar: Option<f64>,
    /// 1 + accepted ÷ drafts (τ).
    pub acceptance_length: Option<f64>,
    /// Unconditional per-position rates, fractions.
    pub per_position: Vec<f64>,
    /// Half the last printed digit of the rates, as a fraction (5e-5 for
    /// percent with two decimals, 5e-4 for three decimals, 0 when exact).
    pub precision: f64,
}

/// A perplexity as lm-eval reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Perplexity {
    /// The model evaluated.
    pub model: String,
    /// Its perplexity.
    pub value: f64,
    /// `token`, `word` or `byte`.
    pub norm: &'static str,
}

/// One result block as printed, before any estimate.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Block {
    /// The file it came from, as named on the command line.
    pub source: String,
    /// 1-based index of the block within its file.
    pub block: usize,
    /// 1-based line where the block starts (0 for JSON).
    pub line: usize,
    /// The format that read it.
    pub format: &'static str,
    /// `vllm`, `sglang`, `llama.cpp`, `lm-eval`.
    pub engine: String,
    /// Engine version where printed.
    pub engine_version: Option<String>,
    /// Target (served) model.
    pub target: Option<String>,
    /// Draft model.
    pub draft: Option<String>,
    /// `draft_model`, `eagle`, `eagle3`, `ngram`, `medusa`, `mtp`, …, or
    /// `none` for a run without speculation.
    pub method: Option<String>,
    /// Lookahead γ (k, `num_speculative_tokens`).
    pub gamma: Option<u32>,
    /// Sampling temperature.
    pub temperature: Option<f64>,
    /// Dataset (or lm-eval task).
    pub dataset: Option<String>,
    /// Maximum request concurrency.
    pub max_concurrency: Option<u32>,
    /// Number of prompts.
    pub num_prompts: Option<u32>,
    /// Mean time per output token (excluding the first), ms.
    pub tpot_ms: Option<f64>,
    /// Mean inter-token latency, ms.
    pub itl_ms: Option<f64>,
    /// Mean time to first token, ms.
    pub ttft_ms: Option<f64>,
    /// Output token throughput, tokens/s.
    pub output_tok_s: Option<f64>,
    /// The speculative section; None for a run without speculation.
    pub spec: Option<SpecCounts>,
    /// SGLang's accept length τ (tokens per verification step).
    pub accept_length: Option<f64>,
    /// An lm-eval perplexity.
    pub ppl: Option<Perplexity>,
    /// Notes for the runs table's `flags` column.
    pub flags: Vec<String>,
}

/// What one input file holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// Result blocks (bench summaries, JSON results, perplexities).
    Blocks(Vec<Block>),
    /// A `vllm serve` log: metadata and summed snapshots.
    Serve(Box<vllm_serve::ServeLog>),
    /// Rows of a runs table, passed through.
    Runs(Vec<RunRow>),
}

/// Recognises the format from the content (the first 64 KiB and the
/// file's end are enough for every format; the whole text is searched).
pub fn detect(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"PAR1") {
        return Some(Format::Runs);
    }
    let text = String::from_utf8_lossy(bytes);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        if text.contains("\"results\"")
            && (text.contains("_perplexity")
                || text.contains("bits_per_byte")
                || text.contains("\"config\""))
        {
            return Some(Format::LmEval);
        }
        if text.contains("mean_tpot_ms")
            || text.contains("spec_decode_")
            || text.contains("\"model_id\"")
        {
            return Some(Format::VllmJson);
        }
        return None;
    }
    if trimmed.starts_with("source,block,engine") {
        return Some(Format::Runs);
    }
    if text.contains("Serving Benchmark Result") {
        // SGLang's summary names its backend and prints "Concurrency:"
        if text.contains("Accept length:") || text.contains("Total generated tokens (retokenized):")
        {
            return Some(Format::Sglang);
        }
        return Some(Format::VllmBench);
    }
    if text.contains("draft acceptance rate =") {
        return Some(Format::Llamacpp);
    }
    if text.contains("vLLM API server version")
        || text.contains("non-default args:")
        || text.contains("SpecDecoding metrics:")
    {
        return Some(Format::VllmServe);
    }
    None
}

/// Reads one input in the given format (`auto`: recognised first).
pub fn read(source: &str, bytes: &[u8], format: Format) -> Result<Parsed, SdslError> {
    let format = match format {
        Format::Auto => detect(bytes).ok_or_else(|| SdslError::Data {
            path: source.to_string(),
            message: "not a format sdsl import recognises (vllm bench serve output or its --save-result JSON, a vllm serve log, SGLang bench_serving output, a llama-server log, lm-eval results JSON, or a runs table); name it with --format".into(),
        })?,
        f => f,
    };
    let text = || {
        std::str::from_utf8(bytes).map_err(|e| SdslError::Data {
            path: source.to_string(),
            message: format!(
                "byte {} is not UTF-8 text; a {} file is text (was the file damaged or compressed?)",
                e.valid_up_to(),
                format.name()
            ),
        })
    };
    Ok(match format {
        Format::VllmBench => Parsed::Blocks(vllm_bench::read(source, text()?)?),
        Format::VllmJson => Parsed::Blocks(vllm_json::read(source, text()?)?),
        Format::VllmServe => Parsed::Serve(Box::new(vllm_serve::read(source, text()?)?)),
        Format::Sglang => Parsed::Blocks(sglang::read(source, text()?)?),
        Format::Llamacpp => Parsed::Blocks(llamacpp::read(source, text()?)?),
        Format::LmEval => Parsed::Blocks(lm_eval::read(source, text()?)?),
        Format::Runs => Parsed::Runs(runs::read(source, bytes)?),
        Format::Auto => unreachable!("resolved above"),
    })
}

/// The speculative method named by a draft model's name, for engines that
/// print no method (SGLang, llama.cpp): a label only, never used to guess a
/// draft or γ. `draft_model` unless the name says EAGLE, Medusa or n-gram.
pub fn method_from_draft_name(draft: &str) -> &'static str {
    let d = draft.to_ascii_lowercase();
    if d.contains("eagle3") {
        "eagle3"
    } else if d.contains("eagle") {
        "eagle"
    } else if d.contains("medusa") {
        "medusa"
    } else if d.contains("ngram") || d.contains("n-gram") {
        "ngram"
    } else {
        "draft_model"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_name_parses_back() {
        for (name, _) in FORMATS {
            let f: Format = name.parse().unwrap();
            assert_eq!(f.name(), name);
        }
        assert!("vllm".parse::<Format>().is_err());
    }

    #[test]
    fn detection_tells_the_formats_apart() {
        assert_eq!(
            detect(b"x\n============ Serving Benchmark Result ============\n"),
            Some(Format::VllmBench)
        );
        assert_eq!(
            detect(b"== Serving Benchmark Result ==\nAccept length: 2.1\n"),
            Some(Format::Sglang)
        );
        assert_eq!(
            detect(b"INFO SpecDecoding metrics: Mean acceptance length: 2"),
            Some(Format::VllmServe)
        );
        assert_eq!(
            detect(b"draft acceptance rate = 0.5 (1 accepted / 2 generated)"),
            Some(Format::Llamacpp)
        );
        assert_eq!(
            detect(b"{\"results\": {\"wikitext\": {\"word_perplexity,none\": 3}}}"),
            Some(Format::LmEval)
        );
        assert_eq!(
            detect(b"{\"model_id\": \"m\", \"mean_tpot_ms\": 3}"),
            Some(Format::VllmJson)
        );
        assert_eq!(detect(b"source,block,engine\n"), Some(Format::Runs));
        assert_eq!(detect(b"hello"), None);
    }
}
