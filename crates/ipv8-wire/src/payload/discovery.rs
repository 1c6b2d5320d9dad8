//! DiscoveryCommunity's own messages: similarity-request (1), similarity-response (2), ping (3)
//! and pong (4) (docs/spec/PROTOCOL.md §5.9).
//!
//! Ports upstream `ipv8/peerdiscovery/payload.py`. These ids mean these messages only on the
//! DiscoveryCommunity prefix (community id `7e313685…5a`).

use std::net::SocketAddrV4;

use crate::Payload;
use crate::error::{DecodeError, DecodeErrorKind};
use crate::format::Format;
use crate::header::CommunityId;
use crate::payload::flags::SimilarityRequestFlags;
use crate::reader::Reader;
use crate::writer::Writer;

/// similarity-request (1), signed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Payload)]
#[payload(id = 1, signed, global_time, name = "SimilarityRequestPayload")]
pub struct SimilarityRequest {
    /// Global time mod 65536.
    pub identifier: u16,
    /// The sender's LAN address estimate (`4SH`, same bytes as `ipv4`).
    pub lan_address: SocketAddrV4,
    /// The sender's WAN address estimate.
    pub wan_address: SocketAddrV4,
    /// Flag byte: connection type, rest unused.
    #[payload(format = "bits")]
    pub flags: SimilarityRequestFlags,
    /// `raw`: concatenated 20-byte community ids, kept as on the wire (py-ipv8 splits it into
    /// 20-byte pieces; a short last piece is not an error). See [`Self::preference_ids`].
    #[payload(format = "raw")]
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

/// similarity-response (2), signed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Payload)]
#[payload(id = 2, signed, global_time, name = "SimilarityResponsePayload")]
pub struct SimilarityResponse {
    /// Echo of the request's identifier.
    pub identifier: u16,
    /// `varlenHx20`: the responder's community ids.
    #[payload(format = "varlenHx20")]
    pub preference_list: Vec<CommunityId>,
    /// `raw` sequence of (20-byte id ‖ u32); py-ipv8 always sends it empty. A length that is not
    /// a multiple of 24 makes py-ipv8's unpacking raise, so it is a `BadLength` error here.
    #[payload(with = TbOverlap)]
    pub tb_overlap: Vec<([u8; 20], u32)>,
}

/// The `raw` layout of `tb_overlap`: back-to-back (`20s` id ‖ `I` count) entries.
enum TbOverlap {}

/// Size of one `tb_overlap` entry.
const TB_OVERLAP_ENTRY: usize = 24;

impl Format<Vec<([u8; 20], u32)>> for TbOverlap {
    fn write(value: &Vec<([u8; 20], u32)>, w: &mut Writer) {
        for (id, count) in value {
            w.bytes(id);
            w.u32(*count);
        }
    }

    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Vec<([u8; 20], u32)>, DecodeError> {
        let start = r.offset();
        let raw = r.rest();
        let (entries, rest) = raw.as_chunks::<TB_OVERLAP_ENTRY>();
        if !rest.is_empty() {
            return Err(DecodeError::new(
                field,
                start,
                DecodeErrorKind::BadLength {
                    len: raw.len(),
                    unit: TB_OVERLAP_ENTRY,
                },
            ));
        }
        Ok(entries
            .iter()
            .map(|entry| {
                let [id @ .., a, b, c, d] = *entry;
                (id, u32::from_be_bytes([a, b, c, d]))
            })
            .collect())
    }
}

/// ping (3), unsigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Payload)]
#[payload(id = 3, unsigned, global_time, name = "PingPayload")]
pub struct Ping {
    /// Global time mod 65536.
    pub identifier: u16,
}

/// pong (4), unsigned: same body as ping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Payload)]
#[payload(id = 4, unsigned, global_time, name = "PongPayload")]
pub struct Pong {
    /// Echo of the ping's identifier.
    pub identifier: u16,
}
