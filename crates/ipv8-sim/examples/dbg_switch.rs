//! TEMPORARY network-switch debugging (to be deleted).
use std::time::Duration;

use ipv8_proto::Instant;
use ipv8_sim::{Location, SimTime, World, WorldConfig, sim_seed};

fn main() {
    let seed = std::env::args().nth(1).map_or(sim_seed(4), |s| s.parse().unwrap());
    let mut world = World::build(WorldConfig::new(seed, 200));
    world.sim.run_until(SimTime::from_secs(60));
    let known_by = |w: &World, h: u32| {
        let mid = w.node(h).unwrap().my_mid();
        w.peers.iter().filter(|&&o| o != h && w.node(o).unwrap().network().peer(&mid).is_some()).count()
    };
    let mover = *world.peers.iter().max_by_key(|&&h| (known_by(&world, h), h)).unwrap();
    let mid = world.node(mover).unwrap().my_mid();
    let knowers: Vec<u32> = world.peers.iter().copied().filter(|&o| o != mover && world.node(o).unwrap().network().peer(&mid).is_some()).collect();
    let mover_knows: Vec<u32> = knowers.iter().copied().filter(|&o| { let m = world.node(o).unwrap().my_mid(); world.node(mover).unwrap().network().peer(&m).is_some() }).collect();
    println!("mover {mover} known by {} ; mover knows {} of them; not: {:?}", knowers.len(), mover_knows.len(), knowers.iter().filter(|k| !mover_knows.contains(k)).collect::<Vec<_>>());
    for &k in knowers.iter().filter(|k| !mover_knows.contains(k)) {
        let n = world.node(k).unwrap();
        let p = n.network().peer(&mid).unwrap();
        println!("  knower {k}: mover last_response {:?} pinged {:?} pings {} created {:?}", p.last_response(), p.last_pinged(), p.ping_count(), p.creation_time());
    }
    let old = world.sim.local_addr(mover);
    let new = world.sim.move_host(mover, Location::Public);
    let moved_at = world.sim.now();
    for s in 1..=40u64 {
        world.sim.run_until(moved_at + Duration::from_secs(s));
        let now = Instant::from_micros(world.sim.now().as_micros());
        for &k in knowers.iter().filter(|k| !mover_knows.contains(k)) {
            let n = world.node(k).unwrap();
            let p = n.network().peer(&mid);
            print!("k{k}: {:?} unresp {:?} fails {} | ", p.map(|p| p.addresses().collect::<Vec<_>>()), p.map(|p| p.is_unresponsive(now)), n.send_failures());
        }
        let holders = knowers.iter().filter(|&&o| { let n = world.node(o).unwrap(); n.network().verified_peers().any(|p| p.has_address(old)) || n.network().addresses().any(|(a, _)| a == old) }).count();
        println!("t=+{s} holders {holders} {new}");
    }
}
