//! Snapshots on demand (`src/snapshot.rs`): a node nobody reads builds none; `latest()` asks
//! for the next one; a `watch()` receiver gets every change; `health()` answers without one.

mod common;

use std::time::Duration;

use common::*;
use ipv8::Ipv8Builder;
use tokio::net::UdpSocket;

const ID: u8 = 7;

#[tokio::test]
async fn snapshots_are_built_only_for_readers() {
    let ipv8 = Ipv8Builder::new(isolated_node(), identity(40))
        .port(0)
        .driver_config(quiet_driver())
        .spawn()
        .expect("spawn");
    let addr = address_of(&ipv8).await;
    let first = ipv8.snapshot().await.expect("driver runs");
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for tag in 0..3 {
        peer.send_to(&probe(ID, tag), addr).await.unwrap();
    }
    // The endpoint's counters come without a snapshot.
    let mut down = 0;
    for _ in 0..100 {
        down = ipv8.health().await.unwrap().counters.traffic.datagrams_down;
        if down >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(down, 3, "all three probes arrived");
    // Well past `snapshot_interval`: nothing was published, since nobody asked.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let stale = ipv8.latest();
    assert_eq!(stale.seq, first.seq, "no snapshot without a reader");
    assert_eq!(received(&stale, ID), 0);
    // That call asked for the next one.
    let mut fresh = stale;
    for _ in 0..100 {
        fresh = ipv8.latest();
        if received(&fresh, ID) == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        received(&fresh, ID),
        3,
        "latest() asked for a fresh snapshot"
    );
    assert!(fresh.seq > first.seq);

    // A watcher gets changes without asking.
    let mut watch = ipv8.watch();
    watch.borrow_and_update();
    peer.send_to(&probe(ID, 3), addr).await.unwrap();
    let seen = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            watch.changed().await.expect("driver runs");
            if received(&watch.borrow_and_update(), ID) == 4 {
                break;
            }
        }
    })
    .await;
    assert!(seen.is_ok(), "the watcher saw the fourth probe");
    ipv8.shutdown().await.expect("clean stop");
}
