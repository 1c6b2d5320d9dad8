//! The driver task (docs/design/ARCHITECTURE-STUDY.md §7.3): one tokio task owns the `Node`, the
//! sockets and one timer; there is no lock around protocol state.
//!
//! Replaces py-ipv8's `UDPEndpoint` + asyncio event loop, whose receive loop died silently after
//! one ICMP-caused error on Windows (docs/design/UDP-FAILURES.md §1). Here the loop has **no exit
//! but shutdown**. Each turn:
//!
//! 1. `turn()`: run the node's due timers, the watchdog and a due rebind, drain the node's
//!    outputs (transmits, beacons, DNS look-ups, events), advance a beacon sweep, publish a
//!    snapshot if one is due and wanted (`snapshot.rs`). All time-driven work happens here,
//!    whichever branch woke us, so no branch can starve it.
//! 2. Arm the one `Sleep` at the earliest deadline (node timer, watchdog, rebind retry, snapshot,
//!    storm pause, beacon pacing).
//! 3. `select!` (biased: commands, the timer, address events, then receiving). Receiving takes a
//!    bounded batch (`recv_batch` datagrams *or errors*), so an error storm yields to the rest.
//!
//! The receive path is in `recv.rs`, the send path in `send.rs`, rebinds, interfaces and
//! snapshots in `maintain.rs`.

mod burst;
mod maintain;
mod recv;
mod send;

use std::future::poll_fn;
use std::sync::Arc;
use std::time::Duration;

use ipv8_proto::{Event, Node, Output};
use ipv8_udp::{NetEvent, NetWatcher, Rebinder};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;

use crate::beacon::Sweep;
use crate::clock::Clock;
use crate::config::DriverConfig;
use crate::counters::Counters;
use crate::handle::Command;
use crate::health::RebindRecord;
use crate::overlay::EventSink;
use crate::ratelog::{RateLimitedLog, addr_list};
use crate::rebind::RebindSchedule;
use crate::snapshot::{Demand, Pacer, Snapshot};
use crate::sockets::Sockets;
use crate::watchdog::Watchdog;

/// The channels the driver serves.
pub(crate) struct Channels {
    pub(crate) commands: mpsc::Receiver<Command>,
    /// For resolver tasks; weak, so dropping every handle still closes the channel.
    pub(crate) resolver: mpsc::WeakSender<Command>,
    pub(crate) events: broadcast::Sender<Event>,
    pub(crate) snapshots: watch::Sender<Arc<Snapshot>>,
    /// Requests of readers without a `watch` receiver.
    pub(crate) demand: Arc<Demand>,
}

/// Everything the driver task owns.
pub(crate) struct Driver<R: Rebinder> {
    node: Node,
    clock: Clock,
    config: DriverConfig,
    sockets: Sockets<R>,
    /// One receive buffer that fits any UDP datagram.
    buf: Box<[u8]>,
    /// Datagrams of this turn waiting for the batched send (`DriverConfig::batch_syscalls`).
    outbox: Vec<(std::net::SocketAddr, Vec<u8>)>,
    /// The datagrams of the current receive wakeup, handed to the node together.
    burst: burst::Burst,
    /// The previous wakeup's full burst, whose signatures the verify helpers check while the
    /// driver reads the next one (`recv.rs`: the verification pipeline). Handled first in the
    /// next turn.
    held: burst::Burst,
    channels: Channels,
    watcher: Option<NetWatcher>,
    counters: Counters,
    log: RateLimitedLog,
    watchdog: Watchdog,
    schedule: RebindSchedule,
    pacer: Pacer,
    seq: u64,
    last_receive: Option<Instant>,
    rebinds: u64,
    rebind_failures: u64,
    last_rebind: Option<RebindRecord>,
    sweep: Option<Sweep>,
    /// Event channels of communities, by id.
    sinks: Vec<(ipv8_proto::CommunityId, Box<dyn EventSink>)>,
    /// Consecutive receive batches made only of errors.
    error_batches: u32,
    recv_paused_until: Option<Instant>,
    /// The unicast sockets are out of the reactor (receive moderation).
    parked: bool,
}

/// The shortest wait between two turns, so a deadline that is somehow stuck in the past can
/// never turn the timer branch into a busy loop that starves receiving.
const MIN_WAIT: Duration = Duration::from_micros(50);
/// Pause between two steps of a beacon sweep.
const BEACON_STEP_PAUSE: Duration = Duration::from_millis(1);

impl<R> Driver<R>
where
    R: Rebinder + Send + 'static,
    R::Socket: Send + Sync + 'static,
{
    pub(crate) fn new(
        node: Node,
        clock: Clock,
        config: DriverConfig,
        sockets: Sockets<R>,
        channels: Channels,
        sinks: Vec<(ipv8_proto::CommunityId, Box<dyn EventSink>)>,
    ) -> Self {
        let now = clock.now();
        Self {
            node,
            log: RateLimitedLog::new(config.log_period),
            watchdog: Watchdog::new(config.watchdog, now),
            schedule: RebindSchedule::new(config.rebind),
            pacer: Pacer::new(config.snapshot_interval),
            clock,
            config,
            sockets,
            buf: vec![0; ipv8_udp::RECV_DATAGRAM_LEN].into_boxed_slice(),
            outbox: Vec::new(),
            burst: burst::Burst::default(),
            held: burst::Burst::default(),
            channels,
            watcher: None,
            counters: Counters::default(),
            seq: 0,
            last_receive: None,
            rebinds: 0,
            rebind_failures: 0,
            last_rebind: None,
            sweep: None,
            sinks,
            error_batches: 0,
            recv_paused_until: None,
            parked: false,
        }
    }

    /// Runs until shutdown (a `Shutdown` command, or every handle dropped).
    pub(crate) async fn run(mut self) {
        if self.config.watch_interfaces {
            self.watcher = Some(NetWatcher::new(self.config.interface_resync));
        }
        let now = self.clock.now();
        self.announce_sockets(now, false);
        tracing::info!(bound = %addr_list(&self.sockets.bound()), "ipv8 driver started");
        let sleep = tokio::time::sleep_until(now);
        tokio::pin!(sleep);
        loop {
            let now = self.clock.now();
            self.turn(now);
            let deadline = self.deadline(now);
            sleep.as_mut().reset(deadline);
            // Parked sockets (receive moderation) are read by `turn` when their period ends.
            let receiving = !self.parked && self.recv_paused_until.is_none_or(|until| until <= now);
            tokio::select! {
                biased;
                command = self.channels.commands.recv() => match command {
                    None | Some(Command::Shutdown) => break,
                    Some(command) => self.on_command(command),
                },
                () = &mut sleep => {}
                event = next_net_event(&mut self.watcher) => self.on_net_event(event),
                received = poll_fn(|cx| {
                    let burst = &mut self.burst;
                    self.sockets.poll_recv(cx, &mut self.buf, &mut |from, data| burst.push(from, data))
                }), if receiving => {
                    self.on_recv_batch(received);
                }
                // A held burst is handled in the next turn, without waiting for anything.
                () = std::future::ready(()), if !self.held.is_empty() => {}
            }
        }
        self.stop();
    }

    /// Step 1 of the module docs.
    fn turn(&mut self, now: Instant) {
        if self.recv_paused_until.is_some_and(|until| until <= now) {
            if self.parked {
                self.read_parked(now);
            } else {
                self.recv_paused_until = None;
            }
        }
        if !self.held.is_empty() {
            self.receive_ready(now, None);
        }
        let node_now = self.clock.to_node(now);
        if self
            .node
            .poll_timeout()
            .is_some_and(|(at, _)| at <= node_now)
        {
            self.node.handle_timeout(node_now);
            self.pacer.mark_dirty();
        }
        self.maintain(now);
        self.drain_outputs(now);
        self.step_beacon();
        if self.pacer.due(now) && self.snapshot_wanted() {
            self.publish(now);
        }
    }

    /// Whether anyone will read the next snapshot: a `watch` receiver besides the handles'
    /// shared one, or a pending request from `Ipv8Handle::latest`.
    fn snapshot_wanted(&self) -> bool {
        self.channels.snapshots.receiver_count() > 1 || self.channels.demand.is_wanted()
    }

    /// The earliest moment something is due (step 2 of the module docs).
    fn deadline(&self, now: Instant) -> Instant {
        let mut at = now + Duration::from_secs(3600);
        let mut earliest = |candidate: Option<Instant>| {
            if let Some(candidate) = candidate {
                at = at.min(candidate);
            }
        };
        earliest(
            self.node
                .poll_timeout()
                .map(|(t, _)| self.clock.node_to_tokio(t)),
        );
        if !self.schedule.is_pending() {
            earliest(Some(self.watchdog.deadline(now, self.has_peers())));
        }
        earliest(self.schedule.deadline());
        if self.snapshot_wanted() {
            earliest(self.pacer.deadline());
        }
        earliest(self.recv_paused_until);
        earliest(self.sweep.as_ref().map(|_| now + BEACON_STEP_PAUSE));
        at.max(now + MIN_WAIT)
    }

    fn has_peers(&self) -> bool {
        self.node.network().verified_count() > 0
    }

    /// Hands every queued node output to its destination.
    fn drain_outputs(&mut self, now: Instant) {
        while let Some(output) = self.node.poll_output() {
            self.pacer.mark_dirty();
            match output {
                Output::Transmit(t) => self.queue(now, t.to, t.bytes),
                Output::Beacon { bytes } => self.start_beacon(bytes),
                Output::Resolve { host, port } => self.resolve(host, port),
                Output::Event(event) => {
                    let _ = self.channels.events.send(event); // no subscriber: fine
                }
            }
        }
        self.flush_outbox(now);
        while let Some((community, event)) = self.node.poll_community_event() {
            if let Some(pos) = self.sinks.iter().position(|(id, _)| *id == community)
                && !self.sinks[pos].1.deliver(event)
            {
                // The application dropped the handle: stop delivering.
                self.sinks.remove(pos);
            }
        }
    }

    fn on_command(&mut self, command: Command) {
        let command = match command {
            Command::Wake => return, // the next turn publishes if something changed
            Command::Health(reply) => {
                let _ = reply.send(self.health(self.clock.now(), true));
                return;
            }
            command => command,
        };
        let now = self.clock.now();
        let node_now = self.clock.to_node(now);
        self.pacer.mark_dirty();
        match command {
            Command::WalkTo(addr) => self.node.walk_to(node_now, addr),
            Command::Call(call) => call(&mut self.node, node_now),
            Command::Load(load, reply) => {
                let result = (load.load)(&mut self.node, node_now);
                if result.is_ok() {
                    self.sinks.retain(|(id, _)| *id != load.id);
                    self.sinks.push((load.id, load.sink));
                }
                let _ = reply.send(result.map_err(|e| e.to_string().into()));
            }
            Command::Unload(id, reply) => {
                let removed = self.node.remove_community(node_now, id);
                self.sinks.retain(|(c, _)| *c != id);
                let _ = reply.send(removed);
            }
            Command::Rebind => {
                self.watchdog
                    .request(crate::watchdog::RebindReason::Requested);
            }
            Command::Resolved { host, port, addrs } => {
                self.node.handle_resolved(node_now, &host, port, &addrs);
            }
            Command::Snapshot(reply) => {
                self.drain_outputs(now);
                let _ = reply.send(self.publish(now));
            }
            Command::Wake | Command::Health(_) | Command::Shutdown => {} // above; the loop
        }
    }

    /// Starts a DNS look-up task; its answer comes back as a command.
    fn resolve(&mut self, host: String, port: u16) {
        let Some(reply) = self.channels.resolver.upgrade() else {
            return;
        };
        let timeout = self.config.resolve_timeout;
        tokio::spawn(async move {
            let lookup = tokio::net::lookup_host((host.as_str(), port));
            let addrs = match tokio::time::timeout(timeout, lookup).await {
                // py-ipv8 resolves trackers with gethostbyname: IPv4 only.
                Ok(Ok(found)) => found.filter(std::net::SocketAddr::is_ipv4).collect(),
                Ok(Err(error)) => {
                    tracing::debug!(%host, %error, "tracker name did not resolve");
                    Vec::new()
                }
                Err(_) => Vec::new(),
            };
            let _ = reply.send(Command::Resolved { host, port, addrs }).await;
        });
    }

    /// The final snapshot: the loop has ended, nothing is received any more.
    fn stop(&mut self) {
        let now = self.clock.now();
        self.handle_held(now);
        self.sockets.mark_all_stale();
        self.watcher = None;
        self.publish_with(now, false);
        tracing::info!("ipv8 driver stopped");
    }
}

/// The next address event, or never when the watcher is off.
async fn next_net_event(watcher: &mut Option<NetWatcher>) -> NetEvent {
    match watcher {
        Some(watcher) => watcher.next_event().await,
        None => std::future::pending().await,
    }
}
