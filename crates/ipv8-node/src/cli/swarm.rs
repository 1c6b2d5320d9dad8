//! `ipv8 swarm`: an offline demo and smoke test. N nodes and one tracker on 127.0.0.1 in one
//! process (one tokio runtime, one thread unless `--workers`, one driver task per node), no
//! default trackers, no beacon. Prints one line per second (peers per node min/median/max,
//! datagrams per second, errors by class) and a summary; `--json` prints the same as JSON
//! objects, one per line.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use clap::Args;
use ipv8::proto::config::{BootstrapConfig, CommunityConfig};
use ipv8::proto::{KeyIdentity, NodeConfig};
use ipv8::udp::ErrorClass;
use ipv8::{BeaconConfig, DriverConfig, Health, Ipv8, Ipv8Builder};
use ipv8_crypto::PrivateKey;
use ipv8_udp::BindConfig;
use ipv8_wire::CommunityId;
use serde_json::{Value, json};

use super::run::parse_community;
use crate::node::{Shutdown, logging, runtime_with};

/// Flags of `ipv8 swarm`.
#[derive(Debug, Args)]
pub struct SwarmArgs {
    /// Number of nodes (besides the tracker).
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub nodes: u32,
    /// Run a plain community with this id instead of DiscoveryCommunity.
    #[arg(long, value_name = "HEX", value_parser = parse_community)]
    pub community: Option<CommunityId>,
    /// How long to run.
    #[arg(long, value_name = "S", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub seconds: u64,
    /// Print JSON lines instead of text.
    #[arg(long)]
    pub json: bool,
    /// Runtime threads: 1 is tokio's current-thread runtime (enough for an idle swarm, and
    /// the fewest wake-ups), more a multi-thread runtime for load tests.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub workers: u16,
}

/// Totals over all nodes at one moment.
#[derive(Debug, Clone, Default)]
struct Totals {
    peers: Vec<usize>,
    datagrams_up: u64,
    datagrams_down: u64,
    errors: Vec<(ErrorClass, u64)>,
    receiving: usize,
}

fn totals(nodes: &[(usize, Health)]) -> Totals {
    let mut t = Totals {
        errors: ErrorClass::ALL.iter().map(|c| (*c, 0)).collect(),
        ..Totals::default()
    };
    for (peers, health) in nodes {
        t.peers.push(*peers);
        let c = &health.counters;
        t.datagrams_up += c.traffic.datagrams_up;
        t.datagrams_down += c.traffic.datagrams_down;
        for (slot, (class, n)) in t.errors.iter_mut().zip(c.recv_errors.iter()) {
            debug_assert_eq!(slot.0, class);
            slot.1 += n;
        }
        for (slot, (_, n)) in t.errors.iter_mut().zip(c.send_errors.iter()) {
            slot.1 += n;
        }
        t.receiving += usize::from(health.is_open);
    }
    t.peers.sort_unstable();
    t
}

fn median(sorted: &[usize]) -> usize {
    if sorted.is_empty() {
        0
    } else {
        sorted[sorted.len() / 2]
    }
}

fn errors_json(t: &Totals) -> Value {
    Value::Object(
        t.errors
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(c, n)| (c.as_str().to_owned(), Value::from(*n)))
            .collect(),
    )
}

fn errors_text(t: &Totals) -> String {
    let parts: Vec<String> = t
        .errors
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

/// Every node's peer count in `community` and its health, fresh. Asked for once per line, and
/// without snapshots: those clone the node's tables, which the line does not need.
async fn sample(nodes: &[Ipv8], community: CommunityId) -> anyhow::Result<Vec<(usize, Health)>> {
    let mut out = Vec::with_capacity(nodes.len());
    for node in nodes {
        let peers = node
            .with_node(move |n, _| n.network().count_for_service(community))
            .await?;
        out.push((peers, node.health().await?));
    }
    Ok(out)
}

/// Runs the swarm and prints its lines to `out`.
///
/// # Errors
/// A socket could not be bound.
pub fn run(args: &SwarmArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    // Every node binds 127.0.0.1 on purpose: silence the per-socket "specific address" warning.
    logging::init_with(crate::config::LogLevel::Warn, "ipv8_udp::socket=error");
    runtime_with(usize::from(args.workers))?.block_on(swarm(args, out))
}

fn driver_config() -> DriverConfig {
    DriverConfig {
        beacon: BeaconConfig::disabled(),
        watch_interfaces: false,
        ..DriverConfig::default()
    }
}

fn loopback() -> BindConfig {
    BindConfig {
        ip: Ipv4Addr::LOCALHOST.into(),
        port: 0,
        ..BindConfig::v4(0)
    }
}

async fn swarm(args: &SwarmArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut shutdown = Shutdown::install()?;
    let community = args.community.unwrap_or(CommunityId::DISCOVERY);
    let tracker = Ipv8Builder::new(
        NodeConfig::tracker(),
        KeyIdentity::new(PrivateKey::generate()).into_arc(),
    )
    .bind_v4(loopback())
    .driver_config(driver_config())
    .spawn()?;
    let tracker_addr: SocketAddr = *tracker
        .snapshot()
        .await?
        .health
        .bound
        .first()
        .ok_or_else(|| anyhow::anyhow!("the tracker has no socket"))?;
    let mut overlay = match args.community {
        Some(id) => CommunityConfig::plain(id, "Community"),
        None => CommunityConfig::discovery(),
    };
    overlay.use_trackers = true;
    overlay.use_beacon = false;
    let config = NodeConfig {
        communities: vec![overlay],
        bootstrap: BootstrapConfig::trackers(&[tracker_addr]),
        ..NodeConfig::default()
    };
    let mut nodes: Vec<Ipv8> = Vec::with_capacity(args.nodes as usize);
    for _ in 0..args.nodes {
        let identity = KeyIdentity::new(PrivateKey::generate()).into_arc();
        nodes.push(
            Ipv8Builder::new(config.clone(), identity)
                .bind_v4(loopback())
                .driver_config(driver_config())
                .spawn()?,
        );
    }
    let header = json!({ "event": "started", "nodes": args.nodes, "tracker": tracker_addr.to_string(), "community": community.to_string(), "seconds": args.seconds });
    if args.json {
        writeln!(out, "{header}")?;
    } else {
        writeln!(
            out,
            "swarm: {} nodes around tracker {tracker_addr}, community {community}, {} s",
            args.nodes, args.seconds
        )?;
    }
    out.flush()?;

    let start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    let mut last = Totals::default();
    let mut best_median = 0;
    let mut interrupted = false;
    for second in 1..=args.seconds {
        tokio::select! {
            () = shutdown.recv() => { interrupted = true; break; }
            _ = tick.tick() => {}
        }
        let t = totals(&sample(&nodes, community).await?);
        let up = t.datagrams_up.saturating_sub(last.datagrams_up);
        let down = t.datagrams_down.saturating_sub(last.datagrams_down);
        let (min, med, max) = (
            t.peers.first().copied().unwrap_or(0),
            median(&t.peers),
            t.peers.last().copied().unwrap_or(0),
        );
        best_median = best_median.max(med);
        if args.json {
            let line = json!({ "event": "tick", "t": second, "peers": { "min": min, "median": med, "max": max }, "datagrams_per_s": { "up": up, "down": down }, "errors": errors_json(&t), "receiving": t.receiving });
            writeln!(out, "{line}")?;
        } else {
            writeln!(
                out,
                "t={second:>4}s  peers/node min {min:>3} median {med:>3} max {max:>3}  datagrams/s out {up:>6} in {down:>6}  errors: {}",
                errors_text(&t)
            )?;
        }
        out.flush()?;
        last = t;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let t = totals(&sample(&nodes, community).await?);
    let (min, med, max) = (
        t.peers.first().copied().unwrap_or(0),
        median(&t.peers),
        t.peers.last().copied().unwrap_or(0),
    );
    let tracker_peers = tracker.snapshot().await?.peer_count();
    for node in nodes {
        let _ = node.shutdown().await;
    }
    let _ = tracker.shutdown().await;
    let summary = json!({
        "event": "summary",
        "nodes": args.nodes,
        "seconds": elapsed,
        "interrupted": interrupted,
        "peers": { "min": min, "median": med, "max": max, "best_median": best_median },
        "datagrams": { "up": t.datagrams_up, "down": t.datagrams_down },
        "errors": errors_json(&t),
        "receiving": t.receiving,
        "tracker_peers": tracker_peers,
    });
    if args.json {
        writeln!(out, "{summary}")?;
    } else {
        writeln!(
            out,
            "summary: {} nodes, {elapsed:.1} s: peers/node min {min} median {med} max {max} (best median {best_median}); datagrams out {} in {}; errors: {}; {} of {} nodes receiving",
            args.nodes,
            t.datagrams_up,
            t.datagrams_down,
            errors_text(&t),
            t.receiving,
            args.nodes
        )?;
    }
    Ok(())
}
