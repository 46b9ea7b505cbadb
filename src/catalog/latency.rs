//! The latency cost model from its one-string syntax (docs/latency.md):
//! `latency:NAME|FILE[:mode=graph|eager][:ctx=N][:batch=B]`.
//!
//! - NAME: a shipped table, `h200-graph` or `h200-eager` (the H200 tables of
//!   `datasets/hardware/`, compiled in; ctx 512, batch 1 unless given; a
//!   batch other than 1 reads the batched table, graph mode only; a batch
//!   between measured ones (1, 4, 16, 64) is interpolated in ln b, see
//!   [`crate::fit::latency::select`]);
//! - `roofline:GPU` (plus `:weights=bf16|fp8`): a catalogued GPU priced by
//!   the roofline law calibrated on the H200 tables ([`super::roofline`]);
//! - FILE: a latency table (`.csv`/`.parquet`, fitted here without a
//!   bootstrap) or a profile written by `sdsl fit latency --out` (`.json`;
//!   its own selection is used and options are refused).
//!
//! Ingest (the table) → fit (the profile) → a `Copy` [`CostModel::Latency`].

use crate::error::SdslError;
use crate::fit::latency::{LatencyFitSpec, LatencyProfile, LatencySelection, PROFILE_KIND};
use crate::ingest::latency::{Mode, latency_table_from, parse_meta};
use crate::ingest::text_table::TextTable;
use crate::law::CostModel;
use crate::law::throughput::DEFAULT_MAX_GAMMA;
use std::path::Path;

const H200_CSV: &str = "datasets/hardware/h200_decode_latency.csv";
const H200_BYTES: &[u8] = include_bytes!("../../datasets/hardware/h200_decode_latency.csv");
const H200_META: &str = include_str!("../../datasets/hardware/h200_decode_latency.meta");
const H200_META_PATH: &str = "datasets/hardware/h200_decode_latency.meta";
const H200_BATCHED_CSV: &str = "datasets/hardware/h200_decode_latency_batched.csv";
const H200_BATCHED_BYTES: &[u8] =
    include_bytes!("../../datasets/hardware/h200_decode_latency_batched.csv");

/// Shipped latency model names and the mode each stands for.
pub const SHIPPED: [(&str, Mode); 2] = [("h200-graph", Mode::Graph), ("h200-eager", Mode::Eager)];

/// Whether a cost-model string asks for a latency model.
pub fn is_latency_spec(s: &str) -> bool {
    s.starts_with("latency:")
}

/// How an architecture name (a registry `arch`, a manifest stand-in)
/// prices against a latency profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchName {
    /// The table measured it at the profile's selection.
    Measured,
    /// The table has it but left it out of the fit (a lab-scale shape):
    /// priced by the affine law.
    Excluded,
    /// Not in the table and unlike its names: priced by the affine law.
    Unknown,
    /// Not in the table but within edit distance 2 (case-insensitive) of
    /// these table architectures, closest first: a typo.
    Typo(Vec<String>),
}

/// Resolves an architecture name against the table behind `profile`
/// ([`ArchName`]). Names are matched exactly (as [`LatencyProfile::measured`]
/// does); a near miss is reported as a typo.
pub fn arch_name(profile: &LatencyProfile, arch: &str) -> ArchName {
    if profile.measured(arch).is_some() {
        return ArchName::Measured;
    }
    if profile.excluded.iter().any(|a| a == arch) {
        return ArchName::Excluded;
    }
    let known = profile
        .architectures
        .iter()
        .map(|a| a.arch.as_str())
        .chain(profile.excluded.iter().map(String::as_str));
    let near = crate::error::near_names(arch, known, 2);
    if near.is_empty() {
        ArchName::Unknown
    } else {
        ArchName::Typo(near.into_iter().map(str::to_string).collect())
    }
}

/// "did you mean 'A'?" (or "'A' or 'B'" for names equally close) for a typo.
pub fn did_you_mean(profile: &LatencyProfile, arch: &str, near: &[String]) -> String {
    let lower = arch.to_ascii_lowercase();
    let dist = |n: &str| crate::error::levenshtein(&lower, &n.to_ascii_lowercase());
    let best = near.first().map_or(0, |n| dist(n));
    let closest: Vec<String> = near
        .iter()
        .filter(|n| dist(n) == best)
        .map(|n| format!("'{n}'"))
        .collect();
    format!(
        "'{}' is not an architecture of the latency table {} ({} mode, ctx {}, batch {}); did you mean {}?",
        crate::error::clip(arch),
        profile.source.path,
        profile.selection.mode,
        profile.selection.ctx,
        profile.selection.batch,
        crate::error::capped_join(&closest, 10, " or ")
    )
}

/// Checks the `arch` of registry models against the table behind
/// `profile`. Only an `arch` cell that differs from the model's own name is
/// checked: an empty cell (the name itself) claims nothing about the table,
/// and such a model is priced by the affine law when the table lacks it
/// (docs/latency.md). An `arch` within edit distance 2 of a table architecture is
/// an error naming the registry row, unless it is the name of a registry
/// model (a deliberate pointer the table does not measure); an `arch` unlike
/// any is priced by the affine law, and the returned warning (one for all
/// such models) says so.
pub fn check_registry_archs<'a>(
    profile: &LatencyProfile,
    registry: &crate::ingest::registry::Registry,
    models: impl IntoIterator<Item = &'a crate::ingest::registry::Model>,
) -> Result<Option<String>, SdslError> {
    let mut by_law: Vec<String> = Vec::new();
    for m in models {
        if m.arch == m.name {
            continue;
        }
        match arch_name(profile, &m.arch) {
            ArchName::Measured => {}
            ArchName::Excluded | ArchName::Unknown => {
                let item = format!("{} ('{}')", m.name, m.arch);
                if !by_law.contains(&item) {
                    by_law.push(item);
                }
            }
            // the name of another registry model (LLaMA3.1-70B priced as
            // LLaMA3-70B) is a deliberate pointer, not a typo: a table that
            // lacks it (the batched table) prices it by the affine law
            ArchName::Typo(_) if registry.models.iter().any(|x| x.name == m.arch) => {
                let item = format!("{} ('{}')", m.name, m.arch);
                if !by_law.contains(&item) {
                    by_law.push(item);
                }
            }
            ArchName::Typo(near) => {
                let row = registry.row_of(m).unwrap_or(0);
                return Err(SdslError::Data {
                    path: registry.path.clone(),
                    message: format!(
                        "row {row} (line {}), column 'arch': {} Fix the cell, or leave it empty to price {} by the affine law",
                        row + 1,
                        did_you_mean(profile, &m.arch, &near),
                        crate::error::clip(&m.name)
                    ),
                });
            }
        }
    }
    Ok((!by_law.is_empty()).then(|| {
        format!(
            "{} registry model{} of {} name{} an arch for which the latency table {} has no fitted times ({} mode, ctx {}, batch {}), so {} time{} come{} from the affine law: {}",
            by_law.len(),
            if by_law.len() == 1 { "" } else { "s" },
            registry.path,
            if by_law.len() == 1 { "s" } else { "" },
            profile.source.path,
            profile.selection.mode,
            profile.selection.ctx,
            profile.selection.batch,
            if by_law.len() == 1 { "its" } else { "their" },
            if by_law.len() == 1 { "" } else { "s" },
            if by_law.len() == 1 { "s" } else { "" },
            crate::error::capped_list(&by_law, 10)
        )
    }))
}

/// Resolves `latency:…` into a cost model and the profile behind it, with
/// γ capped at [`DEFAULT_MAX_GAMMA`] in the integer searches.
pub fn latency_cost_model(spec: &str) -> Result<(CostModel, LatencyProfile), SdslError> {
    latency_cost_model_capped(spec, DEFAULT_MAX_GAMMA)
}

/// [`latency_cost_model`] under the user's γ cap (`--max-gamma`): the
/// integer γ searches stop at min(q_max − 1, `max_gamma`), and a table or
/// profile whose q exceeds 1 + 4·max(16, `max_gamma`) is refused as absurd.
pub fn latency_cost_model_capped(
    spec: &str,
    max_gamma: u64,
) -> Result<(CostModel, LatencyProfile), SdslError> {
    let bad = |why: String| {
        SdslError::InvalidArgument(format!(
            "cost model '{spec}': {why}; expected 'latency:NAME|FILE[:mode=graph|eager][:ctx=N][:batch=B]' with NAME one of {}, or 'latency:roofline:GPU[:mode=graph|eager][:ctx=N][:batch=B][:weights=bf16|fp8]' with GPU an id of datasets/hardware/gpus.csv",
            SHIPPED.map(|(name, _)| name).join(", ")
        ))
    };
    let rest = spec
        .strip_prefix("latency:")
        .ok_or_else(|| bad("not a latency model".into()))?;
    let mut parts = rest.split(':');
    let source = parts.next().unwrap_or_default();
    if source.is_empty() {
        return Err(bad("no table, profile or shipped name".into()));
    }
    let gpu = if source == "roofline" {
        match parts.next() {
            Some(g) if !g.is_empty() && !g.contains('=') => Some(g),
            _ => {
                let ids = super::gpus::catalogue()
                    .map(|c| c.into_iter().map(|g| g.id).collect::<Vec<_>>().join(", "))
                    .unwrap_or_default();
                return Err(bad(format!(
                    "'roofline' needs a GPU id after it (latency:roofline:GPU), one of: {ids}"
                )));
            }
        }
    } else {
        None
    };
    let SpecOptions {
        mode,
        ctx,
        batch,
        weights,
    } = parse_options(
        parts,
        gpu.is_some() || source.to_ascii_lowercase().ends_with(".json"),
        &bad,
    )?;
    let profile = if let Some(gpu) = gpu {
        let d = LatencySelection::default();
        let sel = LatencySelection {
            mode: mode.unwrap_or(d.mode),
            ctx: ctx.unwrap_or(d.ctx),
            batch: batch.unwrap_or(d.batch),
        };
        // the catalogue's own message lists the ids and says how to add one
        super::roofline::roofline_profile(gpu, sel, weights.unwrap_or(2.0), max_gamma).map_err(
            |e| match e {
                SdslError::InvalidArgument(why) => {
                    SdslError::InvalidArgument(format!("cost model '{spec}': {why}"))
                }
                e => e,
            },
        )?
    } else if let Some(shipped_mode) = shipped_mode(source) {
        let sel = LatencySelection {
            mode: mode.unwrap_or(shipped_mode),
            ctx: ctx.unwrap_or(512),
            batch: batch.unwrap_or(1),
        };
        // the tables' refusal of an unmeasured selection, in this spec's words
        let table = shipped_table(sel).map_err(|e| match e {
            SdslError::InvalidArgument(why) => bad(why),
            e => e,
        })?;
        fit_selection(&table, sel, max_gamma)?
    } else {
        let path = Path::new(source);
        if !path.is_file() {
            return Err(bad(format!(
                "'{source}' is neither a shipped name nor an existing file"
            )));
        }
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if is_json {
            let p = read_profile_capped(path, max_gamma)?;
            match p.roofline.clone() {
                // a roofline profile is a calibration: re-priced at the
                // options' (ctx, batch, weights), its own selection elsewhere
                Some(mut origin) if ctx.is_some() || batch.is_some() || weights.is_some() => {
                    if mode.is_some() {
                        return Err(bad(format!(
                            "a roofline profile file holds the calibration of one mode ({}); ctx, batch and weights options apply to it, mode does not",
                            p.selection.mode
                        )));
                    }
                    let sel = LatencySelection {
                        mode: p.selection.mode,
                        ctx: ctx.unwrap_or(p.selection.ctx),
                        batch: batch.unwrap_or(p.selection.batch),
                    };
                    if sel.batch > 1 && sel.mode == Mode::Eager {
                        return Err(bad(format!(
                            "batch {}: the profile is an eager-mode calibration, which has batch-1 rows only",
                            sel.batch
                        )));
                    }
                    if let Some(w) = weights {
                        origin.weight_bytes_per_param = w;
                    }
                    super::roofline::priced_profile(&p.kind, origin, sel, max_gamma)?
                }
                _ => {
                    if weights.is_some() {
                        return Err(bad(
                            "weights= applies to latency:roofline:GPU and roofline profile files only (this profile was measured in bf16)".into(),
                        ));
                    }
                    if mode.is_some() || ctx.is_some() || batch.is_some() {
                        return Err(bad(
                            "a profile file was fitted for one selection; mode, ctx and batch options apply to tables and roofline profiles only".into(),
                        ));
                    }
                    p
                }
            }
        } else {
            let d = LatencySelection::default();
            let sel = LatencySelection {
                mode: mode.unwrap_or(d.mode),
                ctx: ctx.unwrap_or(d.ctx),
                batch: batch.unwrap_or(d.batch),
            };
            fit_selection(&table_file(path)?, sel, max_gamma)?
        }
    };
    let mut cost = profile.latency_cost()?;
    cost.max_gamma = max_gamma;
    Ok((CostModel::Latency(cost), profile))
}

/// The `key=value` options of a `latency:` spec, each at most once.
#[derive(Default)]
struct SpecOptions {
    mode: Option<Mode>,
    ctx: Option<u64>,
    batch: Option<u64>,
    /// Bytes per weight (`weights=bf16|fp8`, roofline only).
    weights: Option<f64>,
}

/// Parses the options after the source (`roofline` says whether `weights=`
/// is allowed); `bad` words an error in the spec's terms.
fn parse_options<'a>(
    parts: impl Iterator<Item = &'a str>,
    roofline: bool,
    bad: &dyn Fn(String) -> SdslError,
) -> Result<SpecOptions, SdslError> {
    let mut o = SpecOptions::default();
    let gpu = roofline.then_some(());
    let (mode, ctx, batch, weights) = (&mut o.mode, &mut o.ctx, &mut o.batch, &mut o.weights);
    let mut given: Vec<&str> = Vec::new();
    for opt in parts {
        let (k, v) = opt
            .split_once('=')
            .ok_or_else(|| bad(format!("option '{opt}' is not key=value")))?;
        // `ctx=512:ctx=128` contradicts itself: refused, not the last taken
        if given.contains(&k) {
            return Err(bad(format!(
                "option '{k}' is given twice; give each option at most once"
            )));
        }
        given.push(k);
        let whole = |v: &str| {
            v.parse::<u64>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| bad(format!("{k}={v} is not a whole number ≥ 1")))
        };
        match k {
            "mode" => *mode = Some(v.parse::<Mode>()?),
            "ctx" => *ctx = Some(whole(v)?),
            "batch" => *batch = Some(whole(v)?),
            "weights" if gpu.is_some() => {
                *weights = Some(match v {
                    "bf16" => 2.0,
                    "fp8" => 1.0,
                    _ => return Err(bad(format!("weights={v}: use weights=bf16 or weights=fp8"))),
                })
            }
            "weights" => {
                return Err(bad(
                    "weights= applies to latency:roofline:GPU only (a measured table was measured in bf16)".into(),
                ));
            }
            _ => {
                return Err(bad(format!(
                    "unknown option '{k}' (mode, ctx, batch{})",
                    if gpu.is_some() { ", weights" } else { "" }
                )));
            }
        }
    }
    Ok(o)
}

/// The shipped H200 table for a selection (compiled in, with its hardware
/// description): the batch-1 table for batch 1, the batched sweep (graph
/// mode only) above; a selection the tables did not measure is refused.
pub fn shipped_table(
    sel: LatencySelection,
) -> Result<crate::ingest::latency::LatencyTable, SdslError> {
    if sel.batch > 1 && sel.mode == Mode::Eager {
        return Err(SdslError::InvalidArgument(format!(
            "batch {} in eager mode was not measured (the batched H200 table is graph mode only); use h200-graph or batch=1",
            sel.batch
        )));
    }
    let meta = parse_meta(H200_META_PATH, H200_META)?;
    let table = if sel.batch == 1 {
        TextTable::from_csv(H200_CSV, H200_BYTES)?
    } else {
        TextTable::from_csv(H200_BATCHED_CSV, H200_BATCHED_BYTES)?
    };
    latency_table_from(&table, Some(meta))
}

/// The `.meta` file that describes a table a profile was fitted on, with
/// its SHA-256: the compiled-in H200 description for the shipped tables,
/// else the file with the table's stem and extension `.meta` when it
/// exists (None otherwise, or when it cannot be read).
pub fn meta_of(table_path: &str) -> Option<(String, String)> {
    if table_path == H200_CSV || table_path == H200_BATCHED_CSV {
        return Some((
            H200_META_PATH.to_string(),
            crate::ingest::sha256_hex(H200_META.as_bytes()),
        ));
    }
    let meta = Path::new(table_path).with_extension("meta");
    let bytes = std::fs::read(&meta).ok()?;
    Some((
        meta.display().to_string(),
        crate::ingest::sha256_hex(&bytes),
    ))
}

/// A latency table file (CSV or Parquet) with its `.meta`.
#[cfg(feature = "io")]
fn table_file(path: &Path) -> Result<crate::ingest::latency::LatencyTable, SdslError> {
    crate::ingest::latency::read_latency_table(path, None)
}

/// Without the `io` feature only the shipped tables and profile files
/// (`.json`) are read.
#[cfg(not(feature = "io"))]
fn table_file(path: &Path) -> Result<crate::ingest::latency::LatencyTable, SdslError> {
    Err(SdslError::InvalidArgument(format!(
        "{}: reading a latency table file needs the `io` feature (the command line has it); give a shipped name or a fitted profile (.json)",
        path.display()
    )))
}

/// The mode a shipped name stands for (`h200-graph`, `h200-eager`); None for
/// other names.
pub fn shipped_mode(name: &str) -> Option<Mode> {
    SHIPPED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, mode)| mode)
}

fn fit_selection(
    table: &crate::ingest::latency::LatencyTable,
    sel: LatencySelection,
    max_gamma: u64,
) -> Result<LatencyProfile, SdslError> {
    LatencyFitSpec {
        selection: sel,
        replicates: 0,
        seed: 0,
    }
    .validated()?
    .fit_capped(table, max_gamma)
}

/// Reads a profile written by `sdsl fit latency --out` and validates it
/// ([`LatencyProfile::validate`], and whether its affine law can price
/// drafts, [`LatencyProfile::latency_cost`]). Every error is
/// [`SdslError::Data`] naming the file and the field (a JSON path such as
/// `architectures[3].times_ms`; for malformed JSON, the field around the
/// line and column serde stopped at).
pub fn read_profile(path: &Path) -> Result<LatencyProfile, SdslError> {
    read_profile_capped(path, DEFAULT_MAX_GAMMA)
}

/// [`read_profile`] under the user's γ cap (`--max-gamma`): a profile whose
/// q exceeds 1 + 4·max(16, `max_gamma`) is refused as absurd.
pub fn read_profile_capped(path: &Path, max_gamma: u64) -> Result<LatencyProfile, SdslError> {
    /// The JSON path (`architectures[3].times_ms`) of the value being read
    /// at byte `offset` of `text`; empty at the top level.
    fn json_path_at(text: &[u8], offset: usize) -> String {
        enum Frame {
            /// An object: its current key, and whether its value is being read.
            Object(Option<String>, bool),
            /// An array: the index of the element being read.
            Array(usize),
        }
        let mut stack: Vec<Frame> = Vec::new();
        let mut string: Option<Vec<u8>> = None;
        let mut escaped = false;
        for &c in &text[..offset.min(text.len())] {
            if let Some(buf) = string.as_mut() {
                if escaped {
                    escaped = false;
                } else if c == b'\\' {
                    escaped = true;
                } else if c == b'"' {
                    let s = String::from_utf8_lossy(buf).into_owned();
                    string = None;
                    if let Some(Frame::Object(key, false)) = stack.last_mut() {
                        *key = Some(s);
                    }
                    continue;
                }
                buf.push(c);
                continue;
            }
            match (c, stack.last_mut()) {
                (b'"', _) => string = Some(Vec::new()),
                (b'{', _) => stack.push(Frame::Object(None, false)),
                (b'[', _) => stack.push(Frame::Array(0)),
                (b'}' | b']', _) => {
                    stack.pop();
                }
                (b':', Some(Frame::Object(_, in_value))) => *in_value = true,
                (b',', Some(Frame::Object(_, in_value))) => *in_value = false,
                (b',', Some(Frame::Array(i))) => *i += 1,
                _ => {}
            }
        }
        let mut out = String::new();
        for f in &stack {
            match f {
                Frame::Object(Some(k), true) => {
                    let ident = k
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    if ident {
                        if !out.is_empty() {
                            out.push('.');
                        }
                        out += k;
                    } else {
                        out += &format!("[{k:?}]");
                    }
                }
                Frame::Object(..) => break,
                Frame::Array(i) => out += &format!("[{i}]"),
            }
        }
        out
    }
    let label = path.display().to_string();
    // bytes, not a String: serde then places invalid UTF-8 at a line and column
    let text = std::fs::read(path).map_err(|source| SdslError::Io {
        path: label.clone(),
        source,
    })?;
    let p: LatencyProfile = serde_json::from_slice(&text).map_err(|e| {
        // serde's line and column (1-based, in bytes) → the field being read
        let offset = text
            .split_inclusive(|&b| b == b'\n')
            .take(e.line().saturating_sub(1))
            .map(<[u8]>::len)
            .sum::<usize>()
            + e.column();
        let at = json_path_at(&text, offset);
        let field = if at.is_empty() {
            String::new()
        } else {
            format!("field '{at}': ")
        };
        SdslError::Data {
            path: label.clone(),
            message: format!(
                "not a latency profile: {field}{e}; a profile is the JSON record of a latency fit (kind '{PROFILE_KIND}'): refit it with `sdsl fit latency TABLE --out {label}`"
            ),
        }
    })?;
    p.validate(&label, max_gamma)?;
    // the affine law's signs, checked where the cost model is built, named here
    p.latency_cost().map_err(|e| SdslError::Data {
        path: label.clone(),
        message: format!("field 'affine.law': {e}"),
    })?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped names resolve from the compiled-in tables with the `csv`
    /// crate alone: this test runs in the lean build too
    /// (`cargo test --lib --no-default-features catalog`).
    #[test]
    fn shipped_latency_models_resolve_without_io() {
        for spec in [
            "latency:h200-graph",
            "latency:h200-eager",
            "latency:h200-graph:batch=8",
            "latency:roofline:h100-sxm",
            "latency:roofline:a100-80gb:batch=16:weights=fp8",
        ] {
            let (cost, profile) = latency_cost_model(spec).unwrap();
            assert!(matches!(cost, CostModel::Latency(_)), "{spec}");
            assert!(profile.architectures.len() >= 10, "{spec}");
            assert!(
                profile.source.path.starts_with("datasets/hardware/")
                    || profile.source.path.starts_with("roofline:")
            );
        }
    }

    /// The compiled-in tables read the same with the `csv` crate as with
    /// polars (the reader of files): the same latency tables and registry.
    #[cfg(feature = "io")]
    #[test]
    fn the_csv_crate_and_polars_read_the_shipped_tables_alike() {
        use crate::ingest::table::Table;
        for (label, bytes) in [
            (H200_CSV, H200_BYTES),
            (H200_BATCHED_CSV, H200_BATCHED_BYTES),
        ] {
            let text = latency_table_from(&TextTable::from_csv(label, bytes).unwrap(), None);
            let polars =
                latency_table_from(&Table::from_csv_bytes(label, bytes.to_vec()).unwrap(), None);
            assert_eq!(text.unwrap(), polars.unwrap(), "{label}");
        }
        let reg = crate::ingest::registry::BUNDLED;
        let a = crate::ingest::registry::Registry::bundled().unwrap();
        let b = crate::ingest::registry::Registry::from_table(
            &Table::from_csv_bytes("datasets/models.csv", reg.as_bytes().to_vec()).unwrap(),
        )
        .unwrap();
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        assert_eq!(a.sha256, b.sha256);
    }
}
