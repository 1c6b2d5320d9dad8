//! TEMPORARY memory probe (to be deleted).
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::sync::Arc;

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);
static COUNT: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        COUNT.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LIVE.fetch_add(n as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}
#[global_allocator]
static A: Counting = Counting;

use ipv8_proto::{Identity, Instant, LocalInterface, Node, NodeConfig};
use ipv8_sim::{CheapCrypto, CheapIdentity, SimTime, World, WorldConfig};

fn live() -> isize { LIVE.load(Ordering::Relaxed) }

fn main() {
    println!("size_of Node {}", std::mem::size_of::<Node>());
    println!("size_of ProtoNode {}", std::mem::size_of::<ipv8_sim::ProtoNode>());
    println!("size_of Peer {}", std::mem::size_of::<ipv8_proto::Peer>());
    println!("size_of NodeRng {}", std::mem::size_of::<ipv8_proto::rng::NodeRng>());
    let stats = std::env::args().nth(1).as_deref() != Some("nostats");
    let n = 1000;
    let tr: std::net::SocketAddr = "1.1.1.1:6421".parse().unwrap();
    let mut nodes = Vec::with_capacity(n);
    let b0 = live();
    let c0 = COUNT.load(Ordering::Relaxed);
    for i in 0..n {
        let mut nc = NodeConfig::default();
        nc.bootstrap = ipv8_proto::config::BootstrapConfig::trackers(&[tr]);
        nc.statistics = stats;
        let id: Arc<dyn Identity> = Arc::new(CheapIdentity::from_seed(i as u64));
        let mut node = Node::with_crypto(nc, id, Box::new(CheapCrypto), i as u64, Instant::ZERO);
        let addr: std::net::SocketAddr = format!("20.0.{}.{}:8090", i / 250, i % 250 + 1).parse().unwrap();
        node.handle_bound(Instant::ZERO, &[addr]);
        node.handle_local_addresses(Instant::ZERO, &[LocalInterface::new(addr.ip(), "255.255.255.0".parse().unwrap())]);
        nodes.push(node);
    }
    let b1 = live();
    println!("heap per node at construction: {} B ({} allocs/node)", (b1 - b0) / n as isize, (COUNT.load(Ordering::Relaxed) - c0) / n);
    for node in &mut nodes { node.handle_timeout(Instant::ZERO); while node.poll_output().is_some() {} }
    println!("heap per node after first round: {} B", (live() - b0) / n as isize);
    drop(nodes);
    let mut cfg = WorldConfig::new(7, 2000).cheap();
    cfg.statistics = stats;
    let b2 = live();
    let mut world = World::build(cfg);
    println!("world built: {} B/node", (live() - b2) / 2000);
    world.sim.run_until(SimTime::from_secs(60));
    println!("world at 60 s: {} B/node; {}", (live() - b2) / 2000, world.peer_summary());
}
