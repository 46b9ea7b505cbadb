//! The GPU catalogue, `datasets/hardware/gpus.csv` (compiled in, read with
//! the `csv` crate so it works without the `io` feature): per GPU its peak
//! memory bandwidth, memory (as sold, and usable where known) and dense
//! bf16 tensor throughput, each row with its datasheet (`source`) and the
//! datasheet's words (`quote`); docs/latency.md "Roofline" and
//! `datasets/hardware/SOURCE.md`.

use crate::error::SdslError;
use crate::ingest::text_table::{Columns, TextTable};
use crate::law::roofline::Peak;

/// Where the catalogue sits in the repository.
pub const GPUS_CSV: &str = "datasets/hardware/gpus.csv";
/// The catalogue's bytes.
pub const GPUS_BYTES: &[u8] = include_bytes!("../../datasets/hardware/gpus.csv");

/// One catalogued GPU.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Gpu {
    /// Catalogue id, e.g. `h100-sxm`.
    pub id: String,
    /// Other ids it answers to (`a100-80gb` for `a100-80gb-sxm`).
    pub aliases: Vec<String>,
    /// Product name.
    pub name: String,
    /// Peak memory bandwidth, bytes/s.
    pub memory_bandwidth_bytes_per_s: f64,
    /// Memory as sold, bytes (80 GB = 80e9).
    pub memory_bytes: f64,
    /// Memory the driver reports, bytes, where known.
    pub memory_usable_bytes: Option<f64>,
    /// Dense (non-sparsity) bf16 tensor throughput, FLOP/s.
    pub bf16_dense_flops: f64,
    /// GPUs the quote's figures are for (8 for an 8-GPU board's totals).
    pub quote_gpus: f64,
    /// The datasheet: document and table.
    pub source: String,
    /// The datasheet's words, sparsity figure included.
    pub quote: String,
}

impl Gpu {
    /// The peak figures the roofline uses.
    pub fn peak(&self) -> Peak {
        Peak {
            bandwidth_bytes_per_s: self.memory_bandwidth_bytes_per_s,
            flops_per_s: self.bf16_dense_flops,
        }
    }

    /// The memory a fit check uses: usable where known, else as sold.
    pub fn memory_for_fit(&self) -> f64 {
        self.memory_usable_bytes.unwrap_or(self.memory_bytes)
    }
}

/// The catalogue, in file order.
pub fn catalogue() -> Result<Vec<Gpu>, SdslError> {
    let t = TextTable::from_csv(GPUS_CSV, GPUS_BYTES)?;
    let ids = t.str_column("id")?;
    let aliases = t.opt_str_column("aliases")?;
    let names = t.str_column("name")?;
    let bw = t.f64_column("memory_bandwidth_bytes_per_s")?;
    let mem = t.f64_column("memory_bytes")?;
    let usable = t.opt_str_column("memory_usable_bytes")?;
    let flops = t.f64_column("bf16_dense_flops")?;
    let per = t.f64_column("quote_gpus")?;
    let sources = t.str_column("source")?;
    let quotes = t.str_column("quote")?;
    for (name, v) in [
        ("memory_bandwidth_bytes_per_s", &bw),
        ("memory_bytes", &mem),
        ("bf16_dense_flops", &flops),
        ("quote_gpus", &per),
    ] {
        t.require_positive(name, v)?;
    }
    let mut out = Vec::with_capacity(ids.len());
    for i in 0..ids.len() {
        let usable = match usable[i].as_deref() {
            None => None,
            Some(s) => Some(s.parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0).ok_or_else(
                || SdslError::Data {
                    path: GPUS_CSV.into(),
                    message: format!(
                        "row {} (line {}), column 'memory_usable_bytes': '{s}' is not a number of bytes > 0",
                        i + 1,
                        i + 2
                    ),
                },
            )?),
        };
        out.push(Gpu {
            id: ids[i].clone(),
            aliases: aliases[i]
                .as_deref()
                .map(|a| a.split(';').map(|s| s.trim().to_string()).collect())
                .unwrap_or_default(),
            name: names[i].clone(),
            memory_bandwidth_bytes_per_s: bw[i],
            memory_bytes: mem[i],
            memory_usable_bytes: usable,
            bf16_dense_flops: flops[i],
            quote_gpus: per[i],
            source: sources[i].clone(),
            quote: quotes[i].clone(),
        });
    }
    Ok(out)
}

/// The catalogued GPU with id or alias `id` (case-insensitive). An unknown
/// id is an error that lists the catalogue, suggests near ids, and says how
/// to add a row or use a measured table.
pub fn gpu(id: &str) -> Result<Gpu, SdslError> {
    let all = catalogue()?;
    let want = id.to_ascii_lowercase();
    if let Some(g) = all.iter().find(|g| {
        g.id.eq_ignore_ascii_case(&want) || g.aliases.iter().any(|a| a.eq_ignore_ascii_case(&want))
    }) {
        return Ok(g.clone());
    }
    let names: Vec<String> = all
        .iter()
        .flat_map(|g| std::iter::once(g.id.clone()).chain(g.aliases.iter().cloned()))
        .collect();
    let near = crate::error::near_names(id, names.iter().map(String::as_str), 3);
    let hint = if near.is_empty() {
        String::new()
    } else {
        format!(
            "; did you mean {}?",
            crate::error::capped_join(near.iter().map(|n| format!("'{n}'")), 10, " or ")
        )
    };
    let listed: Vec<&str> = all.iter().map(|g| g.id.as_str()).collect();
    Err(SdslError::InvalidArgument(format!(
        "GPU '{}' is not in the catalogue {GPUS_CSV}{hint}; the catalogue has: {}. To price another GPU, add a row to {GPUS_CSV} with its datasheet's bandwidth, memory and dense bf16 throughput, source and quote (datasets/hardware/SOURCE.md), or give a measured latency table: latency:FILE",
        crate::error::clip(id),
        listed.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_reads_without_io_and_resolves_aliases() {
        let all = catalogue().unwrap();
        assert!(all.len() >= 11);
        assert_eq!(gpu("a100-80gb").unwrap().id, "a100-80gb-sxm");
        assert_eq!(gpu("H100-SXM").unwrap().id, "h100-sxm");
        let e = gpu("h100-sxn").unwrap_err().to_string();
        assert!(e.contains("did you mean 'h100-sxm'"), "{e}");
        assert!(e.contains("mi300x") && e.contains("add a row"), "{e}");
    }
}
