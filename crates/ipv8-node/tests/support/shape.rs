//! Comparing the *shape* of two JSON documents (key sets and value kinds, recursively), for
//! checking our REST bodies against recorded py-ipv8 ones where values (keys, ports, times)
//! always differ.
//!
//! Rules: numbers match numbers (py-ipv8 prints `0` for a float field that was never set);
//! objects must have the same key set, except objects keyed by data — every key a base64 mid
//! or a hex id — whose values are each compared with the reference's first value; every element
//! of an array is compared with the reference's first element (empty arrays on either side
//! compare nothing).

use serde_json::Value;

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether `key` is data rather than a field name: base64 of 20 bytes, or 40 hex digits.
fn is_data_key(key: &str) -> bool {
    let b64 = key.len() == 28
        && key.ends_with('=')
        && key[..27]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
    let hex = key.len() == 40 && key.bytes().all(|b| b.is_ascii_hexdigit());
    b64 || hex
}

/// Every difference in shape between `ours` and the reference `theirs`, one line each, with the
/// JSON path (`$.overlays[].peers[].port`).
pub fn diff(ours: &Value, theirs: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk("$", ours, theirs, &mut out);
    out
}

fn walk(path: &str, ours: &Value, theirs: &Value, out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let keyed_by_data = !b.is_empty() && b.keys().all(|k| is_data_key(k));
            if keyed_by_data {
                let reference = b.values().next().expect("non-empty");
                for (key, value) in a {
                    if !is_data_key(key) {
                        out.push(format!(
                            "{path}: key {key:?} is not a mid/id like py-ipv8's"
                        ));
                    }
                    walk(&format!("{path}.<id>"), value, reference, out);
                }
                return;
            }
            for key in b.keys().filter(|k| !a.contains_key(*k)) {
                out.push(format!("{path}: missing key {key:?} (py-ipv8 has it)"));
            }
            for key in a.keys().filter(|k| !b.contains_key(*k)) {
                out.push(format!("{path}: extra key {key:?} (py-ipv8 lacks it)"));
            }
            for (key, value) in a {
                if let Some(reference) = b.get(key) {
                    walk(&format!("{path}.{key}"), value, reference, out);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let Some(reference) = b.first() {
                for value in a {
                    walk(&format!("{path}[]"), value, reference, out);
                }
            }
        }
        _ if kind(ours) != kind(theirs) => {
            out.push(format!(
                "{path}: {} here, {} in py-ipv8 ({ours} vs {theirs})",
                kind(ours),
                kind(theirs)
            ));
        }
        _ => {}
    }
}
