//! The driver's batched path with UDP GRO and GSO on real loopback sockets (Linux): a GSO peer
//! sends bursts of pings in single messages, the node (GRO on) answers every one, in order, and
//! its pongs — runs of equal datagrams to one destination — come back as GSO messages, which
//! the peer's GRO socket receives coalesced.

#![cfg(target_os = "linux")]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use ipv8::Ipv8Builder;
use ipv8::udp::{BATCH_LEN, DatagramSocket, RecvBatch, SendBatch};
use ipv8_wire::ids::{PING, PONG};
use ipv8_wire::{Ping, encode_unsigned};

const PINGS: u16 = 256;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gso_pings_are_answered_in_order_with_gso_pongs() {
    let node = Ipv8Builder::new(isolated_node(), identity(30))
        .port(0)
        .driver_config(quiet_driver())
        .spawn()
        .expect("spawn");
    let node_addr = address_of(&node).await;
    let peer = loopback_socket();
    assert!(peer.enable_gro(), "UDP_GRO (Linux ≥ 5.0)");

    let pings: Vec<Vec<u8>> = (0..PINGS)
        .map(|identifier| encode_unsigned(&discovery_prefix(), PING, 1, &Ping { identifier }))
        .collect();
    let list: Vec<(&[u8], SocketAddr)> = pings.iter().map(|p| (p.as_slice(), node_addr)).collect();
    let mut state = SendBatch::new();
    let mut next = 0;
    while next < list.len() {
        next += peer.try_send_batch(&list[next..], &mut state).unwrap();
    }
    assert_eq!(state.gso(), Some(true));

    let mut batch = RecvBatch::new(BATCH_LEN);
    let (mut identifiers, mut messages) = (Vec::new(), 0);
    while identifiers.len() < usize::from(PINGS) {
        let n = tokio::time::timeout(
            Duration::from_secs(10),
            std::future::poll_fn(|cx| peer.poll_recv_batch(cx, &mut batch)),
        )
        .await
        .unwrap_or_else(|_| panic!("only {} pongs arrived", identifiers.len()))
        .expect("no receive error");
        messages += n;
        while let Some((bytes, from)) = batch.take() {
            assert_eq!(from, node_addr);
            assert_eq!(bytes.get(22), Some(&PONG), "a pong");
            let id = &bytes[bytes.len() - 2..];
            identifiers.push(u16::from_be_bytes([id[0], id[1]]));
        }
    }
    assert_eq!(
        identifiers,
        (0..PINGS).collect::<Vec<_>>(),
        "every ping, once, in order"
    );
    assert!(
        messages < usize::from(PINGS) / 2,
        "the node's pongs came as GSO runs: {messages} messages for {PINGS} pongs"
    );
    node.shutdown().await.unwrap();
}
