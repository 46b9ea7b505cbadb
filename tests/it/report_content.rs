//! The decision-document content of the report (issue 19): Kendall's τ-b
//! against its brute-force twin and a published value, the paper table's
//! "inside the interval" in both directions, the perplexity interpolation,
//! and the LaTeX rendering of Markdown tables.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sdsl::derive::ppl_scale::{interp_ln, nstar_on_grid};
use sdsl::fit::kendall::{tau_b, tau_b_by_signs};
use sdsl::law::AlphaLaw;
use sdsl::report::md_table::{MdTable, latex_cell};
use sdsl::report::model::paper::inside;

#[test]
fn tau_b_matches_scipys_documented_example() {
    // scipy.stats.kendalltau's docstring example (variant "b", the
    // default): x = [12, 2, 1, 12, 2], y = [1, 4, 7, 1, 0] gives
    // statistic = -0.47140452079103173
    let x = [12.0, 2.0, 1.0, 12.0, 2.0];
    let y = [1.0, 4.0, 7.0, 1.0, 0.0];
    let t = tau_b(&x, &y).unwrap();
    assert!((t - -0.471_404_520_791_031_73).abs() < 1e-12, "{t}");
}

#[test]
fn tau_b_equals_its_sign_matrix_twin_with_and_without_ties() {
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    for case in 0..500 {
        let n = rng.random_range(2..12);
        // few distinct values, so ties are common
        let k = rng.random_range(1..6);
        let x: Vec<f64> = (0..n).map(|_| rng.random_range(0..k) as f64).collect();
        let y: Vec<f64> = (0..n).map(|_| rng.random_range(0..k) as f64).collect();
        match (tau_b(&x, &y), tau_b_by_signs(&x, &y)) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12, "case {case}: {a} vs {b}"),
            (None, None) => {}
            (a, b) => panic!("case {case}: {a:?} vs {b:?} on {x:?} {y:?}"),
        }
    }
}

#[test]
fn tau_b_is_one_for_the_same_order_and_minus_one_for_the_reverse() {
    let x = [1.0, 2.0, 3.0, 4.0];
    assert_eq!(tau_b(&x, &[10.0, 20.0, 30.0, 40.0]), Some(1.0));
    assert_eq!(tau_b(&x, &[4.0, 3.0, 2.0, 1.0]), Some(-1.0));
    // Appendix F: TPOT order 125M < 1.3B < 350M (ranks 1, 3, 2) against a
    // model ranking 1, 2, 3: one discordant pair of three, τ-b = 1/3
    let t = tau_b(&[1.0, 3.0, 2.0], &[1.0, 2.0, 3.0]).unwrap();
    assert!((t - 1.0 / 3.0).abs() < 1e-15);
    // undefined: a constant ranking, one item, a NaN
    assert_eq!(tau_b(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
    assert_eq!(tau_b(&[1.0], &[1.0]), None);
    assert_eq!(tau_b(&[1.0, f64::NAN], &[1.0, 2.0]), None);
}

#[test]
fn inside_is_computed_from_the_bounds_in_both_directions() {
    // the paper's μ interval [2.67e-3, 2.75e-3] (SDSL Table 9, via the
    // machine summaries in datasets/paper/sdsl2026_published.csv)
    let paper = Some([2.67e-3, 2.75e-3]);
    assert_eq!(
        inside(Some(2.71e-3), paper),
        Some(true),
        "the paper's own μ"
    );
    assert_eq!(
        inside(Some(2.797e-3), paper),
        Some(false),
        "the refit's μ lies outside the paper's interval"
    );
    // the other direction: the paper's μ inside the refit's bootstrap interval
    assert_eq!(
        inside(Some(2.71e-3), Some([2.7071e-3, 2.8962e-3])),
        Some(true)
    );
    // the bounds are inclusive and may come in either order
    assert_eq!(inside(Some(2.75e-3), Some([2.75e-3, 2.67e-3])), Some(true));
    assert_eq!(inside(Some(1.0), None), None);
    assert_eq!(inside(None, paper), None);
    assert_eq!(inside(Some(f64::NAN), paper), None);
}

#[test]
fn perplexity_interpolates_ln_ppl_linearly_in_ln_n_without_extrapolating() {
    let pts = [
        (125e6, 27.65),
        (350e6, 22.0),
        (1.3e9, 14.63),
        (125e6, 27.65),
    ];
    assert!((interp_ln(&pts, 125e6).unwrap() - 27.65).abs() < 1e-9);
    assert!((interp_ln(&pts, 1.3e9).unwrap() - 14.63).abs() < 1e-9);
    // at the geometric mean of two sizes: the geometric mean of their ppl
    let mid = (125e6f64 * 350e6).sqrt();
    let want = (27.65f64 * 22.0).sqrt();
    assert!((interp_ln(&pts, mid).unwrap() - want).abs() < 1e-9);
    assert_eq!(interp_ln(&pts, 100e6), None, "no extrapolation below 125M");
    assert_eq!(interp_ln(&pts, 2e9), None);
}

#[test]
fn nstar_on_the_grid_is_the_brute_force_maximum_of_s_star() {
    use sdsl::law::throughput::optimum;
    let law = AlphaLaw::SDSL_2026;
    let pts = [
        (125e6, 27.65),
        (350e6, 22.0),
        (1.3e9, 14.63),
        (2.7e9, 12.47),
    ];
    let m = 12.85e9;
    let g = nstar_on_grid(&law, m, 10.13, 125e6, 2.57e9, 400, |n| interp_ln(&pts, n)).unwrap();
    // twin: a dense scan of the same objective
    let mut best = (0.0, 0.0);
    for k in 0..=40_000 {
        let n = (125e6f64.ln() + (2.57e9f64.ln() - 125e6f64.ln()) * k as f64 / 40_000.0).exp();
        let a = law.alpha(interp_ln(&pts, n).unwrap(), 10.13);
        let s = optimum(a, n / m).speedup_star;
        if s > best.1 {
            best = (n, s);
        }
    }
    assert!(
        (g.speedup - best.1).abs() < 1e-3,
        "{} vs {}",
        g.speedup,
        best.1
    );
    assert!(
        (g.n_star / best.0 - 1.0).abs() < 0.02,
        "{} vs {}",
        g.n_star,
        best.0
    );
}

#[test]
fn a_markdown_table_reads_back_and_renders_as_escaped_latex() {
    let mut t = MdTable::new(["target", "N* (γ, S)", "note"]);
    t.row(["OPT_13B", "117M (8, 2.593)", "**no** & 50% `a_b` α − β"]);
    t.row([Some("x \\| y"), None, Some("")]);
    let md = format!("## N*: the table\n\nintro\n\n{}\ntext\n", t.render());
    let parsed = MdTable::parse_all(&md);
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].0, "N*: the table");
    assert_eq!(
        parsed[0].1.render(),
        t.render(),
        "the table reads back as written"
    );
    assert_eq!(
        latex_cell("**no** & 50% `a_b` α − β"),
        "\\textbf{no} \\& 50\\% \\texttt{a\\_b} $\\alpha$ $-$ $\\beta$"
    );
    assert_eq!(
        latex_cell("a \\| b {c} #1 ~ ^"),
        "a \\textbar{} b \\{c\\} \\#1 \\textasciitilde{} \\textasciicircum{}"
    );
    let tex = parsed[0].1.to_latex("md_n_the_table");
    assert!(tex.starts_with("% md_n_the_table"));
    assert!(tex.contains(
        "\\begin{tabular}{lll}\n\\toprule\ntarget & N* ($\\gamma$, S) & note \\\\\n\\midrule\n"
    ));
    assert!(tex.ends_with("\\bottomrule\n\\end{tabular}\n"));
}
