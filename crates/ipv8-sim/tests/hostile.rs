//! Acceptance: a flood of 100,000 introduction-requests from distinct spoofed addresses (each
//! signed by its own real Ed25519 key) keeps the victim's tables bounded and its peer list at
//! max_peers; datagrams with bad signatures are dropped, counted, and never reach a community.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use ipv8_proto::{DropReason, Event, Identity, KeyIdentity, Mid};
use ipv8_sim::craft::{introduction_request, with_bad_signature};
use ipv8_sim::{SimTime, World, WorldConfig, derive_seed, sim_seed};

const FLOOD: u32 = 100_000;
const BAD: u32 = 1_000;

fn spoofed(i: u32) -> SocketAddrV4 {
    // 99.0.0.0/8 is nobody's address in the simulation: replies to it are unreachable.
    let [_, b, c, d] = i.to_be_bytes();
    SocketAddrV4::new(Ipv4Addr::new(99, b, c, d), 1024 + (i % 50_000) as u16)
}

struct Sizes {
    addresses: usize,
    verified: usize,
    community: usize,
    outputs: usize,
}

fn sizes(world: &World, h: u32) -> Sizes {
    let n = world.node(h).unwrap();
    Sizes {
        addresses: n.network().addresses().count(),
        verified: n.network().verified_count(),
        community: world.peer_count(h),
        outputs: n.queued_outputs(),
    }
}

#[test]
fn spoofed_flood_and_bad_signatures() {
    let seed = sim_seed(6);
    let mut config = WorldConfig::new(seed, 30);
    config.trackers = 1;
    let mut world = World::build(config);
    world.sim.run_until(SimTime::from_secs(30));
    let victim = world.peers[0];
    let target = match world.sim.local_addr(victim) {
        SocketAddr::V4(v4) => v4,
        SocketAddr::V6(_) => unreachable!("simulated hosts are IPv4"),
    };
    let community = world.community;
    let before = sizes(&world, victim);
    world.sim.set_keep_events(true);
    let _ = world.sim.take_events();

    // 1,000 badly signed requests first (the victim is below max_peers, so only the signature
    // can stop them), then 100,000 valid ones at 10,000 per second, then 1,000 bad ones again.
    let mut bad_mids = BTreeSet::new();
    let mut inject = |world: &mut World, i: u32, bad: bool, at: Duration| {
        let id = KeyIdentity::from_seed(derive_seed(seed, u64::from(i), "flood"));
        let from = spoofed(i);
        let mut bytes = introduction_request(&id, community, from, target, (i % 65_536) as u16);
        if bad {
            bytes = with_bad_signature(bytes);
            bad_mids.insert(Mid::of(id.public_bin()));
        }
        world
            .sim
            .inject(at, SocketAddr::V4(from), SocketAddr::V4(target), bytes);
    };
    for i in 0..BAD {
        inject(&mut world, i, true, Duration::from_millis(u64::from(i)));
    }
    world.sim.run_for(Duration::from_secs(2));
    let mut peak = sizes(&world, victim);
    let sent_before = world.sim.stats().sent;
    for second in 0..10u32 {
        for k in 0..FLOOD / 10 {
            let i = BAD + second * (FLOOD / 10) + k;
            inject(
                &mut world,
                i,
                false,
                Duration::from_micros(u64::from(k) * 100),
            );
        }
        world.sim.run_for(Duration::from_secs(1));
        let s = sizes(&world, victim);
        peak = Sizes {
            addresses: peak.addresses.max(s.addresses),
            verified: peak.verified.max(s.verified),
            community: peak.community.max(s.community),
            outputs: peak.outputs.max(s.outputs),
        };
    }
    let amplification = world.sim.stats().sent - sent_before;
    for i in 0..BAD {
        inject(
            &mut world,
            BAD + FLOOD + i,
            true,
            Duration::from_millis(u64::from(i)),
        );
    }
    world.sim.run_for(Duration::from_secs(5));

    let node = world.node(victim).unwrap();
    let drops: Vec<(DropReason, u64)> = node.drops().iter().collect();
    let after = sizes(&world, victim);
    println!(
        "victim tables before: addresses {} verified {} community {}; peak during flood: \
         addresses {} verified {} community {} queued outputs {}; after: addresses {} verified {} community {}",
        before.addresses,
        before.verified,
        before.community,
        peak.addresses,
        peak.verified,
        peak.community,
        peak.outputs,
        after.addresses,
        after.verified,
        after.community
    );
    println!(
        "victim drops {drops:?}; send failures {}",
        node.send_failures()
    );
    println!(
        "datagrams sent by all nodes during the flood: {amplification}; net {:?}",
        world.sim.stats()
    );

    let max_peers = 30;
    assert!(
        peak.community <= max_peers,
        "seed {seed}: community peers {} > max_peers",
        peak.community
    );
    assert!(
        peak.verified <= 500 && peak.addresses <= 500,
        "seed {seed}: tables grew unbounded"
    );
    // Below max_peers only the signature stops the first batch. Once the community is full,
    // py-ipv8 (and proto) refuse 246 before verifying anything, so the flood and the second bad
    // batch are counted as MaxPeers: every injected datagram is accounted for.
    let (bad, full) = (
        node.drops().get(DropReason::BadSignature),
        node.drops().get(DropReason::MaxPeers),
    );
    assert_eq!(bad, u64::from(BAD), "seed {seed}: {drops:?}");
    let accepted = u64::from(2 * BAD + FLOOD) - bad - full;
    println!("flood requests accepted as peers before max_peers: {accepted}");
    assert!(
        accepted <= (max_peers - before.community) as u64,
        "seed {seed}: {accepted} accepted"
    );
    assert!(
        bad_mids.iter().all(|m| node.network().peer(m).is_none()),
        "a badly signed key became a peer"
    );
    let leaked = world.sim.take_events().into_iter().filter(|(_, h, e)| {
        *h == victim && matches!(e, Event::PeerAdded { mid, .. } if bad_mids.contains(mid))
    });
    assert_eq!(
        leaked.count(),
        0,
        "a badly signed request reached the community"
    );
}
