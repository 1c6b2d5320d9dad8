//! Loopback throughput: how many datagrams per second one receiving core takes, first with a
//! bare tokio UDP socket (the kernel + tokio ceiling) and then with a real `ipv8` driver
//! (statistics on) answering every datagram, all in one run so the ratios are comparable on a
//! noisy machine.
//!
//! A sender thread floods 127.0.0.1 from a few sockets with blocking `send_to`; the receiver is
//! a current-thread tokio runtime on the main thread, so `/proc/thread-self/schedstat` is the
//! receiver's CPU time. Phases (each `WARMUP` then `WINDOW`):
//!
//! 1. `raw one-way`: `recv_from` and count (192-byte datagrams, an introduction-request's size);
//! 2. `raw echo`: `recv_from` then `send_to` back, like a node that answers every datagram;
//! 3. `driver ping`: unsigned DiscoveryCommunity pings (33 bytes), each answered with a pong;
//! 4. `driver intro-request`: signed 192-byte introduction-requests from 4 keys (one socket
//!    each); each is Ed25519-verified and answered with a signed introduction-response (plus a
//!    puncture-request to another sender).
//!
//! The driver's rate is its `health.counters.traffic.datagrams_down`. Datagrams the receiver
//! cannot take are dropped by the kernel (`sent - received`). Run:
//! `cargo bench -p ipv8 --bench loopback` (about 8 s).

use std::net::{SocketAddrV4, UdpSocket as StdUdpSocket};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

#[path = "common/flood.rs"]
mod flood;
#[path = "common/packets.rs"]
mod packets;

use flood::{
    Flood, RawReceiver, intro_senders, node_target, sender_socket, spawn_node, thread_cpu_ns,
};
use packets::intro_request;

/// Flooding before a phase's window opens (socket buffers fill, caches warm).
const WARMUP: Duration = Duration::from_millis(300);
/// The measured window of each phase.
const WINDOW: Duration = Duration::from_millis(1_500);
/// Sender sockets (and, for introduction-requests, keys).
const SENDERS: usize = 4;

/// Counters at one instant.
#[derive(Clone, Copy)]
struct Mark {
    at: Instant,
    received: u64,
    sent: u64,
    cpu_ns: Option<u64>,
}

/// One phase's result.
struct Row {
    name: &'static str,
    size: usize,
    received_per_s: f64,
    sent_per_s: f64,
    cpu_ns_per_datagram: Option<f64>,
}

impl Row {
    fn between(name: &'static str, size: usize, a: Mark, b: Mark) -> Self {
        let secs = b.at.duration_since(a.at).as_secs_f64();
        let received = b.received.saturating_sub(a.received);
        let cpu_ns_per_datagram = match (a.cpu_ns, b.cpu_ns) {
            (Some(x), Some(y)) if received > 0 => {
                Some(y.saturating_sub(x) as f64 / received as f64)
            }
            _ => None,
        };
        Self {
            name,
            size,
            received_per_s: received as f64 / secs,
            sent_per_s: b.sent.saturating_sub(a.sent) as f64 / secs,
            cpu_ns_per_datagram,
        }
    }
}

/// Warms up, then measures one window; `received` reads the receiver's counter.
async fn measure<F, Fut>(name: &'static str, size: usize, flood: &Flood, received: F) -> Row
where
    F: Fn() -> Fut,
    Fut: Future<Output = u64>,
{
    tokio::time::sleep(WARMUP).await;
    let mark = async || Mark {
        received: received().await,
        cpu_ns: thread_cpu_ns(),
        sent: flood.sent(),
        at: Instant::now(),
    };
    let a = mark().await;
    tokio::time::sleep(WINDOW).await;
    let b = mark().await;
    Row::between(name, size, a, b)
}

/// A bare receiver ([`RawReceiver`]) flooded with `datagram`, counting or echoing.
async fn raw_phase(name: &'static str, echo: bool, datagram: &[u8]) -> Row {
    let raw = RawReceiver::spawn(echo);
    let flood = Flood::start(
        raw.target,
        (0..SENDERS)
            .map(|_| (sender_socket(), datagram.to_vec()))
            .collect(),
    );
    let row = measure(name, datagram.len(), &flood, || {
        let c = Arc::clone(&raw.count);
        async move { c.load(Ordering::Relaxed) }
    })
    .await;
    drop(flood);
    row
}

/// Floods a fresh driver with `senders` and measures it; also returns the node's drop total and
/// its datagrams sent per datagram received (answers).
async fn driver_phase(
    name: &'static str,
    seed: u64,
    batch_syscalls: bool,
    senders: impl FnOnce(SocketAddrV4) -> Vec<(StdUdpSocket, Vec<u8>)>,
) -> (Row, u64, f64) {
    let ipv8 = spawn_node(seed, batch_syscalls, true);
    let (target, target_v4) = node_target(&ipv8).await;
    let senders = senders(target_v4);
    let size = senders.first().map_or(0, |(_, p)| p.len());
    let flood = Flood::start(target, senders);
    let handle = ipv8.handle().clone();
    let row = measure(name, size, &flood, || {
        let h = handle.clone();
        async move {
            let s = h.snapshot().await.expect("driver runs");
            s.health.counters.traffic.datagrams_down
        }
    })
    .await;
    drop(flood);
    let last = ipv8.snapshot().await.expect("driver runs");
    let traffic = last.health.counters.traffic;
    let answers = traffic.datagrams_up as f64 / traffic.datagrams_down.max(1) as f64;
    let drops = last.drops.total();
    ipv8.shutdown().await.expect("clean stop");
    (row, drops, answers)
}

fn print(rows: &[Row]) {
    println!(
        "{:<22} {:>6} {:>12} {:>12} {:>16} {:>18}",
        "phase", "bytes", "received/s", "sent/s", "rx CPU ns/dgram", "1-core capacity/s"
    );
    for r in rows {
        let (cpu, capacity) = r.cpu_ns_per_datagram.map_or_else(
            || ("n/a".to_owned(), "n/a".to_owned()),
            |ns| (format!("{ns:.0}"), format!("{:.0}", 1e9 / ns)),
        );
        println!(
            "{:<22} {:>6} {:>12.0} {:>12.0} {:>16} {:>18}",
            r.name, r.size, r.received_per_s, r.sent_per_s, cpu, capacity
        );
    }
}

fn main() {
    flood::runtime().block_on(async {
        let keys = packets::sender_keys(SENDERS);
        let dummy = SocketAddrV4::new([127, 0, 0, 1].into(), 1);
        let sized = intro_request(&keys[0], dummy, dummy, 1);
        let ping = packets::ping();

        let mut rows = vec![
            raw_phase("raw one-way", false, &sized).await,
            raw_phase("raw echo", true, &sized).await,
        ];
        let (row, ping_drops, ping_answers) = driver_phase("driver ping", 1, true, |_| {
            (0..SENDERS)
                .map(|_| (sender_socket(), ping.clone()))
                .collect()
        })
        .await;
        rows.push(row);
        let (row, intro_drops, intro_answers) =
            driver_phase("driver intro-request", 2, true, |target| {
                intro_senders(&keys, target)
            })
            .await;
        rows.push(row);
        let (row, _, _) = driver_phase("driver ping, plain", 3, false, |_| {
            (0..SENDERS)
                .map(|_| (sender_socket(), ping.clone()))
                .collect()
        })
        .await;
        rows.push(row);

        print(&rows);
        let rate = |i: usize, j: usize| rows[i].received_per_s / rows[j].received_per_s;
        println!(
            "received/s ratios: ping/raw one-way {:.2}, ping/raw echo {:.2}, \
             intro-request/raw one-way {:.3}, intro-request/ping {:.3}",
            rate(2, 0),
            rate(2, 1),
            rate(3, 0),
            rate(3, 2),
        );
        let cpu =
            |i: usize, j: usize| match (rows[i].cpu_ns_per_datagram, rows[j].cpu_ns_per_datagram) {
                (Some(a), Some(b)) => format!("{:.3}", b / a),
                _ => "n/a".to_owned(),
            };
        println!(
            "1-core capacity ratios: ping/raw one-way {}, ping/raw echo {}, \
             intro-request/raw one-way {}, intro-request/ping {}",
            cpu(2, 0),
            cpu(2, 1),
            cpu(3, 0),
            cpu(3, 2),
        );
        println!(
            "batched vs plain driver (recvmmsg/sendmmsg vs one datagram per syscall): \
             received/s {:.2}, 1-core capacity {}",
            rate(2, 4),
            cpu(2, 4),
        );
        println!(
            "node drops: ping phase {ping_drops}, intro-request phase {intro_drops}; \
             datagrams sent per datagram received: ping {ping_answers:.2}, \
             intro-request {intro_answers:.2}"
        );
    });
}
