//! DiscoveryCommunity behaviour over time on the community test harness: similarity, ping/pong
//! RTTs, churn. Dynamics only, so most networks use the cheap signer; similarity uses real keys.

mod common;

use common::{TEST_COMMUNITY, client_config};
use std::time::Duration;

use ipv8_proto::config::BootstrapConfig;
use ipv8_proto::{
    CommunityConfig, CommunityId, DiscoveryCommunity, DropReason, Event, NodeConfig, PlainCommunity,
};
use ipv8_sim::LinkModel;
use ipv8_sim::testing::TestNetwork;

/// A tracker and two clients, A and B.
fn tracker_and_two(net: &mut TestNetwork) -> (usize, usize) {
    let t = net.add_node_with(NodeConfig::tracker());
    let tracker = net.address(t);
    let a = net.add_node_with(client_config(tracker));
    let b = net.add_node_with(client_config(tracker));
    (a, b)
}

fn test_peers(net: &TestNetwork, node: usize) -> Vec<ipv8_proto::Mid> {
    net.peers::<PlainCommunity>(node)
        .iter()
        .map(ipv8_proto::Peer::mid)
        .collect()
}

#[test]
fn similarity_teaches_the_communities_a_peer_runs() {
    let mut net = TestNetwork::new(1).with_datagram_log();
    let t = net.add_node_with(NodeConfig::tracker());
    let tracker = net.address(t);
    // A runs only the DiscoveryCommunity; B also runs a community A has never heard of.
    let a = net.add_node_with(NodeConfig {
        communities: vec![CommunityConfig::discovery()],
        bootstrap: BootstrapConfig::trackers(&[tracker]),
        ..NodeConfig::default()
    });
    let b = net.add_node_with(client_config(tracker));
    net.advance(Duration::from_secs(5));
    let mid_b = net.mid(b);
    let services = net.node(a).network().services_of(&mid_b).to_vec();
    assert!(services.contains(&CommunityId::DISCOVERY));
    assert!(
        services.contains(&TEST_COMMUNITY),
        "learned through similarity: {services:?}"
    );
    // Similarity requests and responses flowed both ways.
    assert!(net.sent_between(a, b).iter().any(|s| s.msg_id() == Some(1)));
    assert!(net.sent_between(b, a).iter().any(|s| s.msg_id() == Some(2)));
}

#[test]
fn ping_pong_records_rtt_samples() {
    let mut net = TestNetwork::new(2)
        .with_cheap_crypto()
        .with_datagram_log()
        .with_link(LinkModel::ideal(Duration::from_millis(20)));
    let (a, b) = tracker_and_two(&mut net);
    net.advance(Duration::from_secs(30));
    let mid_b = net.mid(b);
    let peer_b = net.node(a).network().peer(&mid_b).unwrap();
    assert!(!peer_b.pings().is_empty());
    assert_eq!(peer_b.median_ping(), Some(Duration::from_millis(40)));
    assert!(net.sent_between(a, b).iter().any(|s| s.msg_id() == Some(3)));
    assert!(net.sent_between(b, a).iter().any(|s| s.msg_id() == Some(4)));
    let pending =
        net.call::<DiscoveryCommunity, _>(a, |_, cx| DiscoveryCommunity::pending_pings(cx));
    assert!(pending <= 1);
    assert_eq!(net.node(a).drops().get(DropReason::UnsolicitedPong), 0);
}

#[test]
fn churn_drops_a_silent_peer_after_drop_time() {
    let mut net = TestNetwork::new(3).with_cheap_crypto();
    let (a, b) = tracker_and_two(&mut net);
    net.advance(Duration::from_secs(10));
    let mid_b = net.mid(b);
    assert!(net.node(a).network().peer(&mid_b).is_some());
    net.node_events(a);
    net.partition(&[&[b]]);
    let silenced_at = net.now();
    let last_heard = net
        .node(a)
        .network()
        .peer(&mid_b)
        .unwrap()
        .last_response()
        .unwrap();
    // Still there just before drop_time has passed.
    net.advance(Duration::from_secs(50));
    assert!(
        net.node(a).network().peer(&mid_b).is_some(),
        "dropped too early"
    );
    net.advance(Duration::from_secs(30));
    assert!(
        net.node(a).network().peer(&mid_b).is_none(),
        "silent peer kept"
    );
    let removed = net
        .node_events(a)
        .iter()
        .filter(|e| matches!(e, Event::PeerRemoved { mid, .. } if *mid == mid_b))
        .count();
    assert_eq!(removed, 2, "one PeerRemoved per community");
    assert!(last_heard <= silenced_at);
    // A kept walking and bootstrapping, and is alone but not stuck.
    assert_eq!(test_peers(&net, a).len(), 0);
}

#[test]
fn a_peer_that_comes_back_is_found_again() {
    let mut net = TestNetwork::new(4).with_cheap_crypto();
    let (a, b) = tracker_and_two(&mut net);
    net.advance(Duration::from_secs(5));
    net.partition(&[&[b]]);
    net.advance(Duration::from_secs(120));
    assert!(test_peers(&net, a).is_empty());
    net.heal();
    net.advance(Duration::from_secs(120));
    assert_eq!(test_peers(&net, a), vec![net.mid(b)]);
}

#[test]
fn an_outage_of_our_own_network_does_not_cost_us_our_peers() {
    let mut net = TestNetwork::new(5).with_cheap_crypto();
    let (a, b) = tracker_and_two(&mut net);
    net.advance(Duration::from_secs(5));
    let (mid_a, mid_b) = (net.mid(a), net.mid(b));
    // A's network goes down for two minutes: A hears nothing at all, so it keeps B.
    net.partition(&[&[a]]);
    net.advance(Duration::from_secs(120));
    assert_eq!(
        test_peers(&net, a),
        vec![mid_b],
        "A kept B through the outage"
    );
    // B, which kept hearing the tracker, dropped the silent A as py-ipv8 does.
    assert!(test_peers(&net, b).is_empty());
    // Back online: A's walk reaches B again at once.
    net.heal();
    net.advance(Duration::from_secs(3));
    assert_eq!(test_peers(&net, b), vec![mid_a]);
}
