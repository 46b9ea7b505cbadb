//! The OLS engine against NIST StRD certified values (Norris: 1 predictor,
//! lower difficulty; Longley: 6 predictors, higher difficulty). Data and
//! certified values are in tests/data/nist/*.txt, copied from
//! https://www.itl.nist.gov/div898/strd/lls/data/ (public domain);
//! tests/data/nist/verify_nist.py re-derives them in 50-digit arithmetic.

use nalgebra::{DMatrix, DVector};
use sdsl::fit::ols::ols;

struct Certified {
    beta: Vec<(f64, f64)>,
    residual_sd: f64,
    r2: f64,
    y: Vec<f64>,
    x: Vec<Vec<f64>>,
}

fn load(text: &str) -> Certified {
    let mut c = Certified {
        beta: vec![],
        residual_sd: 0.0,
        r2: 0.0,
        y: vec![],
        x: vec![],
    };
    for line in text.lines() {
        let f: Vec<&str> = line.trim_start_matches('#').split_whitespace().collect();
        if line.starts_with('#') {
            match f.first() {
                Some(k) if k.starts_with("beta") && f.len() == 3 => {
                    c.beta.push((f[1].parse().unwrap(), f[2].parse().unwrap()))
                }
                Some(&"residual_sd") => c.residual_sd = f[1].parse().unwrap(),
                Some(&"r_squared") => c.r2 = f[1].parse().unwrap(),
                _ => {}
            }
        } else if let Ok(y) = f.first().unwrap_or(&"").parse::<f64>() {
            c.y.push(y);
            c.x.push(f[1..].iter().map(|v| v.parse().unwrap()).collect());
        }
    }
    c
}

fn digits(got: f64, want: f64) -> f64 {
    -((got - want) / want).abs().log10()
}

fn check(text: &str, n_expected: usize, min_digits: f64) {
    let c = load(text);
    assert_eq!(c.y.len(), n_expected);
    let k = c.x[0].len();
    assert_eq!(c.beta.len(), k + 1);
    // columns: intercept, x1..xk (the order of NIST's beta0..betak)
    let x = DMatrix::from_fn(
        c.y.len(),
        k + 1,
        |i, j| if j == 0 { 1.0 } else { c.x[i][j - 1] },
    );
    let y = DVector::from_vec(c.y.clone());
    let names: Vec<String> = (0..=k).map(|j| format!("beta{j}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let fit = ols(&x, &y, &names, true).unwrap();
    for (j, (b, se)) in c.beta.iter().enumerate() {
        let got = &fit.coefficients[j];
        assert!(
            digits(got.estimate, *b) >= min_digits,
            "beta{j}: {} vs certified {b}",
            got.estimate
        );
        assert!(
            digits(got.se, *se) >= min_digits,
            "se(beta{j}): {} vs certified {se}",
            got.se
        );
    }
    assert!(
        digits(fit.residual_sd, c.residual_sd) >= min_digits,
        "residual sd {}",
        fit.residual_sd
    );
    assert!(digits(fit.r2, c.r2) >= min_digits, "R² {}", fit.r2);
}

#[test]
fn ols_reproduces_nist_norris_to_9_digits() {
    check(include_str!("../data/nist/norris.txt"), 36, 9.0);
}

#[test]
fn ols_reproduces_nist_longley_to_9_digits() {
    check(include_str!("../data/nist/longley.txt"), 16, 9.0);
}
