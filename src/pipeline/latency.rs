//! The latency cost model from its one-string syntax (CLARIFICATIONS,
//! "Latency cost model"): `latency:NAME|FILE[:mode=graph|eager][:ctx=N][:batch=B]`.
//!
//! - NAME: a shipped table, `h200-graph` or `h200-eager` (the H200 tables of
//!   `datasets/hardware/`, compiled in; ctx 512, batch 1 unless given; a
//!   batch other than 1 reads the batched table, graph mode only; a batch
//!   between measured ones (1, 4, 16, 64) is interpolated in ln b, see
//!   [`crate::fit::latency::select`]);
//! - FILE: a latency table (`.csv`/`.parquet`, fitted here without a
//!   bootstrap) or a profile written by `sdsl fit latency --out` (`.json`;
//!   its own selection is used and options are refused).
//!
//! Ingest (the table) → fit (the profile) → a `Copy` [`CostModel::Latency`].

use crate::error::SdslError;
use crate::fit::latency::{LatencyFitSpec, LatencyProfile, LatencySelection, PROFILE_KIND};
use crate::ingest::latency::{Mode, latency_table_from, parse_meta, read_latency_table};
use crate::ingest::table::Table;
use crate::law::CostModel;
use std::path::Path;

const H200_CSV: &str = "datasets/hardware/h200_decode_latency.csv";
const H200_BYTES: &[u8] = include_bytes!("../../datasets/hardware/h200_decode_latency.csv");
const H200_META: &str = include_str!("../../datasets/hardware/h200_decode_latency.meta");
const H200_BATCHED_CSV: &str = "datasets/hardware/h200_decode_latency_batched.csv";
const H200_BATCHED_BYTES: &[u8] =
    include_bytes!("../../datasets/hardware/h200_decode_latency_batched.csv");

/// Shipped latency model names and the mode each stands for.
pub const SHIPPED: [(&str, Mode); 2] = [("h200-graph", Mode::Graph), ("h200-eager", Mode::Eager)];

/// Whether a cost-model string asks for a latency model.
pub fn is_latency_spec(s: &str) -> bool {
    s.starts_with("latency:")
}

/// Resolves `latency:…` into a cost model and the profile behind it.
pub fn latency_cost_model(spec: &str) -> Result<(CostModel, LatencyProfile), SdslError> {
    let bad = |why: String| {
        SdslError::InvalidArgument(format!(
            "cost model '{spec}': {why}; expected 'latency:NAME|FILE[:mode=graph|eager][:ctx=N][:batch=B]' with NAME one of {}",
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
    let (mut mode, mut ctx, mut batch) = (None, None, None);
    for opt in parts {
        let (k, v) = opt
            .split_once('=')
            .ok_or_else(|| bad(format!("option '{opt}' is not key=value")))?;
        let whole = |v: &str| {
            v.parse::<u64>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| bad(format!("{k}={v} is not a whole number ≥ 1")))
        };
        match k {
            "mode" => mode = Some(v.parse::<Mode>()?),
            "ctx" => ctx = Some(whole(v)?),
            "batch" => batch = Some(whole(v)?),
            _ => return Err(bad(format!("unknown option '{k}' (mode, ctx, batch)"))),
        }
    }
    let profile = if let Some(shipped_mode) = shipped_mode(source) {
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
        fit_selection(&table, sel)?
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
            if mode.is_some() || ctx.is_some() || batch.is_some() {
                return Err(bad(
                    "a profile file was fitted for one selection; mode, ctx and batch options apply to tables only".into(),
                ));
            }
            read_profile(path)?
        } else {
            let d = LatencySelection::default();
            let sel = LatencySelection {
                mode: mode.unwrap_or(d.mode),
                ctx: ctx.unwrap_or(d.ctx),
                batch: batch.unwrap_or(d.batch),
            };
            fit_selection(&read_latency_table(path, None)?, sel)?
        }
    };
    Ok((CostModel::Latency(profile.latency_cost()?), profile))
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
    let meta = parse_meta("datasets/hardware/h200_decode_latency.meta", H200_META)?;
    let table = if sel.batch == 1 {
        Table::from_csv_bytes(H200_CSV, H200_BYTES.to_vec())?
    } else {
        Table::from_csv_bytes(H200_BATCHED_CSV, H200_BATCHED_BYTES.to_vec())?
    };
    latency_table_from(&table, Some(meta))
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
) -> Result<LatencyProfile, SdslError> {
    LatencyFitSpec {
        selection: sel,
        replicates: 0,
        seed: 0,
    }
    .validated()?
    .fit(table)
}

/// Reads a profile written by `sdsl fit latency --out`.
pub fn read_profile(path: &Path) -> Result<LatencyProfile, SdslError> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| SdslError::Io {
        path: label.clone(),
        source,
    })?;
    let p: LatencyProfile = serde_json::from_str(&text).map_err(|e| SdslError::Data {
        path: label.clone(),
        message: format!(
            "not a latency profile ({e}); a profile is the JSON record of a latency fit (kind '{PROFILE_KIND}')"
        ),
    })?;
    if p.kind != PROFILE_KIND {
        return Err(SdslError::Data {
            path: label,
            message: format!("kind '{}' is not '{PROFILE_KIND}'", p.kind),
        });
    }
    Ok(p)
}
