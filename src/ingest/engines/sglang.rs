//! SGLang `bench_serving` summaries (`python/sglang/bench_serving.py`, read
//! at commit 50a61368 of sgl-project/sglang): the arguments as a printed
//! `Namespace(...)`, then a ` Serving Benchmark Result ` block closed by a
//! line of `=`, with `Max request concurrency:`, `Output token throughput
//! (tok/s):`, `Accept length:` (printed only when the server reports one:
//! the mean tokens per verification step τ), `Mean TTFT (ms):`,
//! `Mean TPOT (ms):` and `Mean ITL (ms):`. The summary names neither the
//! draft nor the number of draft tokens: `--draft` and `--gamma` supply
//! them.

use super::text::{clean_lines, field, number};
use super::vllm_bench::{apply_namespace, common_field, scan_blocks};
use super::{Block, SpecCounts};
use crate::error::SdslError;

/// Reads every result block of a `bench_serving` output.
pub fn read(source: &str, text: &str) -> Result<Vec<Block>, SdslError> {
    let lines = clean_lines(text);
    let mut out = Vec::new();
    for (i, raw) in scan_blocks(source, &lines)?.iter().enumerate() {
        let mut b = Block {
            source: source.to_string(),
            block: i + 1,
            line: raw.start,
            format: "sglang",
            engine: "sglang".into(),
            ..Default::default()
        };
        if let Some(ns) = &raw.namespace {
            apply_namespace(source, raw.start, ns, &mut b)?;
            b.dataset = super::text::namespace_arg(ns, "dataset_path")
                .or_else(|| super::text::namespace_arg(ns, "dataset_name"));
        }
        for (n, line) in &raw.lines {
            if common_field(source, *n, line, &mut b)? {
                continue;
            }
            if let Some(v) = field(line, "Accept length:") {
                b.accept_length = Some(number(source, *n, "Accept length:", v)?);
            }
        }
        match b.accept_length {
            Some(tau) => {
                b.spec = Some(SpecCounts {
                    acceptance_length: Some(tau),
                    ..Default::default()
                })
            }
            None => b.method = Some("none".into()),
        }
        out.push(b);
    }
    if out.is_empty() {
        return Err(SdslError::Data {
            path: source.to_string(),
            message: "no 'Serving Benchmark Result' block: not SGLang bench_serving output (choose another --format)".into(),
        });
    }
    Ok(out)
}
