//! N\* for every registry target × draft family (the paper's Table 5
//! layout): the record of `sdsl nstar table --json`.

use super::Laws;
use crate::derive::nstar::{CellOutcome, NStarSetup, NstarCell};
use crate::error::SdslError;
use crate::ingest::registry::Registry;
use serde::Serialize;

/// The record of `sdsl nstar table --json`.
#[derive(Debug, Serialize)]
pub struct TableOut {
    /// Registry used.
    pub registry: String,
    /// Loss law id.
    pub loss_law: String,
    /// α law id.
    pub alpha_law: String,
    /// Cost model.
    pub cost_model: String,
    /// Draft families (columns).
    pub draft_families: Vec<String>,
    /// One row per target × draft family.
    pub rows: Vec<NstarCell>,
    /// What the user should know (e.g. registry targets whose `arch` the
    /// latency table did not measure, sized by the KV law); the command
    /// prints these as warnings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// N\* for every target of `reg` × every draft family (drafts trained on
/// their family's tokens), in registry order. A cell without an interior
/// optimum carries its reason (`error`) instead of failing the table.
pub fn nstar_table(laws: &Laws, reg: &Registry) -> Result<TableOut, SdslError> {
    let latency = laws.latency.as_ref();
    let families = reg.draft_families()?;
    // a target `arch` the latency table lacks: refused when it looks like a
    // typo of a table architecture, else priced by the law and said so
    let warnings = match latency {
        Some(p) => crate::catalog::latency::check_registry_archs(p, reg, reg.targets())?
            .into_iter()
            .collect(),
        None => Vec::new(),
    };
    let mut rows = Vec::new();
    for t in reg.targets() {
        for f in &families {
            let setup = NStarSetup::for_pair(t, f, &laws.loss.law, &laws.alpha.law, laws.cost)
                .validated()?;
            let outcome = CellOutcome::from(&setup.solve());
            // bf16 weights and KV caches of target and draft on one device
            // (latency models)
            let fits_memory = latency
                .zip(outcome.n_star)
                .and_then(|(p, n)| p.fits_memory((&t.arch, t.params), ("", n)));
            rows.push(NstarCell {
                fits_memory,
                ..NstarCell::new(t, f, outcome)
            });
        }
    }
    Ok(TableOut {
        registry: reg.path.clone(),
        loss_law: laws.loss.id.clone(),
        alpha_law: laws.alpha.id.clone(),
        cost_model: laws.cost_label.clone(),
        draft_families: families.iter().map(|f| f.name.clone()).collect(),
        rows,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    /// The N* table under a shipped latency model from compiled-in data
    /// alone: this test runs in the lean build too
    /// (`cargo test --lib --no-default-features nstar_table`).
    #[test]
    fn the_table_prices_the_registry_on_the_shipped_h200_model() {
        let registry = crate::ingest::registry::Registry::bundled().unwrap();
        let laws = super::Laws::load("besiroglu2024", "sdsl2026", "latency:h200-graph").unwrap();
        let table = super::nstar_table(&laws, &registry).unwrap();
        let opt13 = table
            .rows
            .iter()
            .find(|r| r.target == "OPT-13B" && r.draft_family == "OPT")
            .unwrap();
        // an interior N* between the smallest OPT draft and the target,
        // whose memory need is known from the table's device
        let n = opt13.outcome.n_star.unwrap();
        assert!(n > 1e8 && n < 1.3e10, "{n}");
        assert_eq!(opt13.fits_memory, Some(true));
    }
}
