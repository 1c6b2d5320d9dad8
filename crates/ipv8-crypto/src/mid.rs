//! `Mid`: the member id of a key, SHA-1 over its public serialization (py-ipv8 `key_to_hash`).

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha1::{Digest, Sha1};

/// A member id: `SHA1(public key bin)`, 20 bytes (docs/spec/PROTOCOL.md §4.1).
///
/// py-ipv8 shows it in hex in most places and in base64 in `/network` and peer strings.
/// `Display` and `FromStr` use lowercase hex.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mid(pub [u8; 20]);

impl Mid {
    /// Length of a mid in bytes.
    pub const LEN: usize = 20;

    /// The mid of a public key serialization: SHA-1 over all of `public_bin`.
    #[must_use]
    pub fn of(public_bin: &[u8]) -> Self {
        Self(Sha1::digest(public_bin).into())
    }

    /// The raw 20 bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// Lowercase hex (40 characters), as py-ipv8 prints mids in logs.
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Standard base64 with padding (28 characters), as py-ipv8's REST `/network` shows mids.
    #[must_use]
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }

    /// Parses 40 hex digits (either case).
    ///
    /// # Errors
    /// Returns an error when `text` is not exactly 20 hex-encoded bytes.
    pub fn from_hex(text: &str) -> Result<Self, MidParseError> {
        let mut out = [0u8; 20];
        hex::decode_to_slice(text, &mut out).map_err(|_| MidParseError)?;
        Ok(Self(out))
    }

    /// Parses standard base64 of 20 bytes.
    ///
    /// # Errors
    /// Returns an error when `text` is not base64 of exactly 20 bytes.
    pub fn from_base64(text: &str) -> Result<Self, MidParseError> {
        let bytes = BASE64.decode(text).map_err(|_| MidParseError)?;
        Ok(Self(bytes.try_into().map_err(|_| MidParseError)?))
    }
}

/// The text given to [`Mid::from_hex`] or [`Mid::from_base64`] is not a 20-byte mid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a 20-byte member id")]
pub struct MidParseError;

impl fmt::Display for Mid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Mid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mid({self})")
    }
}

impl FromStr for Mid {
    type Err = MidParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_hex(s)
    }
}

impl From<[u8; 20]> for Mid {
    fn from(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }
}

impl AsRef<[u8]> for Mid {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_base64_round_trip() {
        let mid = Mid::of(b"abc");
        assert_eq!(mid.to_hex(), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(mid.to_string(), mid.to_hex());
        assert_eq!(Mid::from_hex(&mid.to_hex()), Ok(mid));
        assert_eq!(Mid::from_base64(&mid.to_base64()), Ok(mid));
        assert_eq!("zz".parse::<Mid>(), Err(MidParseError));
        assert_eq!(Mid::from_base64("AAAA"), Err(MidParseError));
    }
}
