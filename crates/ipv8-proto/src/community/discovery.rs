//! [`DiscoveryCommunity`]: similarity request/response (community ids per peer) and
//! ping/pong (RTT samples for RandomChurn).
//!
//! Ports py-ipv8 `peerdiscovery/community.py` (`DiscoveryCommunity`, `PingRequestCache`).
//! Its legacy 246 handling is `on_legacy_introduction_request` in `community/introduction.rs`,
//! selected by [`Community::legacy_introduction_requests`]. PROTOCOL.md §5.9 and §6.2.
//!
//! One difference: pending pings are keyed by the 16-bit identifier the pong echoes, so pongs
//! keep matching after the Lamport clock passes 65 535 (py-ipv8 keys them by the full clock).

use std::net::SocketAddr;
use std::time::Duration;

use ipv8_crypto::Mid;
use ipv8_wire::ids::{PING, PONG, SIMILARITY_REQUEST, SIMILARITY_RESPONSE};
use ipv8_wire::{
    CommunityId, Ping, Pong, SimilarityRequest, SimilarityRequestFlags, SimilarityResponse,
    UnsignedPacket,
};

use super::{Authenticated, Community, Cx, Message, MessageKind};
use crate::drops::DropReason;
use crate::network::AddOutcome;
use crate::peer::Peer;
use crate::request_cache::RequestCache;
use crate::time::Instant;

/// py-ipv8 `PingRequestCache.timeout_delay`.
pub const PING_TIMEOUT: Duration = Duration::from_secs(5);
/// Outstanding pings kept at most.
const MAX_PENDING_PINGS: usize = 64;
/// The community timer key of the ping cache.
const PING_TIMER: u64 = 1;

#[derive(Debug, Clone, Copy)]
struct PendingPing {
    mid: Mid,
    sent: Instant,
}

/// The DiscoveryCommunity plugin.
#[derive(Debug, Clone)]
pub struct DiscoveryCommunity {
    pings: RequestCache<PendingPing>,
}

impl Default for DiscoveryCommunity {
    fn default() -> Self {
        Self::new()
    }
}

impl DiscoveryCommunity {
    /// A DiscoveryCommunity with no outstanding pings.
    #[must_use]
    pub fn new() -> Self {
        Self {
            pings: RequestCache::new(MAX_PENDING_PINGS),
        }
    }

    /// Number of pings awaiting a pong.
    #[must_use]
    pub fn pending_pings(&self) -> usize {
        self.pings.len()
    }

    fn arm(&self, cx: &mut Cx<'_>) {
        match self.pings.next_deadline() {
            Some(at) => cx.set_timer(PING_TIMER, at),
            None => cx.cancel_timer(PING_TIMER),
        }
    }

    /// Sends an unsigned ping and remembers it for 5 s (py-ipv8 `send_ping`).
    pub fn send_ping(&mut self, cx: &mut Cx<'_>, peer: &Peer) {
        let global_time = cx.claim_global_time();
        let identifier = u16::try_from(global_time % 65_536).unwrap_or(0);
        let pending = PendingPing {
            mid: peer.mid(),
            sent: cx.now(),
        };
        self.pings
            .insert(u64::from(identifier), cx.now() + PING_TIMEOUT, pending);
        self.arm(cx);
        cx.send(peer.address(), global_time, &Ping { identifier });
    }

    /// Sends a similarity-request with our community ids to `addr` (py-ipv8
    /// `send_similarity_request`; one key, so one message).
    pub fn send_similarity_request(&mut self, cx: &mut Cx<'_>, addr: SocketAddr) {
        let global_time = cx.claim_global_time();
        let payload = SimilarityRequest {
            identifier: u16::try_from(global_time % 65_536).unwrap_or(0),
            lan_address: cx.lan_estimate(),
            wan_address: cx.wan_estimate(),
            flags: SimilarityRequestFlags::default(),
            preference_list: cx.local_communities().iter().flat_map(|c| c.0).collect(),
        };
        cx.send(addr, global_time, &payload);
    }

    fn on_similarity_request(
        &mut self,
        cx: &mut Cx<'_>,
        from: SocketAddr,
        auth: &Authenticated<'_>,
    ) -> Result<(), DropReason> {
        let (packet, mid) = (auth.packet, auth.mid);
        let request = packet.decode_payload::<SimilarityRequest>()?;
        let peer = cx.authenticated_peer(from, packet.public_key, mid);
        let services: Vec<CommunityId> = request
            .preference_list
            .chunks_exact(20)
            .filter_map(|c| <[u8; 20]>::try_from(c).ok().map(CommunityId))
            .collect();
        cx.network_mut().discover_services(mid, &services);
        let global_time = cx.claim_global_time();
        let response = SimilarityResponse {
            identifier: request.identifier,
            preference_list: cx.local_communities().to_vec(),
            tb_overlap: Vec::new(),
        };
        cx.send(peer.address(), global_time, &response);
        Ok(())
    }

    fn on_similarity_response(
        &mut self,
        cx: &mut Cx<'_>,
        from: SocketAddr,
        auth: &Authenticated<'_>,
    ) -> Result<(), DropReason> {
        let (packet, mid) = (auth.packet, auth.mid);
        let response = packet.decode_payload::<SimilarityResponse>()?;
        if cx.over_max_peers() && cx.network().peer(&mid).is_none() {
            return Err(DropReason::MaxPeers);
        }
        let peer = cx.authenticated_peer(from, packet.public_key, mid);
        if cx.network_mut().add_verified_peer(peer) == AddOutcome::TableFull {
            return Err(DropReason::PeerTableFull);
        }
        cx.network_mut()
            .discover_services(mid, &response.preference_list);
        Ok(())
    }

    fn on_ping(cx: &mut Cx<'_>, from: SocketAddr, data: &[u8]) -> Result<(), DropReason> {
        let packet = UnsignedPacket::parse(data)?;
        let ping = packet.decode_payload::<Ping>()?;
        let global_time = cx.claim_global_time();
        cx.send(
            from,
            global_time,
            &Pong {
                identifier: ping.identifier,
            },
        );
        Ok(())
    }

    fn on_pong(&mut self, cx: &mut Cx<'_>, data: &[u8]) -> Result<(), DropReason> {
        let packet = UnsignedPacket::parse(data)?;
        let pong = packet.decode_payload::<Pong>()?;
        let pending = self
            .pings
            .pop(u64::from(pong.identifier))
            .ok_or(DropReason::UnsolicitedPong)?;
        self.arm(cx);
        let rtt = cx.now().saturating_duration_since(pending.sent);
        if let Some(peer) = cx.network_mut().peer_mut(&pending.mid) {
            peer.add_ping(rtt);
        }
        Ok(())
    }
}

impl Community for DiscoveryCommunity {
    fn message_kind(&self, msg_id: u8) -> Option<MessageKind> {
        match msg_id {
            SIMILARITY_REQUEST | SIMILARITY_RESPONSE => Some(MessageKind::Signed),
            PING | PONG => Some(MessageKind::Unsigned),
            _ => None,
        }
    }

    fn on_message(&mut self, cx: &mut Cx<'_>, msg: &Message<'_>) -> Result<(), DropReason> {
        match (msg.header.msg_id, &msg.auth) {
            (SIMILARITY_REQUEST, Some(auth)) => self.on_similarity_request(cx, msg.from, auth),
            (SIMILARITY_RESPONSE, Some(auth)) => self.on_similarity_response(cx, msg.from, auth),
            (PING, _) => Self::on_ping(cx, msg.from, msg.data),
            (PONG, _) => self.on_pong(cx, msg.data),
            _ => Err(DropReason::UnknownMessage),
        }
    }

    fn on_timer(&mut self, cx: &mut Cx<'_>, key: u64) {
        if key == PING_TIMER {
            // An unanswered ping is no evidence of death: dropping is left to the churn.
            while self.pings.pop_expired(cx.now()).is_some() {}
            self.arm(cx);
        }
    }

    fn introduction_response_callback(&mut self, cx: &mut Cx<'_>, peer: &Peer, _extra: &[u8]) {
        self.send_similarity_request(cx, peer.address());
    }

    fn legacy_introduction_requests(&self) -> bool {
        true
    }

    fn handler_name(&self, msg_id: u8) -> Option<&'static str> {
        match msg_id {
            SIMILARITY_REQUEST => Some("on_similarity_request"),
            SIMILARITY_RESPONSE => Some("on_similarity_response"),
            PING => Some("on_ping"),
            PONG => Some("on_pong"),
            _ => None,
        }
    }
}
