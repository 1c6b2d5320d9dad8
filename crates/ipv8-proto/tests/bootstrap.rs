//! Bootstrapping paths: wildcard binds behind a loopback tracker, DNS-named trackers, the LAN
//! beacon and the advertised-address override (EdgeWalk: `crates/ipv8-sim/tests/strategies.rs`).

mod common;

use std::time::Duration;

use common::{Sim, TEST_COMMUNITY, addr, client_config};
use ipv8_proto::config::BootstrapConfig;
use ipv8_proto::{CommunityConfig, DropReason, NodeConfig, Prefix};
use ipv8_wire::{Beacon, IntroductionRequest, SignedPacket};

const TRACKER: &str = "127.0.0.1:6421";

#[test]
fn wildcard_bound_nodes_with_lan_interfaces_meet_through_a_loopback_tracker() {
    let mut sim = Sim::new();
    sim.add_fast(TRACKER, NodeConfig::tracker(), 1);
    let nodes: Vec<usize> = (0..3)
        .map(|i| {
            sim.add_wildcard(
                &format!("127.0.0.1:{}", 9100 + i),
                &["127.0.0.1", "192.168.77.10"],
                client_config(addr(TRACKER)),
                10 + i,
            )
        })
        .collect();
    sim.run_for(Duration::from_secs(8));
    for &n in &nodes {
        assert_eq!(sim.node(n).lan_estimate().ip().to_string(), "192.168.77.10");
        assert_eq!(sim.peers_of(n, TEST_COMMUNITY).len(), 2, "node {n}");
    }
}

#[test]
fn dns_named_trackers_are_resolved_through_the_driver_and_retried() {
    let mut sim = Sim::new();
    sim.add_fast(TRACKER, NodeConfig::tracker(), 1);
    let mut config = client_config(addr(TRACKER));
    config.bootstrap = BootstrapConfig {
        trackers: Vec::new(),
        dns_names: vec![("tracker.example".to_owned(), 6421)],
        ..BootstrapConfig::default()
    };
    let a = sim.add_fast("127.0.0.1:8001", config.clone(), 2);
    let b = sim.add_fast("127.0.0.1:8002", config, 3);
    sim.run_for(Duration::from_millis(10));
    assert_eq!(
        sim.resolves.len(),
        2,
        "one look-up per node: {:?}",
        sim.resolves
    );
    // A's look-up fails: it asks again at its next round (30 s later).
    let now = sim.now;
    sim.node_mut(a)
        .handle_resolved(now, "tracker.example", 6421, &[]);
    // B's answer carries port 0: the configured port is used. Nobody listens there.
    sim.node_mut(b)
        .handle_resolved(now, "tracker.example", 6421, &[addr("127.0.0.2:0")]);
    sim.run_for(Duration::from_millis(10));
    // B contacts the resolved tracker at once.
    assert!(
        sim.log
            .iter()
            .any(|s| s.from == sim.addr_of(b) && s.to == addr("127.0.0.2:6421"))
    );
    assert!(sim.node(b).network().is_blacklisted(addr("127.0.0.2:6421")));
    sim.run_for(Duration::from_secs(31));
    let again: Vec<_> = sim
        .resolves
        .iter()
        .filter(|(at, ..)| *at == sim.addr_of(a))
        .collect();
    assert_eq!(again.len(), 2, "A resolves again after the failure");
    let now = sim.now;
    sim.node_mut(a)
        .handle_resolved(now, "tracker.example", 6421, &[addr(TRACKER)]);
    sim.run_for(Duration::from_secs(2));
    assert!(sim.node(a).network().is_blacklisted(addr(TRACKER)));
    assert!(matches!(
        sim.node(a).bootstrap_status(),
        ipv8_proto::BootstrapStatus::Reached { .. }
    ));
}

#[test]
fn beacons_are_emitted_and_answered_by_walking_to_the_sender() {
    let mut sim = Sim::new();
    let mut config = NodeConfig {
        communities: vec![CommunityConfig::plain(TEST_COMMUNITY, "TestCommunity")],
        bootstrap: BootstrapConfig::none(),
        ..NodeConfig::default()
    };
    config.communities[0].use_beacon = true;
    let a = sim.add_fast("127.0.0.1:8001", config.clone(), 2);
    let b = sim.add_fast("127.0.0.1:8002", config, 3);
    sim.run_for(Duration::from_millis(1));
    let beacon = sim
        .beacons
        .iter()
        .find(|(at, _)| *at == sim.addr_of(a))
        .map(|(_, bytes)| bytes.clone())
        .unwrap();
    assert_eq!(
        Beacon::parse(&beacon).unwrap().prefix,
        Prefix::for_community(TEST_COMMUNITY)
    );
    // A's beacon socket is 127.0.0.1:40000; the driver hands what arrives there to A.
    sim.aliases[a].push(addr("127.0.0.1:40000"));
    let now = sim.now;
    sim.node_mut(b)
        .handle_datagram(now, addr("127.0.0.1:40000"), &beacon);
    sim.run_for(Duration::from_secs(2));
    assert_eq!(sim.peers_of(a, TEST_COMMUNITY), vec![sim.node(b).my_mid()]);
    assert_eq!(sim.peers_of(b, TEST_COMMUNITY), vec![sim.node(a).my_mid()]);
    // A beacon for another prefix is counted and ignored.
    let foreign = Beacon {
        prefix: Prefix::for_community(ipv8_proto::CommunityId([9; 20])),
    };
    let bytes = ipv8_wire::Payload::to_bytes(&foreign);
    let now = sim.now;
    sim.node_mut(b)
        .handle_datagram(now, addr("127.0.0.1:40001"), &bytes);
    assert_eq!(sim.node(b).drops().get(DropReason::ForeignBeacon), 1);
}

#[test]
fn advertised_address_is_announced_as_lan_and_wan() {
    let mut sim = Sim::new();
    let mut config = client_config(addr(TRACKER));
    config.advertise = Some("203.0.113.5:7000".parse().unwrap());
    let a = sim.add_fast("127.0.0.1:8001", config, 2);
    sim.run_for(Duration::from_millis(1));
    let sent = sim.sent_between(sim.addr_of(a), addr(TRACKER));
    let packet = SignedPacket::parse(&sent[0].bytes).unwrap();
    let request: IntroductionRequest = packet.decode_payload().unwrap();
    assert_eq!(
        request.source_lan_address,
        "203.0.113.5:7000".parse().unwrap()
    );
    assert_eq!(
        request.source_wan_address,
        "203.0.113.5:7000".parse().unwrap()
    );
    assert_eq!(request.destination_address, TRACKER.parse().unwrap());
    assert!(request.flags.advice);
}
