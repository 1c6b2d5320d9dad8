//! The UDP broadcast bootstrap beacon (docs/spec/PROTOCOL.md §5.8): `00 00 ‖ "IPv8" ‖ 00 ‖ prefix(22)`.
//!
//! Ports `HDR_ANNOUNCE` of upstream `ipv8/bootstrapping/udpbroadcast/bootstrapper.py`. Not a
//! community message: it has no message id and no envelope.

use crate::error::{DecodeError, DecodeErrorKind};
use crate::header::{PREFIX_LEN, Prefix};
use crate::payload::Payload;
use crate::reader::Reader;
use crate::writer::Writer;

/// The 7 bytes before the prefix: protocol version `00 00`, magic `IPv8`, `00`.
pub const BEACON_HEADER: [u8; 7] = [0x00, 0x00, b'I', b'P', b'v', b'8', 0x00];
/// Total beacon length (29 bytes).
pub const BEACON_LEN: usize = BEACON_HEADER.len() + PREFIX_LEN;

/// A broadcast beacon announcing an overlay prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Beacon {
    /// The announced overlay prefix; a receiver with the same prefix walks to the sender.
    pub prefix: Prefix,
}

impl Beacon {
    /// Whether a datagram starts like a beacon (py-ipv8's `data.startswith(HDR_ANNOUNCE)`).
    #[must_use]
    pub fn is_beacon(data: &[u8]) -> bool {
        data.starts_with(&BEACON_HEADER)
    }

    /// The 29 beacon bytes.
    #[must_use]
    pub fn to_datagram(&self) -> Vec<u8> {
        self.to_bytes()
    }

    /// Parses a whole datagram: header, prefix, nothing after it (py-ipv8 compares the rest of
    /// the datagram with its prefix, so longer datagrams never match).
    pub fn parse(data: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(data);
        let beacon = Self::decode(&mut r)?;
        r.finish("prefix")?;
        Ok(beacon)
    }
}

impl Payload for Beacon {
    const NAME: &'static str = "UDPBroadcastBootstrapperBeacon";

    fn encode(&self, w: &mut Writer) {
        w.bytes(&BEACON_HEADER);
        w.bytes(self.prefix.as_bytes());
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        if r.array::<7>("beacon_header")? != BEACON_HEADER {
            return Err(DecodeError::new(
                "beacon_header",
                start,
                DecodeErrorKind::BadMagic,
            ));
        }
        Ok(Self {
            prefix: Prefix(r.array("prefix")?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::CommunityId;

    #[test]
    fn beacon_layout() {
        let b = Beacon {
            prefix: Prefix::for_community(CommunityId::DISCOVERY),
        };
        let bytes = b.to_datagram();
        assert_eq!(bytes.len(), BEACON_LEN);
        assert_eq!(Beacon::parse(&bytes), Ok(b));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Beacon::parse(&longer).is_err());
        assert!(Beacon::parse(&bytes[..28]).is_err());
        let mut bad = bytes;
        bad[2] = b'X';
        assert_eq!(
            Beacon::parse(&bad).unwrap_err().kind,
            DecodeErrorKind::BadMagic
        );
    }
}
