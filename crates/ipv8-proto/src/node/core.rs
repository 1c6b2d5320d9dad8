//! `Core`: the state every overlay shares, as a few narrow owners — [`Me`] (our key, the
//! signature verifier, the Lamport clock), [`Whereabouts`] (our own addresses), [`Outbox`]
//! (everything handed to the driver and the application, with the statistics and drop
//! counters that account for it) — next to the shared `Network`, the tracker list and the
//! node-level bootstrap stream.
//!
//! Gathers what py-ipv8 spreads over `ipv8_service.py` (one `Network`, one endpoint),
//! `overlay.py` (`claim_global_time` on the shared `my_peer`), `lazy_community.py`
//! (`_ez_pack`, `_verify_signature`) and `messaging/interfaces/endpoint.py` (LAN estimate).

use std::any::Any;
use std::collections::VecDeque;
use std::net::{SocketAddr, SocketAddrV4};
use std::sync::Arc;

use ipv8_crypto::Mid;
use ipv8_wire::{CommunityId, SignedPacket};

use crate::address::LocalAddresses;
use crate::bootstrap::Trackers;
use crate::crypto::{CryptoProvider, Identity};
use crate::drops::{DropCounters, DropReason};
use crate::network::Network;
use crate::node::outputs::{Event, Output, Outputs};
use crate::rng::NodeRng;
use crate::stats::Statistics;
use crate::time::Instant;

/// Shared node state, borrowed mutably by one overlay at a time.
pub(crate) struct Core {
    pub(crate) network: Network,
    pub(crate) me: Me,
    pub(crate) addresses: Whereabouts,
    pub(crate) outbox: Outbox,
    /// Ids of every local community (the similarity preference list).
    pub(crate) communities: Vec<CommunityId>,
    pub(crate) trackers: Trackers,
    /// When any datagram last arrived (evidence that our own network works).
    pub(crate) last_heard: Option<Instant>,
    pub(crate) boot_rng: NodeRng,
}

/// The node's own key, the verifier of everyone else's, and the Lamport clock.
pub(crate) struct Me {
    pub(crate) identity: Arc<dyn Identity>,
    pub(crate) key: Arc<[u8]>,
    pub(crate) mid: Mid,
    pub(crate) crypto: Box<dyn CryptoProvider>,
    pub(crate) global_time: u64,
}

impl Me {
    /// Increments the Lamport clock and returns the new value (py-ipv8 `claim_global_time`).
    pub(crate) fn claim_global_time(&mut self) -> u64 {
        self.global_time = self.global_time.saturating_add(1);
        self.global_time
    }

    /// Splits a signed datagram and computes the sender's mid (no verification yet).
    pub(crate) fn parse_signed<'d>(
        &self,
        data: &'d [u8],
        with_global_time: bool,
    ) -> Result<(SignedPacket<'d>, Mid), DropReason> {
        let packet = SignedPacket::parse_with(data, with_global_time)?;
        let mid = self.crypto.mid(packet.public_key);
        Ok((packet, mid))
    }

    /// Verifies the signature of a parsed packet.
    pub(crate) fn verify(&mut self, packet: &SignedPacket<'_>) -> Result<(), DropReason> {
        if self
            .crypto
            .verify(packet.public_key, packet.signed_part, packet.signature)
        {
            Ok(())
        } else {
            Err(DropReason::BadSignature)
        }
    }
}

/// Where we are: bound sockets and interfaces, what responders saw, a fixed advertisement.
#[derive(Default)]
pub(crate) struct Whereabouts {
    pub(crate) local: LocalAddresses,
    /// Our own IPv4 address as last reported by a responder (py-ipv8 `my_peer.address`).
    pub(crate) my_v4: Option<SocketAddrV4>,
    pub(crate) advertise: Option<SocketAddrV4>,
}

impl Whereabouts {
    /// py-ipv8 `my_estimated_lan`.
    pub(crate) fn lan_estimate(&self) -> SocketAddrV4 {
        self.advertise.unwrap_or_else(|| self.local.lan_estimate())
    }

    /// The `source_lan` of new-style messages: the IPv4 LAN estimate, or on an IPv6-only node
    /// its IPv6 one ([`LocalAddresses::lan_estimate_v6`]; an IPv4 estimate there would carry
    /// port 0, as no IPv4 socket exists).
    pub(crate) fn source_lan(&self) -> SocketAddr {
        match self.local.lan_estimate_v6() {
            Some(v6) if self.advertise.is_none() => v6,
            _ => SocketAddr::V4(self.lan_estimate()),
        }
    }

    /// py-ipv8 `my_preferred_address()`: our IPv6 address if bound to a specific one, else the
    /// IPv4 address the last responder saw, else the LAN estimate
    /// ([`Whereabouts::source_lan`]).
    pub(crate) fn preferred_address(&self) -> SocketAddr {
        if let Some(v6) = self.local.bound_v6().filter(|a| !a.ip().is_unspecified()) {
            return v6;
        }
        if let Some(adv) = self.advertise {
            return SocketAddr::V4(adv);
        }
        self.my_v4.map_or_else(|| self.source_lan(), SocketAddr::V4)
    }
}

/// Everything the node hands out — datagrams, driver instructions, node and community events —
/// and the passive accounting of it: message statistics and drop counters.
#[derive(Default)]
pub(crate) struct Outbox {
    pub(crate) queue: Outputs,
    pub(crate) stats: Statistics,
    pub(crate) drops: DropCounters,
    /// Application events of communities, drained by `Node::poll_community_event`.
    pub(crate) community_events: VecDeque<(CommunityId, Box<dyn Any + Send>)>,
    /// Buffers of sent datagrams given back by the driver (`Node::recycle`), encoded into
    /// again by the next answers.
    spare: Vec<Vec<u8>>,
}

/// Community events kept undrained at most.
const COMMUNITY_EVENT_CAP: usize = 4096;
/// Recycled datagram buffers kept at most, and the capacities kept: 1,024 of 512 B to 2 KiB,
/// the answers to one full default receive burst (512 datagrams, up to two answers each: an
/// introduction-response and a puncture-request), so a flood is answered without allocating.
/// That keeps 0.5 MiB (at most 2 MiB) after a flood; a quiet node keeps what it sent. A new
/// buffer starts at 512 bytes, so the node's usual datagrams (up to ≈ 300 bytes) never grow
/// one, and a recycled buffer fits any of them.
const SPARE_BUFFERS: usize = 1024;
const BUFFER_CAPACITY: usize = 512;
const SPARE_CAPACITY: usize = 2048;

impl Outbox {
    /// A buffer to encode a datagram into: a recycled one, or a new one of 512 bytes.
    pub(crate) fn buffer(&mut self) -> Vec<u8> {
        self.spare
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(BUFFER_CAPACITY))
    }

    /// Keeps a sent datagram's buffer for [`Self::buffer`] (within the bounds above).
    pub(crate) fn recycle(&mut self, bytes: Vec<u8>) {
        let capacity = bytes.capacity();
        if self.spare.len() < SPARE_BUFFERS
            && (BUFFER_CAPACITY..=SPARE_CAPACITY).contains(&capacity)
        {
            self.spare.push(bytes);
        }
    }

    /// Queues a datagram (recording statistics).
    pub(crate) fn transmit(&mut self, now: Instant, to: SocketAddr, bytes: Vec<u8>) {
        self.queue
            .transmit(&mut self.stats, &mut self.drops, now, to, bytes);
    }

    /// Queues a driver instruction or node event.
    pub(crate) fn push(&mut self, out: Output) {
        self.queue.other(out, &mut self.drops);
    }

    /// Queues an application event of community `community` (bounded: the oldest is dropped
    /// and counted when the application does not drain them).
    pub(crate) fn push_community_event(
        &mut self,
        community: CommunityId,
        event: Box<dyn Any + Send>,
    ) {
        if self.community_events.len() >= COMMUNITY_EVENT_CAP {
            self.community_events.pop_front();
            self.drops.record(DropReason::OutputQueueFull);
        }
        self.community_events.push_back((community, event));
    }
}

impl Core {
    /// Increments the Lamport clock and returns the new value (py-ipv8 `claim_global_time`).
    pub(crate) fn claim_global_time(&mut self) -> u64 {
        self.me.claim_global_time()
    }

    /// Queues a datagram (recording statistics).
    pub(crate) fn transmit(&mut self, now: Instant, to: SocketAddr, bytes: Vec<u8>) {
        self.outbox.transmit(now, to, bytes);
    }

    /// Queues a node event.
    pub(crate) fn emit(&mut self, event: Event) {
        self.outbox.push(Output::Event(event));
    }

    /// Moves the network's peer events to the output queue.
    pub(crate) fn flush_network_events(&mut self) {
        for e in self.network.drain_events() {
            self.outbox.push(Output::Event(e.into()));
        }
    }
}
