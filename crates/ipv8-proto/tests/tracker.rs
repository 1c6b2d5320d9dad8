//! Tracker mode (upstream `scripts/tracker_service.py`): any prefix, introductions within a
//! community, churn of silent clients, at most 100 peers.

mod common;

use std::time::Duration;

use common::{Sim, TEST_COMMUNITY, addr, client_config};
use ipv8_proto::config::BootstrapConfig;
use ipv8_proto::{CommunityConfig, CommunityId, DropReason, NodeConfig};

const TRACKER: &str = "127.0.0.1:6421";

fn solo(community: CommunityId) -> NodeConfig {
    NodeConfig {
        communities: vec![CommunityConfig::plain(community, "Solo")],
        bootstrap: BootstrapConfig::trackers(&[addr(TRACKER)]),
        ..NodeConfig::default()
    }
}

#[test]
fn tracker_only_introduces_peers_of_the_same_community() {
    let mut sim = Sim::new();
    let t = sim.add_fast(TRACKER, NodeConfig::tracker(), 1);
    let x = CommunityId([0x11; 20]);
    let y = CommunityId([0x22; 20]);
    let a = sim.add_fast("127.0.0.1:8001", solo(x), 2);
    let b = sim.add_fast("127.0.0.1:8002", solo(x), 3);
    let c = sim.add_fast("127.0.0.1:8003", solo(y), 4);
    sim.run_for(Duration::from_secs(5));
    assert_eq!(sim.peers_of(a, x), vec![sim.node(b).my_mid()]);
    assert_eq!(sim.node(c).network().verified_count(), 0);
    let tracker = sim.node(t);
    assert!(tracker.is_tracker());
    assert_eq!(tracker.network().count_for_service(x), 2);
    assert_eq!(tracker.network().count_for_service(y), 1);
    // A prefix with another version byte is not served.
    let mut bad = ipv8_proto::Prefix::for_community(x).0.to_vec();
    bad[1] = 3;
    bad.push(246);
    let now = sim.now;
    sim.node_mut(t)
        .handle_datagram(now, addr("127.0.0.1:9"), &bad);
    assert_eq!(sim.node(t).drops().get(DropReason::UnknownPrefix), 1);
}

#[test]
fn tracker_forgets_clients_that_stop_answering() {
    let mut sim = Sim::new();
    let t = sim.add_fast(TRACKER, NodeConfig::tracker(), 1);
    sim.add_fast("127.0.0.1:8001", client_config(addr(TRACKER)), 2);
    let b = sim.add_fast("127.0.0.1:8002", client_config(addr(TRACKER)), 3);
    sim.run_for(Duration::from_secs(5));
    assert_eq!(sim.node(t).network().count_for_service(TEST_COMMUNITY), 2);
    sim.silenced.insert(sim.addr_of(b));
    sim.run_for(Duration::from_secs(120));
    let tracker = sim.node(t).network();
    assert_eq!(tracker.count_for_service(TEST_COMMUNITY), 1);
    assert!(tracker.peer(&sim.node(b).my_mid()).is_none());
    // The live client answered the tracker's pings (introduction-requests on its prefixes).
    assert!(
        sim.log
            .iter()
            .any(|s| s.from == addr(TRACKER) && s.msg_id() == 246)
    );
    assert_eq!(sim.node(t).drops().get(DropReason::UnsolicitedResponse), 0);
}

#[test]
fn tracker_keeps_at_most_one_hundred_peers() {
    let mut sim = Sim::new();
    let t = sim.add_fast(TRACKER, NodeConfig::tracker(), 1);
    let mut config = solo(TEST_COMMUNITY);
    config.communities[0].walkers.clear(); // clients only say hello once
    for i in 0..110u16 {
        let n = sim.add_fast(
            &format!("127.0.0.1:{}", 10_000 + i),
            config.clone(),
            100 + u64::from(i),
        );
        let now = sim.now;
        sim.node_mut(n)
            .walk_to_in(now, TEST_COMMUNITY, addr(TRACKER));
    }
    sim.run_for(Duration::from_secs(1));
    assert_eq!(sim.node(t).network().verified_count(), 110);
    sim.run_for(Duration::from_secs(10));
    assert!(sim.node(t).network().verified_count() <= 100);
}
