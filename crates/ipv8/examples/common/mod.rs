//! What the example programs share: a bootstrap tracker on 127.0.0.1 and nodes bound to
//! loopback that use only that tracker.
//!
//! py-ipv8's tutorials bootstrap through the public trackers and the LAN beacon
//! (`default_bootstrap_defs`). The examples must run anywhere without touching the internet,
//! so they start their own tracker in the same process, as `ipv8 tracker` would run it.
#![allow(dead_code)] // every example uses a different part

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use ipv8::prelude::*;
use ipv8::udp::BindConfig;
use ipv8::{DriverConfig, Ipv8};

/// Driver settings for a node on loopback: no LAN beacon, no interface watcher.
pub fn loopback_driver() -> DriverConfig {
    DriverConfig {
        beacon: ipv8::BeaconConfig::disabled(),
        watch_interfaces: false,
        ..DriverConfig::default()
    }
}

/// 127.0.0.1 on a port the OS picks.
pub fn loopback_bind() -> BindConfig {
    BindConfig {
        ip: Ipv4Addr::LOCALHOST.into(),
        ..BindConfig::v4(0)
    }
}

/// A bootstrap tracker on 127.0.0.1 (`NodeConfig::tracker()`: it answers introduction
/// requests of every community) and its address.
pub async fn local_tracker() -> io::Result<(Ipv8, SocketAddr)> {
    let identity = KeyIdentity::new(ipv8::keys::PrivateKey::generate()).into_arc();
    let tracker = Ipv8Builder::new(NodeConfig::tracker(), identity)
        .bind_v4(loopback_bind())
        .driver_config(loopback_driver())
        .spawn()?;
    let addr = bound_addr(&tracker).await?;
    Ok((tracker, addr))
}

/// The address a running node is bound to.
pub async fn bound_addr(ipv8: &Ipv8) -> io::Result<SocketAddr> {
    let snapshot = ipv8.snapshot().await.map_err(io::Error::other)?;
    snapshot
        .health
        .bound
        .first()
        .copied()
        .ok_or_else(|| io::Error::other("the node has no socket"))
}

/// A builder for a node with a new curve25519 key on 127.0.0.1 that runs no overlay of its own
/// (py-ipv8's `ConfigBuilder().clear_keys().clear_overlays()`) and bootstraps from `tracker`
/// only.
pub fn loopback_node(tracker: SocketAddr) -> Ipv8Builder {
    let config = NodeConfig {
        communities: Vec::new(),
        bootstrap: BootstrapConfig::trackers(&[tracker]),
        ..NodeConfig::default()
    };
    let identity = KeyIdentity::new(ipv8::keys::PrivateKey::generate()).into_arc();
    Ipv8Builder::new(config, identity)
        .bind_v4(loopback_bind())
        .driver_config(loopback_driver())
}

/// A node with no peers to find: no trackers at all (for the examples of tasks and caches).
pub fn lonely_node() -> Ipv8Builder {
    let config = NodeConfig {
        communities: Vec::new(),
        bootstrap: BootstrapConfig::none(),
        ..NodeConfig::default()
    };
    let identity = KeyIdentity::new(ipv8::keys::PrivateKey::generate()).into_arc();
    Ipv8Builder::new(config, identity)
        .bind_v4(loopback_bind())
        .driver_config(loopback_driver())
}

/// A community configuration as the tutorials' `add_overlay(..., [WalkerDefinition(
/// Strategy.RandomWalk, 10, {"timeout": 3.0})], ...)`: RandomWalk until 10 peers, the node's
/// trackers, no LAN beacon.
pub fn tutorial_overlay(id: CommunityId, name: &str) -> CommunityConfig {
    let mut config = CommunityConfig::new(id, name);
    config.walkers[0].target_peers = 10;
    config.use_beacon = false;
    config
}

/// A community configuration with no walkers and no bootstrapping: for a node that only runs
/// tasks and caches.
pub fn local_overlay(id: CommunityId, name: &str) -> CommunityConfig {
    let mut config = CommunityConfig::new(id, name);
    config.walkers.clear();
    config.use_trackers = false;
    config.use_beacon = false;
    config
}

/// Waits until every handle's community has at least one peer (at most `secs` seconds).
pub async fn wait_for_peers<C: Community>(
    handles: &[&CommunityHandle<C>],
    secs: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    for handle in handles {
        while handle.peers().await?.is_empty() {
            if tokio::time::Instant::now() >= deadline {
                return Err(format!("no peers found within {secs} s").into());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    Ok(())
}

/// Waits for the next event of `handle` (at most `secs` seconds).
pub async fn next_event<C: Community>(
    handle: &mut CommunityHandle<C>,
    secs: u64,
) -> Result<C::Event, Box<dyn std::error::Error>> {
    let wait = std::time::Duration::from_secs(secs);
    match tokio::time::timeout(wait, handle.next_event()).await {
        Ok(Some(event)) => Ok(event),
        Ok(None) => Err("the community is gone".into()),
        Err(_) => Err(format!("no event within {secs} s").into()),
    }
}
