//! The number formatters of `report.md`, the CSV and LaTeX tables, the
//! figures' tick labels and the command line's printouts: one function per
//! rule, each documented with its rule. Two rules that look alike but print
//! differently (the coefficient, bootstrap-statistic and measurement rules
//! below differ in their cut-offs and digits) stay distinct functions, named
//! by what they print.
//!
//! Two rules live lower down because a lower layer writes them too and no
//! layer may name one above it: [`crate::error::num`] (a number in an error
//! message) and [`crate::error::pct1`] (a share as a percentage with one
//! decimal, also in `derive`'s verdicts), re-exported here.

pub use crate::error::pct1;

/// What an undefined or absent number prints as in the Markdown tables.
pub const DASH: &str = "—";

/// `f(v)` for a present value, [`DASH`] for `None`.
pub fn or_dash<T>(v: Option<T>, f: impl FnOnce(T) -> String) -> String {
    v.map_or_else(|| DASH.into(), f)
}

/// A present value with `digits` decimals (`{:.digits$}`), [`DASH`] for
/// `None`; NaN prints as `NaN`.
pub fn fixed_or_dash(v: Option<f64>, digits: usize) -> String {
    or_dash(v, |x| format!("{x:.digits$}"))
}

pub use crate::error::{si, si_scale};

/// A count with three significant figures and an SI suffix (117M, 45.7M,
/// 1.23B), as in the main N* table: scaled by [`si_scale`], then 0, 1 or 2
/// decimals for a mantissa ≥ 100, ≥ 10 or below; [`DASH`] when not finite.
pub fn sig3(v: f64) -> String {
    if !v.is_finite() {
        return DASH.into();
    }
    let (d, s) = si_scale(v.abs());
    let x = v / d;
    let digits = if x.abs() >= 100.0 {
        0
    } else if x.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{x:.digits$}{s}")
}

/// Two bounds with `digits` decimals: `[a, b]` (NaN prints as `NaN`).
pub fn bracket(a: f64, b: f64, digits: usize) -> String {
    format!("[{a:.digits$}, {b:.digits$}]")
}

/// Two bounds in scientific notation with `digits` decimals in the
/// mantissa: `[2.7100e-3, 3.1000e-3]`.
pub fn bracket_sci(a: f64, b: f64, digits: usize) -> String {
    format!("[{a:.digits$e}, {b:.digits$e}]")
}

/// An optional interval as [`bracket`], [`DASH`] for `None`.
pub fn interval_or_dash(v: Option<[f64; 2]>, digits: usize) -> String {
    or_dash(v, |[a, b]| bracket(a, b, digits))
}

/// A fitted coefficient (the paper comparison, the N*-law shapes): four
/// decimals, or scientific with four decimals (`{:.4e}`) when
/// |x| ≥ 1e4 or 0 < |x| < 1e-2; NaN prints as `NaN`.
pub fn coefficient(x: f64) -> String {
    if x.abs() >= 1e4 || (x.abs() < 1e-2 && x != 0.0) {
        format!("{x:.4e}")
    } else {
        format!("{x:.4}")
    }
}

/// A bootstrap statistic that may be huge or undefined on a weakly
/// identified fit (the lab's loss law): `undefined` when not finite,
/// scientific with three decimals (`{:.3e}`) when |v| ≥ 1e5 or
/// 0 < |v| < 1e-3, else four decimals.
pub fn bootstrap_stat(v: f64) -> String {
    if !v.is_finite() {
        "undefined".into()
    } else if v != 0.0 && (v.abs() >= 1e5 || v.abs() < 1e-3) {
        format!("{v:.3e}")
    } else {
        format!("{v:.4}")
    }
}

/// A measured or predicted value of the validation tables: [`DASH`] for
/// `None`, scientific with three decimals (`{:.3e}`) when |x| ≥ 100 or
/// 0 < |x| < 0.01, else three decimals.
pub fn measurement(v: Option<f64>) -> String {
    or_dash(v, |x| {
        if x.abs() >= 100.0 || (x.abs() < 0.01 && x != 0.0) {
            format!("{x:.3e}")
        } else {
            format!("{x:.3}")
        }
    })
}

/// A share as a whole percentage: `100·x` with no decimal (0.456 → `46%`).
pub fn pct0(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// A share as a percentage with two decimals (0.01234 → `1.23%`).
pub fn pct2(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

/// A signed change as a percentage with one decimal and its sign always
/// shown (0.05 → `+5.0%`, -0.123 → `-12.3%`).
pub fn signed_pct1(x: f64) -> String {
    format!("{:+.1}%", 100.0 * x)
}

/// A signed change as a whole percentage with its sign always shown
/// (0.05 → `+5%`).
pub fn signed_pct0(x: f64) -> String {
    format!("{:+.0}%", 100.0 * x)
}

/// A check that may fail, as the report flags it: `yes`, a bold `**no**`,
/// or [`DASH`] when not evaluated.
pub fn yes_bold_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "**no**",
        None => DASH,
    }
}

/// A pass/fail flag without emphasis: `yes`, `no`, or [`DASH`].
pub fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => DASH,
    }
}

/// A number as a CSV cell: the shortest text that reads back to the same
/// `f64`, positional (`{}`) for 1e-4 ≤ |v| < 1e15 and 0, scientific
/// (`{:e}`, e.g. `1.49976842268997e-27`) outside, so a p-value or a huge
/// SE does not print 40 digits; empty when not finite.
pub fn csv_num(v: f64) -> String {
    if !v.is_finite() {
        String::new()
    } else if v == 0.0 || (1e-4..1e15).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// An optional number as a CSV cell ([`csv_num`]; empty for `None`).
pub fn csv_opt(v: Option<f64>) -> String {
    v.map_or(String::new(), csv_num)
}

/// A number for a LaTeX table: `---` when not finite; `$m\times10^{e}$`
/// with a three-decimal mantissa when |v| ≥ 1e5 or 0 < |v| < 1e-3; else
/// rounded to four decimals and printed shortest (0.12345 → `0.1235`,
/// 2.5 → `2.5`).
pub fn latex_num(v: f64) -> String {
    if !v.is_finite() {
        return "---".into();
    }
    if v != 0.0 && (v.abs() >= 1e5 || v.abs() < 1e-3) {
        let e = v.abs().log10().floor() as i32;
        format!("${:.3}\\times10^{{{e}}}$", v / 10f64.powi(e))
    } else {
        format!("{}", (v * 1e4).round() / 1e4)
    }
}

/// A tick label of a logarithmic axis as a power of ten: "10⁸" for an exact
/// power, "3×10⁸" otherwise (one significant digit of the mantissa, which
/// is what plotters' log key points carry); plain `{}` for 0 and non-finite.
pub fn pow10(v: &f64) -> String {
    if !v.is_finite() || *v == 0.0 {
        return format!("{v}");
    }
    let exp = v.abs().log10().floor() as i32;
    let mant = v / 10f64.powi(exp);
    let sup: String = exp
        .to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            d => ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'][d as usize - '0' as usize],
        })
        .collect();
    if (mant - mant.round()).abs() < 1e-6 && mant.round() == 1.0 {
        format!("10{sup}")
    } else {
        format!("{}×10{sup}", (mant * 10.0).round() / 10.0)
    }
}

/// A tick label of a linear axis of estimates: no decimal when |v| ≥ 100,
/// else three decimals.
pub fn axis_tick(v: &f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absent_value_is_a_dash() {
        assert_eq!(or_dash(Some(2), |v| v.to_string()), "2");
        assert_eq!(or_dash(None::<u64>, |v| v.to_string()), "—");
        assert_eq!(fixed_or_dash(Some(0.12345), 3), "0.123");
        assert_eq!(fixed_or_dash(Some(f64::NAN), 3), "NaN");
        assert_eq!(fixed_or_dash(None, 3), "—");
    }

    #[test]
    fn counts_are_compact() {
        assert_eq!(si_scale(2e12), (1e12, "T"));
        assert_eq!(si_scale(999.0), (1.0, ""));
        assert_eq!(si(117_300_000.0), "117.3M");
        assert_eq!(si(12_850_000_000.0), "12.85B");
        assert_eq!(si(500_000.0), "500k");
        assert_eq!(si(-2500.0), "-2.5k");
        assert_eq!(si(12.0), "12");
    }

    #[test]
    fn three_significant_figures() {
        assert_eq!(sig3(117_312_000.0), "117M");
        assert_eq!(sig3(1_234_000_000.0), "1.23B");
        assert_eq!(sig3(45_670_000.0), "45.7M");
        assert_eq!(sig3(f64::NAN), "—");
        assert_eq!(sig3(f64::INFINITY), "—");
    }

    #[test]
    fn intervals_are_bracketed() {
        assert_eq!(bracket(0.1, 0.25, 4), "[0.1000, 0.2500]");
        assert_eq!(bracket(f64::NAN, 1.0, 1), "[NaN, 1.0]");
        assert_eq!(bracket_sci(0.00271, 0.0031, 4), "[2.7100e-3, 3.1000e-3]");
        assert_eq!(interval_or_dash(Some([1.0, 2.0]), 2), "[1.00, 2.00]");
        assert_eq!(interval_or_dash(None, 2), "—");
    }

    #[test]
    fn coefficients_switch_to_scientific_outside_a_hundredth_to_ten_thousand() {
        assert_eq!(coefficient(0.5), "0.5000");
        assert_eq!(coefficient(9999.0), "9999.0000");
        assert_eq!(coefficient(1e4), "1.0000e4");
        assert_eq!(coefficient(0.00271), "2.7100e-3");
        assert_eq!(coefficient(0.0), "0.0000");
    }

    #[test]
    fn bootstrap_statistics_may_be_undefined() {
        assert_eq!(bootstrap_stat(f64::NAN), "undefined");
        assert_eq!(bootstrap_stat(f64::INFINITY), "undefined");
        assert_eq!(bootstrap_stat(0.5), "0.5000");
        assert_eq!(bootstrap_stat(1e5), "1.000e5");
        assert_eq!(bootstrap_stat(0.0005), "5.000e-4");
        assert_eq!(bootstrap_stat(0.0), "0.0000");
    }

    #[test]
    fn measurements_switch_to_scientific_outside_a_hundredth_to_a_hundred() {
        assert_eq!(measurement(None), "—");
        assert_eq!(measurement(Some(3.4)), "3.400");
        assert_eq!(measurement(Some(100.0)), "1.000e2");
        assert_eq!(measurement(Some(0.005)), "5.000e-3");
        assert_eq!(measurement(Some(0.0)), "0.000");
    }

    #[test]
    fn percentages() {
        assert_eq!(pct0(0.456), "46%");
        assert_eq!(pct1(0.1234), "12.3%");
        assert_eq!(pct2(0.01234), "1.23%");
        assert_eq!(signed_pct1(0.05), "+5.0%");
        assert_eq!(signed_pct1(-0.123), "-12.3%");
        assert_eq!(signed_pct0(0.05), "+5%");
        assert_eq!(signed_pct0(-0.5), "-50%");
    }

    #[test]
    fn flags() {
        assert_eq!(yes_bold_no(Some(true)), "yes");
        assert_eq!(yes_bold_no(Some(false)), "**no**");
        assert_eq!(yes_bold_no(None), "—");
        assert_eq!(yes_no(Some(false)), "no");
        assert_eq!(yes_no(None), "—");
    }

    #[test]
    fn csv_cells_are_exact_or_empty() {
        assert_eq!(csv_num(0.1), "0.1");
        assert_eq!(csv_num(1e-20), "1e-20");
        assert_eq!(csv_num(1.49976842268997e-27), "1.49976842268997e-27");
        assert_eq!(csv_num(12850000000.0), "12850000000");
        assert_eq!(csv_num(3.9698096792332474e131), "3.9698096792332474e131");
        assert_eq!(csv_num(0.0001), "0.0001");
        // every form reads back to the same f64
        for v in [
            1e-20,
            1.4997684226899699e-27,
            0.0001,
            3.9698096792332474e131,
            -2.5e-7,
        ] {
            assert_eq!(csv_num(v).parse::<f64>().unwrap(), v);
        }
        assert_eq!(csv_num(f64::NAN), "");
        assert_eq!(csv_opt(None), "");
        assert_eq!(csv_opt(Some(2.0)), "2");
    }

    #[test]
    fn latex_numbers() {
        assert_eq!(latex_num(f64::NAN), "---");
        assert_eq!(latex_num(0.12345), "0.1235");
        assert_eq!(latex_num(2.5), "2.5");
        assert_eq!(latex_num(123456.0), "$1.235\\times10^{5}$");
        assert_eq!(latex_num(0.0), "0");
    }

    #[test]
    fn log_ticks_are_powers_of_ten() {
        assert_eq!(pow10(&1e8), "10⁸");
        assert_eq!(pow10(&3e9), "3×10⁹");
        assert_eq!(pow10(&1e-3), "10⁻³");
        assert_eq!(pow10(&2.5e10), "2.5×10¹⁰");
        assert_eq!(pow10(&0.0), "0");
    }

    #[test]
    fn linear_ticks_drop_decimals_from_a_hundred() {
        assert_eq!(axis_tick(&0.5), "0.500");
        assert_eq!(axis_tick(&150.4), "150");
        assert_eq!(axis_tick(&-100.0), "-100");
    }
}
