//! `ipv8-sim` benchmark binary: runs a large simulation and reports wall time, events and memory.
//!
//! ```text
//! ipv8-sim [--nodes N] [--secs S] [--seed X] [--toy]
//! ```
//! `--toy` measures the simulator alone with ping nodes (each pings 3 random peers every 0.5 s).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ipv8_sim::{LinkModel, Location, PingNode, SimConfig, SimTime, Simulator, derive_seed};

struct Args {
    nodes: u32,
    secs: u64,
    seed: u64,
    toy: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        nodes: 10_000,
        secs: 60,
        seed: 1,
        toy: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| format!("{name} needs a value"))?
                .parse::<u64>()
                .map_err(|e| format!("{name}: expected a number ({e})"))
        };
        match flag.as_str() {
            "--nodes" => a.nodes = u32::try_from(value("--nodes")?).map_err(|e| e.to_string())?,
            "--secs" => a.secs = value("--secs")?,
            "--seed" => a.seed = value("--seed")?,
            "--toy" => a.toy = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(a)
}

/// Peak and current resident set size in KiB, from /proc/self/status (0 where unavailable).
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn run_toy(a: &Args) -> Simulator<PingNode> {
    let model = LinkModel::wan(Duration::from_millis(50), Duration::from_millis(20), 0.01);
    let mut sim = Simulator::new(SimConfig::new(a.seed).with_link(model));
    for _ in 0..a.nodes {
        sim.add_node(Location::Public, 9000, |c| {
            PingNode::new(Vec::new(), Duration::from_millis(500), c.now)
        });
    }
    for i in 0..a.nodes {
        let peers: Vec<SocketAddr> = (0..3)
            .map(|k| derive_seed(a.seed, u64::from(i) * 3 + k, "toy") % u64::from(a.nodes))
            .map(|j| sim.local_addr(u32::try_from(j).unwrap_or(0)))
            .collect();
        sim.with_node(i, |n, _| n.peers = peers);
    }
    sim.run_until(SimTime::from_secs(a.secs));
    sim
}

fn main() {
    let a = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("ipv8-sim: {e}\nusage: ipv8-sim [--nodes N] [--secs S] [--seed X] [--toy]");
            std::process::exit(2);
        }
    };
    let (base_hwm, _) = memory_kib();
    let start = Instant::now();
    let sim = run_toy(&a);
    let wall = start.elapsed();
    let (hwm, rss) = memory_kib();
    let s = sim.stats();
    println!("mode            {}", if a.toy { "toy" } else { "proto" });
    println!("nodes           {}", a.nodes);
    println!("simulated       {} s", a.secs);
    println!("wall            {:.2} s", wall.as_secs_f64());
    println!(
        "events          {} ({:.0}/s wall)",
        sim.scheduled_events(),
        sim.scheduled_events() as f64 / wall.as_secs_f64()
    );
    println!(
        "datagrams       sent {} delivered {} lost {}",
        s.sent, s.delivered, s.lost
    );
    println!("memory          VmHWM {hwm} KiB, VmRSS {rss} KiB, base {base_hwm} KiB");
    println!(
        "per node        {:.1} KiB (peak - base)",
        (hwm - base_hwm) as f64 / f64::from(a.nodes)
    );
    println!("digest          {}", sim.digest());
}
