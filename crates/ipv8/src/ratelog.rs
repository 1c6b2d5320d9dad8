//! Rate-limited logging of I/O errors: at most one line per (operation, class) per period, and
//! that line says how many errors were suppressed since the previous one.
//!
//! iroh hit WARN storms and 100 % CPU on Windows by logging every `WSAECONNRESET`
//! (n0-computer/noq#737, net-tools#200); quinn-udp logs once per minute. The limiter is a pure
//! state machine over the caller's clock, so it is unit-tested without time passing.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use ipv8_udp::{ErrorClass, Op};
use tokio::time::Instant;

use crate::counters::class_index;

/// Addresses for a log field: `127.0.0.1:8090, [::]:8090` (`none` when empty), not Rust's
/// `[127.0.0.1:8090]` debug form.
pub(crate) fn addr_list(addrs: &[SocketAddr]) -> String {
    if addrs.is_empty() {
        return "none".to_owned();
    }
    addrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The default period: one line per class per minute.
pub const DEFAULT_LOG_PERIOD: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    last: Option<Instant>,
    suppressed: u64,
}

/// Decides which errors get a log line.
#[derive(Clone, Debug)]
pub(crate) struct RateLimitedLog {
    period: Duration,
    slots: [Slot; 2 * ErrorClass::ALL.len()],
}

impl RateLimitedLog {
    pub(crate) fn new(period: Duration) -> Self {
        Self {
            period,
            slots: [Slot::default(); 2 * ErrorClass::ALL.len()],
        }
    }

    /// Records one error; `Some(suppressed)` when a line is due now, with the number of errors
    /// of this kind that were not logged since the last line.
    pub(crate) fn admit(&mut self, op: Op, class: ErrorClass, now: Instant) -> Option<u64> {
        let slot = &mut self.slots[slot_index(op, class)];
        let due = match slot.last {
            None => true,
            Some(last) => now.saturating_duration_since(last) >= self.period,
        };
        if due {
            slot.last = Some(now);
            Some(std::mem::take(&mut slot.suppressed))
        } else {
            slot.suppressed = slot.suppressed.saturating_add(1);
            None
        }
    }

    /// Logs `error` through `tracing` if [`RateLimitedLog::admit`] allows it. The level follows
    /// the class: `Bug` is an error, `Environment` a warning, the rest are expected on the
    /// Internet and logged at debug level.
    pub(crate) fn log(
        &mut self,
        op: Op,
        class: ErrorClass,
        error: &io::Error,
        peer: Option<SocketAddr>,
        now: Instant,
    ) {
        let Some(suppressed) = self.admit(op, class, now) else {
            return;
        };
        let op = match op {
            Op::Recv => "recv",
            Op::Send => "send",
        };
        let class = class.as_str();
        match class {
            "bug" => {
                tracing::error!(op = %op, class = %class, %error, peer = peer.map(tracing::field::display), suppressed, "UDP error (ours)")
            }
            "environment" => {
                tracing::warn!(op = %op, class = %class, %error, peer = peer.map(tracing::field::display), suppressed, "UDP error: network changed?")
            }
            _ => {
                tracing::debug!(op = %op, class = %class, %error, peer = peer.map(tracing::field::display), suppressed, "UDP error (tolerated)")
            }
        }
    }
}

const fn slot_index(op: Op, class: ErrorClass) -> usize {
    match op {
        Op::Recv => class_index(class),
        Op::Send => ErrorClass::ALL.len() + class_index(class),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_class_per_period_with_suppressed_count() {
        let mut log = RateLimitedLog::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let stale = ErrorClass::StaleReport;
        assert_eq!(log.admit(Op::Recv, stale, t0), Some(0));
        for i in 1..=9_999u64 {
            let at = t0 + Duration::from_millis(i * 5); // ~50 s of errors
            assert_eq!(log.admit(Op::Recv, stale, at), None);
        }
        // Other classes and the other direction have their own budget.
        assert_eq!(log.admit(Op::Recv, ErrorClass::Pressure, t0), Some(0));
        assert_eq!(log.admit(Op::Send, stale, t0), Some(0));
        // After the period, one line reporting everything that was swallowed.
        assert_eq!(
            log.admit(Op::Recv, stale, t0 + Duration::from_secs(60)),
            Some(9_999)
        );
        assert_eq!(
            log.admit(Op::Recv, stale, t0 + Duration::from_secs(61)),
            None
        );
        assert_eq!(
            log.admit(Op::Recv, stale, t0 + Duration::from_secs(120)),
            Some(1)
        );
    }

    #[test]
    fn slots_are_distinct() {
        let mut seen = std::collections::BTreeSet::new();
        for op in [Op::Recv, Op::Send] {
            for class in ErrorClass::ALL {
                assert!(seen.insert(slot_index(op, class)));
            }
        }
        assert_eq!(seen.len(), 16);
        // Logging itself never panics, whatever the class.
        let mut log = RateLimitedLog::new(DEFAULT_LOG_PERIOD);
        for class in ErrorClass::ALL {
            let err = io::Error::from_raw_os_error(104);
            log.log(
                Op::Send,
                class,
                &err,
                Some(([127, 0, 0, 1], 1).into()),
                Instant::now(),
            );
        }
    }
}
