//! Introduction request/response bodies: 246, 245 (old style), 234, 233 (new style) and
//! DiscoveryCommunity's legacy `'Y'` form of 246 (PROTOCOL.md §5.1, §5.2, §5.5, §5.9).
//!
//! Ports `IntroductionRequestPayload`, `IntroductionResponsePayload`,
//! `NewIntroductionRequestPayload`, `NewIntroductionResponsePayload` (upstream
//! `ipv8/messaging/payload.py`) and `DiscoveryIntroductionRequestPayload` (upstream
//! `ipv8/peerdiscovery/payload.py`). Old style puts the flag byte before the identifier and uses
//! untagged `ipv4`; new style puts the identifier first and uses tagged `ip_address`.

use std::net::{SocketAddr, SocketAddrV4};

use crate::error::DecodeError;
use crate::payload::flags::{
    IntroductionRequestFlags, IntroductionResponseFlags, NewIntroductionResponseFlags,
};
use crate::payload::{Payload, message_payload};
use crate::reader::Reader;
use crate::writer::Writer;

/// introduction-request (246), old style.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IntroductionRequest {
    /// The address the sender uses for the receiver.
    pub destination_address: SocketAddrV4,
    /// The sender's LAN address estimate.
    pub source_lan_address: SocketAddrV4,
    /// The sender's WAN address estimate.
    pub source_wan_address: SocketAddrV4,
    /// Flag byte (`bits`), before the identifier.
    pub flags: IntroductionRequestFlags,
    /// Global time mod 65536.
    pub identifier: u16,
    /// Piggy-backed bytes (`raw`), usually empty.
    pub extra_bytes: Vec<u8>,
}

impl Payload for IntroductionRequest {
    const NAME: &'static str = "IntroductionRequestPayload";

    fn encode(&self, w: &mut Writer) {
        w.ipv4(self.destination_address);
        w.ipv4(self.source_lan_address);
        w.ipv4(self.source_wan_address);
        w.u8(self.flags.to_byte());
        w.u16(self.identifier);
        w.bytes(&self.extra_bytes);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            destination_address: r.ipv4("destination_address")?,
            source_lan_address: r.ipv4("source_lan_address")?,
            source_wan_address: r.ipv4("source_wan_address")?,
            flags: IntroductionRequestFlags::from_byte(r.u8("flags")?),
            identifier: r.u16("identifier")?,
            extra_bytes: r.rest().to_vec(),
        })
    }
}
message_payload!(IntroductionRequest, 246, "introduction-request", "on_old_introduction_request", signed: true, style: Old);

/// Smallest 246 body (after the global time) that DiscoveryCommunity parses in the legacy form:
/// `c20s` (21) + three `ipv4` (18) + flags (1) + identifier (2).
pub const LEGACY_INTRODUCTION_REQUEST_MIN_LEN: usize = 42;

/// DiscoveryCommunity's legacy (Dispersy) form of 246: `c20s` (`'Y'` ‖ 20-byte mid of the peer
/// to be introduced to), then the normal 246 fields.
///
/// py-ipv8 tries this form first for every 246 on the DiscoveryCommunity prefix, whatever the
/// first byte is, so any 246 body of at least [`LEGACY_INTRODUCTION_REQUEST_MIN_LEN`] bytes is
/// read this way there. py-ipv8 never honours `introduce_to` (it keeps a 1-tuple).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LegacyIntroductionRequest {
    /// The `c` byte of `c20s`: `b'Y'` (0x59) when py-ipv8 packs it; kept verbatim.
    pub introduce_to_tag: u8,
    /// Mid of the peer the sender wants to be introduced to.
    pub introduce_to: [u8; 20],
    /// The normal 246 fields that follow.
    pub request: IntroductionRequest,
}

impl LegacyIntroductionRequest {
    /// The tag py-ipv8 writes before `introduce_to`.
    pub const TAG: u8 = b'Y';
}

impl Payload for LegacyIntroductionRequest {
    const NAME: &'static str = "DiscoveryIntroductionRequestPayload";

    fn encode(&self, w: &mut Writer) {
        w.u8(self.introduce_to_tag);
        w.bytes(&self.introduce_to);
        self.request.encode(w);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let [tag, mid @ ..] = r.array::<21>("introduce_to")?;
        Ok(Self {
            introduce_to_tag: tag,
            introduce_to: mid,
            request: IntroductionRequest::decode(r)?,
        })
    }
}
message_payload!(LegacyIntroductionRequest, 246, "discovery-introduction-request", "on_old_introduction_request", signed: true, style: Old);

/// introduction-response (245), old style.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IntroductionResponse {
    /// The requester's address as seen by the responder.
    pub destination_address: SocketAddrV4,
    /// The responder's LAN address estimate.
    pub source_lan_address: SocketAddrV4,
    /// The responder's WAN address estimate.
    pub source_wan_address: SocketAddrV4,
    /// The introduced peer's LAN address, or `0.0.0.0:0`.
    pub lan_introduction_address: SocketAddrV4,
    /// The introduced peer's WAN address, or `0.0.0.0:0`.
    pub wan_introduction_address: SocketAddrV4,
    /// Flag byte (`bits`), before the identifier.
    pub flags: IntroductionResponseFlags,
    /// Echo of the request's identifier.
    pub identifier: u16,
    /// Piggy-backed bytes (`raw`).
    pub extra_bytes: Vec<u8>,
}

impl Payload for IntroductionResponse {
    const NAME: &'static str = "IntroductionResponsePayload";

    fn encode(&self, w: &mut Writer) {
        w.ipv4(self.destination_address);
        w.ipv4(self.source_lan_address);
        w.ipv4(self.source_wan_address);
        w.ipv4(self.lan_introduction_address);
        w.ipv4(self.wan_introduction_address);
        w.u8(self.flags.to_byte());
        w.u16(self.identifier);
        w.bytes(&self.extra_bytes);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            destination_address: r.ipv4("destination_address")?,
            source_lan_address: r.ipv4("source_lan_address")?,
            source_wan_address: r.ipv4("source_wan_address")?,
            lan_introduction_address: r.ipv4("lan_introduction_address")?,
            wan_introduction_address: r.ipv4("wan_introduction_address")?,
            flags: IntroductionResponseFlags::from_byte(r.u8("flags")?),
            identifier: r.u16("identifier")?,
            extra_bytes: r.rest().to_vec(),
        })
    }
}
message_payload!(IntroductionResponse, 245, "introduction-response", "on_old_introduction_response", signed: true, style: Old);

/// New-style introduction-request (234): tagged addresses, identifier before the flags.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NewIntroductionRequest {
    /// The address the sender uses for the receiver.
    pub destination_address: SocketAddr,
    /// The sender's LAN address estimate.
    pub source_lan_address: SocketAddr,
    /// The sender's WAN address (py-ipv8 3.2.1 sends its "preferred address" here).
    pub source_wan_address: SocketAddr,
    /// Global time mod 65536.
    pub identifier: u16,
    /// Flag byte, same bits as 246 (py-ipv8 sends `0x00`).
    pub flags: IntroductionRequestFlags,
    /// Piggy-backed bytes (`raw`).
    pub extra_bytes: Vec<u8>,
}

impl Payload for NewIntroductionRequest {
    const NAME: &'static str = "NewIntroductionRequestPayload";

    fn encode(&self, w: &mut Writer) {
        w.ip_address(self.destination_address);
        w.ip_address(self.source_lan_address);
        w.ip_address(self.source_wan_address);
        w.u16(self.identifier);
        w.u8(self.flags.to_byte());
        w.bytes(&self.extra_bytes);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            destination_address: r.ip_address("destination_address")?,
            source_lan_address: r.ip_address("source_lan_address")?,
            source_wan_address: r.ip_address("source_wan_address")?,
            identifier: r.u16("identifier")?,
            flags: IntroductionRequestFlags::from_byte(r.u8("flags")?),
            extra_bytes: r.rest().to_vec(),
        })
    }
}
message_payload!(NewIntroductionRequest, 234, "new-introduction-request", "on_new_introduction_request", signed: true, style: New);

/// New-style introduction-response (233): tagged addresses, identifier before the flags.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NewIntroductionResponse {
    /// The requester's address as seen by the responder.
    pub destination_address: SocketAddr,
    /// The responder's LAN address estimate.
    pub source_lan_address: SocketAddr,
    /// The responder's WAN (preferred) address.
    pub source_wan_address: SocketAddr,
    /// The introduced peer's LAN address, or `0.0.0.0:0`.
    pub lan_introduction_address: SocketAddr,
    /// The introduced peer's WAN address, or `0.0.0.0:0`.
    pub wan_introduction_address: SocketAddr,
    /// Echo of the request's identifier.
    pub identifier: u16,
    /// Flag byte (`0x80` intro_supports_new_style).
    pub flags: NewIntroductionResponseFlags,
    /// Piggy-backed bytes (`raw`).
    pub extra_bytes: Vec<u8>,
}

impl Payload for NewIntroductionResponse {
    const NAME: &'static str = "NewIntroductionResponsePayload";

    fn encode(&self, w: &mut Writer) {
        w.ip_address(self.destination_address);
        w.ip_address(self.source_lan_address);
        w.ip_address(self.source_wan_address);
        w.ip_address(self.lan_introduction_address);
        w.ip_address(self.wan_introduction_address);
        w.u16(self.identifier);
        w.u8(self.flags.to_byte());
        w.bytes(&self.extra_bytes);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            destination_address: r.ip_address("destination_address")?,
            source_lan_address: r.ip_address("source_lan_address")?,
            source_wan_address: r.ip_address("source_wan_address")?,
            lan_introduction_address: r.ip_address("lan_introduction_address")?,
            wan_introduction_address: r.ip_address("wan_introduction_address")?,
            identifier: r.u16("identifier")?,
            flags: NewIntroductionResponseFlags::from_byte(r.u8("flags")?),
            extra_bytes: r.rest().to_vec(),
        })
    }
}
message_payload!(NewIntroductionResponse, 233, "new-introduction-response", "on_new_introduction_response", signed: true, style: New);
