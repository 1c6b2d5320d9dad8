//! Real sockets on 127.0.0.1: nodes find each other through a tracker, and an endpoint that
//! keeps sending to just-closed ports (ICMP port unreachable on loopback) still delivers every
//! datagram of a live peer, both ways — also when a user enabled `IP_RECVERR` on its socket,
//! which turns those ICMP messages into receive and send errors (docs/design/UDP-FAILURES.md §2.1).

mod common;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::*;
use ipv8::proto::config::BootstrapConfig;
use ipv8::udp::{BindConfig, ErrorClass, bind};
use ipv8::{Ipv8, Ipv8Builder, NodeConfig};
use tokio::net::UdpSocket;

const CLOSED_PORTS: usize = 1_000;

fn spawn_node(config: NodeConfig, seed: u64) -> Ipv8 {
    Ipv8Builder::new(config, identity(seed))
        .port(0)
        .driver_config(quiet_driver())
        .spawn()
        .expect("spawn")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_discover_each_other_through_a_tracker() {
    let tracker = spawn_node(NodeConfig::tracker(), 10);
    let tracker_addr = address_of(&tracker).await;
    let config = NodeConfig {
        bootstrap: BootstrapConfig::trackers(&[tracker_addr]),
        ..NodeConfig::default()
    };
    let a = spawn_node(config.clone(), 11);
    let b = spawn_node(config, 12);
    let a_mid = a.with_node(|node, _| node.my_mid()).await.unwrap();
    let b_mid = b.with_node(|node, _| node.my_mid()).await.unwrap();
    let within = Duration::from_secs(30);
    let seen_by_a = wait_for(&a, "A to verify B", within, |s| {
        s.network.peer(&b_mid).is_some()
    })
    .await;
    let seen_by_b = wait_for(&b, "B to verify A", within, |s| {
        s.network.peer(&a_mid).is_some()
    })
    .await;
    for snapshot in [&seen_by_a, &seen_by_b] {
        let health = &snapshot.health;
        assert!(
            health.is_open && health.counters.traffic.datagrams_down > 0,
            "{health:?}"
        );
        assert_eq!(health.counters.recv_errors.total(), 0, "{health:?}");
        let discovery = &snapshot.overlays[0];
        assert_eq!(discovery.peers.len(), 1, "{discovery:?}");
        assert!(
            discovery.statistics.is_some(),
            "statistics are on by default"
        );
    }
    assert!(
        seen_by_a.overlays[0]
            .peers
            .iter()
            .any(|(mid, _, _)| *mid == b_mid)
    );
    for ipv8 in [a, b, tracker] {
        ipv8.shutdown().await.unwrap();
    }
}

/// Ports that were bound a moment ago and are closed now.
fn just_closed_ports(n: usize) -> Vec<SocketAddr> {
    let sockets: Vec<_> = (0..n)
        .map(|_| std::net::UdpSocket::bind("127.0.0.1:0").expect("bind"))
        .collect();
    sockets.iter().map(|s| s.local_addr().unwrap()).collect()
}

async fn closed_ports_interleaved_with_live_traffic(ip_recverr: bool) {
    let rebinder = move |previous: Option<SocketAddr>| -> io::Result<UdpSocket> {
        let socket = bind(&BindConfig::v4(previous.map_or(0, |p| p.port())))?.into_tokio()?;
        #[cfg(target_os = "linux")]
        if ip_recverr {
            ipv8::udp::enable_ip_recverr(&socket)?;
        }
        #[cfg(not(target_os = "linux"))]
        assert!(!ip_recverr, "IP_RECVERR exists on Linux only");
        Ok(socket)
    };
    let node = Ipv8Builder::new(isolated_node(), identity(20))
        .rebinders(rebinder, None)
        .driver_config(quiet_driver())
        .spawn()
        .expect("spawn");
    let node_addr = address_of(&node).await;
    let live = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let live_addr = live.local_addr().unwrap();
    let heard = Arc::new(AtomicU64::new(0));
    let listener = {
        let (live, heard) = (Arc::clone(&live), Arc::clone(&heard));
        tokio::spawn(async move {
            let mut buf = vec![0; 2048];
            loop {
                let (len, from) = live.recv_from(&mut buf).await.expect("live peer receives");
                if from.port() == node_addr.port() && len > 22 && buf[22] == 246 {
                    heard.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };
    let closed = just_closed_ports(CLOSED_PORTS);
    for (i, dead) in closed.iter().enumerate() {
        node.walk_to(*dead).await.unwrap(); // → ICMP port unreachable
        live.send_to(&probe(3, i as u32), node_addr).await.unwrap();
        node.walk_to(live_addr).await.unwrap();
    }
    let n = CLOSED_PORTS as u64;
    let what = format!("{n} live datagrams (IP_RECVERR {ip_recverr})");
    let snapshot = wait_for(&node, &what, Duration::from_secs(30), |s| {
        received(s, 3) == n
    })
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while heard.load(Ordering::Relaxed) < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "live peer heard {heard:?} of {n}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    listener.abort();
    let health = &snapshot.health;
    assert!(health.is_open, "{health:?}");
    assert_eq!(health.rebinds, 0, "{health:?}");
    assert_eq!(
        health.counters.send_errors.get(ErrorClass::Pressure),
        0,
        "{health:?}"
    );
    if ip_recverr {
        // The ICMP reports did reach the loop (as errors), and were survived.
        let stale = health.counters.recv_errors.get(ErrorClass::StaleReport)
            + health.counters.send_errors.get(ErrorClass::StaleReport);
        assert!(stale > 0, "IP_RECVERR produced no errors: {health:?}");
        // Each send that consumed a pending report was retried once, and got through.
        assert_eq!(
            health.counters.send_errors.get(ErrorClass::StaleReport),
            health.counters.stale_send_retries
        );
    }
    node.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_ports_do_not_disturb_a_live_peer() {
    closed_ports_interleaved_with_live_traffic(false).await;
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_ports_do_not_disturb_a_live_peer_with_ip_recverr() {
    closed_ports_interleaved_with_live_traffic(true).await;
}
