//! The send path: validate the destination, pick the socket by family, `try_send_to` once
//! (never wait for writability), classify and count failures, and attribute per-destination
//! failures to that destination (`Node::handle_send_failed`) so they never poison the socket.
//! Also the LAN beacon sweep.
//!
//! With `DriverConfig::batch_syscalls` the datagrams of a turn are queued and sent together
//! ([`DatagramSocket::try_send_batch`]: `sendmmsg`, and on Linux one GSO message for a run of
//! datagrams to one destination); a datagram the batch call did not send takes the plain path
//! with the batch call's error, so every error is classified the same way.
//!
//! Ports py-ipv8's `UDPEndpoint.send` (which logged and dropped on any error) with the rules of
//! docs/design/UDP-FAILURES.md §0 items 5–6 and §7.

use std::io;
use std::net::SocketAddr;

use ipv8_udp::{DatagramSocket, DestinationError, ErrorClass, Family, Op, Os, Rebinder};
use tokio::time::Instant;

use super::Driver;
use crate::beacon::{Step, Sweep};
use crate::sockets::NoSocket;

/// Datagrams [`Driver::flush_outbox`] offers one batched send: a `sendmmsg` takes up to
/// [`ipv8_udp::BATCH_LEN`], a GSO run up to [`ipv8_udp::GSO_MAX_SEGMENTS`].
const WINDOW: usize = if ipv8_udp::BATCH_LEN > ipv8_udp::GSO_MAX_SEGMENTS {
    ipv8_udp::BATCH_LEN
} else {
    ipv8_udp::GSO_MAX_SEGMENTS
};
/// Fills the unused part of the window.
const UNSPECIFIED: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::UNSPECIFIED,
    0,
));

impl<R> Driver<R>
where
    R: Rebinder + Send + 'static,
    R::Socket: Send + Sync + 'static,
{
    /// Sends one datagram of the node on the plain path.
    pub(super) fn transmit(&mut self, now: Instant, to: SocketAddr, bytes: &[u8]) {
        if let Some(to) = self.check_destination(now, to) {
            self.send_checked(now, to, bytes, None);
        }
    }

    /// Queues one datagram of the node for [`Self::flush_outbox`] (batched sends), or sends it
    /// at once on the plain path.
    pub(super) fn queue(&mut self, now: Instant, to: SocketAddr, bytes: Vec<u8>) {
        if !self.config.batch_syscalls {
            self.transmit(now, to, &bytes);
            self.node.recycle(bytes);
            return;
        }
        if let Some(to) = self.check_destination(now, to) {
            self.outbox.push((to, bytes));
        }
    }

    /// Sends the queued datagrams, up to [`ipv8_udp::BATCH_LEN`] per `sendmmsg`, or a run to one
    /// destination as one GSO message (`ipv8_udp::SendBatch`). A datagram the batch call did
    /// not send goes through [`Self::send_checked`], which sends it once more and classifies,
    /// counts and attributes its error as the plain path does.
    pub(super) fn flush_outbox(&mut self, now: Instant) {
        if self.outbox.is_empty() {
            return;
        }
        let outbox = std::mem::take(&mut self.outbox);
        for family in [Family::V4, Family::V6] {
            let mut queued = outbox
                .iter()
                .filter(|(to, _)| Family::of(to.ip()) == family)
                .map(|(to, bytes)| (bytes.as_slice(), *to));
            // The next datagrams of the family, on the stack (no list per flush): as many as
            // one call can take, a GSO run of the most segments.
            let mut window = [(&[][..], UNSPECIFIED); WINDOW];
            let mut len = 0;
            loop {
                for slot in &mut window[len..] {
                    let Some(next) = queued.next() else { break };
                    *slot = next;
                    len += 1;
                }
                if len == 0 {
                    break;
                }
                let sent = match self.sockets.try_send_batch(&window[..len]) {
                    Ok(sent) if sent > 0 => {
                        let sent = sent.min(len);
                        for (bytes, _) in &window[..sent] {
                            self.counters.traffic.sent(bytes.len());
                        }
                        self.watchdog.on_send_ok(now);
                        sent
                    }
                    // The first datagram failed: its error goes the plain path's way (a
                    // consumed ICMP report drains the error queue and is retried).
                    first => {
                        let (bytes, to) = window[0];
                        self.send_checked(now, to, bytes, first.err());
                        1
                    }
                };
                window.copy_within(sent..len, 0);
                len -= sent;
            }
        }
        self.outbox = outbox;
        // The buffers go back to the node for its next datagrams (`Node::recycle`).
        for (_, bytes) in self.outbox.drain(..) {
            self.node.recycle(bytes);
        }
    }

    /// The destination rules of the send path: the canonical destination, or `None` when the
    /// datagram is rejected (counted, and attributed to the destination where it is at fault).
    fn check_destination(&mut self, now: Instant, to: SocketAddr) -> Option<SocketAddr> {
        let node_now = self.clock.to_node(now);
        let (to, family) = match self.sockets.for_destination(to) {
            Ok((_, to, family)) => (to, family),
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
                return None;
            }
            Err(NoSocket::Unbound) => {
                // A rebind is being retried: not the destination's fault.
                self.counters.rejected.add_no_socket();
                return None;
            }
        };
        if let Err(reason) = ipv8_udp::check_destination(family, to) {
            self.counters.rejected.add(reason);
            self.node.handle_send_failed(node_now, to);
            self.counters.send_failures_attributed += 1;
            return None;
        }
        Some(to)
    }

    /// One `try_send_to` of a checked datagram (or `failed`, the error a batched send already
    /// got for it): a stale ICMP report is retried once, any other failure is classified,
    /// counted, logged and, when the destination is at fault, attributed to it.
    fn send_checked(
        &mut self,
        now: Instant,
        to: SocketAddr,
        bytes: &[u8],
        failed: Option<io::Error>,
    ) {
        let node_now = self.clock.to_node(now);
        let Ok((socket, to, _)) = self.sockets.for_destination(to) else {
            self.counters.rejected.add_no_socket();
            return;
        };
        let os = socket.error_os();
        let mut result = match failed {
            Some(error) => Err(error),
            None => socket.try_send_to(bytes, to),
        };
        if let Err(error) = &result
            && consumed_a_report(socket, os, error)
        {
            // The call consumed a pending ICMP report about an *earlier* datagram (Linux
            // IP_RECVERR, macOS); this datagram was not sent. Count it (the queue is empty
            // now) and try once more: the report is gone.
            self.counters.send_errors.add(ErrorClass::StaleReport);
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

/// Whether a failed send reported a pending ICMP report about an earlier datagram instead of
/// failing on its own account, after emptying the socket's error queue (Linux `IP_RECVERR`; a
/// no-op elsewhere). Codes only ICMP produces ([`ErrorClass::StaleReport`]) always are. Codes
/// that a local route and ICMP share (`EHOSTUNREACH`, `ENETUNREACH`, `EACCES`, `EMSGSIZE`:
/// [`ErrorClass::PerDestination`]) are when the queue held reports: the socket error the send
/// returned came with them, and blaming this destination would be wrong. Draining after every
/// failed send also keeps an `IP_RECVERR` queue from growing until it starves receiving
/// (docs/design/UDP-FAILURES.md §2.1).
fn consumed_a_report<S: DatagramSocket>(socket: &S, os: Os, error: &io::Error) -> bool {
    let drained = socket.drain_error_queue();
    match ipv8_udp::classify_io_for(os, Op::Send, error) {
        ErrorClass::StaleReport => true,
        ErrorClass::PerDestination | ErrorClass::Unknown => drained.is_ok_and(|n| n > 0),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::task::{Context, Poll};

    use ipv8_udp::codes::linux;

    use super::*;

    /// A socket whose error queue holds `queued` reports.
    struct Queue {
        queued: Mutex<usize>,
    }

    impl DatagramSocket for Queue {
        fn poll_recv_from(
            &self,
            _: &mut Context<'_>,
            _: &mut [u8],
        ) -> Poll<io::Result<(usize, SocketAddr)>> {
            Poll::Pending
        }

        fn try_send_to(&self, buf: &[u8], _: SocketAddr) -> io::Result<usize> {
            Ok(buf.len())
        }

        fn local_addr(&self) -> io::Result<SocketAddr> {
            Ok(SocketAddr::from(([0, 0, 0, 0], 1)))
        }

        fn drain_error_queue(&self) -> io::Result<usize> {
            Ok(std::mem::take(&mut *self.queued.lock().unwrap()))
        }
    }

    fn check(code: i32, queued: usize) -> (bool, usize) {
        let socket = Queue {
            queued: Mutex::new(queued),
        };
        let error = io::Error::from_raw_os_error(code);
        let stale = consumed_a_report(&socket, Os::Linux, &error);
        (stale, *socket.queued.lock().unwrap())
    }

    #[test]
    fn a_send_error_is_a_consumed_report_when_the_error_queue_says_so() {
        // ICMP-only codes always are; the queue is emptied either way.
        assert_eq!(check(linux::ECONNREFUSED, 0), (true, 0));
        assert_eq!(check(linux::ECONNREFUSED, 3), (true, 0));
        // Shared with local routes: only with reports queued (IP_RECVERR + ICMP unreachable).
        assert_eq!(check(linux::EHOSTUNREACH, 2), (true, 0));
        assert_eq!(check(linux::EHOSTUNREACH, 0), (false, 0));
        assert_eq!(check(linux::ENETUNREACH, 0), (false, 0));
        // A full queue is pressure, never a report; the error queue is still emptied.
        assert_eq!(check(linux::ENOBUFS, 1), (false, 0));
    }
}
