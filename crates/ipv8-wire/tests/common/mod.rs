//! Shared helpers for the integration tests: loading the pyipv8 golden vectors, and the derived
//! payloads of the format vectors.

#![allow(dead_code)] // Each test binary uses a different subset.

pub mod payloads;

use serde_json::Value;

/// The parsed `tests/vectors/vectors.json` of the repository.
pub fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/vectors/vectors.json"
    );
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read golden vectors at {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// The parsed `tests/vectors/formats.json` of the repository.
pub fn format_vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/vectors/formats.json"
    );
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read format vectors at {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// Decodes lowercase hex.
pub fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_else(|e| panic!("bad hex {s:?}: {e}"))
}

/// A string member of a JSON object.
pub fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing string {key:?} in {v}"))
}

/// An array member of a JSON object.
pub fn arr_of<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("missing array {key:?} in {v}"))
}

/// A datagram of the vectors with a label and its field layout (empty for flow steps).
pub struct Packet {
    /// Vector name (and flow step).
    pub label: String,
    /// The datagram.
    pub bytes: Vec<u8>,
    /// The `layout` entries of the vector, if it has any.
    pub layout: Vec<Value>,
}

/// Every datagram of `messages`, `flows` and `other_packets` that is a whole UDP datagram.
pub fn all_packets() -> Vec<Packet> {
    let v = vectors();
    let mut out = Vec::new();
    for m in arr_of(&v, "messages") {
        out.push(Packet {
            label: str_of(m, "name").to_owned(),
            bytes: unhex(str_of(m, "packet_hex")),
            layout: arr_of(m, "layout").to_vec(),
        });
    }
    for flow in arr_of(&v, "flows") {
        for (i, step) in arr_of(flow, "steps").iter().enumerate() {
            out.push(Packet {
                label: format!(
                    "{} step {i} {}",
                    str_of(flow, "name"),
                    str_of(step, "message")
                ),
                bytes: unhex(str_of(step, "packet_hex")),
                layout: Vec::new(),
            });
        }
    }
    for p in arr_of(&v, "other_packets") {
        // The snapshot entry is an `address` field, not a datagram.
        if str_of(p, "name") == "udp-broadcast-announce" {
            out.push(Packet {
                label: str_of(p, "name").to_owned(),
                bytes: unhex(str_of(p, "packet_hex")),
                layout: Vec::new(),
            });
        }
    }
    assert_eq!(
        out.len(),
        21 + 12 + 1,
        "vectors: 21 messages, 12 flow steps, 1 beacon"
    );
    out
}
