//! TEMPORARY memory probe (to be deleted).
use std::sync::Arc;

use ipv8_proto::{Identity, Instant, LocalInterface, Node, NodeConfig};
use ipv8_sim::{CheapCrypto, CheapIdentity, SimTime, World, WorldConfig};

fn rss() -> i64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines().find_map(|l| l.strip_prefix("VmRSS:")).unwrap().split_whitespace().next().unwrap().parse::<i64>().unwrap() * 1024
}

fn main() {
    println!("size_of Node {}", size_of::<Node>());
    println!("size_of ProtoNode {}", size_of::<ipv8_sim::ProtoNode>());
    println!("size_of Peer {}", size_of::<ipv8_proto::Peer>());
    println!("size_of NodeRng {}", size_of::<ipv8_proto::rng::NodeRng>());
    let stats = std::env::args().nth(1).as_deref() != Some("nostats");
    let world_only = std::env::args().any(|a| a == "world");
    let n = if world_only { 0 } else { 20_000 };
    let tr: std::net::SocketAddr = "1.1.1.1:6421".parse().unwrap();
    let mut nodes = Vec::with_capacity(n);
    let b0 = rss();
    for i in 0..n {
        let mut nc = NodeConfig::default();
        nc.bootstrap = ipv8_proto::config::BootstrapConfig::trackers(&[tr]);
        nc.statistics = stats;
        let id: Arc<dyn Identity> = Arc::new(CheapIdentity::from_seed(i as u64));
        let mut node = Node::with_crypto(nc, id, Box::new(CheapCrypto), i as u64, Instant::ZERO);
        let addr: std::net::SocketAddr = format!("20.{}.{}.{}:8090", i / 62500, (i / 250) % 250, i % 250 + 1).parse().unwrap();
        node.handle_bound(Instant::ZERO, &[addr]);
        node.handle_local_addresses(Instant::ZERO, &[LocalInterface::new(addr.ip(), "255.255.255.0".parse().unwrap())]);
        nodes.push(node);
    }
    let b1 = rss();
    if !world_only {
    println!("rss per node at construction: {} B", (b1 - b0) / n as i64);
    for node in &mut nodes { node.handle_timeout(Instant::ZERO); while node.poll_output().is_some() {} }
    println!("rss per node after first round: {} B", (rss() - b0) / n as i64);
    return;
    }
    drop(nodes);
    let nn = 10000;
    let mut cfg = WorldConfig::new(7, nn).cheap();
    cfg.statistics = stats;
    let b2 = rss();
    let mut world = World::build(cfg);
    println!("world built: {} B/node", (rss() - b2) / nn as i64);
    for t in [1u64, 5, 10, 20, 30, 45, 60] { world.sim.run_until(SimTime::from_secs(t)); println!("t={t} {} B/node", (rss() - b2) / nn as i64); }
    println!("world at 60 s: {} B/node; {}", (rss() - b2) / nn as i64, world.peer_summary());
}
