//! Engine outputs → the runs table (docs/import.md): the computation
//! behind `sdsl import`, shared by every command that reads runs (`alpha
//! estimate`, `fit alpha`, `fit latency`, `validate`) so a file is parsed once
//! and the same way everywhere.
//!
//! Reads every input (`ingest::engines`), completes each block's metadata
//! (a `vllm serve` log among the inputs, else `--target/--draft/--gamma`;
//! never guessed), estimates α from the printed counts
//! (`fit::engine_acceptance`: the capped-geometric MLE with its
//! likelihood-ratio interval and the i.i.d. G test), inverts SGLang's
//! accept length τ, and divides by a no-speculation run of the same
//! target, dataset, temperature and concurrency for the measured speed-up.

use crate::error::{SdslError, capped_list, clip, num};
use crate::fit::engine_acceptance::{IID_REJECT_BELOW, alpha_from_counts, iid_check};
use crate::fit::estimate::{alpha_from_tar, alpha_from_tau};
use crate::ingest::engines::vllm_serve::ServeLog;
use crate::ingest::engines::{self, Block, Format, Parsed, RunRow, method_from_draft_name};

/// One input file: its name (as given) and its bytes.
#[derive(Debug, Clone)]
pub struct Input {
    /// The name used in messages and the `source` column.
    pub name: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// What the command line adds to the files.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The format of every input (`Auto`: recognised per file).
    pub format: Option<Format>,
    /// Target for blocks whose log does not name it.
    pub target: Option<String>,
    /// Draft for speculative blocks whose log does not name it.
    pub draft: Option<String>,
    /// γ for speculative blocks whose log does not give it.
    pub gamma: Option<u32>,
    /// GPU recorded in the `gpu` column.
    pub gpu: Option<String>,
}

/// The imported rows and the warnings met on the way.
#[derive(Debug, Clone, Default)]
pub struct ImportOut {
    /// The runs table.
    pub rows: Vec<RunRow>,
    /// Warnings for the user (rounded counts, unmatched logs, …).
    pub warnings: Vec<String>,
}

/// Speculative methods that draft a tree (or several heads) per step: τ
/// does not invert to a per-token α for them.
fn is_tree_method(m: &str) -> bool {
    let m = m.to_ascii_lowercase();
    m.starts_with("eagle") || m == "medusa"
}

/// A file's stem without a leading `bench`/`serve` word, lower case: the
/// bundled logs pair `bench-X.log` with `serve-X.log`.
fn stem_key(name: &str) -> String {
    let stem = std::path::Path::new(name)
        .file_stem()
        .map(|s| s.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    for word in ["bench", "serve"] {
        if let Some(rest) = stem.strip_prefix(word) {
            return rest.trim_start_matches(['-', '_', '.']).to_string();
        }
    }
    stem
}

/// The serve log that describes `b`, if exactly one does: same target,
/// speculative iff `b` is, and the same file stem (or the only candidate).
fn pair(b: &Block, serves: &[ServeLog]) -> Option<usize> {
    let target = b.target.as_deref()?;
    let candidates: Vec<usize> = serves
        .iter()
        .enumerate()
        .filter(|(_, s)| s.target.as_deref() == Some(target) && s.speculative == b.spec.is_some())
        .map(|(i, _)| i)
        .collect();
    let key = stem_key(&b.source);
    let by_stem: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| stem_key(&serves[i].source) == key)
        .collect();
    match (by_stem.as_slice(), candidates.as_slice()) {
        ([one], _) => Some(*one),
        ([], [only]) => Some(*only),
        _ => None,
    }
}

/// Where a block is within its file, for messages (the file is the
/// error's path).
fn place(b: &Block) -> String {
    if b.line > 0 {
        format!("block {} (line {})", b.block, b.line)
    } else {
        format!("block {}", b.block)
    }
}

/// Reads the inputs and builds the runs table.
pub fn import(inputs: &[Input], opts: &ImportOptions) -> Result<ImportOut, SdslError> {
    let mut out = ImportOut::default();
    let mut blocks: Vec<Block> = Vec::new();
    let mut serves: Vec<ServeLog> = Vec::new();
    let mut passed: Vec<RunRow> = Vec::new();
    for input in inputs {
        match engines::read(
            &input.name,
            &input.bytes,
            opts.format.unwrap_or(Format::Auto),
        )? {
            Parsed::Blocks(b) => blocks.extend(b),
            Parsed::Serve(s) => serves.push(*s),
            Parsed::Runs(r) => passed.extend(r),
        }
    }
    let mut used = vec![false; serves.len()];
    let mut rows = Vec::with_capacity(blocks.len());
    for mut b in blocks {
        if b.target.is_none() && b.ppl.is_none() {
            b.target = opts.target.clone();
        }
        if b.engine == "vllm"
            && let Some(i) = pair(&b, &serves)
        {
            used[i] = true;
            let s = &serves[i];
            b.engine_version = b.engine_version.or_else(|| s.version.clone());
            if b.spec.is_some() {
                b.draft = b.draft.or_else(|| s.draft.clone());
                b.gamma = b.gamma.or(s.gamma);
                b.method = b.method.or_else(|| s.method.clone());
            }
        }
        rows.push(block_row(b, opts, &mut out.warnings)?);
    }
    for (s, used) in serves.into_iter().zip(used) {
        if used {
            continue;
        }
        if let Some(r) = serve_row(s, opts, &mut out.warnings)? {
            rows.push(r);
        }
    }
    add_speedups(&mut rows, &mut out.warnings);
    rows.extend(passed);
    out.rows = rows;
    Ok(out)
}

/// The runs-table row of one block: metadata completed, α estimated.
fn block_row(
    mut b: Block,
    opts: &ImportOptions,
    warnings: &mut Vec<String>,
) -> Result<RunRow, SdslError> {
    let data = |m: String| SdslError::Data {
        path: b.source.clone(),
        message: m,
    };
    if b.ppl.is_none() && b.target.is_none() {
        return Err(data(format!(
            "{}: the target model is not in the output; give --target NAME",
            place(&b)
        )));
    }
    if b.spec.is_some() {
        if b.draft.is_none() {
            b.draft = opts.draft.clone();
        }
        if b.gamma.is_none() {
            b.gamma = opts.gamma;
        }
        if b.method.is_none() {
            b.method = b
                .draft
                .as_deref()
                .map(|d| method_from_draft_name(d).to_string());
        }
    }
    let mut row = RunRow {
        source: b.source.clone(),
        block: b.block as u64,
        engine: b.engine.clone(),
        engine_version: b.engine_version.clone().unwrap_or_default(),
        target: b.target.clone().unwrap_or_default(),
        method: b.method.clone().unwrap_or_else(|| "none".into()),
        temperature: b.temperature,
        dataset: b.dataset.clone().unwrap_or_default(),
        max_concurrency: b.max_concurrency.map(u64::from),
        num_prompts: b.num_prompts.map(u64::from),
        tpot_ms: b.tpot_ms,
        itl_ms: b.itl_ms,
        ttft_ms: b.ttft_ms,
        output_tok_s: b.output_tok_s,
        mean_batch: match (b.output_tok_s, b.tpot_ms) {
            (Some(r), Some(t)) => Some(r * t / 1000.0),
            _ => None,
        },
        gpu: opts.gpu.clone().unwrap_or_default(),
        flags: b.flags.clone(),
        ..Default::default()
    };
    if let Some(p) = &b.ppl {
        row.model = p.model.clone();
        row.ppl = Some(p.value);
        row.ppl_norm = p.norm.to_string();
        return Ok(row);
    }
    let Some(spec) = b.spec.clone() else {
        return Ok(row);
    };
    let missing = |what: &str, flag: &str| {
        let hint = if b.engine == "vllm" {
            format!(
                " and no vllm serve log among the inputs matches it (same target '{}' and file stem); add that serve log or",
                clip(&row.target)
            )
        } else {
            ";".to_string()
        };
        data(format!(
            "{}: the {what} is not in the output{hint} give {flag}",
            place(&b)
        ))
    };
    let draft = b
        .draft
        .clone()
        .ok_or_else(|| missing("draft model", "--draft NAME"))?;
    // γ: the number of per-position rates where printed, checked against the log or flag
    let printed_gamma = (!spec.per_position.is_empty()).then_some(spec.per_position.len() as u32);
    let gamma = match (printed_gamma, b.gamma) {
        (Some(p), Some(g)) if p != g => {
            return Err(data(format!(
                "{}: {p} per-position rates printed, but num_speculative_tokens is {g} (from the serve log or --gamma); the files belong to different runs",
                place(&b)
            )));
        }
        (Some(p), _) => Some(p),
        (None, g) => g,
    };
    row.draft = draft;
    row.gamma = gamma.map(u64::from);
    row.drafts = spec.drafts;
    row.draft_tokens = spec.draft_tokens;
    row.accepted_tokens = spec.accepted_tokens;
    row.tar = spec.tar;
    row.acceptance_length = spec.acceptance_length;
    row.per_position = spec.per_position.clone();
    if b.engine == "llama.cpp" {
        // variable-length drafts: the rate is no fixed-γ TAR, α stays empty
        row.gamma = b.gamma.map(u64::from);
        return Ok(row);
    }
    let gamma = gamma.ok_or_else(|| missing("number of speculative tokens (γ)", "--gamma K"))?;
    estimate_alpha(&mut row, &spec, gamma, &place(&b), warnings)?;
    Ok(row)
}

/// α̂ for a row: counts → MLE with LR interval and the i.i.d. test;
/// τ → inversion (SGLang); TAR → inversion when no rates are printed.
fn estimate_alpha(
    row: &mut RunRow,
    spec: &engines::SpecCounts,
    gamma: u32,
    place: &str,
    warnings: &mut Vec<String>,
) -> Result<(), SdslError> {
    let data = |m: String| SdslError::Data {
        path: row.source.clone(),
        message: m,
    };
    if let (Some(acc), Some(drafts), Some(&last)) =
        (spec.accepted_tokens, spec.drafts, spec.per_position.last())
    {
        if let (Some(dt), true) = (spec.draft_tokens, drafts > 0)
            && dt != drafts * u64::from(gamma)
        {
            warnings.push(format!(
                "{}: {place}: {dt} draft tokens in {drafts} drafts is not {gamma} per draft; α̂ assumes every draft proposed γ tokens",
                row.source
            ));
            row.flags.push("draft_tokens_not_gamma_per_draft".into());
        }
        let c = alpha_from_counts(acc, drafts, gamma, last, spec.precision).ok_or_else(|| {
            data(format!(
                "{place}: the counts are impossible ({acc} accepted tokens, {drafts} drafts, γ = {gamma}, last per-position rate {}); the block is damaged",
                num(last)
            ))
        })?;
        if c.rounding_suspect {
            warnings.push(format!(
                "{}: {place}: drafts × last per-position rate = {} is {} from a whole count, more than the print precision allows; #{{k = γ}} = {} is uncertain",
                row.source,
                num(drafts as f64 * last),
                num(c.rounding_gap),
                c.full_drafts
            ));
            row.flags.push("full_draft_count_rounded".into());
        }
        row.alpha = Some(c.estimate.alpha);
        if let Some([lo, hi]) = c.estimate.ci95 {
            row.alpha_ci95_lower = Some(lo);
            row.alpha_ci95_upper = Some(hi);
        }
        row.alpha_method = "counts-mle".into();
        if let Some(t) = iid_check(&spec.per_position, drafts, c.estimate.alpha) {
            row.iid_p = t.p;
            row.iid_flag = t.p.map(|p| p < IID_REJECT_BELOW);
        }
        return Ok(());
    }
    if let Some(tau) = spec.acceptance_length.filter(|_| row.engine == "sglang") {
        if is_tree_method(&row.method) {
            row.flags.push("tree_drafting_no_alpha".into());
            return Ok(());
        }
        row.alpha = alpha_from_tau(tau, f64::from(gamma));
        if row.alpha.is_none() {
            return Err(data(format!(
                "{place}: accept length {} is outside (1, γ + 1 = {}); check --gamma",
                num(tau),
                gamma + 1
            )));
        }
        row.alpha_method = "tau".into();
        return Ok(());
    }
    if let Some(tar) = spec.tar {
        row.alpha = alpha_from_tar(tar, f64::from(gamma));
        row.alpha_method = if row.alpha.is_some() {
            "tar".into()
        } else {
            String::new()
        };
    }
    Ok(())
}

/// The row of a serve log that no bench output claimed: its snapshots
/// summed (they include warm-up and repeated requests).
fn serve_row(
    s: ServeLog,
    opts: &ImportOptions,
    warnings: &mut Vec<String>,
) -> Result<Option<RunRow>, SdslError> {
    let Some(spec) = s.spec.clone() else {
        warnings.push(format!(
            "{}: a vllm serve log with no SpecDecoding metrics and no matching bench output: nothing imported from it",
            s.source
        ));
        return Ok(None);
    };
    let mut flags = s.flags.clone();
    flags.insert(0, "includes_warmup_and_repeats".into());
    let b = Block {
        source: s.source.clone(),
        block: 1,
        line: s.args_line,
        format: "vllm-serve",
        engine: "vllm".into(),
        engine_version: s.version.clone(),
        target: s.target.clone(),
        draft: s.draft.clone(),
        method: s.method.clone(),
        gamma: s.gamma,
        spec: Some(spec),
        flags,
        ..Default::default()
    };
    block_row(b, opts, warnings).map(Some)
}

/// Measured speed-ups against the no-speculation run with the same
/// (target, dataset, temperature, max concurrency): TPOT(base)/TPOT(run)
/// and tok/s(run)/tok/s(base). Empty when no such run, or several.
fn add_speedups(rows: &mut [RunRow], warnings: &mut Vec<String>) {
    let key = |r: &RunRow| {
        (
            r.target.clone(),
            r.dataset.clone(),
            r.temperature.map(f64::to_bits),
            r.max_concurrency,
        )
    };
    let baselines: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].method == "none" && rows[i].ppl.is_none() && rows[i].tpot_ms.is_some())
        .collect();
    for i in 0..rows.len() {
        if rows[i].method == "none" || rows[i].ppl.is_some() {
            continue;
        }
        let k = key(&rows[i]);
        let matches: Vec<usize> = baselines
            .iter()
            .copied()
            .filter(|&j| key(&rows[j]) == k)
            .collect();
        match matches.as_slice() {
            [] => {}
            [j] => {
                let (base_tpot, base_rate) = (rows[*j].tpot_ms, rows[*j].output_tok_s);
                let r = &mut rows[i];
                r.speedup_tpot = base_tpot.zip(r.tpot_ms).filter(|(_, t)| *t > 0.0).map(|(b, t)| b / t);
                r.speedup_throughput = base_rate.zip(r.output_tok_s).filter(|(b, _)| *b > 0.0).map(|(b, t)| t / b);
            }
            several => warnings.push(format!(
                "{} block {}: {} no-speculation runs match (target, dataset, temperature, concurrency): {}; speed-up left empty",
                rows[i].source,
                rows[i].block,
                several.len(),
                capped_list(several.iter().map(|&j| format!("{} block {}", rows[j].source, rows[j].block)), 10)
            )),
        }
    }
}

/// Whether a row's method drafts with a separate model whose size a
/// registry can give: only `draft_model`. EAGLE, Medusa, MTP and n-gram
/// drafters have no such size, so they never enter an N* or α-law fit.
pub fn has_sized_draft(r: &RunRow) -> bool {
    r.method == "draft_model" && !r.draft.is_empty()
}

/// The flag of a `vllm serve` log read alone (docs/import.md).
pub const WARMUP_FLAG: &str = "includes_warmup_and_repeats";

/// α̂ of one (target, draft, γ, temperature, dataset), from the runs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RunAlpha {
    /// Target as the runs name it.
    pub target: String,
    /// Draft as the runs name it.
    pub draft: String,
    /// γ.
    pub gamma: u32,
    /// Temperature (None where the input did not print it).
    pub temperature: Option<f64>,
    /// Dataset ("" where not printed).
    pub dataset: String,
    /// α̂.
    pub alpha: f64,
    /// Its 95% interval (the likelihood-ratio one for counts).
    pub ci95: Option<[f64; 2]>,
    /// `counts-mle`, `tau` or `tar`.
    pub method: String,
    /// Drafts behind it (None for inversions without counts).
    pub drafts: Option<u64>,
    /// TPOT(plain) / TPOT(run), when the row has it.
    pub speedup_tpot: Option<f64>,
    /// The rows it comes from, as `source block N`.
    pub rows: Vec<String>,
    /// The rows' flags, merged.
    pub flags: Vec<String>,
}

/// What the fits take from a runs table, and what they left out and why.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunsForFits {
    /// α̂ per (target, draft, γ, temperature, dataset).
    pub alphas: Vec<RunAlpha>,
    /// Rows left out, each with the reason (printed as warnings).
    pub skipped: Vec<String>,
}

fn row_id(r: &RunRow) -> String {
    format!("{} block {}", r.source, r.block)
}

/// #{k < γ} of a row with counts: drafts − round(drafts × last rate).
fn rejections(r: &RunRow) -> Option<(u64, u64)> {
    let (acc, drafts, last) = (r.accepted_tokens?, r.drafts?, *r.per_position.last()?);
    let full = (drafts as f64 * last).round() as u64;
    Some((acc, drafts.checked_sub(full)?))
}

/// α̂ per (target, draft, γ, temperature, dataset) for the fits
/// (docs/import.md, "From runs to the fits").
///
/// - Only rows with α̂ and a draft of known size enter ([`has_sized_draft`]);
///   the others are listed in `skipped` with the reason.
/// - A serve log's summed snapshots ([`WARMUP_FLAG`]) describe the same run
///   as a bench row with the same (target, draft, γ): when such a bench row
///   is present the serve row is left out, so a fit never counts one run
///   twice; alone, it enters and keeps its flag.
/// - Several rows of one key are pooled: with counts, the MLE of the pooled
///   counts α̂ = ΣΣk / (ΣΣk + Σ#{k < γ}) (the likelihoods multiply), with
///   its likelihood-ratio interval; without counts (τ or TAR inversions)
///   a key must have one row, else it is an error naming the rows.
// Long (≈120 lines): the admission rules in the order the docs list them,
// then the grouping and pooling; each rule's message is written where the
// rule is, so a reader audits rule and message together.
pub fn alphas_for_fits(rows: &[RunRow]) -> Result<RunsForFits, SdslError> {
    let mut out = RunsForFits::default();
    let mut keep: Vec<&RunRow> = Vec::new();
    for r in rows {
        if r.ppl.is_some() || r.method == "none" {
            continue;
        }
        if !has_sized_draft(r) {
            out.skipped.push(format!(
                "{}: method {} has no draft model of known size; it enters no N* or α-law fit",
                row_id(r),
                if r.method.is_empty() { "?" } else { &r.method }
            ));
            continue;
        }
        let (Some(_), Some(_)) = (r.alpha, r.gamma) else {
            out.skipped.push(format!(
                "{}: no α̂ (no counts, τ or TAR to estimate it from); left out",
                row_id(r)
            ));
            continue;
        };
        if r.flags.iter().any(|f| f == WARMUP_FLAG) {
            let bench = rows.iter().find(|b| {
                !b.flags.iter().any(|f| f == WARMUP_FLAG)
                    && b.alpha.is_some()
                    && (&b.target, &b.draft, b.gamma) == (&r.target, &r.draft, r.gamma)
            });
            if let Some(b) = bench {
                out.skipped.push(format!(
                    "{}: a serve log's summed snapshots ({WARMUP_FLAG}) of the run {} measured; the bench row is used, never both",
                    row_id(r),
                    row_id(b)
                ));
                continue;
            }
        }
        keep.push(r);
    }
    type Key = (String, String, u64, Option<u64>, String);
    let key = |r: &RunRow| -> Key {
        (
            r.target.clone(),
            r.draft.clone(),
            r.gamma.unwrap_or(0),
            r.temperature.map(f64::to_bits),
            r.dataset.clone(),
        )
    };
    let mut keys: Vec<Key> = Vec::new();
    for r in &keep {
        if !keys.contains(&key(r)) {
            keys.push(key(r));
        }
    }
    for k in keys {
        let group: Vec<&RunRow> = keep.iter().copied().filter(|r| key(r) == k).collect();
        let first = group[0];
        let ids: Vec<String> = group.iter().map(|r| row_id(r)).collect();
        let mut flags: Vec<String> = Vec::new();
        for f in group.iter().flat_map(|r| &r.flags) {
            if !flags.contains(f) {
                flags.push(f.clone());
            }
        }
        let gamma = u32::try_from(k.2).map_err(|_| SdslError::Data {
            path: first.source.clone(),
            message: format!("block {}: γ = {} is out of range", first.block, k.2),
        })?;
        let (alpha, ci95, method, drafts) = if group.len() == 1 {
            let r = first;
            (
                r.alpha.unwrap_or(f64::NAN),
                r.alpha_ci95_lower
                    .zip(r.alpha_ci95_upper)
                    .map(|(l, h)| [l, h]),
                r.alpha_method.clone(),
                r.drafts,
            )
        } else {
            let counts: Option<Vec<(u64, u64)>> = group.iter().map(|r| rejections(r)).collect();
            let Some(counts) = counts else {
                return Err(SdslError::Data {
                    path: first.source.clone(),
                    message: format!(
                        "{} rows share (target {}, draft {}, γ {gamma}, temperature {}, dataset {}) and not all have counts to pool: {}; import them separately or keep one",
                        group.len(),
                        clip(&first.target),
                        clip(&first.draft),
                        first.temperature.map_or("-".into(), num),
                        clip(&first.dataset),
                        capped_list(&ids, 10)
                    ),
                });
            };
            let (s, f) = counts
                .iter()
                .fold((0u64, 0u64), |(a, b), (x, y)| (a + x, b + y));
            let e = crate::fit::estimate::mle_from_counts(s as f64, f as f64);
            (
                e.alpha,
                e.ci95,
                "counts-mle".to_string(),
                Some(group.iter().filter_map(|r| r.drafts).sum()),
            )
        };
        out.alphas.push(RunAlpha {
            target: k.0,
            draft: k.1,
            gamma,
            temperature: first.temperature,
            dataset: k.4,
            alpha,
            ci95,
            method,
            drafts,
            speedup_tpot: (group.len() == 1).then_some(first.speedup_tpot).flatten(),
            rows: ids,
            flags,
        });
    }
    Ok(out)
}

/// One model's TPOT without speculation at concurrency 1, from the runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RunTpot {
    /// The model as the runs name it.
    pub model: String,
    /// Mean of its runs' TPOTs, ms.
    pub tpot_ms: f64,
    /// The rows, as `source block N`.
    pub rows: Vec<String>,
}

/// The latency points of a runs table: rows without speculation
/// (`method = none`) at max concurrency 1 with a TPOT, one per model
/// (several runs of one model: the mean TPOT, said in `skipped`).
/// Runs at higher concurrency are listed in `skipped`: their TPOT is a
/// batched step's, not t(P) at batch 1.
pub fn latency_points(rows: &[RunRow], skipped: &mut Vec<String>) -> Vec<RunTpot> {
    let mut out: Vec<RunTpot> = Vec::new();
    for r in rows {
        if r.method != "none" || r.ppl.is_some() {
            continue;
        }
        let Some(t) = r.tpot_ms.filter(|t| t.is_finite() && *t > 0.0) else {
            skipped.push(format!("{}: no TPOT; not a latency point", row_id(r)));
            continue;
        };
        if r.max_concurrency != Some(1) {
            skipped.push(format!(
                "{}: max concurrency {} (not 1): its TPOT is a batched step's, not t(P) at batch 1; not a latency point",
                row_id(r),
                r.max_concurrency.map_or("not printed".into(), |c| c.to_string())
            ));
            continue;
        }
        match out.iter_mut().find(|p| p.model == r.target) {
            Some(p) => {
                let n = p.rows.len() as f64;
                p.tpot_ms = (p.tpot_ms * n + t) / (n + 1.0);
                p.rows.push(row_id(r));
            }
            None => out.push(RunTpot {
                model: r.target.clone(),
                tpot_ms: t,
                rows: vec![row_id(r)],
            }),
        }
    }
    for p in &out {
        if p.rows.len() > 1 {
            skipped.push(format!(
                "{}: {} runs at concurrency 1 ({}): their mean TPOT is used",
                p.model,
                p.rows.len(),
                capped_list(&p.rows, 10)
            ));
        }
    }
    out
}

/// A registry model for a name as an engine prints it: the name itself,
/// else the part after the last `/` (`Qwen/Qwen3-32B` → `Qwen3-32B`), the
/// registry's own (case-insensitive) lookup either way.
pub fn registry_model<'a>(
    registry: &'a crate::ingest::registry::Registry,
    name: &str,
) -> Result<&'a crate::ingest::registry::Model, SdslError> {
    match registry.model(name) {
        Ok(m) => Ok(m),
        Err(e) => match name.rsplit_once('/') {
            Some((_, short)) => registry.model(short).map_err(|_| e),
            None => Err(e),
        },
    }
}

/// The bytes of several inputs as one SHA-256 (hex), each name and length
/// prefixed so that moving bytes between files changes it: what a profile
/// or fit built from runs records as its source.
pub fn inputs_sha256(inputs: &[Input]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for i in inputs {
        h.update(i.name.as_bytes());
        h.update((i.bytes.len() as u64).to_le_bytes());
        h.update(&i.bytes);
    }
    format!("{:x}", h.finalize())
}

/// The perplexity join's choices (`sdsl fit alpha --runs`).
#[derive(Debug, Clone, Default)]
pub struct PplChoice {
    /// `token`, `word` or `byte` (None: the one the rows hold).
    pub norm: Option<String>,
    /// The lm-eval task (None: the one the rows hold).
    pub task: Option<String>,
}

/// Whether a model name as the runs print it and one as lm-eval prints it
/// name the same model: equal, or equal after the last `/`,
/// case-insensitively (`Qwen/Qwen3-1.7B` and `qwen3-1.7b`).
fn same_model(a: &str, b: &str) -> bool {
    let short = |s: &str| s.rsplit('/').next().unwrap_or(s).to_ascii_lowercase();
    a.eq_ignore_ascii_case(b) || short(a) == short(b)
}

/// The acceptance table of the runs (docs/import.md, "From runs to the
/// fits"): each α̂ of [`alphas_for_fits`] with the perplexities of its draft
/// and target from the perplexity rows (lm-eval) among the same inputs.
///
/// One normalisation and one task only: word, byte and token perplexity
/// are different quantities, and a law fitted on a mix is no law; token
/// perplexity also depends on the tokenizer, so a token-level fit needs
/// every model in one registry family (`registry`, one tokenizer; refused
/// without it). With several normalisations or tasks among the rows the
/// caller must choose ([`PplChoice`]); the refusal says which exist.
/// `label` names the inputs in the table's `path`.
// Long (≈120 lines): the choice of normalisation and task, the per-model
// lookup and the tokenizer rule each refuse with their own message; kept in
// one place so the refusals read in the order a user meets them.
pub fn acceptance_table(
    rows: &[RunRow],
    fits: &RunsForFits,
    choice: &PplChoice,
    registry: Option<&crate::ingest::registry::Registry>,
    label: &str,
    sha256: &str,
) -> Result<crate::ingest::acceptance::AcceptTable, SdslError> {
    let err = |message: String| SdslError::Data {
        path: label.to_string(),
        message,
    };
    let ppl: Vec<&RunRow> = rows.iter().filter(|r| r.ppl.is_some()).collect();
    if ppl.is_empty() {
        return Err(err("no perplexity rows among the runs: add the lm-eval results JSON of every draft and target (or a runs table holding them)".into()));
    }
    let pick = |what: &str, flag: &str, chosen: &Option<String>, of: &dyn Fn(&RunRow) -> String| {
        let all = distinct(ppl.iter().map(|r| of(r)));
        match chosen {
            Some(c) if all.contains(c) => Ok(c.clone()),
            Some(c) => Err(err(format!(
                "{flag} {}: no perplexity row has that {what}; the rows have {}",
                clip(c),
                all.join(", ")
            ))),
            None if all.len() == 1 => Ok(all[0].clone()),
            None => Err(err(format!(
                "the perplexity rows have {} {what}s ({}); a fit takes one, because {}; choose with {flag}",
                all.len(),
                all.join(", "),
                if what == "normalisation" {
                    "token, word and byte perplexity are different quantities and a law fitted on a mix is no law (docs/import.md)"
                } else {
                    "perplexities on different text are not comparable"
                }
            ))),
        }
    };
    let norm = pick("normalisation", "--ppl-norm", &choice.norm, &|r| {
        r.ppl_norm.clone()
    })?;
    let task = pick("task", "--ppl-task", &choice.task, &|r| r.dataset.clone())?;
    let sel: Vec<&RunRow> = ppl
        .iter()
        .copied()
        .filter(|r| r.ppl_norm == norm && r.dataset == task)
        .collect();
    let lookup = |model: &str| -> Result<f64, SdslError> {
        let hits: Vec<&&RunRow> = sel.iter().filter(|r| same_model(&r.model, model)).collect();
        match hits.as_slice() {
            [one] => Ok(one.ppl.unwrap_or(f64::NAN)),
            [] => Err(err(format!(
                "no {norm} perplexity on {} for {} among the perplexity rows (models: {}); add its lm-eval results",
                clip(&task),
                clip(model),
                capped_list(distinct(sel.iter().map(|r| r.model.clone())), 10)
            ))),
            many => Err(err(format!(
                "{} {norm} perplexities on {} for {}: {}; keep one",
                many.len(),
                clip(&task),
                clip(model),
                capped_list(many.iter().map(|r| row_id(r)), 10)
            ))),
        }
    };
    if norm == "token" {
        let models = distinct(
            fits.alphas
                .iter()
                .flat_map(|a| [a.draft.clone(), a.target.clone()]),
        );
        let Some(reg) = registry else {
            return Err(err("token-level perplexity depends on the tokenizer, and nothing here says the models share one: give --registry FILE with every model in one family".into()));
        };
        let families = models
            .iter()
            .map(|m| registry_model(reg, m).map(|x| x.family.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let fams = distinct(families);
        if fams.len() > 1 {
            return Err(err(format!(
                "token-level perplexities of models of different families ({}) are on different tokenizers and not comparable; fit one family, or use word or byte perplexity",
                fams.join(", ")
            )));
        }
    }
    let mut out = Vec::new();
    for (i, a) in fits.alphas.iter().enumerate() {
        let (x, y) = (lookup(&a.draft)?, lookup(&a.target)?);
        if !(a.alpha > 0.0 && a.alpha < 1.0) {
            return Err(err(format!(
                "{}: α̂ = {} is not inside (0, 1); the α law cannot be fitted to it",
                a.rows.join(", "),
                num(a.alpha)
            )));
        }
        out.push(crate::ingest::acceptance::AcceptRow {
            row: i + 1,
            draft: a.draft.clone(),
            target: a.target.clone(),
            draft_ppl: x,
            target_ppl: y,
            alpha: a.alpha,
            draft_family: None,
            target_family: None,
            draft_params: None,
            target_params: None,
            dataset: (!a.dataset.is_empty()).then(|| a.dataset.clone()),
            temperature: a.temperature.map(|t| t.to_string()),
            gamma: Some(a.gamma.to_string()),
            weight: None,
        });
    }
    Ok(crate::ingest::acceptance::AcceptTable {
        path: format!("{label} ({norm} perplexity on {task})"),
        sha256: sha256.to_string(),
        rows_total: out.len(),
        rows: out,
        notes: Vec::new(),
    })
}

/// Distinct values in first-appearance order.
fn distinct(it: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for x in it {
        if !v.contains(&x) {
            v.push(x);
        }
    }
    v
}

/// The single-model runs a roofline recalibration uses
/// (`sdsl fit latency --roofline GPU runs.csv`; docs/latency.md,
/// "Recalibrating on your engine"): rows without speculation
/// (`method = none`) with a TPOT and a `mean_batch`, each with its registry
/// model. Speculative rows are left out (their TPOT mixes draft steps and
/// verification passes) and said in `notes`; rows without a TPOT or a
/// mean batch too. Errors, naming `label` (the inputs), the rows and the
/// column: a model the registry lacks; fewer than two usable runs (with
/// the reason each other row was left out, and the fix); fewer than two
/// model sizes.
pub fn roofline_runs(
    rows: &[RunRow],
    registry: &crate::ingest::registry::Registry,
    label: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<crate::fit::roofline::RunInput>, SdslError> {
    let err = |message: String| SdslError::Data {
        path: label.to_string(),
        message,
    };
    let mut out = Vec::new();
    let mut left: Vec<String> = Vec::new();
    let mut speculative = 0;
    for r in rows {
        if r.ppl.is_some() {
            continue;
        }
        if r.method != "none" {
            speculative += 1;
            left.push(format!(
                "{} (column 'method' = {}): a speculative run's TPOT mixes draft steps and verification passes, not one model's decode step",
                row_id(r),
                r.method
            ));
            continue;
        }
        let Some(t) = r.tpot_ms.filter(|t| t.is_finite() && *t > 0.0) else {
            left.push(format!("{} (column 'tpot_ms'): no TPOT", row_id(r)));
            continue;
        };
        let Some(b) = r.mean_batch.filter(|b| b.is_finite() && *b > 0.0) else {
            left.push(format!(
                "{} (column 'mean_batch'): no mean batch (output tok/s × TPOT / 1000; re-import with `sdsl import`, which fills it)",
                row_id(r)
            ));
            continue;
        };
        let m = registry_model(registry, &r.target).map_err(|e| {
            err(format!(
                "{} (column 'target'): {e}; give a registry that has it with --registry FILE (datasets/models-engines.csv has Qwen3 and Llama 3.x)",
                row_id(r)
            ))
        })?;
        out.push(crate::fit::roofline::RunInput {
            run: row_id(r),
            model: m.name.clone(),
            arch: m.arch.clone(),
            params: m.params,
            tpot_ms: t,
            mean_batch: b,
        });
    }
    if out.len() < 2 {
        let why = if out.is_empty() && speculative > 0 {
            format!(
                "no single-model run: {speculative} row{} speculative (column 'method' is not 'none'); the roofline recalibrates on each model run alone (vllm bench serve without --speculative-config), e.g. the target and the draft each at concurrency 1",
                if speculative == 1 { " is" } else { "s are" }
            )
        } else {
            format!(
                "{} usable single-model run{}; the roofline recalibration fits t0 and η_bw and needs at least two single-model runs (method none) of different model sizes, e.g. the target and the draft each run alone",
                out.len(),
                if out.len() == 1 { "" } else { "s" }
            )
        };
        return Err(err(if left.is_empty() {
            why
        } else {
            format!("{why}. Left out: {}", capped_list(&left, 10))
        }));
    }
    let sizes: std::collections::BTreeSet<u64> = out.iter().map(|r| r.params.to_bits()).collect();
    if sizes.len() < 2 {
        return Err(err(format!(
            "the single-model runs ({}) are all of one model size; t0 and η_bw need at least two sizes (add a run of the draft or another model alone)",
            capped_list(out.iter().map(|r| r.run.clone()), 10)
        )));
    }
    if !left.is_empty() {
        notes.push(format!(
            "roofline recalibration: left out {}",
            capped_list(&left, 10)
        ));
    }
    Ok(out)
}

/// α̂ of one (draft, target) pair from the runs, pooled over its γ
/// (`sdsl plan --alpha runs.csv`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PairAlpha {
    /// Target as the runs name it.
    pub target: String,
    /// Draft as the runs name it.
    pub draft: String,
    /// α̂.
    pub alpha: f64,
    /// Its 95% interval (likelihood-ratio, for counts).
    pub ci95: Option<[f64; 2]>,
    /// `counts-mle` (pooled counts), `tau` or `tar` (one inversion).
    pub method: String,
    /// The γ values pooled.
    pub gammas: Vec<u32>,
    /// The rows, as `source block N`.
    pub rows: Vec<String>,
}

/// α̂ per (draft, target) pair: the runs of [`alphas_for_fits`] (sized
/// drafts only, a serve log's snapshots never counted twice) pooled over
/// γ. Under i.i.d. acceptance α does not depend on γ, and each run's
/// likelihood is Σk·ln α + #{k < γ}·ln(1 − α) whatever its γ, so the
/// pooled MLE is ΣΣk / (ΣΣk + Σ#{k < γ}) with its likelihood-ratio
/// interval. Errors: a pair measured under several workloads (temperature
/// or dataset: α differs between them), and a pair with several γ but no
/// counts to pool (inversions of τ or TAR).
pub fn pair_alphas(rows: &[RunRow]) -> Result<(Vec<PairAlpha>, Vec<String>), SdslError> {
    let fits = alphas_for_fits(rows)?;
    let mut pairs: Vec<(String, String)> = Vec::new();
    for a in &fits.alphas {
        let k = (a.target.clone(), a.draft.clone());
        if !pairs.contains(&k) {
            pairs.push(k);
        }
    }
    let mut out = Vec::new();
    for (target, draft) in pairs {
        let group: Vec<&RunAlpha> = fits
            .alphas
            .iter()
            .filter(|a| a.target == target && a.draft == draft)
            .collect();
        let ids: Vec<String> = group.iter().flat_map(|a| a.rows.clone()).collect();
        let first_source = group[0].rows[0]
            .rsplit_once(" block ")
            .map_or(group[0].rows[0].clone(), |(s, _)| s.to_string());
        let workloads = distinct(group.iter().map(|a| {
            format!(
                "temperature {}, dataset {}",
                a.temperature.map_or("-".into(), num),
                if a.dataset.is_empty() {
                    "-"
                } else {
                    &a.dataset
                }
            )
        }));
        if workloads.len() > 1 {
            return Err(SdslError::Data {
                path: first_source,
                message: format!(
                    "draft {} with target {} was run under {} workloads ({}); α differs between workloads, so give a runs table with one workload per pair (e.g. filter the runs table's rows by temperature and dataset)",
                    clip(&draft),
                    clip(&target),
                    workloads.len(),
                    capped_list(&workloads, 10)
                ),
            });
        }
        let gammas: Vec<u32> = group.iter().map(|a| a.gamma).collect();
        let (alpha, ci95, method) = if group.len() == 1 {
            (group[0].alpha, group[0].ci95, group[0].method.clone())
        } else {
            let counts: Option<Vec<(u64, u64)>> = ids
                .iter()
                .map(|id| rows.iter().find(|r| row_id(r) == *id).and_then(rejections))
                .collect();
            let Some(counts) = counts else {
                return Err(SdslError::Data {
                    path: first_source,
                    message: format!(
                        "draft {} with target {} has runs at γ = {} and not all have acceptance counts to pool ({}); keep one γ of the pair in the runs table",
                        clip(&draft),
                        clip(&target),
                        gammas
                            .iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(", "),
                        capped_list(&ids, 10)
                    ),
                });
            };
            let (s, f) = counts
                .iter()
                .fold((0u64, 0u64), |(a, b), (x, y)| (a + x, b + y));
            let e = crate::fit::estimate::mle_from_counts(s as f64, f as f64);
            (e.alpha, e.ci95, "counts-mle".to_string())
        };
        out.push(PairAlpha {
            target,
            draft,
            alpha,
            ci95,
            method,
            gammas,
            rows: ids,
        });
    }
    Ok((out, fits.skipped))
}
