//! End-to-end discovery through a tracker, on loopback addresses, with the in-test network.

mod common;

use std::time::Duration;

use common::{Sim, TEST_COMMUNITY, addr, client_config};
use ipv8_proto::{BootstrapStatus, CommunityId, Event, NodeConfig};

const TRACKER: &str = "127.0.0.1:6421";

#[test]
fn two_nodes_find_each_other_through_a_tracker_then_switch_to_new_style() {
    let mut sim = Sim::new();
    let t = sim.add(TRACKER, NodeConfig::tracker(), 1);
    let a = sim.add("127.0.0.1:8001", client_config(addr(TRACKER)), 2);
    let b = sim.add("127.0.0.1:8002", client_config(addr(TRACKER)), 3);
    sim.run_for(Duration::from_secs(10));

    let (mid_a, mid_b) = (sim.node(a).my_mid(), sim.node(b).my_mid());
    for community in [CommunityId::DISCOVERY, TEST_COMMUNITY] {
        assert_eq!(
            sim.peers_of(a, community),
            vec![mid_b],
            "A's peers in {community}"
        );
        assert_eq!(
            sim.peers_of(b, community),
            vec![mid_a],
            "B's peers in {community}"
        );
    }
    // The tracker is never a peer, and knows both clients in both communities.
    assert!(
        sim.node(a)
            .network()
            .verified_by_address(addr(TRACKER))
            .is_none()
    );
    assert_eq!(
        sim.node(t)
            .network()
            .count_for_service(CommunityId::DISCOVERY),
        2
    );
    assert_eq!(sim.node(t).network().count_for_service(TEST_COMMUNITY), 2);
    // Old style to the tracker only (requests, similarity-requests from the response callback,
    // and punctures: on one host py-ipv8's puncture
    // target is the request's destination); A and B switch to new style after their first
    // exchange.
    let (at, bt) = (sim.addr_of(a), sim.addr_of(b));
    let to_tracker: Vec<u8> = sim
        .sent_between(at, addr(TRACKER))
        .iter()
        .map(|s| s.msg_id())
        .collect();
    assert!(
        to_tracker.iter().all(|id| matches!(id, 246 | 249 | 1)),
        "{to_tracker:?}"
    );
    let a_to_b: Vec<u8> = sim
        .sent_between(at, bt)
        .iter()
        .map(|s| s.msg_id())
        .collect();
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
    assert!(sim.node(a).bootstrap_status() != BootstrapStatus::Idle);
    assert!(matches!(
        sim.node(a).bootstrap_status(),
        BootstrapStatus::Reached { .. }
    ));
    assert!(
        sim.events.iter().any(
            |(at_, e)| *at_ == at && matches!(e, Event::PeerAdded { mid, .. } if *mid == mid_b)
        )
    );
    assert!(
        sim.events
            .iter()
            .any(|(at_, e)| *at_ == at && matches!(e, Event::Bootstrapped { .. }))
    );
    for i in [a, b, t] {
        let d = sim.node(i).drops();
        assert_eq!(d.get(ipv8_proto::DropReason::BadSignature), 0);
        assert_eq!(
            d.decode_errors(),
            0,
            "node {i}: {:?}",
            d.iter().collect::<Vec<_>>()
        );
    }
}

#[test]
fn same_host_swarm_of_five_all_discover_each_other() {
    let mut sim = Sim::new();
    sim.add_fast(TRACKER, NodeConfig::tracker(), 100);
    let clients: Vec<usize> = (0..5)
        .map(|i| {
            sim.add_fast(
                &format!("127.0.0.1:{}", 9000 + i),
                client_config(addr(TRACKER)),
                200 + i,
            )
        })
        .collect();
    sim.run_for(Duration::from_secs(8));
    for &c in &clients {
        let peers = sim.peers_of(c, TEST_COMMUNITY);
        assert_eq!(peers.len(), 4, "node {c} knows {} peers", peers.len());
        assert_eq!(
            sim.node(c)
                .network()
                .count_for_service(CommunityId::DISCOVERY),
            4
        );
        assert_eq!(
            sim.node(c).lan_estimate(),
            format!("127.0.0.1:{}", sim.addr_of(c).port())
                .parse()
                .unwrap()
        );
    }
}

#[test]
fn a_tracker_introduction_makes_the_introduced_peer_puncture() {
    let mut sim = Sim::new();
    let t = sim.add(TRACKER, NodeConfig::tracker(), 1);
    let a = sim.add("127.0.0.1:8001", client_config(addr(TRACKER)), 2);
    sim.run_for(Duration::from_secs(1));
    let b = sim.add("127.0.0.1:8002", client_config(addr(TRACKER)), 3);
    sim.run_for(Duration::from_secs(1));
    let (tt, at, bt) = (sim.addr_of(t), sim.addr_of(a), sim.addr_of(b));
    // B asks the tracker; the tracker asks A to puncture towards B (250), then answers B (245).
    let to_a: Vec<u8> = sim
        .sent_between(tt, at)
        .iter()
        .map(|s| s.msg_id())
        .collect();
    assert!(to_a.contains(&250), "tracker -> A: {to_a:?}");
    // A's 249 goes to the puncture target (on one host: the request's destination, per py-ipv8).
    assert!(sim.log.iter().any(|s| s.from == at && s.msg_id() == 249));
    assert!(sim.sent_between(tt, bt).iter().any(|s| s.msg_id() == 245));
    assert!(
        sim.peers_of(b, TEST_COMMUNITY)
            .contains(&sim.node(a).my_mid())
    );
}

#[test]
fn unreachable_tracker_is_retried_with_backoff_forever() {
    let mut sim = Sim::new();
    let a = sim.add("127.0.0.1:8001", client_config(addr(TRACKER)), 2);
    sim.run_for(Duration::from_secs(1));
    assert!(matches!(
        sim.node(a).bootstrap_status(),
        BootstrapStatus::Waiting { attempts: 1, .. }
    ));
    sim.run_for(Duration::from_secs(600));
    let rounds: Vec<_> = sim
        .log
        .iter()
        .filter(|s| s.to == addr(TRACKER) && s.bytes[2..22] == CommunityId::DISCOVERY.0)
        .map(|s| s.at.as_micros() / 1_000_000)
        .collect();
    // Rounds at 0, 30, 90, 210, 450 s: the interval doubles from 30 s up to the 240 s cap.
    // Between them, peerless retries 3, 6, 12 and 24 s after the previous request; they stop
    // once their spacing would reach the 30 s round interval.
    assert_eq!(
        rounds,
        vec![0, 3, 9, 21, 30, 54, 90, 210, 450],
        "{rounds:?}"
    );
    let BootstrapStatus::Waiting { attempts, .. } = sim.node(a).bootstrap_status() else {
        panic!("expected Waiting, got {:?}", sim.node(a).bootstrap_status());
    };
    assert_eq!(attempts, 5);
    // The tracker comes up: the next round reaches it.
    sim.add(TRACKER, NodeConfig::tracker(), 1);
    sim.run_for(Duration::from_secs(300));
    assert!(matches!(
        sim.node(a).bootstrap_status(),
        BootstrapStatus::Reached { .. }
    ));
}

#[test]
fn network_change_rebootstraps_and_reannounces_at_once() {
    let mut sim = Sim::new();
    sim.add(TRACKER, NodeConfig::tracker(), 1);
    let a = sim.add("127.0.0.1:8001", client_config(addr(TRACKER)), 2);
    let b = sim.add("127.0.0.1:8002", client_config(addr(TRACKER)), 3);
    sim.run_for(Duration::from_secs(10));
    let before = sim.log.len();
    let now = sim.now;
    sim.node_mut(a).handle_network_change(now);
    sim.run_for(Duration::from_millis(1));
    let (at, bt) = (sim.addr_of(a), sim.addr_of(b));
    let after = &sim.log[before..];
    assert!(
        after.iter().any(|s| s.from == at && s.to == addr(TRACKER)),
        "re-bootstrap"
    );
    assert!(
        after
            .iter()
            .any(|s| s.from == at && s.to == bt && matches!(s.msg_id(), 234 | 246))
    );
}
