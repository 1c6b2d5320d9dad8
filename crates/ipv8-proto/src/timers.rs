//! The deadline table: every future action of the node is one entry here.
//!
//! Replaces py-ipv8's `taskmanager.py` (one asyncio task per periodic job) with a single ordered
//! table, so the driver needs exactly one timer (`Node::poll_timeout`). Entries are keyed (at most
//! one deadline per key, re-arming replaces it) and ordered by `(deadline, sequence number)`, so
//! ties fire in the order they were armed and never by chance.

use std::collections::BTreeMap;

use crate::time::Instant;

/// Ordered deadlines with cancel-by-key.
#[derive(Debug, Clone)]
pub(crate) struct Timers<K: Ord + Copy> {
    by_deadline: BTreeMap<(Instant, u64), K>,
    by_key: BTreeMap<K, (Instant, u64)>,
    seq: u64,
}

impl<K: Ord + Copy> Default for Timers<K> {
    fn default() -> Self {
        Self {
            by_deadline: BTreeMap::new(),
            by_key: BTreeMap::new(),
            seq: 0,
        }
    }
}

impl<K: Ord + Copy> Timers<K> {
    /// Arms (or re-arms) `key` to fire at `at`.
    pub(crate) fn set(&mut self, key: K, at: Instant) {
        self.cancel(key);
        self.seq = self.seq.wrapping_add(1);
        let slot = (at, self.seq);
        self.by_deadline.insert(slot, key);
        self.by_key.insert(key, slot);
    }

    /// Disarms `key` (no-op when not armed).
    pub(crate) fn cancel(&mut self, key: K) {
        if let Some(slot) = self.by_key.remove(&key) {
            self.by_deadline.remove(&slot);
        }
    }

    /// The deadline of `key`, if armed.
    pub(crate) fn deadline(&self, key: K) -> Option<Instant> {
        self.by_key.get(&key).map(|(at, _)| *at)
    }

    /// The earliest entry.
    pub(crate) fn next(&self) -> Option<(Instant, K)> {
        self.by_deadline
            .first_key_value()
            .map(|((at, _), key)| (*at, *key))
    }

    /// Removes and returns the earliest entry if it is due at `now`.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<K> {
        let (&(at, seq), _) = self.by_deadline.first_key_value()?;
        if at > now {
            return None;
        }
        let key = self.by_deadline.remove(&(at, seq))?;
        self.by_key.remove(&key);
        Some(key)
    }

    /// Number of armed entries.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.by_key.len()
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
