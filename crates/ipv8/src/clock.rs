//! The driver's clocks: tokio's monotonic `Instant` (which tests can pause) converted to the
//! node's `ipv8_proto::time::Instant` (microseconds since the driver started), and a wall clock
//! read through an injectable function.
//!
//! The node never reads a clock (docs/design/ARCHITECTURE-STUDY.md §7.5); this is where its `now`
//! comes from. The wall clock is injectable because the watchdog compares it with the monotonic
//! clock to detect suspend/resume: under tokio's paused test clock the two would otherwise
//! disagree.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ipv8_proto::time::{Instant as NodeInstant, WallClock};
use tokio::time::Instant;

/// A wall-clock source (`SystemTime::now` in production).
pub type WallClockFn = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Converts between the driver's and the node's time.
#[derive(Clone)]
pub(crate) struct Clock {
    origin: Instant,
    wall: WallClockFn,
    unix_at_origin: f64,
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clock")
            .field("unix_at_origin", &self.unix_at_origin)
            .finish()
    }
}

impl Clock {
    pub(crate) fn new(wall: WallClockFn) -> Self {
        let origin = Instant::now();
        let unix_at_origin = wall()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        Self {
            origin,
            wall,
            unix_at_origin,
        }
    }

    /// The monotonic time now.
    pub(crate) fn now(&self) -> Instant {
        Instant::now()
    }

    /// The wall clock now.
    pub(crate) fn wall(&self) -> SystemTime {
        (self.wall)()
    }

    /// Time since the driver started.
    pub(crate) fn uptime(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.origin)
    }

    /// `now` as the node's time.
    pub(crate) fn to_node(&self, now: Instant) -> NodeInstant {
        let micros = u64::try_from(self.uptime(now).as_micros()).unwrap_or(u64::MAX);
        NodeInstant::from_micros(micros)
    }

    /// The node's time `at` as a tokio instant (far future for `Instant::MAX`).
    pub(crate) fn node_to_tokio(&self, at: NodeInstant) -> Instant {
        // ~30 years: far enough to mean "never", small enough not to overflow tokio's clock.
        const FAR: Duration = Duration::from_secs(30 * 365 * 24 * 3600);
        self.origin + Duration::from_micros(at.as_micros()).min(FAR)
    }

    /// The node's origin as a Unix time, for rendering its instants (py-ipv8's floats).
    pub(crate) fn wall_clock(&self) -> WallClock {
        WallClock {
            unix_at_origin: self.unix_at_origin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn node_time_follows_the_driver_clock() {
        let clock = Clock::new(Arc::new(|| UNIX_EPOCH + Duration::from_secs(1_000)));
        assert_eq!(clock.wall_clock().unix_at_origin, 1_000.0);
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        let now = clock.now();
        assert_eq!(clock.to_node(now), NodeInstant::from_millis(1_500));
        assert_eq!(
            clock.node_to_tokio(NodeInstant::from_millis(2_000)),
            now + Duration::from_millis(500)
        );
        assert!(clock.node_to_tokio(NodeInstant::MAX) > now + Duration::from_secs(3600 * 24 * 365));
        assert_eq!(clock.uptime(now), Duration::from_millis(1_500));
    }
}
