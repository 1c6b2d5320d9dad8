//! `ipv8-sim` benchmark binary: runs a large simulation and reports wall time, events and memory.
//!
//! ```text
//! ipv8-sim [--nodes N] [--secs S] [--seed X] [--toy | --real] [--no-stats]
//! ```
//! Default: `ipv8_proto::Node`s with the cheap signer, 3 trackers, 50 ms ± 20 ms links, 1 % loss.
//! `--real` uses Ed25519; `--toy` measures the simulator alone with ping nodes (each pings 3
//! random peers every 0.5 s).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ipv8_sim::{
    LinkModel, Location, NetStats, PingNode, SimConfig, SimNode, SimTime, Simulator, Summary,
    World, WorldConfig, derive_seed,
};

struct Args {
    nodes: u32,
    secs: u64,
    seed: u64,
    toy: bool,
    real: bool,
    no_stats: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        nodes: 10_000,
        secs: 60,
        seed: 1,
        toy: false,
        real: false,
        no_stats: false,
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
            "--real" => a.real = true,
            "--no-stats" => a.no_stats = true,
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

struct Report {
    events: u64,
    stats: NetStats,
    digest: String,
    lines: Vec<String>,
}

fn report_of<N: SimNode>(sim: &Simulator<N>, lines: Vec<String>) -> Report {
    Report {
        events: sim.scheduled_events(),
        stats: *sim.stats(),
        digest: sim.digest().to_string(),
        lines,
    }
}

fn run_toy(a: &Args) -> Report {
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
    report_of(&sim, Vec::new())
}

fn run_proto(a: &Args) -> Report {
    let mut config = WorldConfig::new(a.seed, a.nodes);
    if !a.real {
        config = config.cheap();
    }
    config.statistics = !a.no_stats;
    let mut world = World::build(config);
    let mut lines = Vec::new();
    let mut t = 0;
    while t < a.secs {
        t = (t + 10).min(a.secs);
        world.sim.run_until(SimTime::from_secs(t));
        lines.push(format!("t={t:>4}s peers {}", world.peer_summary()));
    }
    let sizes = Summary::of_counts(
        world
            .peers
            .iter()
            .filter_map(|&h| world.node(h))
            .map(|n| n.network().addresses().count()),
    );
    lines.push(format!("address tables  {sizes}"));
    let verified = Summary::of_counts(
        world
            .peers
            .iter()
            .filter_map(|&h| world.node(h))
            .map(|n| n.network().verified_count()),
    );
    lines.push(format!("verified tables {verified}"));
    report_of(&world.sim, lines)
}

fn main() {
    let a = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!(
                "ipv8-sim: {e}\nusage: ipv8-sim [--nodes N] [--secs S] [--seed X] [--toy | --real] [--no-stats]"
            );
            std::process::exit(2);
        }
    };
    let (base_hwm, _) = memory_kib();
    let start = Instant::now();
    let r = if a.toy { run_toy(&a) } else { run_proto(&a) };
    let wall = start.elapsed();
    let (hwm, rss) = memory_kib();
    let s = r.stats;
    let mode = if a.toy {
        "toy"
    } else if a.real {
        "proto, ed25519"
    } else {
        "proto, cheap signer"
    };
    for l in &r.lines {
        println!("{l}");
    }
    println!("mode            {mode}");
    println!("nodes           {}", a.nodes);
    println!("simulated       {} s", a.secs);
    println!("wall            {:.2} s", wall.as_secs_f64());
    println!(
        "events          {} ({:.0}/s wall)",
        r.events,
        r.events as f64 / wall.as_secs_f64()
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
    println!("digest          {}", r.digest);
}
