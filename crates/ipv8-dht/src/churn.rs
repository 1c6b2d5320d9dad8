//! [`PingChurn`]: the DHT's maintenance strategy (py-ipv8 `ipv8/dht/churn.py`).
//!
//! Every step: bad nodes leave the routing table (and the DHT's peer list), the DHT's peers
//! that fit in no bucket leave the peer list, routing-table nodes become DHT peers, and every
//! node not pinged for [`PING_INTERVAL`] is pinged.
//!
//! py-ipv8's DHT keeps a private peer list; here the node's peer graph is shared by every
//! community, so a node dropped by PingChurn only loses the DHT service
//! (`Network::forget_service`) and stays a peer of the other communities.

use std::sync::Arc;
use std::time::Duration;

use ipv8::prelude::*;

use crate::community::{DhtOverlay, table};
use crate::routing::Node;
use crate::{PING_INTERVAL, ops};

/// py-ipv8's PingChurn strategy.
#[derive(Debug, Clone, Copy)]
pub struct PingChurn {
    ping_interval: Duration,
}

impl Default for PingChurn {
    fn default() -> Self {
        Self::new(PING_INTERVAL)
    }
}

impl PingChurn {
    /// Pings every routing-table node once per `ping_interval` (py-ipv8 default 25 s).
    #[must_use]
    pub fn new(ping_interval: Duration) -> Self {
        Self { ping_interval }
    }
}

impl<C: DhtOverlay> DiscoveryStrategy<C> for PingChurn {
    fn name(&self) -> &'static str {
        "PingChurn"
    }

    fn take_step(&mut self, c: &mut C, cx: &mut Cx<'_, C>) {
        let now = cx.now();
        let community = cx.community_id();
        let Some(routing) = c.dht_mut().routing.as_mut() else {
            return;
        };
        for node in routing.remove_bad_nodes(now) {
            cx.network_mut().forget_service(node.mid, community);
        }
        for peer in cx.peers() {
            if !peer.address().is_ipv4() || cx.network().is_blacklisted(peer.address()) {
                continue;
            }
            let node = Node::new(peer.public_key_bin().to_vec(), peer.address());
            let t = table(c, cx);
            if !t.has(&node.id) && t.add(node, now).is_none() {
                cx.network_mut().forget_service(peer.mid(), community);
            }
        }
        let nodes: Vec<Node> = table(c, cx).nodes().cloned().collect();
        for node in &nodes {
            if cx.network().peer(&node.mid).is_none() {
                let key: Arc<[u8]> = node.public_key.clone().into();
                let peer = Peer::new(key, node.mid, node.address, now, false);
                cx.network_mut().add_verified_peer(peer);
            }
            if !cx.network().services_of(&node.mid).contains(&community) {
                cx.network_mut().discover_services(node.mid, &[community]);
            }
        }
        for node in nodes {
            if node
                .last_ping_sent
                .is_none_or(|at| at + self.ping_interval <= now)
            {
                ops::ping(c, cx, &node);
            }
        }
    }
}
