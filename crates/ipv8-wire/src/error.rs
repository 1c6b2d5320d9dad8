//! Decoding errors: which field failed, at which byte of the datagram, and why.
//!
//! py-ipv8 raises `PackError` / `PacketDecodingError` and drops the packet; here every failure is a
//! value that names the field (the py-ipv8 field name, e.g. `destination_address`) and the
//! absolute byte offset where that field starts, so statistics and the dissector can say exactly
//! what was wrong.

use std::fmt;

/// Why decoding a field failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// The field needs `need` bytes but only `have` remain.
    Truncated {
        /// Bytes the field needs (for length-prefixed fields: prefix plus content).
        need: usize,
        /// Bytes left in the buffer at the start of the field.
        have: usize,
    },
    /// An `ip_address`/`address` type byte other than 1 (IPv4), 3 (IPv6) or, for `address`,
    /// 2 (host name).
    BadAddressType(u8),
    /// A text field is not valid UTF-8.
    BadUtf8,
    /// Bytes left over after the last field of a fixed payload list.
    TrailingBytes(usize),
    /// A message id the decoder does not know (only raised by typed decoding, never by
    /// [`decode_any`](crate::decode_any), which reports unknown ids as a raw payload).
    UnknownMessage(u8),
    /// The public key of a signed envelope has no known signature length (not `LibNaCLPK:`,
    /// not a DER key with a known curve).
    BadKey,
    /// A field whose length must be a multiple of `unit` has `len` bytes.
    BadLength {
        /// Length of the field content in bytes.
        len: usize,
        /// Required unit size in bytes.
        unit: usize,
    },
    /// The datagram is not the expected kind of packet (e.g. a beacon without its magic).
    BadMagic,
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Truncated { need, have } => {
                write!(f, "truncated: need {need} bytes, have {have}")
            }
            Self::BadAddressType(t) => write!(f, "unknown address type 0x{t:02x}"),
            Self::BadUtf8 => f.write_str("invalid UTF-8"),
            Self::TrailingBytes(n) => write!(f, "{n} trailing bytes after the last field"),
            Self::UnknownMessage(id) => write!(f, "unknown message id {id}"),
            Self::BadKey => f.write_str("public key of unknown type (no signature length)"),
            Self::BadLength { len, unit } => {
                write!(f, "length {len} is not a multiple of {unit}")
            }
            Self::BadMagic => f.write_str("missing magic bytes"),
        }
    }
}

/// A decoding failure: the field being decoded, its absolute byte offset and the reason.
///
/// `Display` reads like `field 'destination_address' at byte 107: truncated: need 6 bytes, have 3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("field '{field}' at byte {offset}: {kind}")]
pub struct DecodeError {
    /// py-ipv8 name of the field that could not be decoded.
    pub field: &'static str,
    /// Byte offset of the start of that field, relative to the start of the datagram when the
    /// reader was built over one (see [`Reader::with_offset`](crate::Reader::with_offset)).
    pub offset: usize,
    /// What went wrong.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// Builds an error.
    #[must_use]
    pub const fn new(field: &'static str, offset: usize, kind: DecodeErrorKind) -> Self {
        Self {
            field,
            offset,
            kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_field_and_offset() {
        let e = DecodeError::new(
            "destination_address",
            107,
            DecodeErrorKind::Truncated { need: 6, have: 3 },
        );
        assert_eq!(
            e.to_string(),
            "field 'destination_address' at byte 107: truncated: need 6 bytes, have 3"
        );
        let e = DecodeError::new("x", 1, DecodeErrorKind::BadAddressType(9));
        assert_eq!(
            e.to_string(),
            "field 'x' at byte 1: unknown address type 0x09"
        );
    }
}
