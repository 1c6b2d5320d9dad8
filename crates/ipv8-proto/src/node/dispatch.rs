//! Routing of received datagrams by prefix, beacons, and the timer table.
//!
//! Ports py-ipv8 `messaging/interfaces/endpoint.py` (`notify_listeners`: prefix → listeners),
//! the liveness update at the top of `Community.on_packet` (`community.py`), the beacon
//! receiver of `bootstrapping/udpbroadcast/bootstrapper.py` and the periodic tasks of
//! `ipv8_service.py` / `scripts/tracker_service.py`.
//!
//! Order for a datagram: header (≥ 23 bytes, else a counted `Truncated`), statistics (passive),
//! `last_response` of the verified peer at that address, then the overlay (or the tracker).

use std::net::SocketAddr;

use ipv8_wire::{Beacon, Header};

use super::Node;
use super::outputs::TimerReason;
use crate::address::canonical;
use crate::community::walk::walk_to;
use crate::drops::DropReason;
use crate::time::Instant;

/// Tracked prefixes a tracker auto-enables statistics for, at most.
const TRACKER_STAT_PREFIXES: usize = 64;

impl Node {
    /// A datagram arrived from `from` (on the main socket, or on the beacon socket).
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        let from = canonical(from);
        self.core.last_heard = Some(now);
        if Beacon::is_beacon(data) {
            self.handle_beacon(now, from, data);
        } else {
            match Header::parse(data) {
                Ok(header) => self.route(now, from, &header, data),
                Err(_) => self.core.drops.record(DropReason::Truncated),
            }
        }
        self.after_input(now);
    }

    fn route(&mut self, now: Instant, from: SocketAddr, header: &Header, data: &[u8]) {
        let result = if let Some(overlay) = self
            .overlays
            .iter_mut()
            .find(|o| o.state().prefix == header.prefix)
        {
            self.core.stats.record_in(header, data.len(), now);
            self.core.network.touch_by_address(from, now);
            overlay.dispatch(&mut self.core, now, from, header, data)
        } else if let Some(tracker) = &mut self.tracker {
            if self.statistics_on
                && !self.core.stats.is_enabled(&header.prefix)
                && self.core.stats.enabled_count() < TRACKER_STAT_PREFIXES
            {
                self.core.stats.enable(header.prefix);
            }
            self.core.stats.record_in(header, data.len(), now);
            self.core.network.touch_by_address(from, now);
            tracker.handle(&mut self.core, now, from, header, data)
        } else {
            Err(DropReason::UnknownPrefix)
        };
        if let Err(reason) = result {
            tracing::trace!(%from, msg_id = header.msg_id, %reason, "datagram dropped");
            self.core.drops.record(reason);
        }
    }

    /// A beacon for one of our prefixes (with beacons enabled) makes us walk to its sender.
    fn handle_beacon(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        let Ok(beacon) = Beacon::parse(data) else {
            self.core.drops.record(DropReason::ForeignBeacon);
            return;
        };
        let mut walked = false;
        for overlay in &mut self.overlays {
            if overlay.state().prefix == beacon.prefix && overlay.boot().beacon.is_some() {
                walked = true;
                overlay.with_base(&mut self.core, now, &mut |cx, _| walk_to(cx, from));
            }
        }
        if !walked {
            self.core.drops.record(DropReason::ForeignBeacon);
        }
    }

    /// Runs every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        // A community that keeps re-arming at `now` cannot stall the node.
        let mut budget = 10_000u32;
        while let Some(reason) = self.timers.pop_due(now) {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                tracing::warn!("timer budget exhausted; continuing at the next call");
                break;
            }
            match reason {
                TimerReason::Walk => {
                    for overlay in &mut self.overlays {
                        overlay.walk_round(&mut self.core, now);
                    }
                    self.timers.set(TimerReason::Walk, now + self.walk_interval);
                }
                TimerReason::RequestCache => {
                    if let Some(t) = &mut self.tracker {
                        t.expire_pings(&mut self.core, now);
                    }
                }
                TimerReason::TrackerChurn => {
                    if let Some(t) = &mut self.tracker {
                        t.churn(&mut self.core, now);
                        let next = now + t.churn_interval();
                        self.timers.set(TimerReason::TrackerChurn, next);
                    }
                }
                TimerReason::Community(id) => {
                    if let Some(o) = self.overlays.iter_mut().find(|o| o.state().id == id) {
                        o.fire_timers(&mut self.core, now);
                    }
                }
            }
            // Keep community and cache deadlines current between firings.
            self.sync_timers();
        }
        self.after_input(now);
    }

    /// Emits queued events and re-arms the derived timers. Runs after every input.
    pub(crate) fn after_input(&mut self, _now: Instant) {
        self.core.flush_network_events();
        self.sync_timers();
    }

    fn sync_timers(&mut self) {
        for overlay in &self.overlays {
            let reason = TimerReason::Community(overlay.state().id);
            match overlay.state().timers.next() {
                Some((at, _)) if self.timers.deadline(reason) != Some(at) => {
                    self.timers.set(reason, at);
                }
                Some(_) => {}
                None => self.timers.cancel(reason),
            }
        }
        if let Some(t) = &self.tracker {
            let reason = TimerReason::RequestCache;
            match t.next_ping_deadline() {
                Some(at) if self.timers.deadline(reason) != Some(at) => self.timers.set(reason, at),
                Some(_) => {}
                None => self.timers.cancel(reason),
            }
        }
    }
}
