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

use ipv8_wire::{Beacon, Header, SignedPacket, VERSION};

use super::Node;
use super::outputs::TimerReason;
use crate::address::canonical;
use crate::community::walk::walk_to;
use crate::drops::DropReason;
use crate::time::Instant;

/// Tracked prefixes a tracker auto-enables statistics for, at most.
const TRACKER_STAT_PREFIXES: usize = 64;

impl Node {
    /// A burst of datagrams arrived together (one `recvmmsg`): handled in order, exactly as
    /// [`Node::handle_datagram`] handles each. First the signatures of the signed messages
    /// among them go to the crypto provider at once
    /// ([`crate::CryptoProvider::verify_ahead`]), so the default provider checks them in one
    /// Ed25519 batch instead of one by one.
    pub fn handle_datagrams(&mut self, now: Instant, datagrams: &[(SocketAddr, &[u8])]) {
        if datagrams.len() > 1 {
            let signed = self.signed_parts(datagrams);
            if signed.len() > 1 {
                self.core.me.crypto.verify_ahead(&signed);
            }
        }
        for &(from, data) in datagrams {
            self.handle_datagram(now, from, data);
        }
    }

    /// The burst that [`Node::handle_datagrams`] will get after the one it gets next: its
    /// signatures go to the crypto provider now ([`crate::CryptoProvider::verify_soon`]), so
    /// helper threads can check them while this thread handles the burst before. A receiver
    /// that reads burst `k + 1`, calls this, then handles burst `k`, keeps two cores busy.
    /// Changes nothing the node does or answers; without helpers it does nothing.
    pub fn look_ahead(&mut self, datagrams: &[(SocketAddr, &[u8])]) {
        let signed = self.signed_parts(datagrams);
        if signed.len() > 1 {
            self.core.me.crypto.verify_soon(&signed);
        }
    }

    /// `(key, signed part, signature)` of each datagram that an overlay would verify.
    fn signed_parts<'a>(
        &self,
        datagrams: &[(SocketAddr, &'a [u8])],
    ) -> Vec<(&'a [u8], &'a [u8], &'a [u8])> {
        // Sized on the first signed datagram: a burst without any allocates nothing.
        let mut signed = Vec::new();
        for (_, data) in datagrams {
            let Ok(header) = Header::parse(data) else {
                continue;
            };
            let layout = self
                .overlays
                .iter()
                .find(|o| o.state().prefix == header.prefix)
                .and_then(|o| o.signed_layout(header.msg_id));
            if let Some(with_global_time) = layout
                && let Ok(packet) = SignedPacket::parse_with(data, with_global_time)
            {
                if signed.is_empty() {
                    signed.reserve_exact(datagrams.len());
                }
                signed.push((packet.public_key, packet.signed_part, packet.signature));
            }
        }
        signed
    }

    /// A datagram arrived from `from` (on the main socket, or on the beacon socket).
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        let from = canonical(from);
        self.core.last_heard = Some(now);
        if Beacon::is_beacon(data) {
            self.handle_beacon(now, from, data);
        } else {
            match Header::parse(data) {
                Ok(header) => self.route(now, from, &header, data),
                Err(_) => self.core.outbox.drops.record(DropReason::Truncated),
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
            self.core.outbox.stats.record_in(header, data.len(), now);
            self.core.network.touch_by_address(from, now);
            overlay.dispatch(&mut self.core, now, from, header, data)
        } else if let Some(catch_all) = self.overlays.iter_mut().find(|o| o.serves_any_prefix()) {
            if header.prefix.zero() != 0 || header.prefix.version() != VERSION {
                Err(DropReason::UnknownPrefix)
            } else {
                if self.statistics_on
                    && !self.core.outbox.stats.is_enabled(&header.prefix)
                    && self.core.outbox.stats.enabled_count() < TRACKER_STAT_PREFIXES
                {
                    self.core.outbox.stats.enable(header.prefix);
                }
                self.core.outbox.stats.record_in(header, data.len(), now);
                self.core.network.touch_by_address(from, now);
                catch_all.state_mut().foreign_prefix = Some(header.prefix);
                let result = catch_all.dispatch(&mut self.core, now, from, header, data);
                catch_all.state_mut().foreign_prefix = None;
                result
            }
        } else {
            Err(DropReason::UnknownPrefix)
        };
        if let Err(reason) = result {
            tracing::trace!(%from, msg_id = header.msg_id, %reason, "datagram dropped");
            self.core.outbox.drops.record(reason);
        }
    }

    /// A beacon for one of our prefixes (with beacons enabled) makes us walk to its sender.
    fn handle_beacon(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        let Ok(beacon) = Beacon::parse(data) else {
            self.core.outbox.drops.record(DropReason::ForeignBeacon);
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
            self.core.outbox.drops.record(DropReason::ForeignBeacon);
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
    }
}
