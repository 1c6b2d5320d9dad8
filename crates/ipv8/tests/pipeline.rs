//! The verification pipeline (`driver/recv.rs`) on real sockets on 127.0.0.1: with a verify
//! helper and a small receive budget, full bursts are held while the helper checks their
//! signatures, and every signed introduction-request is still answered — in a flood, and in
//! short bursts followed by silence (a held burst must not wait for the next datagram).

mod common;

use std::net::{SocketAddr, SocketAddrV4};
use std::time::Duration;

use common::*;
use ipv8::wire::ids::{INTRODUCTION_REQUEST, INTRODUCTION_RESPONSE};
use ipv8::{DriverConfig, Ipv8Builder, KeyIdentity};
use tokio::net::UdpSocket;

/// A small budget, so a few dozen datagrams already make full bursts.
const BATCH: usize = 8;

fn v4(addr: SocketAddr) -> SocketAddrV4 {
    match addr {
        SocketAddr::V4(a) => a,
        SocketAddr::V6(_) => unreachable!("bound to 127.0.0.1"),
    }
}

/// Reads until `want` introduction-responses came back or `within` passed.
async fn responses(client: &UdpSocket, want: usize, within: Duration) -> usize {
    let mut seen = 0;
    let mut buf = [0u8; 2048];
    let deadline = tokio::time::Instant::now() + within;
    while seen < want {
        let Ok(Ok(len)) = tokio::time::timeout_at(deadline, client.recv(&mut buf)).await else {
            break;
        };
        if len > 22 && buf[22] == INTRODUCTION_RESPONSE {
            seen += 1;
        }
    }
    seen
}

/// Sends `datagrams` back to back, then counts the introduction-responses that come back
/// within `within`.
async fn send_all(client: &UdpSocket, datagrams: &[Vec<u8>], within: Duration) -> usize {
    for datagram in datagrams {
        client.send(datagram).await.unwrap();
    }
    responses(client, datagrams.len(), within).await
}

#[tokio::test]
async fn held_bursts_are_all_answered_in_a_flood_and_before_silence() {
    let node = Ipv8Builder::new(isolated_node(), identity(50))
        .port(0)
        .driver_config(DriverConfig {
            recv_batch: BATCH,
            verify_threads: 1,
            ..no_watchdog()
        })
        .spawn()
        .expect("spawn");
    let target = address_of(&node).await;
    let client = loopback_socket();
    client.connect(target).await.unwrap();
    let from = v4(client.local_addr().unwrap());
    let keys: Vec<KeyIdentity> = (0..4).map(|i| KeyIdentity::from_seed(500 + i)).collect();
    let mut gt = 0u64;
    let mut next = |n: usize| -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| {
                gt += 1;
                packets::intro_request(&keys[i % keys.len()], from, v4(target), gt)
            })
            .collect()
    };

    // A flood: 30 full budgets at once.
    let flood = next(30 * BATCH);
    assert_eq!(
        send_all(&client, &flood, Duration::from_secs(30)).await,
        flood.len(),
        "flood"
    );

    // Bursts of exactly one, two and three budgets, then silence: each is answered in full.
    for budgets in 1..=3 {
        let burst = next(budgets * BATCH);
        assert_eq!(
            send_all(&client, &burst, Duration::from_secs(10)).await,
            burst.len(),
            "burst of {budgets} budgets"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let snapshot = node.snapshot().await.unwrap();
    let requests = 30 * BATCH + 6 * BATCH;
    assert_eq!(received(&snapshot, INTRODUCTION_REQUEST), requests as u64);
    assert_eq!(snapshot.drops.total(), 0, "{:?}", snapshot.drops);
    let pipelined = snapshot.health.counters.recv_pipelined;
    assert!(pipelined >= 1, "full bursts went through the pipeline");
    node.shutdown().await.unwrap();
}
