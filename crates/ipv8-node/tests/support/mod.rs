//! Helpers shared by the `ipv8-node` integration tests: subprocesses that print JSON lines
//! ([`procs`]), free loopback ports, scratch directories and bounded polling. The node
//! launchers live in [`nodes`] (py-ipv8 DHT nodes in [`pydht`]).
//!
//! Nothing here knows about IPv8; a test file pulls it in with `mod support;`.
#![allow(dead_code)] // every test binary uses a different subset

pub mod http;
pub mod nodes;
pub mod procs;
pub mod pydht;
pub mod shape;
pub mod swarm;

use std::net::{TcpListener, UdpSocket};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// The repository root (two levels above this crate's manifest).
pub fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .and_then(|crates| crates.parent())
        .expect("crate lives in <repo>/crates/<name>")
        .to_path_buf()
}

/// A UDP port on 127.0.0.1 that was free a moment ago (the OS picked it; the socket is closed).
pub fn free_udp_port() -> u16 {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("binding a UDP socket on 127.0.0.1");
    socket.local_addr().expect("local address").port()
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_tcp_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding a TCP socket on 127.0.0.1");
    listener.local_addr().expect("local address").port()
}

/// A new, empty directory under cargo's per-target scratch directory, unique per call.
pub fn scratch_dir(label: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{label}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    dir
}

/// An instant `secs` seconds from now.
pub fn deadline_in(secs: f64) -> Instant {
    Instant::now() + Duration::from_secs_f64(secs)
}

/// Calls `check` every `every` until it returns `Ok` or `deadline` passes; then returns the last
/// `Err` (the reason the condition still did not hold).
///
/// # Errors
/// The last reason given by `check` when the deadline passes.
pub fn poll_until<T>(
    deadline: Instant,
    every: Duration,
    mut check: impl FnMut() -> Result<T, String>,
) -> Result<T, String> {
    loop {
        match check() {
            Ok(value) => return Ok(value),
            Err(reason) if Instant::now() >= deadline => return Err(reason),
            Err(_) => thread::sleep(every.min(deadline.saturating_duration_since(Instant::now()))),
        }
    }
}
