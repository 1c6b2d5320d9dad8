//! Acceptance: after convergence, kill 30 % of the nodes; every survivor drops every dead peer
//! within drop_time (57.5 s) + 10 s, AND STAYS at ≥ 20 peers: the count of every survivor is
//! checked every simulated second from the kill to 20 s past that deadline (1,000 nodes, cheap
//! signer: this is about dynamics, not authentication).

use std::collections::BTreeSet;
use std::time::Duration;

use ipv8_proto::Mid;
use ipv8_sim::{SimTime, Summary, World, WorldConfig, derive_seed, sim_seed};

const DROP_TIME: Duration = Duration::from_millis(57_500);
const GRACE: Duration = Duration::from_secs(10);
/// How long past the deadline the counts are still watched.
const AFTER: Duration = Duration::from_secs(20);

#[test]
fn survivors_drop_dead_peers_within_drop_time_and_keep_twenty_peers() {
    let seed = sim_seed(2);
    let mut world = World::build(WorldConfig::new(seed, 1_000).cheap());
    world.sim.run_until(SimTime::from_secs(60));
    println!("before churn: {}", world.peer_summary());
    assert!(
        world.min_peers() >= 20,
        "seed {seed}: not converged before the kill"
    );

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
    let deadline = killed_at + DROP_TIME + GRACE;
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
    // (time since the kill, survivor, its peer count) of the lowest count seen.
    let mut lowest: Option<(Duration, u32, usize)> = None;
    let mut cleared_at = None;
    let mut left_at_deadline = None;
    while world.sim.now() < deadline + AFTER {
        // Every second, and exactly at the deadline.
        let mut next = world.sim.now() + Duration::from_secs(1);
        if world.sim.now() < deadline {
            next = next.min(deadline);
        }
        world.sim.run_until(next);
        let t = world.sim.now() - killed_at;
        for &h in alive {
            let c = world.peer_count(h);
            if lowest.is_none_or(|(_, _, low)| c < low) {
                lowest = Some((t, h, c));
            }
        }
        let left = holders(&world);
        if t.subsec_nanos() == 0 && t.as_secs().is_multiple_of(10) {
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
        if left_at_deadline.is_none() && world.sim.now() >= deadline {
            left_at_deadline = Some(left);
        }
    }
    let summary = Summary::of_counts(alive.iter().map(|&h| world.peer_count(h)));
    println!(
        "dead peers all dropped {cleared_at:?} after the kill (deadline {:?}); lowest survivor count {lowest:?}; at the end {summary}",
        DROP_TIME + GRACE
    );
    let left = left_at_deadline.unwrap_or_default();
    assert!(
        left.is_empty(),
        "seed {seed}: {} survivors still hold dead peers at drop_time + 10 s, e.g. host {:?}",
        left.len(),
        left.first()
    );
    let (t, host, low) = lowest.unwrap();
    assert!(
        low >= 20,
        "seed {seed}: survivor {host} had {low} peers at kill+{t:?} (must stay >= 20)"
    );
}
