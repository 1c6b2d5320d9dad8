//! The DHT's outstanding requests (py-ipv8 `community.Request`), one request-cache type per
//! py-ipv8 prefix: `ping`, `store`, `find` (5 s, find 2 s), and DHTDiscoveryCommunity's
//! `store-peer` and `connect-peer`.
//!
//! A timeout counts a failure against the node (two in a row make it bad) and moves the
//! operation that waited on it along, as py-ipv8's `Request.on_timeout` does.

use std::time::Duration;

use ipv8::prelude::*;
use ipv8::proto::Instant;

use crate::community::DhtOverlay;
use crate::discovery::{DhtDiscoveryCommunity, PeerLookup};
use crate::ops;
use crate::routing::Node;

/// The node asked and when.
#[derive(Debug, Clone)]
pub(crate) struct Asked {
    pub(crate) node: Node,
    pub(crate) sent: Instant,
}

impl Asked {
    pub(crate) fn new(node: Node, sent: Instant) -> Self {
        Self { node, sent }
    }
}

/// An outstanding ping-request, and the connect-peer lookup waiting on it.
pub(crate) struct PingCache(pub(crate) Asked, pub(crate) Option<PeerLookup>);

/// An outstanding store-request of operation `op`.
pub(crate) struct StoreCache {
    pub(crate) asked: Asked,
    pub(crate) op: u64,
}

/// What a find-request is for.
#[derive(Debug, Clone)]
pub(crate) enum Stage {
    /// Asked the responder that named `then` to puncture; contact `then` afterwards.
    Puncture { then: Node },
    /// A crawl's find-request proper.
    Contact,
}

/// An outstanding find-request of crawl `crawl`.
pub(crate) struct FindCache {
    pub(crate) asked: Asked,
    pub(crate) crawl: u64,
    pub(crate) stage: Stage,
    pub(crate) force_nodes: bool,
}

/// An outstanding store-peer-request.
pub(crate) struct StorePeerCache {
    pub(crate) asked: Asked,
    pub(crate) key: [u8; 20],
    pub(crate) op: u64,
}

/// An outstanding connect-peer-request.
pub(crate) struct ConnectPeerCache {
    pub(crate) asked: Asked,
    pub(crate) op: u64,
}

/// py-ipv8 `Request.on_timeout`: one more failure for the node.
fn failed<C: DhtOverlay>(c: &mut C, node: &Node) {
    let dht = c.dht_mut();
    dht.stats.timeouts += 1;
    if let Some(n) = dht.routing.as_mut().and_then(|t| t.get_mut(&node.id)) {
        n.failed += 1;
    }
}

impl<C: DhtOverlay> NumberCache<C> for PingCache {
    const PREFIX: &'static str = "ping";

    fn timeout_delay(&self) -> Duration {
        Duration::from_secs(5)
    }

    fn on_timeout(self, c: &mut C, cx: &mut Cx<'_, C>) {
        failed(c, &self.0.node);
        c.on_ping_result(cx, &self.0.node, false);
        if let Some(lookup) = self.1 {
            lookup.unreachable(c, cx);
        }
    }
}

impl<C: DhtOverlay> NumberCache<C> for StoreCache {
    const PREFIX: &'static str = "store";

    fn timeout_delay(&self) -> Duration {
        Duration::from_secs(5)
    }

    fn on_timeout(self, c: &mut C, _cx: &mut Cx<'_, C>) {
        failed(c, &self.asked.node);
        ops::resolve(c, self.op, None);
    }
}

impl<C: DhtOverlay> NumberCache<C> for FindCache {
    const PREFIX: &'static str = "find";

    fn timeout_delay(&self) -> Duration {
        Duration::from_secs(2)
    }

    fn on_timeout(self, c: &mut C, cx: &mut Cx<'_, C>) {
        failed(c, &self.asked.node);
        ops::find_answered(c, cx, self, None);
    }
}

impl NumberCache<DhtDiscoveryCommunity> for StorePeerCache {
    const PREFIX: &'static str = "store-peer";

    fn timeout_delay(&self) -> Duration {
        Duration::from_secs(5)
    }

    fn on_timeout(self, c: &mut DhtDiscoveryCommunity, _cx: &mut Cx<'_, DhtDiscoveryCommunity>) {
        failed(c, &self.asked.node);
        ops::resolve(c, self.op, None);
    }
}

impl NumberCache<DhtDiscoveryCommunity> for ConnectPeerCache {
    const PREFIX: &'static str = "connect-peer";

    fn timeout_delay(&self) -> Duration {
        Duration::from_secs(5)
    }

    fn on_timeout(self, c: &mut DhtDiscoveryCommunity, _cx: &mut Cx<'_, DhtDiscoveryCommunity>) {
        failed(c, &self.asked.node);
        ops::resolve(c, self.op, None);
    }
}
