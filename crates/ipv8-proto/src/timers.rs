//! The deadline table: every future action of the node is one entry here.
//!
//! Replaces py-ipv8's `taskmanager.py` (one asyncio task per periodic job) with a single ordered
//! table, so the driver needs exactly one timer (`Node::poll_timeout`). Entries are keyed (at most
//! one deadline per key, re-arming replaces it) and ordered by `(deadline, sequence number)`, so
//! ties fire in the order they were armed and never by chance.

use crate::time::Instant;
use crate::vecmap::reserve_one;

/// Ordered deadlines with cancel-by-key.
///
/// A sorted `Vec` of `(deadline, sequence number, key)`: a node arms a handful of keys, where
/// two `BTreeMap`s would cost close to a kilobyte (see `vecmap.rs`).
#[derive(Debug, Clone)]
pub(crate) struct Timers<K: Ord + Copy> {
    entries: Vec<(Instant, u64, K)>,
    seq: u64,
}

impl<K: Ord + Copy> Default for Timers<K> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            seq: 0,
        }
    }
}

impl<K: Ord + Copy> Timers<K> {
    /// Arms (or re-arms) `key` to fire at `at`.
    pub(crate) fn set(&mut self, key: K, at: Instant) {
        self.cancel(key);
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let pos = self
            .entries
            .partition_point(|(a, s, _)| (*a, *s) < (at, seq));
        reserve_one(&mut self.entries);
        self.entries.insert(pos, (at, seq, key));
    }

    /// Disarms `key` (no-op when not armed).
    pub(crate) fn cancel(&mut self, key: K) {
        if let Some(i) = self.entries.iter().position(|(_, _, k)| *k == key) {
            self.entries.remove(i);
        }
    }

    /// The deadline of `key`, if armed.
    pub(crate) fn deadline(&self, key: K) -> Option<Instant> {
        self.entries
            .iter()
            .find(|(_, _, k)| *k == key)
            .map(|(at, _, _)| *at)
    }

    /// The earliest entry.
    pub(crate) fn next(&self) -> Option<(Instant, K)> {
        self.entries.first().map(|(at, _, key)| (*at, *key))
    }

    /// Removes and returns the earliest entry if it is due at `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<K> {
        let (at, _, _) = self.entries.first()?;
        if *at > now {
            return None;
        }
        Some(self.entries.remove(0).2)
    }

    /// Number of armed entries.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_in_deadline_then_arming_order() {
        let mut t = Timers::default();
        t.set('b', Instant::from_secs(2));
        t.set('a', Instant::from_secs(1));
        t.set('c', Instant::from_secs(2));
        assert_eq!(t.next(), Some((Instant::from_secs(1), 'a')));
        assert_eq!(t.pop_due(Instant::from_millis(500)), None);
        let now = Instant::from_secs(5);
        let fired: Vec<char> = std::iter::from_fn(|| t.pop_due(now)).collect();
        assert_eq!(fired, vec!['a', 'b', 'c']);
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn rearm_replaces_and_cancel_removes() {
        let mut t = Timers::default();
        t.set(1u8, Instant::from_secs(10));
        t.set(1u8, Instant::from_secs(3));
        assert_eq!(t.len(), 1);
        assert_eq!(t.deadline(1), Some(Instant::from_secs(3)));
        t.cancel(1);
        assert_eq!(t.next(), None);
    }
}
