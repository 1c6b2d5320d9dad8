//! py-ipv8's serializer formats as types: one marker type per format name, each implementing
//! [`Format<T>`] for the Rust value types it can carry.
//!
//! Ports the packers that py-ipv8 3.2.1's `Serializer` registers by default (upstream
//! `ipv8/messaging/serialization.py`, docs/spec/PROTOCOL.md §2). `#[derive(Payload)]` turns
//! `#[payload(format = "H")]` into [`U16`], a field without a format into the type's default
//! [`Field::Format`](crate::Field::Format), and `#[payload(with = T)]` into `T`. Encoding is
//! infallible (an over-long length-prefixed value is a programming error and panics, as
//! py-ipv8's `struct.error`); decoding is total and names the field and its absolute offset.
//!
//! | py-ipv8 format | marker | Rust value types | default for |
//! | --- | --- | --- | --- |
//! | `?` | [`Bool`] | `bool` | `bool` (py `bool`) |
//! | `B` | [`U8`] | `u8` | `u8` |
//! | `c` | [`Char`] | `u8` | — |
//! | `H` | [`U16`] | `u16` | `u16` |
//! | `I` | [`U32`] | `u32` | `u32` |
//! | `l` | [`I32`] | `i32` | `i32` |
//! | `q` | [`I64`] | `i64` | `i64` (py `int`) |
//! | `Q` | [`U64`] | `u64` | `u64` |
//! | `f` | [`F32`] | `f32` | `f32` |
//! | `d` | [`F64`] | `f64` | `f64` (py `float`) |
//! | `Ns` (`20s`, `32s`, `64s`, `74s`, ...) | [`Bytes<N>`](Bytes) | `[u8; N]`; `CommunityId` for `20s` | `[u8; N]`, `CommunityId` |
//! | `bits` | [`Bits`] | any [`FlagByte`]: `[bool; 8]`, `u8`, the flag structs | `[bool; 8]`, flag structs |
//! | `ipv4` | [`Ipv4`] | `SocketAddrV4` | `SocketAddrV4` |
//! | `ip_address` | [`IpAddress`] | `SocketAddr` | `SocketAddr` |
//! | `address` | [`Address`] | [`crate::Address`] | [`crate::Address`] |
//! | `raw` (rest of the packet; last field only) | [`Raw`] | `Vec<u8>` | — |
//! | `varlenH`, `doublevarlenH` | [`VarlenH`] | `Vec<u8>` | `Vec<u8>` (py `bytes`) |
//! | `varlenHutf8` | [`VarlenHUtf8`] | `String` | `String` (py `str`) |
//! | `varlenI` | [`VarlenI`] | `Vec<u8>` | — |
//! | `varlenIutf8` | [`VarlenIUtf8`] | `String` | — |
//! | `varlenBx2` | [`VarlenBx2`] | `Vec<[u8; 2]>` | — |
//! | `varlenHx20` | [`VarlenHx20`] | `Vec<[u8; 20]>`, `Vec<CommunityId>` | — |
//! | `varlenH-list` | [`VarlenHList`] | `Vec<Vec<u8>>` | `Vec<Vec<u8>>` |
//! | `arrayH-?` | [`ArrayHBool`] | `Vec<bool>` | `Vec<bool>` (py `list[bool]`) |
//! | `arrayH-q` | [`ArrayHI64`] | `Vec<i64>` | `Vec<i64>` (py `list[int]`) |
//! | `arrayH-d` | [`ArrayHF64`] | `Vec<f64>` | `Vec<f64>` (py `list[float]`) |
//! | `payload` | [`NestedPayload`] | any [`Payload`] | any [`Payload`] |
//! | `payload-list` | [`PayloadList`] | `Vec<P: Payload>` | `Vec<P: Payload>` (py `list[Payload]`) |
//!
//! py-ipv8's multi-value `struct` formats (`c20s`, `4SH`, `HH`, ...) are one field per value.
//! [`Flatten`] (`#[payload(flatten)]`) inlines another payload's fields, like a py-ipv8
//! subclass extending its parent's `format_list`.
//!
//! ```
//! use ipv8_wire::format::{Format, VarlenHx20};
//! use ipv8_wire::{Reader, Writer};
//!
//! let mut w = Writer::new();
//! VarlenHx20::write(&vec![[7u8; 20]], &mut w);
//! assert_eq!(w.len(), 22);
//! let ids: Vec<[u8; 20]> = VarlenHx20::read(&mut Reader::new(w.as_bytes()), "preference_list")?;
//! assert_eq!(ids, [[7; 20]]);
//! # Ok::<(), ipv8_wire::DecodeError>(())
//! ```

use std::net::{SocketAddr, SocketAddrV4};

use crate::address::Address as AddressValue;
use crate::error::DecodeError;
use crate::header::CommunityId;
use crate::payload::Payload;
use crate::reader::Reader;
use crate::writer::Writer;

/// A wire format that can carry values of type `T`.
#[diagnostic::on_unimplemented(
    message = "format `{Self}` cannot carry a `{T}`",
    note = "see the table of `ipv8_wire::format` for the value types of each format"
)]
pub trait Format<T> {
    /// Appends `value`.
    fn write(value: &T, w: &mut Writer);

    /// Reads a value of field `field`; errors name `field` and the absolute offset.
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<T, DecodeError>;
}

/// A value stored in one flag byte (the `bits` format): py-ipv8 packs eight booleans, index 0
/// in bit 7 (`0x80`).
pub trait FlagByte: Sized {
    /// Splits a flag byte.
    fn from_byte(byte: u8) -> Self;
    /// Joins the flag byte.
    fn to_byte(&self) -> u8;
}

impl FlagByte for u8 {
    #[inline]
    fn from_byte(byte: u8) -> Self {
        byte
    }
    #[inline]
    fn to_byte(&self) -> u8 {
        *self
    }
}

impl FlagByte for [bool; 8] {
    #[inline]
    fn from_byte(byte: u8) -> Self {
        std::array::from_fn(|i| byte & (0x80 >> i) != 0)
    }
    #[inline]
    fn to_byte(&self) -> u8 {
        self.iter()
            .enumerate()
            .fold(0, |acc, (i, &on)| if on { acc | (0x80 >> i) } else { acc })
    }
}

/// Declares a marker type and its `Format` impls, each from a write and a read expression.
macro_rules! marker {
    ($marker:ident, $name:literal,
     $($ty:ty: |$v:ident, $w:ident| $write:expr, |$r:ident, $f:ident| $read:expr);+ $(;)?) => {
        #[doc = concat!("py-ipv8 format `", $name, "`.")]
        #[derive(Debug)]
        pub enum $marker {}

        $(impl Format<$ty> for $marker {
            #[inline]
            fn write($v: &$ty, $w: &mut Writer) {
                $write;
            }
            #[inline]
            fn read($r: &mut Reader<'_>, $f: &'static str) -> Result<$ty, DecodeError> {
                $read
            }
        })+
    };
}

marker!(Bool, "?", bool: |v, w| w.bool(*v), |r, f| r.bool(f));
marker!(U8, "B", u8: |v, w| w.u8(*v), |r, f| r.u8(f));
marker!(Char, "c", u8: |v, w| w.u8(*v), |r, f| r.u8(f));
marker!(U16, "H", u16: |v, w| w.u16(*v), |r, f| r.u16(f));
marker!(U32, "I", u32: |v, w| w.u32(*v), |r, f| r.u32(f));
marker!(I32, "l", i32: |v, w| w.i32(*v), |r, f| r.i32(f));
marker!(I64, "q", i64: |v, w| w.i64(*v), |r, f| r.i64(f));
marker!(U64, "Q", u64: |v, w| w.u64(*v), |r, f| r.u64(f));
marker!(F32, "f", f32: |v, w| w.f32(*v), |r, f| r.f32(f));
marker!(F64, "d", f64: |v, w| w.f64(*v), |r, f| r.f64(f));
marker!(Ipv4, "ipv4", SocketAddrV4: |v, w| w.ipv4(*v), |r, f| r.ipv4(f));
marker!(IpAddress, "ip_address", SocketAddr: |v, w| w.ip_address(*v), |r, f| r.ip_address(f));
marker!(Address, "address", AddressValue: |v, w| w.address(v), |r, f| r.address(f));
marker!(Raw, "raw` (every remaining byte; only as the last field",
    Vec<u8>: |v, w| w.bytes(v), |r, _f| Ok(r.rest().to_vec()));
marker!(VarlenH, "varlenH` (also `doublevarlenH",
    Vec<u8>: |v, w| w.varlen_h(v), |r, f| Ok(r.varlen_h(f)?.to_vec()));
marker!(VarlenI, "varlenI", Vec<u8>: |v, w| w.varlen_i(v), |r, f| Ok(r.varlen_i(f)?.to_vec()));
marker!(VarlenHUtf8, "varlenHutf8",
    String: |v, w| w.varlen_h_utf8(v), |r, f| Ok(r.varlen_h_utf8(f)?.to_owned()));
marker!(VarlenIUtf8, "varlenIutf8",
    String: |v, w| w.varlen_i_utf8(v), |r, f| Ok(r.varlen_i_utf8(f)?.to_owned()));
marker!(VarlenBx2, "varlenBx2",
    Vec<[u8; 2]>: |v, w| w.varlen_bx2(v), |r, f| Ok(r.varlen_bx2(f)?.to_vec()));
marker!(VarlenHx20, "varlenHx20",
    Vec<[u8; 20]>: |v, w| w.varlen_hx20(v), |r, f| Ok(r.varlen_hx20(f)?.to_vec());
    Vec<CommunityId>: |v, w| w.varlen_hx20(&v.iter().map(|id| id.0).collect::<Vec<_>>()),
        |r, f| Ok(r.varlen_hx20(f)?.iter().map(|id| CommunityId(*id)).collect()));
marker!(VarlenHList, "varlenH-list", Vec<Vec<u8>>: |v, w| w.varlen_h_list(v),
    |r, f| Ok(r.varlen_h_list(f)?.into_iter().map(<[u8]>::to_vec).collect()));
marker!(ArrayHBool, "arrayH-?", Vec<bool>: |v, w| w.array_h_bool(v), |r, f| r.array_h_bool(f));
marker!(ArrayHI64, "arrayH-q", Vec<i64>: |v, w| w.array_h_i64(v), |r, f| r.array_h_i64(f));
marker!(ArrayHF64, "arrayH-d", Vec<f64>: |v, w| w.array_h_f64(v), |r, f| r.array_h_f64(f));

/// py-ipv8 format `Ns` (`20s`, `32s`, `64s`, `74s`, ...): exactly `N` bytes.
///
/// py-ipv8's default serializer registers `20s`, `32s`, `64s` and `74s`; other lengths need a
/// packer registered on the Python side.
#[derive(Debug)]
pub enum Bytes<const N: usize> {}

impl<const N: usize> Format<[u8; N]> for Bytes<N> {
    fn write(value: &[u8; N], w: &mut Writer) {
        w.bytes(value);
    }
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<[u8; N], DecodeError> {
        r.array(field)
    }
}

impl Format<CommunityId> for Bytes<20> {
    #[inline]
    fn write(value: &CommunityId, w: &mut Writer) {
        w.bytes(value.as_bytes());
    }
    #[inline]
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<CommunityId, DecodeError> {
        r.array(field).map(CommunityId)
    }
}

/// py-ipv8 format `bits`: eight booleans in one byte, for any [`FlagByte`] value.
#[derive(Debug)]
pub enum Bits {}

impl<T: FlagByte> Format<T> for Bits {
    #[inline]
    fn write(value: &T, w: &mut Writer) {
        w.u8(value.to_byte());
    }
    #[inline]
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<T, DecodeError> {
        r.u8(field).map(T::from_byte)
    }
}

/// py-ipv8 format `payload`: `u16` length, then the nested payload, which must use exactly
/// those bytes.
#[derive(Debug)]
pub enum NestedPayload {}

impl<P: Payload> Format<P> for NestedPayload {
    #[inline]
    fn write(value: &P, w: &mut Writer) {
        w.payload(value);
    }
    #[inline]
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<P, DecodeError> {
        r.payload(field)
    }
}

/// py-ipv8 format `payload-list`: `u8` count, then each item as a nested `payload`.
#[derive(Debug)]
pub enum PayloadList {}

impl<P: Payload> Format<Vec<P>> for PayloadList {
    #[inline]
    fn write(value: &Vec<P>, w: &mut Writer) {
        w.payload_list(value);
    }
    #[inline]
    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Vec<P>, DecodeError> {
        r.payload_list(field)
    }
}

/// Not a py-ipv8 format: the fields of another payload inline, without a length prefix —
/// what a py-ipv8 payload subclass does when it extends its parent's `format_list`
/// (`#[payload(flatten)]`).
#[derive(Debug)]
pub enum Flatten {}

impl<P: Payload> Format<P> for Flatten {
    #[inline]
    fn write(value: &P, w: &mut Writer) {
        value.encode(w);
    }
    #[inline]
    fn read(r: &mut Reader<'_>, _field: &'static str) -> Result<P, DecodeError> {
        P::decode(r)
    }
}
