//! Acceptance: after convergence, kill 30 % of the nodes; every survivor drops every dead peer
//! within drop_time (57.5 s) + 10 s, and ends with ≥ 20 peers (1,000 nodes, cheap signer:
//! this is about dynamics, not authentication).

use std::collections::BTreeSet;
use std::time::Duration;

use ipv8_proto::Mid;
use ipv8_sim::{SimTime, Summary, World, WorldConfig, derive_seed, sim_seed};

const DROP_TIME: Duration = Duration::from_millis(57_500);

#[test]
fn survivors_drop_dead_peers_within_drop_time() {
    let seed = sim_seed(2);
    let mut world = World::build(WorldConfig::new(seed, 1_000).cheap());
    world.sim.run_until(SimTime::from_secs(60));
    println!("before churn: {}", world.peer_summary());

    // Kill a seeded 30 %: sort by a per-host hash and take the first 300.
    let mut order = world.peers.clone();
    order.sort_by_key(|&h| derive_seed(seed, u64::from(h), "kill"));
    let (dead, alive) = order.split_at(300);
    let dead_mids: BTreeSet<Mid> = dead
        .iter()
        .map(|&h| world.node(h).unwrap().my_mid())
        .collect();
    let killed_at = world.sim.now();
    for &h in dead {
        world.sim.crash(h);
    }
    let deadline = killed_at + DROP_TIME + Duration::from_secs(10);
    let holders = |w: &World| -> Vec<u32> {
        alive
            .iter()
            .copied()
            .filter(|&h| {
                w.node(h)
                    .unwrap()
                    .network()
                    .verified_peers()
                    .any(|p| dead_mids.contains(&p.mid()))
            })
            .collect()
    };
    let mut min_after_drop = usize::MAX;
    let mut cleared_at = None;
    while world.sim.now() < deadline {
        world.sim.run_for(Duration::from_secs(1));
        let left = holders(&world);
        let t = world.sim.now() - killed_at;
        if t.as_secs().is_multiple_of(10) {
            println!(
                "t=kill+{:>2}s survivors holding dead peers {:>3}; {}",
                t.as_secs(),
                left.len(),
                world.peer_summary()
            );
        }
        if left.is_empty() && cleared_at.is_none() {
            cleared_at = Some(t);
        }
        if t > DROP_TIME {
            min_after_drop = min_after_drop.min(world.min_peers());
        }
    }
    let summary = Summary::of_counts(alive.iter().map(|&h| world.peer_count(h)));
    println!(
        "dead peers all dropped {cleared_at:?} after the kill; at deadline {summary}; min after drop_time {min_after_drop}"
    );
    let left = holders(&world);
    assert!(
        left.is_empty(),
        "seed {seed}: {} survivors still hold dead peers, e.g. host {:?}",
        left.len(),
        left.first()
    );
    assert!(
        summary.min >= 20.0,
        "seed {seed}: a survivor has fewer than 20 peers: {summary}"
    );
}
