//! Time as an input: [`Instant`] (microseconds since the node's origin) and [`WallClock`].
//!
//! Replaces py-ipv8's calls to `time.time()` (`peer.py`, `peerdiscovery/*.py`,
//! `requestcache.py`). The core never reads a clock: every `handle_*` call carries `now`, and
//! there is deliberately no `Instant::now()`. The driver converts its monotonic clock (the
//! simulator its virtual clock) into an `Instant`; REST renders py-ipv8's Unix floats through
//! [`WallClock`].

use std::fmt;
use std::ops::{Add, AddAssign, Sub};
use std::time::Duration;

/// A point in time: microseconds since the node's (or the simulation's) origin.
///
/// `Instant::ZERO` is a valid time. Arithmetic saturates instead of overflowing, so hostile or
/// buggy inputs can never panic the core.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(u64);

impl Instant {
    /// The origin.
    pub const ZERO: Self = Self(0);
    /// The farthest representable time (used as "never").
    pub const MAX: Self = Self(u64::MAX);

    /// An instant `micros` microseconds after the origin.
    #[must_use]
    pub const fn from_micros(micros: u64) -> Self {
        Self(micros)
    }

    /// An instant `millis` milliseconds after the origin (saturating).
    #[must_use]
    pub const fn from_millis(millis: u64) -> Self {
        Self(millis.saturating_mul(1_000))
    }

    /// An instant `secs` seconds after the origin (saturating).
    #[must_use]
    pub const fn from_secs(secs: u64) -> Self {
        Self(secs.saturating_mul(1_000_000))
    }

    /// An instant `secs` (fractional) seconds after the origin; negative values clamp to zero
    /// and values beyond the range saturate.
    #[must_use]
    pub fn from_secs_f64(secs: f64) -> Self {
        if secs <= 0.0 {
            Self::ZERO
        } else {
            // Truncation is intended: sub-microsecond precision does not exist here.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Self((secs * 1e6) as u64)
        }
    }

    /// Microseconds since the origin.
    #[must_use]
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Seconds since the origin as a float (for logs and REST).
    #[must_use]
    pub fn as_secs_f64(self) -> f64 {
        // u64 -> f64 loses precision only beyond 2^53 µs (285 years).
        #[allow(clippy::cast_precision_loss)]
        let micros = self.0 as f64;
        micros / 1_000_000.0
    }

    /// The time elapsed from `earlier` to `self`, or zero when `earlier` is later.
    #[must_use]
    pub const fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }

    /// `self + d`, or `None` on overflow.
    #[must_use]
    pub fn checked_add(self, d: Duration) -> Option<Self> {
        let micros = u64::try_from(d.as_micros()).ok()?;
        self.0.checked_add(micros).map(Self)
    }

    /// `self + d`, clamped to [`Instant::MAX`].
    #[must_use]
    pub fn saturating_add(self, d: Duration) -> Self {
        self.checked_add(d).unwrap_or(Self::MAX)
    }

    /// `self - d`, clamped to [`Instant::ZERO`].
    #[must_use]
    pub fn saturating_sub(self, d: Duration) -> Self {
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        Self(self.0.saturating_sub(micros))
    }
}

impl Add<Duration> for Instant {
    type Output = Self;

    /// Saturating addition.
    fn add(self, rhs: Duration) -> Self {
        self.saturating_add(rhs)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = self.saturating_add(rhs);
    }
}

impl Sub<Duration> for Instant {
    type Output = Self;

    /// Saturating subtraction.
    fn sub(self, rhs: Duration) -> Self {
        self.saturating_sub(rhs)
    }
}

impl Sub for Instant {
    type Output = Duration;

    /// Saturating difference (zero when `rhs` is later).
    fn sub(self, rhs: Self) -> Duration {
        self.saturating_duration_since(rhs)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}s", self.0 / 1_000_000, self.0 % 1_000_000)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Maps [`Instant`]s to Unix time, for py-ipv8's float timestamps (REST statistics, drift).
///
/// The driver fills `unix_at_origin` once from the system clock when it creates the node; the
/// simulator picks any constant. The core itself never needs it.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct WallClock {
    /// Unix time (seconds, as a float) at `Instant::ZERO`.
    pub unix_at_origin: f64,
}

impl WallClock {
    /// A clock whose origin is at `unix_at_origin` seconds since the Unix epoch.
    #[must_use]
    pub const fn new(unix_at_origin: f64) -> Self {
        Self { unix_at_origin }
    }

    /// Unix seconds at `instant`.
    #[must_use]
    pub fn to_unix(&self, instant: Instant) -> f64 {
        self.unix_at_origin + instant.as_secs_f64()
    }

    /// Unix seconds at `instant`, or `0.0` for "never" (py-ipv8's convention in `NetworkStat`).
    #[must_use]
    pub fn to_unix_or_zero(&self, instant: Option<Instant>) -> f64 {
        instant.map_or(0.0, |i| self.to_unix(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        let t = Instant::from_secs(2);
        assert_eq!(
            t + Duration::from_millis(500),
            Instant::from_micros(2_500_000)
        );
        assert_eq!(Instant::MAX + Duration::from_secs(1), Instant::MAX);
        assert_eq!(Instant::ZERO - Duration::from_secs(1), Instant::ZERO);
        assert_eq!(Instant::ZERO - t, Duration::ZERO);
        assert_eq!(t - Instant::from_secs(1), Duration::from_secs(1));
        assert_eq!(Instant::from_secs(u64::MAX), Instant::MAX);
    }

    #[test]
    fn debug_is_stable_and_wallclock_converts() {
        assert_eq!(
            format!("{:?}", Instant::from_micros(1_500_000)),
            "1.500000s"
        );
        let wall = WallClock::new(1_000.0);
        assert!((wall.to_unix(Instant::from_millis(1_500)) - 1_001.5).abs() < 1e-9);
        assert!(wall.to_unix_or_zero(None).abs() < f64::EPSILON);
    }
}
