//! Receive moderation (`DriverConfig::recv_coalesce`) on real sockets on 127.0.0.1: dense
//! traffic parks the driver's socket between reads, and nothing is lost or left unanswered —
//! not in a burst, not in steady paced traffic, and not when traffic stops (a parked socket
//! wakes nobody, so the driver must put it back in the reactor by itself).

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use ipv8::wire::ids::{PING, PONG};
use ipv8::wire::{Ping, encode_unsigned};
use ipv8::{DriverConfig, Ipv8, Ipv8Builder};
use tokio::net::UdpSocket;

const PERIOD: Duration = Duration::from_millis(20);

fn moderated_node() -> Ipv8 {
    Ipv8Builder::new(isolated_node(), identity(40))
        .port(0)
        .driver_config(DriverConfig {
            recv_coalesce: PERIOD,
            ..no_watchdog()
        })
        .spawn()
        .expect("spawn")
}

fn ping(identifier: u16) -> Vec<u8> {
    encode_unsigned(&discovery_prefix(), PING, 1, &Ping { identifier })
}

/// Reads pongs until `want` distinct identifiers came back or `within` passed.
async fn pongs(client: &UdpSocket, want: usize, within: Duration) -> BTreeSet<u16> {
    let mut seen = BTreeSet::new();
    let mut buf = [0u8; 2048];
    let deadline = tokio::time::Instant::now() + within;
    while seen.len() < want {
        let Ok(Ok(len)) = tokio::time::timeout_at(deadline, client.recv(&mut buf)).await else {
            break;
        };
        // A pong: prefix (22 bytes), message id, then the ping's identifier.
        if len >= 25 && buf[22] == PONG {
            seen.insert(u16::from_be_bytes([buf[len - 2], buf[len - 1]]));
        }
    }
    seen
}

#[tokio::test]
async fn moderated_driver_answers_bursts_paced_traffic_and_a_lone_ping_after_silence() {
    let node = moderated_node();
    let target = address_of(&node).await;
    // Bound like a node's socket (py-ipv8's 870 KB receive buffer): the burst's 300 pongs
    // arrive before the client reads any.
    let client = loopback_socket();
    client.connect(target).await.unwrap();

    // A burst: 300 pings at once (more than one receive batch), all answered.
    for id in 0..300u16 {
        client.send(&ping(id)).await.unwrap();
    }
    let got = pongs(&client, 300, Duration::from_secs(20)).await;
    assert_eq!(
        got.len(),
        300,
        "burst: missing {:?}",
        (0..300u16).filter(|i| !got.contains(i)).collect::<Vec<_>>()
    );

    // Paced: one ping every 2 ms (dense: the driver keeps its socket parked between reads).
    for id in 1_000..1_100u16 {
        client.send(&ping(id)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let got = pongs(&client, 100, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 100, "paced");

    // Silence, then one ping: the socket is back in the reactor and answers it.
    tokio::time::sleep(PERIOD * 10).await;
    for attempt in 0..3u16 {
        client.send(&ping(5_000 + attempt)).await.unwrap();
        let got = pongs(&client, 1, Duration::from_secs(5)).await;
        assert_eq!(
            got.into_iter().next(),
            Some(5_000 + attempt),
            "lone ping {attempt}"
        );
        tokio::time::sleep(PERIOD * 3).await;
    }
    let snapshot = node.snapshot().await.unwrap();
    assert_eq!(snapshot.health.counters.recv_errors.total(), 0);
    assert_eq!(snapshot.health.rebinds, 0, "no socket lost parking");
    let moderated = snapshot.health.counters.recv_moderated;
    assert!(
        moderated >= 10,
        "dense traffic was moderated: {moderated} periods"
    );
    node.shutdown().await.unwrap();
}
