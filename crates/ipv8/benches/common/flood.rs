//! What the driver benchmarks share: a flooding sender thread, a paced one, loopback sender
//! sockets, the calling thread's CPU time, and a driver on 127.0.0.1 with the beacon and the
//! interface watcher off. Included by `loopback.rs` and `steady.rs` with `#[path]` (bench
//! targets are separate crates).

#![allow(dead_code, reason = "each bench uses a different subset")]

use std::io::Read;
use std::net::{SocketAddr, UdpSocket as StdUdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ipv8::proto::config::BootstrapConfig;
use ipv8::{BeaconConfig, DriverConfig, Ipv8, Ipv8Builder, KeyIdentity, NodeConfig};

/// A thread sending `packets[i]` from `sockets[i]` to one target, round robin, until stopped:
/// as fast as it can (`Flood::start`) or at a fixed rate (`Flood::paced`).
pub struct Flood {
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl Flood {
    /// Sends as fast as blocking `send_to` allows.
    pub fn start(target: SocketAddr, senders: Vec<(StdUdpSocket, Vec<u8>)>) -> Self {
        Self::spawn(target, senders, None)
    }

    /// Sends `per_second` datagrams a second, evenly spaced: the thread sleeps to each
    /// datagram's deadline (and catches up at once when it woke late, so the mean rate holds).
    pub fn paced(
        target: SocketAddr,
        senders: Vec<(StdUdpSocket, Vec<u8>)>,
        per_second: u32,
    ) -> Self {
        Self::spawn(target, senders, Some(per_second))
    }

    fn spawn(
        target: SocketAddr,
        senders: Vec<(StdUdpSocket, Vec<u8>)>,
        per_second: Option<u32>,
    ) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let (stop2, sent2) = (Arc::clone(&stop), Arc::clone(&sent));
        let thread = std::thread::spawn(move || {
            let start = Instant::now();
            let mut n: u32 = 0;
            while !stop2.load(Ordering::Relaxed) {
                for (socket, packet) in &senders {
                    if let Some(rate) = per_second {
                        let due = start + Duration::from_secs(1) * n / rate;
                        n = n.wrapping_add(1);
                        let now = Instant::now();
                        if due > now {
                            std::thread::sleep(due - now);
                        }
                    }
                    if socket.send_to(packet, target).is_ok() {
                        sent2.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
        Self {
            stop,
            sent,
            thread: Some(thread),
        }
    }

    /// Datagrams sent so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

impl Drop for Flood {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.join().expect("flood thread");
        }
    }
}

/// A sender socket on 127.0.0.1.
pub fn sender_socket() -> StdUdpSocket {
    StdUdpSocket::bind("127.0.0.1:0").expect("bind a loopback sender")
}

/// Nanoseconds the calling thread has run (`/proc/thread-self/schedstat`, first field).
pub fn thread_cpu_ns() -> Option<u64> {
    let mut text = String::new();
    std::fs::File::open("/proc/thread-self/schedstat")
        .and_then(|mut f| f.read_to_string(&mut text))
        .ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// 127.0.0.1 with `addr`'s port.
pub fn loopback(addr: SocketAddr) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], addr.port()))
}

/// A driver on the current runtime: the default `NodeConfig` (DiscoveryCommunity and its
/// walkers) without bootstrap, message statistics as given, no beacon, no interface watcher.
pub fn spawn_node(seed: u64, batch_syscalls: bool, statistics: bool) -> Ipv8 {
    let config = NodeConfig {
        bootstrap: BootstrapConfig::none(),
        statistics,
        ..NodeConfig::default()
    };
    let driver = DriverConfig {
        watch_interfaces: false,
        beacon: BeaconConfig::disabled(),
        batch_syscalls,
        ..DriverConfig::default()
    };
    Ipv8Builder::new(config, KeyIdentity::from_seed(seed).into_arc())
        .port(0)
        .seed(seed)
        .driver_config(driver)
        .spawn()
        .expect("spawn the driver")
}
