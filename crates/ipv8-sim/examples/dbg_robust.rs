//! TEMPORARY robustness sweep (to be deleted).
use std::collections::BTreeSet;
use std::time::Duration;

use ipv8_proto::Mid;
use ipv8_sim::{SimTime, World, WorldConfig, derive_seed};

fn main() {
    let what = std::env::args().nth(1).unwrap_or_default();
    let from: u64 = std::env::args().nth(2).map_or(1, |s| s.parse().unwrap());
    let to: u64 = std::env::args().nth(3).map_or(10, |s| s.parse().unwrap());
    for seed in from..=to {
        if what == "slow" {
            let mut world = World::build(WorldConfig::new(seed, 1_000).cheap());
            world.sim.run_until(SimTime::from_secs(25));
            let slow: Vec<u32> = world.peers.iter().copied().filter(|&h| world.peer_count(h) < 20).collect();
            println!("slow at 25 s: {slow:?}");
            for t in 26..=50u64 {
                world.sim.run_until(SimTime::from_secs(t));
                let now = ipv8_proto::Instant::from_micros(world.sim.now().as_micros());
                for &h in &slow {
                    let n = world.node(h).unwrap();
                    let c = world.community;
                    print!("h{h}: n{} r{} w{} {:?} | ", n.network().count_for_service(c), n.network().responsive_count_for_service(c, now), n.network().walkable_addresses(c, false).len(), n.bootstrap_status());
                }
                println!("t={t}");
            }
        } else if what == "conv" {
            let mut world = World::build(WorldConfig::new(seed, 1_000).cheap());
            let all = world.run_until_min_peers(20, SimTime::from_secs(120));
            println!("seed {seed}: all >= 20 at {all:?}");
        } else {
            let mut world = World::build(WorldConfig::new(seed, 1_000).cheap());
            world.sim.run_until(SimTime::from_secs(60));
            let before = world.min_peers();
            let mut order = world.peers.clone();
            order.sort_by_key(|&h| derive_seed(seed, u64::from(h), "kill"));
            let (dead, alive) = order.split_at(300);
            let dead_mids: BTreeSet<Mid> = dead.iter().map(|&h| world.node(h).unwrap().my_mid()).collect();
            let killed_at = world.sim.now();
            for &h in dead { world.sim.crash(h); }
            let mut min = usize::MAX;
            let mut cleared = None;
            for s in 1..=75u64 {
                world.sim.run_until(killed_at + Duration::from_secs(s));
                min = min.min(world.min_peers());
                let left = alive.iter().filter(|&&h| world.node(h).unwrap().network().verified_peers().any(|p| dead_mids.contains(&p.mid()))).count();
                if left == 0 && cleared.is_none() { cleared = Some(s); }
            }
            for &h in alive { let n = world.node(h).unwrap(); for p in n.network().verified_peers().filter(|p| dead_mids.contains(&p.mid())) { println!("  host {h} holds {:?} last_response {:?} pinged {:?} pings {} created {:?} now {:?} services {:?}", p.address(), p.last_response(), p.last_pinged(), p.ping_count(), p.creation_time(), world.sim.now(), n.network().services_of(&p.mid()).len()); } }
            println!("seed {seed}: min before {before}, min after kill {min}, cleared at +{cleared:?}s; end {}", world.peer_summary());
        }
    }
}
