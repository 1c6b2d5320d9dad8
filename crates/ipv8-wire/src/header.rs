//! The fixed datagram header: 22-byte prefix (`0x00 ‖ version ‖ community id`) and the message
//! id byte, docs/spec/PROTOCOL.md §1.1–1.2.
//!
//! Ports the prefix handling of upstream `ipv8/community.py` (`_prefix`, `get_prefix`).

use std::fmt;

use crate::error::{DecodeError, DecodeErrorKind};

/// Length of the prefix (`0x00 ‖ version ‖ 20-byte community id`).
pub const PREFIX_LEN: usize = 22;
/// Length of prefix plus message id: the smallest datagram with a header.
pub const HEADER_LEN: usize = PREFIX_LEN + 1;
/// The prefix version byte of every built-in community.
pub const VERSION: u8 = 0x02;

/// A 20-byte community (overlay) id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct CommunityId(pub [u8; 20]);

impl CommunityId {
    /// DiscoveryCommunity's id, `7e313685c1912a141279f8248fc8db5899c5df5a` (the SHA-1 of its
    /// former master key).
    pub const DISCOVERY: Self = Self([
        0x7e, 0x31, 0x36, 0x85, 0xc1, 0x91, 0x2a, 0x14, 0x12, 0x79, 0xf8, 0x24, 0x8f, 0xc8, 0xdb,
        0x58, 0x99, 0xc5, 0xdf, 0x5a,
    ]);

    /// The raw 20 bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }
}

impl From<[u8; 20]> for CommunityId {
    fn from(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }
}

impl fmt::Display for CommunityId {
    /// Lowercase hex, as py-ipv8 prints community ids.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

/// Writes bytes as lowercase hex.
pub(crate) fn write_hex(f: &mut impl fmt::Write, bytes: &[u8]) -> fmt::Result {
    bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))
}

/// Lowercase hex of `bytes`.
#[must_use]
pub fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    // Writing into a String cannot fail.
    let _ = write_hex(&mut s, bytes);
    s
}

/// The 22 bytes every community datagram starts with: `0x00 ‖ version ‖ community id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Prefix(pub [u8; PREFIX_LEN]);

impl Prefix {
    /// `0x00 ‖ version ‖ community`.
    #[must_use]
    pub fn new(version: u8, community: CommunityId) -> Self {
        let mut bytes = [0u8; PREFIX_LEN];
        bytes[1] = version;
        bytes[2..].copy_from_slice(&community.0);
        Self(bytes)
    }

    /// The prefix of a built-in community (version `0x02`).
    #[must_use]
    pub fn for_community(community: CommunityId) -> Self {
        Self::new(VERSION, community)
    }

    /// The first byte (`0x00` for every py-ipv8 community).
    #[must_use]
    pub const fn zero(&self) -> u8 {
        self.0[0]
    }

    /// The version byte.
    #[must_use]
    pub const fn version(&self) -> u8 {
        self.0[1]
    }

    /// The community id (bytes 2..22).
    #[must_use]
    pub fn community_id(&self) -> CommunityId {
        let mut id = [0u8; 20];
        id.copy_from_slice(&self.0[2..]);
        CommunityId(id)
    }

    /// The raw 22 bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; PREFIX_LEN] {
        &self.0
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

/// Prefix plus message id: the first 23 bytes of a community datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// Bytes 0..22.
    pub prefix: Prefix,
    /// Byte 22.
    pub msg_id: u8,
}

impl Header {
    /// Reads the first 23 bytes. A shorter datagram (even exactly 22 bytes) is a `Truncated`
    /// error naming `prefix` or `message_id`.
    pub fn parse(data: &[u8]) -> Result<Self, DecodeError> {
        let Some(prefix) = data.first_chunk::<PREFIX_LEN>() else {
            return Err(DecodeError::new(
                "prefix",
                0,
                DecodeErrorKind::Truncated {
                    need: PREFIX_LEN,
                    have: data.len(),
                },
            ));
        };
        let Some(&msg_id) = data.get(PREFIX_LEN) else {
            return Err(DecodeError::new(
                "message_id",
                PREFIX_LEN,
                DecodeErrorKind::Truncated { need: 1, have: 0 },
            ));
        };
        Ok(Self {
            prefix: Prefix(*prefix),
            msg_id,
        })
    }

    /// The 23 header bytes.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[..PREFIX_LEN].copy_from_slice(&self.prefix.0);
        out[PREFIX_LEN] = self.msg_id;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_prefix_layout() {
        let p = Prefix::for_community(CommunityId::DISCOVERY);
        assert_eq!(
            p.to_string(),
            "00027e313685c1912a141279f8248fc8db5899c5df5a"
        );
        assert_eq!(p.community_id(), CommunityId::DISCOVERY);
        assert_eq!((p.zero(), p.version()), (0, 2));
    }

    #[test]
    fn short_datagrams_are_truncated_errors() {
        let e = Header::parse(&[0u8; 22]).unwrap_err();
        assert_eq!(e.field, "message_id");
        assert_eq!(e.offset, 22);
        let e = Header::parse(&[0u8; 5]).unwrap_err();
        assert_eq!(
            (e.field, e.kind),
            ("prefix", DecodeErrorKind::Truncated { need: 22, have: 5 })
        );
        let h = Header::parse(&[0u8; 23]).unwrap();
        assert_eq!(h.to_bytes(), [0u8; 23]);
    }
}
