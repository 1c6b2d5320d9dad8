//! Shared helpers for the driver's integration tests: quiet configurations (no trackers, no
//! beacon, no interface watcher), fault-injecting socket factories, and polling of snapshots
//! with generous bounds.
#![allow(dead_code, unreachable_pub)] // each test binary uses a different subset

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ipv8::proto::config::BootstrapConfig;
use ipv8::proto::{CommunityId, Prefix};
use ipv8::udp::fault::FaultySocket;
use ipv8::udp::{BindConfig, Os, bind};
use ipv8::{BeaconConfig, DriverConfig, Identity, Ipv8Handle, KeyIdentity, NodeConfig, Snapshot};
use ipv8::{WallClockFn, WatchdogConfig};
use tokio::net::UdpSocket;

/// Packet builders shared with the benches (a signed introduction-request, a ping).
#[path = "../../benches/common/packets.rs"]
pub mod packets;

/// A socket on 127.0.0.1 bound like a node's (`ipv8_udp::bind`, py-ipv8's buffer sizes), so a
/// burst of answers queues in full before the test reads any.
pub fn loopback_socket() -> UdpSocket {
    bind(&BindConfig {
        ip: Ipv4Addr::LOCALHOST.into(),
        ..BindConfig::v4(0)
    })
    .and_then(|b| b.into_tokio())
    .expect("bind 127.0.0.1")
}

/// A reproducible key.
pub fn identity(seed: u64) -> Arc<dyn Identity> {
    KeyIdentity::from_seed(seed).into_arc()
}

/// Driver settings for tests: no interface watcher, no beacon socket.
pub fn quiet_driver() -> DriverConfig {
    DriverConfig {
        watch_interfaces: false,
        beacon: BeaconConfig::disabled(),
        ..DriverConfig::default()
    }
}

/// As [`quiet_driver`] with the watchdog off, for tests that must not see a rebind.
pub fn no_watchdog() -> DriverConfig {
    DriverConfig {
        watchdog: WatchdogConfig {
            enabled: false,
            ..WatchdogConfig::default()
        },
        ..quiet_driver()
    }
}

/// py-ipv8's default node (DiscoveryCommunity, statistics on) that knows no trackers.
pub fn isolated_node() -> NodeConfig {
    NodeConfig {
        bootstrap: BootstrapConfig::none(),
        ..NodeConfig::default()
    }
}

/// The DiscoveryCommunity prefix (`00 02 ‖ id`).
pub fn discovery_prefix() -> Prefix {
    Prefix::for_community(CommunityId::DISCOVERY)
}

/// A datagram with the DiscoveryCommunity prefix and message id `msg_id`: the node records it
/// in its statistics (then drops it as undecodable, which is fine).
pub fn probe(msg_id: u8, tag: u32) -> Vec<u8> {
    let mut bytes = discovery_prefix().as_bytes().to_vec();
    bytes.push(msg_id);
    bytes.extend_from_slice(&tag.to_be_bytes());
    bytes
}

/// Datagrams of `msg_id` with the DiscoveryCommunity prefix the node has received.
pub fn received(snapshot: &Snapshot, msg_id: u8) -> u64 {
    snapshot
        .statistics
        .prefix(&discovery_prefix())
        .and_then(|p| p.get(msg_id))
        .map_or(0, |s| s.num_down)
}

/// `127.0.0.1` with the port of `bound` (a wildcard address).
pub fn loopback(bound: SocketAddr) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], bound.port()))
}

/// The node's loopback address from its latest snapshot.
pub async fn address_of(handle: &Ipv8Handle) -> SocketAddr {
    let snapshot = handle.snapshot().await.expect("driver runs");
    loopback(*snapshot.health.bound.first().expect("a bound socket"))
}

/// Polls fresh snapshots until `cond` holds; panics after `within` with `what` and the last
/// snapshot's health. Real time unless the test pauses the clock.
pub async fn wait_for(
    handle: &Ipv8Handle,
    what: &str,
    within: Duration,
    cond: impl Fn(&Snapshot) -> bool,
) -> Arc<Snapshot> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let snapshot = handle.snapshot().await.expect("driver runs");
        if cond(&snapshot) {
            return snapshot;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {within:?} waiting for {what}; health: {:#?}",
            snapshot.health
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The fault-injecting socket the tests script.
pub type Faulty = Arc<FaultySocket<UdpSocket>>;

/// A real loopback-capable socket (`0.0.0.0:0`) wrapped in a [`FaultySocket`] that classifies
/// with `os`'s table, and a rebinder handing out that same socket.
pub fn faulty(
    os: Os,
) -> (
    Faulty,
    impl FnMut(Option<SocketAddr>) -> io::Result<Faulty> + Send + 'static,
) {
    let socket = bind(&BindConfig::v4(0))
        .expect("bind")
        .into_tokio()
        .expect("tokio socket");
    let faulty = Arc::new(FaultySocket::new(socket).with_error_os(os));
    let shared = Arc::clone(&faulty);
    (faulty, move |_previous| Ok(Arc::clone(&shared)))
}

/// A socket factory that remembers the sockets it makes (weakly: the driver owns them, and a
/// dropped socket frees its port) so the test can script the current one, and fails the
/// attempts whose numbers (1 = the initial bind) are in `fail`.
pub struct Recording {
    pub sockets: Arc<Mutex<Vec<Weak<FaultySocket<UdpSocket>>>>>,
    pub attempts: Arc<Mutex<usize>>,
}

impl Recording {
    pub fn new() -> Self {
        Self {
            sockets: Arc::default(),
            attempts: Arc::default(),
        }
    }

    /// The latest socket made.
    pub fn current(&self) -> Arc<FaultySocket<UdpSocket>> {
        let sockets = self.sockets.lock().unwrap();
        sockets
            .last()
            .and_then(Weak::upgrade)
            .expect("the driver holds the latest socket")
    }

    pub fn attempts(&self) -> usize {
        *self.attempts.lock().unwrap()
    }

    /// The rebinder; attempt numbers in `fail` return `EADDRNOTAVAIL`.
    pub fn rebinder(
        &self,
        fail: &'static [usize],
    ) -> impl FnMut(Option<SocketAddr>) -> io::Result<Arc<FaultySocket<UdpSocket>>> + Send + 'static
    {
        let sockets = Arc::clone(&self.sockets);
        let attempts = Arc::clone(&self.attempts);
        move |previous| {
            let attempt = {
                let mut n = attempts.lock().unwrap();
                *n += 1;
                *n
            };
            if fail.contains(&attempt) {
                return Err(io::Error::from(io::ErrorKind::AddrNotAvailable));
            }
            let port = previous.map_or(0, |p| p.port());
            let socket = bind(&BindConfig::v4(port))?.into_tokio()?;
            let socket = Arc::new(FaultySocket::new(socket));
            sockets.lock().unwrap().push(Arc::downgrade(&socket));
            Ok(socket)
        }
    }
}

/// A wall clock that advances with tokio's (possibly paused) clock, so the watchdog's
/// suspend detection does not mistake auto-advanced test time for a clock jump.
pub fn test_wall_clock() -> WallClockFn {
    let start = tokio::time::Instant::now();
    let base = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    Arc::new(move || base + start.elapsed())
}

/// `SystemTime` as seconds, for messages.
pub fn unix(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
