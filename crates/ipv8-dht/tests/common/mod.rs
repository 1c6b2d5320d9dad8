//! What the DHT's loopback tests share: a quiet driver (no interface watcher, no beacon), a
//! tracker, a DHT node as `ipv8 run` loads it (DHTDiscoveryCommunity with PingChurn) and its
//! 127.0.0.1 address.
#![allow(dead_code)] // each test binary uses its own part

use std::net::SocketAddr;

use ipv8::proto::config::BootstrapConfig;
use ipv8::{
    BeaconConfig, CommunityConfig, CommunityHandle, DriverConfig, Ipv8, Ipv8Builder, KeyIdentity,
    NodeConfig,
};
use ipv8_dht::{COMMUNITY_ID, DhtDiscoveryCommunity, PingChurn};

/// The DHT community's handle.
pub type Dht = CommunityHandle<DhtDiscoveryCommunity>;

/// A driver without the interface watcher and the LAN beacon.
pub fn quiet_driver() -> DriverConfig {
    DriverConfig {
        watch_interfaces: false,
        beacon: BeaconConfig::disabled(),
        ..DriverConfig::default()
    }
}

/// The node's socket as 127.0.0.1:port.
pub async fn address_of(ipv8: &Ipv8) -> SocketAddr {
    let snapshot = ipv8.snapshot().await.expect("driver runs");
    let bound = *snapshot.health.bound.first().expect("a bound socket");
    SocketAddr::from(([127, 0, 0, 1], bound.port()))
}

/// A tracker on an ephemeral port, and its address.
pub async fn spawn_tracker() -> (Ipv8, SocketAddr) {
    let tracker = Ipv8Builder::new(NodeConfig::tracker(), KeyIdentity::from_seed(1).into_arc())
        .port(0)
        .driver_config(quiet_driver())
        .spawn()
        .unwrap();
    let addr = address_of(&tracker).await;
    (tracker, addr)
}

/// A DHT node with the key of `seed`, bootstrapping from `trackers` (none: no bootstrap).
pub async fn spawn_dht(seed: u64, trackers: &[SocketAddr]) -> (Ipv8, Dht) {
    let config = NodeConfig {
        bootstrap: if trackers.is_empty() {
            BootstrapConfig::none()
        } else {
            BootstrapConfig::trackers(trackers)
        },
        ..NodeConfig::default()
    };
    let mut builder = Ipv8Builder::new(config, KeyIdentity::from_seed(seed).into_arc())
        .port(0)
        .driver_config(quiet_driver());
    let dht = builder.community(
        CommunityConfig::new(COMMUNITY_ID, "DHTDiscoveryCommunity"),
        DhtDiscoveryCommunity::new(),
    );
    let ipv8 = builder.spawn().expect("spawn");
    dht.add_strategy(PingChurn::default(), -1).await.unwrap();
    (ipv8, dht)
}
