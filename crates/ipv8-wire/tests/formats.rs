//! Golden vectors for every py-ipv8 format (`tests/vectors/formats.json`, packed by pyipv8
//! 3.2.1, see `tools/gen_format_vectors.py`): each is decoded with a `#[derive(Payload)]`
//! struct, compared with the value py-ipv8 packed, re-encoded to the exact bytes, and cut at
//! every length to check that decoding fails with an error naming the field.

mod common;

use std::fmt::Debug;
use std::net::{SocketAddr, SocketAddrV4};

use common::payloads::{DataClassAll, DataClassInner, Inner, Mixed};
use common::{arr_of, format_vectors, str_of, unhex};
use ipv8_wire::{Address, DecodeErrorKind, MessagePayload, Payload, decode_exact};
use serde_json::{Value, json};

/// Builds a value from its JSON form in the vectors.
trait FromJson: Sized {
    fn from_json(v: &Value) -> Self;
}

macro_rules! json_ints {
    ($($ty:ty),+) => {
        $(impl FromJson for $ty {
            fn from_json(v: &Value) -> Self {
                let n = v.as_i64().map(i128::from).or_else(|| v.as_u64().map(i128::from));
                let n = n.unwrap_or_else(|| panic!("not an integer: {v}"));
                <$ty>::try_from(n).unwrap_or_else(|_| panic!("{n} out of range"))
            }
        })+
    };
}
json_ints!(u8, u16, u32, u64, i32, i64);

impl FromJson for bool {
    fn from_json(v: &Value) -> Self {
        v.as_bool()
            .or_else(|| v.as_u64().map(|n| n != 0))
            .unwrap_or_else(|| panic!("not a bool: {v}"))
    }
}

impl FromJson for f64 {
    fn from_json(v: &Value) -> Self {
        v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
    }
}

impl FromJson for f32 {
    #[allow(clippy::cast_possible_truncation)] // The vectors hold values exact in f32.
    fn from_json(v: &Value) -> Self {
        f64::from_json(v) as Self
    }
}

impl FromJson for String {
    fn from_json(v: &Value) -> Self {
        v.as_str()
            .unwrap_or_else(|| panic!("not a string: {v}"))
            .to_owned()
    }
}

impl<const N: usize> FromJson for [u8; N] {
    fn from_json(v: &Value) -> Self {
        let bytes = Vec::<u8>::from_json(v);
        bytes
            .try_into()
            .unwrap_or_else(|_| panic!("not {N} bytes: {v}"))
    }
}

impl FromJson for [bool; 8] {
    fn from_json(v: &Value) -> Self {
        let bits: Vec<bool> = FromJson::from_json(v);
        bits.try_into()
            .unwrap_or_else(|_| panic!("not 8 bits: {v}"))
    }
}

/// A JSON list, or (for byte-like elements) a hex string.
impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: &Value) -> Self {
        match v {
            Value::String(s) => unhex(s)
                .into_iter()
                .map(|b| T::from_json(&json!(b)))
                .collect(),
            Value::Array(items) => items.iter().map(T::from_json).collect(),
            _ => panic!("not a list: {v}"),
        }
    }
}

impl FromJson for SocketAddr {
    fn from_json(v: &Value) -> Self {
        let s = v.as_str().unwrap_or_else(|| panic!("not an address: {v}"));
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }
}

impl FromJson for SocketAddrV4 {
    fn from_json(v: &Value) -> Self {
        match SocketAddr::from_json(v) {
            SocketAddr::V4(a) => a,
            SocketAddr::V6(a) => panic!("not IPv4: {a}"),
        }
    }
}

impl FromJson for Address {
    fn from_json(v: &Value) -> Self {
        let s = v.as_str().unwrap_or_else(|| panic!("not an address: {v}"));
        if let Ok(ip) = s.parse() {
            return Self::Ip(ip);
        }
        let (host, port) = s.rsplit_once(':').expect("host:port");
        Self::Host {
            host: host.to_owned(),
            port: port.parse().expect("port"),
        }
    }
}

/// `impl FromJson` for a one-field struct whose JSON is the bare value.
macro_rules! json_value {
    ($($ty:ident),+) => {
        $(impl FromJson for $ty {
            fn from_json(v: &Value) -> Self {
                Self { value: FromJson::from_json(v) }
            }
        })+
    };
}

/// `impl FromJson` for a struct, field by field.
macro_rules! json_struct {
    ($ty:ident { $($field:ident),+ $(,)? }) => {
        impl FromJson for $ty {
            fn from_json(v: &Value) -> Self {
                Self { $($field: FromJson::from_json(&v[stringify!($field)])),+ }
            }
        }
    };
}
json_struct!(Inner { number, data });
json_struct!(DataClassInner { flag, n });
json_struct!(DataClassAll {
    b,
    i,
    x,
    data,
    text,
    bools,
    ints,
    floats,
    inner,
    inners
});
json_struct!(Mixed {
    flag,
    byte,
    tag,
    port,
    count,
    delta,
    big,
    time,
    ratio,
    precise,
    mid,
    key,
    sig,
    pk,
    bits,
    lan,
    wan,
    tracker,
    blob,
    text,
    long_blob,
    long_text,
    pairs,
    ids,
    items,
    votes,
    scores,
    weights,
    inner,
    inners,
    rest,
});

/// Offset at which the vectors' payloads are pretended to start in their datagram, so that error
/// offsets are checked as absolute.
const BASE: usize = 100;

/// Decodes, compares and re-encodes every case of one format with payload `P`, and checks that
/// every cut fails naming the field `value` (a `raw` field accepts any cut).
fn check_cases<P: Payload + FromJson + PartialEq + Debug>(format: &str, cases: &[Value]) -> usize {
    let raw = format == "raw";
    for case in cases {
        let bytes = unhex(str_of(case, "hex"));
        let expected = P::from_json(&case["value"]);
        let got = decode_exact::<P>(&bytes, BASE)
            .unwrap_or_else(|e| panic!("{format} {}: {e}", case["value"]));
        assert_eq!(got, expected, "{format}: decoded value");
        assert_eq!(got.to_bytes(), bytes, "{format}: re-encoding");
        for len in 0..bytes.len() {
            match decode_exact::<P>(&bytes[..len], BASE) {
                Err(e) => {
                    assert_eq!(e.field, "value", "{format} cut at {len}: {e}");
                    assert!(
                        (BASE..=BASE + len).contains(&e.offset),
                        "{format} cut at {len}: {e}"
                    );
                    assert!(matches!(e.kind, DecodeErrorKind::Truncated { .. }), "{e}");
                }
                Ok(p) => assert!(raw, "{format} cut at {len} decoded as {p:?}"),
            }
        }
    }
    cases.len()
}

/// For each `"format" => Struct: Type` declares `struct Struct { #[payload(format = "format")]
/// value: Type }`, plus `default Struct2` for a struct with the same field and no format (the
/// type's default must be that format), and `check_format` dispatching on the format name.
macro_rules! single_formats {
    ($($format:tt => $name:ident: $ty:ty $(, default $default:ident)?;)+) => {
        $(
            #[derive(Payload, Debug, PartialEq)]
            struct $name {
                #[payload(format = $format)]
                value: $ty,
            }
            json_value!($name);
            $(
                #[derive(Payload, Debug, PartialEq)]
                struct $default {
                    value: $ty,
                }
                json_value!($default);
            )?
        )+

        /// Checks the cases of one format; panics for a format without a Rust struct.
        fn check_format(format: &str, cases: &[Value]) -> usize {
            match format {
                $($format => {
                    check_cases::<$name>(format, cases)
                        $(+ check_cases::<$default>(format, cases))?
                })+
                other => panic!("no derived struct for py-ipv8 format {other:?}"),
            }
        }
    };
}

single_formats! {
    "?" => FBool: bool, default DBool;
    "B" => FU8: u8, default DU8;
    "c" => FChar: u8;
    "H" => FU16: u16, default DU16;
    "I" => FU32: u32, default DU32;
    "l" => FI32: i32, default DI32;
    "q" => FI64: i64, default DI64;
    "Q" => FU64: u64, default DU64;
    "f" => FF32: f32, default DF32;
    "d" => FF64: f64, default DF64;
    "20s" => F20s: [u8; 20], default D20s;
    "32s" => F32s: [u8; 32], default D32s;
    "64s" => F64s: [u8; 64], default D64s;
    "74s" => F74s: [u8; 74], default D74s;
    "bits" => FBits: [bool; 8], default DBits;
    "ipv4" => FIpv4: SocketAddrV4, default DIpv4;
    "ip_address" => FIpAddress: SocketAddr, default DIpAddress;
    "address" => FAddress: Address, default DAddress;
    "raw" => FRaw: Vec<u8>;
    "varlenH" => FVarlenH: Vec<u8>, default DVarlenH;
    "doublevarlenH" => FDoubleVarlenH: Vec<u8>;
    "varlenHutf8" => FVarlenHUtf8: String, default DVarlenHUtf8;
    "varlenI" => FVarlenI: Vec<u8>;
    "varlenIutf8" => FVarlenIUtf8: String;
    "varlenBx2" => FVarlenBx2: Vec<[u8; 2]>;
    "varlenHx20" => FVarlenHx20: Vec<[u8; 20]>;
    "varlenH-list" => FVarlenHList: Vec<Vec<u8>>, default DVarlenHList;
    "arrayH-?" => FArrayHBool: Vec<bool>, default DArrayHBool;
    "arrayH-q" => FArrayHI64: Vec<i64>, default DArrayHI64;
    "arrayH-d" => FArrayHF64: Vec<f64>, default DArrayHF64;
    "payload" => FPayload: Inner, default DPayload;
    "payload-list" => FPayloadList: Vec<Inner>, default DPayloadList;
}

/// The formats the derive must support, each with at least one golden vector.
const REQUIRED: &[&str] = &[
    "?",
    "B",
    "H",
    "I",
    "l",
    "q",
    "Q",
    "f",
    "d",
    "c",
    "20s",
    "32s",
    "64s",
    "74s",
    "bits",
    "ipv4",
    "ip_address",
    "address",
    "raw",
    "varlenH",
    "varlenHutf8",
    "varlenI",
    "varlenIutf8",
    "varlenBx2",
    "varlenHx20",
    "varlenH-list",
    "arrayH-?",
    "arrayH-q",
    "arrayH-d",
    "payload",
    "payload-list",
];

/// py-ipv8's multi-value `struct` formats: one Rust field per value instead.
const MULTI_VALUE: &[&str] = &[
    "BBH", "BH", "HH", "LL", "QH", "QL", "QQHHBH", "ccB", "4SH", "c20s",
];

#[test]
fn every_format_vector_decodes_and_re_encodes_exactly() {
    let v = format_vectors();
    assert_eq!(str_of(&v["meta"], "pyipv8"), "3.2.1");
    let mut seen = Vec::new();
    let mut cases = 0;
    for entry in arr_of(&v, "formats") {
        let format = str_of(entry, "format");
        let list = arr_of(entry, "cases");
        assert!(!list.is_empty(), "{format}: no cases");
        cases += check_format(format, list);
        seen.push(format);
    }
    for format in REQUIRED {
        assert!(seen.contains(format), "no golden vector for {format}");
    }
    // Every single-value format py-ipv8 registers has a vector.
    for format in arr_of(&v["meta"], "serializer_formats") {
        let format = format.as_str().unwrap();
        assert!(
            seen.contains(&format) || MULTI_VALUE.contains(&format),
            "py-ipv8 format {format} has no vector"
        );
    }
    assert!(cases >= 80, "only {cases} cases");
}

#[test]
fn mixed_payload_matches_py_ipv8_and_cuts_name_the_cut_field() {
    let v = format_vectors();
    let entry = &arr_of(&v, "payloads")[0];
    assert_eq!(str_of(entry, "name"), Mixed::NAME);
    let bytes = unhex(str_of(entry, "hex"));
    let expected = Mixed::from_json(&entry["value"]);
    let got = decode_exact::<Mixed>(&bytes, BASE).unwrap();
    assert_eq!(got, expected);
    assert_eq!(got.to_bytes(), bytes);
    let formats: Vec<&str> = arr_of(entry, "format_list")
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    for format in REQUIRED.iter().filter(|f| !["64s"].contains(f)) {
        assert!(formats.contains(format), "Mixed lacks {format}");
    }

    let layout = arr_of(entry, "layout");
    let mut checked = 0;
    for len in 0..bytes.len() {
        let field = layout
            .iter()
            .find(|f| f["offset"].as_u64().unwrap() + f["size"].as_u64().unwrap() > len as u64)
            .unwrap();
        let name = str_of(field, "field");
        let start = usize::try_from(field["offset"].as_u64().unwrap()).unwrap();
        match decode_exact::<Mixed>(&bytes[..len], BASE) {
            Err(e) => {
                assert_eq!(e.field, name, "cut at {len}: {e}");
                assert!(
                    (BASE + start..=BASE + len).contains(&e.offset),
                    "cut at {len}: {e}"
                );
                checked += 1;
            }
            Ok(_) => assert_eq!(name, "rest", "cut at {len} inside {name} decoded"),
        }
    }
    assert_eq!(
        checked,
        bytes.len() - 8,
        "every cut before the raw tail fails"
    );
}

#[test]
fn dataclass_payloads_match_the_default_type_mapping() {
    let v = format_vectors();
    let list = arr_of(&v, "dataclass_payloads");
    assert!(list.len() >= 2);
    for entry in list {
        assert_eq!(entry["msg_id"], json!(DataClassAll::MSG_ID));
        // py-ipv8's mapping of the Python field types, which the Rust field types mirror.
        let formats: Vec<&str> = arr_of(entry, "format_list")
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        assert_eq!(
            formats,
            [
                "?",
                "q",
                "d",
                "varlenH",
                "varlenHutf8",
                "arrayH-?",
                "arrayH-q",
                "arrayH-d",
                "payload:DataClassInner",
                "payload-list:DataClassInner",
            ]
        );
        let bytes = unhex(str_of(entry, "hex"));
        let got = decode_exact::<DataClassAll>(&bytes, 0).unwrap();
        assert_eq!(got, DataClassAll::from_json(&entry["value"]));
        assert_eq!(got.to_bytes(), bytes);
        for len in 0..bytes.len() {
            let e = decode_exact::<DataClassAll>(&bytes[..len], 0).unwrap_err();
            assert!(e.offset <= len, "{e}");
            assert!(e.to_string().contains(e.field), "{e}");
        }
    }
}

/// The pyipv8 venv's python: `$IPV8_PYTHON`, else the venv `tools/setup-pyipv8.sh` makes.
fn pyipv8_python() -> std::path::PathBuf {
    if let Some(python) = std::env::var_os("IPV8_PYTHON").filter(|v| !v.is_empty()) {
        return python.into();
    }
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/pyipv8-venv/bin/python");
    assert!(
        python.exists(),
        "pyipv8 venv missing: run tools/setup-pyipv8.sh or set IPV8_PYTHON (looked for {})",
        python.display()
    );
    python
}

#[test]
#[ignore = "needs pyipv8 3.2.1 (tools/setup-pyipv8.sh or $IPV8_PYTHON)"]
fn pyipv8_regenerates_the_committed_format_vectors() {
    let out = std::env::temp_dir().join(format!("ipv8-formats-{}.json", std::process::id()));
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tools/gen_format_vectors.py"
    );
    let status = std::process::Command::new(pyipv8_python())
        .arg(script)
        .arg(&out)
        .status()
        .expect("run tools/gen_format_vectors.py");
    assert!(status.success(), "gen_format_vectors.py failed: {status}");
    let fresh: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    std::fs::remove_file(&out).unwrap();
    assert_eq!(
        fresh,
        format_vectors(),
        "tests/vectors/formats.json is stale: rerun tools/gen_format_vectors.py"
    );
}
