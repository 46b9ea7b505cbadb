//! `reports/report.schema.json` is the current schema of the record types
//! (the golden refit test also regenerates it byte for byte), and the
//! committed `reports/report.json` and the pipeline snapshot validate
//! against it. The validator below implements the JSON Schema keywords the
//! generated schema uses (type, properties, required, additionalProperties,
//! items, prefixItems, min/maxItems, $ref, anyOf, oneOf, allOf, enum,
//! const, minimum, maximum) and fails on any other, so it cannot silently
//! pass a schema it does not understand.
use serde_json::Value;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(p: &str) -> Value {
    serde_json::from_slice(&std::fs::read(root().join(p)).unwrap()).unwrap()
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        other => panic!("unknown type {other}"),
    }
}

/// Errors of `v` against `s` at `path` (empty: valid).
fn validate(s: &Value, v: &Value, defs: &Value, path: &str, errs: &mut Vec<String>) {
    let Some(obj) = s.as_object() else {
        if s == &Value::Bool(false) {
            errs.push(format!("{path}: not allowed"));
        }
        return;
    };
    for key in obj.keys() {
        let known = [
            "$schema",
            "title",
            "description",
            "type",
            "properties",
            "required",
            "additionalProperties",
            "items",
            "prefixItems",
            "minItems",
            "maxItems",
            "$ref",
            "$defs",
            "anyOf",
            "oneOf",
            "allOf",
            "enum",
            "const",
            "minimum",
            "maximum",
            "format",
            "default",
        ];
        assert!(
            known.contains(&key.as_str()),
            "{path}: keyword '{key}' not implemented"
        );
    }
    if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
        let name = r
            .strip_prefix("#/$defs/")
            .unwrap_or_else(|| panic!("ref {r}"));
        validate(&defs[name], v, defs, path, errs);
    }
    if let Some(t) = obj.get("type") {
        let ok = match t {
            Value::String(t) => type_ok(t, v),
            Value::Array(ts) => ts.iter().any(|t| type_ok(t.as_str().unwrap(), v)),
            _ => panic!("type {t}"),
        };
        if !ok {
            errs.push(format!("{path}: {v} is not of type {t}"));
            return;
        }
    }
    if let Some(e) = obj.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errs.push(format!("{path}: {v} not in {e:?}"));
    }
    if let Some(c) = obj.get("const")
        && c != v
    {
        errs.push(format!("{path}: {v} is not {c}"));
    }
    if let (Some(m), Some(x)) = (obj.get("minimum").and_then(Value::as_f64), v.as_f64())
        && x < m
    {
        errs.push(format!("{path}: {x} < minimum {m}"));
    }
    if let (Some(m), Some(x)) = (obj.get("maximum").and_then(Value::as_f64), v.as_f64())
        && x > m
    {
        errs.push(format!("{path}: {x} > maximum {m}"));
    }
    for (kw, need) in [("anyOf", 1usize), ("oneOf", 1)] {
        if let Some(alts) = obj.get(kw).and_then(Value::as_array) {
            let ok = alts
                .iter()
                .filter(|a| {
                    let mut e = Vec::new();
                    validate(a, v, defs, path, &mut e);
                    e.is_empty()
                })
                .count();
            if (kw == "anyOf" && ok < need) || (kw == "oneOf" && ok != need) {
                errs.push(format!("{path}: {ok} of the {kw} alternatives match"));
            }
        }
    }
    if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
        for a in all {
            validate(a, v, defs, path, errs);
        }
    }
    if let Some(o) = v.as_object() {
        let props = obj.get("properties").and_then(Value::as_object);
        for r in obj
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !o.contains_key(r.as_str().unwrap()) {
                errs.push(format!(
                    "{path}: missing required '{}'",
                    r.as_str().unwrap()
                ));
            }
        }
        for (k, x) in o {
            match props.and_then(|p| p.get(k)) {
                Some(ps) => validate(ps, x, defs, &format!("{path}.{k}"), errs),
                None => match obj.get("additionalProperties") {
                    Some(Value::Bool(false)) => errs.push(format!("{path}: unexpected key '{k}'")),
                    Some(ap) => validate(ap, x, defs, &format!("{path}.{k}"), errs),
                    None => {}
                },
            }
        }
    }
    if let Some(a) = v.as_array() {
        let prefix = obj.get("prefixItems").and_then(Value::as_array);
        for (i, x) in a.iter().enumerate() {
            let s_i = prefix.and_then(|p| p.get(i)).or(obj.get("items"));
            if let Some(s_i) = s_i {
                validate(s_i, x, defs, &format!("{path}[{i}]"), errs);
            }
        }
        let n = a.len() as u64;
        if obj
            .get("minItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| n < m)
        {
            errs.push(format!("{path}: {n} items, fewer than minItems"));
        }
        if obj
            .get("maxItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| n > m)
        {
            errs.push(format!("{path}: {n} items, more than maxItems"));
        }
    }
}

fn errors(schema: &Value, doc: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    validate(schema, doc, &schema["$defs"], "$", &mut errs);
    errs
}

#[test]
fn the_committed_schema_is_the_schema_of_the_record_types() {
    let want = serde_json::to_string_pretty(&sdsl::report::schema::report_schema()).unwrap() + "\n";
    let have = std::fs::read_to_string(root().join("reports/report.schema.json")).unwrap();
    assert!(
        have == want,
        "reports/report.schema.json is stale: run `just refit` and commit"
    );
}

#[test]
fn the_committed_report_and_the_pipeline_snapshot_validate() {
    let schema = read("reports/report.schema.json");
    for doc in [
        "reports/report.json",
        "tests/snapshots/pipeline_report.json",
    ] {
        let e = errors(&schema, &read(doc));
        assert!(e.is_empty(), "{doc}:\n{}", e.join("\n"));
    }
}

#[test]
fn the_validator_rejects_broken_reports() {
    let schema = read("reports/report.schema.json");
    let good = read("reports/report.json");
    let mut cases: Vec<(&str, Value)> = Vec::new();
    let mut v = good.clone();
    v.as_object_mut().unwrap().remove("seed");
    cases.push(("missing seed", v));
    let mut v = good.clone();
    v["seed"] = Value::String("x".into());
    cases.push(("seed as text", v));
    let mut v = good.clone();
    v["nstar"]["cells"][0]["target"] = Value::from(3);
    cases.push(("target as a number", v));
    let mut v = good.clone();
    v["loss"]["params"]["E"] = Value::String("1.8".into());
    cases.push(("E as text", v));
    for (what, doc) in cases {
        assert!(!errors(&schema, &doc).is_empty(), "{what} passed");
    }
}
