//! DiscoveryCommunity behaviour over time: similarity, ping/pong RTTs, churn. Dynamics only,
//! so most nodes use the cheap test signer (`Sim::add_fast`); similarity uses real keys.

mod common;

use std::time::Duration;

use common::{Sim, TEST_COMMUNITY, addr, client_config};
use ipv8_proto::config::BootstrapConfig;
use ipv8_proto::{CommunityConfig, CommunityId, DiscoveryCommunity, Event, NodeConfig};

const TRACKER: &str = "127.0.0.1:6421";

#[test]
fn similarity_teaches_the_communities_a_peer_runs() {
    let mut sim = Sim::new();
    sim.add(TRACKER, NodeConfig::tracker(), 1);
    // A runs only the DiscoveryCommunity; B also runs a community A has never heard of.
    let a_config = NodeConfig {
        communities: vec![CommunityConfig::discovery()],
        bootstrap: BootstrapConfig::trackers(&[addr(TRACKER)]),
        ..NodeConfig::default()
    };
    let a = sim.add("127.0.0.1:8001", a_config, 2);
    let b = sim.add("127.0.0.1:8002", client_config(addr(TRACKER)), 3);
    sim.run_for(Duration::from_secs(5));
    let mid_b = sim.node(b).my_mid();
    let services = sim.node(a).network().services_of(&mid_b).to_vec();
    assert!(services.contains(&CommunityId::DISCOVERY));
    assert!(
        services.contains(&TEST_COMMUNITY),
        "learned through similarity: {services:?}"
    );
    // Similarity requests and responses flowed both ways.
    let (at, bt) = (sim.addr_of(a), sim.addr_of(b));
    assert!(sim.sent_between(at, bt).iter().any(|s| s.msg_id() == 1));
    assert!(sim.sent_between(bt, at).iter().any(|s| s.msg_id() == 2));
}

#[test]
fn ping_pong_records_rtt_samples() {
    let mut sim = Sim::new();
    sim.latency = Duration::from_millis(20);
    sim.add_fast(TRACKER, NodeConfig::tracker(), 1);
    let a = sim.add_fast("127.0.0.1:8001", client_config(addr(TRACKER)), 2);
    let b = sim.add_fast("127.0.0.1:8002", client_config(addr(TRACKER)), 3);
    sim.run_for(Duration::from_secs(30));
    let mid_b = sim.node(b).my_mid();
    let peer_b = sim.node(a).network().peer(&mid_b).unwrap();
    assert!(!peer_b.pings().is_empty());
    assert_eq!(peer_b.median_ping(), Some(Duration::from_millis(40)));
    let (at, bt) = (sim.addr_of(a), sim.addr_of(b));
    assert!(sim.sent_between(at, bt).iter().any(|s| s.msg_id() == 3));
    assert!(sim.sent_between(bt, at).iter().any(|s| s.msg_id() == 4));
    let now = sim.now;
    let pending = sim.nodes[a]
        .1
        .with_community::<DiscoveryCommunity, _>(now, CommunityId::DISCOVERY, |_, cx| {
            DiscoveryCommunity::pending_pings(cx)
        })
        .unwrap();
    assert!(pending <= 1);
    assert_eq!(
        sim.node(a)
            .drops()
            .get(ipv8_proto::DropReason::UnsolicitedPong),
        0
    );
}

#[test]
fn churn_drops_a_silent_peer_after_drop_time() {
    let mut sim = Sim::new();
    sim.add_fast(TRACKER, NodeConfig::tracker(), 1);
    let a = sim.add_fast("127.0.0.1:8001", client_config(addr(TRACKER)), 2);
    let b = sim.add_fast("127.0.0.1:8002", client_config(addr(TRACKER)), 3);
    sim.run_for(Duration::from_secs(10));
    let mid_b = sim.node(b).my_mid();
    assert!(sim.node(a).network().peer(&mid_b).is_some());
    let bt = sim.addr_of(b);
    sim.silenced.insert(bt);
    let silenced_at = sim.now;
    let last_heard = sim
        .node(a)
        .network()
        .peer(&mid_b)
        .unwrap()
        .last_response()
        .unwrap();
    // Still there just before drop_time has passed.
    sim.run_for(Duration::from_secs(50));
    assert!(
        sim.node(a).network().peer(&mid_b).is_some(),
        "dropped too early"
    );
    sim.run_for(Duration::from_secs(30));
    assert!(
        sim.node(a).network().peer(&mid_b).is_none(),
        "silent peer kept"
    );
    let at = sim.addr_of(a);
    let removed = sim
        .events
        .iter()
        .filter(|(n, e)| *n == at && matches!(e, Event::PeerRemoved { mid, .. } if *mid == mid_b))
        .count();
    assert_eq!(removed, 2, "one PeerRemoved per community");
    assert!(last_heard <= silenced_at);
    // A kept walking and bootstrapping, and is alone but not stuck.
    assert_eq!(sim.peers_of(a, TEST_COMMUNITY).len(), 0);
}

#[test]
fn a_peer_that_comes_back_is_found_again() {
    let mut sim = Sim::new();
    sim.add_fast(TRACKER, NodeConfig::tracker(), 1);
    let a = sim.add_fast("127.0.0.1:8001", client_config(addr(TRACKER)), 2);
    let b = sim.add_fast("127.0.0.1:8002", client_config(addr(TRACKER)), 3);
    sim.run_for(Duration::from_secs(5));
    let bt = sim.addr_of(b);
    sim.silenced.insert(bt);
    sim.run_for(Duration::from_secs(120));
    assert!(sim.peers_of(a, TEST_COMMUNITY).is_empty());
    sim.silenced.clear();
    sim.run_for(Duration::from_secs(120));
    assert_eq!(sim.peers_of(a, TEST_COMMUNITY), vec![sim.node(b).my_mid()]);
}

#[test]
fn an_outage_of_our_own_network_does_not_cost_us_our_peers() {
    let mut sim = Sim::new();
    sim.add_fast(TRACKER, NodeConfig::tracker(), 1);
    let a = sim.add_fast("127.0.0.1:8001", client_config(addr(TRACKER)), 2);
    let b = sim.add_fast("127.0.0.1:8002", client_config(addr(TRACKER)), 3);
    sim.run_for(Duration::from_secs(5));
    let (mid_a, mid_b) = (sim.node(a).my_mid(), sim.node(b).my_mid());
    // A's network goes down for two minutes: A hears nothing at all, so it keeps B.
    sim.silenced.insert(sim.addr_of(a));
    sim.run_for(Duration::from_secs(120));
    assert_eq!(
        sim.peers_of(a, TEST_COMMUNITY),
        vec![mid_b],
        "A kept B through the outage"
    );
    // B, which kept hearing the tracker, dropped the silent A as py-ipv8 does.
    assert!(sim.peers_of(b, TEST_COMMUNITY).is_empty());
    // Back online: A's walk reaches B again at once.
    sim.silenced.clear();
    sim.run_for(Duration::from_secs(3));
    assert_eq!(sim.peers_of(b, TEST_COMMUNITY), vec![mid_a]);
}
