//! End-to-end discovery through a tracker on the community test harness: peers found, old-style
//! to new-style introductions, punctures, re-bootstrapping after a network change.

mod common;

use common::{TEST_COMMUNITY, client_config};
use std::time::Duration;

use ipv8_proto::{
    BootstrapStatus, CommunityId, DiscoveryCommunity, DropReason, Event, Mid, NodeConfig, Peer,
    PlainCommunity, Prefix,
};
use ipv8_sim::testing::TestNetwork;

fn mids(peers: &[Peer]) -> Vec<Mid> {
    peers.iter().map(Peer::mid).collect()
}

fn msg_ids<'a>(sent: impl IntoIterator<Item = &'a ipv8_sim::testing::Datagram>) -> Vec<u8> {
    sent.into_iter().filter_map(|d| d.msg_id()).collect()
}

#[test]
fn two_nodes_find_each_other_through_a_tracker_then_switch_to_new_style() {
    let mut net = TestNetwork::new(1).with_datagram_log();
    let t = net.add_node_with(NodeConfig::tracker());
    let tracker = net.address(t);
    let a = net.add_node_with(client_config(tracker));
    let b = net.add_node_with(client_config(tracker));
    net.advance(Duration::from_secs(10));

    let (mid_a, mid_b) = (net.mid(a), net.mid(b));
    assert_eq!(mids(&net.peers::<DiscoveryCommunity>(a)), vec![mid_b]);
    assert_eq!(mids(&net.peers::<DiscoveryCommunity>(b)), vec![mid_a]);
    assert_eq!(mids(&net.peers::<PlainCommunity>(a)), vec![mid_b]);
    assert_eq!(mids(&net.peers::<PlainCommunity>(b)), vec![mid_a]);
    // The tracker is never a peer, and knows both clients in both communities.
    assert!(net.node(a).network().verified_by_address(tracker).is_none());
    let tracker_net = net.node(t).network();
    assert_eq!(tracker_net.count_for_service(CommunityId::DISCOVERY), 2);
    assert_eq!(tracker_net.count_for_service(TEST_COMMUNITY), 2);
    // Old style to the tracker only (requests, similarity-requests from the response callback,
    // punctures); A and B switch to new style after their first exchange.
    let to_tracker = msg_ids(net.sent_between(a, t));
    assert!(!to_tracker.is_empty());
    assert!(
        to_tracker.iter().all(|id| matches!(id, 246 | 249 | 1)),
        "{to_tracker:?}"
    );
    let a_to_b = msg_ids(net.sent_between(a, b));
    let first_intro = a_to_b
        .iter()
        .position(|id| *id == 246 || *id == 234)
        .unwrap();
    assert_eq!(
        a_to_b[first_intro], 246,
        "first request to an unknown address is old-style"
    );
    assert!(
        a_to_b.contains(&234),
        "later requests are new-style: {a_to_b:?}"
    );
    assert!(matches!(
        net.node(a).bootstrap_status(),
        BootstrapStatus::Reached { .. }
    ));
    let events = net.node_events(a);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::PeerAdded { mid, .. } if *mid == mid_b))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Bootstrapped { .. }))
    );
    for i in [a, b, t] {
        let d = net.node(i).drops();
        assert_eq!(d.get(DropReason::BadSignature), 0);
        assert_eq!(
            d.decode_errors(),
            0,
            "node {i}: {:?}",
            d.iter().collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_tracker_introduction_makes_the_introduced_peer_puncture() {
    let mut net = TestNetwork::new(2).with_datagram_log();
    let t = net.add_node_with(NodeConfig::tracker());
    let tracker = net.address(t);
    let a = net.add_node_with(client_config(tracker));
    net.advance(Duration::from_secs(1));
    let b = net.add_node_with(client_config(tracker));
    net.advance(Duration::from_secs(1));
    // B asks the tracker; the tracker asks A to puncture towards B (250), then answers B (245).
    let to_a = msg_ids(net.sent_between(t, a));
    assert!(to_a.contains(&250), "tracker -> A: {to_a:?}");
    // A's 249 goes to the puncture target: B itself, on its own host.
    assert!(net.sent(a).iter().any(|s| s.msg_id() == Some(249)));
    assert!(msg_ids(net.sent_between(a, b)).contains(&249));
    assert!(msg_ids(net.sent_between(t, b)).contains(&245));
    assert!(mids(&net.peers::<PlainCommunity>(b)).contains(&net.mid(a)));
}

#[test]
fn network_change_rebootstraps_and_reannounces_at_once() {
    let mut net = TestNetwork::new(3).with_datagram_log();
    let t = net.add_node_with(NodeConfig::tracker());
    let tracker = net.address(t);
    let a = net.add_node_with(client_config(tracker));
    let b = net.add_node_with(client_config(tracker));
    net.advance(Duration::from_secs(10));
    let before = net.sent(a).len();
    net.with_node(a, |node, now| node.handle_network_change(now));
    net.advance(Duration::from_millis(1));
    let b_addr = net.address(b);
    let after = &net.sent(a)[before..];
    assert!(after.iter().any(|s| s.to == tracker), "re-bootstrap");
    assert!(
        after
            .iter()
            .any(|s| s.to == b_addr && matches!(s.msg_id(), Some(234 | 246)))
    );
    // Each of them is on the discovery prefix or the test community's.
    let prefixes = [
        Prefix::for_community(CommunityId::DISCOVERY),
        Prefix::for_community(TEST_COMMUNITY),
    ];
    assert!(
        after
            .iter()
            .all(|s| prefixes.iter().any(|p| s.bytes[..22] == p.0))
    );
}
