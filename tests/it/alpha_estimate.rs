//! `sdsl alpha estimate`: coverage of the likelihood-ratio interval on
//! simulated logs, exact τ/TAR inversion, the vLLM window sweep as is.
use crate::common;
use common::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sdsl::fit::estimate::{alpha_from_tar, alpha_from_taus, mle_from_counts};
use sdsl::law::throughput::expected_tokens;

/// One iteration: accepted = number of successes before the first failure, capped at γ.
fn iteration(rng: &mut ChaCha8Rng, alpha: f64, gamma: u32) -> u32 {
    let mut k = 0;
    while k < gamma && rng.random::<f64>() < alpha {
        k += 1;
    }
    k
}

/// 2000 simulated logs (α ∈ [0.2, 0.95], γ ∈ 1..8, 50–400 iterations): the
/// 95% LR interval must cover the truth 93–97% of the time.
#[test]
fn likelihood_ratio_interval_covers_the_truth_about_95_percent_of_the_time() {
    let mut rng = ChaCha8Rng::seed_from_u64(424242);
    let trials = 2000;
    let mut covered = 0;
    for _ in 0..trials {
        let alpha = rng.random_range(0.2..0.95);
        let gamma = rng.random_range(1..=8u32);
        let iters = rng.random_range(50..=400);
        let (mut s, mut f) = (0.0, 0.0);
        for _ in 0..iters {
            let k = iteration(&mut rng, alpha, gamma);
            s += k as f64;
            if k < gamma {
                f += 1.0;
            }
        }
        let ci = mle_from_counts(s, f).ci95.unwrap();
        if ci[0] <= alpha && alpha <= ci[1] {
            covered += 1;
        }
    }
    let rate = covered as f64 / trials as f64;
    assert!((0.93..=0.97).contains(&rate), "coverage {rate}");
}

#[test]
fn tau_and_tar_inversion_recover_alpha_exactly() {
    for alpha in [0.1, 0.5, 0.77, 0.95] {
        let pts: Vec<(f64, f64)> = [1.0, 2.0, 4.0, 7.0, 10.0]
            .iter()
            .map(|&g| (g, expected_tokens(alpha, g)))
            .collect();
        let e = alpha_from_taus(&pts).unwrap();
        assert!((e.alpha - alpha).abs() < 1e-12, "{alpha}: {}", e.alpha);
        for &(g, tau) in &pts {
            let tar = (tau - 1.0) / g; // TAR = α(1 − α^γ)/((1 − α)γ)
            let direct = alpha * (1.0 - alpha.powf(g)) / ((1.0 - alpha) * g);
            assert!((tar - direct).abs() < 1e-14);
            assert!((alpha_from_tar(tar, g).unwrap() - alpha).abs() < 1e-12);
        }
    }
}

#[test]
fn vllm_window_sweep_works_as_is() {
    let v = sdsl_json(&[
        "alpha",
        "estimate",
        "datasets/acceptance/qwen3_32b_window_sweep.csv",
        "--json",
    ]);
    let rows = v.as_array().unwrap();
    assert_eq!(
        rows.len(),
        6,
        "groups: draft × temperature × sampling settings"
    );
    for r in rows {
        assert!(r["draft"].is_string() && r["target"] == "Qwen3-32B");
        assert!(r["temperature"].is_string(), "grouping columns are kept");
        let a = num(&r["alpha"], "point");
        assert!(a > 0.0 && a < 1.0);
        let t0 = r["temperature"] == "0.0";
        let flagged = r["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.as_str().unwrap().contains("suspect"));
        assert_eq!(
            t0, flagged,
            "temperature-0 rows (steady-state TAR) are flagged as the source says"
        );
    }
    let one_gamma = rows.iter().find(|r| r["draft"] == "Qwen3-14B").unwrap();
    assert!(
        one_gamma["alpha"]["ci95"].is_null(),
        "a single gamma has no interval"
    );
    let t1 = rows
        .iter()
        .find(|r| r["draft"] == "Qwen3-1.7B" && r["temperature"] == "1.0")
        .unwrap();
    let ci = t1["alpha"]["ci95"].as_array().unwrap();
    let a = num(&t1["alpha"], "point");
    assert!(ci[0].as_f64().unwrap() < a && a < ci[1].as_f64().unwrap());
    assert_eq!(t1["alpha"]["method"], "t");
    assert_eq!(t1["estimator"], "tar");
}

#[test]
fn logs_are_estimated_per_pair_and_written_in_the_acceptance_schema() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs.csv");
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut text = String::from("draft,target,gamma,accepted\n");
    for (d, a) in [("small", 0.55), ("big", 0.8)] {
        for g in [2u32, 4, 8] {
            for _ in 0..3000 {
                text += &format!("{d},tgt,{g},{}\n", iteration(&mut rng, a, g));
            }
        }
    }
    std::fs::write(&logs, text).unwrap();
    let out = dir.path().join("alpha.csv");
    let v = sdsl_json(&[
        "alpha",
        "estimate",
        logs.to_str().unwrap(),
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for (r, truth) in rows.iter().zip([0.55, 0.8]) {
        let ci = r["alpha"]["ci95"].as_array().unwrap();
        assert!(
            ci[0].as_f64().unwrap() < truth && truth < ci[1].as_f64().unwrap(),
            "{r}"
        );
        assert_eq!(r["estimator"], "logs-mle");
        assert_eq!(r["alpha"]["method"], "likelihood-ratio");
    }
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(
        csv.starts_with("draft,target,alpha,ci95_lower,ci95_upper"),
        "{csv}"
    );
}

#[test]
fn accepted_above_gamma_is_refused() {
    let err = sdsl_fails(&[
        "alpha",
        "estimate",
        "tests/data/bad_alpha/accepted_gt_gamma.csv",
    ]);
    assert!(
        err.contains("row 2") && err.contains("column 'accepted'") && err.contains("0..=gamma"),
        "{err}"
    );
}

#[test]
fn conflicting_tau_at_one_gamma_are_flagged_not_merged_silently() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("tau.csv");
    // two rows at gamma 4 disagree; gamma 2 is consistent
    std::fs::write(
        &p,
        "draft,target,gamma,tau\nd,t,2,2.2\nd,t,4,3.0\nd,t,4,3.4\n",
    )
    .unwrap();
    let out = sdsl(&["alpha", "estimate", p.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let flags = rows[0]["flags"].to_string();
    assert!(
        flags.contains("2 rows at gamma 4 disagree (3 to 3.4) and were averaged"),
        "{flags}"
    );
    assert!(!flags.contains("gamma 2 "), "{flags}");
}
