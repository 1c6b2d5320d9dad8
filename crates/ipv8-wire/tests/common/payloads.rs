//! Derived payloads shared by the format tests: the Rust side of `tests/vectors/formats.json`'s
//! `payloads` and `dataclass_payloads` (see `tools/gen_format_vectors.py`).

use std::net::{SocketAddr, SocketAddrV4};

use ipv8_wire::{Address, Payload};

/// py-ipv8 `Inner`: `format_list = ["H", "varlenH"]`.
#[derive(Payload, Debug, Clone, PartialEq, Eq)]
pub struct Inner {
    #[payload(format = "H")]
    pub number: u16,
    #[payload(format = "varlenH")]
    pub data: Vec<u8>,
}

/// py-ipv8 `Mixed`: every single-value format, some by default type, some explicit.
#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 200, unsigned, name = "Mixed")]
pub struct Mixed {
    pub flag: bool,
    pub byte: u8,
    #[payload(format = "c")]
    pub tag: u8,
    pub port: u16,
    pub count: u32,
    pub delta: i32,
    pub big: i64,
    pub time: u64,
    pub ratio: f32,
    pub precise: f64,
    pub mid: [u8; 20],
    #[payload(format = "32s")]
    pub key: [u8; 32],
    pub sig: [u8; 64],
    #[payload(format = "74s")]
    pub pk: [u8; 74],
    #[payload(format = "bits")]
    pub bits: [bool; 8],
    pub lan: SocketAddrV4,
    #[payload(format = "ip_address")]
    pub wan: SocketAddr,
    pub tracker: Address,
    pub blob: Vec<u8>,
    pub text: String,
    #[payload(format = "varlenI")]
    pub long_blob: Vec<u8>,
    #[payload(format = "varlenIutf8")]
    pub long_text: String,
    #[payload(format = "varlenBx2")]
    pub pairs: Vec<[u8; 2]>,
    #[payload(format = "varlenHx20")]
    pub ids: Vec<[u8; 20]>,
    pub items: Vec<Vec<u8>>,
    #[payload(format = "arrayH-?")]
    pub votes: Vec<bool>,
    pub scores: Vec<i64>,
    pub weights: Vec<f64>,
    #[payload(format = "payload")]
    pub inner: Inner,
    pub inners: Vec<Inner>,
    #[payload(format = "raw")]
    pub rest: Vec<u8>,
}

/// py-ipv8 `DataClassInner(DataClassPayload)`: `flag: bool`, `n: int`.
#[derive(Payload, Debug, Clone, PartialEq)]
pub struct DataClassInner {
    pub flag: bool,
    pub n: i64,
}

/// py-ipv8 `DataClassAll(DataClassPayload[42])`: the default type mapping, no explicit format.
#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 42, signed)]
pub struct DataClassAll {
    pub b: bool,
    pub i: i64,
    pub x: f64,
    pub data: Vec<u8>,
    pub text: String,
    pub bools: Vec<bool>,
    pub ints: Vec<i64>,
    pub floats: Vec<f64>,
    pub inner: DataClassInner,
    pub inners: Vec<DataClassInner>,
}
