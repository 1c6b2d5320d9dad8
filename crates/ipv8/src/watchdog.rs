//! The liveness watchdog: decides *when* the sockets must be rebuilt (docs/design/UDP-FAILURES.md
//! §0 item 7, §7 "Watchdog").
//!
//! A pure state machine over the driver's monotonic clock (tokio's `Instant`) and a wall-clock
//! sample (`SystemTime`) passed in by the caller, so every rule is unit-tested without sleeping.
//! It asks for a rebind when:
//!
//! * a local address appeared or disappeared (after a short debounce: events come in bursts);
//! * nothing was received for `silence_timeout` while the node has peers, or while it keeps
//!   sending (to trackers, say) without hearing anything back (the timeout doubles, up to
//!   `max_silence_timeout`, while consecutive silence rebinds do not help). The second case
//!   matters: a deaf node loses its peers to churn after 57.5 s and then only talks to trackers;
//!   "peers exist" alone would stop watching exactly when it is needed most;
//! * every send failed for `send_failure_timeout`, with an `Environment` error or towards at
//!   least two destinations (one unreachable peer is not the socket's fault); the timeout
//!   doubles per send-failure rebind until a send succeeds again, so an offline node whose
//!   trackers are unreachable rebinds rarely instead of every few seconds;
//! * the wall clock moved differently from the monotonic clock by more than
//!   `clock_jump_threshold` (suspend/resume: `CLOCK_MONOTONIC` stops while the machine sleeps);
//! * a single error says the socket itself is broken ([`ErrorClass::is_rebind_trigger`] on
//!   receive; `Bug` on send), or the application asked for it.
//!
//! py-ipv8 has no such thing: its dead receive loop went unnoticed until every peer timed out.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use ipv8_udp::{ErrorClass, Op};
use tokio::time::Instant;

/// When the watchdog asks for a rebind. `Default` holds the production values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchdogConfig {
    /// Master switch. Off: only explicit requests ([`crate::Ipv8Handle::rebind`]) and
    /// socket-breaking errors rebind.
    pub enabled: bool,
    /// Rebind when nothing was received for this long while the node has verified peers or
    /// kept sending. Default 30 s: live peers answer walks every few seconds and churn pings
    /// peers silent for 27.5 s; it must stay below churn's 57.5 s drop time.
    pub silence_timeout: Duration,
    /// Upper bound for the silence timeout, which doubles after each silence rebind that
    /// brought no datagram. Default 240 s.
    pub max_silence_timeout: Duration,
    /// Rebind when every send failed for this long (default 10 s).
    pub send_failure_timeout: Duration,
    /// Rebind when wall and monotonic clocks disagree by more than this between two samples
    /// (default 10 s): the machine was suspended, or the clock was stepped.
    pub clock_jump_threshold: Duration,
    /// How often to sample the clocks when nothing else wakes the driver (default 5 s).
    pub clock_sample_interval: Duration,
    /// Rebind after a local address appeared or disappeared.
    pub rebind_on_network_change: bool,
    /// Quiet time after an address event before rebinding, so a burst causes one rebind
    /// (default 500 ms).
    pub network_change_debounce: Duration,
}

impl Default for WatchdogConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            silence_timeout: Duration::from_secs(30),
            max_silence_timeout: Duration::from_secs(240),
            send_failure_timeout: Duration::from_secs(10),
            clock_jump_threshold: Duration::from_secs(10),
            clock_sample_interval: Duration::from_secs(5),
            rebind_on_network_change: true,
            network_change_debounce: Duration::from_millis(500),
        }
    }
}

/// Why the sockets were (or are being) rebuilt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RebindReason {
    /// A local address appeared or disappeared.
    NetworkChange,
    /// Nothing received for `silent_for` although the node has peers.
    Silence {
        /// How long nothing was received.
        silent_for: Duration,
    },
    /// Every send failed for `failing_for`; `class` is the last error's class.
    SendFailures {
        /// How long sends have been failing.
        failing_for: Duration,
        /// The class of the most recent failure.
        class: ErrorClass,
    },
    /// The wall clock moved `skew` more (`forward`) or less than the monotonic clock.
    ClockJump {
        /// The difference between the two clocks' progress.
        skew: Duration,
        /// Whether the wall clock ran ahead (suspend/resume, a forward step).
        forward: bool,
    },
    /// One error said the socket itself is broken.
    SocketError {
        /// The failed operation.
        op: Op,
        /// Its class (`Environment` or `Bug`).
        class: ErrorClass,
    },
    /// The application asked for it.
    Requested,
}

impl RebindReason {
    /// Stable snake_case name for logs, metrics and JSON.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::NetworkChange => "network_change",
            Self::Silence { .. } => "silence",
            Self::SendFailures { .. } => "send_failures",
            Self::ClockJump { .. } => "clock_jump",
            Self::SocketError { .. } => "socket_error",
            Self::Requested => "requested",
        }
    }
}

/// What the watchdog is watching for right now, for `/health` and status pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WatchdogState {
    /// The master switch ([`WatchdogConfig::enabled`]).
    pub enabled: bool,
    /// Whether silence would trigger a rebind now (the node has peers, or sent something
    /// since it last heard anything).
    pub expecting_traffic: bool,
    /// The silence timeout in force (doubles after each fruitless silence rebind).
    pub silence_timeout: Duration,
    /// How long nothing has been received (since the last datagram or rebind).
    pub silent_for: Duration,
    /// The send-failure timeout in force.
    pub send_failure_timeout: Duration,
    /// How long every send has been failing, if they are.
    pub failing_for: Option<Duration>,
    /// A local address changed and a rebind waits for the debounce.
    pub network_change_pending: bool,
}

/// The reason in plain words with its numbers (`nothing received for 31.0 s`), for logs.
impl std::fmt::Display for RebindReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NetworkChange => f.write_str("a local address appeared or disappeared"),
            Self::Silence { silent_for } => {
                write!(f, "nothing received for {:.1} s", silent_for.as_secs_f64())
            }
            Self::SendFailures { failing_for, class } => write!(
                f,
                "every send failed for {:.1} s (last error: {class})",
                failing_for.as_secs_f64()
            ),
            Self::ClockJump { skew, forward } => write!(
                f,
                "the wall clock jumped {:.1} s {}",
                skew.as_secs_f64(),
                if *forward { "forward" } else { "back" }
            ),
            Self::SocketError { op, class } => {
                let op = match op {
                    Op::Recv => "receive",
                    Op::Send => "send",
                };
                write!(f, "a {op} error of class {class} broke the socket")
            }
            Self::Requested => f.write_str("requested by the application"),
        }
    }
}

/// A run of failed sends with no success in between.
#[derive(Clone, Copy, Debug)]
struct FailStreak {
    since: Instant,
    first_to: SocketAddr,
    several_destinations: bool,
    environment: bool,
    last_class: ErrorClass,
}

/// The watchdog's state; see the module docs.
#[derive(Clone, Debug)]
pub(crate) struct Watchdog {
    config: WatchdogConfig,
    quiet_since: Instant,
    /// The last successful send, if any.
    last_send: Option<Instant>,
    silence_rebinds: u32,
    /// Consecutive send-failure rebinds with no successful send in between (offline: the
    /// failure timeout doubles each time instead of rebinding every few seconds forever).
    send_failure_rebinds: u32,
    streak: Option<FailStreak>,
    last_sample: Option<(Instant, SystemTime)>,
    network_change_at: Option<Instant>,
    requested: Option<RebindReason>,
}

impl Watchdog {
    pub(crate) fn new(config: WatchdogConfig, now: Instant) -> Self {
        Self {
            config,
            quiet_since: now,
            last_send: None,
            silence_rebinds: 0,
            send_failure_rebinds: 0,
            streak: None,
            last_sample: None,
            network_change_at: None,
            requested: None,
        }
    }

    /// A datagram arrived.
    pub(crate) fn on_datagram(&mut self, now: Instant) {
        self.quiet_since = now;
        self.silence_rebinds = 0;
    }

    /// A send succeeded: the failure streak ends.
    pub(crate) fn on_send_ok(&mut self, now: Instant) {
        self.streak = None;
        self.send_failure_rebinds = 0;
        self.last_send = Some(now);
    }

    /// Whether silence means something: peers should be talking to us, or we talked since the
    /// last datagram arrived and nobody answered.
    fn expecting_traffic(&self, has_peers: bool) -> bool {
        has_peers || self.last_send.is_some_and(|at| at > self.quiet_since)
    }

    /// A send to `to` failed with `class`.
    pub(crate) fn on_send_error(&mut self, now: Instant, to: SocketAddr, class: ErrorClass) {
        if class == ErrorClass::Bug {
            self.request(RebindReason::SocketError {
                op: Op::Send,
                class,
            });
        }
        if !matches!(
            class,
            ErrorClass::PerDestination
                | ErrorClass::Environment
                | ErrorClass::Unknown
                | ErrorClass::Bug
        ) {
            return; // pressure, stale reports: not the socket's health
        }
        let streak = self.streak.get_or_insert(FailStreak {
            since: now,
            first_to: to,
            several_destinations: false,
            environment: false,
            last_class: class,
        });
        streak.several_destinations |= streak.first_to != to;
        streak.environment |= class == ErrorClass::Environment;
        streak.last_class = class;
    }

    /// A receive failed with `class`.
    pub(crate) fn on_recv_error(&mut self, class: ErrorClass) {
        if class.is_rebind_trigger() {
            self.request(RebindReason::SocketError {
                op: Op::Recv,
                class,
            });
        }
    }

    /// A local address appeared or disappeared.
    pub(crate) fn on_network_change(&mut self, now: Instant) {
        if self.config.enabled && self.config.rebind_on_network_change {
            // Debounce: the rebind happens once the burst has been quiet for a while.
            self.network_change_at = Some(now);
        }
    }

    /// Asks for a rebind at the next [`Watchdog::poll`] (socket errors, the application).
    pub(crate) fn request(&mut self, reason: RebindReason) {
        self.requested.get_or_insert(reason);
    }

    /// The silence timeout in force (doubled per fruitless silence rebind, capped).
    fn silence_timeout(&self) -> Duration {
        self.escalated(self.config.silence_timeout, self.silence_rebinds)
    }

    /// The send-failure timeout in force (doubled per fruitless send-failure rebind, capped).
    fn send_failure_timeout(&self) -> Duration {
        self.escalated(self.config.send_failure_timeout, self.send_failure_rebinds)
    }

    /// `base` doubled `rebinds` times, capped at `max_silence_timeout` (never below `base`).
    fn escalated(&self, base: Duration, rebinds: u32) -> Duration {
        let factor = 1u32 << rebinds.min(16);
        base.saturating_mul(factor)
            .min(self.config.max_silence_timeout.max(base))
    }

    /// Checks every rule at `now` (`wall` is the wall clock read at the same moment) and
    /// returns the reason to rebind, if any. `has_peers`: the node has verified peers.
    pub(crate) fn poll(
        &mut self,
        now: Instant,
        wall: SystemTime,
        has_peers: bool,
    ) -> Option<RebindReason> {
        let jump = self.sample_clocks(now, wall);
        if let Some(reason) = self.requested.take() {
            return Some(reason);
        }
        if !self.config.enabled {
            return None;
        }
        if jump.is_some() {
            return jump;
        }
        if let Some(at) = self.network_change_at
            && now >= at + self.config.network_change_debounce
        {
            return Some(RebindReason::NetworkChange);
        }
        let silent_for = now.saturating_duration_since(self.quiet_since);
        if self.expecting_traffic(has_peers) && silent_for >= self.silence_timeout() {
            return Some(RebindReason::Silence { silent_for });
        }
        if let Some(streak) = self.streak {
            let failing_for = now.saturating_duration_since(streak.since);
            if (streak.environment || streak.several_destinations)
                && failing_for >= self.send_failure_timeout()
            {
                return Some(RebindReason::SendFailures {
                    failing_for,
                    class: streak.last_class,
                });
            }
        }
        None
    }

    /// Compares the progress of both clocks since the previous sample.
    fn sample_clocks(&mut self, now: Instant, wall: SystemTime) -> Option<RebindReason> {
        let previous = self.last_sample.replace((now, wall));
        let (then, wall_then) = previous?;
        let mono = now.saturating_duration_since(then);
        let (wall_elapsed, backwards) = match wall.duration_since(wall_then) {
            Ok(d) => (d, false),
            Err(e) => (e.duration(), true),
        };
        let (skew, forward) = if backwards {
            (wall_elapsed + mono, false)
        } else if wall_elapsed >= mono {
            (wall_elapsed - mono, true)
        } else {
            (mono - wall_elapsed, false)
        };
        (skew > self.config.clock_jump_threshold)
            .then_some(RebindReason::ClockJump { skew, forward })
    }

    /// The sockets were rebuilt at `now` for `reason`: every rule starts over.
    pub(crate) fn rebound(&mut self, now: Instant, reason: RebindReason) {
        self.quiet_since = now;
        self.streak = None;
        self.network_change_at = None;
        self.requested = None;
        match reason {
            RebindReason::Silence { .. } => {
                self.silence_rebinds = self.silence_rebinds.saturating_add(1);
            }
            RebindReason::SendFailures { .. } => {
                self.send_failure_rebinds = self.send_failure_rebinds.saturating_add(1);
            }
            _ => {}
        }
    }

    /// What the watchdog watches for at `now` (`has_peers` as for [`Watchdog::poll`]).
    pub(crate) fn state(&self, now: Instant, has_peers: bool) -> WatchdogState {
        WatchdogState {
            enabled: self.config.enabled,
            expecting_traffic: self.expecting_traffic(has_peers),
            silence_timeout: self.silence_timeout(),
            silent_for: now.saturating_duration_since(self.quiet_since),
            send_failure_timeout: self.send_failure_timeout(),
            failing_for: self.streak.map(|s| now.saturating_duration_since(s.since)),
            network_change_pending: self.network_change_at.is_some(),
        }
    }

    /// The next moment [`Watchdog::poll`] could fire (the driver folds it into its one timer).
    pub(crate) fn deadline(&self, now: Instant, has_peers: bool) -> Instant {
        if self.requested.is_some() {
            return now;
        }
        let mut at = match self.last_sample {
            Some((then, _)) => then + self.config.clock_sample_interval,
            None => now,
        };
        if !self.config.enabled {
            return at;
        }
        if let Some(change) = self.network_change_at {
            at = at.min(change + self.config.network_change_debounce);
        }
        if self.expecting_traffic(has_peers) {
            at = at.min(self.quiet_since + self.silence_timeout());
        }
        if let Some(streak) = self.streak
            && (streak.environment || streak.several_destinations)
        {
            at = at.min(streak.since + self.send_failure_timeout());
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([192, 0, 2, 1], port))
    }

    /// A watchdog at t0 whose clocks have been sampled once; returns it and the clock pair.
    fn armed() -> (Watchdog, Instant, SystemTime) {
        let t0 = Instant::now();
        let w0 = SystemTime::UNIX_EPOCH + secs(1_700_000_000);
        let mut dog = Watchdog::new(WatchdogConfig::default(), t0);
        assert_eq!(dog.poll(t0, w0, true), None);
        (dog, t0, w0)
    }

    #[test]
    fn silence_with_peers_triggers_and_escalates() {
        let (mut dog, t0, w0) = armed();
        let at = |s| (t0 + secs(s), w0 + secs(s));
        let (t, w) = at(29);
        assert_eq!(dog.poll(t, w, true), None);
        assert_eq!(dog.deadline(t, true), t0 + secs(30));
        let (t, w) = at(30);
        assert_eq!(dog.poll(t, w, false), None, "no peers: silence is normal");
        let reason = dog.poll(t, w, true).expect("silence");
        assert_eq!(
            reason,
            RebindReason::Silence {
                silent_for: secs(30)
            }
        );
        dog.rebound(t, reason);
        // Still nothing received: the next silence rebind waits twice as long.
        assert_eq!(dog.poll(t0 + secs(89), w0 + secs(89), true), None);
        assert!(dog.poll(t0 + secs(90), w0 + secs(90), true).is_some());
        // A datagram resets both the timer and the escalation.
        dog.on_datagram(t0 + secs(90));
        assert_eq!(
            dog.deadline(t0 + secs(90), true),
            t0 + secs(95),
            "clock sample first"
        );
        assert_eq!(dog.poll(t0 + secs(119), w0 + secs(119), true), None);
        assert!(dog.poll(t0 + secs(120), w0 + secs(120), true).is_some());
    }

    #[test]
    fn talking_into_the_void_counts_as_silence_too() {
        let (mut dog, t0, w0) = armed();
        assert_eq!(
            dog.poll(t0 + secs(40), w0 + secs(40), false),
            None,
            "idle node: fine"
        );
        dog.on_datagram(t0 + secs(40));
        dog.on_send_ok(t0 + secs(41)); // e.g. a bootstrap request nobody answers
        assert_eq!(
            dog.deadline(t0 + secs(41), false),
            t0 + secs(45),
            "clock sample first"
        );
        assert_eq!(dog.poll(t0 + secs(69), w0 + secs(69), false), None);
        assert_eq!(
            dog.poll(t0 + secs(70), w0 + secs(70), false),
            Some(RebindReason::Silence {
                silent_for: secs(30)
            })
        );
        // An answer ends it.
        dog.on_datagram(t0 + secs(70));
        assert_eq!(dog.poll(t0 + secs(200), w0 + secs(200), false), None);
    }

    #[test]
    fn fruitless_send_failure_rebinds_back_off_until_a_send_succeeds() {
        let (mut dog, t0, _) = armed();
        let reason = RebindReason::SendFailures {
            failing_for: secs(10),
            class: ErrorClass::PerDestination,
        };
        assert_eq!(dog.send_failure_timeout(), secs(10));
        dog.rebound(t0, reason);
        assert_eq!(dog.send_failure_timeout(), secs(20));
        dog.rebound(t0, reason);
        assert_eq!(dog.send_failure_timeout(), secs(40));
        for _ in 0..10 {
            dog.rebound(t0, reason);
        }
        assert_eq!(dog.send_failure_timeout(), secs(240), "capped");
        dog.on_send_ok(t0);
        assert_eq!(
            dog.send_failure_timeout(),
            secs(10),
            "a send got through: start over"
        );
    }

    #[test]
    fn silence_timeout_is_capped() {
        let (mut dog, t0, _) = armed();
        for _ in 0..40 {
            dog.rebound(
                t0,
                RebindReason::Silence {
                    silent_for: secs(1),
                },
            );
        }
        assert_eq!(dog.silence_timeout(), secs(240));
    }

    #[test]
    fn one_bad_destination_is_not_the_sockets_fault() {
        let (mut dog, t0, w0) = armed();
        for s in 0..60 {
            dog.on_datagram(t0 + secs(s));
            dog.on_send_error(t0 + secs(s), addr(1), ErrorClass::PerDestination);
        }
        assert_eq!(dog.poll(t0 + secs(60), w0 + secs(60), true), None);
    }

    #[test]
    fn every_send_failing_for_a_while_triggers() {
        let (mut dog, t0, w0) = armed();
        dog.on_send_error(t0, addr(1), ErrorClass::PerDestination); // EADDRNOTAVAIL on Linux
        dog.on_send_error(t0 + secs(1), addr(2), ErrorClass::PerDestination);
        dog.on_datagram(t0 + secs(9));
        assert_eq!(dog.poll(t0 + secs(9), w0 + secs(9), true), None);
        assert_eq!(dog.deadline(t0 + secs(9), true), t0 + secs(10));
        let reason = dog.poll(t0 + secs(10), w0 + secs(10), true);
        assert_eq!(
            reason,
            Some(RebindReason::SendFailures {
                failing_for: secs(10),
                class: ErrorClass::PerDestination
            })
        );
        // A success in between ends the streak.
        dog.rebound(t0 + secs(10), reason.unwrap());
        dog.on_send_error(t0 + secs(11), addr(1), ErrorClass::Environment);
        dog.on_send_ok(t0 + secs(11));
        dog.on_send_error(t0 + secs(12), addr(1), ErrorClass::Environment);
        assert_eq!(dog.poll(t0 + secs(21), w0 + secs(21), false), None);
        assert!(
            dog.poll(t0 + secs(22), w0 + secs(22), false).is_some(),
            "environment: one dst"
        );
        // Pressure is not a health signal.
        let (mut dog, t0, w0) = armed();
        dog.on_send_error(t0, addr(1), ErrorClass::Pressure);
        dog.on_send_error(t0, addr(2), ErrorClass::Pressure);
        assert_eq!(dog.poll(t0 + secs(20), w0 + secs(20), false), None);
    }

    #[test]
    fn network_change_is_debounced() {
        let (mut dog, t0, w0) = armed();
        dog.on_network_change(t0);
        dog.on_network_change(t0 + Duration::from_millis(300));
        assert_eq!(dog.poll(t0 + Duration::from_millis(700), w0, false), None);
        assert_eq!(dog.deadline(t0, false), t0 + Duration::from_millis(800));
        let t = t0 + Duration::from_millis(800);
        assert_eq!(
            dog.poll(t, w0 + Duration::from_millis(800), false),
            Some(RebindReason::NetworkChange)
        );
        dog.rebound(t, RebindReason::NetworkChange);
        assert_eq!(dog.poll(t + secs(1), w0 + secs(2), false), None);
    }

    #[test]
    fn clock_jumps_both_ways() {
        let (mut dog, t0, w0) = armed();
        // Suspended for an hour: monotonic time advanced 5 s, the wall clock an hour.
        let reason = dog.poll(t0 + secs(5), w0 + secs(3_600), false);
        assert_eq!(
            reason,
            Some(RebindReason::ClockJump {
                skew: secs(3_595),
                forward: true
            })
        );
        // Stepped back by a minute.
        let reason = dog.poll(t0 + secs(10), w0 + secs(3_545), false);
        assert_eq!(
            reason,
            Some(RebindReason::ClockJump {
                skew: secs(60),
                forward: false
            })
        );
        // Small drift is ignored.
        assert_eq!(dog.poll(t0 + secs(20), w0 + secs(3_556), false), None);
    }

    #[test]
    fn broken_socket_errors_and_requests_fire_even_when_disabled() {
        let t0 = Instant::now();
        let w0 = SystemTime::UNIX_EPOCH;
        let config = WatchdogConfig {
            enabled: false,
            ..WatchdogConfig::default()
        };
        let mut dog = Watchdog::new(config, t0);
        dog.on_recv_error(ErrorClass::StaleReport);
        assert_eq!(dog.poll(t0, w0, true), None);
        dog.on_recv_error(ErrorClass::Environment);
        assert_eq!(dog.deadline(t0, true), t0);
        assert_eq!(
            dog.poll(t0, w0, true),
            Some(RebindReason::SocketError {
                op: Op::Recv,
                class: ErrorClass::Environment
            })
        );
        dog.on_send_error(t0, addr(1), ErrorClass::Bug);
        assert_eq!(
            dog.poll(t0, w0, true),
            Some(RebindReason::SocketError {
                op: Op::Send,
                class: ErrorClass::Bug
            })
        );
        // Disabled: no silence rebinds, no clock jumps.
        assert_eq!(dog.poll(t0 + secs(1_000), w0 + secs(99_999), true), None);
        dog.request(RebindReason::Requested);
        assert_eq!(dog.poll(t0, w0, true), Some(RebindReason::Requested));
        assert_eq!(RebindReason::Requested.as_str(), "requested");
    }
}
