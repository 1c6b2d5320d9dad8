//! DiscoveryCommunity's own messages: similarity-request (1), similarity-response (2), ping (3)
//! and pong (4) (PROTOCOL.md §5.9).
//!
//! Ports upstream `ipv8/peerdiscovery/payload.py`. These ids mean these messages only on the
//! DiscoveryCommunity prefix (community id `7e313685…5a`).

use std::net::SocketAddrV4;

use crate::error::{DecodeError, DecodeErrorKind};
use crate::header::CommunityId;
use crate::payload::flags::SimilarityRequestFlags;
use crate::payload::{Payload, message_payload};
use crate::reader::Reader;
use crate::writer::Writer;

/// similarity-request (1), signed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SimilarityRequest {
    /// Global time mod 65536.
    pub identifier: u16,
    /// The sender's LAN address estimate (`4SH`, same bytes as `ipv4`).
    pub lan_address: SocketAddrV4,
    /// The sender's WAN address estimate.
    pub wan_address: SocketAddrV4,
    /// Flag byte: connection type, rest unused.
    pub flags: SimilarityRequestFlags,
    /// `raw`: concatenated 20-byte community ids, kept as on the wire (py-ipv8 splits it into
    /// 20-byte pieces; a short last piece is not an error). See [`Self::preference_ids`].
    pub preference_list: Vec<u8>,
}

impl SimilarityRequest {
    /// Builds the `raw` preference list from community ids.
    #[must_use]
    pub fn pack_ids(ids: &[CommunityId]) -> Vec<u8> {
        ids.iter().flat_map(|id| id.0).collect()
    }

    /// The preference list split as py-ipv8 does: 20-byte pieces, the last one possibly shorter.
    pub fn preference_ids(&self) -> impl Iterator<Item = &[u8]> {
        self.preference_list.chunks(20)
    }
}

impl Payload for SimilarityRequest {
    const NAME: &'static str = "SimilarityRequestPayload";

    fn encode(&self, w: &mut Writer) {
        w.u16(self.identifier);
        w.ipv4(self.lan_address);
        w.ipv4(self.wan_address);
        w.u8(self.flags.to_byte());
        w.bytes(&self.preference_list);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            identifier: r.u16("identifier")?,
            lan_address: r.ipv4("lan_address")?,
            wan_address: r.ipv4("wan_address")?,
            flags: SimilarityRequestFlags::from_byte(r.u8("flags")?),
            preference_list: r.rest().to_vec(),
        })
    }
}
message_payload!(SimilarityRequest, 1, "similarity-request", "on_similarity_request", signed: true, style: None);

/// similarity-response (2), signed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SimilarityResponse {
    /// Echo of the request's identifier.
    pub identifier: u16,
    /// `varlenHx20`: the responder's community ids.
    pub preference_list: Vec<CommunityId>,
    /// `raw` sequence of (20-byte id ‖ u32); py-ipv8 always sends it empty. A length that is not
    /// a multiple of 24 makes py-ipv8's unpacking raise, so it is a `BadLength` error here.
    pub tb_overlap: Vec<([u8; 20], u32)>,
}

/// Size of one `tb_overlap` entry.
const TB_OVERLAP_ENTRY: usize = 24;

impl Payload for SimilarityResponse {
    const NAME: &'static str = "SimilarityResponsePayload";

    fn encode(&self, w: &mut Writer) {
        w.u16(self.identifier);
        let ids: Vec<[u8; 20]> = self.preference_list.iter().map(|id| id.0).collect();
        w.varlen_hx20(&ids);
        for (id, count) in &self.tb_overlap {
            w.bytes(id);
            w.u32(*count);
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let identifier = r.u16("identifier")?;
        let preference_list = r
            .varlen_hx20("preference_list")?
            .iter()
            .map(|id| CommunityId(*id))
            .collect();
        let start = r.offset();
        let raw = r.rest();
        let (entries, rest) = raw.as_chunks::<TB_OVERLAP_ENTRY>();
        if !rest.is_empty() {
            return Err(DecodeError::new(
                "tb_overlap",
                start,
                DecodeErrorKind::BadLength {
                    len: raw.len(),
                    unit: TB_OVERLAP_ENTRY,
                },
            ));
        }
        let tb_overlap = entries
            .iter()
            .map(|entry| {
                let [id @ .., a, b, c, d] = *entry;
                (id, u32::from_be_bytes([a, b, c, d]))
            })
            .collect();
        Ok(Self {
            identifier,
            preference_list,
            tb_overlap,
        })
    }
}
message_payload!(SimilarityResponse, 2, "similarity-response", "on_similarity_response", signed: true, style: None);

/// ping (3), unsigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Ping {
    /// Global time mod 65536.
    pub identifier: u16,
}

impl Payload for Ping {
    const NAME: &'static str = "PingPayload";

    fn encode(&self, w: &mut Writer) {
        w.u16(self.identifier);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            identifier: r.u16("identifier")?,
        })
    }
}
message_payload!(Ping, 3, "ping", "on_ping", signed: false, style: None);

/// pong (4), unsigned: same body as ping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Pong {
    /// Echo of the ping's identifier.
    pub identifier: u16,
}

impl Payload for Pong {
    const NAME: &'static str = "PongPayload";

    fn encode(&self, w: &mut Writer) {
        w.u16(self.identifier);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            identifier: r.u16("identifier")?,
        })
    }
}
message_payload!(Pong, 4, "pong", "on_pong", signed: false, style: None);
