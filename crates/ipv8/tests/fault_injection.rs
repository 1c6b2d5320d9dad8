//! The driver's real receive loop fed scripted OS errors through `FaultySocket`: the Windows
//! codes that killed py-ipv8's Proactor loop and the Linux errnos of docs/design/UDP-FAILURES.md
//! §2.1. Each storm of 10 000 consecutive errors must be counted in its class and followed by
//! delivery of the next datagram; a longer storm must not starve the node's timers or the command
//! channel.

mod common;

use std::time::Duration;

use common::*;
use ipv8::udp::{ErrorClass, Os};
use ipv8::{DriverConfig, Ipv8Builder};
use tokio::net::UdpSocket;

const STORM: u64 = 10_000;
const PROBE_ID: u8 = 3;

/// 10 000 × `code` on receive, then one datagram: delivered, and counted as `class`.
async fn survives(os: Os, code: i32, class: ErrorClass) {
    let (socket, rebinder) = faulty(os);
    let ipv8 = Ipv8Builder::new(isolated_node(), identity(1))
        .rebinders(rebinder, None)
        .driver_config(quiet_driver())
        .spawn()
        .expect("spawn");
    let addr = address_of(&ipv8).await;
    socket.push_recv_errors(code, STORM as usize);
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    peer.send_to(&probe(PROBE_ID, 1), addr).await.unwrap();
    let what = format!("the datagram after 10 000 × {code} ({os:?})");
    let snapshot = wait_for(&ipv8, &what, Duration::from_secs(30), |s| {
        received(s, PROBE_ID) == 1
    })
    .await;
    let health = &snapshot.health;
    let errors = health.counters.recv_errors;
    assert_eq!(
        errors.get(class),
        STORM,
        "{code} ({os:?}) not counted as {class}: {errors:?}"
    );
    assert_eq!(errors.total(), STORM, "{code} ({os:?}): {errors:?}");
    assert_eq!(socket.pending_recv_errors(), 0);
    assert!(health.is_open, "{code}: {health:?}");
    assert_eq!(health.counters.traffic.datagrams_down, 1);
    assert_eq!(
        health.rebinds, 0,
        "{code}: a per-datagram error must not rebind"
    );
    ipv8.shutdown().await.expect("clean stop");
}

#[tokio::test]
async fn windows_icmp_codes_never_stop_the_receive_loop() {
    for (code, class) in [
        (10054, ErrorClass::StaleReport), // WSAECONNRESET: ICMP port unreachable
        (10052, ErrorClass::StaleReport), // WSAENETRESET: TTL expired
        (10040, ErrorClass::PerDatagram), // WSAEMSGSIZE: truncated datagram
        (1234, ErrorClass::StaleReport),  // IOCP ERROR_PORT_UNREACHABLE (Tribler's killer)
        (1232, ErrorClass::StaleReport),  // IOCP ERROR_HOST_UNREACHABLE
        (1231, ErrorClass::StaleReport),  // IOCP ERROR_NETWORK_UNREACHABLE
        (1214, ErrorClass::StaleReport),  // IOCP ERROR_INVALID_NETNAME
    ] {
        survives(Os::Windows, code, class).await;
    }
}

#[tokio::test]
async fn linux_icmp_errnos_never_stop_the_receive_loop() {
    for (code, class) in [
        (111, ErrorClass::StaleReport), // ECONNREFUSED
        (113, ErrorClass::StaleReport), // EHOSTUNREACH
        (101, ErrorClass::StaleReport), // ENETUNREACH
        (90, ErrorClass::StaleReport),  // EMSGSIZE (PMTU report)
        (105, ErrorClass::Pressure),    // ENOBUFS
    ] {
        survives(Os::Linux, code, class).await;
    }
}

/// A storm far longer than the test: the node's timers keep firing on time and commands are
/// answered, only because receiving is batched (storm pauses are switched off here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_storm_does_not_starve_timers_or_commands() {
    let (socket, rebinder) = faulty(Os::Windows);
    let config = DriverConfig {
        storm_batches: u32::MAX,
        ..quiet_driver()
    };
    let ipv8 = Ipv8Builder::new(isolated_node(), identity(2))
        .rebinders(rebinder, None)
        .driver_config(config)
        .spawn()
        .expect("spawn");
    let timer =
        || ipv8.with_node(|node, now| (now, node.poll_timeout().expect("the walk timer").0));
    let (_, first_deadline) = timer().await.expect("driver runs");
    socket.push_recv_errors(10054, 500_000_000);
    let mut last_deadline = first_deadline;
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (now, deadline) = tokio::time::timeout(Duration::from_secs(5), timer())
            .await
            .expect("a command waited 5 s: the storm starved the command channel")
            .expect("driver runs");
        let overdue = now.saturating_duration_since(deadline);
        assert!(
            overdue < Duration::from_secs(1),
            "timer overdue by {overdue:?} during the storm"
        );
        last_deadline = deadline;
    }
    let snapshot = ipv8.snapshot().await.expect("driver runs");
    let left = socket.pending_recv_errors();
    assert!(left > 0, "the storm ended early; the check proved nothing");
    let handled = 500_000_000 - left as u64;
    assert!(
        last_deadline.saturating_duration_since(first_deadline) >= Duration::from_secs(1),
        "walk timer did not advance during the storm ({first_deadline:?} → {last_deadline:?})"
    );
    let counted = snapshot
        .health
        .counters
        .recv_errors
        .get(ErrorClass::StaleReport);
    assert!(
        counted > 0 && counted <= handled,
        "{counted} counted, {handled} returned"
    );
    assert!(snapshot.health.counters.recv_budget_exhausted > 0);
    assert!(snapshot.health.is_open);
    ipv8.shutdown()
        .await
        .expect("shutdown is a command too, and is served during the storm");
}

/// A destination that always fails (and ones that can never work) costs only its own
/// datagrams: the failures are attributed to it, and a live peer hears every request.
#[tokio::test]
async fn a_failing_destination_never_poisons_the_socket() {
    let (socket, rebinder) = faulty(Os::Linux);
    let ipv8 = Ipv8Builder::new(isolated_node(), identity(3))
        .rebinders(rebinder, None)
        .driver_config(quiet_driver())
        .spawn()
        .expect("spawn");
    let live = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let live_addr = live.local_addr().unwrap();
    let bad: std::net::SocketAddr = "127.0.0.1:9".parse().unwrap();
    socket.fail_sends_to(bad, Some(ipv8::udp::fault::Fault::Os(113))); // EHOSTUNREACH
    let invalid: [std::net::SocketAddr; 3] = [
        "[::1]:8090".parse().unwrap(),           // no IPv6 socket
        "255.255.255.255:8090".parse().unwrap(), // broadcast on the unicast socket
        "224.0.0.1:8090".parse().unwrap(),       // multicast
    ];
    for _ in 0..10 {
        ipv8.walk_to(bad).await.unwrap();
        ipv8.walk_to(live_addr).await.unwrap();
    }
    for addr in invalid {
        ipv8.walk_to(addr).await.unwrap();
    }
    let mut buf = [0; 2048];
    for i in 0..10 {
        let (len, _) = tokio::time::timeout(Duration::from_secs(10), live.recv_from(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("live peer got only {i} of 10"))
            .unwrap();
        assert!(len > 22 && buf[22] == 246);
    }
    let snapshot = ipv8.snapshot().await.unwrap();
    let counters = snapshot.health.counters;
    assert_eq!(
        counters.send_errors.get(ErrorClass::PerDestination),
        10,
        "{counters:?}"
    );
    let rejected = counters.rejected;
    assert_eq!(
        (
            rejected.wrong_family,
            rejected.broadcast,
            rejected.multicast
        ),
        (1, 1, 1)
    );
    assert_eq!(counters.send_failures_attributed, 13, "{counters:?}");
    let node_failures = ipv8
        .with_node(|node, _| node.send_failures())
        .await
        .unwrap();
    assert_eq!(node_failures, 13);
    assert_eq!(counters.traffic.datagrams_up, 10);
    assert!(snapshot.health.is_open && snapshot.health.rebinds == 0);
    ipv8.shutdown().await.unwrap();
}
