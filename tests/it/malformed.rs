//! Every reader, fed random malformed input (random bytes, truncated files,
//! random bad cells: NaN, ±inf, 1e400, empty, quoted, thousands separators,
//! a BOM, CRLF, `;` separators, duplicated headers), returns an `SdslError`
//! that names the file, never panics, and writes nothing (the folder holds
//! only the input afterwards). Readers: loss table, acceptance table, raw
//! measurements, registry, manifest, law files, latency tables. Failing cases proptest
//! finds are kept in `tests/malformed.proptest-regressions`.
use proptest::prelude::*;
use sdsl::SdslError;
use sdsl::ingest::acceptance::{MeasureSpec, read_accept_table, read_measurements};
use sdsl::ingest::loss_table::{LossTableSpec, read_loss_table};
use sdsl::ingest::registry::Registry;
use std::path::Path;

const LOSS: &str = "N,D,loss\n1e7,1e9,4.1\n2e7,1e9,3.9\n4e7,3e9,3.4\n";
const ACCEPT: &str =
    "draft,target,draft_ppl,target_ppl,alpha\na,T,12.5,6.1,0.61\nb,T,11.0,6.1,0.66\n";
const LOGS: &str = "draft,target,gamma,accepted\na,T,4,2\na,T,4,4\na,T,4,0\n";
const REGISTRY: &str = "name,family,role,params,tokens,source\nS,F,draft,1.25e8,1.8e11,x\nT,F,target,1.3e10,1.8e11,x\n";
const MANIFEST: &str =
    "seed = 1\nregistry = \"models.csv\"\n[loss]\npath = \"loss.csv\"\nbootstrap = 0\n";
const LATENCY: &str = "arch,params_total,mode,q,ctx,ms_median\nA,1.25e8,graph,1,512,0.8\nA,1.25e8,graph,2,512,0.9\nB,1.3e10,graph,1,512,8.5\nB,1.3e10,graph,2,512,9.1\n";
const LAW: &str = "{\"kind\": \"loss\", \"E\": 1.8, \"A\": 480.0, \"B\": 2100.0, \"alpha\": 0.35, \"beta\": 0.37, \"source\": \"x\"}";

/// A mutation of a valid file.
#[derive(Debug, Clone)]
enum Mutation {
    Bytes(Vec<u8>),
    Truncate(usize),
    Cell(usize, &'static str),
    Bom,
    Crlf,
    Semicolons,
    DuplicateHeader,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let cells = prop::sample::select(vec![
        "NaN", "inf", "-inf", "1e400", "", "\"\"", "\"1,5\"", "1,234", "-3", "0", "x", "\"",
        "1e-400",
    ]);
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200).prop_map(Mutation::Bytes),
        (0usize..200).prop_map(Mutation::Truncate),
        (0usize..40, cells).prop_map(|(i, c)| Mutation::Cell(i, c)),
        Just(Mutation::Bom),
        Just(Mutation::Crlf),
        Just(Mutation::Semicolons),
        Just(Mutation::DuplicateHeader),
    ]
}

fn apply(valid: &str, m: &Mutation) -> Vec<u8> {
    match m {
        Mutation::Bytes(b) => b.clone(),
        Mutation::Truncate(n) => valid.as_bytes()[..(*n).min(valid.len())].to_vec(),
        Mutation::Cell(i, c) => {
            // replace the i-th comma-separated field (counting over the whole file)
            let mut k = 0;
            let mut out = String::new();
            for line in valid.split_inclusive('\n') {
                let end = if line.ends_with('\n') { "\n" } else { "" };
                let fields: Vec<String> = line
                    .trim_end_matches('\n')
                    .split(',')
                    .map(|f| {
                        k += 1;
                        if k - 1 == *i {
                            c.to_string()
                        } else {
                            f.to_string()
                        }
                    })
                    .collect();
                out += &(fields.join(",") + end);
            }
            out.into_bytes()
        }
        Mutation::Bom => [b"\xEF\xBB\xBF".as_slice(), valid.as_bytes()].concat(),
        Mutation::Crlf => valid.replace('\n', "\r\n").into_bytes(),
        Mutation::Semicolons => valid.replace(',', ";").into_bytes(),
        Mutation::DuplicateHeader => {
            let (head, rest) = valid.split_once('\n').unwrap_or((valid, ""));
            let first = head.split(',').next().unwrap_or("");
            format!("{head},{first}\n{rest}").into_bytes()
        }
    }
}

/// Runs `read` on `bytes` written as `name` in a fresh folder (beside the
/// valid companions `extra`); checks: no panic, an error names the file,
/// and the folder holds exactly what was written.
fn check(
    name: &str,
    bytes: &[u8],
    extra: &[(&str, &str)],
    read: impl Fn(&Path) -> Result<(), SdslError> + std::panic::RefUnwindSafe,
) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    for (n, text) in extra {
        std::fs::write(dir.path().join(n), text).unwrap();
    }
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let r = std::panic::catch_unwind(|| read(&path));
    let r = r.map_err(|_| TestCaseError::fail(format!("{name}: panicked on {bytes:?}")))?;
    if let Err(e) = r {
        let msg = e.to_string();
        prop_assert!(
            msg.contains(name),
            "{name}: the error does not name the file: {msg}"
        );
        prop_assert!(msg.len() < 4000, "{name}: a {}-byte message", msg.len());
    }
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    files.sort();
    let mut want: Vec<String> = extra
        .iter()
        .map(|(n, _)| n.to_string())
        .chain([name.to_string()])
        .collect();
    want.sort();
    prop_assert_eq!(files, want, "{}: something was written", name);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_loss_table_reader(m in mutation()) {
        check("loss.csv", &apply(LOSS, &m), &[], |p| read_loss_table(p, &LossTableSpec::default()).map(|_| ()))?;
    }

    #[test]
    fn the_acceptance_table_reader(m in mutation()) {
        check("acc.csv", &apply(ACCEPT, &m), &[], |p| read_accept_table(p).map(|_| ()))?;
    }

    #[test]
    fn the_measurements_reader(m in mutation()) {
        let spec = MeasureSpec { kind: None, gamma_col: None, value_col: None, group_cols: None };
        check("logs.csv", &apply(LOGS, &m), &[], |p| read_measurements(p, &spec).map(|_| ()))?;
    }

    #[test]
    fn the_registry_reader(m in mutation()) {
        check("models.csv", &apply(REGISTRY, &m), &[], |p| Registry::read(p).map(|_| ()))?;
    }

    #[test]
    fn a_parquet_file_that_is_not_one(m in mutation()) {
        check("loss.parquet", &apply(LOSS, &m), &[], |p| read_loss_table(p, &LossTableSpec::default()).map(|_| ()))?;
    }

    #[test]
    fn the_manifest_reader(m in mutation()) {
        check(
            "refit.toml",
            &apply(MANIFEST, &m),
            &[("models.csv", REGISTRY), ("loss.csv", LOSS)],
            |p| sdsl::pipeline::read_manifest(p).map(|_| ()),
        )?;
    }

    #[test]
    fn the_latency_table_reader(m in mutation()) {
        check("h.csv", &apply(LATENCY, &m), &[], |p| {
            sdsl::ingest::latency::read_latency_table(p, None).map(|_| ())
        })?;
    }

    #[test]
    fn the_law_file_reader(m in mutation()) {
        check("law.json", &apply(LAW, &m), &[], |p| {
            sdsl::ingest::laws::loss_law(p.to_str().unwrap()).map(|_| ())
        })?;
    }
}
