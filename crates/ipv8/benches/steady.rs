//! Driver CPU for issue 10's targets: the cost of message statistics under a flood, and the
//! receiver's CPU at a steady 2,000 datagrams/s.
//!
//! Like `loopback.rs`, the receiver is a fresh `ipv8` driver (default `NodeConfig`:
//! DiscoveryCommunity and its walkers, no bootstrap; no beacon, no interface watcher,
//! recvmmsg/sendmmsg on) on a current-thread tokio runtime on the main thread, so
//! `/proc/thread-self/schedstat` is the receiver's CPU time; senders are other threads on
//! 127.0.0.1. Phases:
//!
//! 1. `stats on` / `stats off`: unsigned pings (33 bytes, answered with a pong) flooded from 4
//!    sockets at a driver with `NodeConfig::statistics` true / false; 0.3 s warm-up, 1.5 s
//!    window; receiver CPU per datagram. Run twice interleaved (on, off, on, off) because the
//!    machine is noisy; the cost of statistics is `on / off − 1` of CPU per datagram.
//! 2. `paced ping` / `paced intro-request`: 2,000 datagrams/s, evenly spaced (a thread sleeping
//!    to deadlines), unsigned pings from 4 sockets / signed 192-byte introduction-requests from
//!    4 keys (Ed25519-verified, answered with a signed introduction-response and a
//!    puncture-request); statistics on; 1 s warm-up, 5 s window. Receiver CPU as a percentage
//!    of one core (CPU time / wall time), datagrams received and sent by the driver in the
//!    window (`health.counters.traffic`).
//!
//! 3. `paced raw echo`: the floor of phase 2 — the same paced pings at a bare socket bound like
//!    the driver's, whose tokio task echoes each datagram (`recv_from` + `try_send_to`).
//!
//! 4. `paced …, N ms moderation`: phase 2 again with receive moderation
//!    (`DriverConfig::recv_coalesce` = N ms for each N of [`COALESCE_MS`]): the driver lets
//!    dense traffic queue for N ms and takes it in one batch.
//!
//! 5. `paced one-way` / `paced signed one-way`, without moderation and with each period of
//!    [`ONE_WAY_COALESCE_MS`]: 2,000
//!    datagrams/s of the benchmark community's one-way messages (`common/community.rs`, the
//!    messages of `vs_pyipv8`; ~100 bytes, unsigned / Ed25519-signed by one key per socket),
//!    handled and never answered: the receive side alone, without the cost of answering.
//!
//! Run: `cargo bench -p ipv8 --bench steady` (about 100 s). `STEADY_PHASES` picks phases by
//! words it contains: `stats`, `raw`, `ping` (paced pings), `intro` (paced
//! introduction-requests), `coalesce` (both with moderation), `oneway` (phase 5);
//! e.g. `STEADY_PHASES=ping` to profile one phase alone.

#[path = "common/community.rs"]
mod community;
#[path = "common/flood.rs"]
mod flood;
#[path = "common/packets.rs"]
mod packets;

use std::net::{SocketAddrV4, UdpSocket as StdUdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use community::{BENCH, BenchCommunity, bench_config, one_way, signed_one_way};
use flood::{
    Flood, RawReceiver, bench_driver, intro_senders, node_builder, node_target, sender_socket,
    thread_cpu_ns, thread_runs,
};
use ipv8::{DriverConfig, Ipv8Handle, KeyIdentity};

/// Sender sockets (and, for introduction-requests, keys).
const SENDERS: usize = 4;
/// Flood phases: warm-up and window.
const FLOOD_WARMUP: Duration = Duration::from_millis(300);
const FLOOD_WINDOW: Duration = Duration::from_millis(1_500);
/// Paced phases: rate, warm-up and window.
const PACED_RATE: u32 = 2_000;
const PACED_WARMUP: Duration = Duration::from_secs(1);
const PACED_WINDOW: Duration = Duration::from_secs(5);
/// Receive moderation periods of phase 4, in milliseconds.
const COALESCE_MS: [u64; 3] = [5, 10, 20];
/// Receive moderation periods of phase 5 (0: off), in milliseconds.
const ONE_WAY_COALESCE_MS: [u64; 4] = [0, 5, 10, 20];

/// The driver's counters and the receiver thread's CPU at one instant.
#[derive(Clone, Copy)]
struct Mark {
    at: Instant,
    down: u64,
    up: u64,
    sent: u64,
    cpu_ns: u64,
    runs: u64,
}

async fn mark(handle: &Ipv8Handle, flood: &Flood) -> Mark {
    let s = handle.snapshot().await.expect("driver runs");
    Mark {
        down: s.health.counters.traffic.datagrams_down,
        up: s.health.counters.traffic.datagrams_up,
        cpu_ns: thread_cpu_ns().expect("/proc/thread-self/schedstat"),
        runs: thread_runs().unwrap_or(0),
        sent: flood.sent(),
        at: Instant::now(),
    }
}

/// One window of one phase.
struct Window {
    name: String,
    secs: f64,
    down: u64,
    up: u64,
    sent: u64,
    cpu_ns: u64,
    /// Times the receiver thread was scheduled in the window (its wake-ups).
    runs: u64,
}

impl Window {
    fn cpu_ns_per_datagram(&self) -> f64 {
        self.cpu_ns as f64 / self.down.max(1) as f64
    }

    fn core_percent(&self) -> f64 {
        self.cpu_ns as f64 / (self.secs * 1e9) * 100.0
    }
}

/// Senders of unsigned pings, one socket each.
fn pings(ping: &[u8]) -> impl FnOnce(SocketAddrV4) -> Vec<(StdUdpSocket, Vec<u8>)> + '_ {
    |_| {
        (0..SENDERS)
            .map(|_| (sender_socket(), ping.to_vec()))
            .collect()
    }
}

/// Senders of signed introduction-requests, one key and socket each.
fn intro_requests(
    keys: &[KeyIdentity],
) -> impl FnOnce(SocketAddrV4) -> Vec<(StdUdpSocket, Vec<u8>)> + '_ {
    |target| intro_senders(keys, target)
}

/// Spawns a fresh driver, sends to it (flooding, or at `rate` datagrams/s), warms up, measures
/// one window, and stops the driver.
async fn phase(
    name: String,
    seed: u64,
    statistics: bool,
    rate: Option<u32>,
    (warmup, window): (Duration, Duration),
    senders: impl FnOnce(SocketAddrV4) -> Vec<(StdUdpSocket, Vec<u8>)>,
) -> Window {
    phase_with(
        name,
        seed,
        statistics,
        Duration::ZERO,
        rate,
        (warmup, window),
        senders,
    )
    .await
}

/// Senders of the benchmark community's one-way messages (unsigned, or signed by one key per
/// socket), never answered.
fn one_ways(
    keys: &[KeyIdentity],
    signed: bool,
) -> impl FnOnce(SocketAddrV4) -> Vec<(StdUdpSocket, Vec<u8>)> + '_ {
    move |_| {
        (0..SENDERS)
            .map(|i| {
                let n = i as u64;
                let packet = if signed {
                    signed_one_way(BENCH, &keys[i], n)
                } else {
                    one_way(BENCH, n)
                };
                (sender_socket(), packet)
            })
            .collect()
    }
}

/// [`phase`] with receive moderation (`DriverConfig::recv_coalesce`).
async fn phase_with(
    name: String,
    seed: u64,
    statistics: bool,
    coalesce: Duration,
    rate: Option<u32>,
    (warmup, window): (Duration, Duration),
    senders: impl FnOnce(SocketAddrV4) -> Vec<(StdUdpSocket, Vec<u8>)>,
) -> Window {
    let driver = DriverConfig {
        recv_coalesce: coalesce,
        ..bench_driver(true)
    };
    // Every node also runs the benchmark community (no walkers): the one-way phases' target.
    let mut builder = node_builder(seed, statistics, driver);
    let _bench = builder.community(
        bench_config(BENCH),
        BenchCommunity {
            handled: Arc::default(),
            signed: Arc::default(),
        },
    );
    let ipv8 = builder.spawn().expect("spawn the driver");
    let (target, target_v4) = node_target(&ipv8).await;
    let senders = senders(target_v4);
    let flood = match rate {
        Some(r) => Flood::paced(target, senders, r),
        None => Flood::start(target, senders),
    };
    let handle = ipv8.handle().clone();
    tokio::time::sleep(warmup).await;
    let a = mark(&handle, &flood).await;
    tokio::time::sleep(window).await;
    let b = mark(&handle, &flood).await;
    drop(flood);
    ipv8.shutdown().await.expect("clean stop");
    Window {
        name,
        secs: b.at.duration_since(a.at).as_secs_f64(),
        down: b.down - a.down,
        up: b.up - a.up,
        sent: b.sent - a.sent,
        cpu_ns: b.cpu_ns - a.cpu_ns,
        runs: b.runs - a.runs,
    }
}

fn print(rows: &[Window]) {
    println!(
        "{:<30} {:>7} {:>10} {:>10} {:>10} {:>12} {:>14} {:>10} {:>11}",
        "phase",
        "window",
        "sent",
        "received",
        "answered",
        "received/s",
        "rx CPU ns/dgram",
        "% of core",
        "wake-ups/s"
    );
    for w in rows {
        println!(
            "{:<30} {:>6.2}s {:>10} {:>10} {:>10} {:>12.0} {:>14.0} {:>9.2}% {:>11.0}",
            w.name,
            w.secs,
            w.sent,
            w.down,
            w.up,
            w.down as f64 / w.secs,
            w.cpu_ns_per_datagram(),
            w.core_percent(),
            w.runs as f64 / w.secs,
        );
    }
}

/// The floor for the paced phases: a bare socket bound like the driver's (`ipv8_udp::bind`)
/// whose tokio task echoes every datagram back (`recv_from` + `try_send_to`), paced pings.
async fn raw_echo_paced(ping: &[u8], (warmup, window): (Duration, Duration)) -> Window {
    let raw = RawReceiver::spawn(true);
    let (target, count) = (raw.target, Arc::clone(&raw.count));
    let senders = (0..SENDERS)
        .map(|_| (sender_socket(), ping.to_vec()))
        .collect();
    let flood = Flood::paced(target, senders, PACED_RATE);
    tokio::time::sleep(warmup).await;
    let at = |c: &AtomicU64| {
        (
            Instant::now(),
            c.load(Ordering::Relaxed),
            flood.sent(),
            thread_cpu_ns().expect("/proc/thread-self/schedstat"),
            thread_runs().unwrap_or(0),
        )
    };
    let a = at(&count);
    tokio::time::sleep(window).await;
    let b = at(&count);
    drop(flood);
    drop(raw);
    Window {
        name: format!("paced raw echo {PACED_RATE}/s"),
        secs: b.0.duration_since(a.0).as_secs_f64(),
        down: b.1 - a.1,
        up: b.1 - a.1,
        sent: b.2 - a.2,
        cpu_ns: b.3 - a.3,
        runs: b.4 - a.4,
    }
}

/// Whether `STEADY_PHASES` (unset = every phase) asks for the phases named `word`.
fn wanted(word: &str) -> bool {
    std::env::var("STEADY_PHASES").map_or(true, |v| v.contains(word))
}

fn main() {
    flood::runtime().block_on(async {
        let keys = packets::sender_keys(SENDERS);
        let ping = packets::ping();

        if wanted("stats") {
            statistics_cost(&ping).await;
        }
        let paced_times = (PACED_WARMUP, PACED_WINDOW);
        let mut paced = Vec::new();
        if wanted("raw") {
            paced.push(raw_echo_paced(&ping, paced_times).await);
        }
        if wanted("ping") {
            paced.push(
                phase(
                    format!("paced ping {PACED_RATE}/s"),
                    20,
                    true,
                    Some(PACED_RATE),
                    paced_times,
                    pings(&ping),
                )
                .await,
            );
        }
        if wanted("intro") {
            paced.push(
                phase(
                    format!("paced intro-request {PACED_RATE}/s"),
                    21,
                    true,
                    Some(PACED_RATE),
                    paced_times,
                    intro_requests(&keys),
                )
                .await,
            );
        }
        if wanted("oneway") {
            for (signed, seed) in [(false, 24), (true, 25)] {
                for ms in ONE_WAY_COALESCE_MS {
                    let kind = if signed { "signed one-way" } else { "one-way" };
                    paced.push(
                        phase_with(
                            format!("paced {kind}, {ms} ms moderation"),
                            seed,
                            true,
                            Duration::from_millis(ms),
                            Some(PACED_RATE),
                            paced_times,
                            one_ways(&keys, signed),
                        )
                        .await,
                    );
                }
            }
        }
        if wanted("coalesce") {
            for ms in COALESCE_MS {
                let coalesce = Duration::from_millis(ms);
                paced.push(
                    phase_with(
                        format!("paced ping, {ms} ms moderation"),
                        22,
                        true,
                        coalesce,
                        Some(PACED_RATE),
                        paced_times,
                        pings(&ping),
                    )
                    .await,
                );
                paced.push(
                    phase_with(
                        format!("paced intro, {ms} ms moderation"),
                        23,
                        true,
                        coalesce,
                        Some(PACED_RATE),
                        paced_times,
                        intro_requests(&keys),
                    )
                    .await,
                );
            }
        }
        print(&paced);
        for w in &paced {
            println!(
                "receiver CPU at {PACED_RATE} datagrams/s, {}: {:.2} % of a core \
                 (target <= {} %)",
                w.name,
                w.core_percent(),
                if w.name.contains("intro") || w.name.contains("signed") {
                    8
                } else {
                    1
                }
            );
        }
    });
}

/// The statistics on/off flood phases, twice interleaved, and their ratios.
async fn statistics_cost(ping: &[u8]) {
    let flood_times = (FLOOD_WARMUP, FLOOD_WINDOW);
    let mut stats = Vec::new();
    for round in 1..=2 {
        for on in [true, false] {
            let name = format!("stats {} #{round}", if on { "on" } else { "off" });
            let seed = 10 + stats.len() as u64;
            stats.push(phase(name, seed, on, None, flood_times, pings(ping)).await);
        }
    }
    print(&stats);
    for round in 0..2 {
        let (on, off) = (&stats[2 * round], &stats[2 * round + 1]);
        println!(
            "statistics cost, round {}: CPU/datagram on/off = {:.3} ({:+.1} %), \
             received/s on/off = {:.3}",
            round + 1,
            on.cpu_ns_per_datagram() / off.cpu_ns_per_datagram(),
            (on.cpu_ns_per_datagram() / off.cpu_ns_per_datagram() - 1.0) * 100.0,
            (on.down as f64 / on.secs) / (off.down as f64 / off.secs),
        );
    }
    let mean = |on: bool| {
        let picked: Vec<f64> = stats
            .iter()
            .skip(usize::from(!on))
            .step_by(2)
            .map(Window::cpu_ns_per_datagram)
            .collect();
        picked.iter().sum::<f64>() / picked.len() as f64
    };
    println!(
        "statistics cost, mean of both rounds: CPU/datagram on/off = {:.3} ({:+.1} %)",
        mean(true) / mean(false),
        (mean(true) / mean(false) - 1.0) * 100.0
    );
}
