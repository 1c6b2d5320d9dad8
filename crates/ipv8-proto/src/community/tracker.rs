//! [`TrackerCommunity`]: tracker mode, a bootstrap server for every community at once, written
//! on the public community API.
//!
//! Ports upstream `scripts/tracker_service.py` (`EndpointServer`, `TrackerChurn`,
//! `TrackerPing`), docs/spec/PROTOCOL.md §6.7 "Reference tracker behaviour": introduction-requests
//! on *any* prefix of version 2 register the requester for that community id, and are answered
//! (with the request's own prefix) by introducing a random other peer of the same community,
//! puncture-request first. Every 10 s the RandomChurn rule runs on a sample of 8 peers, pinging
//! with an introduction-request on one of the peer's communities; no answer within 5 s, or an
//! answer with `peer_limit_reached`, removes that community from the peer. At most 100 peers
//! are kept (oldest first out). Differences: 234 is served too (answered with 233), pings are
//! keyed by the 16-bit identifier, and responses are signed with the node's own key.
//!
//! Like py-ipv8's `EndpointServer`, it serves every unknown prefix
//! ([`Community::serves_any_prefix`]) and overrides the base introduction handlers by
//! registering its own ([`Handlers`]); the datagram's prefix is [`Cx::packet_prefix`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use ipv8_crypto::Mid;
use ipv8_wire::{
    IntroductionRequest, IntroductionResponse, NewIntroductionRequest, NewIntroductionResponse,
    Prefix,
};

use super::{Community, Cx, Handlers, NumberCache};
use crate::config::TrackerConfig;
use crate::drops::DropReason;
use crate::network::AddOutcome;
use crate::peer::{MAX_PING_SAMPLES, Peer};
use crate::strategy::silent_for_more_than;
use crate::time::Instant;

/// An introduction-request the tracker sent to check that a peer still runs `service`.
#[derive(Debug, Clone, Copy)]
struct TrackerPing {
    mid: Mid,
    service: ipv8_wire::CommunityId,
    timeout: Duration,
}

impl NumberCache<TrackerCommunity> for TrackerPing {
    const PREFIX: &'static str = "tracker-ping";

    fn timeout_delay(&self) -> Duration {
        self.timeout
    }

    /// No answer: the peer no longer serves that community.
    fn on_timeout(self, _: &mut TrackerCommunity, cx: &mut Cx<'_, TrackerCommunity>) {
        cx.network_mut().forget_service(self.mid, self.service);
    }
}

/// The name of the churn task.
const CHURN_TASK: &str = "tracker-churn";

/// py-ipv8's `EndpointServer`: introduces peers of each community to each other.
#[derive(Debug, Clone)]
pub struct TrackerCommunity {
    config: TrackerConfig,
    /// py `TrackerChurn._pinged`: address → when it was last pinged.
    pinged: BTreeMap<SocketAddr, Instant>,
}

impl TrackerCommunity {
    /// A tracker with `config`.
    #[must_use]
    pub fn new(config: TrackerConfig) -> Self {
        Self {
            config,
            pinged: BTreeMap::new(),
        }
    }

    /// py `on_generic_introduction_request`: register the requester for the request's
    /// community and introduce another peer of it.
    fn on_request(
        &mut self,
        cx: &mut Cx<'_, Self>,
        peer: &Peer,
        destination: SocketAddr,
        source_lan: SocketAddr,
        identifier: u16,
        new_style: bool,
    ) -> Result<(), DropReason> {
        let prefix = cx.packet_prefix();
        let service = prefix.community_id();
        let mid = peer.mid();
        let mut fresh = Peer::new(peer.key().clone(), mid, peer.address(), cx.now(), true);
        if let SocketAddr::V4(lan) = source_lan {
            fresh.set_lan_address(lan);
        }
        fresh.set_new_style(new_style);
        if cx.network_mut().add_verified_peer(fresh.clone()) == AddOutcome::TableFull {
            cx.count_drop(DropReason::PeerTableFull);
        }
        cx.network_mut().discover_services(mid, &[service]);
        let peer = cx.network().peer(&mid).cloned().unwrap_or(fresh);
        let candidates: Vec<Mid> = cx
            .network()
            .peers_for_service(service)
            .filter(|p| p.mid() != mid && (new_style || p.address().is_ipv4()))
            .map(Peer::mid)
            .collect();
        let chosen = cx.rng().choose(&candidates).copied();
        let introduction = chosen.and_then(|m| cx.network().peer(&m).cloned());
        let to = peer.address();
        let response = cx.create_introduction_response(
            destination,
            to,
            identifier,
            introduction,
            prefix,
            new_style,
        )?;
        cx.send_bytes(to, response);
        Ok(())
    }

    fn on_old_request(
        &mut self,
        cx: &mut Cx<'_, Self>,
        peer: &Peer,
        r: IntroductionRequest,
    ) -> Result<(), DropReason> {
        let (dest, lan) = (r.destination_address.into(), r.source_lan_address.into());
        self.on_request(cx, peer, dest, lan, r.identifier, false)
    }

    fn on_new_request(
        &mut self,
        cx: &mut Cx<'_, Self>,
        peer: &Peer,
        r: NewIntroductionRequest,
    ) -> Result<(), DropReason> {
        let (dest, lan) = (r.destination_address, r.source_lan_address);
        self.on_request(cx, peer, dest, lan, r.identifier, true)
    }

    /// An answer to a tracker ping: the peer still runs the community, unless it says its
    /// community is full.
    fn on_response(
        cx: &mut Cx<'_, Self>,
        peer: &Peer,
        identifier: u16,
        limit: bool,
    ) -> Result<(), DropReason> {
        let ping = cx
            .pop_cache::<TrackerPing>(u64::from(identifier))
            .ok_or(DropReason::UnsolicitedResponse)?;
        if limit && ping.mid == peer.mid() {
            let service = cx.packet_prefix().community_id();
            cx.network_mut().forget_service(ping.mid, service);
        }
        Ok(())
    }

    fn on_old_response(
        &mut self,
        cx: &mut Cx<'_, Self>,
        peer: &Peer,
        r: IntroductionResponse,
    ) -> Result<(), DropReason> {
        Self::on_response(cx, peer, r.identifier, r.flags.peer_limit_reached)
    }

    fn on_new_response(
        &mut self,
        cx: &mut Cx<'_, Self>,
        peer: &Peer,
        r: NewIntroductionResponse,
    ) -> Result<(), DropReason> {
        Self::on_response(cx, peer, r.identifier, false)
    }

    /// The tracker churn step (py `TrackerChurn.take_step`).
    fn churn(&mut self, cx: &mut Cx<'_, Self>) {
        let now = cx.now();
        let churn = self.config.churn;
        let all: Vec<Mid> = cx.network().verified_peers().map(Peer::mid).collect();
        let window = cx.rng().sample(&all, churn.sample_size);
        for mid in window {
            let Some(peer) = cx.network().peer(&mid).cloned() else {
                continue;
            };
            let addr = peer.address();
            if silent_for_more_than(&peer, now, churn.drop_time) && self.pinged.contains_key(&addr)
            {
                cx.network_mut().remove_peer(mid);
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
                    self.send_ping(cx, &peer);
                }
            }
        }
        // At most max_peers, oldest (by creation time) removed first.
        let count = cx.network().verified_count();
        if count > self.config.max_peers {
            let mut by_age: Vec<(Instant, Mid)> = cx
                .network()
                .verified_peers()
                .map(|p| (p.creation_time(), p.mid()))
                .collect();
            by_age.sort_unstable();
            for (_, mid) in by_age.into_iter().take(count - self.config.max_peers) {
                cx.network_mut().remove_peer(mid);
            }
        }
        if self.pinged.len() > self.config.max_peers.saturating_mul(2) {
            let network = cx.network();
            self.pinged
                .retain(|addr, _| network.verified_by_address(*addr).is_some());
        }
    }

    /// An introduction-request on one of the peer's communities, remembered for 5 s.
    fn send_ping(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer) {
        let services = cx.network().services_of(&peer.mid()).to_vec();
        let Some(service) = cx.rng().choose(&services).copied() else {
            return;
        };
        let prefix = Prefix::for_community(service);
        let Some((bytes, identifier)) =
            cx.create_introduction_request(peer.address(), false, prefix)
        else {
            return;
        };
        let ping = TrackerPing {
            mid: peer.mid(),
            service,
            timeout: self.config.ping_timeout,
        };
        cx.add_cache_numbered(u64::from(identifier), ping);
        cx.send_bytes(peer.address(), bytes);
    }
}

impl Community for TrackerCommunity {
    type Command = ();
    type Event = ();

    fn handlers(h: &mut Handlers<Self>) {
        h.signed(Self::on_old_request)
            .signed(Self::on_new_request)
            .signed(Self::on_old_response)
            .signed(Self::on_new_response);
    }

    fn started(&mut self, cx: &mut Cx<'_, Self>) {
        let interval = self.config.churn_interval;
        if let Err(e) = cx.register_task(CHURN_TASK, interval, Some(interval), Self::churn) {
            tracing::warn!(error = %e, "tracker churn not scheduled");
        }
    }

    fn serves_any_prefix(&self) -> bool {
        true
    }
}
