//! Rebinds through the driver's real loop with a scripted socket factory: persistent send
//! failure, a broken-socket error and a clock jump each trigger one; a rebind that fails twice
//! is retried until the endpoint is back on its old port and traffic flows (the
//! n0-computer/net-tools#200 and iroh#4289 regressions). Tokio's clock is paused, so the
//! watchdog's and the backoff's seconds pass instantly.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use ipv8::proto::config::BootstrapConfig;
use ipv8::udp::ErrorClass;
use ipv8::{Ipv8Builder, NodeConfig, RebindReason};
use tokio::net::UdpSocket;

const LONG: Duration = Duration::from_secs(600);

/// Receives one datagram (waiting as long as the paused clock allows).
async fn recv_one(socket: &UdpSocket) -> Vec<u8> {
    let mut buf = vec![0; 2048];
    let (len, _) = tokio::time::timeout(LONG, socket.recv_from(&mut buf))
        .await
        .expect("nothing arrived")
        .unwrap();
    buf.truncate(len);
    buf
}

#[tokio::test(start_paused = true)]
async fn persistent_eaddrnotavail_on_send_triggers_a_rebind() {
    let trackers = [
        UdpSocket::bind("127.0.0.1:0").await.unwrap(),
        UdpSocket::bind("127.0.0.1:0").await.unwrap(),
    ];
    let addrs: Vec<_> = trackers.iter().map(|t| t.local_addr().unwrap()).collect();
    let node = NodeConfig {
        bootstrap: BootstrapConfig::trackers(&addrs),
        ..NodeConfig::default()
    };
    let factory = Recording::new();
    let ipv8 = Ipv8Builder::new(node, identity(3))
        .rebinders(factory.rebinder(&[]), None)
        .driver_config(quiet_driver())
        .wall_clock(test_wall_clock())
        .spawn()
        .expect("spawn");
    // The source address vanished: every send fails (Linux EADDRNOTAVAIL). The driver has not
    // run yet, so even the first bootstrap requests fail.
    let first = factory.current();
    first.push_send_errors(99, usize::MAX);
    let snapshot = wait_for(&ipv8, "a rebind", LONG, |s| s.health.rebinds >= 1).await;
    let health = &snapshot.health;
    let record = health.last_rebind.expect("recorded");
    assert!(
        matches!(record.reason, RebindReason::SendFailures { failing_for, .. } if failing_for >= Duration::from_secs(10)),
        "{record:?}"
    );
    assert!(record.succeeded);
    assert!(
        health.counters.send_errors.get(ErrorClass::PerDestination) >= 2,
        "{health:?}"
    );
    assert!(first.counts().send >= 2);
    assert_eq!(factory.attempts(), 2);
    // The node re-bootstrapped through the fresh socket: both trackers hear from it.
    for tracker in &trackers {
        let request = recv_one(tracker).await;
        assert_eq!(request.get(22), Some(&246), "an introduction-request");
    }
    let health = ipv8.snapshot().await.unwrap().health.clone();
    assert!(
        health.is_open && health.counters.traffic.datagrams_up >= 2,
        "{health:?}"
    );
    ipv8.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_rebind_that_fails_twice_is_retried_until_the_endpoint_recovers() {
    let factory = Recording::new();
    let ipv8 = Ipv8Builder::new(isolated_node(), identity(4))
        .rebinders(factory.rebinder(&[2, 3]), None)
        .driver_config(quiet_driver())
        .wall_clock(test_wall_clock())
        .spawn()
        .expect("spawn");
    let before = address_of(&ipv8).await;
    ipv8.rebind().await.unwrap();
    let failing = wait_for(&ipv8, "a failed attempt", LONG, |s| {
        s.health.rebind_failures >= 1
    })
    .await;
    let health = &failing.health;
    assert!(
        !health.is_open,
        "no socket is bound, so not receiving: {health:?}"
    );
    assert!(
        health.bound.is_empty() && health.rebind_pending,
        "{health:?}"
    );
    assert_eq!(health.last_rebind.map(|r| r.succeeded), Some(false));

    let recovered = wait_for(&ipv8, "recovery", LONG, |s| s.health.is_open).await;
    let health = &recovered.health;
    assert_eq!(
        (health.rebinds, health.rebind_failures),
        (1, 2),
        "{health:?}"
    );
    assert!(!health.rebind_pending);
    let record = health.last_rebind.expect("recorded");
    assert_eq!(
        (record.reason, record.succeeded),
        (RebindReason::Requested, true)
    );
    assert_eq!(factory.attempts(), 4, "initial bind + 2 failures + success");
    let after = loopback(health.bound[0]);
    assert_eq!(after, before, "the rebind kept the port");

    // Traffic flows both ways through the new socket.
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    peer.send_to(&probe(3, 7), after).await.unwrap();
    wait_for(&ipv8, "a datagram after recovery", LONG, |s| {
        received(s, 3) == 1
    })
    .await;
    ipv8.walk_to(peer.local_addr().unwrap()).await.unwrap();
    assert_eq!(recv_one(&peer).await.get(22), Some(&246));
    let handle = ipv8.handle().clone();
    ipv8.shutdown().await.unwrap();
    let last = handle.latest();
    assert!(
        !last.health.is_open && last.health.bound.is_empty(),
        "stopped: {:?}",
        last.health
    );
    assert!(last.seq > recovered.seq);
}

#[tokio::test(start_paused = true)]
async fn an_environment_error_on_receive_rebinds_at_once() {
    let factory = Recording::new();
    let ipv8 = Ipv8Builder::new(isolated_node(), identity(5))
        .rebinders(factory.rebinder(&[]), None)
        .driver_config(quiet_driver())
        .wall_clock(test_wall_clock())
        .spawn()
        .expect("spawn");
    address_of(&ipv8).await;
    factory.current().push_recv_errors(100, 1); // ENETDOWN
    let snapshot = wait_for(&ipv8, "a rebind", LONG, |s| s.health.rebinds == 1).await;
    let record = snapshot.health.last_rebind.expect("recorded");
    assert!(
        matches!(
            record.reason,
            RebindReason::SocketError {
                class: ErrorClass::Environment,
                ..
            }
        ),
        "{record:?}"
    );
    assert_eq!(
        snapshot
            .health
            .counters
            .recv_errors
            .get(ErrorClass::Environment),
        1
    );
    assert!(snapshot.health.is_open);
    ipv8.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_wall_clock_jump_rebinds() {
    let offset = Arc::new(AtomicU64::new(0));
    let start = tokio::time::Instant::now();
    let wall = {
        let offset = Arc::clone(&offset);
        Arc::new(move || {
            UNIX_EPOCH
                + Duration::from_secs(1_700_000_000 + offset.load(Ordering::Relaxed))
                + start.elapsed()
        })
    };
    let ipv8 = Ipv8Builder::new(isolated_node(), identity(6))
        .driver_config(quiet_driver())
        .wall_clock(wall)
        .port(0)
        .spawn()
        .expect("spawn");
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(
        ipv8.snapshot().await.unwrap().health.rebinds,
        0,
        "steady clocks: no rebind"
    );
    offset.store(3_600, Ordering::Relaxed); // the machine slept for an hour
    let snapshot = wait_for(&ipv8, "a rebind", LONG, |s| s.health.rebinds == 1).await;
    let record = snapshot.health.last_rebind.expect("recorded");
    assert!(
        matches!(record.reason, RebindReason::ClockJump { forward: true, .. }),
        "{record:?}"
    );
    assert!(snapshot.health.is_open);
    let _: SystemTime = record.at;
    ipv8.shutdown().await.unwrap();
}
