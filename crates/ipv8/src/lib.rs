//! # ipv8: the driver that never goes deaf
//!
//! The library facade of ipv8-rs: one tokio task owns the sans-IO [`Node`] of `ipv8-proto`, the
//! UDP sockets of `ipv8-udp` (IPv4, optional IPv6, a broadcast socket for LAN beacons) and one
//! timer. Applications talk to it through an [`Ipv8Handle`] (commands in; [`Snapshot`]s and
//! [`Event`]s out).
//!
//! It replaces py-ipv8's `IPv8` service object and `UDPEndpoint`. The reason it exists: py-ipv8's
//! receive loop silently died after one ICMP-caused error on Windows' Proactor loop (WinError
//! 1234/1231/1214) and every peer then timed out (`docs/design/UDP-FAILURES.md`). Here:
//!
//! * the receive loop has **no exit but shutdown**: every error is classified
//!   ([`ipv8_udp::classify_io_for`]), counted per class, logged at most once per class per
//!   minute, and followed by the next read; batches are bounded so a storm cannot starve timers
//!   or commands;
//! * sends never wait: `try_send_to` once, destinations validated first, per-destination
//!   failures attributed to that destination (`Node::handle_send_failed`);
//! * a watchdog rebinds (same port when possible, retried with capped backoff, never giving up)
//!   on address changes, silence while peers exist, persistent send failure, or a clock jump;
//! * [`Health`] in every snapshot says whether the endpoint is *receiving*, not merely open.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use ipv8::{Ipv8Builder, KeyIdentity, NodeConfig};
//!
//! let ipv8 = Ipv8Builder::new(NodeConfig::default(), KeyIdentity::from_seed(1).into_arc()).spawn()?;
//! let mut snapshots = ipv8.watch();
//! snapshots.changed().await.ok();
//! println!("peers: {}", snapshots.borrow().peer_count());
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod beacon;
mod builder;
mod clock;
mod config;
pub mod counters;
mod driver;
mod handle;
mod health;
mod overlay;
pub mod prelude;
mod ratelog;
mod rebind;
mod snapshot;
mod sockets;
pub mod testing;
mod watchdog;

pub use builder::Ipv8Builder;
pub use clock::WallClockFn;
pub use config::{BeaconConfig, DriverConfig};
pub use handle::{DriverGone, Ipv8, Ipv8Handle, LoadError};
pub use health::{Health, RebindRecord};
pub use overlay::{CommunityError, CommunityHandle, EVENT_CAPACITY};
pub use rebind::RebindConfig;
pub use snapshot::{MessageStatistics, OverlayStatistics, Snapshot};
pub use sockets::{BEACON_BIND, BeaconSocket};
pub use watchdog::{RebindReason, WatchdogConfig, WatchdogState};

/// The sans-IO node crate.
pub use ipv8_proto as proto;
pub use ipv8_proto::community::{NumberCache, Reply, Response, default_strategy, reply_channel};
pub use ipv8_proto::config::{
    ChurnConfig, EdgeWalkConfig, RandomWalkConfig, StrategyConfig, WalkerConfig,
};
/// Keys and member ids (`PrivateKey`, `PublicKey`, key files).
pub use ipv8_proto::keys;
pub use ipv8_proto::strategy::{EdgeWalk, PeriodicSimilarity, RandomChurn, RandomWalk};
/// The wire format: payload traits, readers and writers, envelopes, every built-in message.
pub use ipv8_proto::wire;
/// `#[derive(Payload)]` (and the `Payload` trait): one declaration per message.
pub use ipv8_proto::wire::{MessagePayload, Payload};
pub use ipv8_proto::{
    Cancelled, Community, CommunityConfig, CommunityId, Cx, DiscoveryCommunity, DiscoveryStrategy,
    DropReason, Event, HandlerResult, Handlers, Identity, Instant, KeyIdentity, Mid, Node,
    NodeConfig, Peer, PlainCommunity, TaskError,
};
/// The socket crate.
pub use ipv8_udp as udp;
