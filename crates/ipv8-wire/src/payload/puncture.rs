//! Puncture-request and puncture bodies: 250, 249 (old style), 232, 231 (new style)
//! (PROTOCOL.md §5.3–5.5).
//!
//! Ports `PunctureRequestPayload`, `PuncturePayload`, `NewPunctureRequestPayload` and
//! `NewPuncturePayload` of upstream `ipv8/messaging/payload.py`. Puncture-requests travel
//! unsigned, punctures signed.

use std::net::{SocketAddr, SocketAddrV4};

use crate::error::DecodeError;
use crate::payload::{Payload, message_payload};
use crate::reader::Reader;
use crate::writer::Writer;

/// puncture-request (250), unsigned, old style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PunctureRequest {
    /// py-ipv8 fills in the requester's `destination_address` (the responder as the requester
    /// saw it).
    pub lan_walker_address: SocketAddrV4,
    /// The requester's UDP source address.
    pub wan_walker_address: SocketAddrV4,
    /// Echo of the introduction-request's identifier.
    pub identifier: u16,
}

impl Payload for PunctureRequest {
    const NAME: &'static str = "PunctureRequestPayload";

    fn encode(&self, w: &mut Writer) {
        w.ipv4(self.lan_walker_address);
        w.ipv4(self.wan_walker_address);
        w.u16(self.identifier);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            lan_walker_address: r.ipv4("lan_walker_address")?,
            wan_walker_address: r.ipv4("wan_walker_address")?,
            identifier: r.u16("identifier")?,
        })
    }
}
message_payload!(PunctureRequest, 250, "puncture-request", "on_old_puncture_request", signed: false, style: Old);

/// puncture (249), signed, old style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Puncture {
    /// The sender's LAN address estimate.
    pub source_lan_address: SocketAddrV4,
    /// py-ipv8 fills in the puncture-request's `wan_walker_address` (the target).
    pub source_wan_address: SocketAddrV4,
    /// Echo of the puncture-request's identifier.
    pub identifier: u16,
}

impl Payload for Puncture {
    const NAME: &'static str = "PuncturePayload";

    fn encode(&self, w: &mut Writer) {
        w.ipv4(self.source_lan_address);
        w.ipv4(self.source_wan_address);
        w.u16(self.identifier);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            source_lan_address: r.ipv4("source_lan_address")?,
            source_wan_address: r.ipv4("source_wan_address")?,
            identifier: r.u16("identifier")?,
        })
    }
}
message_payload!(Puncture, 249, "puncture", "on_puncture", signed: true, style: Old);

/// New-style puncture-request (232), unsigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NewPunctureRequest {
    /// See [`PunctureRequest::lan_walker_address`].
    pub lan_walker_address: SocketAddr,
    /// See [`PunctureRequest::wan_walker_address`].
    pub wan_walker_address: SocketAddr,
    /// Echo of the introduction-request's identifier.
    pub identifier: u16,
}

impl Payload for NewPunctureRequest {
    const NAME: &'static str = "NewPunctureRequestPayload";

    fn encode(&self, w: &mut Writer) {
        w.ip_address(self.lan_walker_address);
        w.ip_address(self.wan_walker_address);
        w.u16(self.identifier);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            lan_walker_address: r.ip_address("lan_walker_address")?,
            wan_walker_address: r.ip_address("wan_walker_address")?,
            identifier: r.u16("identifier")?,
        })
    }
}
message_payload!(NewPunctureRequest, 232, "new-puncture-request", "on_new_puncture_request", signed: false, style: New);

/// New-style puncture (231), signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NewPuncture {
    /// The sender's LAN address estimate.
    pub source_lan_address: SocketAddr,
    /// See [`Puncture::source_wan_address`].
    pub source_wan_address: SocketAddr,
    /// Echo of the puncture-request's identifier.
    pub identifier: u16,
}

impl Payload for NewPuncture {
    const NAME: &'static str = "NewPuncturePayload";

    fn encode(&self, w: &mut Writer) {
        w.ip_address(self.source_lan_address);
        w.ip_address(self.source_wan_address);
        w.u16(self.identifier);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            source_lan_address: r.ip_address("source_lan_address")?,
            source_wan_address: r.ip_address("source_wan_address")?,
            identifier: r.u16("identifier")?,
        })
    }
}
message_payload!(NewPuncture, 231, "new-puncture", "on_new_puncture", signed: true, style: New);
