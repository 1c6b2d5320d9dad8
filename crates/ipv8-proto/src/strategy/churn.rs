//! [`RandomChurn`]: ping inactive peers, drop peers silent past `drop_time`.
//!
//! Ports py-ipv8 `peerdiscovery/churn.py` (sample 8, ping interval 10 s, inactive 27.5 s,
//! drop 57.5 s). Pings are DiscoveryCommunity's unsigned ping (id 3); on any other community
//! the strategy only drops. docs/spec/PROTOCOL.md §6.5.
//!
//! One addition, so an outage of our own network does not cost us every peer: a silent peer is
//! only dropped if *some* datagram arrived after it went inactive (its `last_response` plus
//! `inactive_time`). While anything else is heard, the rule is py-ipv8's.
//!
//! py-ipv8 checks the drop rule only for the 8 sampled peers, so a dead peer among 30 is
//! dropped up to several seconds after `drop_time`. Here every peer is checked at every step
//! (removal within one walk interval of `drop_time`); pings still go to the sample only.
//!
//! py-ipv8's `_pinged` dict (address → time of the last ping) lives on the [`Peer`] here
//! (`Peer::last_pinged`): it costs no table, goes away with the peer, and lets the walkers see
//! which peers left a ping unanswered (`Peer::is_unresponsive`). A peer that changes address
//! keeps its ping time (py-ipv8 would start the new address afresh).

use ipv8_crypto::Mid;

use super::DiscoveryStrategy;
use crate::community::{Cx, DiscoveryCommunity};
use crate::config::ChurnConfig;
use crate::peer::{MAX_PING_SAMPLES, Peer};
use crate::time::Instant;

/// RandomChurn state.
#[derive(Debug, Clone)]
pub struct RandomChurn {
    config: ChurnConfig,
}

/// py-ipv8 `should_drop` / `is_inactive`: never for peers not heard from since added.
pub fn silent_for_more_than(peer: &Peer, now: Instant, limit: std::time::Duration) -> bool {
    peer.last_response().is_some_and(|last| now > last + limit)
}

impl RandomChurn {
    /// A RandomChurn with `config`.
    #[must_use]
    pub fn new(config: ChurnConfig) -> Self {
        Self { config }
    }

    /// py-ipv8 `should_drop` for a pinged peer, plus the outage guard: something else was heard
    /// after the peer went inactive.
    fn should_drop(&self, peer: &Peer, now: Instant, last_heard: Option<Instant>) -> bool {
        let network_works = match (last_heard, peer.last_response()) {
            (Some(heard), Some(last)) => heard > last + self.config.inactive_time,
            _ => false,
        };
        silent_for_more_than(peer, now, self.config.drop_time)
            && peer.last_pinged().is_some()
            && network_works
    }
}

impl DiscoveryStrategy<DiscoveryCommunity> for RandomChurn {
    fn name(&self) -> &'static str {
        "RandomChurn"
    }

    fn take_step(
        &mut self,
        community: &mut DiscoveryCommunity,
        cx: &mut Cx<'_, DiscoveryCommunity>,
    ) {
        let now = cx.now();
        // Drops: every peer is checked each step (py-ipv8 checks only the sample).
        let doomed: Vec<Mid> = cx
            .network()
            .verified_peers()
            .filter(|p| self.should_drop(p, now, cx.last_datagram_at()))
            .map(Peer::mid)
            .collect();
        for mid in doomed {
            tracing::debug!(%mid, "churn: dropping silent peer");
            cx.network_mut().remove_peer(mid);
        }
        // Pings: a sample of `sample_size` peers, as py-ipv8.
        let all: Vec<Mid> = cx.network().verified_peers().map(Peer::mid).collect();
        let window = cx.rng().sample(&all, self.config.sample_size);
        for mid in window {
            let Some(peer) = cx.network().peer(&mid).cloned() else {
                continue;
            };
            let due = (silent_for_more_than(&peer, now, self.config.inactive_time)
                || peer.ping_count() < MAX_PING_SAMPLES)
                && peer
                    .last_pinged()
                    .is_none_or(|at| now > at + self.config.ping_interval);
            if !due {
                continue;
            }
            if let Some(stored) = cx.network_mut().peer_mut(&mid) {
                stored.set_pinged(now);
            }
            community.send_ping(cx, &peer);
        }
    }
}
