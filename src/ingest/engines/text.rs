//! Helpers shared by the text readers: clean lines (ANSI colour codes and
//! carriage returns removed), `Label:   value` fields, Python `repr` of an
//! `argparse.Namespace` or a dict (how vLLM and SGLang print their
//! arguments), and numbers with errors that name the file and line.

use crate::error::{SdslError, clip};

/// The lines of a text, numbered from 1, without ANSI escape sequences
/// (`ESC [ … letter`) or a trailing `\r` (CRLF files).
pub fn clean_lines(text: &str) -> Vec<(usize, String)> {
    text.split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, strip_ansi(l.strip_suffix('\r').unwrap_or(l))))
        .collect()
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                // parameters and intermediates, then one final byte @..~
                for d in chars.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// The value after `label` when the (left-trimmed) line starts with it.
pub fn field<'a>(line: &'a str, label: &str) -> Option<&'a str> {
    line.trim_start().strip_prefix(label).map(str::trim)
}

/// A data error naming the file and line.
pub fn at(source: &str, line: usize, message: impl std::fmt::Display) -> SdslError {
    SdslError::Data {
        path: source.to_string(),
        message: format!("line {line}: {message}"),
    }
}

/// A finite number ≥ 0 printed after `label` on `line`.
pub fn number(source: &str, line: usize, label: &str, value: &str) -> Result<f64, SdslError> {
    let v = value.trim().trim_end_matches('%');
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(at(
            source,
            line,
            format!(
                "'{label}' is followed by '{}', not a number ≥ 0 (a damaged or hand-edited line? restore the engine's output)",
                clip(value.trim())
            ),
        )),
    }
}

/// A percentage printed after `label`, as a fraction: the printed digits
/// shifted two places (49.44 → 0.4944 exactly as that decimal's nearest
/// double, not 49.44 / 100 with its extra rounding).
pub fn percent(source: &str, line: usize, label: &str, value: &str) -> Result<f64, SdslError> {
    let x = number(source, line, label, value)?;
    let v = value.trim().trim_end_matches('%');
    let decimals = v.split_once('.').map_or(0, |(_, d)| d.len()).min(15) as i32;
    let scaled = (x * 10f64.powi(decimals)).round() / 10f64.powi(decimals + 2);
    if scaled.is_finite() && scaled <= 1.0 {
        Ok(scaled)
    } else {
        Err(at(
            source,
            line,
            format!(
                "'{label}' is followed by '{}', not a percentage in [0, 100]",
                clip(value.trim())
            ),
        ))
    }
}

/// A whole number ≥ 0 printed after `label` on `line`.
pub fn count(source: &str, line: usize, label: &str, value: &str) -> Result<u64, SdslError> {
    value.trim().parse::<u64>().map_err(|_| {
        at(
            source,
            line,
            format!(
                "'{label}' is followed by '{}', not a whole number (a damaged or hand-edited line? restore the engine's output)",
                clip(value.trim())
            ),
        )
    })
}

/// The text of a Python value that starts `s`: up to the first `,` or a
/// closing bracket at nesting depth 0, outside quotes.
fn py_value(s: &str) -> &str {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') if depth == 0 => return s[..i].trim(),
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => return s[..i].trim(),
            _ => {}
        }
    }
    s.trim()
}

/// A Python literal as text: quotes removed from a string; None for `None`.
pub fn unquote(v: &str) -> Option<String> {
    let v = v.trim();
    if v == "None" || v.is_empty() {
        return None;
    }
    let q = v.chars().next()?;
    if (q == '\'' || q == '"') && v.len() >= 2 && v.ends_with(q) {
        return Some(v[1..v.len() - 1].to_string()).filter(|s| !s.trim().is_empty());
    }
    Some(v.to_string())
}

/// `key=value` of a printed `Namespace(...)` (top level only).
pub fn namespace_arg(line: &str, key: &str) -> Option<String> {
    let inner = line.trim().strip_prefix("Namespace(")?;
    let mut rest = inner;
    loop {
        let value = rest.strip_prefix(key).and_then(|r| r.strip_prefix('='));
        let v = py_value(value.unwrap_or(rest));
        if value.is_some() {
            return unquote(v);
        }
        // skip this argument: `name=value, `
        let eq = rest.find('=')?;
        let after = &rest[eq + 1..];
        let skip = py_value(after).len();
        let tail = after[skip..].trim_start();
        rest = tail.strip_prefix(',')?.trim_start();
    }
}

/// The top-level `'key': value` entries of a printed Python (or JSON) dict.
pub fn dict_entries(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(mut rest) = s.trim().strip_prefix('{') else {
        return out;
    };
    loop {
        rest = rest.trim_start();
        let Some(q) = rest.chars().next().filter(|c| *c == '\'' || *c == '"') else {
            return out;
        };
        let Some(end) = rest[1..].find(q) else {
            return out;
        };
        let key = rest[1..1 + end].to_string();
        let after = rest[end + 2..].trim_start();
        let Some(after) = after.strip_prefix(':') else {
            return out;
        };
        let after = after.trim_start();
        let v = py_value(after);
        out.push((key, v.to_string()));
        let tail = after[v.len()..].trim_start();
        match tail.strip_prefix(',') {
            Some(t) => rest = t,
            None => return out,
        }
    }
}

/// The value of `key` among [`dict_entries`].
pub fn dict_get(s: &str, key: &str) -> Option<String> {
    dict_entries(s)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_codes_and_carriage_returns_go() {
        let l = clean_lines("\u{1b}[0;36m(APIServer pid=1)\u{1b}[0;0m INFO x\r\nb");
        assert_eq!(
            l,
            vec![
                (1, "(APIServer pid=1) INFO x".to_string()),
                (2, "b".to_string())
            ]
        );
    }

    #[test]
    fn namespace_and_dict_values_are_found_at_top_level() {
        let ns = "Namespace(a=1, cfg={(1, 2): 0.5, 'model': 'x'}, model='Qwen/Qwen3-32B', t=None, temperature=0.0)";
        assert_eq!(
            namespace_arg(ns, "model").as_deref(),
            Some("Qwen/Qwen3-32B")
        );
        assert_eq!(namespace_arg(ns, "temperature").as_deref(), Some("0.0"));
        assert_eq!(namespace_arg(ns, "t"), None);
        assert_eq!(namespace_arg(ns, "missing"), None);
        let d = "{'model': 'T', 'speculative_config': {'method': 'draft_model', 'model': 'D', 'num_speculative_tokens': 4}, 'x': ProfilerConfig(a=1, b='c')}";
        assert_eq!(dict_get(d, "model").as_deref(), Some("'T'"));
        let spec = dict_get(d, "speculative_config").unwrap();
        assert_eq!(dict_get(&spec, "model").as_deref(), Some("'D'"));
        assert_eq!(
            dict_get(&spec, "num_speculative_tokens").as_deref(),
            Some("4")
        );
        assert_eq!(
            dict_get(d, "x").as_deref(),
            Some("ProfilerConfig(a=1, b='c')")
        );
    }
}
