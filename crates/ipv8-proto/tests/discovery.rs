//! Discovery through a tracker where the in-test network's addressing matters: every node on
//! one loopback host, and a network that drops datagrams to dead addresses silently (no ICMP).
//! The other discovery tests run on the community test harness (`crates/ipv8-sim/tests`).

mod common;

use std::time::Duration;

use common::{Sim, TEST_COMMUNITY, addr, client_config};
use ipv8_proto::{BootstrapStatus, CommunityId, NodeConfig};

const TRACKER: &str = "127.0.0.1:6421";

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
