//! What the node asks of its driver: [`Output`] (datagrams, beacons, DNS look-ups, events) and
//! [`TimerReason`]; plus the bounded queue they wait in.
//!
//! Replaces py-ipv8's direct `endpoint.send` calls (`community.py`, `lazy_community.py`), the
//! `PeerObserver` callbacks (`peerdiscovery/network.py`), `gethostbyname` in
//! `bootstrapping/dispersy/bootstrapper.py` and the broadcast socket of
//! `bootstrapping/udpbroadcast/bootstrapper.py`. Sent datagrams are recorded in the statistics
//! here, when they are queued.

use std::collections::VecDeque;
use std::net::{SocketAddr, SocketAddrV4};

use ipv8_crypto::Mid;
use ipv8_wire::{CommunityId, Header};

use crate::drops::{DropCounters, DropReason};
use crate::network::NetEvent;
use crate::stats::Statistics;
use crate::time::Instant;

/// Outputs kept before the oldest transmits are dropped (the driver is not draining).
pub const OUTPUT_QUEUE_CAP: usize = 4096;

/// One datagram to send from the node's main socket.
#[derive(Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Destination.
    pub to: SocketAddr,
    /// The whole datagram.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Transmit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let id = self.bytes.get(22).copied();
        f.debug_struct("Transmit")
            .field("to", &self.to)
            .field("msg_id", &id)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// Something that happened that an application may care about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A verified peer joined a community's peer list.
    PeerAdded {
        /// The community.
        community: CommunityId,
        /// The peer.
        mid: Mid,
        /// Its preferred address.
        addr: SocketAddr,
    },
    /// A peer left a community's peer list.
    PeerRemoved {
        /// The community.
        community: CommunityId,
        /// The peer.
        mid: Mid,
        /// Its preferred address.
        addr: SocketAddr,
    },
    /// A tracker answered (first answer after start, a network change or an outage).
    Bootstrapped {
        /// The community whose request it answered.
        community: CommunityId,
        /// The tracker.
        tracker: SocketAddr,
    },
    /// A community's WAN estimate changed.
    WanChanged {
        /// The community.
        community: CommunityId,
        /// The new estimate.
        wan: SocketAddrV4,
    },
}

impl From<NetEvent> for Event {
    fn from(e: NetEvent) -> Self {
        match e {
            NetEvent::PeerAdded {
                community,
                mid,
                addr,
            } => Self::PeerAdded {
                community,
                mid,
                addr,
            },
            NetEvent::PeerRemoved {
                community,
                mid,
                addr,
            } => Self::PeerRemoved {
                community,
                mid,
                addr,
            },
        }
    }
}

/// An instruction for the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Send a datagram from the main socket.
    Transmit(Transmit),
    /// Broadcast a LAN beacon (§5.8) from a broadcast socket to `255.255.255.255` on every port;
    /// datagrams arriving on that socket go to `Node::handle_datagram`.
    Beacon {
        /// The 29-byte beacon.
        bytes: Vec<u8>,
    },
    /// Resolve a tracker name (IPv4); answer with `Node::handle_resolved`.
    Resolve {
        /// Host name.
        host: String,
        /// Port to pair with the resolved addresses.
        port: u16,
    },
    /// An event for the application.
    Event(Event),
}

/// Why the node wants to be woken up (`Node::poll_timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimerReason {
    /// The strategy round (every `walk_interval`).
    Walk,
    /// A timer of one community (its request cache, its own jobs).
    Community(CommunityId),
}

/// Outputs the drained queue keeps room for: the answers to one full default receive burst
/// (512 datagrams, up to two answers each), ≈ 64 KiB, so a flood grows it once, not per burst.
const KEPT_CAPACITY: usize = 1024;

/// The bounded output queue.
#[derive(Debug, Default)]
pub(crate) struct Outputs {
    queue: VecDeque<Output>,
}

impl Outputs {
    pub(crate) fn pop(&mut self) -> Option<Output> {
        let out = self.queue.pop_front();
        if out.is_none() && self.queue.capacity() > KEPT_CAPACITY {
            // Drained after a larger burst: give the rest of the buffer back (memory budget),
            // but keep room for a burst's outputs so the next one does not allocate it anew.
            self.queue.shrink_to(KEPT_CAPACITY);
        }
        out
    }

    fn push(&mut self, out: Output, drops: &mut DropCounters) {
        if self.queue.len() >= OUTPUT_QUEUE_CAP {
            // Drop the oldest transmit (events and resolves are rare and small).
            if let Some(pos) = self
                .queue
                .iter()
                .position(|o| matches!(o, Output::Transmit(_)))
            {
                self.queue.remove(pos);
            } else {
                self.queue.pop_front();
            }
            drops.record(DropReason::OutputQueueFull);
        }
        self.queue.push_back(out);
    }

    /// Queues a datagram and records it in the statistics.
    pub(crate) fn transmit(
        &mut self,
        stats: &mut Statistics,
        drops: &mut DropCounters,
        now: Instant,
        to: SocketAddr,
        bytes: Vec<u8>,
    ) {
        if to.port() == 0 || to.ip().is_unspecified() {
            drops.record(DropReason::UnsupportedAddress);
            return;
        }
        if let Ok(header) = Header::parse(&bytes) {
            stats.record_out(&header, bytes.len(), now);
        }
        self.push(Output::Transmit(Transmit { to, bytes }), drops);
    }

    pub(crate) fn other(&mut self, out: Output, drops: &mut DropCounters) {
        self.push(out, drops);
    }

    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }
}
