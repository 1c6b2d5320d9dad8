//! The two Rust receivers, each run as its own process (the bench binary re-executed with
//! `IPV8_BENCH_ROLE=raw|node`), so that their CPU time and RSS come from `/proc/<pid>` exactly
//! like the py-ipv8 receiver's.
//!
//! Both speak the protocol of `tools/pybench_receiver.py`: `ready port=P pid=N` once bound
//! (127.0.0.1; the raw receiver adds `gro_port=Q`, its `recvmmsg` + GRO socket), then one
//! `stats down=D up=U pong=A response=R oneway=O signed=S` line per line read on
//! stdin; they exit at EOF of stdin (so they die with the orchestrator).

use std::io::BufRead;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ipv8::prelude::*;
use ipv8::udp::{BATCH_LEN, BindConfig, DatagramSocket, RecvBatch, bind};
use ipv8::{BeaconConfig, DriverConfig};

use crate::community::{BenchCommunity, bench_config};

/// The receiver's counters, as printed on a `stats` line.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    /// Datagrams received.
    pub down: u64,
    /// Datagrams sent.
    pub up: u64,
    /// Pongs sent (answers to pings).
    pub pong: u64,
    /// Introduction-responses sent (answers to introduction-requests).
    pub response: u64,
    /// One-way messages handled.
    pub oneway: u64,
    /// Signed one-way messages handled (signature verified).
    pub signed: u64,
}

impl Stats {
    pub fn line(&self) -> String {
        format!(
            "stats down={} up={} pong={} response={} oneway={} signed={}",
            self.down, self.up, self.pong, self.response, self.oneway, self.signed
        )
    }

    /// Parses a `stats` line.
    pub fn parse(line: &str) -> Option<Self> {
        let mut s = Self::default();
        let mut words = line.split_whitespace();
        if words.next()? != "stats" {
            return None;
        }
        for word in words {
            let (key, value) = word.split_once('=')?;
            let value = value.parse().ok()?;
            match key {
                "down" => s.down = value,
                "up" => s.up = value,
                "pong" => s.pong = value,
                "response" => s.response = value,
                "oneway" => s.oneway = value,
                "signed" => s.signed = value,
                _ => {}
            }
        }
        Some(s)
    }
}

fn loopback_bind() -> BindConfig {
    BindConfig {
        ip: Ipv4Addr::LOCALHOST.into(),
        ..BindConfig::v4(0)
    }
}

/// Calls `on_line` for every line of stdin, then exits the process at EOF.
fn serve_stdin(on_line: impl Fn() + Send + 'static) {
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            if line.is_err() {
                break;
            }
            on_line();
        }
        std::process::exit(0);
    });
}

/// The limit: a blocking `recv_from` loop on a socket bound like the node's (`ipv8_udp::bind`,
/// same buffer sizes) that answers by message id (byte 22) as a node would, without parsing:
/// a ping (3) is echoed once, an introduction-request (246) twice (to its sender and to the
/// previous different sender, like response + puncture-request), anything else only counted.
pub fn raw_main() {
    let socket = bind(&loopback_bind())
        .expect("bind the raw receiver")
        .into_std();
    socket.set_nonblocking(false).expect("blocking socket");
    let counters: Arc<[AtomicU64; 6]> = Arc::new(Default::default());
    let shown = Arc::clone(&counters);
    serve_stdin(move || {
        let [down, up, pong, response, oneway, signed] =
            shown.as_ref().each_ref().map(|c| c.load(Ordering::Relaxed));
        println!(
            "{}",
            Stats {
                down,
                up,
                pong,
                response,
                oneway,
                signed,
            }
            .line()
        );
    });
    let port = socket.local_addr().expect("bound").port();
    let gro_port = spawn_raw_gro(Arc::clone(&counters));
    println!(
        "ready port={port} gro_port={gro_port} pid={}",
        std::process::id()
    );
    let [down, up, pong, response, oneway, signed] = counters.as_ref();
    let mut buf = vec![0u8; 2048];
    // The last sender and the one before it that differs (the "introduced" peer).
    let (mut last, mut other): (Option<SocketAddr>, Option<SocketAddr>) = (None, None);
    loop {
        let Ok((n, from)) = socket.recv_from(&mut buf) else {
            continue;
        };
        down.fetch_add(1, Ordering::Relaxed);
        match buf.get(22) {
            Some(3) => {
                if socket.send_to(&buf[..n], from).is_ok() {
                    up.fetch_add(1, Ordering::Relaxed);
                }
                pong.fetch_add(1, Ordering::Relaxed);
            }
            Some(246) => {
                if socket.send_to(&buf[..n], from).is_ok() {
                    up.fetch_add(1, Ordering::Relaxed);
                }
                if last != Some(from) {
                    (other, last) = (last, Some(from));
                }
                if let Some(to) = other
                    && socket.send_to(&buf[..n], to).is_ok()
                {
                    up.fetch_add(1, Ordering::Relaxed);
                }
                response.fetch_add(1, Ordering::Relaxed);
            }
            Some(1) => {
                oneway.fetch_add(1, Ordering::Relaxed);
            }
            Some(2) => {
                signed.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

/// The limit for a GSO sender: a second socket (bound like the first) with UDP GRO on, read by
/// its own thread with `recvmmsg` through `ipv8_udp`'s `poll_recv_batch` (the driver's own
/// receive call, on a current-thread runtime), counting datagrams and one-way messages (byte
/// 22 = 1) as they come out of [`RecvBatch::take`]; it answers nothing. Returns its port.
fn spawn_raw_gro(counters: Arc<[AtomicU64; 6]>) -> u16 {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        runtime.block_on(async {
            let socket = bind(&loopback_bind())
                .and_then(|b| b.into_tokio())
                .expect("bind the raw GRO receiver");
            let gro = socket.enable_gro();
            let _ = tx.send(socket.local_addr().expect("bound").port());
            if !gro {
                eprintln!("raw receiver: no UDP GRO here; the GSO phase is read unbatched");
            }
            let [down, _, _, _, oneway, signed] = counters.as_ref();
            let mut batch = RecvBatch::new(BATCH_LEN);
            loop {
                let polled = std::future::poll_fn(|cx| {
                    DatagramSocket::poll_recv_batch(&socket, cx, &mut batch)
                })
                .await;
                if polled.is_err() {
                    continue;
                }
                let (mut n, mut ones, mut twos) = (0, 0, 0);
                while let Some((bytes, _)) = batch.take() {
                    n += 1;
                    ones += u64::from(bytes.get(22) == Some(&1));
                    twos += u64::from(bytes.get(22) == Some(&2));
                }
                down.fetch_add(n, Ordering::Relaxed);
                oneway.fetch_add(ones, Ordering::Relaxed);
                signed.fetch_add(twos, Ordering::Relaxed);
            }
        });
    });
    rx.recv().expect("raw GRO socket bound")
}

/// An ipv8-rs node as a py-ipv8 user would run it: the default `NodeConfig` (DiscoveryCommunity
/// with its walkers, statistics on) without bootstrap servers, plus the benchmark community
/// (no walkers), on one IPv4 socket on 127.0.0.1 (no IPv6 socket, no LAN beacon, no interface
/// watcher: py-ipv8 has none of them on loopback). Current-thread tokio runtime, like py-ipv8's
/// one asyncio loop; `IPV8_BENCH_VERIFY_THREADS` overrides `DriverConfig::verify_threads`.
/// Pongs and responses come from the node's message statistics.
pub fn node_main(bench: CommunityId) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let config = NodeConfig {
            bootstrap: BootstrapConfig::none(),
            ..NodeConfig::default()
        };
        let defaults = DriverConfig::default();
        let driver = DriverConfig {
            // IPV8_BENCH_PLAIN: one recvfrom/sendto per datagram (and no GRO).
            batch_syscalls: std::env::var_os("IPV8_BENCH_PLAIN").is_none(),
            watch_interfaces: false,
            beacon: BeaconConfig::disabled(),
            recv_batch: std::env::var("IPV8_BENCH_RECV_BATCH")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(defaults.recv_batch),
            verify_threads: std::env::var("IPV8_BENCH_VERIFY_THREADS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(defaults.verify_threads),
            ..defaults
        };
        let handled = Arc::new(AtomicU64::new(0));
        let signed = Arc::new(AtomicU64::new(0));
        let mut builder = Ipv8Builder::new(config, KeyIdentity::from_seed(7).into_arc())
            .bind_v4(loopback_bind())
            .bind_v6(None)
            .driver_config(driver);
        let _handle = builder.community(
            bench_config(bench),
            BenchCommunity {
                handled: Arc::clone(&handled),
                signed: Arc::clone(&signed),
            },
        );
        let ipv8 = builder.spawn().expect("spawn the node");
        let snapshot = ipv8.snapshot().await.expect("node runs");
        let port = snapshot.health.bound.first().expect("bound").port();

        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                if line.is_err() || tx.send(()).is_err() {
                    break;
                }
            }
        });
        println!("ready port={port} pid={}", std::process::id());
        while rx.recv().await.is_some() {
            let s = ipv8.snapshot().await.expect("node runs");
            let sent_of = |id: u8| {
                s.message_statistics
                    .iter()
                    .filter(|o| o.community == CommunityId::DISCOVERY)
                    .flat_map(|o| o.messages.iter())
                    .filter(|m| m.id == id)
                    .map(|m| m.stat.num_up)
                    .sum()
            };
            let stats = Stats {
                down: s.health.counters.traffic.datagrams_down,
                up: s.health.counters.traffic.datagrams_up,
                pong: sent_of(4),
                response: sent_of(245),
                oneway: handled.load(Ordering::Relaxed),
                signed: signed.load(Ordering::Relaxed),
            };
            println!("{}", stats.line());
        }
        let _ = ipv8.shutdown().await;
    });
}
