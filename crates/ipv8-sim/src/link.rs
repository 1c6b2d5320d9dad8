//! Link models: latency, jitter, loss, duplication and reordering, per link or as a default.
//!
//! A datagram's fate on a link is drawn once at send time from the simulator's rng: it is lost,
//! or delivered once or twice (duplication), each copy after `latency ± jitter`, plus
//! `reorder_delay` with probability `reorder` so it overtakes nothing and is overtaken instead.

use std::collections::HashMap;
use std::time::Duration;

use crate::seed::SimRng;

/// How one (bidirectional) link treats datagrams.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkModel {
    /// Base one-way delay.
    pub latency: Duration,
    /// Uniform jitter: each copy is delayed `latency ± jitter` (never below zero).
    pub jitter: Duration,
    /// Probability that a datagram is lost.
    pub loss: f64,
    /// Probability that a delivered datagram arrives twice (the copy draws its own delay).
    pub duplicate: f64,
    /// Probability that a copy is held back by `reorder_delay` (so later datagrams overtake it).
    pub reorder: f64,
    /// Extra delay for reordered copies.
    pub reorder_delay: Duration,
}

impl Default for LinkModel {
    /// 50 ms, no jitter, no loss: a quiet wide-area link.
    fn default() -> Self {
        Self::ideal(Duration::from_millis(50))
    }
}

impl LinkModel {
    /// A link with a fixed delay and no faults.
    #[must_use]
    pub const fn ideal(latency: Duration) -> Self {
        Self {
            latency,
            jitter: Duration::ZERO,
            loss: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            reorder_delay: Duration::ZERO,
        }
    }

    /// A link with `latency ± jitter` and loss probability `loss`.
    #[must_use]
    pub const fn wan(latency: Duration, jitter: Duration, loss: f64) -> Self {
        Self {
            jitter,
            loss,
            ..Self::ideal(latency)
        }
    }

    /// Same link with a duplication probability.
    #[must_use]
    pub const fn with_duplicate(mut self, p: f64) -> Self {
        self.duplicate = p;
        self
    }

    /// Same link with reordering: probability `p`, extra delay `delay`.
    #[must_use]
    pub const fn with_reorder(mut self, p: f64, delay: Duration) -> Self {
        self.reorder = p;
        self.reorder_delay = delay;
        self
    }

    /// Draws the delay of one copy.
    fn draw_delay(&self, rng: &mut SimRng) -> Duration {
        let mut d = self.latency;
        if !self.jitter.is_zero() {
            let j = u64::try_from(self.jitter.as_micros()).unwrap_or(u64::MAX / 4);
            let offset = rng.below(2 * j + 1);
            d = (d + Duration::from_micros(offset)).saturating_sub(self.jitter);
        }
        if rng.chance(self.reorder) {
            d += self.reorder_delay;
        }
        d
    }

    /// Draws the fate of one datagram: the delays of the copies to deliver (empty = lost).
    pub fn draw(&self, rng: &mut SimRng) -> Fate {
        if rng.chance(self.loss) {
            return Fate::Lost;
        }
        let first = self.draw_delay(rng);
        if rng.chance(self.duplicate) {
            Fate::Twice(first, self.draw_delay(rng))
        } else {
            Fate::Once(first)
        }
    }
}

/// What happens to one datagram on a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Dropped on the link.
    Lost,
    /// Delivered after this delay.
    Once(Duration),
    /// Delivered twice (duplication), after each delay.
    Twice(Duration, Duration),
}

/// Link models for every pair of endpoints: a default plus per-pair overrides.
///
/// Pairs are unordered and keyed by the simulator's host ids (the overrides map is only ever
/// looked up, never iterated, so its hashing cannot affect a run).
#[derive(Clone, Debug, Default)]
pub struct LinkTable {
    /// Model for any pair without an override.
    pub default: LinkModel,
    /// Model for two hosts inside the same NAT'd LAN.
    pub lan: LanModel,
    overrides: HashMap<(u32, u32), LinkModel>,
}

/// The model used between two hosts behind the same NAT (their LAN).
#[derive(Clone, Copy, Debug)]
pub struct LanModel(pub LinkModel);

impl Default for LanModel {
    fn default() -> Self {
        Self(LinkModel::ideal(Duration::from_millis(1)))
    }
}

impl LinkTable {
    /// A table using `default` for every pair.
    #[must_use]
    pub fn new(default: LinkModel) -> Self {
        Self {
            default,
            ..Self::default()
        }
    }

    /// Overrides the model between hosts `a` and `b` (both directions).
    pub fn set(&mut self, a: u32, b: u32, model: LinkModel) {
        self.overrides.insert(key(a, b), model);
    }

    /// Removes the override between `a` and `b`.
    pub fn clear(&mut self, a: u32, b: u32) {
        self.overrides.remove(&key(a, b));
    }

    /// True when some pair has its own model (the sim then resolves receivers at send time).
    #[must_use]
    pub fn has_overrides(&self) -> bool {
        !self.overrides.is_empty()
    }

    /// The model between `a` and `b` (`b` unknown: the default).
    #[must_use]
    pub fn get(&self, a: u32, b: Option<u32>) -> &LinkModel {
        b.and_then(|b| self.overrides.get(&key(a, b)))
            .unwrap_or(&self.default)
    }
}

fn key(a: u32, b: u32) -> (u32, u32) {
    if a <= b { (a, b) } else { (b, a) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_in_bounds_and_loss_rate_is_plausible() {
        let m = LinkModel::wan(Duration::from_millis(50), Duration::from_millis(20), 0.01);
        let mut rng = SimRng::new(3);
        let (mut lost, mut n) = (0u32, 0u32);
        for _ in 0..100_000 {
            n += 1;
            match m.draw(&mut rng) {
                Fate::Lost => lost += 1,
                Fate::Once(d) => {
                    assert!(d >= Duration::from_millis(30) && d <= Duration::from_millis(70));
                }
                Fate::Twice(..) => panic!("no duplication configured"),
            }
        }
        let rate = f64::from(lost) / f64::from(n);
        assert!((0.008..0.012).contains(&rate), "loss rate {rate}");
    }

    #[test]
    fn duplication_and_reorder_and_overrides() {
        let m = LinkModel::ideal(Duration::from_millis(10))
            .with_duplicate(1.0)
            .with_reorder(1.0, Duration::from_millis(5));
        let mut rng = SimRng::new(1);
        assert_eq!(
            m.draw(&mut rng),
            Fate::Twice(Duration::from_millis(15), Duration::from_millis(15))
        );
        let mut t = LinkTable::new(LinkModel::ideal(Duration::from_millis(1)));
        t.set(4, 2, m);
        assert_eq!(t.get(2, Some(4)), &m);
        assert_eq!(t.get(4, Some(2)), &m);
        assert_eq!(t.get(4, None).latency, Duration::from_millis(1));
        t.clear(2, 4);
        assert!(!t.has_overrides());
    }
}
