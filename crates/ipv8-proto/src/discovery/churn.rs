//! [`RandomChurn`]: ping inactive peers, drop peers silent past `drop_time`.
//!
//! Ports py-ipv8 `peerdiscovery/churn.py` (sample 8, ping interval 10 s, inactive 27.5 s,
//! drop 57.5 s). Pings are DiscoveryCommunity's unsigned ping (id 3); on any other community
//! the strategy only drops. PROTOCOL.md §6.5.
//!
//! One addition, so an outage of our own network does not cost us every peer: a silent peer is
//! only dropped if *some* datagram arrived after it went inactive (its `last_response` plus
//! `inactive_time`). While anything else is heard, the rule is py-ipv8's.

use std::any::Any;
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::net::SocketAddr;

use ipv8_crypto::Mid;

use crate::community::{Community, Cx, DiscoveryCommunity};
use crate::config::ChurnConfig;
use crate::peer::{MAX_PING_SAMPLES, Peer};
use crate::time::Instant;

/// RandomChurn state.
#[derive(Debug, Clone)]
pub(crate) struct RandomChurn {
    config: ChurnConfig,
    pinged: BTreeMap<SocketAddr, Instant>,
}

/// py-ipv8 `should_drop` / `is_inactive`: never for peers not heard from since added.
pub(crate) fn silent_for_more_than(peer: &Peer, now: Instant, limit: std::time::Duration) -> bool {
    peer.last_response().is_some_and(|last| now > last + limit)
}

impl RandomChurn {
    pub(crate) fn new(config: ChurnConfig) -> Self {
        Self {
            config,
            pinged: BTreeMap::new(),
        }
    }

    pub(crate) fn take_step(&mut self, cx: &mut Cx<'_>, community: &mut dyn Community) {
        let now = cx.now;
        let all: Vec<Mid> = cx.core.network.verified_peers().map(Peer::mid).collect();
        let window = cx.core.churn_rng.sample(&all, self.config.sample_size);
        for mid in window {
            let Some(peer) = cx.core.network.peer(&mid).cloned() else {
                continue;
            };
            let addr = peer.address();
            let network_works = match (cx.core.last_heard, peer.last_response()) {
                (Some(heard), Some(last)) => heard > last + self.config.inactive_time,
                _ => false,
            };
            if silent_for_more_than(&peer, now, self.config.drop_time)
                && self.pinged.contains_key(&addr)
                && network_works
            {
                tracing::debug!(%mid, "churn: dropping silent peer");
                cx.core.network.remove_peer(mid);
                self.pinged.remove(&addr);
            } else if silent_for_more_than(&peer, now, self.config.inactive_time)
                || peer.ping_count() < MAX_PING_SAMPLES
            {
                if self
                    .pinged
                    .get(&addr)
                    .is_some_and(|at| now > *at + self.config.ping_interval)
                {
                    self.pinged.remove(&addr);
                }
                if let Entry::Vacant(slot) = self.pinged.entry(addr) {
                    slot.insert(now);
                    let any: &mut dyn Any = &mut *community;
                    if let Some(discovery) = any.downcast_mut::<DiscoveryCommunity>() {
                        discovery.send_ping(cx, &peer);
                    }
                }
            }
        }
        // Bound: forget pings of addresses that no longer belong to a verified peer.
        if self.pinged.len() > all.len().saturating_mul(2).saturating_add(16) {
            let network = &cx.core.network;
            self.pinged
                .retain(|addr, _| network.verified_by_address(*addr).is_some());
        }
    }
}
