//! `vllm bench serve` text summaries (vLLM `vllm/benchmarks/serve.py`,
//! checked against 0.1.dev13107+ge1a34c3a5, the bundled
//! `datasets/engines/vllm/bench-*.log`): a `Namespace(...)` line with the
//! arguments, then a block from `==== Serving Benchmark Result ====` to a
//! line of `=`; each `Label:   value` line is `"{:<40} {:<10}"`-formatted.
//! The optional `Speculative Decoding` section prints the acceptance rate
//! (accepted ÷ draft tokens, %), acceptance length (1 + accepted ÷
//! drafts), drafts, draft tokens, accepted tokens and the per-position
//! rates in % with two decimals.
//!
//! Blocks may sit inside a larger log (server lines interleaved, ANSI
//! colour codes, CRLF); several blocks per file are read in order. A block
//! without its closing line is an error naming the file and the line where
//! it starts, never a partial row.

use super::text::{at, clean_lines, count, field, namespace_arg, number, percent};
use super::{Block, SpecCounts, vllm_serve};
use crate::error::SdslError;

/// A result block's lines, between its header and its closing line.
pub(super) struct RawBlock {
    /// 1-based line of the header.
    pub start: usize,
    /// The lines inside (numbered).
    pub lines: Vec<(usize, String)>,
    /// The last `Namespace(...)` line before the block.
    pub namespace: Option<String>,
}

/// Whether a line closes a block: only `=`, at least 20 of them.
fn closes(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 20 && t.chars().all(|c| c == '=')
}

/// Splits a log into its `Serving Benchmark Result` blocks.
pub(super) fn scan_blocks(
    source: &str,
    lines: &[(usize, String)],
) -> Result<Vec<RawBlock>, SdslError> {
    let mut out = Vec::new();
    let mut namespace: Option<String> = None;
    let mut open: Option<RawBlock> = None;
    for (n, line) in lines {
        if line.contains("Serving Benchmark Result") {
            if let Some(b) = open {
                return Err(unclosed(source, b.start, Some(*n)));
            }
            open = Some(RawBlock {
                start: *n,
                lines: Vec::new(),
                namespace: namespace.clone(),
            });
            continue;
        }
        match open.as_mut() {
            Some(_) if closes(line) => out.extend(open.take()),
            Some(b) => b.lines.push((*n, line.clone())),
            None => {
                if let Some(i) = line.find("Namespace(") {
                    namespace = Some(line[i..].to_string());
                }
            }
        }
    }
    if let Some(b) = open {
        return Err(unclosed(source, b.start, None));
    }
    Ok(out)
}

fn unclosed(source: &str, start: usize, next: Option<usize>) -> SdslError {
    let why = match next {
        Some(n) => format!("another result block starts at line {n} first"),
        None => "the file ends first".into(),
    };
    at(
        source,
        start,
        format!(
            "the result block that starts here has no closing '=====' line ({why}): the file is truncated or two outputs were interleaved; re-run the benchmark or cut the file to whole blocks"
        ),
    )
}

/// Reads every result block of a `vllm bench serve` output.
pub fn read(source: &str, text: &str) -> Result<Vec<Block>, SdslError> {
    let lines = clean_lines(text);
    let raw = scan_blocks(source, &lines)?;
    // a server log in the same file supplies the draft, γ and version
    let meta = vllm_serve::metadata(source, &lines)?;
    let mut out = Vec::new();
    for (i, b) in raw.iter().enumerate() {
        let mut block = parse_block(source, b)?;
        block.block = i + 1;
        if meta.speculative && block.spec.is_some() {
            block.draft = meta.draft.clone();
            block.gamma = meta.gamma;
            block.method = meta.method.clone();
        }
        block.engine_version = meta.version.clone();
        out.push(block);
    }
    if out.is_empty() {
        return Err(SdslError::Data {
            path: source.to_string(),
            message: "no 'Serving Benchmark Result' block: not vllm bench serve output (choose another --format)".into(),
        });
    }
    Ok(out)
}

/// The arguments a `Namespace(...)` line gives a block.
pub(super) fn apply_namespace(
    source: &str,
    line: usize,
    ns: &str,
    block: &mut Block,
) -> Result<(), SdslError> {
    block.target = namespace_arg(ns, "model");
    block.dataset = namespace_arg(ns, "dataset_path").or_else(|| namespace_arg(ns, "dataset_name"));
    if let Some(t) = namespace_arg(ns, "temperature") {
        block.temperature = Some(number(source, line, "temperature=", &t)?);
    }
    if let Some(p) = namespace_arg(ns, "num_prompts") {
        block.num_prompts = u32::try_from(count(source, line, "num_prompts=", &p)?).ok();
    }
    if let Some(c) = namespace_arg(ns, "max_concurrency") {
        block.max_concurrency = u32::try_from(count(source, line, "max_concurrency=", &c)?).ok();
    }
    Ok(())
}

/// Where a labelled number goes in a block.
type Slot = fn(&mut Block) -> &mut Option<f64>;

/// The latency and throughput lines both vLLM and SGLang print.
pub(super) fn common_field(
    source: &str,
    n: usize,
    line: &str,
    block: &mut Block,
) -> Result<bool, SdslError> {
    let f64_fields: [(&str, Slot); 4] = [
        ("Mean TTFT (ms):", |b| &mut b.ttft_ms),
        ("Mean TPOT (ms):", |b| &mut b.tpot_ms),
        ("Mean ITL (ms):", |b| &mut b.itl_ms),
        ("Output token throughput (tok/s):", |b| &mut b.output_tok_s),
    ];
    for (label, slot) in f64_fields {
        if let Some(v) = field(line, label) {
            *slot(block) = Some(number(source, n, label, v)?);
            return Ok(true);
        }
    }
    for label in ["Maximum request concurrency:", "Max request concurrency:"] {
        if let Some(v) = field(line, label) {
            // SGLang prints "not set"
            if v != "not set" {
                block.max_concurrency = u32::try_from(count(source, n, label, v)?).ok();
            }
            return Ok(true);
        }
    }
    Ok(false)
}

fn parse_block(source: &str, raw: &RawBlock) -> Result<Block, SdslError> {
    let mut block = Block {
        source: source.to_string(),
        line: raw.start,
        format: "vllm-bench",
        engine: "vllm".into(),
        ..Default::default()
    };
    if let Some(ns) = &raw.namespace {
        apply_namespace(source, raw.start, ns, &mut block)?;
    }
    let mut spec: Option<SpecCounts> = None;
    for (n, line) in &raw.lines {
        if common_field(source, *n, line, &mut block)? {
            continue;
        }
        if line.contains("Speculative Decoding") && line.trim_start().starts_with('-') {
            spec = Some(SpecCounts {
                precision: 5e-5,
                ..Default::default()
            });
            continue;
        }
        let Some(s) = spec.as_mut() else { continue };
        if let Some(v) = field(line, "Acceptance rate (%):") {
            s.tar = Some(percent(source, *n, "Acceptance rate (%):", v)?);
        } else if let Some(v) = field(line, "Acceptance length:") {
            s.acceptance_length = Some(number(source, *n, "Acceptance length:", v)?);
        } else if let Some(v) = field(line, "Drafts:") {
            s.drafts = Some(count(source, *n, "Drafts:", v)?);
        } else if let Some(v) = field(line, "Draft tokens:") {
            s.draft_tokens = Some(count(source, *n, "Draft tokens:", v)?);
        } else if let Some(v) = field(line, "Accepted tokens:") {
            s.accepted_tokens = Some(count(source, *n, "Accepted tokens:", v)?);
        } else if let Some(rest) = field(line, "Position ") {
            let (idx, v) = rest
                .split_once(':')
                .ok_or_else(|| at(source, *n, "a 'Position i:' line without its ':'"))?;
            if idx.trim() != s.per_position.len().to_string() {
                return Err(at(
                    source,
                    *n,
                    format!(
                        "per-position line 'Position {}' where position {} was expected (lines lost or reordered?)",
                        idx.trim(),
                        s.per_position.len()
                    ),
                ));
            }
            let r = percent(source, *n, "Position", v)?;
            if r > 1.0 {
                return Err(at(
                    source,
                    *n,
                    format!("per-position acceptance {} % is above 100 %", v.trim()),
                ));
            }
            s.per_position.push(r);
        }
    }
    if let Some(s) = &spec {
        for (what, missing) in [
            ("Drafts:", s.drafts.is_none()),
            ("Draft tokens:", s.draft_tokens.is_none()),
            ("Accepted tokens:", s.accepted_tokens.is_none()),
        ] {
            if missing {
                return Err(at(
                    source,
                    raw.start,
                    format!(
                        "the block's Speculative Decoding section has no '{what}' line (lines lost?); restore the engine's output"
                    ),
                ));
            }
        }
        block.method = None;
    } else {
        block.method = Some("none".into());
    }
    block.spec = spec;
    Ok(block)
}
