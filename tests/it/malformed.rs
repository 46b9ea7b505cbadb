//! Every reader, fed random malformed input (random bytes, truncated files,
//! random bad cells: NaN, ±inf, 1e400, empty, quoted, thousands separators,
//! a BOM, CRLF, `;` separators, duplicated headers), returns an `SdslError`
//! that names the file, never panics, and writes nothing (the folder holds
//! only the input afterwards). Readers: loss table, acceptance table, raw
//! measurements, registry, manifest, law files, latency tables. Mutated latency
//! profiles and mutated copies of the H200 table, resolved as `latency:FILE`
//! cost models and priced, never panic or hang and are refused by field or
//! column (see the section at the end). Failing cases proptest finds are kept
//! in `tests/malformed.proptest-regressions`.
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
            sdsl::catalog::laws::loss_law(p.to_str().unwrap()).map(|_| ())
        })?;
    }
}

// ---------- latency profiles and the real latency table, resolved and priced ----------
//
// A mutated profile (`latency:FILE.json`) or H200 table (`latency:FILE.csv`)
// is resolved into a cost model on its own thread; when it resolves, every
// priced path runs (v at a size, a hypothetical and a measured pair, the
// memory check, N* by size and for a registry target with its draft family).
// Properties: no panic, an answer within 5 s (a hang detector, not a speed
// assertion: a case takes milliseconds), and a refusal names the file and
// the field (profile) or the column (table).

use prop::sample::Index;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::mpsc::RecvTimeoutError;

const H200_TABLE: &str = "datasets/hardware/h200_decode_latency.csv";
const H200_META: &str = "datasets/hardware/h200_decode_latency.meta";

/// The top-level fields of a profile: a refusal names one of them, quoted,
/// as the first segment of a JSON path (`'architectures[3].times_ms'`).
const PROFILE_FIELDS: [&str; 19] = [
    "kind",
    "hardware",
    "memory_bytes",
    "selection",
    "affine",
    "depth",
    "nstar_form",
    "nstar_form_reason",
    "most_accurate_form",
    "verify",
    "q_max",
    "params_range",
    "architectures",
    "excluded",
    "source",
    "bootstrap",
    "batch_interpolated_from",
    "kv_law",
    "warnings",
];

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// The shipped H200 table's text.
fn h200_csv() -> &'static str {
    static T: OnceLock<String> = OnceLock::new();
    T.get_or_init(|| std::fs::read_to_string(repo(H200_TABLE)).unwrap())
}

/// The H200 graph/512 profile fitted by the library, as JSON.
fn h200_profile() -> &'static Value {
    static P: OnceLock<Value> = OnceLock::new();
    P.get_or_init(|| {
        let table = sdsl::ingest::latency::read_latency_table(&repo(H200_TABLE), None).unwrap();
        let p = sdsl::fit::latency::LatencyFitSpec {
            selection: sdsl::fit::latency::LatencySelection::default(),
            replicates: 0,
            seed: 0,
        }
        .validated()
        .unwrap()
        .fit(&table)
        .unwrap();
        serde_json::to_value(p).unwrap()
    })
}

/// Resolves `spec` and, when it resolves, runs every priced path. An error
/// is the resolution's (the file's); nothing after it may fail.
fn resolve_and_price(spec: &str) -> Result<(), SdslError> {
    use sdsl::catalog::laws::{DEFAULT_ALPHA, DEFAULT_LOSS, alpha_law, loss_law};
    use sdsl::query::{Laws, predict::PredictQuery};
    let (cost, profile) = sdsl::catalog::latency::latency_cost_model(spec)?;
    let _ = cost.verification(1e10);
    let _ = cost.ratio(1e8, 1e10);
    let _ = profile.price_pair(0.7, ("", 1e8), ("", 1e10));
    let _ = profile.memory_need(("", 1e10), ("", 1e8));
    if let (Some(s), Some(l)) = (profile.architectures.first(), profile.architectures.last()) {
        let _ = profile.price_pair(0.7, (&s.arch, s.params_total), (&l.arch, l.params_total));
        let _ = profile.memory_need((&l.arch, l.params_total), (&s.arch, s.params_total));
    }
    let laws = Laws::new(
        loss_law(DEFAULT_LOSS).unwrap(),
        alpha_law(DEFAULT_ALPHA).unwrap(),
        cost,
        Some(profile),
        spec,
    );
    let registry = Registry::bundled().unwrap();
    let queries = [
        PredictQuery {
            target_params: Some(1e10),
            target_tokens: Some(1.8e11),
            ..PredictQuery::default()
        },
        PredictQuery {
            target: Some("OPT-13B".into()),
            draft_family: Some("OPT".into()),
            ..PredictQuery::default()
        },
    ];
    for q in queries {
        let prediction = q.resolve(&laws, Some(&registry)).unwrap();
        // no N* (no interior optimum under odd costs) is an answer too
        if let Ok(r) = prediction.solve() {
            let _ = prediction.record(r);
        }
    }
    Ok(())
}

/// Writes `bytes` as `name` in a fresh folder (beside `extra` files),
/// resolves `latency:PATH` and prices on another thread; fails on a panic
/// or when no answer came within 5 s. Returns the refusal's text and kind.
fn resolve_within_5s(
    name: &str,
    bytes: &[u8],
    extra: &[(&str, &[u8])],
) -> Result<Option<(String, &'static str)>, TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    for (n, b) in extra {
        std::fs::write(dir.path().join(n), b).unwrap();
    }
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let spec = format!("latency:{}", path.display());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let r = resolve_and_price(&spec).map_err(|e| (e.to_string(), e.kind()));
        let _ = tx.send(r);
    });
    match rx.recv_timeout(std::time::Duration::from_secs(5)) {
        Ok(r) => {
            let refusal = r.err();
            if let Some((msg, _)) = &refusal {
                prop_assert!(
                    msg.contains(&path.display().to_string()),
                    "{name}: the error does not name the file: {msg}"
                );
            }
            Ok(refusal)
        }
        Err(RecvTimeoutError::Timeout) => Err(TestCaseError::fail(format!(
            "{name}: no answer within 5 s (a hang) on {}",
            String::from_utf8_lossy(bytes)
        ))),
        Err(RecvTimeoutError::Disconnected) => Err(TestCaseError::fail(format!(
            "{name}: panicked on {}",
            String::from_utf8_lossy(bytes)
        ))),
    }
}

/// Whether `word` occurs in `msg` between non-identifier characters.
fn has_word(msg: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    msg.match_indices(word).any(|(i, _)| {
        !msg[..i].chars().next_back().is_some_and(is_ident)
            && !msg[i + word.len()..].chars().next().is_some_and(is_ident)
    })
}

/// A mutation of the fitted profile's JSON.
#[derive(Debug, Clone)]
enum ProfileMutation {
    /// A numeric leaf replaced.
    Leaf(Index, Value),
    /// An object key deleted.
    DeleteKey(Index),
    /// params_range reversed.
    SwapParamsRange,
    /// An array emptied.
    EmptyArray(Index),
    /// An architecture's q = 1 time deleted.
    DropDecode(Index),
    /// A verify line twice.
    DuplicateVerify(Index),
    /// `selection.ctx` or `selection.batch` huge.
    HugeSelection(&'static str, u64),
    /// Bytes of the file overwritten.
    Bytes(Vec<(Index, u8)>),
}

fn profile_mutation() -> impl Strategy<Value = ProfileMutation> {
    let leaf = prop::sample::select(vec![
        json!(0),
        json!(-1),
        json!("NaN"),
        json!(1e308),
        json!(-0.0),
        json!(4294967295u64),
        json!(1e-300),
        json!(u64::MAX),
        json!(u64::MAX - 16),
        json!(66),
    ]);
    let huge = prop::sample::select(vec![
        u64::MAX,
        u64::MAX - 16,
        1 << 40,
        4294967296,
        4294967295,
    ]);
    prop_oneof![
        3 => (any::<Index>(), leaf).prop_map(|(i, v)| ProfileMutation::Leaf(i, v)),
        1 => any::<Index>().prop_map(ProfileMutation::DeleteKey),
        1 => Just(ProfileMutation::SwapParamsRange),
        1 => any::<Index>().prop_map(ProfileMutation::EmptyArray),
        1 => any::<Index>().prop_map(ProfileMutation::DropDecode),
        1 => any::<Index>().prop_map(ProfileMutation::DuplicateVerify),
        1 => (prop::sample::select(vec!["ctx", "batch"]), huge)
            .prop_map(|(f, v)| ProfileMutation::HugeSelection(f, v)),
        1 => prop::collection::vec((any::<Index>(), any::<u8>()), 1..4).prop_map(ProfileMutation::Bytes),
    ]
}

/// JSON pointers of the numeric leaves, (object, key) pairs and arrays.
#[derive(Default)]
struct Places {
    leaves: Vec<String>,
    keys: Vec<(String, String)>,
    arrays: Vec<String>,
}

fn walk(v: &Value, at: String, out: &mut Places) {
    match v {
        Value::Number(_) => out.leaves.push(at),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk(x, format!("{at}/{i}"), out);
            }
            out.arrays.push(at);
        }
        Value::Object(o) => {
            for (k, x) in o {
                out.keys.push((at.clone(), k.clone()));
                let escaped = k.replace('~', "~0").replace('/', "~1");
                walk(x, format!("{at}/{escaped}"), out);
            }
        }
        _ => {}
    }
}

fn apply_profile(m: &ProfileMutation) -> Vec<u8> {
    let mut v = h200_profile().clone();
    let mut places = Places::default();
    walk(&v, String::new(), &mut places);
    match m {
        ProfileMutation::Leaf(i, x) => {
            let at = &places.leaves[i.index(places.leaves.len())];
            *v.pointer_mut(at).unwrap() = x.clone();
        }
        ProfileMutation::DeleteKey(i) => {
            let (obj, key) = &places.keys[i.index(places.keys.len())];
            v.pointer_mut(obj)
                .unwrap()
                .as_object_mut()
                .unwrap()
                .remove(key);
        }
        ProfileMutation::SwapParamsRange => {
            v["params_range"].as_array_mut().unwrap().swap(0, 1);
        }
        ProfileMutation::EmptyArray(i) => {
            let at = &places.arrays[i.index(places.arrays.len())];
            *v.pointer_mut(at).unwrap() = json!([]);
        }
        ProfileMutation::DropDecode(i) => {
            let archs = v["architectures"].as_array_mut().unwrap();
            let k = i.index(archs.len());
            archs[k]["times_ms"].as_object_mut().unwrap().remove("1");
        }
        ProfileMutation::DuplicateVerify(i) => {
            let lines = v["verify"].as_array_mut().unwrap();
            let k = i.index(lines.len());
            let line = lines[k].clone();
            lines.insert(k, line);
        }
        ProfileMutation::HugeSelection(field, x) => v["selection"][*field] = json!(x),
        ProfileMutation::Bytes(_) => {}
    }
    let mut bytes = serde_json::to_vec_pretty(&v).unwrap();
    if let ProfileMutation::Bytes(edits) = m {
        for (i, b) in edits {
            let n = bytes.len();
            bytes[i.index(n)] = *b;
        }
    }
    bytes
}

/// A mutation of the H200 table's CSV.
#[derive(Debug, Clone)]
enum TableMutation {
    /// A cell set (in a row of the fitted graph/512 selection when `true`).
    Cell(bool, Index, &'static str, &'static str),
    /// Two column names swapped in the header.
    SwapColumns(&'static str, &'static str),
    /// The q = 1 rows of one architecture deleted.
    DropDecode(Index),
    /// A batch column added (all 1), one row's batch set.
    Batch(Index, &'static str),
    /// Bytes of the file overwritten.
    Bytes(Vec<(Index, u8)>),
}

fn table_mutation() -> impl Strategy<Value = TableMutation> {
    let columns = prop::sample::select(vec![
        "arch",
        "params_total",
        "mode",
        "q",
        "ctx",
        "ms_median",
        "layers",
        "d_model",
        "heads",
        "kv_heads",
    ]);
    let cells = prop::sample::select(vec![
        "10000000",
        "66",
        "0",
        "-1",
        "NaN",
        "-0.5",
        "1e308",
        "1e-300",
        "4294967295",
        "18446744073709551615",
        "",
        "x",
    ]);
    let swappable = prop::sample::select(vec![
        ("q", "ctx"),
        ("params_total", "ms_median"),
        ("arch", "mode"),
        ("layers", "q"),
        ("heads", "kv_heads"),
        ("ctx", "params_total"),
    ]);
    prop_oneof![
        4 => (any::<bool>(), any::<Index>(), columns, cells.clone())
            .prop_map(|(s, i, c, v)| TableMutation::Cell(s, i, c, v)),
        1 => swappable.prop_map(|(a, b)| TableMutation::SwapColumns(a, b)),
        1 => any::<Index>().prop_map(TableMutation::DropDecode),
        1 => (any::<Index>(), cells).prop_map(|(i, v)| TableMutation::Batch(i, v)),
        1 => prop::collection::vec((any::<Index>(), any::<u8>()), 1..4).prop_map(TableMutation::Bytes),
    ]
}

fn apply_table(m: &TableMutation) -> Vec<u8> {
    let mut lines: Vec<Vec<String>> = h200_csv()
        .lines()
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    let header = lines[0].clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    match m {
        TableMutation::Cell(selected, i, c, value) => {
            let rows: Vec<usize> = (1..lines.len())
                .filter(|&r| {
                    !selected || (lines[r][col("mode")] == "graph" && lines[r][col("ctx")] == "512")
                })
                .collect();
            let r = rows[i.index(rows.len())];
            lines[r][col(c)] = value.to_string();
        }
        TableMutation::SwapColumns(a, b) => lines[0].swap(col(a), col(b)),
        TableMutation::DropDecode(i) => {
            let mut archs: Vec<String> =
                lines[1..].iter().map(|l| l[col("arch")].clone()).collect();
            archs.dedup();
            let arch = archs[i.index(archs.len())].clone();
            lines.retain(|l| !(l[col("arch")] == arch && l[col("q")] == "1"));
        }
        TableMutation::Batch(i, value) => {
            lines[0].push("batch".into());
            for l in &mut lines[1..] {
                l.push("1".into());
            }
            let r = 1 + i.index(lines.len() - 1);
            *lines[r].last_mut().unwrap() = value.to_string();
        }
        TableMutation::Bytes(_) => {}
    }
    let mut bytes: Vec<u8> = lines
        .iter()
        .map(|l| l.join(",") + "\n")
        .collect::<String>()
        .into_bytes();
    if let TableMutation::Bytes(edits) = m {
        for (i, b) in edits {
            let n = bytes.len();
            bytes[i.index(n)] = *b;
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, max_shrink_iters: 64, ..ProptestConfig::default() })]

    #[test]
    fn a_mutated_latency_profile_is_refused_by_field_or_priced(m in profile_mutation()) {
        let bytes = apply_profile(&m);
        if let Some((msg, kind)) = resolve_within_5s("profile.json", &bytes, &[])? {
            let names_a_field = PROFILE_FIELDS
                .iter()
                .any(|f| msg.contains(&format!("'{f}")) || msg.contains(&format!("`{f}")));
            // malformed JSON outside every field: serde's line and column
            let placed = msg.contains(" line ") && msg.contains(" column ");
            prop_assert!(kind == "data", "{m:?}: a {kind} error: {msg}");
            prop_assert!(names_a_field || placed, "{m:?}: the error names no field: {msg}");
        }
    }

    #[test]
    fn a_mutated_h200_table_is_refused_by_column_or_priced(m in table_mutation()) {
        let bytes = apply_table(&m);
        let meta = std::fs::read(repo(H200_META)).unwrap();
        if let Some((msg, _)) = resolve_within_5s("h200.csv", &bytes, &[("h200.meta", &meta)])? {
            let header: Vec<&str> = h200_csv().lines().next().unwrap().split(',').collect();
            let names_a_column = header.iter().chain(&["batch"]).any(|c| has_word(&msg, c));
            // random bytes can break the CSV itself (its encoding, its
            // quoting, a line's field count) rather than a cell: then the
            // file is named (checked above), a column only where there is one
            let broken = matches!(m, TableMutation::Bytes(_));
            prop_assert!(
                names_a_column || broken,
                "{m:?}: the error names no column: {msg}"
            );
        }
    }
}
