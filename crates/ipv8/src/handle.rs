//! The application side of the driver: [`Ipv8`] (the running node: handle plus task) and
//! [`Ipv8Handle`] (cheap to clone: commands in, snapshots and events out).
//!
//! Replaces direct method calls on py-ipv8's `IPv8` / `Community` objects from other asyncio
//! tasks. Commands travel over a bounded mpsc channel to the one task that owns the node, so
//! protocol state needs no lock; readers get `Arc<Snapshot>`s from a `watch` channel.
//!
//! All clones of a handle share one receiver of that channel, so the driver can tell from the
//! channel's receiver count whether anyone besides the handles watches it (and otherwise builds
//! snapshots only on demand, `snapshot.rs`).

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use ipv8_proto::time::Instant as NodeInstant;
use ipv8_proto::{Community, CommunityConfig, CommunityId, Event, Node};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::health::Health;
use crate::overlay::{CommunityError, CommunityHandle, LoadReply, PendingLoad, prepare};
use crate::snapshot::{Demand, Snapshot};

/// A closure run on the driver task with the node and the current node time.
pub(crate) type NodeCall = Box<dyn FnOnce(&mut Node, NodeInstant) + Send>;

/// What the driver task can be asked to do.
pub(crate) enum Command {
    /// `Node::walk_to`.
    WalkTo(SocketAddr),
    /// Publish and return a fresh snapshot.
    Snapshot(oneshot::Sender<Arc<Snapshot>>),
    /// A reader asked for the next snapshot ([`Demand`]): only wakes the driver.
    Wake,
    /// Return the endpoint's health now (no snapshot built).
    Health(oneshot::Sender<Health>),
    /// Rebuild the sockets now.
    Rebind,
    /// Run a closure on the node.
    Call(NodeCall),
    /// Load a community and attach its event channel.
    Load(PendingLoad, LoadReply),
    /// Unload a community; answers whether it was loaded.
    Unload(CommunityId, oneshot::Sender<bool>),
    /// A DNS answer from a resolver task.
    Resolved {
        host: String,
        port: u16,
        addrs: Vec<SocketAddr>,
    },
    /// Stop the driver.
    Shutdown,
}

/// The driver task has stopped (shut down, or panicked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DriverGone;

impl fmt::Display for DriverGone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the ipv8 driver task has stopped")
    }
}

impl std::error::Error for DriverGone {}

/// Talks to a running driver. Clones share the same driver; when every handle (and the
/// [`Ipv8`] holding one) is dropped, the driver shuts down as if asked to.
#[derive(Clone, Debug)]
pub struct Ipv8Handle {
    commands: mpsc::Sender<Command>,
    /// One receiver for all clones (see the module docs).
    snapshots: Arc<watch::Receiver<Arc<Snapshot>>>,
    demand: Arc<Demand>,
    events: broadcast::Sender<Event>,
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WalkTo(addr) => f.debug_tuple("WalkTo").field(addr).finish(),
            Self::Snapshot(_) => f.write_str("Snapshot"),
            Self::Wake => f.write_str("Wake"),
            Self::Health(_) => f.write_str("Health"),
            Self::Rebind => f.write_str("Rebind"),
            Self::Call(_) => f.write_str("Call"),
            Self::Load(load, _) => f.debug_tuple("Load").field(&load.id).finish(),
            Self::Unload(id, _) => f.debug_tuple("Unload").field(id).finish(),
            Self::Resolved { host, port, addrs } => f
                .debug_struct("Resolved")
                .field("host", host)
                .field("port", port)
                .field("addrs", addrs)
                .finish(),
            Self::Shutdown => f.write_str("Shutdown"),
        }
    }
}

impl Ipv8Handle {
    pub(crate) fn new(
        commands: mpsc::Sender<Command>,
        snapshots: watch::Receiver<Arc<Snapshot>>,
        demand: Arc<Demand>,
        events: broadcast::Sender<Event>,
    ) -> Self {
        Self {
            commands,
            snapshots: Arc::new(snapshots),
            demand,
            events,
        }
    }

    async fn send(&self, command: Command) -> Result<(), DriverGone> {
        self.commands.send(command).await.map_err(|_| DriverGone)
    }

    /// Sends an introduction request to `addr` (py-ipv8 `Community.walk_to`).
    pub async fn walk_to(&self, addr: SocketAddr) -> Result<(), DriverGone> {
        self.send(Command::WalkTo(addr)).await
    }

    /// Asks the driver to rebuild its sockets now (keeping their ports when possible).
    pub async fn rebind(&self) -> Result<(), DriverGone> {
        self.send(Command::Rebind).await
    }

    /// A snapshot taken now (also published to [`Ipv8Handle::watch`]).
    pub async fn snapshot(&self) -> Result<Arc<Snapshot>, DriverGone> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Snapshot(tx)).await?;
        rx.await.map_err(|_| DriverGone)
    }

    /// The endpoint's health now, as a fresh [`snapshot`](Self::snapshot)'s `health` would
    /// be, without cloning the node's tables (for frequent polling of many nodes).
    pub async fn health(&self) -> Result<Health, DriverGone> {
        let (tx, rx) = oneshot::channel();
        self.send(Command::Health(tx)).await?;
        rx.await.map_err(|_| DriverGone)
    }

    /// The most recently published snapshot, without waiting (the final one after the driver
    /// stopped).
    ///
    /// While a [`watch`](Self::watch) receiver exists the driver publishes every change, at
    /// most every `snapshot_interval`, so this is at most that old. Otherwise it builds
    /// snapshots only when asked: this call asks for the next one, so a caller polling
    /// every *p* sees data at most *p* (plus `snapshot_interval`) old — and the first call
    /// after a quiet spell may return an old one. [`snapshot`](Self::snapshot) waits for a
    /// fresh one.
    pub fn latest(&self) -> Arc<Snapshot> {
        if self.demand.request() {
            // A full channel means the driver is about to run a turn anyway, which sees the
            // request; a closed one means there is nothing left to publish.
            let _ = self.commands.try_send(Command::Wake);
        }
        Arc::clone(&self.snapshots.borrow())
    }

    /// A receiver of published snapshots. While one exists, the driver publishes every change
    /// (at most every `snapshot_interval`) instead of on demand.
    pub fn watch(&self) -> watch::Receiver<Arc<Snapshot>> {
        watch::Receiver::clone(&self.snapshots)
    }

    /// Subscribes to node events (peers added and removed, bootstrap, WAN changes). A slow
    /// subscriber loses the oldest events (`broadcast` semantics).
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Runs `f` on the driver task with exclusive access to the node and returns its result.
    /// Outputs `f` causes are handled right after. Keep `f` short: the node waits for it.
    pub async fn with_node<T, F>(&self, f: F) -> Result<T, DriverGone>
    where
        T: Send + 'static,
        F: FnOnce(&mut Node, NodeInstant) -> T + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let call: NodeCall = Box::new(move |node, now| {
            let _ = tx.send(f(node, now));
        });
        self.send(Command::Call(call)).await?;
        rx.await.map_err(|_| DriverGone)
    }

    /// Loads a community into the running node (py-ipv8: adding an overlay at run time) and
    /// returns its typed handle.
    ///
    /// # Errors
    /// The driver stopped, or the node refused the configuration (the message says why: a
    /// duplicate id, a bad `max_peers`, a strategy the community cannot run).
    pub async fn load_community<C: Community>(
        &self,
        config: CommunityConfig,
        community: C,
    ) -> Result<CommunityHandle<C>, LoadError> {
        let (load, handle) = prepare(config, community, self.commands.clone());
        let (tx, rx) = oneshot::channel();
        self.send(Command::Load(load, tx))
            .await
            .map_err(|_| LoadError::Community(CommunityError::DriverGone))?;
        match rx.await {
            Ok(Ok(())) => Ok(handle),
            Ok(Err(message)) => Err(LoadError::Refused(message.to_string())),
            Err(_) => Err(LoadError::Community(CommunityError::DriverGone)),
        }
    }

    /// Asks the driver to stop; returns once the request is queued (see [`Ipv8::shutdown`] to
    /// also wait for the task).
    pub async fn shutdown(&self) -> Result<(), DriverGone> {
        self.send(Command::Shutdown).await
    }

    /// Whether the driver task has stopped.
    pub fn is_closed(&self) -> bool {
        self.commands.is_closed()
    }
}

/// Why a community could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// The driver is gone.
    Community(CommunityError),
    /// The node refused the configuration.
    Refused(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Community(e) => e.fmt(f),
            Self::Refused(why) => write!(f, "community not loaded: {why}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// A running node: its [`Ipv8Handle`] and the driver task.
#[derive(Debug)]
pub struct Ipv8 {
    handle: Ipv8Handle,
    task: JoinHandle<()>,
}

impl Ipv8 {
    pub(crate) fn new(handle: Ipv8Handle, task: JoinHandle<()>) -> Self {
        Self { handle, task }
    }

    /// The handle (clone it to share).
    pub fn handle(&self) -> &Ipv8Handle {
        &self.handle
    }

    /// Stops the driver and waits for it: the last published snapshot says `is_open: false`.
    pub async fn shutdown(self) -> Result<(), DriverGone> {
        let _ = self.handle.shutdown().await;
        self.task.await.map_err(|_| DriverGone)
    }
}

impl std::ops::Deref for Ipv8 {
    type Target = Ipv8Handle;

    fn deref(&self) -> &Ipv8Handle {
        &self.handle
    }
}
