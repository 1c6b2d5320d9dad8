//! [`Field`]: the default py-ipv8 format of a Rust type, used by `#[derive(Payload)]` for
//! fields without `#[payload(format = "..")]`.
//!
//! Mirrors py-ipv8 3.2.1's `DataClassPayload` type mapping (upstream
//! `ipv8/messaging/payload_dataclass.py`: `bool` → `?`, `int` → `q`, `float` → `d`, `bytes` →
//! `varlenH`, `str` → `varlenHutf8`, `list[bool|int|float]` → `arrayH-?|q|d`, a payload →
//! `payload`, `list[Payload]` → `payload-list`), extended to the Rust types whose width picks
//! a format (see the table in [`crate::format`](mod@crate::format)). Custom types (flag bytes, ...) implement
//! [`Field`] themselves.

use std::net::{SocketAddr, SocketAddrV4};

use crate::address::Address;
use crate::format::{self, Format};
use crate::header::CommunityId;
use crate::payload::Payload;

/// A type with a default py-ipv8 format.
///
/// ```
/// use ipv8_wire::format::{Bits, FlagByte};
/// use ipv8_wire::{Field, Payload};
///
/// /// A flag byte with one named bit.
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// struct Flags { urgent: bool }
///
/// impl FlagByte for Flags {
///     fn from_byte(byte: u8) -> Self { Self { urgent: byte & 0x80 != 0 } }
///     fn to_byte(&self) -> u8 { if self.urgent { 0x80 } else { 0 } }
/// }
/// impl Field for Flags {
///     type Format = Bits;
/// }
///
/// #[derive(Payload, Debug, PartialEq)]
/// struct Alert { flags: Flags, text: String }
///
/// let alert = Alert { flags: Flags { urgent: true }, text: "hi".into() };
/// assert_eq!(alert.to_bytes(), b"\x80\x00\x02hi");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no default py-ipv8 format",
    label = "no default format",
    note = "give the field `#[payload(format = \"..\")]` or `#[payload(with = ..)]`, or implement `ipv8_wire::Field` for the type"
)]
pub trait Field: Sized {
    /// The format of a field of this type without an explicit format.
    type Format: Format<Self>;
}

/// `impl Field for T { type Format = F; }` for each `T => F`.
macro_rules! defaults {
    ($($ty:ty => $format:ty),+ $(,)?) => {
        $(impl Field for $ty {
            type Format = $format;
        })+
    };
}

defaults! {
    bool => format::Bool,
    u8 => format::U8,
    u16 => format::U16,
    u32 => format::U32,
    u64 => format::U64,
    i32 => format::I32,
    i64 => format::I64,
    f32 => format::F32,
    f64 => format::F64,
    Vec<u8> => format::VarlenH,
    String => format::VarlenHUtf8,
    [bool; 8] => format::Bits,
    SocketAddrV4 => format::Ipv4,
    SocketAddr => format::IpAddress,
    Address => format::Address,
    Vec<bool> => format::ArrayHBool,
    Vec<i64> => format::ArrayHI64,
    Vec<f64> => format::ArrayHF64,
    Vec<Vec<u8>> => format::VarlenHList,
    CommunityId => format::Bytes<20>,
}

impl<const N: usize> Field for [u8; N] {
    type Format = format::Bytes<N>;
}

impl<P: Payload> Field for P {
    type Format = format::NestedPayload;
}

impl<P: Payload> Field for Vec<P> {
    type Format = format::PayloadList;
}
