//! The LAN beacon end to end, aimed at loopback only (never at 255.255.255.255 in tests): A's
//! driver sends its beacon from the broadcast socket to B's port on 127.0.0.1; B walks to the
//! beacon socket; A hands that request to its node, answers from its main socket, and the two
//! verify each other without any tracker (PROTOCOL.md §5.8).

mod common;

use std::time::Duration;

use common::*;
use ipv8::proto::CommunityConfig;
use ipv8::{BeaconConfig, DriverConfig, Ipv8Builder, NodeConfig};

fn beaconing() -> NodeConfig {
    let mut discovery = CommunityConfig::discovery();
    discovery.use_trackers = false;
    discovery.use_beacon = true;
    NodeConfig {
        communities: vec![discovery],
        ..isolated_node()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loopback_beacon_bootstraps_two_nodes() {
    // B listens; its own beacons are suppressed (counted), never sent.
    let b = Ipv8Builder::new(beaconing(), identity(30))
        .port(0)
        .driver_config(quiet_driver())
        .spawn()
        .unwrap();
    let b_addr = address_of(&b).await;
    let a_config = DriverConfig {
        beacon: BeaconConfig::loopback(b_addr.port()..=b_addr.port()),
        ..quiet_driver()
    };
    let a = Ipv8Builder::new(beaconing(), identity(31))
        .port(0)
        .driver_config(a_config)
        .spawn()
        .unwrap();
    let a_mid = a.with_node(|node, _| node.my_mid()).await.unwrap();
    let b_mid = b.with_node(|node, _| node.my_mid()).await.unwrap();
    let within = Duration::from_secs(30);
    let seen = wait_for(&b, "B to verify A", within, |s| {
        s.network.peer(&a_mid).is_some()
    })
    .await;
    assert!(
        seen.health.counters.beacons_suppressed > 0,
        "{:?}",
        seen.health.counters
    );
    assert_eq!(seen.health.counters.beacon_datagrams_up, 0);
    let a_seen = wait_for(&a, "A to verify B", within, |s| {
        s.network.peer(&b_mid).is_some()
    })
    .await;
    let counters = a_seen.health.counters;
    assert!(
        counters.beacons > 0 && counters.beacon_datagrams_up > 0,
        "{counters:?}"
    );
    assert!(
        counters.beacon_datagrams_down > 0,
        "B's request reached the beacon socket: {counters:?}"
    );
    assert!(a_seen.health.beacon_bound.is_some());
    for ipv8 in [a, b] {
        ipv8.shutdown().await.unwrap();
    }
}
