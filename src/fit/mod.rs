//! Estimators. Nothing here touches files, polars, plotters or clap.

pub mod alpha;
pub mod alpha_analysis;
pub mod bootstrap;
pub mod engine_acceptance;
pub mod estimate;
pub mod interval;
pub mod kendall;
pub mod latency;
pub mod lbfgs;
pub mod loss;
pub mod loss_kernel;
pub mod loss_record;
pub mod ols;
pub mod roofline;
pub mod runs;

/// The number of distinct values (bitwise: -0.0 and 0.0 differ, each NaN
/// payload counts once), for the identifiability checks of the fits.
pub(crate) fn n_distinct(v: impl Iterator<Item = f64>) -> usize {
    let mut s: Vec<u64> = v.map(f64::to_bits).collect();
    s.sort_unstable();
    s.dedup();
    s.len()
}

/// Golden-section minimisation of a unimodal `f` on [lo, hi]: shrinks the
/// bracket by the golden ratio until it is at most `tol` wide (or after
/// `max_steps` steps) and returns its middle. A bracket already at most
/// `tol` wide returns its middle without evaluating `f`.
pub(crate) fn golden_min(
    mut lo: f64,
    mut hi: f64,
    tol: f64,
    max_steps: usize,
    f: impl Fn(f64) -> f64,
) -> f64 {
    if hi - lo <= tol {
        return 0.5 * (lo + hi);
    }
    let r = 0.5 * (5f64.sqrt() - 1.0);
    let mut c = hi - r * (hi - lo);
    let mut d = lo + r * (hi - lo);
    let (mut fc, mut fd) = (f(c), f(d));
    for _ in 0..max_steps {
        if hi - lo <= tol {
            break;
        }
        if fc < fd {
            hi = d;
            d = c;
            fd = fc;
            c = hi - r * (hi - lo);
            fc = f(c);
        } else {
            lo = c;
            c = d;
            fc = fd;
            d = lo + r * (hi - lo);
            fd = f(d);
        }
    }
    0.5 * (lo + hi)
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom, the
/// multiplier of a two-sided 95% t interval (statrs' inverse CDF); NaN when
/// `df` is not a valid number of degrees of freedom (≤ 0 or not finite).
/// The one place the toolkit computes it.
pub fn t975(df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |d| d.inverse_cdf(0.975))
}

/// The distinct items of `items` in the order they are first seen (a
/// report lists targets, pairs, groups in data order, not sorted). Linear
/// search per item: meant for the tens of keys a table has, not for rows.
pub fn distinct<T: PartialEq>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for x in items {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

#[cfg(test)]
mod distinct_tests {
    #[test]
    fn distinct_keeps_the_first_seen_order() {
        assert_eq!(super::distinct([3, 1, 3, 2, 1]), vec![3, 1, 2]);
        assert_eq!(super::distinct(Vec::<u8>::new()), Vec::<u8>::new());
        assert_eq!(super::distinct(["b", "a", "b"]), vec!["b", "a"]);
    }
}
