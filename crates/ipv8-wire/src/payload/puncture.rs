//! Puncture-request and puncture bodies: 250, 249 (old style), 232, 231 (new style)
//! (docs/spec/PROTOCOL.md §5.3–5.5).
//!
//! Ports `PunctureRequestPayload`, `PuncturePayload`, `NewPunctureRequestPayload` and
//! `NewPuncturePayload` of upstream `ipv8/messaging/payload.py`. Puncture-requests travel
//! unsigned, punctures signed.

use std::net::{SocketAddr, SocketAddrV4};

use crate::Payload;

/// puncture-request (250), unsigned, old style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Payload)]
#[payload(id = 250, unsigned, global_time, name = "PunctureRequestPayload", style = Old,
    handler = "on_old_puncture_request")]
pub struct PunctureRequest {
    /// py-ipv8 fills in the requester's `destination_address` (the responder as the requester
    /// saw it).
    pub lan_walker_address: SocketAddrV4,
    /// The requester's UDP source address.
    pub wan_walker_address: SocketAddrV4,
    /// Echo of the introduction-request's identifier.
    pub identifier: u16,
}

/// puncture (249), signed, old style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Payload)]
#[payload(id = 249, signed, global_time, name = "PuncturePayload", style = Old)]
pub struct Puncture {
    /// The sender's LAN address estimate.
    pub source_lan_address: SocketAddrV4,
    /// py-ipv8 fills in the puncture-request's `wan_walker_address` (the target).
    pub source_wan_address: SocketAddrV4,
    /// Echo of the puncture-request's identifier.
    pub identifier: u16,
}

/// New-style puncture-request (232), unsigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Payload)]
#[payload(id = 232, unsigned, global_time, name = "NewPunctureRequestPayload", style = New)]
pub struct NewPunctureRequest {
    /// See [`PunctureRequest::lan_walker_address`].
    pub lan_walker_address: SocketAddr,
    /// See [`PunctureRequest::wan_walker_address`].
    pub wan_walker_address: SocketAddr,
    /// Echo of the introduction-request's identifier.
    pub identifier: u16,
}

/// New-style puncture (231), signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Payload)]
#[payload(id = 231, signed, global_time, name = "NewPuncturePayload", style = New)]
pub struct NewPuncture {
    /// The sender's LAN address estimate.
    pub source_lan_address: SocketAddr,
    /// See [`Puncture::source_wan_address`].
    pub source_wan_address: SocketAddr,
    /// Echo of the puncture-request's identifier.
    pub identifier: u16,
}
