//! The send path: validate the destination, pick the socket by family, `try_send_to` once
//! (never wait for writability), classify and count failures, and attribute per-destination
//! failures to that destination (`Node::handle_send_failed`) so they never poison the socket.
//! Also the LAN beacon sweep.
//!
//! Ports py-ipv8's `UDPEndpoint.send` (which logged and dropped on any error) with the rules of
//! UDP-FAILURES §0 items 5–6 and §7.

use std::net::SocketAddr;

use ipv8_udp::{DatagramSocket, DestinationError, ErrorClass, Family, Op, Rebinder};
use tokio::time::Instant;

use super::Driver;
use crate::beacon::{Step, Sweep};
use crate::sockets::NoSocket;

impl<R> Driver<R>
where
    R: Rebinder + Send + 'static,
    R::Socket: Send + Sync + 'static,
{
    /// Sends one datagram of the node.
    pub(super) fn transmit(&mut self, now: Instant, to: SocketAddr, bytes: &[u8]) {
        let node_now = self.clock.to_node(now);
        let (socket, to, family) = match self.sockets.for_destination(to) {
            Ok(found) => found,
            Err(NoSocket::Family(destination)) => {
                let socket = match destination {
                    Family::V4 => Family::V6,
                    Family::V6 => Family::V4,
                };
                self.counters.rejected.add(DestinationError::WrongFamily {
                    socket,
                    destination,
                });
                self.node.handle_send_failed(node_now, to);
                self.counters.send_failures_attributed += 1;
                return;
            }
            Err(NoSocket::Unbound) => {
                // A rebind is being retried: not the destination's fault.
                self.counters.rejected.add_no_socket();
                return;
            }
        };
        if let Err(reason) = ipv8_udp::check_destination(family, to) {
            self.counters.rejected.add(reason);
            self.node.handle_send_failed(node_now, to);
            self.counters.send_failures_attributed += 1;
            return;
        }
        let os = socket.error_os();
        let mut result = socket.try_send_to(bytes, to);
        if let Err(error) = &result
            && ipv8_udp::classify_io_for(os, Op::Send, error) == ErrorClass::StaleReport
        {
            // The call consumed a pending ICMP report about an *earlier* datagram (Linux
            // IP_RECVERR, macOS); this datagram was not sent. Count it, clear the queue,
            // and try once more: the report is gone now.
            self.counters.send_errors.add(ErrorClass::StaleReport);
            let _ = socket.drain_error_queue();
            result = socket.try_send_to(bytes, to);
            if result.is_ok() {
                self.counters.stale_send_retries += 1;
            }
        }
        match result {
            Ok(sent) => {
                self.counters.traffic.sent(sent);
                self.watchdog.on_send_ok(now);
            }
            Err(error) => {
                let class = ipv8_udp::classify_io_for(os, Op::Send, &error);
                self.counters.send_errors.add(class);
                self.log.log(Op::Send, class, &error, Some(to), now);
                self.watchdog.on_send_error(now, to, class);
                if matches!(class, ErrorClass::PerDestination | ErrorClass::Unknown) {
                    self.node.handle_send_failed(node_now, to);
                    self.counters.send_failures_attributed += 1;
                }
                // Pressure / NoData: dropped (UDP is lossy; the overlay retries).
                // StaleReport twice in a row: dropped. Environment / Bug: the watchdog decides.
            }
        }
    }

    /// The node asked for a LAN beacon: start a sweep (replacing an unfinished one).
    pub(super) fn start_beacon(&mut self, bytes: Vec<u8>) {
        let beacon = &self.config.beacon;
        if !beacon.enabled {
            self.counters.beacons_suppressed += 1;
            return;
        }
        self.sweep = Some(Sweep::new(bytes, beacon.target, &beacon.ports));
        self.counters.beacons += 1;
    }

    /// Sends the next part of a beacon sweep.
    pub(super) fn step_beacon(&mut self) {
        let Some(sweep) = self.sweep.as_mut() else {
            return;
        };
        let socket = match self.sockets.beacon_or_open() {
            Ok(socket) => socket,
            Err(error) => {
                tracing::warn!(%error, "cannot open the beacon socket; beacon skipped");
                self.sweep = None;
                return;
            }
        };
        if sweep.step(
            socket,
            self.config.beacon.sends_per_turn,
            &mut self.counters,
        ) == Step::Done
        {
            self.sweep = None;
        }
    }
}
