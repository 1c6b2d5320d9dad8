//! [`CommunityHandle`]: the typed application side of one loaded community — commands in,
//! events out, and calls that run on the community itself.
//!
//! Replaces calling methods on a py-ipv8 `Community` object from other asyncio tasks. The node
//! lives on the driver task; a handle talks to it over the driver's command channel, and the
//! community's [`Cx::emit`] events arrive on a bounded channel of their own.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use ipv8_proto::time::Instant as NodeInstant;
use ipv8_proto::{Community, CommunityId, Cx, DiscoveryStrategy, Node, Peer};
use tokio::sync::{mpsc, oneshot};

use crate::handle::{Command, NodeCall};

/// Undelivered events kept per community; when the application falls behind, newer events are
/// dropped (and logged) rather than memory growing.
pub const EVENT_CAPACITY: usize = 1024;

/// Why a community handle's request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommunityError {
    /// The driver task has stopped.
    DriverGone,
    /// The community is not loaded (any more).
    NotLoaded,
}

impl fmt::Display for CommunityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DriverGone => f.write_str("the ipv8 driver task has stopped"),
            Self::NotLoaded => f.write_str("the community is not loaded"),
        }
    }
}

impl std::error::Error for CommunityError {}

/// Where the driver delivers one community's events.
pub(crate) trait EventSink: Send {
    /// Delivers an event; `false` when the receiver is gone.
    fn deliver(&self, event: Box<dyn Any + Send>) -> bool;
}

impl<E: Send + 'static> EventSink for mpsc::Sender<E> {
    fn deliver(&self, event: Box<dyn Any + Send>) -> bool {
        let Ok(event) = event.downcast::<E>() else {
            return true;
        };
        match self.try_send(*event) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::debug!("community event dropped: the application is not reading");
                true
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }
}

/// A loader the builder or a handle sends to the driver: loads the community into the node.
pub(crate) type Loader =
    Box<dyn FnOnce(&mut Node, NodeInstant) -> Result<(), ipv8_proto::config::ConfigError> + Send>;

/// The pieces of a community about to be loaded.
pub(crate) struct PendingLoad {
    pub(crate) id: CommunityId,
    pub(crate) load: Loader,
    pub(crate) sink: Box<dyn EventSink>,
}

/// Builds the loader, the event channel and the handle of one community.
pub(crate) fn prepare<C: Community>(
    config: ipv8_proto::CommunityConfig,
    community: C,
    commands: mpsc::Sender<Command>,
) -> (PendingLoad, CommunityHandle<C>) {
    let id = config.id;
    let (tx, rx) = mpsc::channel::<C::Event>(EVENT_CAPACITY);
    let load: Loader = Box::new(move |node, now| node.add_community(now, config, community));
    let handle = CommunityHandle {
        id,
        commands,
        events: rx,
        _community: std::marker::PhantomData,
    };
    (
        PendingLoad {
            id,
            load,
            sink: Box::new(tx),
        },
        handle,
    )
}

/// The application's handle on one loaded community of type `C`.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use ipv8::{CommunityConfig, CommunityId, Ipv8Builder, KeyIdentity, NodeConfig, PlainCommunity};
///
/// let mut builder = Ipv8Builder::new(NodeConfig::default(), KeyIdentity::from_seed(1).into_arc());
/// let plain = builder.community(CommunityConfig::new(CommunityId([7; 20]), "Plain"), PlainCommunity);
/// let ipv8 = builder.spawn()?;
/// let peers = plain.peers().await?;
/// println!("{} peers", peers.len());
/// ipv8.shutdown().await?;
/// # Ok(()) }
/// ```
pub struct CommunityHandle<C: Community> {
    id: CommunityId,
    commands: mpsc::Sender<Command>,
    events: mpsc::Receiver<C::Event>,
    _community: std::marker::PhantomData<fn() -> C>,
}

impl<C: Community> fmt::Debug for CommunityHandle<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommunityHandle")
            .field("id", &self.id)
            .field("community", &std::any::type_name::<C>())
            .finish_non_exhaustive()
    }
}

impl<C: Community> CommunityHandle<C> {
    /// The community's id.
    #[must_use]
    pub fn id(&self) -> CommunityId {
        self.id
    }

    async fn node_call(&self, call: NodeCall) -> Result<(), CommunityError> {
        self.commands
            .send(Command::Call(call))
            .await
            .map_err(|_| CommunityError::DriverGone)
    }

    /// Sends a command to the community ([`Community::on_command`]).
    ///
    /// # Errors
    /// The driver stopped or the community is not loaded.
    pub async fn send(&self, command: C::Command) -> Result<(), CommunityError> {
        let id = self.id;
        let (tx, rx) = oneshot::channel();
        self.node_call(Box::new(move |node, now| {
            let delivered = node.send_command(now, id, Box::new(command)).is_ok();
            let _ = tx.send(delivered);
        }))
        .await?;
        match rx.await {
            Ok(true) => Ok(()),
            Ok(false) => Err(CommunityError::NotLoaded),
            Err(_) => Err(CommunityError::DriverGone),
        }
    }

    /// The next event the community emitted ([`Cx::emit`]); `None` once the community is
    /// unloaded or the driver stopped.
    pub async fn next_event(&mut self) -> Option<C::Event> {
        self.events.recv().await
    }

    /// An event if one is waiting, without waiting.
    pub fn try_next_event(&mut self) -> Option<C::Event> {
        self.events.try_recv().ok()
    }

    /// Runs `f` on the community with its context, on the driver task, and returns its result
    /// (py-ipv8: calling a method of the community). Keep `f` short: the node waits for it.
    ///
    /// # Errors
    /// The driver stopped or the community is not loaded.
    pub async fn call<R, F>(&self, f: F) -> Result<R, CommunityError>
    where
        R: Send + 'static,
        F: FnOnce(&mut C, &mut Cx<'_, C>) -> R + Send + 'static,
    {
        let id = self.id;
        let (tx, rx) = oneshot::channel();
        self.node_call(Box::new(move |node, now| {
            let _ = tx.send(node.with_community::<C, R>(now, id, f));
        }))
        .await?;
        rx.await
            .map_err(|_| CommunityError::DriverGone)?
            .ok_or(CommunityError::NotLoaded)
    }

    /// The community's verified peers (py-ipv8 `get_peers`).
    ///
    /// # Errors
    /// The driver stopped or the community is not loaded.
    pub async fn peers(&self) -> Result<Vec<Peer>, CommunityError> {
        self.call(|_, cx| cx.peers()).await
    }

    /// Adds a discovery strategy that runs while the community has fewer than `target_peers`
    /// peers (`-1` = always), py-ipv8 `IPv8.add_strategy`.
    ///
    /// # Errors
    /// The driver stopped or the community is not loaded.
    pub async fn add_strategy(
        &self,
        strategy: impl DiscoveryStrategy<C> + 'static,
        target_peers: i32,
    ) -> Result<(), CommunityError> {
        let id = self.id;
        let (tx, rx) = oneshot::channel();
        let strategy: Box<dyn DiscoveryStrategy<C>> = Box::new(strategy);
        self.node_call(Box::new(move |node, _| {
            let _ = tx.send(node.add_strategy::<C>(id, strategy, target_peers));
        }))
        .await?;
        match rx.await {
            Ok(true) => Ok(()),
            Ok(false) => Err(CommunityError::NotLoaded),
            Err(_) => Err(CommunityError::DriverGone),
        }
    }

    /// Unloads the community (py-ipv8 `unload_overlay`): its `unload` hook runs, its tasks and
    /// caches end, and [`CommunityHandle::next_event`] returns `None` after the events already
    /// sent.
    ///
    /// # Errors
    /// The driver stopped or the community is not loaded.
    pub async fn unload(self) -> Result<(), CommunityError> {
        let id = self.id;
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(Command::Unload(id, tx))
            .await
            .map_err(|_| CommunityError::DriverGone)?;
        match rx.await {
            Ok(true) => Ok(()),
            Ok(false) => Err(CommunityError::NotLoaded),
            Err(_) => Err(CommunityError::DriverGone),
        }
    }
}

/// Shared so a loader's error can travel back as text.
pub(crate) type LoadReply = oneshot::Sender<Result<(), Arc<str>>>;
