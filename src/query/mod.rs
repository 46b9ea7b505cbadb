//! The one-shot questions of the command line — `predict`, `speedup`,
//! `nstar table`, `nstar law` — as library calls that return the records `--json` prints.
//! The CLI converts its flags, calls these and prints; the Python package
//! (`py/`) calls the same functions, so both serialise one record from one
//! code path.
//!
//! - [`speedup`]: S(α, γ, c), γ\* and S\* for one (α, c) — pure maths;
//! - [`predict`]: N\* for one target, by size or by registry name, with a
//!   draft family's real drafts evaluated;
//! - [`nstar_table`]: N\* for every registry target × draft family;
//! - [`nstar_law`]: N\* on an (M, D) grid and the law N\* = μ·M + M0
//!   fitted to it.
//!
//! None of them needs the `io` feature: the registry, the shipped laws and
//! the H200 latency tables are compiled in (only table files given by path
//! need it).
//!
//! [`Laws`] resolves the law and cost-model names these take
//! (shipped names or files; the shipped laws, registry and H200 latency
//! tables are compiled in, so nothing here needs the repository checkout).

pub mod import;
pub mod nstar_law;
pub mod nstar_table;
pub mod plan;
pub mod predict;
pub mod speedup;

pub use laws::{Laws, cost_model, cost_model_capped};

mod laws {
    use crate::catalog::laws;
    use crate::error::SdslError;
    use crate::fit::latency::LatencyProfile;
    use crate::ingest::laws::Loaded;
    use crate::law::{AlphaLaw, CostModel, LossLaw};

    /// The resolved laws and cost model of an N\* question.
    pub struct Laws {
        /// Loss law.
        pub loss: Loaded<LossLaw>,
        /// Acceptance law.
        pub alpha: Loaded<AlphaLaw>,
        /// Cost model.
        pub cost: CostModel,
        /// The latency profile behind a `latency:` cost model.
        pub latency: Option<LatencyProfile>,
        /// The cost model as reported: the string given for a latency model,
        /// else the parsed model's canonical form (`params`, `affine:T0,K`,
        /// `fixed:C`).
        pub cost_label: String,
    }

    /// Parses a cost-model string: `params`, `affine:T0,K`, `fixed:C`, or
    /// `latency:NAME|FILE[:mode=graph|eager][:ctx=N][:batch=B]` (then also the
    /// latency profile behind it, whose `warnings` the caller shows).
    pub fn cost_model(spec: &str) -> Result<(CostModel, Option<LatencyProfile>), SdslError> {
        cost_model_capped(spec, crate::law::throughput::DEFAULT_MAX_GAMMA)
    }

    /// [`cost_model`] with the γ cap of a latency model's integer searches
    /// (`--max-gamma`; see
    /// [`crate::catalog::latency::latency_cost_model_capped`]); the other
    /// models have no cap.
    pub fn cost_model_capped(
        spec: &str,
        max_gamma: u64,
    ) -> Result<(CostModel, Option<LatencyProfile>), SdslError> {
        if crate::catalog::latency::is_latency_spec(spec) {
            let (c, p) = crate::catalog::latency::latency_cost_model_capped(spec, max_gamma)?;
            Ok((c, Some(p)))
        } else {
            Ok((spec.parse::<CostModel>()?, None))
        }
    }

    impl Laws {
        /// Puts resolved parts together; `cost_spec` is the cost model as given.
        pub fn new(
            loss: Loaded<LossLaw>,
            alpha: Loaded<AlphaLaw>,
            cost: CostModel,
            latency: Option<LatencyProfile>,
            cost_spec: &str,
        ) -> Laws {
            let cost_label = match &latency {
                Some(_) => cost_spec.to_string(),
                None => cost.to_string(),
            };
            Laws {
                loss,
                alpha,
                cost,
                latency,
                cost_label,
            }
        }

        /// Resolves a loss law and an acceptance law (shipped names such as
        /// `besiroglu2024`, `sdsl2026`, or law files) and a cost model (see
        /// [`cost_model`]).
        pub fn load(loss_law: &str, alpha_law: &str, cost_spec: &str) -> Result<Laws, SdslError> {
            let (cost, latency) = cost_model(cost_spec)?;
            Ok(Laws::new(
                laws::loss_law(loss_law)?,
                laws::alpha_law(alpha_law)?,
                cost,
                latency,
                cost_spec,
            ))
        }
    }
}
