//! Tracker mode (upstream `scripts/tracker_service.py`) on the test harness: any prefix,
//! introductions within a community, churn of silent clients, at most 100 peers.

mod common;

use common::{TEST_COMMUNITY, client_config};
use std::net::SocketAddr;
use std::time::Duration;

use ipv8_proto::config::BootstrapConfig;
use ipv8_proto::{CommunityConfig, CommunityId, DropReason, NodeConfig, PlainCommunity, Prefix};
use ipv8_sim::testing::TestNetwork;

fn solo(community: CommunityId, tracker: SocketAddr) -> NodeConfig {
    NodeConfig {
        communities: vec![CommunityConfig::plain(community, "Solo")],
        bootstrap: BootstrapConfig::trackers(&[tracker]),
        ..NodeConfig::default()
    }
}

#[test]
fn tracker_only_introduces_peers_of_the_same_community() {
    let mut net = TestNetwork::new(1).with_cheap_crypto();
    let t = net.add_node_with(NodeConfig::tracker());
    let tracker = net.address(t);
    let x = CommunityId([0x11; 20]);
    let y = CommunityId([0x22; 20]);
    let a = net.add_node_with(solo(x, tracker));
    let b = net.add_node_with(solo(x, tracker));
    let c = net.add_node_with(solo(y, tracker));
    net.advance(Duration::from_secs(5));
    let peers_a: Vec<_> = net
        .peers::<PlainCommunity>(a)
        .iter()
        .map(ipv8_proto::Peer::mid)
        .collect();
    assert_eq!(peers_a, vec![net.mid(b)]);
    assert_eq!(net.node(c).network().verified_count(), 0);
    let tracker_node = net.node(t);
    assert!(tracker_node.is_tracker());
    assert_eq!(tracker_node.network().count_for_service(x), 2);
    assert_eq!(tracker_node.network().count_for_service(y), 1);
    // A prefix with another version byte is not served.
    let mut bad = Prefix::for_community(x).0.to_vec();
    bad[1] = 3;
    bad.push(246);
    let from: SocketAddr = "20.9.9.9:9".parse().unwrap();
    net.with_node(t, |node, now| node.handle_datagram(now, from, &bad));
    assert_eq!(net.node(t).drops().get(DropReason::UnknownPrefix), 1);
}

#[test]
fn tracker_forgets_clients_that_stop_answering() {
    let mut net = TestNetwork::new(2).with_cheap_crypto().with_datagram_log();
    let t = net.add_node_with(NodeConfig::tracker());
    let tracker = net.address(t);
    net.add_node_with(client_config(tracker));
    let b = net.add_node_with(client_config(tracker));
    net.advance(Duration::from_secs(5));
    assert_eq!(net.node(t).network().count_for_service(TEST_COMMUNITY), 2);
    net.partition(&[&[b]]);
    net.advance(Duration::from_secs(120));
    let tracker_net = net.node(t).network();
    assert_eq!(tracker_net.count_for_service(TEST_COMMUNITY), 1);
    assert!(tracker_net.peer(&net.mid(b)).is_none());
    // The live client answered the tracker's pings (introduction-requests on its prefixes).
    assert!(net.sent(t).iter().any(|s| s.msg_id() == Some(246)));
    assert_eq!(net.node(t).drops().get(DropReason::UnsolicitedResponse), 0);
}

#[test]
fn tracker_keeps_at_most_one_hundred_peers() {
    let mut net = TestNetwork::new(3).with_cheap_crypto();
    let t = net.add_node_with(NodeConfig::tracker());
    let tracker = net.address(t);
    let mut config = solo(TEST_COMMUNITY, tracker);
    config.communities[0].walkers.clear(); // clients only say hello once
    for _ in 0..110 {
        let n = net.add_node_with(config.clone());
        net.with_node(n, |node, now| {
            node.walk_to_in(now, TEST_COMMUNITY, tracker);
        });
    }
    net.advance(Duration::from_secs(1));
    assert_eq!(net.node(t).network().verified_count(), 110);
    net.advance(Duration::from_secs(10));
    assert!(net.node(t).network().verified_count() <= 100);
}
