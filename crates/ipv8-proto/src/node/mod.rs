//! [`Node`]: construction, the input/output surface and the read side.
//!
//! Ports the instance-level parts of py-ipv8 `ipv8_service.py` (overlay and strategy set-up, the
//! strategy loop) and the prefix routing of `messaging/interfaces/endpoint.py`. The routing and
//! timer handling itself is in `node/dispatch.rs`.

mod communities;
pub(crate) mod core;
mod dispatch;
pub(crate) mod outputs;

use std::net::{SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;

use ipv8_crypto::Mid;
use ipv8_wire::{CommunityId, Prefix};

use self::core::{Core, Me, Outbox, Whereabouts};
use self::outputs::{Output, TimerReason};
use crate::address::LocalInterface;
use crate::bootstrap::{BootstrapStatus, DispersyBootstrapper, Trackers};
use crate::community::hosted::Overlay;
use crate::community::walk;
use crate::community::{DiscoveryCommunity, PlainCommunity, TrackerCommunity};
use crate::config::{CommunityConfig, CommunityKind, NodeConfig};
use crate::crypto::{CryptoProvider, Identity, RealCrypto};
use crate::drops::DropCounters;
use crate::network::{AddOutcome, Network};
use crate::peer::Peer;
use crate::rng::{NodeRng, Stream};
use crate::stats::{Aggregate, Statistics};
use crate::time::Instant;
use crate::timers::Timers;

/// A strategy as shown by REST (`strategies` of `/overlays`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyInfo {
    /// py-ipv8 class name.
    pub name: &'static str,
    /// Peer target (`-1` = always runs).
    pub target_peers: i32,
}

/// A snapshot of one overlay, in the shape of py-ipv8's `/overlays` entries.
#[derive(Debug, Clone, PartialEq)]
pub struct OverlayInfo {
    /// Community id.
    pub id: CommunityId,
    /// `overlay_name`.
    pub name: String,
    /// Prefix (`00 02 ‖ id`).
    pub prefix: Prefix,
    /// Our public key bin.
    pub my_public_key: Arc<[u8]>,
    /// Our Lamport clock.
    pub global_time: u64,
    /// The community's verified peers: mid, preferred address, public key bin (shared with the
    /// peer table, not copied).
    pub peers: Vec<(Mid, SocketAddr, Arc<[u8]>)>,
    /// `max_peers`.
    pub max_peers: i32,
    /// `my_estimated_lan`.
    pub my_estimated_lan: SocketAddrV4,
    /// `my_estimated_wan`.
    pub my_estimated_wan: SocketAddrV4,
    /// Strategies with targets.
    pub strategies: Vec<StrategyInfo>,
    /// Aggregate statistics, `None` when statistics are off for this prefix.
    pub statistics: Option<Aggregate>,
    /// Tracker bootstrapping of this overlay.
    pub bootstrap: BootstrapStatus,
    /// Addresses known for this community that are not (yet) peers.
    pub walkable_addresses: usize,
}

/// The sans-IO py-ipv8 node. See the crate documentation for the drive loop.
pub struct Node {
    walk_interval: Duration,
    statistics_on: bool,
    seed: u64,
    core: Core,
    overlays: Vec<Box<dyn Overlay>>,
    timers: Timers<TimerReason>,
    send_failures: u64,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("mid", &self.core.me.mid)
            .field("overlays", &self.overlays.len())
            .field("peers", &self.core.network.verified_count())
            .field("tracker_mode", &self.is_tracker())
            .finish_non_exhaustive()
    }
}

impl Node {
    /// A node with real crypto (`ipv8-crypto`), the built-in communities of `config`, our key
    /// `identity` and every random choice drawn from ChaCha streams of `seed`.
    ///
    /// Invalid configuration is repaired rather than refused (duplicate communities and
    /// communities with `max_peers < -1` are skipped, a zero walk interval becomes 0.5 s); use
    /// [`NodeConfig::validate`] to reject it instead.
    #[must_use]
    pub fn new(config: NodeConfig, identity: Arc<dyn Identity>, seed: u64, now: Instant) -> Self {
        Self::with_crypto(config, identity, Box::new(RealCrypto::default()), seed, now)
    }

    /// As [`Node::new`], with a custom signature verifier (the simulator's cheap signer).
    #[must_use]
    pub fn with_crypto(
        config: NodeConfig,
        identity: Arc<dyn Identity>,
        crypto: Box<dyn CryptoProvider>,
        seed: u64,
        now: Instant,
    ) -> Self {
        let my_key: Arc<[u8]> = identity.public_bin().into();
        let my_mid = crypto.mid(&my_key);
        let mut network = Network::new(config.limits);
        network.blacklist_mid(my_mid);
        let trackers = Trackers::new(&config.bootstrap);
        for addr in &trackers.addrs {
            network.blacklist_address(*addr);
        }
        let walk_interval = if config.walk_interval.is_zero() {
            Duration::from_millis(500)
        } else {
            config.walk_interval
        };
        let core = Core {
            network,
            me: Me {
                identity,
                key: my_key,
                mid: my_mid,
                crypto,
                global_time: 0,
            },
            addresses: Whereabouts {
                advertise: config.advertise,
                ..Whereabouts::default()
            },
            outbox: Outbox::default(),
            communities: Vec::new(),
            trackers,
            last_heard: None,
            boot_rng: NodeRng::child(seed, Stream::Bootstrap),
        };
        let mut node = Self {
            walk_interval,
            statistics_on: config.statistics,
            seed,
            core,
            overlays: Vec::new(),
            timers: Timers::default(),
            send_failures: 0,
        };
        for c in &config.communities {
            let loaded = match c.kind {
                CommunityKind::Discovery => {
                    node.add_community(now, c.clone(), DiscoveryCommunity::new())
                }
                CommunityKind::Plain => node.add_community(now, c.clone(), PlainCommunity),
            };
            if let Err(e) = loaded {
                tracing::warn!(error = %e, "community skipped");
            }
        }
        if config.tracker_mode {
            // py-ipv8's tracker service: an overlay of its own (random id) that serves every
            // unknown prefix.
            let mut rng = NodeRng::child(seed, Stream::Tracker);
            let mut id = [0u8; 20];
            id.copy_from_slice(&rng.bytes32()[..20]);
            let tracker = CommunityConfig {
                walkers: Vec::new(),
                use_trackers: false,
                use_beacon: false,
                ..CommunityConfig::new(CommunityId(id), "EndpointServer")
            };
            if let Err(e) = node.add_community(now, tracker, TrackerCommunity::new(config.tracker))
            {
                tracing::warn!(error = %e, "tracker not loaded");
            }
        }
        node.timers.set(TimerReason::Walk, now);
        node
    }

    // ----- inputs ----------------------------------------------------------------------------

    /// The driver bound its sockets; `local` are their addresses (port known).
    pub fn handle_bound(&mut self, now: Instant, local: &[SocketAddr]) {
        self.core.addresses.local.set_bound(local);
        self.after_input(now);
    }

    /// The driver's view of the local interfaces (LAN addresses and netmasks).
    pub fn handle_local_addresses(&mut self, now: Instant, ifaces: &[LocalInterface]) {
        self.core.addresses.local.set_interfaces(ifaces);
        self.after_input(now);
    }

    /// The network changed (rebind, address change): forget the WAN estimates, re-resolve the
    /// tracker names, re-introduce ourselves to every known peer and bootstrap at once.
    pub fn handle_network_change(&mut self, now: Instant) {
        self.core.addresses.my_v4 = None;
        self.core.trackers.forget_resolution();
        for overlay in &mut self.overlays {
            overlay.state_mut().wan = None;
            overlay.boot_mut().reset();
            overlay.reset_strategies();
            overlay.with_base(&mut self.core, now, &mut |cx, boot| {
                let id = cx.ov.id;
                let peers: Vec<Peer> = cx.core.network.peers_for_service(id).cloned().collect();
                for peer in &peers {
                    walk::send_introduction_request(cx, peer);
                }
                boot.bootstrap(cx);
            });
        }
        self.after_input(now);
    }

    /// A DNS answer for an [`Output::Resolve`] (empty when resolution failed).
    pub fn handle_resolved(&mut self, now: Instant, host: &str, port: u16, addrs: &[SocketAddr]) {
        let fresh = self.core.trackers.resolved(host, port, addrs);
        for addr in &fresh {
            self.core.network.blacklist_address(*addr);
        }
        if !fresh.is_empty() {
            for overlay in &mut self.overlays {
                let started = overlay
                    .boot()
                    .dispersy
                    .as_ref()
                    .is_some_and(|d| d.initialized);
                if started {
                    overlay.with_base(&mut self.core, now, &mut |cx, _| {
                        for addr in &fresh {
                            walk::walk_to(cx, *addr);
                        }
                    });
                }
            }
        }
        self.after_input(now);
    }

    /// Sending to `to` failed (ICMP unreachable, or a per-destination send error): counted, and
    /// `to` leaves the walkable-address table unless a verified peer uses it
    /// ([`Network::forget_unreachable`]; py-ipv8 ignores send errors).
    pub fn handle_send_failed(&mut self, now: Instant, to: SocketAddr) {
        self.send_failures = self.send_failures.saturating_add(1);
        let forgotten = self.core.network.forget_unreachable(to);
        tracing::debug!(%to, forgotten, "send failed");
        self.after_input(now);
    }

    /// Sends an introduction-request to `addr` in every overlay (py-ipv8 `walk_to`).
    pub fn walk_to(&mut self, now: Instant, addr: SocketAddr) {
        for overlay in &mut self.overlays {
            overlay.with_base(&mut self.core, now, &mut |cx, _| {
                walk::walk_to(cx, addr);
            });
        }
        self.after_input(now);
    }

    /// Adds a bootstrap server (py-ipv8 `POST /isolation` with `bootstrapnode`: the address joins
    /// the DispersyBootstrapper list and is blacklisted as a peer), then walks to it in every
    /// overlay; every overlay (a tracker aside) asks it again in later bootstrap rounds.
    pub fn add_bootstrap_server(&mut self, now: Instant, addr: SocketAddr) {
        self.core.trackers.add(addr);
        self.core.network.blacklist_address(addr);
        for overlay in &mut self.overlays {
            if overlay.boot().dispersy.is_none() && !overlay.serves_any_prefix() {
                overlay.boot_mut().dispersy = Some(DispersyBootstrapper::default());
            }
        }
        self.walk_to(now, addr);
    }

    /// Sends an introduction-request to `addr` in one overlay; `false` if it is not loaded.
    pub fn walk_to_in(&mut self, now: Instant, community: CommunityId, addr: SocketAddr) -> bool {
        let Some(overlay) = self.overlays.iter_mut().find(|o| o.state().id == community) else {
            return false;
        };
        overlay.with_base(&mut self.core, now, &mut |cx, _| {
            walk::walk_to(cx, addr);
        });
        self.after_input(now);
        true
    }

    /// Turns statistics on or off for one community, or all when `community` is `None`
    /// (REST `POST /overlays/statistics`). Turning off discards the counters.
    pub fn set_statistics(&mut self, community: Option<CommunityId>, on: bool) {
        for overlay in &self.overlays {
            if community.is_some_and(|c| c != overlay.state().id) {
                continue;
            }
            if on {
                self.core.outbox.stats.enable(overlay.state().prefix);
            } else {
                self.core.outbox.stats.disable(&overlay.state().prefix);
            }
        }
        if community.is_none() {
            self.statistics_on = on;
        }
    }

    /// Raises our Lamport clock to `global_time` if it is higher (py-ipv8
    /// `update_global_time`); the next message uses `global_time + 1`.
    pub fn update_global_time(&mut self, global_time: u64) {
        self.core.me.global_time = self.core.me.global_time.max(global_time);
    }

    /// Pins one community's WAN estimate as if a responder had reported `wan` (py-ipv8:
    /// assigning `my_estimated_wan`); `false` if the community is not loaded.
    pub fn set_wan_estimate(&mut self, community: CommunityId, wan: SocketAddrV4) -> bool {
        let Some(overlay) = self.overlays.iter_mut().find(|o| o.state().id == community) else {
            return false;
        };
        overlay.state_mut().wan = Some(wan);
        self.core.addresses.my_v4 = Some(wan);
        true
    }

    /// Adds a verified peer running `communities` (py-ipv8 `network.add_verified_peer` plus
    /// `discover_services`), e.g. to restore a snapshot.
    pub fn add_verified_peer(
        &mut self,
        now: Instant,
        peer: Peer,
        communities: &[CommunityId],
    ) -> AddOutcome {
        let mid = peer.mid();
        let outcome = self.core.network.add_verified_peer(peer);
        if matches!(outcome, AddOutcome::Added | AddOutcome::Merged) {
            self.core.network.discover_services(mid, communities);
        }
        self.after_input(now);
        outcome
    }

    /// Removes a verified peer (py-ipv8 `network.remove_peer`).
    pub fn remove_peer(&mut self, now: Instant, mid: Mid) {
        self.core.network.remove_peer(mid);
        self.after_input(now);
    }

    // ----- outputs ---------------------------------------------------------------------------

    /// The next instruction for the driver.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.core.outbox.queue.pop()
    }

    /// Gives back the buffer of a datagram from [`Output::Transmit`] once it is sent, so the
    /// next datagram the node builds is encoded into it instead of a new allocation (a ping
    /// answered with a pong then allocates nothing). Optional: a driver that keeps or drops its
    /// buffers only costs allocations. Up to 1,024 buffers of 512 bytes to 2 KiB are kept (the
    /// answers to one full burst).
    pub fn recycle(&mut self, bytes: Vec<u8>) {
        self.core.outbox.recycle(bytes);
    }

    /// When to call [`Node::handle_timeout`] next, and why.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<(Instant, TimerReason)> {
        self.timers.next()
    }

    // ----- read side -------------------------------------------------------------------------

    /// The shared peer graph.
    #[must_use]
    pub fn network(&self) -> &Network {
        &self.core.network
    }

    /// Message statistics.
    #[must_use]
    pub fn statistics(&self) -> &Statistics {
        &self.core.outbox.stats
    }

    /// Dropped-input counters.
    #[must_use]
    pub fn drops(&self) -> &DropCounters {
        &self.core.outbox.drops
    }

    /// Failed sends reported by the driver.
    #[must_use]
    pub fn send_failures(&self) -> u64 {
        self.send_failures
    }

    /// Our member id.
    #[must_use]
    pub fn my_mid(&self) -> Mid {
        self.core.me.mid
    }

    /// Our public key bin.
    #[must_use]
    pub fn my_public_key(&self) -> &[u8] {
        &self.core.me.key
    }

    /// Our Lamport clock.
    #[must_use]
    pub fn global_time(&self) -> u64 {
        self.core.me.global_time
    }

    /// Our IPv4 LAN estimate.
    #[must_use]
    pub fn lan_estimate(&self) -> SocketAddrV4 {
        self.core.addresses.lan_estimate()
    }

    /// One community's WAN estimate.
    #[must_use]
    pub fn wan_estimate(&self, community: CommunityId) -> Option<SocketAddrV4> {
        let overlay = self.overlays.iter().find(|o| o.state().id == community)?;
        Some(
            self.core
                .addresses
                .advertise
                .or(overlay.state().wan)
                .unwrap_or_else(|| self.core.addresses.lan_estimate()),
        )
    }

    /// Whether this node runs as a tracker.
    #[must_use]
    pub fn is_tracker(&self) -> bool {
        self.overlays.iter().any(|o| o.serves_any_prefix())
    }

    /// Outputs waiting in the queue.
    #[must_use]
    pub fn queued_outputs(&self) -> usize {
        self.core.outbox.queue.len()
    }

    /// Tracker bootstrapping over all overlays: `Reached` if any overlay reached a tracker,
    /// else the most advanced `Waiting`, else `Idle`/`Disabled`.
    #[must_use]
    pub fn bootstrap_status(&self) -> BootstrapStatus {
        let statuses: Vec<BootstrapStatus> =
            self.overlays.iter().map(|o| o.boot().status()).collect();
        if let Some(reached) = statuses
            .iter()
            .filter(|s| matches!(s, BootstrapStatus::Reached { .. }))
            .max_by_key(|s| match s {
                BootstrapStatus::Reached { last_response } => *last_response,
                _ => Instant::ZERO,
            })
        {
            return *reached;
        }
        if let Some(waiting) = statuses
            .iter()
            .filter(|s| matches!(s, BootstrapStatus::Waiting { .. }))
            .max_by_key(|s| match s {
                BootstrapStatus::Waiting { attempts, .. } => *attempts,
                _ => 0,
            })
        {
            return *waiting;
        }
        if statuses.contains(&BootstrapStatus::Idle) {
            BootstrapStatus::Idle
        } else {
            BootstrapStatus::Disabled
        }
    }

    /// A snapshot of every overlay.
    #[must_use]
    pub fn overlays(&self) -> Vec<OverlayInfo> {
        self.overlays
            .iter()
            .map(|o| {
                let id = o.state().id;
                OverlayInfo {
                    id,
                    name: o.state().name.clone(),
                    prefix: o.state().prefix,
                    my_public_key: Arc::clone(&self.core.me.key),
                    global_time: self.core.me.global_time,
                    peers: self
                        .core
                        .network
                        .peers_for_service(id)
                        .map(|p| (p.mid(), p.address(), Arc::clone(p.key())))
                        .collect(),
                    max_peers: o.state().max_peers,
                    my_estimated_lan: self.core.addresses.lan_estimate(),
                    my_estimated_wan: self
                        .core
                        .addresses
                        .advertise
                        .or(o.state().wan)
                        .unwrap_or_else(|| self.core.addresses.lan_estimate()),
                    strategies: o.strategies(),
                    statistics: self
                        .core
                        .outbox
                        .stats
                        .prefix(&o.state().prefix)
                        .map(|p| p.aggregate()),
                    bootstrap: o.boot().status(),
                    walkable_addresses: self.core.network.walkable_count(id, false),
                }
            })
            .collect()
    }

    /// py-ipv8's statistics name of a message, `"<id>:<handler>"` (e.g.
    /// `246:on_old_introduction_request`, `7:unknown`): [`Node::handler_name`] with its id.
    #[must_use]
    pub fn message_name(&self, community: CommunityId, msg_id: u8) -> String {
        format!("{msg_id}:{}", self.handler_name(community, msg_id))
    }

    /// The handler part of py-ipv8's statistics name of a message (`on_old_introduction_request`,
    /// `unknown`), without formatting anything.
    #[must_use]
    pub fn handler_name(&self, community: CommunityId, msg_id: u8) -> &'static str {
        let base = match msg_id {
            246 => Some("on_old_introduction_request"),
            245 => Some("on_old_introduction_response"),
            250 => Some("on_old_puncture_request"),
            249 => Some("on_puncture"),
            234 => Some("on_new_introduction_request"),
            233 => Some("on_new_introduction_response"),
            232 => Some("on_new_puncture_request"),
            231 => Some("on_new_puncture"),
            id if ipv8_wire::ids::deprecated_name(id).is_some() => Some("on_deprecated_message"),
            _ => None,
        };
        let own = self
            .overlays
            .iter()
            .find(|o| o.state().id == community)
            .and_then(|o| o.handler_name(msg_id));
        base.or(own).unwrap_or("unknown")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_can_move_to_a_driver_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<Node>();
    }

    #[test]
    fn bad_config_is_repaired_not_fatal() {
        let mut config = NodeConfig {
            walk_interval: Duration::ZERO,
            ..NodeConfig::default()
        };
        config.communities.push(CommunityConfig::discovery());
        config.communities[0].max_peers = -5;
        assert!(config.validate().is_err());
        let identity = crate::KeyIdentity::from_seed(1).into_arc();
        let node = Node::new(config, identity, 1, Instant::ZERO);
        // The bad DiscoveryCommunity is skipped, its duplicate (valid) one loaded.
        assert_eq!(node.overlays().len(), 1);
        assert_eq!(node.overlays()[0].max_peers, 30);
        assert_eq!(
            node.poll_timeout(),
            Some((Instant::ZERO, TimerReason::Walk))
        );
    }
}
