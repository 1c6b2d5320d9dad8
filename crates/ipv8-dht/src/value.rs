//! Stored value entries: py-ipv8 `DHTCommunity.serialize_value` / `unserialize_value`.
//!
//! An entry is a type byte and a payload:
//!
//! * `0` ([`DHT_ENTRY_STR`]): [`StrPayload`], the bytes as they are (unsigned);
//! * `1` ([`DHT_ENTRY_STR_SIGNED`]): [`SignedStrPayload`] (data, version, public key) followed
//!   by the signer's signature over everything before it.
//!
//! Unlike py-ipv8, a signed entry must end exactly where its signature ends, and an entry with
//! an unknown type byte, a key that does not parse or a bad signature is an error naming why
//! (py-ipv8 returns `None` for the last three and raises for a truncated payload).

use std::fmt;

use ipv8::Payload;
use ipv8::keys::PublicKey;
use ipv8::wire::{DecodeError, Reader, signature_len};

use crate::payload::{SignedStrPayload, StrPayload};

/// Type byte of an unsigned entry (py-ipv8 `DHT_ENTRY_STR`).
pub const DHT_ENTRY_STR: u8 = 0;
/// Type byte of a signed entry (py-ipv8 `DHT_ENTRY_STR_SIGNED`).
pub const DHT_ENTRY_STR_SIGNED: u8 = 1;

/// A decoded entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The stored bytes.
    pub data: Vec<u8>,
    /// The signer's serialized public key; `None` for an unsigned entry.
    pub public_key: Option<Vec<u8>>,
    /// The signer's version (0 for unsigned entries).
    pub version: u32,
}

/// Why a stored entry was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    /// No type byte.
    Empty,
    /// The type byte is neither 0 nor 1.
    UnknownType(u8),
    /// The payload failed to decode.
    Decode(DecodeError),
    /// The signer's public key does not parse.
    BadKey,
    /// Bytes between the payload and the signature.
    TrailingBytes,
    /// The signature does not verify.
    BadSignature,
}

impl ValueError {
    /// A short stable name for drop counters.
    #[must_use]
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Empty => "dht_value_empty",
            Self::UnknownType(_) => "dht_value_unknown_type",
            Self::Decode(_) => "dht_value_decode",
            Self::BadKey => "dht_value_bad_key",
            Self::TrailingBytes => "dht_value_trailing_bytes",
            Self::BadSignature => "dht_value_bad_signature",
        }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty value entry"),
            Self::UnknownType(t) => write!(f, "unknown value entry type {t}"),
            Self::Decode(e) => write!(f, "value entry: {e}"),
            Self::BadKey => f.write_str("value entry: the signer's public key does not parse"),
            Self::TrailingBytes => f.write_str("value entry: bytes before the signature"),
            Self::BadSignature => f.write_str("value entry: bad signature"),
        }
    }
}

impl std::error::Error for ValueError {}

/// An unsigned entry for `data` (py-ipv8 `serialize_value(data, sign=False)`).
#[must_use]
pub fn serialize_unsigned(data: &[u8]) -> Vec<u8> {
    let mut out = vec![DHT_ENTRY_STR];
    out.extend_from_slice(
        &StrPayload {
            data: data.to_vec(),
        }
        .to_bytes(),
    );
    out
}

/// A signed entry for `data` (py-ipv8 `serialize_value(data, sign=True)`): `public_key` is the
/// signer's serialized key, `sign` signs the entry so far with the matching private key.
pub fn serialize_signed(
    data: &[u8],
    version: u32,
    public_key: &[u8],
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Vec<u8> {
    let mut out = vec![DHT_ENTRY_STR_SIGNED];
    out.extend_from_slice(
        &SignedStrPayload {
            data: data.to_vec(),
            version,
            public_key: public_key.to_vec(),
        }
        .to_bytes(),
    );
    let signature = sign(&out);
    out.extend_from_slice(&signature);
    out
}

/// Decodes an entry and checks its signature (py-ipv8 `unserialize_value`).
///
/// # Errors
/// Why the entry is not acceptable.
pub fn unserialize(value: &[u8]) -> Result<Entry, ValueError> {
    let (&kind, rest) = value.split_first().ok_or(ValueError::Empty)?;
    match kind {
        DHT_ENTRY_STR => Ok(Entry {
            data: rest.to_vec(),
            public_key: None,
            version: 0,
        }),
        DHT_ENTRY_STR_SIGNED => {
            let mut r = Reader::with_offset(rest, 1);
            let payload = SignedStrPayload::decode(&mut r).map_err(ValueError::Decode)?;
            let sig_len = signature_len(&payload.public_key).ok_or(ValueError::BadKey)?;
            if r.remaining() != sig_len {
                return Err(if r.remaining() > sig_len {
                    ValueError::TrailingBytes
                } else {
                    ValueError::BadSignature
                });
            }
            let key = PublicKey::from_bin(&payload.public_key).map_err(|_| ValueError::BadKey)?;
            let split = value.len() - sig_len;
            let (signed, signature) = value.split_at(split);
            if !key.verify(signed, signature) {
                return Err(ValueError::BadSignature);
            }
            Ok(Entry {
                data: payload.data,
                public_key: Some(payload.public_key),
                version: payload.version,
            })
        }
        other => Err(ValueError::UnknownType(other)),
    }
}

#[cfg(test)]
mod tests {
    use ipv8::keys::PrivateKey;

    use super::*;

    fn key() -> PrivateKey {
        PrivateKey::from_seeds([1; 32], [2; 32])
    }

    #[test]
    fn unsigned_round_trip() {
        let v = serialize_unsigned(b"hello");
        assert_eq!(v, b"\x00hello");
        let e = unserialize(&v).unwrap();
        assert_eq!(
            (e.data.as_slice(), e.public_key, e.version),
            (&b"hello"[..], None, 0)
        );
    }

    #[test]
    fn signed_round_trip_and_forgeries() {
        let k = key();
        let v = serialize_signed(b"hi", 7, k.public_bin(), |m| k.sign(m));
        let e = unserialize(&v).unwrap();
        assert_eq!(e.data, b"hi");
        assert_eq!(e.version, 7);
        assert_eq!(e.public_key.as_deref(), Some(k.public_bin()));
        // Any flipped byte of the signed part or the signature is rejected.
        for i in [3, v.len() - 70, v.len() - 1] {
            let mut forged = v.clone();
            forged[i] ^= 1;
            assert!(unserialize(&forged).is_err(), "byte {i}");
        }
        // A signature of another key under this key's name.
        let other = PrivateKey::from_seeds([3; 32], [4; 32]);
        let forged = serialize_signed(b"hi", 8, k.public_bin(), |m| other.sign(m));
        assert_eq!(unserialize(&forged), Err(ValueError::BadSignature));
    }

    #[test]
    fn malformed_entries_are_named() {
        assert_eq!(unserialize(b""), Err(ValueError::Empty));
        assert_eq!(unserialize(b"\x07abc"), Err(ValueError::UnknownType(7)));
        assert!(matches!(
            unserialize(b"\x01\x00"),
            Err(ValueError::Decode(_))
        ));
        let bad_key = serialize_signed(b"x", 1, b"not a key", |_| vec![0; 64]);
        assert_eq!(unserialize(&bad_key), Err(ValueError::BadKey));
        let k = key();
        let mut long = serialize_signed(b"x", 1, k.public_bin(), |m| k.sign(m));
        long.insert(1 + 2 + 1 + 4 + 2 + k.public_bin().len(), 0);
        assert_eq!(unserialize(&long), Err(ValueError::TrailingBytes));
        let short = &long[..20];
        assert!(unserialize(short).is_err());
    }
}
