//! TEMPORARY churn debugging (to be deleted).
use std::collections::BTreeSet;
use std::time::Duration;

use ipv8_proto::{Instant, Mid};
use ipv8_sim::{SimTime, World, WorldConfig, derive_seed, sim_seed};

fn main() {
    let seed = std::env::args().nth(1).map_or(sim_seed(2), |s| s.parse().unwrap());
    let mut world = World::build(WorldConfig::new(seed, 1_000).cheap());
    world.sim.run_until(SimTime::from_secs(60));
    let mut order = world.peers.clone();
    order.sort_by_key(|&h| derive_seed(seed, u64::from(h), "kill"));
    let (dead, alive) = order.split_at(300);
    let dead_mids: BTreeSet<Mid> = dead.iter().map(|&h| world.node(h).unwrap().my_mid()).collect();
    let killed_at = world.sim.now();
    for &h in dead { world.sim.crash(h); }
    let c = world.community;
    let mut low: BTreeSet<u32> = BTreeSet::new();
    for s in 1..=70u64 {
        world.sim.run_until(killed_at + Duration::from_secs(s));
        for &h in alive { if world.peer_count(h) < 20 { low.insert(h); } }
    }
    println!("low survivors: {}", low.len());
    // rerun and trace the low ones
    let mut world = World::build(WorldConfig::new(seed, 1_000).cheap());
    world.sim.run_until(SimTime::from_secs(60));
    for &h in dead { world.sim.crash(h); }
    for s in 1..=70u64 {
        world.sim.run_until(killed_at + Duration::from_secs(s));
        let now = Instant::from_micros(world.sim.now().as_micros());
        for &h in low.iter().take(4) {
            let n = world.node(h).unwrap();
            let peers: Vec<_> = n.network().peers_for_service(c).collect();
            let dead_n = peers.iter().filter(|p| dead_mids.contains(&p.mid())).count();
            let unresp = peers.iter().filter(|p| p.is_unresponsive(now)).count();
            let dead_unresp = peers.iter().filter(|p| dead_mids.contains(&p.mid()) && p.is_unresponsive(now)).count();
            let walkable = n.network().walkable_addresses(c, false).len();
            print!("h{h}: n{} d{} u{} du{} w{} | ", peers.len(), dead_n, unresp, dead_unresp, walkable);
        }
        println!(" t=+{s}");
    }
}
