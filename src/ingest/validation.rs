//! Readers of the validation tables (`datasets/validation/`, SOURCE.md
//! there): published speculative-decoding measurements, each CSV headed by
//! one or more `#` lines naming its source. Every reader returns typed rows
//! with their 1-based data-row number; bad cells are errors naming the
//! file, the row and the column.

use crate::error::SdslError;
use crate::ingest::sha256_hex;
use crate::ingest::table::Table;
use std::path::Path;

/// A validation table: its rows, the source comment and the file's hash.
#[derive(Debug, Clone)]
pub struct Sourced<R> {
    /// Path as read.
    pub path: String,
    /// SHA-256 of the whole file (comment included).
    pub sha256: String,
    /// The `#` source line(s), without the `#`.
    pub source: String,
    /// The rows.
    pub rows: Vec<R>,
}

/// Reads a CSV whose first lines may be `#` comments. Messages name rows
/// by their data-row number and say how many comment lines precede the
/// header.
/// Returns the table, the joined `#` lines and the whole file's SHA-256.
pub fn read_commented(path: &Path) -> Result<(Table, String, String), SdslError> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| SdslError::Io {
        path: label.clone(),
        source,
    })?;
    commented_from_bytes(&label, &bytes)
}

/// [`read_commented`] on bytes already read; `label` names them.
pub fn commented_from_bytes(
    label: &str,
    bytes: &[u8],
) -> Result<(Table, String, String), SdslError> {
    let label = label.to_string();
    let sha = sha256_hex(bytes);
    let mut start = 0usize;
    let mut comment = Vec::new();
    while bytes[start..].starts_with(b"#") {
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| start + p + 1);
        comment.push(
            String::from_utf8_lossy(&bytes[start + 1..end])
                .trim()
                .to_string(),
        );
        start = end;
    }
    let label = if comment.is_empty() {
        label
    } else {
        format!(
            "{label} (after {} '#' source line{}; line numbers count from the header)",
            comment.len(),
            if comment.len() == 1 { "" } else { "s" }
        )
    };
    let t = Table::from_csv_bytes(&label, bytes[start..].to_vec())?;
    Ok((t, comment.join(" "), sha))
}

fn cell_err(t: &Table, row: usize, col: &str, msg: &str) -> SdslError {
    SdslError::Data {
        path: t.label().to_string(),
        message: format!("row {row} (line {}), column '{col}': {msg}", row + 1),
    }
}

/// A numeric column whose cells may be blank (None).
fn opt_f64(t: &Table, col: &str) -> Result<Vec<Option<f64>>, SdslError> {
    if !t.has(col) {
        return Err(t.missing_column(col, "the validation readers need it"));
    }
    t.opt_str_column(col)?
        .into_iter()
        .enumerate()
        .map(|(i, c)| match c {
            None => Ok(None),
            Some(s) => s
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(Some)
                .ok_or_else(|| {
                    cell_err(
                        t,
                        i + 1,
                        col,
                        &format!("'{}' is not a number", crate::error::clip(&s)),
                    )
                }),
        })
        .collect()
}

/// A numeric column, every cell finite and > 0.
fn pos(t: &Table, col: &str) -> Result<Vec<f64>, SdslError> {
    let v = t.f64_column(col)?;
    t.require_positive(col, &v)?;
    Ok(v)
}

/// A column of probabilities strictly inside (0, 1).
fn unit(t: &Table, col: &str) -> Result<Vec<f64>, SdslError> {
    let v = t.f64_column(col)?;
    if let Some(i) = v.iter().position(|a| !(*a > 0.0 && *a < 1.0)) {
        return Err(cell_err(
            t,
            i + 1,
            col,
            &format!(
                "{} is not an acceptance rate in (0, 1)",
                crate::error::num(v[i])
            ),
        ));
    }
    Ok(v)
}

/// A column of whole numbers ≥ 1 (γ).
fn whole(t: &Table, col: &str) -> Result<Vec<u64>, SdslError> {
    let v = t.f64_column(col)?;
    v.iter()
        .enumerate()
        .map(|(i, g)| {
            if *g >= 1.0 && g.fract() == 0.0 && *g <= 1e6 {
                Ok(*g as u64)
            } else {
                Err(cell_err(
                    t,
                    i + 1,
                    col,
                    &format!("{} is not a whole number ≥ 1", crate::error::num(*g)),
                ))
            }
        })
        .collect()
}

fn sourced<R>(t: &Table, source: String, sha256: String, rows: Vec<R>) -> Sourced<R> {
    Sourced {
        path: t
            .label()
            .split(" (after ")
            .next()
            .unwrap_or_default()
            .to_string(),
        sha256,
        source,
        rows,
    }
}

/// One row of Leviathan et al. 2023 Tables 2 + 4 (T5-XXL target).
#[derive(Debug, Clone, PartialEq)]
pub struct LeviathanRow {
    /// Task (EnDe, CNNDM).
    pub task: String,
    /// Draft name.
    pub draft: String,
    /// Draft parameters.
    pub draft_params: f64,
    /// Sampling temperature.
    pub temperature: f64,
    /// γ used.
    pub gamma: u64,
    /// Measured α.
    pub alpha: f64,
    /// Profiled cost ratio c.
    pub c: f64,
    /// The paper's printed Theorem 3.8 value.
    pub printed: f64,
    /// Measured wall-time speed-up.
    pub measured: f64,
    /// Best draft of its (task, temperature) (the star in Table 2).
    pub best: bool,
}

/// Reads `leviathan2023_t5xxl_walltime.csv`.
pub fn read_leviathan(path: &Path) -> Result<Sourced<LeviathanRow>, SdslError> {
    let (t, src, sha) = read_commented(path)?;
    let (task, draft) = (t.str_column("task")?, t.str_column("draft")?);
    let np = pos(&t, "draft_params")?;
    let temp = t.f64_column("temperature")?;
    let gamma = whole(&t, "gamma")?;
    let alpha = unit(&t, "alpha")?;
    let c = pos(&t, "c")?;
    let printed = pos(&t, "speedup_expected_paper")?;
    let measured = pos(&t, "speedup_empirical")?;
    let best = t.f64_column("best_in_setting")?;
    let rows = (0..t.height())
        .map(|i| LeviathanRow {
            task: task[i].clone(),
            draft: draft[i].clone(),
            draft_params: np[i],
            temperature: temp[i],
            gamma: gamma[i],
            alpha: alpha[i],
            c: c[i],
            printed: printed[i],
            measured: measured[i],
            best: best[i] == 1.0,
        })
        .collect();
    Ok(sourced(&t, src, sha, rows))
}

/// The size of the T5-XXL target from Leviathan et al.'s Table 3 file (its
/// `target_params` on the rows whose target starts with `T5-XXL`; they must
/// agree).
pub fn read_leviathan_target(path: &Path) -> Result<Sourced<f64>, SdslError> {
    let (t, src, sha) = read_commented(path)?;
    let target = t.str_column("target")?;
    let params = pos(&t, "target_params")?;
    let mut v: Vec<f64> = target
        .iter()
        .zip(&params)
        .filter(|(n, _)| n.starts_with("T5-XXL"))
        .map(|(_, p)| *p)
        .collect();
    v.dedup();
    if v.len() != 1 {
        return Err(SdslError::Data {
            path: t.label().to_string(),
            message: format!(
                "column 'target_params': the T5-XXL rows give {} different sizes ({}); one is needed",
                v.len(),
                crate::error::capped_list(v.iter().map(|p| crate::error::num(*p)), 10)
            ),
        });
    }
    Ok(sourced(&t, src, sha, v))
}

/// One H200 wall-clock run at controlled α.
#[derive(Debug, Clone, PartialEq)]
pub struct WalltimeRow {
    /// Draft.
    pub draft: String,
    /// Target.
    pub target: String,
    /// Draft parameters.
    pub draft_params: f64,
    /// Target parameters.
    pub target_params: f64,
    /// The controlled α.
    pub alpha: f64,
    /// γ.
    pub gamma: u64,
    /// Realised tokens per iteration.
    pub realized_tokens_per_iter: f64,
    /// Plain decoding, ms per token.
    pub baseline_ms_per_token: f64,
    /// Speculative decoding, ms per token.
    pub spec_ms_per_token: f64,
    /// Measured speed-up.
    pub speedup: f64,
    /// The run's own single-pass times: draft decode, target decode, target
    /// verification of γ + 1 tokens (ms).
    pub t_draft_ms: f64,
    /// See `t_draft_ms`.
    pub t_target_ms: f64,
    /// See `t_draft_ms`.
    pub t_verify_ms: f64,
}

/// Reads `h200_specdec_walltime.csv`.
pub fn read_walltime(path: &Path) -> Result<Sourced<WalltimeRow>, SdslError> {
    let (t, src, sha) = read_commented(path)?;
    let (d, tg) = (t.str_column("draft")?, t.str_column("target")?);
    let cols = [
        "draft_params",
        "target_params",
        "realized_tokens_per_iter",
        "baseline_ms_per_token",
        "spec_ms_per_token",
        "speedup_measured",
        "t_draft_ms",
        "t_target_ms",
        "t_verify_ms",
    ]
    .iter()
    .map(|c| pos(&t, c))
    .collect::<Result<Vec<_>, _>>()?;
    let alpha = unit(&t, "alpha")?;
    let gamma = whole(&t, "gamma")?;
    let rows = (0..t.height())
        .map(|i| WalltimeRow {
            draft: d[i].clone(),
            target: tg[i].clone(),
            draft_params: cols[0][i],
            target_params: cols[1][i],
            alpha: alpha[i],
            gamma: gamma[i],
            realized_tokens_per_iter: cols[2][i],
            baseline_ms_per_token: cols[3][i],
            spec_ms_per_token: cols[4][i],
            speedup: cols[5][i],
            t_draft_ms: cols[6][i],
            t_target_ms: cols[7][i],
            t_verify_ms: cols[8][i],
        })
        .collect();
    Ok(sourced(&t, src, sha, rows))
}

/// One published cost ratio.
#[derive(Debug, Clone, PartialEq)]
pub struct CostRatioRow {
    /// Where it was published.
    pub source: String,
    /// Target name (with its size).
    pub target: String,
    /// Draft name (with its size).
    pub draft: String,
    /// Hardware.
    pub hardware: String,
    /// The cost ratio c.
    pub c: f64,
    /// VERBATIM or INFERRED (divided here).
    pub status: String,
}

/// Reads `measured_cost_ratio_c.csv`.
pub fn read_cost_ratios(path: &Path) -> Result<Sourced<CostRatioRow>, SdslError> {
    let (t, src, sha) = read_commented(path)?;
    let s = ["source", "target", "draft", "hardware", "c_status"]
        .iter()
        .map(|c| t.str_column(c))
        .collect::<Result<Vec<_>, _>>()?;
    let c = pos(&t, "c")?;
    let rows = (0..t.height())
        .map(|i| CostRatioRow {
            source: s[0][i].clone(),
            target: s[1][i].clone(),
            draft: s[2][i].clone(),
            hardware: s[3][i].clone(),
            c: c[i],
            status: s[4][i].clone(),
        })
        .collect();
    Ok(sourced(&t, src, sha, rows))
}

/// One row of Chen et al. 2023 Table 1.
#[derive(Debug, Clone, PartialEq)]
pub struct ChenRow {
    /// ArS (plain) or SpS (speculative).
    pub method: String,
    /// Benchmark.
    pub benchmark: String,
    /// Sampling.
    pub sampling: String,
    /// K (γ) for SpS rows.
    pub k: Option<f64>,
    /// Mean time per token, ms.
    pub mean_token_time_ms: f64,
    /// Speed-up.
    pub speedup: f64,
}

/// Reads `chen2023_chinchilla_table1.csv`.
pub fn read_chen(path: &Path) -> Result<Sourced<ChenRow>, SdslError> {
    let (t, src, sha) = read_commented(path)?;
    let s = ["method", "benchmark", "sampling"]
        .iter()
        .map(|c| t.str_column(c))
        .collect::<Result<Vec<_>, _>>()?;
    let k = opt_f64(&t, "K")?;
    let ms = pos(&t, "mean_token_time_ms")?;
    let sp = pos(&t, "speedup")?;
    let rows = (0..t.height())
        .map(|i| ChenRow {
            method: s[0][i].clone(),
            benchmark: s[1][i].clone(),
            sampling: s[2][i].clone(),
            k: k[i],
            mean_token_time_ms: ms[i],
            speedup: sp[i],
        })
        .collect();
    Ok(sourced(&t, src, sha, rows))
}

/// One draft of SDSL's Appendix F (OPT-13B target).
#[derive(Debug, Clone, PartialEq)]
pub struct AppendixFRow {
    /// Draft model.
    pub draft: String,
    /// Time per output token, seconds.
    pub tpot_s: f64,
    /// |N − N*|/M as printed.
    pub gap_over_m: f64,
}

/// Reads `sdsl2026_appendix_f_latency.csv`.
pub fn read_appendix_f(path: &Path) -> Result<Sourced<AppendixFRow>, SdslError> {
    let (t, src, sha) = read_commented(path)?;
    let d = t.str_column("draft_model")?;
    let tp = pos(&t, "TPOT_s")?;
    let gap = t.f64_column("abs_N_minus_Nstar_over_M")?;
    let rows = (0..t.height())
        .map(|i| AppendixFRow {
            draft: d[i].clone(),
            tpot_s: tp[i],
            gap_over_m: gap[i],
        })
        .collect();
    Ok(sourced(&t, src, sha, rows))
}

/// One Hugging Face assisted-generation measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct HfRow {
    /// Blog post.
    pub source: String,
    /// Target model id.
    pub target: String,
    /// Draft model id.
    pub draft: String,
    /// Task.
    pub task: String,
    /// GPU.
    pub hardware: String,
    /// Speed-up with the heuristic γ schedule.
    pub heuristic: Option<f64>,
    /// Speed-up with dynamic speculation or universal assisted generation.
    pub dynamic: Option<f64>,
}

/// Reads `hf_assisted_generation_speedups.csv`.
pub fn read_hf(path: &Path) -> Result<Sourced<HfRow>, SdslError> {
    let (t, src, sha) = read_commented(path)?;
    let s = ["source", "target", "draft", "task", "hardware"]
        .iter()
        .map(|c| t.str_column(c))
        .collect::<Result<Vec<_>, _>>()?;
    let h = opt_f64(&t, "speedup_heuristic")?;
    let d = opt_f64(&t, "speedup_dynamic_or_uag")?;
    let rows = (0..t.height())
        .map(|i| HfRow {
            source: s[0][i].clone(),
            target: s[1][i].clone(),
            draft: s[2][i].clone(),
            task: s[3][i].clone(),
            hardware: s[4][i].clone(),
            heuristic: h[i],
            dynamic: d[i],
        })
        .collect();
    Ok(sourced(&t, src, sha, rows))
}

/// One OPT model's WikiText-2 perplexity.
#[derive(Debug, Clone, PartialEq)]
pub struct OptPplRow {
    /// Model.
    pub model: String,
    /// Parameters (nominal).
    pub params: f64,
    /// GPTQ Table 3 perplexity.
    pub ppl_gptq: f64,
    /// SparseGPT dense perplexity.
    pub ppl_sparsegpt: f64,
}

/// Reads `opt_wikitext2_ppl.csv`.
pub fn read_opt_ppl(path: &Path) -> Result<Sourced<OptPplRow>, SdslError> {
    let (t, src, sha) = read_commented(path)?;
    let m = t.str_column("model")?;
    let p = pos(&t, "params")?;
    let g = pos(&t, "ppl_wikitext2_gptq_table3")?;
    let s = pos(&t, "ppl_wikitext2_sparsegpt_dense")?;
    let rows = (0..t.height())
        .map(|i| OptPplRow {
            model: m[i].clone(),
            params: p[i],
            ppl_gptq: g[i],
            ppl_sparsegpt: s[i],
        })
        .collect();
    Ok(sourced(&t, src, sha, rows))
}

/// One row of the NeMo vLLM sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct NemoRow {
    /// Target.
    pub target: String,
    /// Draft.
    pub draft: String,
    /// Temperature.
    pub temperature: f64,
    /// Thinking mode (yes/no).
    pub thinking: String,
    /// k (γ).
    pub k: u64,
    /// vLLM's steady-state token acceptance rate (steps 2–5).
    pub tar_steady: f64,
    /// TAR of step 1 (blank in some rows).
    pub tar_step1: Option<f64>,
    /// Measured generation-phase speed-up (blank where not reported).
    pub generation_speedup: Option<f64>,
}

/// Reads the NeMo sweep (`acceptance/qwen3_32b_window_sweep.csv`).
pub fn read_nemo(path: &Path) -> Result<Sourced<NemoRow>, SdslError> {
    let (t, src, sha) = read_commented(path)?;
    nemo_from(&t, src, sha)
}

/// The NeMo sweep from a table read by [`read_commented`] or
/// [`commented_from_bytes`] (its source line and hash).
pub fn nemo_from(t: &Table, src: String, sha: String) -> Result<Sourced<NemoRow>, SdslError> {
    let (tg, d, th) = (
        t.str_column("target")?,
        t.str_column("draft")?,
        t.str_column("thinking_mode")?,
    );
    let temp = t.f64_column("temperature")?;
    let k = whole(t, "k_num_speculative_tokens")?;
    let tar = unit(t, "tar_steady_steps2to5")?;
    let s1 = opt_f64(t, "tar_step1")?;
    let gs = opt_f64(t, "generation_speedup")?;
    let rows = (0..t.height())
        .map(|i| NemoRow {
            target: tg[i].clone(),
            draft: d[i].clone(),
            temperature: temp[i],
            thinking: th[i].clone(),
            k: k[i],
            tar_steady: tar[i],
            tar_step1: s1[i],
            generation_speedup: gs[i],
        })
        .collect();
    Ok(sourced(t, src, sha, rows))
}

/// One sampler run of the lab (`datasets/lab/speculative.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct LabRunRow {
    /// Draft.
    pub draft: String,
    /// Target.
    pub target: String,
    /// γ.
    pub gamma: u64,
    /// Iterations run.
    pub iterations: f64,
    /// Tokens emitted.
    pub emitted: f64,
    /// Draft non-embedding parameters.
    pub draft_params: f64,
    /// Target non-embedding parameters.
    pub target_params: f64,
    /// Σ min(p, q) of the pair on held-out text (the acceptance table's α,
    /// measured apart from the run).
    pub alpha_heldout: f64,
}

/// Reads the lab's sampler runs.
pub fn read_lab_runs(path: &Path) -> Result<Sourced<LabRunRow>, SdslError> {
    let (t, src, sha) = read_commented(path)?;
    lab_runs_from(&t, src, sha)
}

/// The lab's sampler runs from a table read by [`read_commented`] (its
/// source line and hash).
pub fn lab_runs_from(t: &Table, src: String, sha: String) -> Result<Sourced<LabRunRow>, SdslError> {
    let (d, tg) = (t.str_column("draft")?, t.str_column("target")?);
    let g = whole(t, "gamma")?;
    let cols = ["iterations", "emitted", "draft_params", "target_params"]
        .iter()
        .map(|c| pos(t, c))
        .collect::<Result<Vec<_>, _>>()?;
    let a = unit(t, "alpha_summin_heldout")?;
    let rows = (0..t.height())
        .map(|i| LabRunRow {
            draft: d[i].clone(),
            target: tg[i].clone(),
            gamma: g[i],
            iterations: cols[0][i],
            emitted: cols[1][i],
            draft_params: cols[2][i],
            target_params: cols[3][i],
            alpha_heldout: a[i],
        })
        .collect();
    Ok(sourced(t, src, sha, rows))
}

/// The nominal parameter count in a model name: the first token (split on
/// anything but letters, digits and '.') that is a number followed by
/// `m`, `b` or `t` (any case; not `k`, which names context lengths such as
/// `128k`), e.g. `T5-small (77M)` → 77e6,
/// `facebook/opt-6.7b` → 6.7e9, `Llama-3.1-8B` → 8e9. None when the name
/// carries no size (`whisper-large-v2`).
pub fn params_in_name(name: &str) -> Option<f64> {
    name.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
        .find_map(|tok| {
            let (num, unit) = tok.split_at(tok.len().checked_sub(1)?);
            let scale = match unit.to_ascii_lowercase().as_str() {
                "m" => 1e6,
                "b" => 1e9,
                "t" => 1e12,
                _ => return None,
            };
            let v: f64 = num.parse().ok()?;
            (v > 0.0 && v.is_finite() && num.chars().next()?.is_ascii_digit()).then_some(v * scale)
        })
}

#[cfg(test)]
mod tests {
    use super::params_in_name;

    #[test]
    fn sizes_are_read_from_model_names() {
        assert_eq!(params_in_name("T5-small (77M)"), Some(77e6));
        assert_eq!(params_in_name("facebook/opt-6.7b"), Some(6.7e9));
        assert_eq!(params_in_name("meta-llama/Llama-3.1-8B"), Some(8e9));
        assert_eq!(params_in_name("JackFram/Llama-68m"), Some(68e6));
        assert_eq!(params_in_name("4B (8-layer)"), Some(4e9));
        assert_eq!(params_in_name("openai/whisper-large-v2"), None);
        assert_eq!(params_in_name("google/flan-t5-xl"), None);
        assert_eq!(params_in_name("microsoft/Phi-3-medium-128k-instruct"), None);
    }
}

/// One row of `validation/sources.csv`: what a validation source is and
/// what it can test (the report's source descriptions).
#[derive(Debug, Clone, PartialEq)]
pub struct DescriptionRow {
    /// Source name, as the rows name it (e.g. `h200-walltime`).
    pub source: String,
    /// `values`, `rank`, `range` or `check`.
    pub comparable: String,
    /// Hardware.
    pub hardware: String,
    /// Engine or decoding loop.
    pub engine: String,
    /// Real or random weights.
    pub weights: String,
    /// How α was obtained.
    pub alpha: String,
    /// What it can test.
    pub tests: String,
    /// What it cannot test.
    pub cannot_test: String,
}

/// The kinds of comparability a source description may declare.
pub const COMPARABLE: [&str; 4] = ["values", "rank", "range", "check"];

/// Reads `validation/sources.csv` (every cell required; `comparable` one of
/// [`COMPARABLE`]).
pub fn read_descriptions(path: &Path) -> Result<Sourced<DescriptionRow>, SdslError> {
    let (t, src, sha) = read_commented(path)?;
    let col = |c: &str| t.str_column(c);
    let (source, comparable, hardware, engine) = (
        col("source")?,
        col("comparable")?,
        col("hardware")?,
        col("engine")?,
    );
    let (weights, alpha, tests, cannot) = (
        col("weights")?,
        col("alpha")?,
        col("tests")?,
        col("cannot_test")?,
    );
    if let Some((i, c)) = comparable
        .iter()
        .enumerate()
        .find(|(_, c)| !COMPARABLE.contains(&c.as_str()))
    {
        return Err(SdslError::Data {
            path: t.label().to_string(),
            message: format!(
                "row {}, column 'comparable': '{}' is not one of {}",
                i + 1,
                crate::error::clip(c),
                COMPARABLE.join(", ")
            ),
        });
    }
    let rows = (0..t.height())
        .map(|i| DescriptionRow {
            source: source[i].clone(),
            comparable: comparable[i].clone(),
            hardware: hardware[i].clone(),
            engine: engine[i].clone(),
            weights: weights[i].clone(),
            alpha: alpha[i].clone(),
            tests: tests[i].clone(),
            cannot_test: cannot[i].clone(),
        })
        .collect();
    Ok(sourced(&t, src, sha, rows))
}

/// One published number of the SDSL paper (`paper/sdsl2026_published.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedRow {
    /// `nstar_law`, `alpha_law`, `table5`, `digest_predicted`,
    /// `digest_empirical`, `appendix_f`.
    pub group: String,
    /// Quantity (`mu`, `M0`, `A`, `r2`, `n_star`, `tpot_order`, …).
    pub quantity: String,
    /// Target of an N* cell (None for laws).
    pub target: Option<String>,
    /// Draft family of an N* cell.
    pub draft_family: Option<String>,
    /// The published value.
    pub value: f64,
    /// The published 95% interval, where printed.
    pub ci95: Option<[f64; 2]>,
    /// Unit.
    pub unit: String,
    /// Where it was copied from.
    pub source: String,
}

/// Reads `paper/sdsl2026_published.csv`: `value` required and finite, the
/// interval bounds both given or both empty.
pub fn read_published(path: &Path) -> Result<Sourced<PublishedRow>, SdslError> {
    let (t, src, sha) = read_commented(path)?;
    let (group, quantity, unit, source) = (
        t.str_column("group")?,
        t.str_column("quantity")?,
        t.str_column("unit")?,
        t.str_column("source")?,
    );
    let (target, family) = (
        t.opt_str_column("target")?,
        t.opt_str_column("draft_family")?,
    );
    let value = t.f64_column("value")?;
    let (lo, hi) = (
        t.opt_str_column("ci95_lower")?,
        t.opt_str_column("ci95_upper")?,
    );
    let err = |i: usize, m: String| SdslError::Data {
        path: t.label().to_string(),
        message: format!("row {}: {m}", i + 1),
    };
    let num = |i: usize, c: &str, s: &str| {
        s.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                err(
                    i,
                    format!(
                        "column '{c}': '{}' is not a finite number",
                        crate::error::clip(s)
                    ),
                )
            })
    };
    let mut rows = Vec::new();
    for i in 0..t.height() {
        if !value[i].is_finite() {
            return Err(err(i, "column 'value': not a finite number".into()));
        }
        let ci95 = match (&lo[i], &hi[i]) {
            (Some(a), Some(b)) => Some([num(i, "ci95_lower", a)?, num(i, "ci95_upper", b)?]),
            (None, None) => None,
            _ => {
                return Err(err(
                    i,
                    "give both ci95_lower and ci95_upper, or neither".into(),
                ));
            }
        };
        rows.push(PublishedRow {
            group: group[i].clone(),
            quantity: quantity[i].clone(),
            target: target[i].clone(),
            draft_family: family[i].clone(),
            value: value[i],
            ci95,
            unit: unit[i].clone(),
            source: source[i].clone(),
        });
    }
    Ok(sourced(&t, src, sha, rows))
}
