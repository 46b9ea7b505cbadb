//! `vllm serve` logs (vLLM V1; checked against 0.1.dev13107+ge1a34c3a5, the
//! bundled `datasets/engines/vllm/serve-*.log`): the version
//! (`vLLM API server version X`), the arguments (`non-default args: {…}`
//! with `model` and `speculative_config` = {method, model,
//! num_speculative_tokens}; older releases' top-level `speculative_model`
//! and `num_speculative_tokens` too) and the periodic
//! `SpecDecoding metrics: … Accepted: N tokens, Drafted: N tokens,
//! Per-position acceptance rate: r0, r1, …` lines (vLLM
//! `vllm/v1/spec_decode/metrics.py`; rates with three decimals, counts per
//! logging interval).

use super::text::{at, clean_lines, count, dict_get, field, number, unquote};
use super::{SpecCounts, method_from_draft_name};
use crate::error::SdslError;

/// What a serve log says about its run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServeLog {
    /// The file, as named on the command line.
    pub source: String,
    /// `vLLM API server version` (or the engine's `(vX)`).
    pub version: Option<String>,
    /// The served model.
    pub target: Option<String>,
    /// The draft (`speculative_config.model`).
    pub draft: Option<String>,
    /// `speculative_config.method`, else from the draft's name.
    pub method: Option<String>,
    /// `num_speculative_tokens`.
    pub gamma: Option<u32>,
    /// Whether speculation is configured.
    pub speculative: bool,
    /// 1-based line of the `non-default args` line (0: none).
    pub args_line: usize,
    /// The `SpecDecoding metrics` snapshots summed (None without any).
    pub spec: Option<SpecCounts>,
    /// How many snapshots were summed.
    pub snapshots: usize,
    /// Notes for the runs table.
    pub flags: Vec<String>,
}

/// The version and arguments of a serve log found among `lines`.
pub fn metadata(source: &str, lines: &[(usize, String)]) -> Result<ServeLog, SdslError> {
    let mut log = ServeLog {
        source: source.to_string(),
        ..Default::default()
    };
    for (n, line) in lines {
        if let Some(i) = line.find("vLLM API server version ") {
            let v = line[i + "vLLM API server version ".len()..].trim();
            log.version = v.split_whitespace().next().map(str::to_string);
        } else if log.version.is_none()
            && let Some(i) = line.find("LLM engine (v")
        {
            let rest = &line[i + "LLM engine (v".len()..];
            log.version = rest.split(')').next().map(str::to_string);
        }
        if let Some(i) = line.find("non-default args: ") {
            log.args_line = *n;
            args(
                source,
                *n,
                &line[i + "non-default args: ".len()..],
                &mut log,
            )?;
        }
    }
    Ok(log)
}

/// Reads `model` and the speculative settings from the printed arguments.
fn args(source: &str, n: usize, dict: &str, log: &mut ServeLog) -> Result<(), SdslError> {
    let get = |d: &str, k: &str| dict_get(d, k).and_then(|v| unquote(&v));
    log.target = get(dict, "model").or_else(|| get(dict, "model_tag"));
    let mut spec = dict_get(dict, "speculative_config");
    // a JSON string given on the command line, printed quoted
    if let Some(s) = &spec
        && !s.starts_with('{')
    {
        spec = unquote(s).filter(|u| u.trim_start().starts_with('{'));
    }
    let (draft, method, k) = match &spec {
        Some(s) if s != "None" => (
            get(s, "model"),
            get(s, "method"),
            get(s, "num_speculative_tokens"),
        ),
        _ => (
            get(dict, "speculative_model"),
            None,
            get(dict, "num_speculative_tokens"),
        ),
    };
    log.speculative = draft.is_some() || method.is_some() || k.is_some();
    log.gamma = match k {
        Some(k) => Some(
            u32::try_from(count(source, n, "num_speculative_tokens", &k)?)
                .map_err(|_| at(source, n, "num_speculative_tokens is too large"))?,
        ),
        None => None,
    };
    log.method = method.or_else(|| {
        draft
            .as_deref()
            .map(|d| method_from_draft_name(d).to_string())
    });
    log.draft = draft;
    Ok(())
}

/// Reads a whole serve log: metadata and the summed snapshots.
pub fn read(source: &str, text: &str) -> Result<ServeLog, SdslError> {
    let lines = clean_lines(text);
    let mut log = metadata(source, &lines)?;
    let mut sum = SpecCounts {
        precision: 5e-4,
        ..Default::default()
    };
    let (mut accepted, mut drafted, mut drafts) = (0u64, 0u64, 0u64);
    let mut weighted: Vec<f64> = Vec::new();
    for (n, line) in &lines {
        let Some(i) = line.find("SpecDecoding metrics:") else {
            continue;
        };
        let s = &line[i..];
        let snap = snapshot(source, *n, s)?;
        let Some(g) = log
            .gamma
            .or(Some(snap.rates.len() as u32))
            .filter(|g| *g > 0)
        else {
            return Err(at(
                source,
                *n,
                "a SpecDecoding metrics line without per-position rates and no num_speculative_tokens in the log; γ is unknown",
            ));
        };
        if snap.rates.len() != g as usize {
            return Err(at(
                source,
                *n,
                format!(
                    "{} per-position rates, but num_speculative_tokens is {g}; the log mixes runs (split it per run)",
                    snap.rates.len()
                ),
            ));
        }
        if snap.drafted % u64::from(g) != 0 {
            log.flags.push("drafted_not_multiple_of_gamma".into());
        }
        let d = snap.drafted / u64::from(g);
        weighted.resize(g as usize, 0.0);
        for (w, r) in weighted.iter_mut().zip(&snap.rates) {
            *w += r * d as f64;
        }
        accepted += snap.accepted;
        drafted += snap.drafted;
        drafts += d;
        log.snapshots += 1;
        if log.gamma.is_none() {
            log.gamma = Some(g);
        }
    }
    if log.snapshots > 0 {
        sum.accepted_tokens = Some(accepted);
        sum.draft_tokens = Some(drafted);
        sum.drafts = Some(drafts);
        if drafted > 0 {
            sum.tar = Some(accepted as f64 / drafted as f64);
        }
        if drafts > 0 {
            sum.acceptance_length = Some(1.0 + accepted as f64 / drafts as f64);
            sum.per_position = weighted.iter().map(|w| w / drafts as f64).collect();
        }
        log.spec = Some(sum);
        log.flags.dedup();
    }
    Ok(log)
}

/// One `SpecDecoding metrics:` line's counts and rates.
struct Snapshot {
    accepted: u64,
    drafted: u64,
    rates: Vec<f64>,
}

fn snapshot(source: &str, n: usize, s: &str) -> Result<Snapshot, SdslError> {
    let part = |label: &str| -> Option<&str> {
        let i = s.find(label)?;
        Some(s[i + label.len()..].split(',').next().unwrap_or("").trim())
    };
    let tokens = |label: &str| -> Result<u64, SdslError> {
        let v = part(label).ok_or_else(|| {
            at(
                source,
                n,
                format!(
                    "a SpecDecoding metrics line without '{}' (truncated?)",
                    label.trim()
                ),
            )
        })?;
        count(source, n, label.trim(), v.trim_end_matches("tokens").trim())
    };
    let accepted = tokens("Accepted: ")?;
    let drafted = tokens("Drafted: ")?;
    let mut rates = Vec::new();
    if let Some(i) = s.find("Per-position acceptance rate:") {
        let rest = &s[i + "Per-position acceptance rate:".len()..];
        for piece in rest.split(',') {
            let p = piece.trim();
            if p.is_empty() || !p.starts_with(|c: char| c.is_ascii_digit()) {
                break;
            }
            let r = number(source, n, "Per-position acceptance rate", p)?;
            if r > 1.0 {
                return Err(at(source, n, format!("per-position rate {p} is above 1")));
            }
            rates.push(r);
        }
    }
    if let Some(v) = field(s, "SpecDecoding metrics:")
        && v.is_empty()
    {
        return Err(at(
            source,
            n,
            "an empty SpecDecoding metrics line (truncated?)",
        ));
    }
    Ok(Snapshot {
        accepted,
        drafted,
        rates,
    })
}
