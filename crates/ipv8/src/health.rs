//! [`Health`]: the endpoint's truthful state, published in every [`crate::Snapshot`].
//!
//! py-ipv8's `UDPEndpoint.is_open()` stayed `True` while its receive loop was dead. Here
//! [`Health::is_open`] means *receiving*: the driver task is running its receive loop (which
//! has no exit but shutdown) and at least one unicast socket is bound. Everything a
//! status page needs to tell "quiet network" from "deaf endpoint" is next to it: time since the
//! last datagram, error counters per class, rebinds.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use crate::counters::Counters;
use crate::watchdog::{RebindReason, WatchdogState};

/// One rebind attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RebindRecord {
    /// Why it ran.
    pub reason: RebindReason,
    /// When it ran (wall clock).
    pub at: SystemTime,
    /// Whether every socket was bound again. A failed attempt is retried with backoff.
    pub succeeded: bool,
}

/// The endpoint's health; see the module docs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    /// Receiving: the receive loop is armed and at least one unicast socket is bound.
    pub is_open: bool,
    /// The bound unicast sockets (IPv4 first). Empty while a rebind is being retried.
    pub bound: Vec<SocketAddr>,
    /// The broadcast-beacon socket, when one is open.
    pub beacon_bound: Option<SocketAddr>,
    /// When the last datagram arrived (any socket), if ever.
    pub last_receive: Option<SystemTime>,
    /// How long ago that was, as of the snapshot.
    pub last_receive_age: Option<Duration>,
    /// Traffic, errors per class (receive and send separately), refused sends.
    pub counters: Counters,
    /// Successful rebinds since start.
    pub rebinds: u64,
    /// Failed rebind attempts since start (each was retried).
    pub rebind_failures: u64,
    /// A rebind is scheduled (after a failure, or backing off after a recent one).
    pub rebind_pending: bool,
    /// The most recent attempt.
    pub last_rebind: Option<RebindRecord>,
    /// Time since the driver started.
    pub uptime: Duration,
    /// What the liveness watchdog is watching for.
    pub watchdog: WatchdogState,
}

impl Health {
    /// The health of an endpoint that has not started (or has stopped): nothing bound.
    pub fn closed() -> Self {
        Self {
            is_open: false,
            bound: Vec::new(),
            beacon_bound: None,
            last_receive: None,
            last_receive_age: None,
            counters: Counters::default(),
            rebinds: 0,
            rebind_failures: 0,
            rebind_pending: false,
            last_rebind: None,
            uptime: Duration::ZERO,
            watchdog: WatchdogState::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_is_not_open_and_empty() {
        let h = Health::closed();
        assert!(!h.is_open);
        assert!(h.bound.is_empty());
        assert_eq!(h.counters.recv_errors.total(), 0);
        assert_eq!(h.last_rebind, None);
    }
}
