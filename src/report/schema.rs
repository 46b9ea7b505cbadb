//! The JSON Schema of `report.json`, generated from the record types
//! (schemars, draft 2020-12) and written by `sdsl refit` as
//! `reports/report.schema.json`; `tests/it/schema.rs` validates the committed
//! report against it. Non-finite numbers are written as `null` (strict
//! JSON), so every `number` in the schema also admits `null`.

use super::model::Report;
use serde_json::Value;

/// The schema of [`Report`] as JSON.
pub fn report_schema() -> Value {
    let schema = schemars::schema_for!(Report);
    let mut v = serde_json::to_value(&schema).unwrap_or(Value::Null);
    allow_null_numbers(&mut v);
    v
}

/// Adds `"null"` to every `"type"` that admits `"number"`.
fn allow_null_numbers(v: &mut Value) {
    match v {
        Value::Object(map) => {
            match map.get_mut("type") {
                Some(t @ Value::String(_)) if t == "number" => {
                    *t = Value::Array(vec!["number".into(), "null".into()]);
                }
                Some(Value::Array(types))
                    if types.iter().any(|t| t == "number")
                        && !types.iter().any(|t| t == "null") =>
                {
                    types.push("null".into());
                }
                _ => {}
            }
            for (_, x) in map.iter_mut() {
                allow_null_numbers(x);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(allow_null_numbers),
        _ => {}
    }
}
