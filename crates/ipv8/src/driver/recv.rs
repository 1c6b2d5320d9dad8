//! The receive path: a bounded batch per wakeup; every error classified, counted, logged under
//! a rate limit, and followed by the next read. Nothing here can end the loop.
//!
//! This is the part py-ipv8's Proactor transport got wrong (`_loop_reading` posted no new
//! receive after an error completion). docs/design/UDP-FAILURES.md §7: `StaleReport | PerDatagram | Unknown`
//! → count and read again; `Environment | Bug` → also ask the watchdog for a rebind.
//!
//! Datagrams go into the wakeup's [`super::burst::Burst`] as the sockets hand them out (straight
//! from the `recvmmsg` batch when batched, one datagram at a time also when UDP GRO coalesced
//! several); the whole burst then goes to the node in one call.
//!
//! **Verification pipeline.** A burst that filled the whole budget means more is queued. With
//! verify helpers (`DriverConfig::verify_threads`), such a burst is not handled at once: its
//! signatures go to the helpers (`Node::look_ahead`) and it is held, then the previous held
//! burst is handled. The next turn reads again and handles the held burst first. So the helpers
//! check burst `k + 1` while this thread handles burst `k`, instead of waiting while it decodes,
//! answers and reads. Order is kept (held before new), the node's answers are the same, and a
//! burst is held only while more datagrams are waiting: never across a quiet socket.

use std::task::{Context, Poll, Waker};

use ipv8_udp::{ErrorClass, Op, Rebinder};
use tokio::time::Instant;

use super::Driver;
use crate::sockets::{Received, Source};
use crate::watchdog::RebindReason;

impl<R> Driver<R>
where
    R: Rebinder + Send + 'static,
    R::Socket: Send + Sync + 'static,
{
    /// Handles `first` (what woke us) and then up to `recv_batch - 1` more datagrams or errors
    /// that are ready without waiting. The loop re-registers for readiness in its next
    /// `select!`, so polling here with a no-op waker loses no wakeup.
    pub(super) fn on_recv_batch(&mut self, first: Received) {
        let now = self.clock.now();
        self.receive_ready(now, Some(first));
    }

    /// Receive moderation: the moderation period of the parked sockets is over; read what
    /// queued meanwhile. Dense traffic keeps them parked for another period; a quiet socket
    /// goes back to the reactor (a parked socket wakes nobody, so it never stays parked
    /// without a next read due).
    pub(super) fn read_parked(&mut self, now: Instant) {
        self.recv_paused_until = None;
        self.receive_ready(now, None);
        if self.recv_paused_until.is_none() {
            self.set_parked(false);
        }
    }

    /// Takes `first` and then what is ready without waiting (up to `recv_batch` datagrams or
    /// errors in all), hands the datagrams to the node, and decides what comes next: receive
    /// moderation, a storm pause, or nothing. With a burst held (verification pipeline, module
    /// docs) and `first` `None`, it reads on and handles the held burst first.
    pub(super) fn receive_ready(&mut self, now: Instant, first: Option<Received>) {
        let previous = self.last_receive;
        let budget = self.config.recv_batch.max(1);
        let mut datagrams = 0;
        let mut taken = 0;
        if let Some(first) = first {
            datagrams += usize::from(self.on_received(now, first));
            taken += 1;
        }
        let mut cx = Context::from_waker(Waker::noop());
        while taken < budget {
            let burst = &mut self.burst;
            let mut keep = |from, data: &[u8]| burst.push(from, data);
            match self.sockets.poll_recv(&mut cx, &mut self.buf, &mut keep) {
                Poll::Ready(received) => {
                    datagrams += usize::from(self.on_received(now, received));
                    taken += 1;
                }
                Poll::Pending => break,
            }
        }
        if taken >= budget && datagrams > 0 && self.config.verify_threads > 0 {
            // Full budget: more is queued. Pipeline (module docs): look ahead at this burst,
            // handle the one held before, hold this one.
            self.look_ahead();
            self.counters.recv_pipelined = self.counters.recv_pipelined.saturating_add(1);
            self.handle_held(now);
            std::mem::swap(&mut self.burst, &mut self.held);
        } else {
            self.handle_held(now);
            self.handle_burst(now);
        }
        if taken < budget {
            self.error_batches = 0;
            self.coalesce(now, previous, datagrams);
            return;
        }
        self.counters.recv_budget_exhausted = self.counters.recv_budget_exhausted.saturating_add(1);
        if datagrams > 0 {
            self.error_batches = 0;
            if self.parked {
                // More is queued: read on at the next turn.
                self.recv_paused_until = Some(now);
            }
            return;
        }
        // A full batch of nothing but errors: yield (the loop does), and if it keeps happening,
        // stop reading for a moment so a socket that only fails cannot spin a core.
        self.set_parked(false);
        self.error_batches = self.error_batches.saturating_add(1);
        if self.error_batches >= self.config.storm_batches.max(1) {
            self.error_batches = 0;
            self.recv_paused_until = Some(now + self.config.storm_pause);
            self.counters.recv_storm_pauses = self.counters.recv_storm_pauses.saturating_add(1);
        }
    }

    /// Receive moderation (`DriverConfig::recv_coalesce`): the sockets are empty after taking
    /// `datagrams`. When traffic is dense — several datagrams came together, or the previous
    /// ones less than the moderation period ago — park the sockets (out of the reactor, so
    /// arrivals wake nobody) and read again after the period.
    fn coalesce(&mut self, now: Instant, previous: Option<Instant>, datagrams: usize) {
        let period = self.config.recv_coalesce;
        let dense = datagrams >= 2
            || (datagrams == 1 && previous.is_some_and(|at| now.duration_since(at) < period));
        if period.is_zero() || !dense {
            return;
        }
        let until = now + period;
        if self.recv_paused_until.is_none_or(|paused| paused < until) {
            self.recv_paused_until = Some(until);
        }
        self.counters.recv_moderated = self.counters.recv_moderated.saturating_add(1);
        self.set_parked(true);
    }

    /// Takes the unicast sockets out of the reactor for receive moderation, or puts them back
    /// (before receiving again). A socket lost on the way is replaced by a rebind.
    pub(super) fn set_parked(&mut self, parked: bool) {
        if self.parked == parked {
            return;
        }
        self.parked = parked;
        if self.sockets.set_parked(parked) {
            self.watchdog.request(RebindReason::SocketError {
                op: Op::Recv,
                class: ErrorClass::Environment,
            });
        }
    }

    /// Hands the datagrams of this wakeup to the node in one call, so the signatures among
    /// them are verified in one batch ([`ipv8_proto::Node::handle_datagrams`]).
    fn handle_burst(&mut self, now: Instant) {
        if self.burst.is_empty() {
            return;
        }
        let node_now = self.clock.to_node(now);
        if let Some((from, data)) = self.burst.single() {
            // The usual case on a quiet socket: nothing to batch, no list to build.
            self.node.handle_datagram(node_now, from, data);
        } else {
            let datagrams = self.burst.datagrams();
            self.node.handle_datagrams(node_now, &datagrams);
        }
        self.burst.clear();
        self.pacer.mark_dirty();
    }

    /// Gives the current burst's signatures to the verify helpers ([`ipv8_proto::Node::look_ahead`]).
    fn look_ahead(&mut self) {
        let datagrams = self.burst.datagrams();
        self.node.look_ahead(&datagrams);
    }

    /// Handles the held burst, if any (it came before anything read since).
    pub(super) fn handle_held(&mut self, now: Instant) {
        if !self.held.is_empty() {
            std::mem::swap(&mut self.burst, &mut self.held);
            self.handle_burst(now);
            std::mem::swap(&mut self.burst, &mut self.held);
        }
    }

    /// One datagram (already the last of the burst, see [`Self::handle_burst`]) or one error.
    /// Returns whether it was a datagram.
    fn on_received(&mut self, now: Instant, received: Received) -> bool {
        match received.result {
            Ok((len, _)) => {
                match received.source {
                    Source::Main => self.counters.traffic.received(len),
                    Source::Beacon => {
                        self.counters.beacon_datagrams_down =
                            self.counters.beacon_datagrams_down.saturating_add(1);
                    }
                }
                if self.burst.last().is_some_and(ipv8_wire::Beacon::is_beacon) {
                    self.counters.lan_beacons_received =
                        self.counters.lan_beacons_received.saturating_add(1);
                }
                self.last_receive = Some(now);
                self.watchdog.on_datagram(now);
                true
            }
            Err(error) => {
                let class = ipv8_udp::classify_io_for(received.os, Op::Recv, &error);
                self.counters.recv_errors.add(class);
                self.log.log(Op::Recv, class, &error, None, now);
                self.watchdog.on_recv_error(class);
                if matches!(class, ErrorClass::StaleReport | ErrorClass::Unknown) {
                    // An ICMP report (IP_RECVERR): empty the error queue before it eats the
                    // receive buffer. Costs one syscall on a socket without the option.
                    self.sockets.drain_error_queues();
                }
                false
            }
        }
    }
}
