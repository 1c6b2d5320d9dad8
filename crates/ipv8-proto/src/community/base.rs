//! [`Base`]: what one call into one overlay may touch — the node's shared state and that
//! overlay's own state — and the operations every overlay shares (signing with the overlay's
//! key, sending, the authenticated peer behind a verified packet).
//!
//! Crate-internal. Community authors get the typed [`super::Cx`], which wraps a `Base` and
//! exposes a narrow, documented subset of it.

use std::net::{SocketAddr, SocketAddrV4};
use std::sync::Arc;

use ipv8_crypto::Mid;
use ipv8_wire::{
    MessagePayload, Payload, Prefix, SignedPacket, encode_signed_into, encode_unsigned_into,
};

use super::OverlayState;
use crate::drops::DropReason;
use crate::node::core::Core;
use crate::peer::Peer;
use crate::time::Instant;

/// The shared node state and one overlay's state, borrowed for one call.
pub(crate) struct Base<'a> {
    pub(crate) now: Instant,
    pub(crate) core: &'a mut Core,
    pub(crate) ov: &'a mut OverlayState,
}

impl Base<'_> {
    /// Increments and returns the node's Lamport clock.
    pub(crate) fn claim_global_time(&mut self) -> u64 {
        self.core.claim_global_time()
    }

    /// Our LAN estimate (py-ipv8 `my_estimated_lan`).
    pub(crate) fn lan_estimate(&self) -> SocketAddrV4 {
        self.core.addresses.lan_estimate()
    }

    /// Our WAN estimate for this overlay (py-ipv8 `my_estimated_wan`).
    pub(crate) fn wan_estimate(&self) -> SocketAddrV4 {
        self.core
            .addresses
            .advertise
            .or(self.ov.wan)
            .unwrap_or_else(|| self.core.addresses.lan_estimate())
    }

    /// Whether new requests are refused (`0 <= max_peers < peers`).
    pub(crate) fn over_max_peers(&self) -> bool {
        self.ov
            .over_max_peers(self.core.network.count_for_service(self.ov.id))
    }

    /// Whether a request from `mid` must be refused for `max_peers`: always once the
    /// community is over the limit (py-ipv8), and — a deliberate tightening of py-ipv8, which
    /// lets one more in and so ends at `max_peers + 1` — also once it is full, unless `mid` is
    /// already one of its peers. Requests alone therefore never push the peer table past
    /// `max_peers` (a flood of fresh keys stops exactly at the limit).
    pub(crate) fn refuses_request_from(&self, mid: &Mid) -> bool {
        let count = self.core.network.count_for_service(self.ov.id);
        if self.ov.over_max_peers(count) {
            return true;
        }
        self.ov.limit_reached(count) && !self.core.network.services_of(mid).contains(&self.ov.id)
    }

    /// Builds a signed datagram on `prefix` with this overlay's key.
    pub(crate) fn encode_signed<P: Payload>(
        &mut self,
        prefix: &Prefix,
        msg_id: u8,
        global_time: Option<u64>,
        payload: &P,
    ) -> Vec<u8> {
        let identity = &self.ov.identity;
        let buf = self.core.outbox.buffer();
        encode_signed_into(
            buf,
            prefix,
            msg_id,
            &self.ov.my_key,
            global_time,
            payload,
            |datagram| identity.append_signature(datagram),
        )
    }

    /// Builds a message of this overlay with its own id, signed with the overlay's key if the
    /// type is signed; `global_time` is used only if the type carries one.
    pub(crate) fn encode<P: MessagePayload>(&mut self, global_time: u64, payload: &P) -> Vec<u8> {
        let global_time = P::GLOBAL_TIME.then_some(global_time);
        let prefix = self.ov.prefix;
        if P::SIGNED {
            self.encode_signed(&prefix, P::MSG_ID, global_time, payload)
        } else {
            self.encode_unsigned(&prefix, P::MSG_ID, global_time, payload)
        }
    }

    /// Builds an unsigned datagram on `prefix` in a recycled buffer.
    pub(crate) fn encode_unsigned<P: Payload>(
        &mut self,
        prefix: &Prefix,
        msg_id: u8,
        global_time: Option<u64>,
        payload: &P,
    ) -> Vec<u8> {
        let buf = self.core.outbox.buffer();
        encode_unsigned_into(buf, prefix, msg_id, global_time, payload)
    }

    /// Queues a datagram.
    pub(crate) fn transmit(&mut self, to: SocketAddr, bytes: Vec<u8>) {
        self.core.transmit(self.now, to, bytes);
    }

    /// Splits a signed datagram and verifies its signature; returns it with the signer's mid.
    pub(crate) fn open_signed<'d>(
        &mut self,
        data: &'d [u8],
        with_global_time: bool,
    ) -> Result<(SignedPacket<'d>, Mid), DropReason> {
        let (packet, mid) = self.core.me.parse_signed(data, with_global_time)?;
        self.core.me.verify(&packet)?;
        Ok((packet, mid))
    }

    /// [`Base::open_signed`] for a packet that must come from another node.
    pub(crate) fn open_peer_signed<'d>(
        &mut self,
        data: &'d [u8],
        with_global_time: bool,
    ) -> Result<(SignedPacket<'d>, Mid), DropReason> {
        let (packet, mid) = self.core.me.parse_signed(data, with_global_time)?;
        self.verify_peer_signed(&packet, mid)?;
        Ok((packet, mid))
    }

    /// Verifies the signature of a parsed packet, then rejects our own packets.
    pub(crate) fn verify_peer_signed(
        &mut self,
        packet: &SignedPacket<'_>,
        mid: Mid,
    ) -> Result<(), DropReason> {
        self.core.me.verify(packet)?;
        if self.core.network.is_own_mid(&mid) {
            return Err(DropReason::OwnPacket);
        }
        Ok(())
    }

    /// The peer behind a verified packet (py-ipv8 `lazy_wrapper`): the known verified peer with
    /// `from` added to its addresses, or a fresh, unregistered peer heard from at `now`.
    ///
    /// A verified peer seen at a new address forgets the address it replaces
    /// ([`crate::Network::add_peer_address`]).
    pub(crate) fn authenticated_peer(&mut self, from: SocketAddr, key: &[u8], mid: Mid) -> Peer {
        if self.core.network.add_peer_address(mid, from)
            && let Some(known) = self.core.network.peer(&mid)
        {
            return known.clone();
        }
        // Heard from now: the signed packet just arrived. py-ipv8 builds this peer with
        // `intro=True` (`last_response = 0`), and a peer that then falls silent is never
        // dropped by RandomChurn; here it is dropped `drop_time` after this packet.
        Peer::new(key.into(), mid, from, self.now, true)
    }

    /// The public key of `mid` as a peer record holds it: the known verified peer's (shared,
    /// so a packet of a known peer allocates nothing), else a new copy of `key`.
    pub(crate) fn shared_key(&self, mid: Mid, key: &[u8]) -> Arc<[u8]> {
        match self.core.network.peer(&mid) {
            Some(known) if **known.key() == *key => Arc::clone(known.key()),
            _ => key.into(),
        }
    }
}
