//! [`RequestCache`]: outstanding requests by number, with deadlines and bounded size.
//!
//! Ports py-ipv8 `requestcache.py` (`RequestCache`, `NumberCache`). Each cache lives in the
//! component that owns the requests (DiscoveryCommunity pings, tracker pings); numbers come from
//! that component's seeded rng stream, and expiry goes through the node's timer table: the node
//! arms `TimerReason::RequestCache` at [`RequestCache::next_deadline`] and calls
//! [`RequestCache::pop_expired`] when it fires. When full, the entry closest to its deadline is
//! evicted (returned to the caller as if it had timed out).

use std::time::Duration;

use crate::rng::NodeRng;
use crate::time::Instant;
use crate::vecmap::VecMap;

#[derive(Debug, Clone)]
struct Entry<T> {
    deadline: Instant,
    value: T,
}

/// Outstanding requests keyed by a number.
#[derive(Debug, Clone)]
pub struct RequestCache<T> {
    entries: VecMap<u64, Entry<T>>,
    deadlines: VecMap<(Instant, u64), ()>,
    capacity: usize,
}

impl<T> RequestCache<T> {
    /// An empty cache holding at most `capacity` requests (at least one).
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: VecMap::default(),
            deadlines: VecMap::default(),
            capacity: capacity.max(1),
        }
    }

    /// Stores `value` under a fresh random number in `1..2^31` and returns the number
    /// (py-ipv8 `RandomNumberCache`). Returns the evicted entry, if the cache was full.
    pub fn add_random(
        &mut self,
        rng: &mut NodeRng,
        now: Instant,
        timeout: Duration,
        value: T,
    ) -> (u64, Option<(u64, T)>) {
        let mut id = 0;
        for _ in 0..64 {
            let candidate = (rng.next_u32_31()).max(1);
            if !self.entries.contains_key(&candidate) {
                id = candidate;
                break;
            }
        }
        let evicted = self.insert(id, now + timeout, value);
        (id, evicted)
    }

    /// Stores `value` under `id` until `deadline`, replacing an entry with the same id.
    /// Returns the evicted entry, if the cache was full.
    pub fn insert(&mut self, id: u64, deadline: Instant, value: T) -> Option<(u64, T)> {
        self.pop(id);
        let evicted = if self.entries.len() >= self.capacity {
            self.deadlines
                .first()
                .map(|((_, victim), ())| *victim)
                .and_then(|victim| self.pop(victim).map(|v| (victim, v)))
        } else {
            None
        };
        self.deadlines.insert((deadline, id), ());
        self.entries.insert(id, Entry { deadline, value });
        evicted
    }

    /// Whether `id` is outstanding.
    #[must_use]
    pub fn has(&self, id: u64) -> bool {
        self.entries.contains_key(&id)
    }

    /// The outstanding value for `id`.
    #[must_use]
    pub fn get(&self, id: u64) -> Option<&T> {
        self.entries.get(&id).map(|e| &e.value)
    }

    /// Removes and returns the request `id`.
    pub fn pop(&mut self, id: u64) -> Option<T> {
        let entry = self.entries.remove(&id)?;
        self.deadlines.remove(&(entry.deadline, id));
        Some(entry.value)
    }

    /// The earliest deadline.
    #[must_use]
    pub fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.first().map(|((at, _), ())| *at)
    }

    /// Removes and returns one request whose deadline is `<= now`.
    pub fn pop_expired(&mut self, now: Instant) -> Option<(u64, T)> {
        let (&(at, id), ()) = self.deadlines.first()?;
        if at > now {
            return None;
        }
        self.pop(id).map(|v| (id, v))
    }

    /// Number of outstanding requests.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is outstanding.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.deadlines.clear();
    }
}

impl NodeRng {
    /// A uniform number in `0..2^31`.
    fn next_u32_31(&mut self) -> u64 {
        use rand_core::RngCore;
        u64::from(self.next_u32() >> 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn expiry_in_deadline_order() {
        let mut c = RequestCache::new(8);
        c.insert(1, Instant::from_secs(5), "a");
        c.insert(2, Instant::from_secs(3), "b");
        assert_eq!(c.next_deadline(), Some(Instant::from_secs(3)));
        assert_eq!(c.pop_expired(Instant::from_secs(2)), None);
        assert_eq!(c.pop_expired(Instant::from_secs(9)), Some((2, "b")));
        assert_eq!(c.pop(1), Some("a"));
        assert!(c.is_empty());
    }

    #[test]
    fn bounded_with_earliest_deadline_evicted() {
        let mut c = RequestCache::new(2);
        assert_eq!(c.insert(1, Instant::from_secs(1), 'x'), None);
        assert_eq!(c.insert(2, Instant::from_secs(2), 'y'), None);
        assert_eq!(c.insert(3, Instant::from_secs(3), 'z'), Some((1, 'x')));
        assert_eq!(c.len(), 2);
        let mut rng = NodeRng::child(3, Stream::RequestCache);
        let (id, evicted) = c.add_random(&mut rng, Instant::ZERO, Duration::from_secs(5), 'w');
        assert!((1..(1 << 31)).contains(&id));
        assert_eq!(evicted, Some((2, 'y')));
        assert!(c.has(id));
    }
}
