//! Real sockets on `[::1]`: a tracker and two IPv6-only nodes find each other and talk in the
//! new-style messages (docs/spec/PROTOCOL.md §5.5: an introduction-request to an IPv6 destination
//! is 234, answered with 233), and a dual-stack node reaches an IPv4-only and an IPv6-only peer
//! through the dispatcher, each over its own family (§6.1: one address per class).

mod common;

use std::net::{Ipv6Addr, SocketAddr};
use std::time::Duration;

use common::*;
use ipv8::proto::config::BootstrapConfig;
use ipv8::udp::BindConfig;
use ipv8::{Ipv8, Ipv8Builder, NodeConfig, Snapshot};

const WITHIN: Duration = Duration::from_secs(20);

/// A node whose only socket is `[::]:0` (IPv6 only).
fn spawn_v6_only(config: NodeConfig, seed: u64) -> Ipv8 {
    Ipv8Builder::new(config, identity(seed))
        .bind_v4(BindConfig::v6(0))
        .driver_config(quiet_driver())
        .spawn()
        .expect("spawn an IPv6-only node")
}

/// `[::1]` with the port of the node's IPv6 socket.
async fn v6_address_of(ipv8: &Ipv8) -> SocketAddr {
    let snapshot = ipv8.snapshot().await.expect("driver runs");
    let bound = snapshot
        .health
        .bound
        .iter()
        .find(|a| a.is_ipv6())
        .unwrap_or_else(|| panic!("no IPv6 socket (is IPv6 disabled?): {:?}", snapshot.health));
    SocketAddr::from((Ipv6Addr::LOCALHOST, bound.port()))
}

/// DiscoveryCommunity message `id`: (sent, received).
fn counts(snapshot: &Snapshot, id: u8) -> (u64, u64) {
    snapshot
        .statistics
        .prefix(&discovery_prefix())
        .and_then(|p| p.get(id))
        .map_or((0, 0), |s| (s.num_up, s.num_down))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_only_nodes_discover_each_other_with_new_style_messages() {
    let tracker = spawn_v6_only(NodeConfig::tracker(), 30);
    let tracker_addr = v6_address_of(&tracker).await;
    let config = NodeConfig {
        bootstrap: BootstrapConfig::trackers(&[tracker_addr]),
        ..NodeConfig::default()
    };
    let a = spawn_v6_only(config.clone(), 31);
    let b = spawn_v6_only(config, 32);
    let a_addr = v6_address_of(&a).await;
    let b_addr = v6_address_of(&b).await;
    let a_mid = a.with_node(|node, _| node.my_mid()).await.unwrap();
    let b_mid = b.with_node(|node, _| node.my_mid()).await.unwrap();
    let seen_by_a = wait_for(&a, "A to verify B over IPv6", WITHIN, |s| {
        s.network.peer(&b_mid).is_some()
    })
    .await;
    let seen_by_b = wait_for(&b, "B to verify A over IPv6", WITHIN, |s| {
        s.network.peer(&a_mid).is_some()
    })
    .await;
    for (snapshot, other, other_addr) in
        [(&seen_by_a, &b_mid, b_addr), (&seen_by_b, &a_mid, a_addr)]
    {
        let peer = snapshot.network.peer(other).expect("verified");
        let addresses: Vec<_> = peer.addresses().collect();
        assert_eq!(
            addresses,
            [other_addr],
            "the peer is known by its [::1] socket only"
        );
        // No IPv4 address leaks in: an IPv6-only node announces an IPv6 source_lan (before
        // the fix it sent `<IPv4 interface>:0`, stored by every receiver as a LAN address).
        let table: Vec<_> = snapshot.network.addresses().map(|(a, _)| a).collect();
        assert!(table.iter().all(SocketAddr::is_ipv6), "{table:?}");
        let (req_up, _) = counts(snapshot, 234);
        let (_, resp_down) = counts(snapshot, 233);
        assert!(req_up > 0 && resp_down > 0, "no 234/233 exchanged");
        // An IPv6 destination never gets an old-style request.
        assert_eq!(counts(snapshot, 246), (0, 0), "old-style request on IPv6");
        assert_eq!(counts(snapshot, 245), (0, 0), "old-style response on IPv6");
        assert_eq!(snapshot.health.counters.recv_errors.total(), 0);
    }
    let tracker_view = tracker.snapshot().await.expect("driver runs");
    assert!(counts(&tracker_view, 234).1 > 0, "the tracker got no 234");
    assert!(counts(&tracker_view, 233).0 > 0, "the tracker sent no 233");
    assert_eq!(
        counts(&tracker_view, 246),
        (0, 0),
        "old-style request on IPv6"
    );
    for ipv8 in [a, b, tracker] {
        ipv8.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dual_stack_node_reaches_an_ipv4_and_an_ipv6_peer() {
    let dual = Ipv8Builder::new(isolated_node(), identity(40))
        .bind_v4(BindConfig::v4(0))
        .bind_v6(Some(BindConfig::v6(0)))
        .driver_config(quiet_driver())
        .spawn()
        .expect("spawn a dual-stack node");
    let v4_peer = Ipv8Builder::new(isolated_node(), identity(41))
        .port(0)
        .driver_config(quiet_driver())
        .spawn()
        .expect("spawn an IPv4-only node");
    let v6_peer = spawn_v6_only(isolated_node(), 42);
    let dual_bound = dual
        .snapshot()
        .await
        .expect("driver runs")
        .health
        .bound
        .clone();
    assert_eq!(dual_bound.len(), 2, "IPv4 and IPv6 sockets: {dual_bound:?}");
    let dual_v4 = address_of(&dual).await;
    let dual_v6 = v6_address_of(&dual).await;
    let v4_addr = address_of(&v4_peer).await;
    let v6_addr = v6_address_of(&v6_peer).await;
    let v4_mid = v4_peer.with_node(|node, _| node.my_mid()).await.unwrap();
    let v6_mid = v6_peer.with_node(|node, _| node.my_mid()).await.unwrap();
    let dual_mid = dual.with_node(|node, _| node.my_mid()).await.unwrap();
    dual.walk_to(v4_addr).await.unwrap();
    dual.walk_to(v6_addr).await.unwrap();
    let seen = wait_for(
        &dual,
        "the dual-stack node to verify both peers",
        WITHIN,
        |s| s.network.peer(&v4_mid).is_some() && s.network.peer(&v6_mid).is_some(),
    )
    .await;
    let by_v4 = seen.network.peer(&v4_mid).expect("verified");
    assert_eq!(by_v4.addresses().collect::<Vec<_>>(), [v4_addr]);
    let by_v6 = seen.network.peer(&v6_mid).expect("verified");
    assert_eq!(by_v6.addresses().collect::<Vec<_>>(), [v6_addr]);
    assert!(counts(&seen, 234).0 > 0, "no 234 to the IPv6 peer");
    assert!(counts(&seen, 246).0 > 0, "no 246 to the IPv4 peer");
    // Each peer heard the dual-stack node from the socket of its own family.
    for (peer, own) in [(&v4_peer, dual_v4), (&v6_peer, dual_v6)] {
        let snapshot = wait_for(
            peer,
            "the peer to verify the dual-stack node",
            WITHIN,
            |s| s.network.peer(&dual_mid).is_some(),
        )
        .await;
        let dual_seen = snapshot.network.peer(&dual_mid).expect("verified");
        assert!(
            dual_seen.has_address(own),
            "{:?}",
            dual_seen.addresses().collect::<Vec<_>>()
        );
        assert_eq!(snapshot.health.counters.recv_errors.total(), 0);
    }
    assert_eq!(seen.health.counters.recv_errors.total(), 0);
    for ipv8 in [dual, v4_peer, v6_peer] {
        ipv8.shutdown().await.unwrap();
    }
}
