//! [`Snapshot`]: a cloned, read-only view of the node and the endpoint, published through a
//! `tokio::sync::watch` channel at most every `snapshot_interval` (250 ms).
//!
//! REST, status pages and tests read snapshots and never touch the driver task's state, so a
//! slow reader cannot stall the node (ARCHITECTURE-STUDY §7.3 step 4). Timestamps of the node are
//! its own `Instant`s; [`Snapshot::wall_clock`] renders them as py-ipv8's Unix floats.

use std::time::{Duration, SystemTime};

use ipv8_proto::OverlayInfo;
use ipv8_proto::drops::DropCounters;
use ipv8_proto::network::Network;
use ipv8_proto::stats::Statistics;
use ipv8_proto::time::{Instant as NodeInstant, WallClock};
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
    /// Message statistics per community and message id (py-ipv8 `/overlays/statistics`).
    pub statistics: Statistics,
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
            drops: DropCounters::default(),
            health: Health::closed(),
        }
    }

    /// Verified peers in the whole network.
    pub fn peer_count(&self) -> usize {
        self.network.verified_count()
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
    fn placeholder_is_closed() {
        let s = Snapshot::placeholder();
        assert!(!s.health.is_open);
        assert_eq!(s.peer_count(), 0);
    }
}
