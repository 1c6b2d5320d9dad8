//! Simulator scale (issue 10: 10,000 simulated nodes for 60 simulated seconds in ≤ 60 s wall).
//!
//! Builds `NODES` nodes with the default DiscoveryCommunity (RandomWalk to 20 peers,
//! RandomChurn, PeriodicSimilarity) bootstrapping through `TRACKERS` trackers, on 5 ms ideal
//! links, then advances the virtual clock by `SECONDS`. Nodes sign with the simulator's
//! **cheap signature** (not Ed25519): this measures the simulator and the node's state machine,
//! not crypto. Prints the wall time of the build and of the run, datagrams delivered, and the
//! verified DiscoveryCommunity peers per node (min / median / max), with a progress line every
//! 10 virtual seconds.
//!
//! Run: `cargo bench -p ipv8-sim --bench scale`. `SCALE_NODES` and `SCALE_SECONDS` override
//! the node count and the virtual seconds (e.g. `SCALE_NODES=1000` for a quick look).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ipv8_proto::config::{BootstrapConfig, CommunityConfig};
use ipv8_proto::{CommunityId, NodeConfig};
use ipv8_sim::testing::TestNetwork;

/// Simulated nodes (besides the trackers).
const NODES: usize = 10_000;
/// Bootstrap trackers.
const TRACKERS: usize = 4;
/// Virtual seconds to run.
const SECONDS: u64 = 60;
/// Virtual time between progress lines.
const STEP: Duration = Duration::from_secs(10);

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Verified DiscoveryCommunity peers of each node, sorted.
fn peer_counts(net: &TestNetwork, nodes: &[usize]) -> Vec<usize> {
    let mut counts: Vec<usize> = nodes
        .iter()
        .map(|&n| {
            net.node(n)
                .network()
                .peers_for_service(CommunityId::DISCOVERY)
                .count()
        })
        .collect();
    counts.sort_unstable();
    counts
}

fn summary(counts: &[usize]) -> String {
    match (counts.first(), counts.last()) {
        (Some(min), Some(max)) => format!(
            "peers/node min {min} median {} max {max}",
            counts[counts.len() / 2]
        ),
        _ => "no nodes".to_owned(),
    }
}

fn main() {
    let nodes_wanted: usize = env_or("SCALE_NODES", NODES);
    let seconds: u64 = env_or("SCALE_SECONDS", SECONDS);
    let build = Instant::now();
    let mut net = TestNetwork::new(10_010).with_walkers().with_cheap_crypto();
    let trackers: Vec<SocketAddr> = (0..TRACKERS)
        .map(|_| {
            let t = net.add_node_with(NodeConfig::tracker());
            net.address(t)
        })
        .collect();
    let mut overlay = CommunityConfig::discovery();
    overlay.use_trackers = true;
    overlay.use_beacon = false;
    let config = NodeConfig {
        communities: vec![overlay],
        bootstrap: BootstrapConfig::trackers(&trackers),
        ..NodeConfig::default()
    };
    let nodes: Vec<usize> = (0..nodes_wanted)
        .map(|_| net.add_node_with(config.clone()))
        .collect();
    let build_s = build.elapsed().as_secs_f64();
    println!(
        "scale: {} nodes + {TRACKERS} trackers, DiscoveryCommunity default walkers, cheap \
         crypto (simulator signature, not Ed25519), 5 ms ideal links; built in {build_s:.2} s",
        nodes.len()
    );

    let run = Instant::now();
    let mut virtual_s = 0;
    while virtual_s < seconds {
        let step = STEP.as_secs().min(seconds - virtual_s);
        net.advance(Duration::from_secs(step));
        virtual_s += step;
        let stats = net.sim().stats();
        println!(
            "  t={virtual_s:>3} s virtual, {:>7.2} s wall: delivered {}, {}",
            run.elapsed().as_secs_f64(),
            stats.delivered,
            summary(&peer_counts(&net, &nodes)),
        );
    }
    let run_s = run.elapsed().as_secs_f64();
    let stats = net.sim().stats();
    let counts = peer_counts(&net, &nodes);
    println!(
        "result: {} nodes, {seconds} virtual s in {run_s:.2} s wall (+ {build_s:.2} s build, \
         {:.2} s total); datagrams sent {}, delivered {} ({:.0} delivered per wall s); {}",
        nodes.len(),
        run_s + build_s,
        stats.sent,
        stats.delivered,
        stats.delivered as f64 / run_s,
        summary(&counts),
    );
}
