//! [`DispersyBootstrapper`]: introduction-requests to the tracker list, with keep-alives and a
//! backoff while no tracker answers.
//!
//! Ports py-ipv8 `bootstrapping/dispersy/bootstrapper.py`. `initialize` blacklists the tracker
//! addresses (done once for the whole node) and asks the driver to resolve the DNS names;
//! `get_addresses` sends an old-style introduction-request to every tracker at most every
//! `bootstrap_timeout` (30 s) — here doubling up to `max_backoff` while rounds stay unanswered;
//! `keep_alive` contacts one random tracker.

use std::net::SocketAddr;
use std::time::Duration;

use super::BootstrapStatus;
use crate::community::Cx;
use crate::community::overlay::walk_to;
use crate::node::outputs::Event;
use crate::time::Instant;

/// Per-overlay tracker bootstrapping state.
#[derive(Debug, Clone, Default)]
pub(crate) struct DispersyBootstrapper {
    pub(crate) initialized: bool,
    last_round: Option<Instant>,
    next_round: Instant,
    /// Rounds sent since the last tracker answer.
    attempts: u32,
    last_response: Option<Instant>,
    reported: bool,
}

impl DispersyBootstrapper {
    fn backoff(&self, timeout: Duration, max: Duration) -> Duration {
        let doublings = self.attempts.saturating_sub(1).min(16);
        timeout.saturating_mul(1u32 << doublings).min(max)
    }

    /// py-ipv8 `initialize` + `get_addresses`.
    pub(crate) fn bootstrap(&mut self, cx: &mut Cx<'_>) {
        let now = cx.now;
        if !self.initialized {
            self.initialized = true;
            let addrs = cx.core.trackers.addrs.clone();
            for addr in addrs {
                cx.core.network.blacklist_address(addr);
            }
        }
        if now < self.next_round {
            return;
        }
        for out in cx.core.trackers.resolve_requests(now) {
            cx.core.out.other(out, &mut cx.core.drops);
        }
        let addrs = cx.core.trackers.addrs.clone();
        for addr in addrs {
            cx.core.network.blacklist_address(addr);
            walk_to(cx, addr);
        }
        self.attempts = self.attempts.saturating_add(1);
        if self.attempts >= 2 {
            // A whole round went unanswered: report the next answer again.
            self.reported = false;
        }
        self.last_round = Some(now);
        let (timeout, max) = (cx.core.trackers.timeout, cx.core.trackers.max_backoff);
        self.next_round = now + self.backoff(timeout, max);
        tracing::debug!(
            community = %cx.ov.id,
            attempts = self.attempts,
            next = %self.next_round,
            "bootstrap round"
        );
    }

    /// py-ipv8 `keep_alive`: one random tracker.
    pub(crate) fn keep_alive(&mut self, cx: &mut Cx<'_>) {
        let addrs = cx.core.trackers.addrs.clone();
        if let Some(addr) = cx.core.boot_rng.choose(&addrs).copied() {
            cx.core.network.blacklist_address(addr);
            walk_to(cx, addr);
        }
    }

    /// A tracker answered.
    pub(crate) fn on_response(&mut self, cx: &mut Cx<'_>, from: SocketAddr) {
        let now = cx.now;
        self.last_response = Some(now);
        self.attempts = 0;
        if let Some(last) = self.last_round {
            let regular = last + cx.core.trackers.timeout;
            if regular < self.next_round {
                self.next_round = regular;
            }
        }
        if !self.reported {
            self.reported = true;
            let community = cx.ov.id;
            cx.core.emit(Event::Bootstrapped {
                community,
                tracker: from,
            });
        }
    }

    /// Next `bootstrap` runs at once.
    pub(crate) fn reset(&mut self) {
        self.next_round = Instant::ZERO;
        self.attempts = 0;
        self.reported = false;
    }

    pub(crate) fn status(&self) -> BootstrapStatus {
        match (self.last_response, self.attempts) {
            (_, n) if n >= 2 => BootstrapStatus::Waiting {
                attempts: n,
                next_attempt: self.next_round,
            },
            (Some(last_response), _) => BootstrapStatus::Reached { last_response },
            (None, 1) => BootstrapStatus::Waiting {
                attempts: 1,
                next_attempt: self.next_round,
            },
            (None, _) => BootstrapStatus::Idle,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let mut d = DispersyBootstrapper::default();
        let (t, max) = (Duration::from_secs(30), Duration::from_secs(240));
        let mut seen = Vec::new();
        for _ in 0..6 {
            d.attempts += 1;
            seen.push(d.backoff(t, max).as_secs());
        }
        assert_eq!(seen, vec![30, 60, 120, 240, 240, 240]);
    }

    #[test]
    fn status_follows_attempts_and_answers() {
        let mut d = DispersyBootstrapper::default();
        assert_eq!(d.status(), BootstrapStatus::Idle);
        d.attempts = 1;
        assert!(matches!(
            d.status(),
            BootstrapStatus::Waiting { attempts: 1, .. }
        ));
        d.last_response = Some(Instant::from_secs(3));
        assert!(matches!(d.status(), BootstrapStatus::Reached { .. }));
        d.attempts = 3;
        assert!(matches!(
            d.status(),
            BootstrapStatus::Waiting { attempts: 3, .. }
        ));
    }
}
