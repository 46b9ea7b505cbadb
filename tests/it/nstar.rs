//! `sdsl nstar table`, `sdsl nstar law`, and a brute-force twin of the N* search.
use crate::common;
use common::*;
use sdsl::derive::nstar::NStarSetup;
use sdsl::law::{AlphaLaw, CostModel, LossLaw};

fn setup(m: f64, dt: f64, dd: f64) -> NStarSetup<'static> {
    NStarSetup {
        target_params: m,
        target_tokens: dt,
        draft_tokens: dd,
        loss: &LossLaw::BESIROGLU_2024,
        alpha: &AlphaLaw::SDSL_2026,
        cost: CostModel::Params,
    }
}

/// N* from the bracketed search against a dense brute-force scan in log N.
#[test]
fn nstar_search_matches_a_dense_scan() {
    for (m, dt, dd) in [
        (12.85e9, 1.8e11, 1.8e11),
        (7.055e10, 1.5e13, 1.8e13),
        (1.112e11, 3e12, 1.8e11),
        (1e10, 1e14, 1e14),
    ] {
        let s = setup(m, dt, dd);
        let r = s.solve().unwrap();
        let (mut bn, mut bs) = (0.0, 0.0);
        let steps = 200_000;
        let (lo, hi) = (1e5f64.ln(), m.ln());
        for i in 0..steps {
            let n = (lo + (hi - lo) * i as f64 / steps as f64).exp();
            let e = s.evaluate(n);
            if e.admissible() && e.optimum.speedup_star > bs {
                bn = n;
                bs = e.optimum.speedup_star;
            }
        }
        assert!(
            r.speedup >= bs * (1.0 - 1e-12),
            "M={m}: S*={} scan {bs}",
            r.speedup
        );
        // S* is flat at its peak: N* agrees with the scan to within a few scan steps
        let step = (hi - lo) / steps as f64;
        assert!(
            (r.n_star.ln() - bn.ln()).abs() < 1e-3 + 3.0 * step,
            "M={m}: N*={} scan {bn}",
            r.n_star
        );
    }
}

#[test]
fn nstar_table_covers_every_target_and_family() {
    let v = sdsl_json(&["nstar", "table", "--json"]);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(v["draft_families"].as_array().unwrap().len(), 3);
    assert_eq!(rows.len(), 13 * 3);
    let opt13 = rows
        .iter()
        .find(|r| r["target"] == "OPT-13B" && r["draft_family"] == "OPT")
        .unwrap();
    assert!((num(opt13, "n_star") / 117.3e6 - 1.0).abs() < 0.005);
    let csv = sdsl(&["nstar", "table", "--csv"]);
    assert!(csv.status.success());
    assert_eq!(String::from_utf8_lossy(&csv.stdout).lines().count(), 1 + 39);
}

#[test]
fn nstar_law_reports_mu_m0_intervals_and_the_grid() {
    let v = sdsl_json(&["nstar", "law", "--json"]);
    let mu = num(&v["mu"], "point");
    assert_eq!(v["mu"]["method"], "ols-t");
    let ci = v["mu"]["ci95"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() < mu && mu < ci[1].as_f64().unwrap());
    let m0ci = v["m0"]["ci95"].as_array().unwrap();
    let m0 = num(&v["m0"], "point");
    assert!(m0ci[0].as_f64().unwrap() < m0 && m0 < m0ci[1].as_f64().unwrap());
    assert_eq!(v["grid"]["points"].as_array().unwrap().len(), 12 * 7);
    assert_eq!(v["grid"]["m"].as_array().unwrap().len(), 12);
    assert!(v["log_d"]["coefficients"]["lambda"]["point"].is_number());
    // The same order of magnitude as the paper's μ = 2.71e-3 (its design is
    // not public, so only the scale is checked here).
    assert!(mu > 1e-3 && mu < 1e-2, "mu = {mu}");
    // Refitting the printed grid points by hand gives the same slope.
    let pts = v["grid"]["points"].as_array().unwrap();
    let (xs, ys): (Vec<f64>, Vec<f64>) =
        pts.iter().map(|p| (num(p, "m"), num(p, "n_star"))).unzip();
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    assert!(((sxy / sxx) / mu - 1.0).abs() < 1e-9);
}

/// Issue #15 item 7: `nstar law --m-count 1e11` aborted on a multi-terabyte
/// allocation; counts are bounded with the flag and the limit named.
#[test]
fn huge_grid_counts_are_refused_with_the_flag_and_the_limit() {
    for (flag, v) in [("--m-count", "1e11"), ("--d-count", "18446744073709551615")] {
        let out = sdsl(&["nstar", "law", flag, v]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(flag) && err.contains("at most 100000"),
            "{err}"
        );
    }
    // each axis within bounds, the grid too large in all
    let err = sdsl_fails(&["nstar", "law", "--m-count", "1000", "--d-count", "1000"]);
    assert!(
        err.contains("1000000 points")
            && err.contains("at most 100000")
            && err.contains("--m-count"),
        "{err}"
    );
}

/// The warm-started search of the bootstrap draws (`solve_near`) returns the
/// full search's N* to the last bit, from a good hint, a poor one (which
/// falls back) and perturbed laws (as bootstrap draws are).
#[test]
fn solve_near_returns_the_full_search_result_bit_for_bit() {
    let mut checked = 0;
    for (m, dt, dd) in [
        (12.85e9, 1.8e11, 1.8e11),
        (7.055e10, 1.5e13, 1.8e13),
        (1.112e11, 3e12, 1.8e11),
        (1e10, 1e14, 1e14),
    ] {
        for (da, de) in [(1.0, 0.0), (1.05, 0.02), (0.93, -0.03), (1.2, 0.05)] {
            let loss = LossLaw {
                a: LossLaw::BESIROGLU_2024.a * da,
                e: LossLaw::BESIROGLU_2024.e + de,
                ..LossLaw::BESIROGLU_2024
            };
            let s = NStarSetup {
                loss: &loss,
                ..setup(m, dt, dd)
            };
            let Ok(full) = s.solve() else { continue };
            let point = setup(m, dt, dd).solve().unwrap().n_star;
            for hint in [full.n_star, point, point * 1.3, point / 1.5, 2e3, m * 0.9] {
                let near = s.solve_near(hint).unwrap();
                assert_eq!(
                    near.to_bits(),
                    full.n_star.to_bits(),
                    "M {m:e}, hint {hint:e}: {near} vs {}",
                    full.n_star
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 80, "{checked}");
}
