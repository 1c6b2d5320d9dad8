//! What the driver benchmarks share: a flooding sender thread, a paced one, loopback sender
//! sockets and the senders of signed introduction-requests, the calling thread's CPU time, a
//! bare receiver (the limit), and a driver on 127.0.0.1 with the beacon and the interface
//! watcher off. Included by `loopback.rs` and `steady.rs` with `#[path]` (bench
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

/// Times the calling thread was put on a CPU (`/proc/thread-self/schedstat`, third field):
/// its wake-ups, near enough.
pub fn thread_runs() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().nth(2)?.parse().ok()
}

/// 127.0.0.1 with `addr`'s port.
pub fn loopback(addr: SocketAddr) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], addr.port()))
}

/// A driver on the current runtime: the default `NodeConfig` (DiscoveryCommunity and its
/// walkers) without bootstrap, message statistics as given, no beacon, no interface watcher.
pub fn spawn_node(seed: u64, batch_syscalls: bool, statistics: bool) -> Ipv8 {
    spawn_node_with(seed, statistics, bench_driver(batch_syscalls))
}

/// The benches' `DriverConfig`: no beacon, no interface watcher, every signature on the
/// driver's thread (the benches read that thread's CPU time).
pub fn bench_driver(batch_syscalls: bool) -> DriverConfig {
    DriverConfig {
        watch_interfaces: false,
        beacon: BeaconConfig::disabled(),
        batch_syscalls,
        verify_threads: 0,
        ..DriverConfig::default()
    }
}

/// [`spawn_node`] with a given `DriverConfig`.
pub fn spawn_node_with(seed: u64, statistics: bool, driver: DriverConfig) -> Ipv8 {
    node_builder(seed, statistics, driver)
        .spawn()
        .expect("spawn the driver")
}

/// The builder [`spawn_node_with`] spawns, for a bench that adds a community first.
pub fn node_builder(seed: u64, statistics: bool, driver: DriverConfig) -> Ipv8Builder {
    let config = NodeConfig {
        bootstrap: BootstrapConfig::none(),
        statistics,
        ..NodeConfig::default()
    };
    Ipv8Builder::new(config, KeyIdentity::from_seed(seed).into_arc())
        .port(0)
        .seed(seed)
        .driver_config(driver)
}

/// Senders of signed introduction-requests to `target`, one key and socket each (the request
/// carries its socket's address, as a real peer's would).
pub fn intro_senders(
    keys: &[KeyIdentity],
    target: std::net::SocketAddrV4,
) -> Vec<(StdUdpSocket, Vec<u8>)> {
    keys.iter()
        .enumerate()
        .map(|(i, key)| {
            let socket = sender_socket();
            let packet = super::packets::intro_request(
                key,
                super::packets::v4_of(&socket),
                target,
                i as u64 + 1,
            );
            (socket, packet)
        })
        .collect()
}

/// A bare socket bound like the driver's (`ipv8_udp::bind`, same buffer sizes) on a tokio task
/// that counts every datagram and, when `echo`, sends it straight back (`recv_from` +
/// `try_send_to`): what the driver is compared with. Stops when dropped.
pub struct RawReceiver {
    /// Where to send (127.0.0.1 and the bound port).
    pub target: SocketAddr,
    /// Datagrams received so far.
    pub count: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl RawReceiver {
    /// Binds and starts the receiver (inside a tokio runtime).
    pub fn spawn(echo: bool) -> Self {
        let socket = ipv8::udp::bind(&ipv8::udp::BindConfig::v4(0))
            .and_then(ipv8::udp::BoundSocket::into_tokio)
            .expect("bind the raw receiver");
        let target = loopback(socket.local_addr().expect("local address"));
        let count = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&count);
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; 2048];
            loop {
                let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                    continue;
                };
                counter.fetch_add(1, Ordering::Relaxed);
                if echo {
                    let _ = socket.try_send_to(&buf[..n], from);
                }
            }
        });
        Self {
            target,
            count,
            task,
        }
    }
}

impl Drop for RawReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where to send to `ipv8`: its socket as 127.0.0.1:port, also as a `SocketAddrV4`.
pub async fn node_target(ipv8: &Ipv8) -> (SocketAddr, std::net::SocketAddrV4) {
    let snapshot = ipv8.snapshot().await.expect("driver runs");
    let target = loopback(*snapshot.health.bound.first().expect("bound"));
    let SocketAddr::V4(v4) = target else {
        unreachable!("loopback() builds an IPv4 address")
    };
    (target, v4)
}

/// The benches' runtime: current-thread, so a driver's CPU time is the main thread's.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}
