//! Acceptance: statistics are passive. The same seeded 200-node run with statistics on for
//! every community (and the trackers) and with statistics off yields byte-identical trace
//! digests (real Ed25519).

use ipv8_sim::{SimTime, World, WorldConfig, sim_seed};

fn run(seed: u64, statistics: bool) -> World {
    let mut config = WorldConfig::new(seed, 200);
    config.statistics = statistics;
    let mut world = World::build(config);
    world.sim.run_until(SimTime::from_secs(60));
    world
}

#[test]
fn statistics_on_and_off_give_identical_traces() {
    let seed = sim_seed(3);
    let on = run(seed, true);
    let off = run(seed, false);
    let recorded = |w: &World| -> usize {
        w.peers
            .iter()
            .filter_map(|&h| w.node(h))
            .map(|n| n.statistics().enabled_count())
            .sum()
    };
    println!(
        "on: digest {} records {} prefixes with stats {}; {}",
        on.sim.digest(),
        on.sim.trace().records(),
        recorded(&on),
        on.peer_summary()
    );
    println!(
        "off: digest {} records {} prefixes with stats {}",
        off.sim.digest(),
        off.sim.trace().records(),
        recorded(&off)
    );
    assert_eq!(
        recorded(&on),
        200,
        "statistics must really be on in the first run"
    );
    assert_eq!(recorded(&off), 0, "and really off in the second");
    let node = on.node(on.peers[0]).unwrap();
    let counted: u64 = node
        .statistics()
        .iter()
        .map(|(_, p)| p.aggregate().num_up)
        .sum();
    assert!(counted > 0, "the statistics counted messages");
    assert!(
        on.sim.trace().records() > 50_000,
        "a busy run, not a trivial one"
    );
    assert_eq!(on.sim.stats(), off.sim.stats());
    assert_eq!(
        on.sim.digest(),
        off.sim.digest(),
        "seed {seed}: statistics changed the run"
    );
}
