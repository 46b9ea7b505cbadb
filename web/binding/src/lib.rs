//! `sdsl-web`: the browser calculator's binding (`web/`, docs/web.md).
//!
//! A thin layer over the lean `sdsl` library (built without default
//! features: no polars, plotters or clap) compiled to
//! `wasm32-unknown-unknown` with wasm-bindgen. Every number it returns
//! comes from a library call — the same calls `sdsl predict` makes; this
//! crate only turns the page's form fields into a query and the records
//! into JSON. The page (`web/app.js`) computes nothing.
//!
//! Two exported functions, both JSON strings in and out (so the boundary
//! needs no JS glue beyond wasm-bindgen's strings):
//!
//! - [`catalog`]: what the page's menus offer — the compiled-in registry's
//!   targets and draft families ([`sdsl::ingest::registry::Registry::bundled`]),
//!   the GPU catalogue ([`sdsl::catalog::gpus::catalogue`]), the shipped
//!   loss and acceptance laws ([`sdsl::catalog::laws`]) and the cost models;
//! - [`calculate`]: N\* for one [`State`] (see [`calculate_value`]).
//!
//! Bad input never panics: [`calculate`] returns `{"errors": [{"field",
//! "message"}]}`, one entry per bad field (`field` is the [`State`] field's
//! name, or `"result"` when the inputs are valid but the N\* search finds no
//! interior optimum).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

use sdsl::catalog::{gpus, laws};
use sdsl::derive::nstar::{DraftEval, NStarSetup};
use sdsl::error::SdslError;
use sdsl::ingest::registry::{Model, Registry, Role};
use sdsl::query::Laws;
use sdsl::query::predict::{PredictOut, PredictQuery};

/// Number of points of the S-versus-N curve ([`Curve`]).
pub const CURVE_POINTS: usize = 161;

/// Largest γ cap accepted (as the CLI's `--max-gamma`).
pub const MAX_GAMMA_CAP: u64 = 1024;

/// Largest batch accepted (the CLI takes any whole number ≥ 1; the shipped
/// tables interpolate between measured batches and the roofline prices any
/// batch, but a page field needs a bound).
pub const MAX_BATCH: u64 = 4096;

/// The cost models the page offers, as `(id, label)`; `id` is
/// [`State::cost_model`].
pub const COST_MODELS: [(&str, &str); 5] = [
    ("params", "FLOP (c = N/M, SDSL)"),
    ("affine", "affine time t0 + k·P"),
    ("h200-graph", "measured H200, CUDA graphs"),
    ("h200-eager", "measured H200, eager"),
    ("roofline", "roofline, GPU catalogue"),
];

/// The page's form, every field as typed (strings; empty = not given).
/// Numbers accept a suffix: `k` (10³), `M` (10⁶), `B` or `G` (10⁹), `T`
/// (10¹²), so `12.85B` and `12.85e9` are the same.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
pub struct State {
    /// A registry target (e.g. `OPT-13B`), or empty / `custom` for a target
    /// given by [`Self::target_params`] and [`Self::target_tokens`].
    pub target: String,
    /// Target parameters M (custom target).
    pub target_params: String,
    /// Target pre-training tokens D_t (custom target).
    pub target_tokens: String,
    /// A registry draft family (e.g. `OPT`), `custom` for
    /// [`Self::draft_sizes`], or empty for N\* alone.
    pub draft_family: String,
    /// Draft sizes, comma-separated (with `draft_family = custom`).
    pub draft_sizes: String,
    /// Draft pre-training tokens D_d (default: the family's, else D_t).
    pub draft_tokens: String,
    /// Loss law: a shipped name (default `besiroglu2024`).
    pub loss_law: String,
    /// Acceptance law: a shipped name (default `sdsl2026`).
    pub alpha_law: String,
    /// One of [`COST_MODELS`]' ids (default `params`).
    pub cost_model: String,
    /// Affine model: fixed time t0 (any unit; only t0/k matters).
    pub affine_t0: String,
    /// Affine model: time per parameter k (same unit as t0).
    pub affine_k: String,
    /// Roofline model: a GPU id of the catalogue.
    pub gpu: String,
    /// Batch size (latency models; default 1).
    pub batch: String,
    /// γ cap of the integer searches (latency models; default 16).
    pub max_gamma: String,
}

/// One bad input: the [`State`] field and what is wrong with it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldError {
    /// A [`State`] field name, or `result`.
    pub field: String,
    /// What is wrong and what is accepted.
    pub message: String,
}

fn field_error(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

/// One point of the S-versus-N curve: the library's
/// [`NStarSetup::evaluate`] at draft size `n`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CurvePoint {
    /// Draft parameters N.
    pub n: f64,
    /// α(N).
    pub alpha: f64,
    /// Cost ratio c(N).
    pub cost_ratio: f64,
    /// Continuous γ\* (null under a measured verification cost).
    pub gamma_star: f64,
    /// Best integer γ (0: plain decoding).
    pub gamma_int: u64,
    /// S\* at γ\* (null under a measured verification cost).
    pub speedup: f64,
    /// S at the best integer γ.
    pub speedup_int: f64,
    /// 0 < α < 1 and some γ helps.
    pub admissible: bool,
    /// The speed-up the plot draws, as the library's
    /// [`NStarSetup::speedup_curve`] defines it: [`DraftEval::objective`]
    /// (S\* where a continuous γ\* exists, else S at the best integer γ)
    /// where admissible, else 1 (plain decoding).
    pub s: f64,
}

impl From<&DraftEval> for CurvePoint {
    fn from(e: &DraftEval) -> Self {
        CurvePoint {
            n: e.n,
            alpha: e.alpha,
            cost_ratio: e.cost_ratio,
            gamma_star: e.optimum.gamma_star,
            gamma_int: e.optimum.gamma_star_int,
            speedup: e.optimum.speedup_star,
            speedup_int: e.optimum.speedup_star_int,
            admissible: e.admissible(),
            s: if e.admissible() { e.objective() } else { 1.0 },
        }
    }
}

/// What [`calculate`] returns on success.
#[derive(Debug, Serialize)]
pub struct Calculation {
    /// The same question on the command line (`sdsl predict …`).
    pub cli: String,
    /// The cost-model string resolved (`params`, `affine:T0,K`,
    /// `latency:h200-graph:batch=8`, …).
    pub cost_model: String,
    /// The record of `sdsl predict --json` for this question
    /// ([`sdsl::query::predict`]): N\*, α(N\*), γ, S, the latency
    /// quantities at N\* (ms per token) and the real drafts.
    pub predict: PredictOut,
    /// Per real draft (in `predict.family_drafts` order): ms per generated
    /// token, t(M)/S(int γ) with t the profile's affine law, as
    /// `predict.ms_per_token` is at N\*; null under FLOP and affine models.
    pub draft_ms_per_token: Vec<Option<f64>>,
    /// The S-versus-N curve: [`CURVE_POINTS`] log-spaced draft sizes from
    /// min(M·10⁻⁴, N\*/10, smallest draft/2) up to M.
    pub curve: Vec<CurvePoint>,
    /// The latency profile's warnings (the CLI prints them on stderr).
    pub profile_warnings: Vec<String>,
}

/// The page's menus as JSON: `targets` (registry targets: name, family,
/// params, tokens), `families` (name, tokens, drafts), `gpus` (the
/// catalogue: id, name, memory, bandwidth, dense bf16 FLOP/s, source),
/// `loss_laws`, `alpha_laws` (shipped names, the default first),
/// `cost_models` (id, label), `version` (this crate's = sdsl's version).
#[wasm_bindgen]
pub fn catalog() -> String {
    catalog_value().to_string()
}

/// [`catalog`] as a JSON value (errors as `{"errors": […]}`).
pub fn catalog_value() -> Value {
    let built = || -> Result<Value, SdslError> {
        let reg = Registry::bundled()?;
        let targets: Vec<Value> = reg
            .targets()
            .map(|t| json!({"name": t.name, "family": t.family, "params": t.params, "tokens": t.tokens}))
            .collect();
        let families: Vec<Value> = reg
            .draft_families()?
            .into_iter()
            .map(|f| {
                json!({
                    "name": f.name,
                    "tokens": f.tokens,
                    "drafts": f.drafts.iter().map(|d| json!({"name": d.name, "params": d.params})).collect::<Vec<_>>(),
                })
            })
            .collect();
        let gpus: Vec<Value> = gpus::catalogue()?
            .into_iter()
            .map(|g| {
                json!({
                    "id": g.id, "name": g.name, "memory_bytes": g.memory_bytes,
                    "memory_bandwidth_bytes_per_s": g.memory_bandwidth_bytes_per_s,
                    "bf16_dense_flops": g.bf16_dense_flops, "source": g.source,
                })
            })
            .collect();
        let names = |shipped: &'static [(&'static [&'static str], &str, &str)], default: &str| {
            let mut v: Vec<&'static str> = shipped.iter().map(|(n, _, _)| n[0]).collect();
            v.sort_by_key(|n| *n != default);
            v
        };
        Ok(json!({
            "version": env!("CARGO_PKG_VERSION"),
            "targets": targets,
            "families": families,
            "gpus": gpus,
            "loss_laws": names(laws::SHIPPED_LOSS, laws::DEFAULT_LOSS),
            "alpha_laws": names(laws::SHIPPED_ALPHA, laws::DEFAULT_ALPHA),
            "cost_models": COST_MODELS.iter().map(|(id, label)| json!({"id": id, "label": label})).collect::<Vec<_>>(),
        }))
    };
    built().unwrap_or_else(|e| json!({"errors": [field_error("result", e.to_string())]}))
}

/// N\* for the page's state (a JSON [`State`]): `{"result": Calculation}`
/// or `{"errors": [FieldError]}`. See [`calculate_value`].
#[wasm_bindgen]
pub fn calculate(state: &str) -> String {
    let out = match serde_json::from_str::<State>(state) {
        Ok(s) => match calculate_value(&s) {
            Ok(c) => json!({ "result": c }),
            Err(errors) => json!({ "errors": errors }),
        },
        Err(e) => json!({"errors": [field_error("state", format!("not a calculator state: {e}"))]}),
    };
    out.to_string()
}

/// Parses a size: a finite number > 0 with an optional suffix k, M, B/G, T.
/// `what` names the quantity in messages.
pub fn parse_size(s: &str, what: &str) -> Result<f64, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(format!("{what} is required"));
    }
    let (num, scale) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() && !t[..i].ends_with(['e', 'E']) => {
            let scale = match c {
                'k' | 'K' => 1e3,
                'm' | 'M' => 1e6,
                'b' | 'B' | 'g' | 'G' => 1e9,
                't' | 'T' => 1e12,
                _ => {
                    return Err(format!(
                        "'{t}' is not a number (suffixes: k, M, B or G, T; e.g. 12.85B or 12.85e9)"
                    ));
                }
            };
            (t[..i].trim(), scale)
        }
        _ => (t, 1.0),
    };
    let v: f64 = num.parse().map_err(|_| {
        format!("'{t}' is not a number (suffixes: k, M, B or G, T; e.g. 12.85B or 12.85e9)")
    })?;
    let v = v * scale;
    if !v.is_finite() {
        return Err(format!("{what} = '{t}' is not finite"));
    }
    if v <= 0.0 {
        return Err(format!("{what} must be > 0 (got {t})"));
    }
    Ok(v)
}

/// A whole number in `1..=max`, or `None` when empty.
fn parse_count(s: &str, what: &str, max: u64) -> Result<Option<u64>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
        Ok(n) => Err(format!("{what} must be between 1 and {max} (got {n})")),
        Err(_) => Err(format!("{what} must be a whole number ≥ 1 (got '{t}')")),
    }
}

fn or_default<'a>(s: &'a str, default: &'a str) -> &'a str {
    match s.trim() {
        "" => default,
        t => t,
    }
}

/// The validated question: what [`calculate_value`] hands to the library.
struct Question {
    query: PredictQuery,
    /// The registry: the bundled one, plus a `custom` family for typed sizes.
    registry: Registry,
    loss_law: String,
    alpha_law: String,
    /// The cost-model string, as the CLI's `--cost-model` takes it.
    cost_spec: String,
    max_gamma: Option<u64>,
}

/// Name of the family the typed draft sizes form.
const CUSTOM: &str = "custom";

fn validate(s: &State) -> Result<Question, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut registry = match Registry::bundled() {
        Ok(r) => r,
        Err(e) => return Err(vec![field_error("result", e.to_string())]),
    };
    let check = |errors: &mut Vec<FieldError>, field: &str, r: Result<f64, String>| match r {
        Ok(v) => Some(v),
        Err(m) => {
            errors.push(field_error(field, m));
            None
        }
    };
    // the target: a registry name or (M, D_t)
    let target_name = s.target.trim();
    let (target, m, dt) = if target_name.is_empty() || target_name == CUSTOM {
        (
            None,
            check(
                &mut errors,
                "target_params",
                parse_size(&s.target_params, "target parameters M"),
            ),
            check(
                &mut errors,
                "target_tokens",
                parse_size(&s.target_tokens, "target tokens D_t"),
            ),
        )
    } else {
        match registry.target(target_name) {
            Ok(t) => (Some(t.name.clone()), Some(t.params), Some(t.tokens)),
            Err(e) => {
                errors.push(field_error("target", e.to_string()));
                (None, None, None)
            }
        }
    };
    if let Some(m) = m
        && m <= sdsl::derive::nstar::N_MIN * 10.0
    {
        errors.push(field_error(
            "target_params",
            format!(
                "target parameters M = {m:e} must exceed {:e} so that a smaller draft can be searched",
                sdsl::derive::nstar::N_MIN * 10.0
            ),
        ));
    }
    let draft_tokens = match s.draft_tokens.trim() {
        "" => None,
        t => check(
            &mut errors,
            "draft_tokens",
            parse_size(t, "draft tokens D_d"),
        ),
    };
    // the drafts: a registry family, typed sizes, or none
    let family = match s.draft_family.trim() {
        "" => None,
        CUSTOM => {
            let sizes: Vec<&str> = s
                .draft_sizes
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect();
            if sizes.is_empty() {
                errors.push(field_error(
                    "draft_sizes",
                    "give one or more draft sizes, comma-separated (e.g. 125M, 350M)",
                ));
            }
            if sizes.len() > 32 {
                errors.push(field_error(
                    "draft_sizes",
                    format!("at most 32 draft sizes (got {})", sizes.len()),
                ));
            }
            let tokens = draft_tokens.or(dt).unwrap_or(1.0);
            for t in sizes.iter().take(32) {
                match parse_size(t, "a draft size") {
                    Ok(n) if m.is_some_and(|m| n >= m) => errors.push(field_error(
                        "draft_sizes",
                        format!(
                            "draft size {t} is not smaller than the target (M = {:e})",
                            m.unwrap_or(0.0)
                        ),
                    )),
                    Ok(n) if n < sdsl::derive::nstar::N_MIN => errors.push(field_error(
                        "draft_sizes",
                        format!(
                            "draft size {t} is below the smallest size searched ({:e})",
                            sdsl::derive::nstar::N_MIN
                        ),
                    )),
                    Ok(n) => registry.models.push(Model {
                        name: format!("draft {t}"),
                        family: CUSTOM.into(),
                        role: Role::Draft,
                        params: n,
                        tokens,
                        source: "typed in the calculator".into(),
                        arch: String::new(),
                    }),
                    Err(msg) => errors.push(field_error("draft_sizes", msg)),
                }
            }
            Some(CUSTOM.to_string())
        }
        name => match registry.draft_family(name) {
            Ok(f) => Some(f.name),
            Err(e) => {
                errors.push(field_error("draft_family", e.to_string()));
                None
            }
        },
    };
    // laws: shipped names only (a path would be a file read)
    let loss_law = or_default(&s.loss_law, laws::DEFAULT_LOSS).to_string();
    if let Err(e) = laws::loss_law(&loss_law) {
        errors.push(field_error("loss_law", e.to_string()));
    }
    let alpha_law = or_default(&s.alpha_law, laws::DEFAULT_ALPHA).to_string();
    if let Err(e) = laws::alpha_law(&alpha_law) {
        errors.push(field_error("alpha_law", e.to_string()));
    }
    // the cost model, as a `--cost-model` string
    let cost = or_default(&s.cost_model, "params");
    let latency = matches!(cost, "h200-graph" | "h200-eager" | "roofline");
    let batch = match parse_count(&s.batch, "the batch size", MAX_BATCH) {
        Ok(b) => b,
        Err(m) => {
            errors.push(field_error("batch", m));
            None
        }
    };
    let max_gamma = match parse_count(&s.max_gamma, "the γ cap", MAX_GAMMA_CAP) {
        Ok(g) => g,
        Err(m) => {
            errors.push(field_error("max_gamma", m));
            None
        }
    };
    if !latency && batch.is_some_and(|b| b != 1) {
        errors.push(field_error(
            "batch",
            "the batch size applies to latency models (H200, roofline); the FLOP and affine models have none",
        ));
    }
    if !latency && max_gamma.is_some() {
        errors.push(field_error(
            "max_gamma",
            "the γ cap applies to latency models (integer γ over a measured verification cost); the FLOP and affine models optimise a continuous γ*",
        ));
    }
    let batch_opt = match batch {
        Some(b) if b != 1 => format!(":batch={b}"),
        _ => String::new(),
    };
    let cost_spec = match cost {
        "params" => Some("params".to_string()),
        "affine" => {
            let t0 = match s.affine_t0.trim().parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => Some(v),
                _ => {
                    errors.push(field_error(
                        "affine_t0",
                        format!("t0 must be a number ≥ 0 (got '{}')", s.affine_t0.trim()),
                    ));
                    None
                }
            };
            let k = match parse_size(&s.affine_k, "k") {
                Ok(v) => Some(v),
                Err(m) => {
                    errors.push(field_error("affine_k", m));
                    None
                }
            };
            t0.zip(k).map(|(t0, k)| format!("affine:{t0:e},{k:e}"))
        }
        "h200-graph" | "h200-eager" => Some(format!("latency:{cost}{batch_opt}")),
        "roofline" => {
            let gpu = s.gpu.trim();
            match gpus::gpu(gpu) {
                Ok(g) => Some(format!("latency:roofline:{}{batch_opt}", g.id)),
                Err(e) => {
                    errors.push(field_error("gpu", e.to_string()));
                    None
                }
            }
        }
        other => {
            errors.push(field_error(
                "cost_model",
                format!(
                    "unknown cost model '{other}'; one of: {}",
                    COST_MODELS.map(|(id, _)| id).join(", ")
                ),
            ));
            None
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let (Some(m), Some(dt), Some(cost_spec)) = (m, dt, cost_spec) else {
        return Err(vec![field_error("result", "incomplete input")]);
    };
    Ok(Question {
        query: PredictQuery {
            target_params: target.is_none().then_some(m),
            target_tokens: target.is_none().then_some(dt),
            draft_tokens,
            target,
            draft_family: family,
        },
        registry,
        loss_law,
        alpha_law,
        cost_spec,
        max_gamma,
    })
}

/// Where a cost-model resolution error belongs on the page.
fn cost_field(message: &str, cost: &str) -> &'static str {
    if message.contains("batch") {
        "batch"
    } else if cost == "roofline" {
        "gpu"
    } else {
        "cost_model"
    }
}

/// N\* for one state, through the library calls of `sdsl predict`:
///
/// 1. the cost model resolved by [`sdsl::query::cost_model_capped`] (a
///    `latency:` model fits its profile from the compiled-in H200 tables or
///    the roofline catalogue, [`sdsl::catalog::latency`]), the laws by
///    [`sdsl::catalog::laws`];
/// 2. [`PredictQuery::resolve`] on the bundled registry (typed draft sizes
///    join it as a family `custom`, drafts with no `arch`), then
///    `solve` and `record`: the [`PredictOut`] of `sdsl predict --json`
///    (N\* by [`NStarSetup::solve`]; SDSL, arXiv:2603.11053, §4);
/// 3. the curve: [`NStarSetup::evaluate`] for the same setup at
///    [`CURVE_POINTS`] log-spaced sizes.
pub fn calculate_value(s: &State) -> Result<Calculation, Vec<FieldError>> {
    let q = validate(s)?;
    let cost = or_default(&s.cost_model, "params");
    let cap = q
        .max_gamma
        .unwrap_or(sdsl::law::throughput::DEFAULT_MAX_GAMMA);
    let (cost_model, latency) = sdsl::query::cost_model_capped(&q.cost_spec, cap)
        .map_err(|e| vec![field_error(cost_field(&e.to_string(), cost), e.to_string())])?;
    let profile_warnings = latency
        .as_ref()
        .map(|p| p.warnings.clone())
        .unwrap_or_default();
    let resolved = (|| -> Result<Laws, SdslError> {
        Ok(Laws::new(
            laws::loss_law(&q.loss_law)?,
            laws::alpha_law(&q.alpha_law)?,
            cost_model,
            latency,
            &q.cost_spec,
        ))
    })();
    let laws = resolved.map_err(|e| vec![field_error("result", e.to_string())])?;
    let prediction = q
        .query
        .resolve(&laws, Some(&q.registry))
        .map_err(|e| vec![field_error("result", e.to_string())])?;
    let n_star = prediction.solve().map_err(|e| {
        vec![field_error(
            "result",
            format!("{}: {e}", prediction.context()),
        )]
    })?;
    let predict = prediction.record(n_star);
    // the same N* problem, for the curve
    let setup = NStarSetup {
        target_params: predict.target_params,
        target_tokens: predict.target_tokens,
        draft_tokens: predict.draft_tokens,
        loss: &laws.loss.law,
        alpha: &laws.alpha.law,
        cost: laws.cost,
    };
    let m = predict.target_params;
    let smallest = predict
        .family_drafts
        .iter()
        .map(|d| d.params)
        .fold(f64::INFINITY, f64::min);
    let lo = (m * 1e-4)
        .min(predict.result.n_star / 10.0)
        .min(smallest / 2.0);
    let steps = (CURVE_POINTS - 1) as f64;
    let curve = (0..CURVE_POINTS)
        .map(|k| {
            // the last point exactly M (exp∘ln need not round-trip)
            let n = if k + 1 == CURVE_POINTS {
                m
            } else {
                (lo.ln() + (m.ln() - lo.ln()) * k as f64 / steps).exp()
            };
            CurvePoint::from(&setup.evaluate(n))
        })
        .collect();
    let draft_ms_per_token = predict
        .family_drafts
        .iter()
        .map(|d| laws.latency.as_ref().map(|p| p.time_ms(m) / d.speedup_int))
        .collect();
    Ok(Calculation {
        cli: cli_line(&q),
        cost_model: q.cost_spec.clone(),
        predict,
        draft_ms_per_token,
        curve,
        profile_warnings,
    })
}

/// The same question as an `sdsl predict` command line (typed draft sizes
/// have no CLI form; the line then omits them).
fn cli_line(q: &Question) -> String {
    let mut line = String::from("sdsl predict");
    match &q.query.target {
        Some(t) => line += &format!(" --target {t}"),
        None => {
            line += &format!(
                " --target-params {:e} --target-tokens {:e}",
                q.query.target_params.unwrap_or(f64::NAN),
                q.query.target_tokens.unwrap_or(f64::NAN)
            )
        }
    }
    if let Some(f) = &q.query.draft_family
        && f != CUSTOM
    {
        line += &format!(" --draft-family {f}");
    }
    if let Some(d) = q.query.draft_tokens {
        line += &format!(" --draft-tokens {d:e}");
    }
    if q.loss_law != laws::DEFAULT_LOSS {
        line += &format!(" --loss-law {}", q.loss_law);
    }
    if q.alpha_law != laws::DEFAULT_ALPHA {
        line += &format!(" --alpha-law {}", q.alpha_law);
    }
    if q.cost_spec != "params" {
        line += &format!(" --cost-model {}", q.cost_spec);
    }
    if let Some(g) = q.max_gamma {
        line += &format!(" --max-gamma {g}");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_suffixes_and_refuse_bad_input() {
        assert_eq!(parse_size("12.85B", "M"), Ok(12.85e9));
        assert_eq!(parse_size(" 180e9 ", "D"), Ok(180e9));
        assert_eq!(parse_size("1.5e3k", "D"), Ok(1.5e6));
        assert_eq!(parse_size("125M", "N"), Ok(125e6));
        for bad in ["", "  ", "abc", "-5", "0", "1e400", "12x", "NaN", "B"] {
            assert!(parse_size(bad, "M").is_err(), "{bad:?} accepted");
        }
    }
}
