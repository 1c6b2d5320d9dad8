//! [`PeriodicSimilarity`]: at most once per second, a similarity-request to a random peer.
//!
//! Ports `PeriodicSimilarity` of py-ipv8 `peerdiscovery/community.py`.

use std::time::Duration;

use ipv8_crypto::Mid;

use super::DiscoveryStrategy;
use crate::community::{Cx, DiscoveryCommunity};
use crate::peer::Peer;
use crate::time::Instant;

/// PeriodicSimilarity state.
#[derive(Debug, Clone, Default)]
pub struct PeriodicSimilarity {
    last_step: Option<Instant>,
}

impl DiscoveryStrategy<DiscoveryCommunity> for PeriodicSimilarity {
    fn name(&self) -> &'static str {
        "PeriodicSimilarity"
    }

    fn take_step(
        &mut self,
        community: &mut DiscoveryCommunity,
        cx: &mut Cx<'_, DiscoveryCommunity>,
    ) {
        let now = cx.now();
        if self
            .last_step
            .is_some_and(|last| now.saturating_duration_since(last) < Duration::from_secs(1))
            || cx.network().verified_count() == 0
        {
            return;
        }
        self.last_step = Some(now);
        let all: Vec<Mid> = cx.network().verified_peers().map(Peer::mid).collect();
        let Some(mid) = cx.rng().choose(&all).copied() else {
            return;
        };
        let Some(addr) = cx.network().peer(&mid).map(Peer::address) else {
            return;
        };
        community.send_similarity_request(cx, addr);
    }
}
