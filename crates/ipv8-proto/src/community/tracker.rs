//! [`Tracker`]: tracker mode, a bootstrap server for every community at once.
//!
//! Ports upstream `scripts/tracker_service.py` (`EndpointServer`, `TrackerChurn`,
//! `TrackerPing`), PROTOCOL.md §6.7 "Reference tracker behaviour": introduction-requests on
//! *any* prefix of version 2 register the requester for that community id, and are answered
//! (with the request's own prefix) by introducing a random other peer of the same community,
//! puncture-request first. Every 10 s the RandomChurn rule runs on a sample of 8 peers, pinging
//! with an introduction-request on one of the peer's communities; no answer within 5 s, or an
//! answer with `peer_limit_reached`, removes that community from the peer. At most 100 peers
//! are kept (oldest first out). Differences: 234 is served too (answered with 233), pings are
//! keyed by the 16-bit identifier, and responses are signed with the node's own key.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use ipv8_crypto::Mid;
use ipv8_wire::ids::{
    INTRODUCTION_REQUEST, INTRODUCTION_RESPONSE, NEW_INTRODUCTION_REQUEST,
    NEW_INTRODUCTION_RESPONSE,
};
use ipv8_wire::{
    CommunityId, Header, IntroductionResponse, NewIntroductionResponse, Prefix, VERSION,
};

use super::introduction::{Intro, Style, create_introduction_response, decode_request};
use super::walk::create_introduction_request;
use super::{Base, OverlayState};
use crate::config::TrackerConfig;
use crate::drops::DropReason;
use crate::network::AddOutcome;
use crate::node::core::Core;
use crate::peer::{MAX_PING_SAMPLES, Peer};
use crate::request_cache::RequestCache;
use crate::strategy::silent_for_more_than;
use crate::time::Instant;

#[derive(Debug, Clone, Copy)]
struct TrackerPing {
    mid: Mid,
    service: CommunityId,
}

/// Tracker-mode state.
pub(crate) struct Tracker {
    pub(crate) state: OverlayState,
    config: TrackerConfig,
    pings: RequestCache<TrackerPing>,
    pinged: BTreeMap<SocketAddr, Instant>,
}

impl Tracker {
    pub(crate) fn new(state: OverlayState, config: TrackerConfig) -> Self {
        Self {
            state,
            config,
            pings: RequestCache::new(config.max_peers.saturating_mul(2).max(16)),
            pinged: BTreeMap::new(),
        }
    }

    pub(crate) fn churn_interval(&self) -> std::time::Duration {
        self.config.churn_interval
    }

    /// When the earliest tracker ping expires.
    pub(crate) fn next_ping_deadline(&self) -> Option<Instant> {
        self.pings.next_deadline()
    }

    /// Handles a datagram whose prefix belongs to no local overlay.
    pub(crate) fn handle(
        &mut self,
        core: &mut Core,
        now: Instant,
        from: SocketAddr,
        header: &Header,
        data: &[u8],
    ) -> Result<(), DropReason> {
        if header.prefix.zero() != 0 || header.prefix.version() != VERSION {
            return Err(DropReason::UnknownPrefix);
        }
        let mut cx = Base {
            now,
            core,
            ov: &mut self.state,
        };
        match header.msg_id {
            INTRODUCTION_REQUEST => on_request(&mut cx, from, data, header.prefix, Style::Old),
            NEW_INTRODUCTION_REQUEST => on_request(&mut cx, from, data, header.prefix, Style::New),
            INTRODUCTION_RESPONSE | NEW_INTRODUCTION_RESPONSE => {
                let (packet, mid) = cx.open_signed(data, true)?;
                let (identifier, limit) = if header.msg_id == INTRODUCTION_RESPONSE {
                    let p = packet.decode_payload::<IntroductionResponse>()?;
                    (p.identifier, p.flags.peer_limit_reached)
                } else {
                    (
                        packet
                            .decode_payload::<NewIntroductionResponse>()?
                            .identifier,
                        false,
                    )
                };
                let ping = self
                    .pings
                    .pop(u64::from(identifier))
                    .ok_or(DropReason::UnsolicitedResponse)?;
                if limit && ping.mid == mid {
                    cx.core
                        .network
                        .forget_service(mid, header.prefix.community_id());
                }
                Ok(())
            }
            _ => Err(DropReason::UnknownMessage),
        }
    }

    /// Expired tracker pings: the peer no longer serves that community.
    pub(crate) fn expire_pings(&mut self, core: &mut Core, now: Instant) {
        while let Some((_, ping)) = self.pings.pop_expired(now) {
            core.network.forget_service(ping.mid, ping.service);
        }
    }

    /// The tracker churn step (py `TrackerChurn.take_step`).
    pub(crate) fn churn(&mut self, core: &mut Core, now: Instant) {
        let all: Vec<Mid> = core.network.verified_peers().map(Peer::mid).collect();
        let window = self.state.rng.sample(&all, self.config.churn.sample_size);
        let churn = self.config.churn;
        for mid in window {
            let Some(peer) = core.network.peer(&mid).cloned() else {
                continue;
            };
            let addr = peer.address();
            if silent_for_more_than(&peer, now, churn.drop_time) && self.pinged.contains_key(&addr)
            {
                core.network.remove_peer(mid);
                self.pinged.remove(&addr);
            } else if silent_for_more_than(&peer, now, churn.inactive_time)
                || peer.ping_count() < MAX_PING_SAMPLES
            {
                if self
                    .pinged
                    .get(&addr)
                    .is_some_and(|at| now > *at + churn.ping_interval)
                {
                    self.pinged.remove(&addr);
                }
                if let std::collections::btree_map::Entry::Vacant(slot) = self.pinged.entry(addr) {
                    slot.insert(now);
                    self.send_ping(core, now, &peer);
                }
            }
        }
        // At most max_peers, oldest (by creation time) removed first.
        let count = core.network.verified_count();
        if count > self.config.max_peers {
            let mut by_age: Vec<(Instant, Mid)> = core
                .network
                .verified_peers()
                .map(|p| (p.creation_time(), p.mid()))
                .collect();
            by_age.sort_unstable();
            for (_, mid) in by_age.into_iter().take(count - self.config.max_peers) {
                core.network.remove_peer(mid);
            }
        }
        if self.pinged.len() > self.config.max_peers.saturating_mul(2) {
            let network = &core.network;
            self.pinged
                .retain(|addr, _| network.verified_by_address(*addr).is_some());
        }
    }

    /// An introduction-request on one of the peer's communities, remembered for 5 s.
    fn send_ping(&mut self, core: &mut Core, now: Instant, peer: &Peer) {
        let services = core.network.services_of(&peer.mid()).to_vec();
        let Some(service) = self.state.rng.choose(&services).copied() else {
            return;
        };
        let prefix = Prefix::for_community(service);
        let mut cx = Base {
            now,
            core,
            ov: &mut self.state,
        };
        let Some(bytes) = create_introduction_request(&mut cx, peer.address(), false, prefix)
        else {
            return;
        };
        let identifier = cx.core.global_time % 65_536;
        let ping = TrackerPing {
            mid: peer.mid(),
            service,
        };
        if let Some((_, evicted)) =
            self.pings
                .insert(identifier, now + self.config.ping_timeout, ping)
        {
            cx.core.network.forget_service(evicted.mid, evicted.service);
        }
        cx.transmit(peer.address(), bytes);
    }
}

/// py `on_generic_introduction_request`.
fn on_request(
    cx: &mut Base<'_>,
    from: SocketAddr,
    data: &[u8],
    prefix: Prefix,
    style: Style,
) -> Result<(), DropReason> {
    let (packet, mid) = cx.open_peer_signed(data, true)?;
    let request = decode_request(&packet, style)?;
    let service = prefix.community_id();
    let mut peer = Peer::new(packet.public_key.into(), mid, from, cx.now, true);
    if let SocketAddr::V4(lan) = request.source_lan {
        peer.set_lan_address(lan);
    }
    if style == Style::New {
        peer.set_new_style(true);
    }
    if cx.core.network.add_verified_peer(peer.clone()) == AddOutcome::TableFull {
        cx.core.drops.record(DropReason::PeerTableFull);
    }
    cx.core.network.discover_services(mid, &[service]);
    let peer = cx.core.network.peer(&mid).cloned().unwrap_or(peer);
    let new_style = style == Style::New;
    let candidates: Vec<Mid> = cx
        .core
        .network
        .peers_for_service(service)
        .filter(|p| p.mid() != mid && (new_style || p.address().is_ipv4()))
        .map(Peer::mid)
        .collect();
    let introduction = cx
        .ov
        .rng
        .choose(&candidates)
        .and_then(|m| cx.core.network.peer(m).cloned());
    let to = peer.address();
    let response = create_introduction_response(
        cx,
        request.destination,
        to,
        request.identifier,
        Intro::Given(introduction),
        prefix,
        new_style,
    )?;
    cx.transmit(to, response);
    Ok(())
}
