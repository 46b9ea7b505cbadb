//! Every number the binding returns, checked against the library's native
//! result for the same inputs over the grid registry targets × draft
//! families × cost models.
//!
//! The binding's route is `sdsl predict`'s (`PredictQuery::resolve`,
//! `solve`, `record`); the reference here is reached by another route: N\*
//! from `sdsl nstar table`'s [`nstar_table`] (one `NStarSetup::for_pair`
//! per cell), the drafts and curve points from
//! [`NStarSetup::evaluate`] and [`LatencyProfile::price_pair_capped`] on
//! the same pair, ms per token from the profile's `time_ms`. The binding is
//! called through its exported JSON function ([`sdsl_web::calculate`]) as
//! the page calls it, so the JSON round trip is part of what is checked.
//! Floats are compared exactly (NaN ⇔ null).

use sdsl::catalog::{gpus, laws};
use sdsl::derive::nstar::{CellOutcome, NStarSetup};
use sdsl::ingest::registry::Registry;
use sdsl::query::Laws;
use sdsl::query::nstar_table::nstar_table;
use sdsl_web::{State, calculate};
use serde_json::Value;

/// A state for a registry target and family under `cost` (the page's ids).
fn state(target: &str, family: &str, cost: &(&str, &str, &str, &str)) -> State {
    let (cost_model, gpu, batch, max_gamma) = *cost;
    State {
        target: target.into(),
        draft_family: family.into(),
        cost_model: cost_model.into(),
        affine_t0: if cost_model == "affine" {
            "3".into()
        } else {
            String::new()
        },
        affine_k: if cost_model == "affine" {
            "1.5e-10".into()
        } else {
            String::new()
        },
        gpu: gpu.into(),
        batch: batch.into(),
        max_gamma: max_gamma.into(),
        ..State::default()
    }
}

/// The `--cost-model` string of a grid entry, written out here rather than
/// taken from the binding.
fn spec(cost: &(&str, &str, &str, &str)) -> String {
    let (id, gpu, batch, _) = *cost;
    let b = if batch.is_empty() {
        String::new()
    } else {
        format!(":batch={batch}")
    };
    match id {
        "params" => "params".into(),
        "affine" => "affine:3,1.5e-10".into(),
        "roofline" => format!("latency:roofline:{gpu}{b}"),
        h200 => format!("latency:{h200}{b}"),
    }
}

fn call(s: &State) -> Value {
    let out = calculate(&serde_json::to_string(s).unwrap());
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// A JSON number, null read as NaN (serde_json writes NaN as null).
fn num(v: &Value) -> f64 {
    if v.is_null() {
        f64::NAN
    } else {
        v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
    }
}

#[track_caller]
fn same(got: &Value, want: f64, what: &str) {
    let g = num(got);
    assert!(
        g == want || (g.is_nan() && want.is_nan()),
        "{what}: binding {g:e}, library {want:e}"
    );
}

/// Every cost model the page offers: FLOP, affine, both H200 profiles, the
/// graph profile at batch 8 and with a γ cap, each catalogue GPU's roofline
/// (batch 1) and one at batch 16.
fn cost_grid() -> Vec<(&'static str, &'static str, &'static str, &'static str)> {
    let mut v = vec![
        ("params", "", "", ""),
        ("affine", "", "", ""),
        ("h200-graph", "", "", ""),
        ("h200-eager", "", "", ""),
        ("h200-graph", "", "8", ""),
        ("h200-graph", "", "", "6"),
        ("roofline", "h100-sxm", "16", ""),
    ];
    for g in gpus::catalogue().unwrap() {
        v.push(("roofline", g.id.leak(), "", ""));
    }
    v
}

#[test]
fn every_number_equals_the_library_over_targets_families_and_cost_models() {
    let registry = Registry::bundled().unwrap();
    let families = registry.draft_families().unwrap();
    let (mut cells, mut refusals) = (0, 0);
    for cost in cost_grid() {
        let spec = spec(&cost);
        let cap: u64 = cost
            .3
            .parse()
            .unwrap_or(sdsl::law::throughput::DEFAULT_MAX_GAMMA);
        let (c, p) = sdsl::query::cost_model_capped(&spec, cap).unwrap();
        let laws = Laws::new(
            laws::loss_law(laws::DEFAULT_LOSS).unwrap(),
            laws::alpha_law(laws::DEFAULT_ALPHA).unwrap(),
            c,
            p,
            &spec,
        );
        // N* per cell as `sdsl nstar table` computes it; where the table
        // refuses as a whole (a registry `arch` that looks like a typo of a
        // table architecture, e.g. LLaMA3-70B against LLaMA3-8B in the
        // batched table), cell by cell, and the binding must refuse the
        // targets the check refuses
        let table = nstar_table(&laws, &registry);
        let mut rows = Vec::new();
        for t in registry.targets() {
            let refused = laws.latency.as_ref().is_some_and(|p| {
                sdsl::catalog::latency::check_registry_archs(p, &registry, std::iter::once(t))
                    .is_err()
            });
            for f in &families {
                let setup = NStarSetup::for_pair(t, f, &laws.loss.law, &laws.alpha.law, laws.cost);
                let outcome = CellOutcome::from(&setup.validated().unwrap().solve());
                if let Ok(table) = &table {
                    let cell = table
                        .rows
                        .iter()
                        .find(|r| r.target == t.name && r.draft_family == f.name);
                    // NaN (γ*, S* under a measured v) compares by its text
                    assert_eq!(
                        format!("{:?}", cell.map(|c| &c.outcome)),
                        format!("{:?}", Some(&outcome)),
                        "{} × {}",
                        t.name,
                        f.name
                    );
                }
                rows.push((t.name.clone(), f.name.clone(), outcome, refused));
            }
        }
        for (target, family, o, refused) in &rows {
            let what = format!("{target} × {family} under {spec}");
            let out = call(&state(target, family, &cost));
            if *refused {
                assert_eq!(out["errors"][0]["field"], "result", "{what}: {out}");
                refusals += 1;
                continue;
            }
            let Some(n_star) = o.n_star else {
                // no interior optimum natively: the binding says why, on `result`
                assert_eq!(out["errors"][0]["field"], "result", "{what}: {out}");
                continue;
            };
            cells += 1;
            let r = &out["result"];
            let pr = &r["predict"];
            assert!(pr.is_object(), "{what}: {out}");
            if cost.0 != "affine" {
                assert_eq!(r["cost_model"], spec.as_str(), "{what}");
            }
            assert_eq!(pr["cost_model"], laws.cost_label.as_str(), "{what}");
            // N* and what follows, as the N* table has them
            same(&pr["n_star"], n_star, &format!("{what}: N*"));
            same(&pr["alpha"], o.alpha.unwrap(), &format!("{what}: α(N*)"));
            same(
                &pr["gamma_star"],
                o.gamma_star.unwrap(),
                &format!("{what}: γ*"),
            );
            assert_eq!(pr["gamma_star_int"], o.gamma_star_int.unwrap(), "{what}: γ");
            same(&pr["speedup"], o.speedup.unwrap(), &format!("{what}: S*"));
            same(
                &pr["speedup_int"],
                o.speedup_int.unwrap(),
                &format!("{what}: S"),
            );
            // ms per token at N*: t(M)/S at the best integer γ
            let t = registry.target(target).unwrap();
            match &laws.latency {
                Some(p) => same(
                    &pr["ms_per_token"],
                    p.time_ms(t.params) / o.speedup_int.unwrap(),
                    &format!("{what}: ms/token"),
                ),
                None => assert!(pr.get("ms_per_token").is_none(), "{what}"),
            }
            // the real drafts, evaluated on the same pair
            let f = families.iter().find(|f| &f.name == family).unwrap();
            let setup = NStarSetup::for_pair(t, f, &laws.loss.law, &laws.alpha.law, laws.cost);
            let drafts: Vec<_> = f.drafts.iter().filter(|d| d.params < t.params).collect();
            let got = pr["family_drafts"].as_array().unwrap();
            assert_eq!(got.len(), drafts.len(), "{what}: drafts");
            for (i, (g, d)) in got.iter().zip(&drafts).enumerate() {
                let e = setup.evaluate(d.params);
                let w = format!("{what}, draft {}", d.name);
                assert_eq!(g["name"], d.name.as_str(), "{w}");
                same(&g["params"], d.params, &format!("{w}: N"));
                same(&g["alpha"], e.alpha, &format!("{w}: α"));
                same(&g["gamma_star"], e.optimum.gamma_star, &format!("{w}: γ*"));
                assert_eq!(g["gamma_star_int"], e.optimum.gamma_star_int, "{w}: γ");
                same(&g["speedup"], e.optimum.speedup_star, &format!("{w}: S*"));
                same(
                    &g["speedup_int"],
                    e.optimum.speedup_star_int,
                    &format!("{w}: S"),
                );
                let ms = &r["draft_ms_per_token"][i];
                match &laws.latency {
                    Some(p) => {
                        same(
                            ms,
                            p.time_ms(t.params) / e.optimum.speedup_star_int,
                            &format!("{w}: ms"),
                        );
                        let m = p.price_pair_capped(
                            e.alpha,
                            (&d.arch, d.params),
                            (&t.arch, t.params),
                            cap,
                        );
                        same(
                            &g["measured"]["speedup"],
                            m.speedup,
                            &format!("{w}: measured S"),
                        );
                        same(
                            &g["measured"]["cost_ratio"],
                            m.cost_ratio,
                            &format!("{w}: measured c"),
                        );
                        assert_eq!(g["measured"]["gamma"], m.gamma, "{w}: measured γ");
                    }
                    None => {
                        assert!(ms.is_null(), "{w}");
                        assert!(g.get("measured").is_none(), "{w}");
                    }
                }
            }
            // the curve: every point is the library's evaluation at its N,
            // log-spaced up to M, reaching below N*
            let curve = r["curve"].as_array().unwrap();
            assert_eq!(curve.len(), sdsl_web::CURVE_POINTS, "{what}");
            same(
                &curve.last().unwrap()["n"],
                t.params,
                &format!("{what}: curve end"),
            );
            assert!(num(&curve[0]["n"]) < n_star, "{what}: curve start");
            // S as the library's own curve (the figures') draws it, at the
            // same log-spaced sizes (its last point is exp(ln M), not M)
            let lib = setup.speedup_curve(num(&curve[0]["n"]), t.params, curve.len() - 1);
            for (pt, (n, s)) in curve.iter().zip(&lib).take(curve.len() - 1) {
                same(&pt["n"], *n, &format!("{what}: curve N"));
                same(&pt["s"], *s, &format!("{what}: curve S at N = {n:e}"));
            }
            for pt in curve {
                let e = setup.evaluate(num(&pt["n"]));
                let w = format!("{what}, curve at N = {:e}", e.n);
                same(&pt["alpha"], e.alpha, &format!("{w}: α"));
                same(&pt["cost_ratio"], e.cost_ratio, &format!("{w}: c"));
                same(&pt["gamma_star"], e.optimum.gamma_star, &format!("{w}: γ*"));
                assert_eq!(pt["gamma_int"], e.optimum.gamma_star_int, "{w}: γ");
                same(&pt["speedup"], e.optimum.speedup_star, &format!("{w}: S*"));
                same(
                    &pt["speedup_int"],
                    e.optimum.speedup_star_int,
                    &format!("{w}: S"),
                );
                assert_eq!(pt["admissible"], e.admissible(), "{w}");
            }
        }
    }
    // 13 targets × 3 families × every cost model, none without an optimum today
    let grid = registry.targets().count() * families.len() * cost_grid().len();
    assert!(
        cells * 10 >= grid * 9,
        "{cells} of {grid} cells solved ({refusals} refused)"
    );
}

#[test]
fn a_target_typed_by_size_and_typed_draft_sizes_match_the_registry_rows() {
    let registry = Registry::bundled().unwrap();
    let t = registry.target("OPT-13B").unwrap();
    let f = registry.draft_family("OPT").unwrap();
    for cost in [("params", "", "", ""), ("h200-graph", "", "", "")] {
        let by_name = call(&state("OPT-13B", "OPT", &cost));
        let sizes: Vec<String> = f.drafts.iter().map(|d| format!("{:e}", d.params)).collect();
        let typed = call(&State {
            target: "custom".into(),
            target_params: format!("{:e}", t.params),
            target_tokens: format!("{:e}", t.tokens),
            draft_family: "custom".into(),
            draft_sizes: sizes.join(", "),
            draft_tokens: format!("{:e}", f.tokens),
            ..state("", "", &cost)
        });
        let (a, b) = (&by_name["result"]["predict"], &typed["result"]["predict"]);
        for k in [
            "n_star",
            "alpha",
            "gamma_star",
            "gamma_star_int",
            "speedup",
            "speedup_int",
        ] {
            assert_eq!(a[k], b[k], "{k} under {}: {typed}", cost.0);
        }
        let (da, db) = (
            a["family_drafts"].as_array().unwrap(),
            b["family_drafts"].as_array().unwrap(),
        );
        assert_eq!(da.len(), db.len());
        for (x, y) in da.iter().zip(db) {
            for k in ["params", "alpha", "gamma_star_int", "speedup_int"] {
                assert_eq!(x[k], y[k], "{k}");
            }
        }
        assert_eq!(by_name["result"]["curve"], typed["result"]["curve"]);
    }
}

#[test]
fn bad_input_returns_field_errors_never_a_panic() {
    let base = state("custom", "", &("params", "", "", ""));
    let cases: Vec<(State, &str)> = vec![
        (
            State {
                target_params: "".into(),
                target_tokens: "180B".into(),
                ..base.clone()
            },
            "target_params",
        ),
        (
            State {
                target_params: "-13e9".into(),
                target_tokens: "180B".into(),
                ..base.clone()
            },
            "target_params",
        ),
        (
            State {
                target_params: "abc".into(),
                target_tokens: "180B".into(),
                ..base.clone()
            },
            "target_params",
        ),
        (
            State {
                target_params: "5000".into(),
                target_tokens: "180B".into(),
                ..base.clone()
            },
            "target_params",
        ),
        (
            State {
                target_params: "13B".into(),
                target_tokens: "0".into(),
                ..base.clone()
            },
            "target_tokens",
        ),
        (
            State {
                target: "OPT-13X".into(),
                ..base.clone()
            },
            "target",
        ),
        (
            State {
                target: "OPT-13B".into(),
                draft_family: "custom".into(),
                draft_sizes: "125M, 20B".into(),
                ..base.clone()
            },
            "draft_sizes",
        ),
        (
            State {
                target: "OPT-13B".into(),
                draft_family: "custom".into(),
                draft_sizes: "".into(),
                ..base.clone()
            },
            "draft_sizes",
        ),
        (
            State {
                target: "OPT-13B".into(),
                draft_family: "custom".into(),
                draft_sizes: "1e2".into(),
                ..base.clone()
            },
            "draft_sizes",
        ),
        (
            State {
                target: "OPT-13B".into(),
                draft_family: "Gemma".into(),
                ..base.clone()
            },
            "draft_family",
        ),
        (
            State {
                target: "OPT-13B".into(),
                draft_tokens: "-1".into(),
                ..base.clone()
            },
            "draft_tokens",
        ),
        (
            State {
                target: "OPT-13B".into(),
                loss_law: "nope".into(),
                ..base.clone()
            },
            "loss_law",
        ),
        (
            State {
                target: "OPT-13B".into(),
                cost_model: "tpu".into(),
                ..base.clone()
            },
            "cost_model",
        ),
        (
            State {
                target: "OPT-13B".into(),
                cost_model: "affine".into(),
                affine_t0: "x".into(),
                affine_k: "1e-10".into(),
                ..base.clone()
            },
            "affine_t0",
        ),
        (
            State {
                target: "OPT-13B".into(),
                cost_model: "affine".into(),
                affine_t0: "3".into(),
                affine_k: "0".into(),
                ..base.clone()
            },
            "affine_k",
        ),
        (
            State {
                target: "OPT-13B".into(),
                cost_model: "roofline".into(),
                gpu: "gtx-480".into(),
                ..base.clone()
            },
            "gpu",
        ),
        (
            State {
                target: "OPT-13B".into(),
                cost_model: "h200-eager".into(),
                batch: "8".into(),
                ..base.clone()
            },
            "batch",
        ),
        (
            State {
                target: "OPT-13B".into(),
                cost_model: "h200-graph".into(),
                batch: "1.5".into(),
                ..base.clone()
            },
            "batch",
        ),
        (
            State {
                target: "OPT-13B".into(),
                cost_model: "h200-graph".into(),
                max_gamma: "0".into(),
                ..base.clone()
            },
            "max_gamma",
        ),
        (
            State {
                target: "OPT-13B".into(),
                max_gamma: "4".into(),
                ..base.clone()
            },
            "max_gamma",
        ),
    ];
    for (s, field) in cases {
        let out = call(&s);
        let errors = out["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{s:?} accepted: {out}"));
        assert!(
            errors.iter().any(
                |e| e["field"] == field && e["message"].as_str().is_some_and(|m| !m.is_empty())
            ),
            "{s:?}: expected an error on {field}, got {out}"
        );
    }
    // not JSON at all
    let out: Value = serde_json::from_str(&calculate("{")).unwrap();
    assert_eq!(out["errors"][0]["field"], "state");
}

#[test]
fn the_catalog_lists_the_registry_and_the_gpu_catalogue() {
    let c: Value = serde_json::from_str(&sdsl_web::catalog()).unwrap();
    let registry = Registry::bundled().unwrap();
    let names: Vec<&str> = c["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        registry
            .targets()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        c["families"].as_array().unwrap().len(),
        registry.draft_families().unwrap().len()
    );
    let ids: Vec<&str> = c["gpus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        gpus::catalogue()
            .unwrap()
            .iter()
            .map(|g| g.id.as_str())
            .collect::<Vec<_>>()
    );
    assert_eq!(c["loss_laws"][0], laws::DEFAULT_LOSS);
    assert_eq!(c["alpha_laws"][0], laws::DEFAULT_ALPHA);
}
