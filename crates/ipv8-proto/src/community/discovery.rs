//! [`DiscoveryCommunity`]: similarity request/response (community ids per peer) and
//! ping/pong (RTT samples for RandomChurn), written on the public community API.
//!
//! Ports py-ipv8 `peerdiscovery/community.py` (`DiscoveryCommunity`, `PingRequestCache`).
//! Its legacy 246 handling is `on_legacy_introduction_request` in `community/introduction.rs`,
//! selected by [`Community::legacy_introduction_requests`]. docs/spec/PROTOCOL.md §5.9 and §6.2.
//!
//! One difference: pending pings are keyed by the 16-bit identifier the pong echoes, so pongs
//! keep matching after the Lamport clock passes 65 535 (py-ipv8 keys them by the full clock).

use std::net::SocketAddr;
use std::time::Duration;

use ipv8_crypto::Mid;
use ipv8_wire::{
    CommunityId, Ping, Pong, SimilarityRequest, SimilarityRequestFlags, SimilarityResponse,
};

use super::{Community, Cx, Handlers, NumberCache};
use crate::config::StrategyConfig;
use crate::drops::DropReason;
use crate::network::AddOutcome;
use crate::peer::Peer;
use crate::strategy::{DiscoveryStrategy, PeriodicSimilarity, RandomChurn};
use crate::time::Instant;

/// py-ipv8 `PingRequestCache.timeout_delay`.
pub const PING_TIMEOUT: Duration = Duration::from_secs(5);

/// An outstanding ping (py-ipv8 `PingRequestCache`), numbered by its identifier.
#[derive(Debug, Clone, Copy)]
struct PendingPing {
    mid: Mid,
    sent: Instant,
}

impl NumberCache<DiscoveryCommunity> for PendingPing {
    const PREFIX: &'static str = "discovery-ping";

    fn timeout_delay(&self) -> Duration {
        PING_TIMEOUT
    }
    // An unanswered ping is no evidence of death: dropping is left to RandomChurn.
}

/// py-ipv8's DiscoveryCommunity: every node runs it; it tells peers which communities we run
/// and measures round-trip times for RandomChurn.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryCommunity {
    _private: (),
}

impl DiscoveryCommunity {
    /// A DiscoveryCommunity with no outstanding pings.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends an unsigned ping and remembers it for 5 s (py-ipv8 `send_ping`).
    pub fn send_ping(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer) {
        let global_time = cx.claim_global_time();
        let identifier = u16::try_from(global_time % 65_536).unwrap_or(0);
        let pending = PendingPing {
            mid: peer.mid(),
            sent: cx.now(),
        };
        cx.add_cache_numbered(u64::from(identifier), pending);
        cx.send_with_global_time(peer.address(), global_time, &Ping { identifier });
    }

    /// Sends a similarity-request with our community ids to `addr` (py-ipv8
    /// `send_similarity_request`; one key, so one message).
    pub fn send_similarity_request(&mut self, cx: &mut Cx<'_, Self>, addr: SocketAddr) {
        let global_time = cx.claim_global_time();
        let payload = SimilarityRequest {
            identifier: u16::try_from(global_time % 65_536).unwrap_or(0),
            lan_address: cx.lan_estimate(),
            wan_address: cx.wan_estimate(),
            flags: SimilarityRequestFlags::default(),
            preference_list: cx.local_communities().iter().flat_map(|c| c.0).collect(),
        };
        cx.send_with_global_time(addr, global_time, &payload);
    }

    /// Number of pings awaiting a pong.
    #[must_use]
    pub fn pending_pings(cx: &Cx<'_, Self>) -> usize {
        cx.cache_len()
    }

    fn on_similarity_request(
        &mut self,
        cx: &mut Cx<'_, Self>,
        peer: &Peer,
        request: SimilarityRequest,
    ) {
        let services: Vec<CommunityId> = request
            .preference_list
            .chunks_exact(20)
            .filter_map(|c| <[u8; 20]>::try_from(c).ok().map(CommunityId))
            .collect();
        cx.network_mut().discover_services(peer.mid(), &services);
        let response = SimilarityResponse {
            identifier: request.identifier,
            preference_list: cx.local_communities().to_vec(),
            tb_overlap: Vec::new(),
        };
        cx.ez_send(peer, &response);
    }

    fn on_similarity_response(
        &mut self,
        cx: &mut Cx<'_, Self>,
        peer: &Peer,
        response: SimilarityResponse,
    ) -> Result<(), DropReason> {
        let mid = peer.mid();
        if cx.over_max_peers() && cx.network().peer(&mid).is_none() {
            return Err(DropReason::MaxPeers);
        }
        if cx.network_mut().add_verified_peer(peer.clone()) == AddOutcome::TableFull {
            return Err(DropReason::PeerTableFull);
        }
        cx.network_mut()
            .discover_services(mid, &response.preference_list);
        Ok(())
    }

    fn on_ping(&mut self, cx: &mut Cx<'_, Self>, from: SocketAddr, ping: Ping) {
        cx.send_to(
            from,
            &Pong {
                identifier: ping.identifier,
            },
        );
    }

    fn on_pong(
        &mut self,
        cx: &mut Cx<'_, Self>,
        _from: SocketAddr,
        pong: Pong,
    ) -> Result<(), DropReason> {
        let pending = cx
            .pop_cache::<PendingPing>(u64::from(pong.identifier))
            .ok_or(DropReason::UnsolicitedPong)?;
        let rtt = cx.now().saturating_duration_since(pending.sent);
        if let Some(peer) = cx.network_mut().peer_mut(&pending.mid) {
            peer.add_ping(rtt);
        }
        Ok(())
    }
}

impl Community for DiscoveryCommunity {
    type Command = ();
    type Event = ();

    fn handlers(h: &mut Handlers<Self>) {
        h.signed(Self::on_similarity_request)
            .signed(Self::on_similarity_response)
            .unsigned(Self::on_ping)
            .unsigned(Self::on_pong);
    }

    fn introduction_response_callback(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, _: &[u8]) {
        self.send_similarity_request(cx, peer.address());
    }

    fn legacy_introduction_requests(&self) -> bool {
        true
    }

    fn strategy(config: &StrategyConfig) -> Option<Box<dyn DiscoveryStrategy<Self>>> {
        match config {
            StrategyConfig::RandomChurn(c) => Some(Box::new(RandomChurn::new(*c))),
            StrategyConfig::PeriodicSimilarity => Some(Box::new(PeriodicSimilarity::default())),
            other => super::default_strategy(other),
        }
    }
}
