//! N\* for one target: the record of `sdsl predict --json`.
//!
//! The target is given by size (M, D_t) or by registry name; a draft family
//! from the registry supplies the drafts' pre-training tokens D_d and its
//! real drafts, each evaluated (and, under a latency cost model, priced on
//! the table's measured times). N\* maximises S\*(α(N), c(N)) where
//! α(N) = A·ppl(N, D_d) + B·ppl(M, D_t) + C and ppl = exp(L(N, D)); see
//! [`crate::derive::nstar`].

use super::Laws;
use crate::derive::nstar::{DraftEval, NStar, NStarSetup};
use crate::error::SdslError;
use crate::ingest::laws::Loaded;
use crate::ingest::registry::{DraftFamily, Model, Registry};
use crate::law::{AlphaLaw, LossLaw};
use serde::Serialize;

/// A law as reported: its id, source and constants.
#[derive(Debug, Serialize)]
pub struct LawOut<L: Serialize> {
    /// Name or path given.
    pub id: String,
    /// Provenance.
    pub source: String,
    /// Constants.
    #[serde(flatten)]
    pub law: L,
}

impl<L: Serialize + Clone> From<&Loaded<L>> for LawOut<L> {
    fn from(l: &Loaded<L>) -> Self {
        LawOut {
            id: l.id.clone(),
            source: l.source.clone(),
            law: l.law.clone(),
        }
    }
}

/// A real draft model of the family, evaluated.
#[derive(Debug, Serialize)]
pub struct FamilyDraft {
    /// Model name.
    pub name: String,
    /// Parameters.
    pub params: f64,
    /// Predicted draft perplexity.
    pub draft_ppl: f64,
    /// Predicted α.
    pub alpha: f64,
    /// Cost ratio.
    pub cost_ratio: f64,
    /// Continuous γ*.
    pub gamma_star: f64,
    /// S* (1 if speculation does not help or α ∉ (0, 1)).
    pub speedup: f64,
    /// Best integer γ.
    pub gamma_star_int: u64,
    /// S at the best integer γ.
    pub speedup_int: f64,
    /// Under a latency cost model: the pair priced on the table's measured
    /// times where it has them (the ranking uses this).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured: Option<crate::fit::latency::MeasuredPair>,
}

impl FamilyDraft {
    fn new(m: &Model, e: &DraftEval) -> Self {
        FamilyDraft {
            name: m.name.clone(),
            params: m.params,
            draft_ppl: e.draft_ppl,
            alpha: e.alpha,
            cost_ratio: e.cost_ratio,
            gamma_star: e.optimum.gamma_star,
            speedup: e.optimum.speedup_star,
            gamma_star_int: e.optimum.gamma_star_int,
            speedup_int: e.optimum.speedup_star_int,
            measured: None,
        }
    }
}

/// The record of `sdsl predict --json`.
#[derive(Debug, Serialize)]
pub struct PredictOut {
    /// Target name, when taken from the registry.
    pub target: Option<String>,
    /// Target parameters M.
    pub target_params: f64,
    /// Target pre-training tokens.
    pub target_tokens: f64,
    /// Draft family, when given.
    pub draft_family: Option<String>,
    /// Draft pre-training tokens.
    pub draft_tokens: f64,
    /// Cost model.
    pub cost_model: String,
    /// Loss law used.
    pub loss_law: LawOut<LossLaw>,
    /// Acceptance law used.
    pub alpha_law: LawOut<AlphaLaw>,
    /// N* and what follows from it.
    #[serde(flatten)]
    pub result: NStar,
    /// Measured-hardware quantities at N* (latency cost models only).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencyOut>,
    /// The family's real drafts, evaluated (with --draft-family).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub family_drafts: Vec<FamilyDraft>,
    /// The family draft with the highest S*.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_family_draft: Option<String>,
    /// What the user should know (e.g. a registry `arch` the latency table
    /// did not measure, priced by the affine law); the command prints these
    /// as warnings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// What a latency cost model adds to `predict` at N\* and its best integer γ.
#[derive(Debug, Serialize)]
pub struct LatencyOut {
    /// v(γ+1) = t_M(γ+1)/t_M(1) at the chosen integer γ.
    pub verify_ratio: f64,
    /// Time per generated token, ms: (γ·t(N) + v·t(M))/E = t(M)/S.
    pub ms_per_token: f64,
    /// Tokens per second, 1000/ms_per_token.
    pub tokens_per_s: f64,
    /// The best integer γ is the largest measured one (q_max − 1): a longer
    /// lookahead, beyond the table, might be better.
    pub gamma_at_edge: bool,
    /// The target's size lay outside the fitted range; its v was clamped.
    pub verify_params_clamped: bool,
    /// The hardware of the profile.
    pub hardware: String,
    /// bf16 weights of target and draft, 2·(M + N*) bytes, and both KV
    /// caches at the profile's (batch, ctx) fit the device's memory; null
    /// when the memory is unknown.
    pub fits_memory: Option<bool>,
    /// What the memory check counted, bytes.
    pub memory: Option<crate::fit::latency::MemoryNeed>,
    /// Under `latency:roofline:GPU` only: the weight format priced ("bf16"
    /// or "fp8"); the profile's times are roofline times of shapes, not
    /// measurements (docs/latency.md, Roofline).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roofline_weights: Option<&'static str>,
}

fn latency_out(
    laws: &Laws,
    r: &NStar,
    target_arch: &str,
    target_params: f64,
) -> Option<LatencyOut> {
    use crate::law::cost::Verification;
    let p = laws.latency.as_ref()?;
    let g = r.gamma_star_int;
    let (v, gamma_max, clamped) = match laws.cost.verification(target_params) {
        Verification::Free => (1.0, u64::MAX, false),
        Verification::Affine { rho, gamma_max } => (1.0 + rho * g as f64, gamma_max, false),
        Verification::Measured { curve, gamma_max } => (
            curve.v((g + 1) as f64).unwrap_or(f64::NAN),
            gamma_max,
            curve.params_clamped,
        ),
    };
    let clamped = clamped
        || p.verify_ratio(target_params, 1.0)
            .is_some_and(|e| e.params_clamped);
    let ms = p.time_ms(target_params) / r.speedup_int;
    let memory = p.memory_need((target_arch, target_params), ("", r.n_star));
    Some(LatencyOut {
        verify_ratio: v,
        ms_per_token: ms,
        tokens_per_s: 1000.0 / ms,
        gamma_at_edge: g >= 1 && g == gamma_max,
        verify_params_clamped: clamped,
        hardware: p.hardware.clone(),
        fits_memory: memory.map(|m| m.fits),
        memory,
        roofline_weights: p.roofline.is_some().then(|| p.weight_format()),
    })
}

/// The question: a target by size or by registry name, and optionally a
/// registry draft family.
#[derive(Debug, Clone, Default)]
pub struct PredictQuery {
    /// Target parameters M (unless `target` names a registry model).
    pub target_params: Option<f64>,
    /// Target pre-training tokens D_t (default: the registry target's).
    pub target_tokens: Option<f64>,
    /// Draft pre-training tokens D_d (default: the family's, else D_t).
    pub draft_tokens: Option<f64>,
    /// A registry target (e.g. OPT-13B).
    pub target: Option<String>,
    /// A registry draft family (e.g. OPT).
    pub draft_family: Option<String>,
}

/// A resolved question: sizes fixed, the N\* problem validated.
pub struct Prediction<'a> {
    laws: &'a Laws,
    target: Option<Model>,
    family: Option<DraftFamily>,
    setup: NStarSetup<'a>,
    warnings: Vec<String>,
}

impl PredictQuery {
    /// Whether the question names registry models (then [`Self::resolve`]
    /// needs a registry).
    pub fn needs_registry(&self) -> bool {
        self.target.is_some() || self.draft_family.is_some()
    }

    /// Looks up the registry names, fills in the token counts and validates
    /// the N\* problem. Errors name the parameter (`target_tokens`, …) and
    /// list the known names of a failed look-up.
    pub fn resolve<'a>(
        &self,
        laws: &'a Laws,
        registry: Option<&Registry>,
    ) -> Result<Prediction<'a>, SdslError> {
        let reg = || {
            registry.ok_or_else(|| {
                SdslError::InvalidArgument(
                    "a registry target or draft family needs a registry".into(),
                )
            })
        };
        let target: Option<Model> = match &self.target {
            Some(name) => Some(reg()?.target(name)?.clone()),
            None => None,
        };
        let family = match &self.draft_family {
            Some(name) => Some(reg()?.draft_family(name)?),
            None => None,
        };
        // a registry `arch` the latency table lacks: refused when it looks
        // like a typo of a table architecture, else priced by the affine law
        // and said so
        let mut warnings = Vec::new();
        if let (Some(p), Some(reg)) = (&laws.latency, registry) {
            let models = target.iter().chain(family.iter().flat_map(|f| &f.drafts));
            warnings.extend(crate::catalog::latency::check_registry_archs(
                p, reg, models,
            )?);
        }
        let target_params = match (&target, self.target_params) {
            (Some(t), _) => t.params,
            (None, Some(m)) => m,
            (None, None) => {
                return Err(SdslError::InvalidArgument(
                    "give target_params (M) or a registry target".into(),
                ));
            }
        };
        let target_tokens = match (self.target_tokens, &target) {
            (Some(d), _) => d,
            (None, Some(t)) => t.tokens,
            (None, None) => {
                return Err(SdslError::InvalidArgument(
                    "target_tokens is required with target_params (the target's pre-training tokens, e.g. 1.8e11)".into(),
                ));
            }
        };
        let draft_tokens = self
            .draft_tokens
            .or(family.as_ref().map(|f| f.tokens))
            .unwrap_or(target_tokens);
        let setup = NStarSetup {
            target_params,
            target_tokens,
            draft_tokens,
            loss: &laws.loss.law,
            alpha: &laws.alpha.law,
            cost: laws.cost,
        }
        .validated()?;
        Ok(Prediction {
            laws,
            target,
            family,
            setup,
            warnings,
        })
    }
}

impl Prediction<'_> {
    /// Solves for N\* (the error, if any, is the search's; see
    /// [`Self::context`]).
    pub fn solve(&self) -> Result<NStar, SdslError> {
        self.setup.solve()
    }

    /// What the user should know about the question (e.g. a registry
    /// `arch` the latency table did not measure); also in the record.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// What a failed [`Self::solve`] was about: the target and token counts.
    pub fn context(&self) -> String {
        let s = &self.setup;
        format!(
            "no N* for target M = {:e}, Dt = {:e}, Dd = {:e}",
            s.target_params, s.target_tokens, s.draft_tokens
        )
    }

    /// The record: N\*, the laws, the latency quantities at N\* and the
    /// family's real drafts ranked by S\* (by S on measured times under a
    /// latency model; by S at the best integer γ where S\* at a continuous γ
    /// is undefined).
    pub fn record(self, result: NStar) -> PredictOut {
        let Prediction {
            laws,
            target,
            family,
            setup,
            warnings,
        } = self;
        let target_params = setup.target_params;
        let family_drafts: Vec<FamilyDraft> = family
            .as_ref()
            .map(|f| {
                f.drafts
                    .iter()
                    .filter(|d| d.params < target_params)
                    .map(|d| {
                        let mut fd = FamilyDraft::new(d, &setup.evaluate(d.params));
                        if let Some(p) = &laws.latency {
                            let tname = target.as_ref().map_or("", |t| t.arch.as_str());
                            fd.measured = Some(
                                p.price_pair_capped(
                                    fd.alpha,
                                    (&d.arch, d.params),
                                    (tname, target_params),
                                    laws.cost
                                        .max_gamma()
                                        .unwrap_or(crate::law::throughput::DEFAULT_MAX_GAMMA),
                                ),
                            );
                        }
                        fd
                    })
                    .collect()
            })
            .unwrap_or_default();
        // S* at the continuous γ*, or S at the best integer γ where only that is
        // defined (a measured verification ratio)
        let rank = |d: &FamilyDraft| {
            if let Some(m) = &d.measured {
                m.speedup
            } else if d.speedup.is_nan() {
                d.speedup_int
            } else {
                d.speedup
            }
        };
        let best_family_draft = family_drafts
            .iter()
            .filter(|d| rank(d) > 1.0)
            .max_by(|x, y| rank(x).total_cmp(&rank(y)))
            .map(|d| d.name.clone());
        let latency = latency_out(
            laws,
            &result,
            target.as_ref().map_or("", |t| t.arch.as_str()),
            target_params,
        );
        PredictOut {
            target: target.map(|t| t.name),
            target_params,
            target_tokens: setup.target_tokens,
            draft_family: family.map(|f| f.name),
            draft_tokens: setup.draft_tokens,
            cost_model: laws.cost_label.clone(),
            latency,
            loss_law: (&laws.loss).into(),
            alpha_law: (&laws.alpha).into(),
            result,
            family_drafts,
            best_family_draft,
            warnings,
        }
    }
}
