//! # ipv8-proto: the deterministic sans-IO py-ipv8 node
//!
//! [`Node`] holds every piece of py-ipv8 3.2.1's peer-discovery state — communities, the shared
//! [`Network`], walkers, churn, bootstrappers, statistics — and makes every
//! decision, but performs no I/O: no sockets, no clock, no OS randomness. Time is an input
//! ([`time::Instant`]), randomness comes from ChaCha20 streams of one seed ([`rng`]), and
//! everything the node wants done comes out of [`Node::poll_output`]. The same node therefore
//! runs under the tokio driver (`ipv8`) and, bit-for-bit reproducibly, under the simulator
//! (`ipv8-sim`).
//!
//! ## The drive loop
//!
//! 1. **Create** the node with a configuration, our key and a seed:
//!    `Node::new(NodeConfig::default(), identity, seed, now)`. The driver seeds from the OS,
//!    the simulator from `(master seed, node index)`. `now` is any origin (`Instant::ZERO`).
//! 2. **Tell it where it lives**: after binding, [`Node::handle_bound`] with the socket
//!    addresses; then [`Node::handle_local_addresses`] with the interfaces (again whenever they
//!    change, and [`Node::handle_network_change`] after a rebind or address change).
//! 3. **Drain outputs** with [`Node::poll_output`] until it returns `None`:
//!    * [`Output::Transmit`] — send the bytes to the address (a failed send may be reported with
//!      [`Node::handle_send_failed`]; UDP semantics, nothing is retried);
//!    * [`Output::Beacon`] — broadcast from the beacon socket (LAN bootstrap);
//!    * [`Output::Resolve`] — resolve the tracker name and answer with
//!      [`Node::handle_resolved`] (an empty list on failure);
//!    * [`Output::Event`] — peers added/removed, tracker reached, WAN changed.
//! 4. **Arm one timer** at [`Node::poll_timeout`] and call [`Node::handle_timeout`] when it
//!    fires (calling it early or late is harmless: it runs whatever is due).
//! 5. **Feed datagrams** to [`Node::handle_datagram`] as they arrive — any bytes, from anyone:
//!    malformed, unknown or badly signed input is counted in [`Node::drops`] and never panics.
//! 6. **Repeat from 3.** Inputs may be given back-to-back; outputs simply queue.
//! 7. **Read state** for REST and tests whenever you like: [`Node::overlays`],
//!    [`Node::network`], [`Node::statistics`], [`Node::drops`], [`Node::bootstrap_status`].
//!
//! ```
//! use ipv8_proto::{Instant, KeyIdentity, Node, NodeConfig, Output};
//!
//! let mut config = NodeConfig::default();
//! config.bootstrap = ipv8_proto::config::BootstrapConfig::trackers(&["127.0.0.1:6421".parse().unwrap()]);
//! let mut node = Node::new(config, KeyIdentity::from_seed(1).into_arc(), 1, Instant::ZERO);
//! node.handle_bound(Instant::ZERO, &["127.0.0.1:8090".parse().unwrap()]);
//! node.handle_timeout(Instant::ZERO); // first strategy round: no peers, so bootstrap
//! let mut sent = 0;
//! while let Some(out) = node.poll_output() {
//!     if let Output::Transmit(t) = out {
//!         assert_eq!(t.to, "127.0.0.1:6421".parse().unwrap());
//!         assert_eq!(t.bytes[22], 246); // an old-style introduction-request to the tracker
//!         sent += 1;
//!     }
//! }
//! assert_eq!(sent, 1);
//! assert!(node.poll_timeout().is_some());
//! ```
//!
//! ## Communities
//!
//! A community is a [`Community`] on a 20-byte id: its own messages (declared once with
//! `#[derive(Payload)]`, handled by the [`Handlers`] it registers), tasks, request caches and
//! discovery strategies ([`DiscoveryStrategy`]), all reached through its typed context [`Cx`].
//! The node handles the shared walk (introduction, puncture, old and new style) for every
//! community, verifies signed messages once, and hands each handler the authenticated [`Peer`]
//! and the decoded payload. Load one with [`Node::add_community`]; talk to it with
//! [`Node::send_command`], [`Node::with_community`] and [`Node::poll_community_event`].
//!
//! The built-ins use exactly that API: [`DiscoveryCommunity`] (with the RandomChurn and
//! PeriodicSimilarity strategies), [`PlainCommunity`], and tracker mode
//! ([`community::TrackerCommunity`], loaded by `NodeConfig::tracker_mode`), which serves every
//! unknown prefix.
//!
//! Map from py-ipv8: `community.py`, `lazy_community.py`, `taskmanager.py` and
//! `requestcache.py` → [`community`] (`Community`, `Cx`, `Handlers`, tasks, caches, the walk),
//! `peerdiscovery/` → [`network`], [`peer`], [`strategy`], [`DiscoveryCommunity`],
//! `bootstrapping/` → `bootstrap/*`, `statistics_endpoint.py` → [`stats`],
//! `scripts/tracker_service.py` → [`community::TrackerCommunity`].
#![warn(missing_docs)]

pub mod address;
mod bootstrap;
pub mod community;
pub mod config;
pub mod crypto;
pub mod drops;
pub mod network;
mod node;
pub mod peer;
pub mod rng;
pub mod stats;
pub mod strategy;
pub mod time;
mod timers;
mod vecmap;

pub use address::LocalInterface;
pub use bootstrap::BootstrapStatus;
pub use community::{
    Cancelled, Community, Cx, DiscoveryCommunity, HandlerResult, Handlers, NumberCache,
    PlainCommunity, Reply, Response, TaskError, reply_channel,
};
pub use config::{CommunityConfig, NodeConfig};
pub use crypto::{CryptoProvider, Identity, KeyIdentity, RealCrypto};
pub use drops::{DropCounters, DropReason};
/// Keys, signatures and member ids (`ipv8-crypto`).
pub use ipv8_crypto as keys;
pub use ipv8_crypto::Mid;
/// The wire format (`ipv8-wire`).
pub use ipv8_wire as wire;
pub use ipv8_wire::{CommunityId, Prefix};
pub use network::Network;
pub use node::outputs::{Event, Output, TimerReason, Transmit};
pub use node::{Node, OverlayInfo, StrategyInfo};
pub use peer::Peer;
pub use stats::Statistics;
pub use strategy::DiscoveryStrategy;
pub use time::{Instant, WallClock};
