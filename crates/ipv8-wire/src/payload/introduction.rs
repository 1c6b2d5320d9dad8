//! Introduction request/response bodies: 246, 245 (old style), 234, 233 (new style) and
//! DiscoveryCommunity's legacy `'Y'` form of 246 (docs/spec/PROTOCOL.md §5.1, §5.2, §5.5, §5.9).
//!
//! Ports `IntroductionRequestPayload`, `IntroductionResponsePayload`,
//! `NewIntroductionRequestPayload`, `NewIntroductionResponsePayload` (upstream
//! `ipv8/messaging/payload.py`) and `DiscoveryIntroductionRequestPayload` (upstream
//! `ipv8/peerdiscovery/payload.py`). Old style puts the flag byte before the identifier and uses
//! untagged `ipv4`; new style puts the identifier first and uses tagged `ip_address`.

use std::net::{SocketAddr, SocketAddrV4};

use crate::Payload;
use crate::payload::flags::{
    IntroductionRequestFlags, IntroductionResponseFlags, NewIntroductionResponseFlags,
};

/// introduction-request (246), old style.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Payload)]
#[payload(id = 246, signed, global_time, name = "IntroductionRequestPayload", style = Old,
    handler = "on_old_introduction_request")]
pub struct IntroductionRequest {
    /// The address the sender uses for the receiver.
    pub destination_address: SocketAddrV4,
    /// The sender's LAN address estimate.
    pub source_lan_address: SocketAddrV4,
    /// The sender's WAN address estimate.
    pub source_wan_address: SocketAddrV4,
    /// Flag byte (`bits`), before the identifier.
    #[payload(format = "bits")]
    pub flags: IntroductionRequestFlags,
    /// Global time mod 65536.
    pub identifier: u16,
    /// Piggy-backed bytes (`raw`), usually empty.
    #[payload(format = "raw")]
    pub extra_bytes: Vec<u8>,
}

/// Smallest 246 body (after the global time) that DiscoveryCommunity parses in the legacy form:
/// `c20s` (21) + three `ipv4` (18) + flags (1) + identifier (2).
pub const LEGACY_INTRODUCTION_REQUEST_MIN_LEN: usize = 42;

/// DiscoveryCommunity's legacy (Dispersy) form of 246: `c20s` (`'Y'` ‖ 20-byte mid of the peer
/// to be introduced to), then the normal 246 fields.
///
/// py-ipv8 tries this form first for every 246 on the DiscoveryCommunity prefix, whatever the
/// first byte is, so any 246 body of at least [`LEGACY_INTRODUCTION_REQUEST_MIN_LEN`] bytes is
/// read this way there. py-ipv8 never honours `introduce_to` (it keeps a 1-tuple).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Payload)]
#[payload(id = 246, signed, global_time, name = "DiscoveryIntroductionRequestPayload", style = Old,
    message_name = "discovery-introduction-request", handler = "on_old_introduction_request")]
pub struct LegacyIntroductionRequest {
    /// The `c` byte of `c20s`: `b'Y'` (0x59) when py-ipv8 packs it; kept verbatim.
    #[payload(format = "c")]
    pub introduce_to_tag: u8,
    /// Mid of the peer the sender wants to be introduced to.
    pub introduce_to: [u8; 20],
    /// The normal 246 fields that follow (py-ipv8 subclasses `IntroductionRequestPayload`).
    #[payload(flatten)]
    pub request: IntroductionRequest,
}

impl LegacyIntroductionRequest {
    /// The tag py-ipv8 writes before `introduce_to`.
    pub const TAG: u8 = b'Y';
}

/// introduction-response (245), old style.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Payload)]
#[payload(id = 245, signed, global_time, name = "IntroductionResponsePayload", style = Old,
    handler = "on_old_introduction_response")]
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
    #[payload(format = "bits")]
    pub flags: IntroductionResponseFlags,
    /// Echo of the request's identifier.
    pub identifier: u16,
    /// Piggy-backed bytes (`raw`).
    #[payload(format = "raw")]
    pub extra_bytes: Vec<u8>,
}

/// New-style introduction-request (234): tagged addresses, identifier before the flags.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Payload)]
#[payload(id = 234, signed, global_time, name = "NewIntroductionRequestPayload", style = New)]
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
    #[payload(format = "bits")]
    pub flags: IntroductionRequestFlags,
    /// Piggy-backed bytes (`raw`).
    #[payload(format = "raw")]
    pub extra_bytes: Vec<u8>,
}

/// New-style introduction-response (233): tagged addresses, identifier before the flags.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Payload)]
#[payload(id = 233, signed, global_time, name = "NewIntroductionResponsePayload", style = New)]
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
    #[payload(format = "bits")]
    pub flags: NewIntroductionResponseFlags,
    /// Piggy-backed bytes (`raw`).
    #[payload(format = "raw")]
    pub extra_bytes: Vec<u8>,
}
