//! `KeyCache`: a bounded map from public key bin to its parsed key, so that every verifying key
//! arriving in packets is parsed (and its mid hashed) once.
//!
//! Deterministic by construction: entries live in a `BTreeMap` and the least recently used one is
//! evicted, found through a second `BTreeMap` ordered by a use counter. No hashing order can
//! influence which key is dropped.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::{KeyError, PublicKey};

#[derive(Debug)]
struct Entry {
    key: Arc<PublicKey>,
    last_use: u64,
}

/// A bounded least-recently-used cache `key bin → Arc<PublicKey>`.
///
/// Keys are looked up by the exact bytes seen on the wire. Parse failures are not cached.
#[derive(Debug)]
pub struct KeyCache {
    entries: BTreeMap<Vec<u8>, Entry>,
    by_use: BTreeMap<u64, Vec<u8>>,
    clock: u64,
    capacity: usize,
}

impl KeyCache {
    /// Default number of keys a cache holds ([`KeyCache::default`]).
    pub const DEFAULT_CAPACITY: usize = 4096;

    /// An empty cache holding at most `capacity` keys (at least one).
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: BTreeMap::new(),
            by_use: BTreeMap::new(),
            clock: 0,
            capacity: capacity.max(1),
        }
    }

    /// The parsed key for `bin`, parsing and inserting it on a miss.
    ///
    /// # Errors
    /// The [`KeyError`] of [`PublicKey::from_bin`] when `bin` is not a public key.
    pub fn get_or_parse(&mut self, bin: &[u8]) -> Result<Arc<PublicKey>, KeyError> {
        self.clock += 1;
        let now = self.clock;
        if let Some(entry) = self.entries.get_mut(bin) {
            // A hit moves the key's bytes to the new use counter: no copy, no allocation.
            let bytes = self
                .by_use
                .remove(&entry.last_use)
                .unwrap_or_else(|| bin.to_vec());
            entry.last_use = now;
            self.by_use.insert(now, bytes);
            return Ok(Arc::clone(&entry.key));
        }
        let key = Arc::new(PublicKey::from_bin(bin)?);
        while self.entries.len() >= self.capacity {
            let Some((_, oldest)) = self.by_use.pop_first() else {
                break;
            };
            self.entries.remove(&oldest);
        }
        self.entries.insert(
            bin.to_vec(),
            Entry {
                key: Arc::clone(&key),
                last_use: now,
            },
        );
        self.by_use.insert(now, bin.to_vec());
        Ok(key)
    }

    /// The cached key for `bin`, if present (does not count as a use).
    #[must_use]
    pub fn peek(&self, bin: &[u8]) -> Option<&Arc<PublicKey>> {
        self.entries.get(bin).map(|entry| &entry.key)
    }

    /// Number of cached keys.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache holds no key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The maximum number of keys held.
    #[must_use]
    pub const fn capacity(&self) -> usize {
        self.capacity
    }

    /// Drops every cached key.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.by_use.clear();
    }
}

impl Default for KeyCache {
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PrivateKey;

    fn key_bin(n: u8) -> Vec<u8> {
        PrivateKey::from_seeds([n; 32], [n; 32]).public().to_bin()
    }

    #[test]
    fn parses_once_and_evicts_least_recently_used() {
        let mut cache = KeyCache::new(2);
        let first = cache.get_or_parse(&key_bin(1)).unwrap();
        assert!(Arc::ptr_eq(
            &first,
            &cache.get_or_parse(&key_bin(1)).unwrap()
        ));
        cache.get_or_parse(&key_bin(2)).unwrap();
        cache.get_or_parse(&key_bin(1)).unwrap(); // 1 is now more recent than 2
        cache.get_or_parse(&key_bin(3)).unwrap();
        assert_eq!(cache.len(), 2);
        assert!(cache.peek(&key_bin(1)).is_some());
        assert!(cache.peek(&key_bin(2)).is_none());
        assert!(cache.peek(&key_bin(3)).is_some());
    }

    #[test]
    fn failures_are_not_cached() {
        let mut cache = KeyCache::default();
        assert!(cache.get_or_parse(b"LibNaCLPK:short").is_err());
        assert!(cache.is_empty());
        assert_eq!(cache.capacity(), KeyCache::DEFAULT_CAPACITY);
        cache.get_or_parse(&key_bin(4)).unwrap();
        cache.clear();
        assert!(cache.is_empty());
    }
}
