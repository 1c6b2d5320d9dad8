//! Rebind scheduling: when the next attempt to rebuild the sockets runs, with capped
//! exponential backoff, so the endpoint never stays dead and never spins.
//!
//! netwatch's `rebind()` leaves its socket `Closed` forever when one bind fails
//! (n0-computer/net-tools#200) and a failed rebind kills iroh's endpoint driver (iroh#4289).
//! Here a failed attempt only schedules the next one; attempts continue until one succeeds or
//! the driver shuts down. Repeated triggers shortly after a successful rebind are spaced out by
//! the same backoff, so a socket that keeps breaking cannot cause a rebind storm. Pure state over
//! the driver's clock; the socket work itself is in `sockets.rs`.

use std::time::Duration;

use tokio::time::Instant;

use crate::watchdog::RebindReason;

/// How rebinds are retried. `Default` holds the production values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RebindConfig {
    /// Delay before retrying a failed rebind; doubles per failure (default 250 ms).
    pub initial_backoff: Duration,
    /// Cap for the delay (default 30 s).
    pub max_backoff: Duration,
    /// A rebind followed by this much calm resets the backoff (default 60 s).
    pub stable_after: Duration,
}

impl Default for RebindConfig {
    fn default() -> Self {
        Self {
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            stable_after: Duration::from_secs(60),
        }
    }
}

/// Capped exponential backoff without jitter (deterministic; one node, no thundering herd).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub(crate) fn new(initial: Duration, max: Duration) -> Self {
        let initial = initial.max(Duration::from_millis(1));
        let max = max.max(initial);
        Self {
            initial,
            max,
            next: initial,
        }
    }

    /// The delay to wait now; the following one is twice as long, up to the cap.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        delay
    }

    pub(crate) fn reset(&mut self) {
        self.next = self.initial;
    }
}

/// The pending attempt and the history the backoff needs.
#[derive(Clone, Debug)]
pub(crate) struct RebindSchedule {
    config: RebindConfig,
    backoff: Backoff,
    pending: Option<(Instant, RebindReason)>,
    last_success: Option<Instant>,
    failures_in_row: u32,
}

impl RebindSchedule {
    pub(crate) fn new(config: RebindConfig) -> Self {
        Self {
            config,
            backoff: Backoff::new(config.initial_backoff, config.max_backoff),
            pending: None,
            last_success: None,
            failures_in_row: 0,
        }
    }

    /// Asks for a rebind. Immediate, unless the last one succeeded less than `stable_after`
    /// ago: then it waits one backoff step. A request while one is pending changes nothing.
    pub(crate) fn request(&mut self, now: Instant, reason: RebindReason) {
        if self.pending.is_some() {
            return;
        }
        let recent = self
            .last_success
            .is_some_and(|t| now.saturating_duration_since(t) < self.config.stable_after);
        let at = if recent {
            now + self.backoff.next_delay()
        } else {
            self.backoff.reset();
            now
        };
        self.pending = Some((at, reason));
    }

    /// The attempt due at `now`, if any (it stays pending until reported).
    pub(crate) fn due(&self, now: Instant) -> Option<RebindReason> {
        self.pending
            .filter(|(at, _)| *at <= now)
            .map(|(_, reason)| reason)
    }

    /// When the pending attempt is due.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.pending.map(|(at, _)| at)
    }

    /// Whether an attempt is scheduled (typically after a failure).
    pub(crate) fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Failed attempts since the last success.
    pub(crate) fn failures_in_row(&self) -> u32 {
        self.failures_in_row
    }

    /// The attempt succeeded.
    pub(crate) fn succeeded(&mut self, now: Instant) {
        self.pending = None;
        self.last_success = Some(now);
        self.failures_in_row = 0;
    }

    /// The attempt failed: retry after the next backoff step. Returns the delay.
    pub(crate) fn failed(&mut self, now: Instant) -> Duration {
        let reason = self.pending.map_or(RebindReason::Requested, |(_, r)| r);
        let delay = self.backoff.next_delay();
        self.pending = Some((now + delay, reason));
        self.failures_in_row = self.failures_in_row.saturating_add(1);
        delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(ms(250), Duration::from_secs(2));
        let delays: Vec<_> = (0..6).map(|_| b.next_delay()).collect();
        assert_eq!(
            delays,
            [ms(250), ms(500), ms(1000), ms(2000), ms(2000), ms(2000)]
        );
        b.reset();
        assert_eq!(b.next_delay(), ms(250));
        // Degenerate configs still make progress.
        let mut zero = Backoff::new(Duration::ZERO, Duration::ZERO);
        assert_eq!(zero.next_delay(), ms(1));
    }

    #[test]
    fn failures_retry_forever_with_backoff() {
        let t0 = Instant::now();
        let mut s = RebindSchedule::new(RebindConfig::default());
        assert_eq!(s.due(t0), None);
        s.request(t0, RebindReason::NetworkChange);
        assert_eq!(s.due(t0), Some(RebindReason::NetworkChange));
        let mut now = t0;
        let mut waited = Vec::new();
        for _ in 0..10 {
            let delay = s.failed(now);
            waited.push(delay);
            assert_eq!(s.due(now), None);
            assert_eq!(s.deadline(), Some(now + delay));
            now += delay;
            assert_eq!(s.due(now), Some(RebindReason::NetworkChange), "reason kept");
        }
        assert_eq!(s.failures_in_row(), 10);
        assert_eq!(&waited[..4], [ms(250), ms(500), ms(1000), ms(2000)]);
        assert_eq!(waited[9], Duration::from_secs(30));
        s.succeeded(now);
        assert!(!s.is_pending());
        assert_eq!(s.failures_in_row(), 0);
    }

    #[test]
    fn triggers_soon_after_success_are_spaced_out() {
        let t0 = Instant::now();
        let mut s = RebindSchedule::new(RebindConfig::default());
        s.request(t0, RebindReason::Requested);
        s.succeeded(t0);
        s.request(t0 + ms(10), RebindReason::Requested);
        assert_eq!(s.deadline(), Some(t0 + ms(260)));
        s.request(t0 + ms(20), RebindReason::NetworkChange); // already pending: ignored
        assert_eq!(s.due(t0 + ms(260)), Some(RebindReason::Requested));
        s.succeeded(t0 + ms(260));
        s.request(t0 + ms(270), RebindReason::Requested);
        assert_eq!(s.deadline(), Some(t0 + ms(770)));
        s.succeeded(t0 + ms(770));
        // After a calm minute the next trigger is immediate again.
        let later = t0 + Duration::from_secs(120);
        s.request(later, RebindReason::Requested);
        assert_eq!(s.deadline(), Some(later));
    }
}
