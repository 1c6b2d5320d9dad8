//! Acceptance: 1,000 nodes in one community, each bootstrapping from 1 of 3 trackers over
//! 50 ms ± 20 ms links with 1 % loss: EVERY node has ≥ 20 verified peers within 60 simulated
//! seconds (real Ed25519; the 20-seed run with the cheap signer is `seeds.rs`).

use ipv8_sim::{SimTime, World, WorldConfig, sim_seed};

#[test]
fn thousand_nodes_reach_twenty_peers() {
    let seed = sim_seed(1);
    let mut world = World::build(WorldConfig::new(seed, 1_000));
    let mut at_60 = Vec::new();
    for t in (10..=60).step_by(10) {
        world.sim.run_until(SimTime::from_secs(t));
        println!("t={t:>3}s peers {}", world.peer_summary());
        at_60 = world.peer_counts();
    }
    let late: Vec<(u32, usize)> = world
        .peers
        .iter()
        .map(|&h| (h, world.peer_count(h)))
        .filter(|&(_, c)| c < 20)
        .collect();
    println!("nodes below 20 peers at 60 s: {} {late:?}", late.len());
    println!("stats {:?}", world.sim.stats());
    let s = ipv8_sim::Summary::of_counts(at_60.iter().copied());
    assert_eq!(s.count, 1_000);
    assert!(
        late.is_empty(),
        "seed {seed}: {} nodes below 20 peers at 60 s: {late:?}; {s}",
        late.len()
    );
}
