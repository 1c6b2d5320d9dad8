//! Acceptance: two nodes behind port-restricted cone NATs become verified peers through the
//! tracker's puncture-request; behind two symmetric NATs they do not, and the simulator shows
//! why (datagrams filtered at the NATs). Real Ed25519.

use std::time::Duration;

use ipv8_sim::{Location, NatConfig, NatId, NatKind, SimTime, World, WorldConfig, sim_seed};

struct Outcome {
    world: World,
    a: u32,
    b: u32,
    nats: [NatId; 2],
}

fn run(kind: NatKind, seed: u64) -> Outcome {
    let mut config = WorldConfig::new(seed, 0);
    config.trackers = 1;
    let mut world = World::build(config);
    let tracker = world.sim.local_addr(world.trackers[0]);
    let nats = [
        world.sim.add_nat(NatConfig::new(kind)),
        world.sim.add_nat(NatConfig::new(kind)),
    ];
    let a = world.add_peer(Location::BehindNat(nats[0]), Some(tracker));
    world.sim.run_for(Duration::from_millis(300));
    let b = world.add_peer(Location::BehindNat(nats[1]), Some(tracker));
    world.peers = vec![a, b];
    world.sim.run_until(SimTime::from_secs(40));
    Outcome { world, a, b, nats }
}

fn peers(o: &Outcome) -> (bool, bool) {
    let mid = |h| o.world.node(h).unwrap().my_mid();
    let knows = |x, y| o.world.node(x).unwrap().network().peer(&mid(y)).is_some();
    (knows(o.a, o.b), knows(o.b, o.a))
}

fn report(kind: NatKind, o: &Outcome) {
    let w = &o.world;
    for (i, n) in o.nats.iter().enumerate() {
        println!(
            "{kind:?} NAT {i} ({}): {:?}",
            w.sim.nat(*n).public_ip(),
            w.sim.nat(*n).stats()
        );
    }
    for h in [o.a, o.b] {
        let node = w.node(h).unwrap();
        let wan = node.wan_estimate(w.community);
        println!(
            "host {h} {} wan {wan:?} peers {} verified {:?}",
            w.sim.local_addr(h),
            w.peer_count(h),
            node.network()
                .verified_peers()
                .map(|p| p.address())
                .collect::<Vec<_>>()
        );
    }
    println!("net {:?}", w.sim.stats());
}

#[test]
fn port_restricted_nats_puncture() {
    let seed = sim_seed(5);
    for kind in [
        NatKind::FullCone,
        NatKind::AddressRestricted,
        NatKind::PortRestricted,
    ] {
        let o = run(kind, seed);
        report(kind, &o);
        assert_eq!(
            peers(&o),
            (true, true),
            "seed {seed}: {kind:?} NATs must be punctured"
        );
        // The NAT really filtered something on the way (the first puncture arrives before the
        // peer's own outbound datagram opened its mapping) unless it is a full cone.
        if kind != NatKind::FullCone {
            let dropped: u64 = o
                .nats
                .iter()
                .map(|n| o.world.sim.nat(*n).stats().dropped())
                .sum();
            println!("{kind:?}: {dropped} datagrams filtered before the puncture succeeded");
        }
    }
}

#[test]
fn symmetric_nats_fail_and_say_why() {
    let seed = sim_seed(5);
    let o = run(NatKind::Symmetric, seed);
    report(NatKind::Symmetric, &o);
    assert_eq!(
        peers(&o),
        (false, false),
        "seed {seed}: symmetric NATs cannot be punctured"
    );
    let filtered: u64 = o
        .nats
        .iter()
        .map(|n| o.world.sim.nat(*n).stats().dropped_filtered)
        .sum();
    let unmapped: u64 = o
        .nats
        .iter()
        .map(|n| o.world.sim.nat(*n).stats().dropped_no_mapping)
        .sum();
    println!("symmetric: {filtered} datagrams filtered, {unmapped} to unmapped ports");
    assert!(
        filtered + unmapped > 0,
        "the failure is visible in the NAT counters"
    );
    // Both still reached the tracker through their own mappings.
    for h in [o.a, o.b] {
        assert!(o.world.sim.host_stats(h).received > 0);
    }
}
