//! Bounded key-value storage: py-ipv8 `ipv8/dht/storage.py` with limits.
//!
//! Values are identified per key by their signer (SHA-1 of the public key) or, unsigned, by the
//! SHA-1 of their bytes; a value with a known identity replaces the stored one when its
//! version is not older. The newest value comes first, except that values whose identity
//! equals the key go last (py-ipv8's sort). Each value expires `max_age` after its last update.
//!
//! py-ipv8's storage grows without limit. Here it holds at most [`MAX_VALUES`] values,
//! [`MAX_BYTES`] bytes of values and [`MAX_VALUES_PER_KEY`] values per key; when a new value
//! would pass a bound, expired values are removed first and, if that is not enough, the new
//! value is refused ([`StorageFull`]). Stored values are never evicted to make room, so a
//! flood of stores cannot push out what honest peers stored. Expired values are left out of
//! [`Storage::get`] and removed by [`Storage::clean`] (all of them; py-ipv8 stops at the first
//! live one from the end).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use ipv8::proto::Instant;
use sha1::{Digest, Sha1};

/// Most values held in one storage.
pub const MAX_VALUES: usize = 8192;
/// Most bytes of values held in one storage.
pub const MAX_BYTES: usize = 1 << 20;
/// Most values held under one key.
pub const MAX_VALUES_PER_KEY: usize = 64;

/// A stored value (py-ipv8 `storage.Value`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// Identity: the signer's member id, or the SHA-1 of the data.
    pub id: [u8; 20],
    /// The serialized entry.
    pub data: Vec<u8>,
    /// When it was last stored.
    pub last_update: Instant,
    /// How long it lives after `last_update`.
    pub max_age: Duration,
    /// The signer's version (0 unsigned).
    pub version: u32,
}

impl Value {
    /// Whether it outlived its `max_age`.
    #[must_use]
    pub fn expired(&self, now: Instant) -> bool {
        now - self.last_update > self.max_age
    }
}

/// Which bound refused a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageFull {
    /// [`MAX_VALUES`].
    Values,
    /// [`MAX_BYTES`].
    Bytes,
    /// [`MAX_VALUES_PER_KEY`].
    ValuesPerKey,
}

impl StorageFull {
    /// A short stable name for drop counters.
    #[must_use]
    pub fn reason(self) -> &'static str {
        match self {
            Self::Values => "dht_storage_full_values",
            Self::Bytes => "dht_storage_full_bytes",
            Self::ValuesPerKey => "dht_storage_full_key",
        }
    }
}

impl fmt::Display for StorageFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Values => write!(f, "storage holds {MAX_VALUES} values"),
            Self::Bytes => write!(f, "storage holds {MAX_BYTES} bytes"),
            Self::ValuesPerKey => write!(f, "{MAX_VALUES_PER_KEY} values under this key"),
        }
    }
}

impl std::error::Error for StorageFull {}

/// Values by key (py-ipv8 `Storage`), bounded.
#[derive(Debug, Clone, Default)]
pub struct Storage {
    items: BTreeMap<[u8; 20], Vec<Value>>,
    values: usize,
    bytes: usize,
}

impl Storage {
    /// An empty storage.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `data` under `key` (py-ipv8 `Storage.put`); `id` defaults to the SHA-1 of `data`.
    ///
    /// # Errors
    /// A bound would be passed even after removing expired values.
    pub fn put(
        &mut self,
        key: [u8; 20],
        data: Vec<u8>,
        id: Option<[u8; 20]>,
        max_age: Duration,
        version: u32,
        now: Instant,
    ) -> Result<(), StorageFull> {
        let id = id.unwrap_or_else(|| Sha1::digest(&data).into());
        let existing = self
            .items
            .get(&key)
            .and_then(|vs| vs.iter().position(|v| v.id == id));
        let freed = match existing {
            Some(i) => {
                let old = &self.items[&key][i];
                if version < old.version {
                    return Ok(());
                }
                old.data.len()
            }
            None => 0,
        };
        let new_values = usize::from(existing.is_none());
        if let Err(full) = self.check_room(&key, new_values, data.len().saturating_sub(freed)) {
            self.clean(now);
            self.check_room(&key, new_values, data.len().saturating_sub(freed))
                .map_err(|_| full)?;
        }
        let values = self.items.entry(key).or_default();
        if let Some(i) = values.iter().position(|v| v.id == id) {
            let old = values.remove(i);
            self.bytes -= old.data.len();
            self.values -= 1;
        }
        self.bytes += data.len();
        self.values += 1;
        values.insert(
            0,
            Value {
                id,
                data,
                last_update: now,
                max_age,
                version,
            },
        );
        values.sort_by_key(|v| v.id == key);
        Ok(())
    }

    fn check_room(
        &self,
        key: &[u8; 20],
        new_values: usize,
        new_bytes: usize,
    ) -> Result<(), StorageFull> {
        if self.values + new_values > MAX_VALUES {
            return Err(StorageFull::Values);
        }
        if self.bytes + new_bytes > MAX_BYTES {
            return Err(StorageFull::Bytes);
        }
        let under_key = self.items.get(key).map_or(0, Vec::len);
        if under_key + new_values > MAX_VALUES_PER_KEY {
            return Err(StorageFull::ValuesPerKey);
        }
        Ok(())
    }

    /// Up to `limit` live values under `key` from index `start` (py-ipv8 `Storage.get`).
    #[must_use]
    pub fn get(&self, key: &[u8; 20], start: usize, limit: usize, now: Instant) -> Vec<Vec<u8>> {
        self.items.get(key).map_or_else(Vec::new, |values| {
            values
                .iter()
                .filter(|v| !v.expired(now))
                .skip(start)
                .take(limit)
                .map(|v| v.data.clone())
                .collect()
        })
    }

    /// Removes every expired value (py-ipv8 `Storage.clean`).
    pub fn clean(&mut self, now: Instant) {
        let (mut values, mut bytes) = (0, 0);
        self.items.retain(|_, vs| {
            vs.retain(|v| !v.expired(now));
            values += vs.len();
            bytes += vs.iter().map(|v| v.data.len()).sum::<usize>();
            !vs.is_empty()
        });
        (self.values, self.bytes) = (values, bytes);
    }

    /// Every `(key, value)`, keys in order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8; 20], &Value)> {
        self.items
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| (k, v)))
    }

    /// Number of values held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.values
    }

    /// Whether nothing is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values == 0
    }

    /// Bytes of values held.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
#[path = "storage_tests.rs"]
mod tests;
