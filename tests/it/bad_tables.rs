//! Malformed tables get an error naming the file and the line (or column)
//! and the fix — never a generic parser message, never a panic, never a
//! message as large as the input.
mod common;
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
