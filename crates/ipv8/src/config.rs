//! Driver settings: [`DriverConfig`] and the LAN [`BeaconConfig`]. Protocol settings are
//! `ipv8_proto`'s `NodeConfig`; socket settings are `ipv8_udp::BindConfig`.

use std::net::Ipv4Addr;
use std::ops::RangeInclusive;
use std::time::Duration;

use crate::ratelog::DEFAULT_LOG_PERIOD;
use crate::rebind::RebindConfig;
use crate::watchdog::WatchdogConfig;

/// Where the LAN beacon (docs/spec/PROTOCOL.md §5.8) goes.
///
/// py-ipv8's `UDPBroadcastBootstrapper` sends the 29-byte beacon from a separate `SO_BROADCAST`
/// socket to `255.255.255.255` on every port. The node decides *when* (only overlays configured
/// with the beacon bootstrapper ask); this decides *whether and where*. Tests must either
/// disable it or aim it at loopback with a small port range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BeaconConfig {
    /// Open the broadcast socket and send beacons when the node asks. Off: beacons the node
    /// asks for are counted as suppressed.
    pub enabled: bool,
    /// Destination address (py-ipv8: the limited broadcast address).
    pub target: Ipv4Addr,
    /// Destination ports, one datagram each (py-ipv8: every port; port 0 cannot be sent to).
    pub ports: RangeInclusive<u16>,
    /// Beacon datagrams sent per driver turn, so a sweep of 65 534 ports never delays
    /// receiving or timers (the rest follows in the next turns).
    pub sends_per_turn: usize,
}

impl Default for BeaconConfig {
    /// py-ipv8's behaviour: enabled, `255.255.255.255`, ports 1..=65534 (py-ipv8 also tries 0).
    fn default() -> Self {
        Self {
            enabled: true,
            target: Ipv4Addr::BROADCAST,
            ports: 1..=65_534,
            sends_per_turn: 512,
        }
    }
}

impl BeaconConfig {
    /// No beacon socket at all.
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }

    /// A beacon that never leaves the host: `127.0.0.1` on `ports` (for tests).
    pub fn loopback(ports: RangeInclusive<u16>) -> Self {
        Self {
            enabled: true,
            target: Ipv4Addr::LOCALHOST,
            ports,
            ..Self::default()
        }
    }
}

/// How the driver runs. `Default` holds the production values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DriverConfig {
    /// Datagrams or errors taken per wakeup before timers and commands get a turn (512). It is
    /// also the largest burst whose signatures are checked together: the larger the batch, the
    /// cheaper each signature (docs/PERFORMANCE.md, "Signature checks on two cores" and
    /// "Burst size"), and a burst of 512 signed messages keeps timers waiting about 9 ms on
    /// one core. Only a flood fills it; ordinary traffic comes in far smaller bursts.
    pub recv_batch: usize,
    /// Receive and send in batches of up to [`ipv8_udp::BATCH_LEN`] datagrams per syscall
    /// (`recvmmsg`/`sendmmsg` on Linux, with UDP GRO on receive and GSO for runs of datagrams
    /// to one destination where the kernel has them; elsewhere, and for sockets without
    /// batching, the plain path of one datagram per call). Errors are classified and counted
    /// the same way on both paths (true).
    pub batch_syscalls: bool,
    /// Helper threads that check shares of a receive burst's Ed25519 signatures while the
    /// driver's thread checks its own share (`ipv8_proto::RealCrypto::with_helpers`), so a node
    /// on two cores verifies about twice as many signed messages per second. They start on the
    /// first burst big enough to split (`2 × ipv8_crypto::MIN_SHARE` signatures): a quiet node
    /// starts none. With helpers, a burst that fills [`DriverConfig::recv_batch`] is held for
    /// one turn while the helpers check its signatures and the burst before it is handled (the
    /// verification pipeline; docs/PERFORMANCE.md). Default: one less than the cores, at most 3
    /// (0 on one core).
    pub verify_threads: usize,
    /// Receive moderation. When traffic is dense (a wake-up finds several datagrams, or comes
    /// less than this after the previous one) and the sockets are empty, the driver takes
    /// them out of the reactor for this long (`ipv8_udp::DatagramSocket::set_parked`), so
    /// arrivals queue in the kernel without waking the thread, then reads the queue in one
    /// batch: one wake-up, one `recvmmsg`, one batch verification and one `sendmmsg` of the
    /// answers instead of one of each per datagram. Costs at most this much latency, and only
    /// while traffic is that dense; datagrams further apart are read at once. Zero turns it
    /// off (0: off; docs/PERFORMANCE.md, "Receive moderation").
    pub recv_coalesce: Duration,
    /// Consecutive receive batches made only of errors after which receiving pauses for
    /// `storm_pause`, so a socket that only fails cannot spin a core (4).
    pub storm_batches: u32,
    /// See `storm_batches` (1 ms).
    pub storm_pause: Duration,
    /// Minimum time between two published snapshots (250 ms).
    pub snapshot_interval: Duration,
    /// The liveness watchdog.
    pub watchdog: WatchdogConfig,
    /// Rebind retries.
    pub rebind: RebindConfig,
    /// The LAN beacon.
    pub beacon: BeaconConfig,
    /// At most one log line per error class and direction per this period (60 s).
    pub log_period: Duration,
    /// Watch local addresses (if-watch plus periodic resync) and report them to the node.
    pub watch_interfaces: bool,
    /// Resync period of the address watcher (30 s).
    pub interface_resync: Duration,
    /// Capacity of the command channel (256).
    pub command_capacity: usize,
    /// Capacity of the event broadcast channel; slow subscribers lose the oldest (1024).
    pub event_capacity: usize,
    /// Give up on a DNS look-up after this long (10 s).
    pub resolve_timeout: Duration,
}

impl Default for DriverConfig {
    fn default() -> Self {
        Self {
            recv_batch: 512,
            batch_syscalls: true,
            verify_threads: std::thread::available_parallelism()
                .map_or(0, |cores| cores.get().saturating_sub(1).min(3)),
            recv_coalesce: Duration::ZERO,
            storm_batches: 4,
            storm_pause: Duration::from_millis(1),
            snapshot_interval: Duration::from_millis(250),
            watchdog: WatchdogConfig::default(),
            rebind: RebindConfig::default(),
            beacon: BeaconConfig::default(),
            log_period: DEFAULT_LOG_PERIOD,
            watch_interfaces: true,
            interface_resync: ipv8_udp::DEFAULT_RESYNC_INTERVAL,
            command_capacity: 256,
            event_capacity: 1024,
            resolve_timeout: Duration::from_secs(10),
        }
    }
}
