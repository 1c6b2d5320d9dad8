//! [`PeriodicSimilarity`]: at most once per second, a similarity-request to a random peer.
//!
//! Ports `PeriodicSimilarity` of py-ipv8 `peerdiscovery/community.py`.

use std::any::Any;
use std::time::Duration;

use ipv8_crypto::Mid;

use crate::community::{Community, Cx, DiscoveryCommunity};
use crate::peer::Peer;
use crate::time::Instant;

/// PeriodicSimilarity state.
#[derive(Debug, Clone, Default)]
pub(crate) struct PeriodicSimilarity {
    last_step: Option<Instant>,
}

impl PeriodicSimilarity {
    pub(crate) fn take_step(&mut self, cx: &mut Cx<'_>, community: &mut dyn Community) {
        let now = cx.now;
        if self
            .last_step
            .is_some_and(|last| now.saturating_duration_since(last) < Duration::from_secs(1))
            || cx.core.network.verified_count() == 0
        {
            return;
        }
        self.last_step = Some(now);
        let all: Vec<Mid> = cx.core.network.verified_peers().map(Peer::mid).collect();
        let Some(mid) = cx.core.walk_rng.choose(&all).copied() else {
            return;
        };
        let Some(addr) = cx.core.network.peer(&mid).map(Peer::address) else {
            return;
        };
        let any: &mut dyn Any = community;
        if let Some(discovery) = any.downcast_mut::<DiscoveryCommunity>() {
            discovery.send_similarity_request(cx, addr);
        }
    }
}
