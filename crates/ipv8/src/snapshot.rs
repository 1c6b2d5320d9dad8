//! [`Snapshot`]: a cloned, read-only view of the node and the endpoint, published through a
//! `tokio::sync::watch` channel at most every `snapshot_interval` (250 ms), and only while
//! someone reads them ([`Demand`]).
//!
//! REST, status pages and tests read snapshots and never touch the driver task's state, so a
//! slow reader cannot stall the node (docs/design/ARCHITECTURE-STUDY.md §7.3 step 4). Timestamps of
//! the node are its own `Instant`s; [`Snapshot::wall_clock`] renders them as py-ipv8's Unix floats.
//!
//! A snapshot clones the peer table, the statistics and the overlay lists: tens of allocations.
//! Built for every change of every node, that was a third of an idle 40-node swarm's CPU
//! (docs/PERFORMANCE.md, "Idle 40-node swarm") while nobody looked. So the driver builds them
//! only on demand: while a [`watch`](crate::Ipv8Handle::watch) receiver exists (REST's history
//! and event relay hold one), at most every `snapshot_interval` as before; otherwise only after
//! [`latest`](crate::Ipv8Handle::latest) asked for one, and always for
//! [`snapshot`](crate::Ipv8Handle::snapshot) and the final one at shutdown.
//!
//! Anything a reader needs from the node itself (not just from its data) is computed here, when
//! the snapshot is taken (never per packet): e.g. the py-ipv8 handler names of message ids in
//! [`Snapshot::message_statistics`], from `Node::handler_name` (`&'static str`s, nothing
//! formatted), so readers never keep a copy of the protocol's tables.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use ipv8_proto::drops::DropCounters;
use ipv8_proto::network::Network;
use ipv8_proto::stats::{NetworkStat, Statistics};
use ipv8_proto::time::{Instant as NodeInstant, WallClock};
use ipv8_proto::{CommunityId, Node, OverlayInfo};
use tokio::time::Instant;

use crate::health::Health;

/// The node and endpoint state at one moment.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Increases by one per published snapshot (0: the placeholder before the first).
    pub seq: u64,
    /// When it was taken (wall clock).
    pub taken_at: SystemTime,
    /// The node's time when it was taken.
    pub now: NodeInstant,
    /// Converts the node's instants to Unix time.
    pub wall_clock: WallClock,
    /// Every overlay with its peers (py-ipv8 `/overlays`).
    pub overlays: Vec<OverlayInfo>,
    /// The peer table shared by all overlays (py-ipv8 `Network`).
    pub network: Network,
    /// Message statistics per community and message id, as the node keeps them.
    pub statistics: Statistics,
    /// The same statistics per overlay with py-ipv8's message names (py-ipv8
    /// `/overlays/statistics`): one entry per overlay whose statistics are on, in overlay order.
    pub message_statistics: Vec<OverlayStatistics>,
    /// Dropped datagrams per reason.
    pub drops: DropCounters,
    /// The endpoint.
    pub health: Health,
}

impl Snapshot {
    /// The placeholder published before the driver has run (nothing bound, nothing known).
    pub fn placeholder() -> Self {
        Self {
            seq: 0,
            taken_at: SystemTime::UNIX_EPOCH,
            now: NodeInstant::ZERO,
            wall_clock: WallClock {
                unix_at_origin: 0.0,
            },
            overlays: Vec::new(),
            network: Network::default(),
            statistics: Statistics::default(),
            message_statistics: Vec::new(),
            drops: DropCounters::default(),
            health: Health::closed(),
        }
    }

    /// Verified peers in the whole network.
    pub fn peer_count(&self) -> usize {
        self.network.verified_count()
    }
}

/// One overlay's message statistics, named as py-ipv8 names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverlayStatistics {
    /// The overlay's community id.
    pub community: CommunityId,
    /// The overlay's name (py-ipv8 `overlay_name`, the key in `/overlays/statistics`).
    pub overlay: String,
    /// One entry per message id with statistics, in the node's order (ascending id).
    pub messages: Vec<MessageStatistics>,
}

/// The statistics of one message id in one overlay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageStatistics {
    /// The message id.
    pub id: u8,
    /// py-ipv8's handler name (e.g. `on_old_introduction_request`, `unknown`), from
    /// `Node::handler_name`; [`MessageStatistics::name`] adds the id.
    pub handler: &'static str,
    /// Counts, bytes and first/last times up and down.
    pub stat: NetworkStat,
}

impl MessageStatistics {
    /// py-ipv8's name, `"<id>:<handler>"` (e.g. `246:on_old_introduction_request`,
    /// `7:unknown`), as `Node::message_name` formats it: built when read, not per snapshot.
    pub fn name(&self) -> String {
        format!("{}:{}", self.id, self.handler)
    }
}

impl OverlayStatistics {
    /// Every overlay of `node` whose statistics are on, in overlay order, with named messages.
    pub(crate) fn collect(node: &Node, overlays: &[OverlayInfo]) -> Vec<Self> {
        let statistics = node.statistics();
        overlays
            .iter()
            .filter_map(|o| {
                let per_id = statistics.prefix(&o.prefix)?;
                let messages = per_id
                    .iter()
                    .map(|(id, stat)| MessageStatistics {
                        id,
                        handler: node.handler_name(o.id, id),
                        stat: *stat,
                    })
                    .collect();
                Some(Self {
                    community: o.id,
                    overlay: o.name.clone(),
                    messages,
                })
            })
            .collect()
    }
}

/// Whether a reader without a `watch` receiver asked for the next snapshot; shared by the
/// handles (which set it) and the driver (which clears it when it publishes).
#[derive(Debug, Default)]
pub(crate) struct Demand {
    wanted: AtomicBool,
}

impl Demand {
    /// A reader looked at the latest snapshot: publish the next change. True for the first
    /// request since the last publication (the caller then wakes the driver; later requests
    /// find it already asked).
    pub(crate) fn request(&self) -> bool {
        !self.wanted.swap(true, Ordering::AcqRel)
    }

    /// Whether a request is pending.
    pub(crate) fn is_wanted(&self) -> bool {
        self.wanted.load(Ordering::Acquire)
    }

    /// The driver is about to publish: requests from now on ask for the one after.
    pub(crate) fn serve(&self) {
        self.wanted.store(false, Ordering::Release);
    }
}

/// When the next snapshot may be published.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pacer {
    interval: Duration,
    last: Option<Instant>,
    dirty: bool,
}

impl Pacer {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            last: None,
            dirty: true,
        }
    }

    /// Something changed that readers should see.
    pub(crate) fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// Whether to publish now (dirty and the interval has passed).
    pub(crate) fn due(&self, now: Instant) -> bool {
        self.dirty && self.last.is_none_or(|last| now >= last + self.interval)
    }

    /// When a dirty snapshot becomes due (`None`: nothing to publish).
    pub(crate) fn deadline(&self) -> Option<Instant> {
        match (self.dirty, self.last) {
            (false, _) => None,
            (true, None) => Some(Instant::now()),
            (true, Some(last)) => Some(last + self.interval),
        }
    }

    /// A snapshot was published at `now`.
    pub(crate) fn published(&mut self, now: Instant) {
        self.last = Some(now);
        self.dirty = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacer_publishes_at_most_once_per_interval() {
        let t0 = Instant::now();
        let mut p = Pacer::new(Duration::from_millis(250));
        assert!(p.due(t0));
        p.published(t0);
        assert!(!p.due(t0 + Duration::from_secs(10)), "nothing changed");
        assert_eq!(p.deadline(), None);
        p.mark_dirty();
        assert!(!p.due(t0 + Duration::from_millis(249)));
        assert_eq!(p.deadline(), Some(t0 + Duration::from_millis(250)));
        assert!(p.due(t0 + Duration::from_millis(250)));
    }

    #[test]
    fn demand_wakes_the_driver_once_per_publication() {
        let d = Demand::default();
        assert!(!d.is_wanted());
        assert!(d.request(), "the first request wakes the driver");
        assert!(!d.request(), "the driver was already asked");
        assert!(d.is_wanted());
        d.serve();
        assert!(!d.is_wanted());
        assert!(
            d.request(),
            "after a publication the next request wakes it again"
        );
    }

    #[test]
    fn placeholder_is_closed() {
        let s = Snapshot::placeholder();
        assert!(!s.health.is_open);
        assert_eq!(s.peer_count(), 0);
        assert!(s.message_statistics.is_empty());
    }

    #[test]
    fn message_statistics_are_named_by_the_node() {
        use ipv8_proto::time::Instant as At;
        use ipv8_proto::{KeyIdentity, NodeConfig};

        let mut node = Node::new(
            NodeConfig::default(),
            KeyIdentity::from_seed(5).into_arc(),
            5,
            At::ZERO,
        );
        let overlays = node.overlays();
        let discovery = overlays
            .iter()
            .find(|o| o.id == CommunityId::DISCOVERY)
            .expect("DiscoveryCommunity by default");
        for id in [246u8, 1, 7] {
            let mut datagram = discovery.prefix.as_bytes().to_vec();
            datagram.push(id);
            datagram.extend_from_slice(&[0; 8]);
            node.handle_datagram(At::ZERO, "192.0.2.1:1".parse().unwrap(), &datagram);
        }
        let named = OverlayStatistics::collect(&node, &overlays);
        let entry = named
            .iter()
            .find(|o| o.community == CommunityId::DISCOVERY)
            .expect("statistics are on by default");
        assert_eq!(entry.overlay, discovery.name);
        let names: Vec<String> = entry.messages.iter().map(MessageStatistics::name).collect();
        assert_eq!(
            names,
            [
                "1:on_similarity_request",
                "7:unknown",
                "246:on_old_introduction_request"
            ]
        );
        assert!(entry.messages.iter().all(|m| m.stat.num_down == 1));
    }
}
