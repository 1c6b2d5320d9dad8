//! [`Ipv8Builder`]: configure and start a node (py-ipv8's `IPv8(configuration).start()`).
//!
//! The builder binds the sockets synchronously, so a bad port or address is reported by
//! [`Ipv8Builder::spawn`] itself; afterwards every socket failure is the driver's to survive.
//! Sockets come from an [`ipv8_udp::Rebinder`] per address family: [`UdpRebinder`] by default,
//! anything else (fault injection, simulation) through [`Ipv8Builder::rebinders`].

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::sync::Arc;
use std::time::SystemTime;

use ipv8_proto::{Community, CommunityConfig, Identity, Node, NodeConfig, RealCrypto};
use ipv8_udp::{BindConfig, Rebinder, UdpRebinder};
use tokio::sync::{broadcast, mpsc, watch};

use crate::clock::{Clock, WallClockFn};
use crate::config::DriverConfig;
use crate::driver::{Channels, Driver};
use crate::handle::{Command, Ipv8, Ipv8Handle};
use crate::overlay::{CommunityHandle, PendingLoad, prepare};
use crate::snapshot::{Demand, Snapshot};
use crate::sockets::{BEACON_BIND, BeaconOpener, BeaconSocket, Sockets, broadcast_opener};

/// Builds and starts an [`Ipv8`].
///
/// ```no_run
/// # async fn run() -> std::io::Result<()> {
/// use ipv8::Ipv8Builder;
/// use ipv8_proto::{KeyIdentity, NodeConfig};
///
/// let ipv8 = Ipv8Builder::new(NodeConfig::default(), KeyIdentity::from_seed(7).into_arc())
///     .port(8090)
///     .spawn()?;
/// let snapshot = ipv8.snapshot().await.expect("driver runs");
/// assert!(snapshot.health.is_open);
/// ipv8.shutdown().await.expect("clean stop");
/// # Ok(()) }
/// ```
pub struct Ipv8Builder<R: Rebinder = UdpRebinder> {
    node_config: NodeConfig,
    identity: Arc<dyn Identity>,
    seed: Option<u64>,
    v4: R,
    v6: Option<R>,
    config: DriverConfig,
    wall_clock: WallClockFn,
    open_beacon: BeaconOpener,
    command_tx: mpsc::Sender<Command>,
    commands: mpsc::Receiver<Command>,
    loads: Vec<PendingLoad>,
}

impl Ipv8Builder<UdpRebinder> {
    /// A node with `node_config` and key `identity` on py-ipv8's default endpoint
    /// (`0.0.0.0:8090`, IPv4 only) with the default [`DriverConfig`].
    pub fn new(node_config: NodeConfig, identity: Arc<dyn Identity>) -> Self {
        let config = DriverConfig::default();
        let (command_tx, commands) = mpsc::channel(config.command_capacity.max(1));
        Self {
            node_config,
            identity,
            seed: None,
            v4: UdpRebinder::new(BindConfig::default()),
            v6: None,
            config,
            wall_clock: Arc::new(SystemTime::now),
            open_beacon: broadcast_opener(BEACON_BIND),
            command_tx,
            commands,
            loads: Vec::new(),
        }
    }

    /// The first port to try for every socket (py-ipv8 walks up from it when it is taken;
    /// 0 lets the OS choose).
    pub fn port(mut self, port: u16) -> Self {
        let mut v4 = self.v4.config().clone();
        v4.port = port;
        self.v4 = UdpRebinder::new(v4);
        if let Some(v6) = self.v6.take() {
            let mut config = v6.config().clone();
            config.port = port;
            self.v6 = Some(UdpRebinder::new(config));
        }
        self
    }

    /// The IPv4 socket's settings.
    pub fn bind_v4(mut self, config: BindConfig) -> Self {
        self.v4 = UdpRebinder::new(config);
        self
    }

    /// An IPv6 socket too (`IPV6_V6ONLY`), or none. If it cannot be bound at start the node
    /// runs on IPv4 alone.
    pub fn bind_v6(mut self, config: Option<BindConfig>) -> Self {
        self.v6 = config.map(UdpRebinder::new);
        self
    }
}

impl<R: Rebinder> Ipv8Builder<R> {
    /// Replaces the socket factories: `v4` for the IPv4 endpoint (its family is whatever the
    /// sockets it makes are bound to) and an optional second one.
    pub fn rebinders<R2: Rebinder>(self, v4: R2, v6: Option<R2>) -> Ipv8Builder<R2> {
        Ipv8Builder {
            node_config: self.node_config,
            identity: self.identity,
            seed: self.seed,
            v4,
            v6,
            config: self.config,
            wall_clock: self.wall_clock,
            open_beacon: self.open_beacon,
            command_tx: self.command_tx,
            commands: self.commands,
            loads: self.loads,
        }
    }

    /// Loads community `community` with `config` when the node starts (py-ipv8: an overlay in
    /// the configuration) and returns its typed handle. [`Ipv8Builder::spawn`] fails if the
    /// node refuses the configuration.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// use ipv8::{CommunityConfig, CommunityId, Ipv8Builder, KeyIdentity, NodeConfig, PlainCommunity};
    ///
    /// let mut builder = Ipv8Builder::new(NodeConfig::default(), KeyIdentity::from_seed(1).into_arc());
    /// let mine = builder.community(CommunityConfig::new(CommunityId([1; 20]), "Mine"), PlainCommunity);
    /// let ipv8 = builder.spawn()?;
    /// assert_eq!(mine.peers().await?.len(), 0);
    /// # Ok(()) }
    /// ```
    pub fn community<C: Community>(
        &mut self,
        config: CommunityConfig,
        community: C,
    ) -> CommunityHandle<C> {
        let (load, handle) = prepare(config, community, self.command_tx.clone());
        self.loads.push(load);
        handle
    }

    /// The LAN beacon socket's settings (default [`crate::BEACON_BIND`]: `0.0.0.0:0`, no port
    /// walk). `SO_BROADCAST` is always set. Where the beacon goes and whether it is sent at all is
    /// [`crate::BeaconConfig`]'s.
    pub fn beacon_bind(mut self, config: BindConfig) -> Self {
        self.open_beacon = broadcast_opener(config);
        self
    }

    /// Replaces the LAN beacon socket factory (fault injection, simulation). It is called when
    /// the first beacon is due and again after every rebind; an error skips that beacon.
    pub fn beacon_socket(
        mut self,
        open: impl FnMut() -> io::Result<BeaconSocket> + Send + 'static,
    ) -> Self {
        self.open_beacon = Box::new(open);
        self
    }

    /// Driver settings (batching, watchdog, rebind, beacon, snapshots). The command channel
    /// takes the new `command_capacity` only if no community handle was handed out yet.
    pub fn driver_config(mut self, config: DriverConfig) -> Self {
        if self.loads.is_empty() {
            let (command_tx, commands) = mpsc::channel(config.command_capacity.max(1));
            self.command_tx = command_tx;
            self.commands = commands;
        }
        self.config = config;
        self
    }

    /// The seed of every random choice of the node (default: from the OS).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The wall-clock source (default `SystemTime::now`). Tests on tokio's paused clock pass a
    /// clock derived from it, or the watchdog sees every auto-advance as a clock jump.
    pub fn wall_clock(mut self, wall_clock: WallClockFn) -> Self {
        self.wall_clock = wall_clock;
        self
    }

    /// Binds the sockets and starts the driver task on the current tokio runtime.
    ///
    /// # Errors
    /// The IPv4 socket could not be bound (with the port range tried in the message).
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn spawn(self) -> io::Result<Ipv8>
    where
        R: Send + 'static,
        R::Socket: Send + Sync + 'static,
    {
        let mut sockets = Sockets::open(self.v4, self.v6, self.open_beacon)?;
        sockets.set_batching(self.config.batch_syscalls);
        let clock = Clock::new(self.wall_clock);
        let seed = self.seed.unwrap_or_else(random_seed);
        let node_now = clock.to_node(clock.now());
        let crypto = RealCrypto::default().with_helpers(self.config.verify_threads);
        let mut node = Node::with_crypto(
            self.node_config,
            self.identity,
            Box::new(crypto),
            seed,
            node_now,
        );
        let mut sinks = Vec::with_capacity(self.loads.len());
        for load in self.loads {
            (load.load)(&mut node, node_now).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("community not loaded: {e}"),
                )
            })?;
            sinks.push((load.id, load.sink));
        }
        let (command_tx, commands) = (self.command_tx, self.commands);
        let (events, _) = broadcast::channel(self.config.event_capacity.max(1));
        let (snapshots, snapshot_rx) = watch::channel(Arc::new(Snapshot::placeholder()));
        let demand = Arc::new(Demand::default());
        let channels = Channels {
            commands,
            resolver: command_tx.downgrade(),
            events: events.clone(),
            snapshots,
            demand: Arc::clone(&demand),
        };
        let driver = Driver::new(node, clock, self.config, sockets, channels, sinks);
        let task = tokio::spawn(driver.run());
        Ok(Ipv8::new(
            Ipv8Handle::new(command_tx, snapshot_rx, demand, events),
            task,
        ))
    }
}

/// 64 bits from the OS's per-process hash keys (no extra dependency for one seed).
fn random_seed() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    );
    hasher.finish()
}
