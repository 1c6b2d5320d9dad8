//! Keeping the endpoint alive and visible: the watchdog, rebinds with backoff, local addresses
//! for the node, and snapshot publishing.
//!
//! A rebind drops the sockets, binds new ones on the same ports when possible (through the
//! injectable `Rebinder`), and tells the node: `handle_bound`, `handle_local_addresses`,
//! `handle_network_change` (which re-bootstraps). A failed attempt is retried with capped
//! backoff for as long as the driver runs, so the endpoint is never left dead (the net-tools#200
//! / iroh#4289 regressions).

use std::sync::Arc;
use std::time::SystemTime;

use ipv8_proto::LocalInterface;
use ipv8_udp::{NetEvent, Rebinder};
use tokio::time::Instant;

use super::Driver;
use crate::health::{Health, RebindRecord};
use crate::ratelog::addr_list;
use crate::snapshot::{OverlayStatistics, Snapshot};
use crate::watchdog::RebindReason;

impl<R> Driver<R>
where
    R: Rebinder + Send + 'static,
    R::Socket: Send + Sync + 'static,
{
    /// Runs the watchdog and a due rebind.
    pub(super) fn maintain(&mut self, now: Instant) {
        let has_peers = self.has_peers();
        if let Some(reason) = self.watchdog.poll(now, self.clock.wall(), has_peers) {
            if !self.schedule.is_pending() {
                tracing::warn!(
                    reason = %reason.as_str(),
                    detail = %reason,
                    "rebinding the UDP sockets"
                );
            }
            self.schedule.request(now, reason);
        }
        if let Some(reason) = self.schedule.due(now) {
            self.rebind(now, reason);
        }
    }

    /// One rebind attempt. The first attempt for a request replaces every socket; retries
    /// bind only the ones still missing.
    fn rebind(&mut self, now: Instant, reason: RebindReason) {
        if self.schedule.failures_in_row() == 0 {
            self.sockets.mark_all_stale();
            self.sweep = None;
        }
        let before = self.sockets.bound();
        let result = self.sockets.rebind_stale();
        let succeeded = result.is_ok();
        self.last_rebind = Some(RebindRecord {
            reason,
            at: self.clock.wall(),
            succeeded,
        });
        self.pacer.mark_dirty();
        match result {
            Ok(()) => {
                self.schedule.succeeded(now);
                self.watchdog.rebound(now, reason);
                self.rebinds += 1;
                self.error_batches = 0;
                self.recv_paused_until = None;
                self.set_parked(false);
                tracing::info!(bound = %addr_list(&self.sockets.bound()), "UDP sockets rebound");
            }
            Err(error) => {
                let retry_in = self.schedule.failed(now);
                self.rebind_failures += 1;
                tracing::warn!(%error, retry_in_s = retry_in.as_secs_f64(), attempts = self.schedule.failures_in_row(), "rebind failed; retrying");
            }
        }
        let bound = self.sockets.bound();
        if !bound.is_empty() && (succeeded || bound != before) {
            self.announce_sockets(now, true);
        }
    }

    /// Tells the node where it lives now. After a rebind this also starts a re-bootstrap.
    pub(super) fn announce_sockets(&mut self, now: Instant, changed: bool) {
        let node_now = self.clock.to_node(now);
        let bound = self.sockets.bound();
        if !bound.is_empty() {
            self.node.handle_bound(node_now, &bound);
        }
        self.refresh_interfaces(now);
        if changed {
            self.node.handle_network_change(node_now);
        }
        self.pacer.mark_dirty();
    }

    /// Re-reads the local interfaces for the node's LAN logic.
    fn refresh_interfaces(&mut self, now: Instant) {
        match ipv8_udp::local_interfaces() {
            Ok(list) => {
                let ifaces: Vec<LocalInterface> = list
                    .iter()
                    .map(|i| LocalInterface::new(i.ip, i.netmask))
                    .collect();
                self.node
                    .handle_local_addresses(self.clock.to_node(now), &ifaces);
            }
            Err(error) => tracing::warn!(%error, "cannot list local interfaces"),
        }
    }

    /// A local address appeared or disappeared.
    pub(super) fn on_net_event(&mut self, event: NetEvent) {
        let now = self.clock.now();
        match &event {
            NetEvent::Up(net) => tracing::info!(address = %net, "local address appeared"),
            NetEvent::Down(net) => tracing::info!(address = %net, "local address disappeared"),
        }
        self.refresh_interfaces(now);
        self.watchdog.on_network_change(now);
        self.pacer.mark_dirty();
    }

    /// Publishes a snapshot of the running driver.
    pub(super) fn publish(&mut self, now: Instant) -> Arc<Snapshot> {
        self.publish_with(now, true)
    }

    /// Builds, publishes and returns a snapshot; `running: false` for the final one.
    pub(super) fn publish_with(&mut self, now: Instant, running: bool) -> Arc<Snapshot> {
        // Before building: a reader asking from now on may get this one, and asks for the next.
        self.channels.demand.serve();
        self.seq += 1;
        let overlays = self.node.overlays();
        let snapshot = Arc::new(Snapshot {
            seq: self.seq,
            taken_at: self.clock.wall(),
            now: self.clock.to_node(now),
            wall_clock: self.clock.wall_clock(),
            message_statistics: OverlayStatistics::collect(&self.node, &overlays),
            overlays,
            network: self.node.network().clone(),
            statistics: self.node.statistics().clone(),
            drops: self.node.drops().clone(),
            health: self.health(now, running),
        });
        self.channels.snapshots.send_replace(Arc::clone(&snapshot));
        self.pacer.published(now);
        snapshot
    }

    /// The endpoint's health at `now` (`running: false` for the final snapshot).
    pub(super) fn health(&self, now: Instant, running: bool) -> Health {
        let wall = self.clock.wall();
        let age = self
            .last_receive
            .map(|at| now.saturating_duration_since(at));
        Health {
            is_open: running && self.sockets.is_open(),
            bound: self.sockets.bound(),
            beacon_bound: self.sockets.beacon().and_then(|s| s.local_addr().ok()),
            last_receive: age.map(|age| wall.checked_sub(age).unwrap_or(SystemTime::UNIX_EPOCH)),
            last_receive_age: age,
            counters: self.counters,
            rebinds: self.rebinds,
            rebind_failures: self.rebind_failures,
            rebind_pending: self.schedule.is_pending(),
            last_rebind: self.last_rebind,
            uptime: self.clock.uptime(now),
            watchdog: self.watchdog.state(now, self.has_peers()),
        }
    }
}
