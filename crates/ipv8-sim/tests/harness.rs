//! Tests of the simulator itself with toy ping nodes: determinism, link faults, NAT behaviour,
//! crash/restart, address changes, partitions and spoofed injection.

use std::net::SocketAddr;
use std::time::Duration;

use ipv8_sim::{
    LinkModel, Location, NatConfig, NatKind, PingNode, Restart, SimConfig, SimTime, Simulator,
    ToyEvent, sim_seed,
};

const PORT: u16 = 9000;
const SEC: Duration = Duration::from_secs(1);

fn responder(sim: &mut Simulator<PingNode>, at: Location) -> (u32, SocketAddr) {
    let h = sim.add_node(at, PORT, |c| PingNode::responder(c.now));
    (h, sim.local_addr(h))
}

fn pinger(sim: &mut Simulator<PingNode>, at: Location, peers: Vec<SocketAddr>) -> u32 {
    sim.add_node(at, PORT, move |c| PingNode::new(peers, SEC, c.now))
}

fn mesh(seed: u64, model: LinkModel) -> Simulator<PingNode> {
    let mut sim = Simulator::new(SimConfig::new(seed).with_link(model));
    let (_, r) = responder(&mut sim, Location::Public);
    for _ in 0..20 {
        pinger(&mut sim, Location::Public, vec![r]);
    }
    sim.run_until(SimTime::from_secs(30));
    sim
}

#[test]
fn same_seed_same_digest_other_seed_other_digest() {
    let seed = sim_seed(11);
    let model = LinkModel::wan(Duration::from_millis(50), Duration::from_millis(20), 0.05)
        .with_duplicate(0.01)
        .with_reorder(0.02, Duration::from_millis(900));
    let (a, b, c) = (mesh(seed, model), mesh(seed, model), mesh(seed ^ 1, model));
    println!("digest {} records {}", a.digest(), a.trace().records());
    assert_eq!(a.digest(), b.digest());
    assert_eq!(a.stats(), b.stats());
    assert_ne!(a.digest(), c.digest());
    assert!(a.trace().records() > 1000);
}

#[test]
fn link_faults_are_applied_and_counted() {
    let seed = sim_seed(12);
    let model = LinkModel::wan(Duration::from_millis(50), Duration::from_millis(20), 0.10)
        .with_duplicate(0.05)
        .with_reorder(0.05, Duration::from_millis(1500));
    let sim = mesh(seed, model);
    let s = sim.stats();
    println!("{s:?}");
    // 20 pingers x 30 pings, each ping answered: ~1200 transmissions.
    let loss = s.lost as f64 / s.sent as f64;
    assert!((0.06..0.14).contains(&loss), "loss {loss}");
    assert!(s.duplicated > 20, "duplicated {}", s.duplicated);
    // Everything not lost arrives, except the datagrams still in flight at the end.
    let expected = s.sent - s.lost + s.duplicated;
    assert!(
        s.delivered <= expected && s.delivered + 45 >= expected,
        "{expected}"
    );
    let reordered: u32 = (0..1).map(|h| sim.node(h).unwrap().out_of_order).sum();
    assert!(
        reordered > 0,
        "reordering must make some ping overtake another"
    );
}

#[test]
fn latency_is_exact_on_an_ideal_link() {
    let mut sim = Simulator::new(
        SimConfig::new(sim_seed(1)).with_link(LinkModel::ideal(Duration::from_millis(40))),
    );
    sim.set_keep_events(true);
    let (_, r) = responder(&mut sim, Location::Public);
    let p = pinger(&mut sim, Location::Public, vec![r]);
    sim.run_until(SimTime::from_millis(2_500));
    let events = sim.take_events();
    let times: Vec<u64> = events.iter().map(|(t, _, _)| t.as_micros()).collect();
    assert_eq!(times, [80_000, 1_080_000, 2_080_000]);
    assert!(
        events
            .iter()
            .all(|(_, h, e)| *h == p && *e == ToyEvent::Pong { from: r })
    );
}

/// Two NAT'd pingers learn their public mapping from a public rendezvous, then ping each other.
fn puncture(kind: NatKind, seed: u64) -> (Simulator<PingNode>, [u32; 2], [ipv8_sim::NatId; 2]) {
    let mut sim = Simulator::new(SimConfig::new(seed));
    let (_, r) = responder(&mut sim, Location::Public);
    let nats = [
        sim.add_nat(NatConfig::new(kind)),
        sim.add_nat(NatConfig::new(kind)),
    ];
    let a = pinger(&mut sim, Location::BehindNat(nats[0]), vec![r]);
    let b = pinger(&mut sim, Location::BehindNat(nats[1]), vec![r]);
    sim.run_for(2 * SEC);
    let (oa, ob) = (
        sim.node(a).unwrap().observed.unwrap(),
        sim.node(b).unwrap().observed.unwrap(),
    );
    assert!(oa.ip().is_global_like() && ob.ip().is_global_like());
    sim.with_node(a, |n, _| n.peers.push(ob));
    sim.with_node(b, |n, _| n.peers.push(oa));
    sim.run_for(10 * SEC);
    (sim, [a, b], nats)
}

trait GlobalLike {
    fn is_global_like(&self) -> bool;
}
impl GlobalLike for std::net::IpAddr {
    fn is_global_like(&self) -> bool {
        matches!(self, Self::V4(v4) if !v4.is_private())
    }
}

#[test]
fn port_restricted_nats_puncture_and_symmetric_nats_do_not() {
    let seed = sim_seed(5);
    for kind in [
        NatKind::FullCone,
        NatKind::AddressRestricted,
        NatKind::PortRestricted,
    ] {
        let (sim, [a, b], _) = puncture(kind, seed);
        let (na, nb) = (sim.node(a).unwrap(), sim.node(b).unwrap());
        assert!(
            na.pongs.len() == 2 && nb.pongs.len() == 2,
            "{kind:?}: {na:?} {nb:?}"
        );
    }
    let (sim, [a, b], nats) = puncture(NatKind::Symmetric, seed);
    let (na, nb) = (sim.node(a).unwrap(), sim.node(b).unwrap());
    assert_eq!(
        (na.pongs.len(), nb.pongs.len()),
        (1, 1),
        "only the rendezvous answers"
    );
    assert!(na.pings.is_empty() && nb.pings.is_empty());
    let filtered: u64 = nats.iter().map(|n| sim.nat(*n).stats().dropped()).sum();
    println!(
        "symmetric: filtered {filtered} {:?}",
        sim.nat(nats[0]).stats()
    );
    assert!(
        filtered >= 18,
        "every peer ping is dropped by a NAT: {filtered}"
    );
}

#[test]
fn crash_gives_send_failed_and_restart_recovers() {
    let mut sim = Simulator::new(SimConfig::new(sim_seed(3)));
    let (r_host, r) = responder(&mut sim, Location::Public);
    let p = pinger(&mut sim, Location::Public, vec![r]);
    sim.run_for(3 * SEC);
    sim.crash(r_host);
    assert!(sim.node(r_host).is_none());
    sim.run_for(3 * SEC);
    let failures = sim.node(p).unwrap().failures.len();
    assert_eq!(failures, 3, "one ICMP per ping to the dead node");
    sim.restart(r_host, Restart::SameSeed, |c| PingNode::responder(c.now));
    let before = sim.node(p).unwrap().pongs[&r];
    sim.run_for(3 * SEC);
    assert_eq!(sim.node(p).unwrap().pongs[&r], before + 3);
    assert_eq!(sim.stats().icmp_delivered, 3);
}

#[test]
fn moved_host_old_address_dies_and_node_is_told() {
    let mut sim = Simulator::new(SimConfig::new(sim_seed(4)));
    let (r_host, old) = responder(&mut sim, Location::Public);
    let p = pinger(&mut sim, Location::Public, vec![old]);
    sim.run_for(2 * SEC);
    let nat = sim.add_nat(NatConfig::new(NatKind::PortRestricted));
    let new = sim.move_host(r_host, Location::BehindNat(nat));
    assert_ne!(new, old);
    assert_eq!(sim.node(r_host).unwrap().moves, [new]);
    assert_eq!(sim.host_at(old), None);
    sim.run_for(2 * SEC);
    assert_eq!(sim.node(p).unwrap().failures, [old, old]);
}

#[test]
fn partitions_block_and_heal_restores() {
    let mut sim = Simulator::new(SimConfig::new(sim_seed(6)));
    let (r_host, r) = responder(&mut sim, Location::Public);
    let p = pinger(&mut sim, Location::Public, vec![r]);
    sim.partition(&[&[r_host]]);
    sim.run_for(3 * SEC);
    assert!(sim.node(p).unwrap().pongs.is_empty());
    assert_eq!(sim.stats().partitioned, 3);
    sim.heal();
    sim.run_for(3 * SEC);
    assert_eq!(sim.node(p).unwrap().pongs[&r], 3);
}

#[test]
fn injected_spoofed_datagrams_arrive_with_the_spoofed_source() {
    let mut sim = Simulator::new(SimConfig::new(sim_seed(8)));
    let (r_host, r) = responder(&mut sim, Location::Public);
    for i in 0..100u32 {
        let from = SocketAddr::from(([99, 0, (i >> 8) as u8, i as u8], 1000));
        sim.inject(
            Duration::from_millis(u64::from(i)),
            from,
            r,
            b"PING 1".to_vec(),
        );
    }
    sim.run_for(SEC);
    assert_eq!(sim.node(r_host).unwrap().pings.len(), 100);
    assert_eq!(sim.stats().unreachable, 100, "the pongs go nowhere");
    assert_eq!(
        sim.stats().icmp_delivered,
        100,
        "the responder learns its pongs failed"
    );
    assert_eq!(sim.node(r_host).unwrap().failures.len(), 100);
}

#[test]
fn lan_broadcast_reaches_only_the_same_nat() {
    let mut sim: Simulator<PingNode> = Simulator::new(SimConfig::new(sim_seed(9)));
    let nat = sim.add_nat(NatConfig::new(NatKind::FullCone));
    let other = sim.add_nat(NatConfig::new(NatKind::FullCone));
    let a = sim.add_node(Location::BehindNat(nat), PORT, |c| {
        PingNode::responder(c.now)
    });
    let b = sim.add_node(Location::BehindNat(nat), PORT, |c| {
        PingNode::responder(c.now)
    });
    let c = sim.add_node(Location::BehindNat(other), PORT, |c| {
        PingNode::responder(c.now)
    });
    sim.with_node(a, |n, _| n.queue_broadcast(b"PING 1".to_vec()));
    sim.run_for(SEC);
    assert_eq!(sim.node(b).unwrap().pings.len(), 1);
    assert!(sim.node(c).unwrap().pings.is_empty());
    assert_eq!(
        sim.node(a).unwrap().pongs.len(),
        1,
        "b answered a over the LAN"
    );
}
