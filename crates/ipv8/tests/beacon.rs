//! The LAN beacon end to end, aimed at loopback only (never at 255.255.255.255 in tests): A's
//! driver sends its beacon from the broadcast socket to B's port on 127.0.0.1; B walks to the
//! beacon socket; A hands that request to its node, answers from its main socket, and the two
//! verify each other without any tracker (docs/spec/PROTOCOL.md §5.8). And a beacon socket whose
//! every send fails (a host with no broadcast route) is counted apart and never triggers a rebind.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use ipv8::proto::CommunityConfig;
use ipv8::udp::fault::FaultySocket;
use ipv8::udp::{BindConfig, ErrorClass, Os, bind, codes};
use ipv8::{BeaconConfig, BeaconSocket, DriverConfig, Ipv8Builder, NodeConfig};

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

/// In an offline namespace every beacon send fails (`ENETUNREACH`, one per port: ~65 000 per
/// sweep). Those failures go to their own counter and never reach the watchdog: with them fed
/// to the send-failure rule (many destinations, no success for 10 s) this node would rebind.
#[tokio::test(start_paused = true)]
async fn failing_beacon_sends_are_counted_apart_and_never_rebind() {
    const PORTS: u64 = 1_000;
    let inner = bind(&BindConfig::v4(0)).unwrap().into_tokio().unwrap();
    let beacon = Arc::new(FaultySocket::new(inner).with_error_os(Os::Linux));
    beacon.push_send_errors(codes::linux::ENETUNREACH, usize::MAX);
    let shared = Arc::clone(&beacon);
    let config = DriverConfig {
        beacon: BeaconConfig::loopback(1..=PORTS as u16),
        ..quiet_driver()
    };
    let ipv8 = Ipv8Builder::new(beaconing(), identity(32))
        .port(0)
        .beacon_socket(move || Ok(Arc::clone(&shared) as BeaconSocket))
        .driver_config(config)
        .wall_clock(test_wall_clock())
        .spawn()
        .unwrap();
    // Six times the watchdog's send-failure timeout, with at least one whole failed sweep.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let snapshot = wait_for(
        &ipv8,
        "a whole failed sweep",
        Duration::from_secs(600),
        |s| s.health.counters.beacon_send_errors.total() >= PORTS,
    )
    .await;
    assert!(snapshot.health.is_open);
    // The final snapshot, after the last send: exact counts.
    let handle = ipv8.handle().clone();
    ipv8.shutdown().await.unwrap();
    let last = handle.latest();
    let health = &last.health;
    let c = health.counters;
    assert_eq!(
        health.rebinds, 0,
        "beacon failures caused a rebind: {health:?}"
    );
    assert_eq!(health.last_rebind, None, "{health:?}");
    let failed = c.beacon_send_errors.get(ErrorClass::PerDestination);
    assert_eq!(failed, c.beacon_send_errors.total(), "{c:?}");
    assert_eq!(
        failed,
        beacon.counts().send,
        "every scripted failure counted once"
    );
    assert!(c.beacons >= 1 && c.beacon_datagrams_up == 0, "{c:?}");
    assert_eq!(
        c.send_errors.total(),
        0,
        "unicast counters untouched: {c:?}"
    );
    assert_eq!(c.send_failures_attributed, 0, "{c:?}");
}
