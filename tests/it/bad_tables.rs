//! Malformed tables get an error naming the file and the line (or column)
//! and the fix — never a generic parser message, never a panic, never a
//! message as large as the input.
use crate::common;
use common::*;

/// Runs `sdsl fit loss` on `bytes` written to a temporary `t.csv`.
fn fit_loss_on(bytes: &[u8]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.csv");
    std::fs::write(&p, bytes).unwrap();
    let out = sdsl(&["fit", "loss", p.to_str().unwrap(), "--grid", "init"]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!err.contains("panicked"), "{err}");
    (out.status.code(), err)
}

const GOOD: &str = "N,D,loss\n1e7,1e9,4.1\n2e7,1e9,3.9\n4e7,1e9,3.7\n1e7,3e9,3.8\n2e7,3e9,3.6\n4e7,3e9,3.4\n1e7,9e9,3.6\n2e7,9e9,3.4\n4e7,9e9,3.2\n";

#[test]
fn shape_errors_name_the_line_and_the_fix() {
    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        (
            "decimal comma",
            b"N,D,loss\n1e7,1e9,4,1\n".to_vec(),
            vec![
                "row 1 (line 2)",
                "4 fields where the header has 3",
                "use '.' for decimals",
            ],
        ),
        (
            "thousands separator (quoted)",
            b"N,D,loss\n\"10,000,000\",1e9,4.1\n".to_vec(),
            vec![
                "row 1 (line 2)",
                "column 'N'",
                "'10,000,000' is not a number",
                "no thousands separators",
            ],
        ),
        (
            "non-UTF-8 byte",
            b"N,D,loss\n1e7,1e9,4.1\n2e7,1e9,3\xff9\n".to_vec(),
            vec!["row 2 (line 3)", "not valid UTF-8"],
        ),
        ("header only", b"N,D,loss\n".to_vec(), vec!["no data rows"]),
        (
            "duplicate header",
            b"N,D,loss,D\n1e7,1e9,4.1,2\n".to_vec(),
            vec!["column 'D' appears twice (columns 2 and 4)"],
        ),
        (
            "semicolons",
            b"N;D;loss\n1e7;1e9;4.1\n".to_vec(),
            vec!["separate fields with semicolons"],
        ),
    ];
    for (what, bytes, needles) in cases {
        let (code, err) = fit_loss_on(&bytes);
        assert_eq!(code, Some(1), "{what}: {err}");
        assert!(err.contains("t.csv"), "{what}: no file name in {err}");
        for n in needles {
            assert!(err.contains(n), "{what}: expected '{n}' in {err}");
        }
    }
}

#[test]
fn a_bom_and_crlf_line_ends_are_read() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(GOOD.replace('\n', "\r\n").as_bytes());
    let (code, err) = fit_loss_on(&bytes);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn a_huge_line_is_not_copied_into_the_message() {
    // a 2 MB column name (e.g. a file without newlines read as one header)
    let mut bytes = b"N".to_vec();
    bytes.extend(std::iter::repeat_n(b'x', 2_000_000));
    bytes.extend(b",D,loss\n1e7,1e9,4.1\n");
    let (code, err) = fit_loss_on(&bytes);
    assert_eq!(code, Some(1));
    assert!(err.len() < 2_000, "{} bytes of message", err.len());
    assert!(err.contains("bytes in all"), "{err}");
}

/// Runs `sdsl ARGS… FILE` on `text` written to a temporary `name`; returns
/// (exit code, stderr).
fn run_on(name: &str, text: &str, args: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    let mut a: Vec<&str> = args.to_vec();
    a.push(p.to_str().unwrap());
    let out = sdsl(&a);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!err.contains("panicked"), "{err}");
    (out.status.code(), err)
}

/// A latency table: three architectures, q = 1 and 2, with `extra` rows.
fn latency_csv(extra: &str) -> String {
    let mut s = String::from("arch,params_total,mode,q,ctx,ms_median\n");
    for (a, p) in [("a", 1e8), ("b", 1e9), ("c", 1e10)] {
        for q in [1, 2] {
            s += &format!(
                "{a},{p},graph,{q},512,{}\n",
                1.0 + p * 1e-9 + q as f64 * 0.01
            );
        }
    }
    s + extra
}

/// Issue #27: a huge number in a cell is printed short (1e300, not 301
/// digits), and the message still names the file, row and column.
#[test]
fn a_huge_number_in_a_cell_gives_a_short_message_naming_row_and_column() {
    let accept = "draft,target,draft_ppl,target_ppl,alpha\n\
                  d1,t1,20,10,0.5\nd2,t1,1e300,10,0.6\nd3,t1,30,10,0.4\n";
    let accept_alpha = "draft,target,draft_ppl,target_ppl,alpha\n\
                        d1,t1,20,10,0.5\nd2,t1,25,10,1e300\nd3,t1,30,10,0.4\n";
    let cases: Vec<(&str, String, Vec<&str>, &str, &str)> = vec![
        (
            "t.csv",
            GOOD.replacen("1e7,1e9,4.1", "-1e300,1e9,4.1", 1),
            vec!["fit", "loss", "--grid", "init"],
            "row 1 (line 2)",
            "column 'N'",
        ),
        (
            "lat.csv",
            latency_csv("d,1e11,graph,1e300,512,5.0\n"),
            vec!["fit", "latency", "--bootstrap", "0"],
            "row 7 (line 8)",
            "column 'q'",
        ),
        (
            "lat.csv",
            latency_csv("d,1e300,graph,1,512,-1e300\n"),
            vec!["fit", "latency", "--bootstrap", "0"],
            "row 7 (line 8)",
            "column 'ms_median'",
        ),
        (
            "acc.csv",
            accept_alpha.to_string(),
            vec!["fit", "alpha"],
            "row 2 (line 3)",
            "column 'alpha'",
        ),
        (
            "acc.csv",
            accept.replace("1e300", "-1e300"),
            vec!["fit", "alpha"],
            "row 2 (line 3)",
            "column 'draft_ppl'",
        ),
    ];
    for (name, text, args, row, column) in cases {
        // the bad cell goes after the command's flags: put the file last
        let (code, err) = run_on(name, &text, &args);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        assert!(err.len() < 300, "{args:?}: {} bytes: {err}", err.len());
        for needle in [name, row, column, "1e300"] {
            assert!(
                err.contains(needle),
                "{args:?}: expected '{needle}' in {err}"
            );
        }
    }
}

/// Issue #27: a list of bad names, rows or values in a message is capped
/// (a table with 10 000 of them gives a short message, not 10 000 names).
#[test]
fn a_table_with_ten_thousand_bad_names_gives_a_capped_list() {
    // 10 000 temperatures, none of them the one asked for
    let mut accept = String::from("draft,target,draft_ppl,target_ppl,alpha,temperature\n");
    for i in 0..10_000 {
        accept += &format!("d{i},t,20,10,0.5,temperature-name-{i}\n");
    }
    let (code, err) = run_on(
        "acc.csv",
        &accept,
        &["fit", "alpha", "--temperature", "0.5"],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.len() < 1_500,
        "{} bytes: {}",
        err.len(),
        &err[..2_000.min(err.len())]
    );
    assert!(
        err.contains("temperature-name-0") && err.contains("(and 9990 more)"),
        "{err}"
    );
    // one architecture measured at 10 000 q, none of them q = 1
    let mut extra = String::new();
    for q in 2..10_002 {
        extra += &format!("d,1e11,graph,{q},512,5.0\n");
    }
    let (code, err) = run_on(
        "lat.csv",
        &latency_csv(&extra),
        &["fit", "latency", "--bootstrap", "0"],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.len() < 1_500,
        "{} bytes: {}",
        err.len(),
        &err[..2_000.min(err.len())]
    );
    assert!(
        err.contains("no q = 1 row") && err.contains("(and 9990 more)"),
        "{err}"
    );
    // 10 000 registry targets whose arch the latency table lacks: one warning
    let mut reg = String::from("name,family,role,params,tokens,source,arch\n");
    for i in 0..10_000 {
        reg += &format!("Model-{i},Fam,target,1.3e10,1.8e11,card,Custom-arch-{i}\n");
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("models.csv");
    std::fs::write(&p, reg).unwrap();
    let out = sdsl(&[
        "nstar",
        "table",
        "--registry",
        p.to_str().unwrap(),
        "--cost-model",
        "latency:h200-graph",
        "--csv",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.len() < 1_500,
        "{} bytes: {}",
        err.len(),
        &err[..2_000.min(err.len())]
    );
    assert!(
        err.contains("Custom-arch-0")
            && err.contains("(and 9990 more)")
            && err.contains("affine law"),
        "{err}"
    );
}
