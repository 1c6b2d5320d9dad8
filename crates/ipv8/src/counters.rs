//! Socket-level counters kept by the driver: traffic up and down, I/O errors per
//! [`ErrorClass`] (receive, unicast send and LAN-beacon send separately) and sends refused
//! before reaching the socket.
//!
//! Ports the byte counters of py-ipv8's `messaging/interfaces/statistics_endpoint.py`
//! (`bytes_up`/`bytes_down`) to the driver, as docs/design/ARCHITECTURE-STUDY.md §7.4 asks: they
//! are updated after the syscall result is known and never touch the packet. Message statistics per
//! community stay in the node (`ipv8_proto`'s `Statistics`). Every add saturates.

use ipv8_udp::{DestinationError, ErrorClass};

/// One counter per [`ErrorClass`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ClassCounters {
    counts: [u64; ErrorClass::ALL.len()],
}

impl ClassCounters {
    /// Counts one error of `class`.
    pub fn add(&mut self, class: ErrorClass) {
        let slot = &mut self.counts[class_index(class)];
        *slot = slot.saturating_add(1);
    }

    /// How many errors of `class` were counted.
    pub fn get(&self, class: ErrorClass) -> u64 {
        self.counts[class_index(class)]
    }

    /// All classes together.
    pub fn total(&self) -> u64 {
        self.counts
            .iter()
            .fold(0u64, |sum, n| sum.saturating_add(*n))
    }

    /// Every class with its count, in [`ErrorClass::ALL`] order (zeros included).
    pub fn iter(&self) -> impl Iterator<Item = (ErrorClass, u64)> + '_ {
        ErrorClass::ALL.into_iter().zip(self.counts.iter().copied())
    }
}

/// Position of `class` in [`ErrorClass::ALL`].
pub(crate) const fn class_index(class: ErrorClass) -> usize {
    match class {
        ErrorClass::NoData => 0,
        ErrorClass::StaleReport => 1,
        ErrorClass::PerDatagram => 2,
        ErrorClass::PerDestination => 3,
        ErrorClass::Pressure => 4,
        ErrorClass::Environment => 5,
        ErrorClass::Bug => 6,
        ErrorClass::Unknown => 7,
    }
}

/// Datagrams and bytes that crossed the main (unicast) sockets (py-ipv8's
/// `bytes_up`/`bytes_down`): every datagram, whatever it holds, LAN beacons included; the
/// beacon socket's are counted apart ([`Counters::beacon_datagrams_down`]).
///
/// The overlays' message statistics (`Node` statistics, `GET /overlays`) count something else:
/// messages routed to an overlay, from either socket. For a node with statistics on for every
/// overlay the two reconcile exactly:
/// `datagrams_down + beacon_datagrams_down` = Σ overlay `num_down` + [`Counters::lan_beacons_received`]
/// \+ drops `truncated` + drops `unknown_prefix`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Traffic {
    /// Datagrams the OS accepted for sending.
    pub datagrams_up: u64,
    /// Bytes of those datagrams (UDP payload).
    pub bytes_up: u64,
    /// Datagrams received.
    pub datagrams_down: u64,
    /// Bytes of those datagrams (UDP payload).
    pub bytes_down: u64,
}

impl Traffic {
    /// Records one datagram of `len` bytes sent.
    pub fn sent(&mut self, len: usize) {
        self.datagrams_up = self.datagrams_up.saturating_add(1);
        self.bytes_up = self.bytes_up.saturating_add(len as u64);
    }

    /// Records one datagram of `len` bytes received.
    pub fn received(&mut self, len: usize) {
        self.datagrams_down = self.datagrams_down.saturating_add(1);
        self.bytes_down = self.bytes_down.saturating_add(len as u64);
    }
}

/// Sends the driver refused before calling the socket (destination validation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RejectedSends {
    /// Destination port 0.
    pub port_zero: u64,
    /// `0.0.0.0` / `::` (Linux would deliver it to the local host).
    pub unspecified: u64,
    /// The limited broadcast address on a unicast socket.
    pub broadcast: u64,
    /// A multicast group.
    pub multicast: u64,
    /// An address of a family with no socket, or that the socket cannot reach.
    pub wrong_family: u64,
    /// The node asked to send while no socket of the family was bound (rebind in progress).
    pub no_socket: u64,
}

impl RejectedSends {
    /// Counts one send refused for `reason`.
    pub fn add(&mut self, reason: DestinationError) {
        let slot = match reason {
            DestinationError::PortZero => &mut self.port_zero,
            DestinationError::Unspecified => &mut self.unspecified,
            DestinationError::Broadcast => &mut self.broadcast,
            DestinationError::Multicast => &mut self.multicast,
            DestinationError::WrongFamily { .. } | DestinationError::Ipv4Mapped => {
                &mut self.wrong_family
            }
        };
        *slot = slot.saturating_add(1);
    }

    /// Counts one send dropped because no socket of its family was bound.
    pub fn add_no_socket(&mut self) {
        self.no_socket = self.no_socket.saturating_add(1);
    }

    /// All reasons together.
    pub fn total(&self) -> u64 {
        [
            self.port_zero,
            self.unspecified,
            self.broadcast,
            self.multicast,
            self.wrong_family,
            self.no_socket,
        ]
        .iter()
        .fold(0u64, |sum, n| sum.saturating_add(*n))
    }
}

/// Every socket-level counter of the driver.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Counters {
    /// Traffic through the main (unicast) sockets.
    pub traffic: Traffic,
    /// Receive errors per class. None of them stops the receive loop.
    pub recv_errors: ClassCounters,
    /// Send errors of the unicast sockets per class. The datagram is dropped; the socket keeps
    /// serving other peers. These (and only these) feed the watchdog's send-failure rule.
    pub send_errors: ClassCounters,
    /// Send errors of the LAN beacon sweep per class (one per port that failed). Kept apart
    /// from [`Counters::send_errors`]: a sweep covers 65 534 ports, so a host without a
    /// broadcast route (offline, or a namespace with only loopback) fails tens of thousands of
    /// beacon sends per sweep. They say nothing about the unicast sockets' health, so the
    /// watchdog never sees them and they are never attributed to a peer.
    pub beacon_send_errors: ClassCounters,
    /// Sends refused before the socket was called.
    pub rejected: RejectedSends,
    /// Send errors attributed to their destination (`Node::handle_send_failed`).
    pub send_failures_attributed: u64,
    /// Sends retried once because the first attempt consumed a stale ICMP report
    /// (Linux `IP_RECVERR`, macOS), and the retry succeeded.
    pub stale_send_retries: u64,
    /// Datagrams received on the beacon socket (handed to the node like main-socket ones).
    /// With the beacon on these include the node's own beacon (the sweep covers the beacon
    /// socket's port too) and its introduction requests to itself: its own beacon makes it walk
    /// to its beacon socket, as in py-ipv8; the node drops them as `own_packet`, after the
    /// overlay's message statistics counted them.
    pub beacon_datagrams_down: u64,
    /// Received datagrams (either socket) that are LAN beacons (`00 00 "IPv8" 00 ‖ prefix`).
    /// The node walks to the sender of a beacon for one of its overlays and drops the rest as
    /// `foreign_beacon`; beacons are never counted in the overlays' message statistics.
    pub lan_beacons_received: u64,
    /// Beacon datagrams sent (one per target port).
    pub beacon_datagrams_up: u64,
    /// Beacon sweeps started.
    pub beacons: u64,
    /// Beacons the node asked for while the beacon socket is disabled.
    pub beacons_suppressed: u64,
    /// Receive batches that ended because the per-wakeup budget ran out.
    pub recv_budget_exhausted: u64,
    /// Times receiving paused briefly because a socket returned nothing but errors.
    pub recv_storm_pauses: u64,
    /// Moderation periods: times the driver let dense traffic queue (sockets out of the
    /// reactor) before reading it in one batch (`DriverConfig::recv_coalesce`).
    pub recv_moderated: u64,
    /// Full receive bursts held for the verification pipeline: their signatures went to the
    /// verify helpers while the burst before them was handled (`DriverConfig::verify_threads`).
    pub recv_pipelined: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_counters_are_per_class_and_saturate() {
        let mut c = ClassCounters::default();
        for _ in 0..3 {
            c.add(ErrorClass::StaleReport);
        }
        c.add(ErrorClass::Environment);
        assert_eq!(c.get(ErrorClass::StaleReport), 3);
        assert_eq!(c.get(ErrorClass::Environment), 1);
        assert_eq!(c.get(ErrorClass::Bug), 0);
        assert_eq!(c.total(), 4);
        let listed: Vec<_> = c.iter().filter(|(_, n)| *n > 0).collect();
        assert_eq!(
            listed,
            [(ErrorClass::StaleReport, 3), (ErrorClass::Environment, 1)]
        );
        for class in ErrorClass::ALL {
            assert_eq!(ErrorClass::ALL[class_index(class)], class);
        }
        c.counts[class_index(ErrorClass::Bug)] = u64::MAX;
        c.add(ErrorClass::Bug);
        assert_eq!(c.get(ErrorClass::Bug), u64::MAX);
        assert_eq!(c.total(), u64::MAX);
    }

    #[test]
    fn traffic_and_rejections_count() {
        let mut t = Traffic::default();
        t.sent(100);
        t.sent(23);
        t.received(7);
        assert_eq!(
            t,
            Traffic {
                datagrams_up: 2,
                bytes_up: 123,
                datagrams_down: 1,
                bytes_down: 7
            }
        );
        let mut r = RejectedSends::default();
        r.add(DestinationError::PortZero);
        r.add(DestinationError::Ipv4Mapped);
        r.add_no_socket();
        assert_eq!(
            (r.port_zero, r.wrong_family, r.no_socket, r.total()),
            (1, 1, 1, 3)
        );
    }
}
