//! Kendall's rank correlation τ-b (Kendall 1945, "The treatment of ties in
//! ranking problems", Biometrika 33(3)): the order agreement of two rankings
//! of the same items, with ties.
//!
//! Over the n(n − 1)/2 pairs (i < j): n_c concordant pairs (x and y order
//! them the same way), n_d discordant ones, n_x pairs tied in x only… τ-b =
//! (n_c − n_d)/√((n₀ − n₁)(n₀ − n₂)) with n₀ = n(n − 1)/2, n₁ the pairs tied
//! in x and n₂ the pairs tied in y (a pair tied in both counts in both).
//! τ-b is 1 for the same order, −1 for the reverse, and undefined (None)
//! when either ranking is constant or there are fewer than two items —
//! the same convention as `scipy.stats.kendalltau` (variant "b"), which
//! returns NaN there. Non-finite values are refused (None).
//!
//! The validation section compares predicted with measured orders with it
//! (the drafts of one setting, the γ of one pair): with 3–10 items the
//! O(n²) count is the simplest exact method.

/// Kendall's τ-b of `x` and `y` (same length), by counting pairs.
pub fn tau_b(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n != y.len() || n < 2 || x.iter().chain(y).any(|v| !v.is_finite()) {
        return None;
    }
    let (mut conc, mut disc, mut tie_x, mut tie_y) = (0u64, 0u64, 0u64, 0u64);
    for i in 0..n {
        for j in i + 1..n {
            let dx = x[i].total_cmp(&x[j]);
            let dy = y[i].total_cmp(&y[j]);
            use std::cmp::Ordering::Equal;
            match (dx == Equal, dy == Equal) {
                (true, true) => {
                    tie_x += 1;
                    tie_y += 1;
                }
                (true, false) => tie_x += 1,
                (false, true) => tie_y += 1,
                (false, false) if dx == dy => conc += 1,
                (false, false) => disc += 1,
            }
        }
    }
    let n0 = (n * (n - 1) / 2) as u64;
    let denom = ((n0 - tie_x) as f64 * (n0 - tie_y) as f64).sqrt();
    (denom > 0.0).then(|| (conc as f64 - disc as f64) / denom)
}

/// τ-b as the cosine of the two sign matrices (the definition of Kendall
/// 1945 §4: Σ a_ij·b_ij / √(Σ a_ij² · Σ b_ij²) over all ordered pairs i ≠ j,
/// a_ij = sign(x_i − x_j), b_ij = sign(y_i − y_j)): a brute-force twin of
/// [`tau_b`] written from the other definition, for tests.
pub fn tau_b_by_signs(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len();
    if n != y.len() || n < 2 || x.iter().chain(y).any(|v| !v.is_finite()) {
        return None;
    }
    let sign = |v: f64| {
        if v > 0.0 {
            1.0
        } else if v < 0.0 {
            -1.0
        } else {
            0.0
        }
    };
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for i in 0..n {
        for j in 0..n {
            if i == j {
                continue;
            }
            let (a, b) = (sign(x[i] - x[j]), sign(y[i] - y[j]));
            ab += a * b;
            aa += a * a;
            bb += b * b;
        }
    }
    (aa > 0.0 && bb > 0.0).then(|| ab / (aa * bb).sqrt())
}
