//! [`VecMap`]: a sorted-`Vec` map for the node's small tables.
//!
//! Not a py-ipv8 port: memory layout only. Every per-node table (peers, addresses, services,
//! timers, counters, outstanding walks) holds a few to a few dozen entries, where a `BTreeMap`
//! spends most of its memory on half-empty 11-slot nodes (a 1-entry map of 32-byte keys costs
//! ~400 bytes). A sorted `Vec` costs the entries plus a little slack: it grows by half its
//! length (at least 2) with `reserve_exact` and gives memory back once it is less than a quarter
//! full. Lookups are binary searches; inserts and removals shift the tail, which is cheap at
//! these sizes (the tables are capped, see `NetworkLimits`). Iteration is in key order, as
//! with `BTreeMap`, so determinism is unchanged.

/// A map kept as a `Vec` of `(key, value)` sorted by key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

/// Makes room for one more element with a growth of half the length (at least 2).
pub(crate) fn reserve_one<T>(v: &mut Vec<T>) {
    if v.len() == v.capacity() {
        v.reserve_exact((v.len() / 2).max(2));
    }
}

/// Gives memory back when a vector is less than a quarter full.
pub(crate) fn maybe_shrink<T>(v: &mut Vec<T>) {
    if v.capacity() >= 8 && v.len() < v.capacity() / 4 {
        v.shrink_to(v.len().saturating_mul(2));
    }
}

impl<K: Ord, V> VecMap<K, V> {
    fn find(&self, key: &K) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.cmp(key))
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        let i = self.find(key).ok()?;
        self.entries.get(i).map(|(_, v)| v)
    }

    pub(crate) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let i = self.find(key).ok()?;
        self.entries.get_mut(i).map(|(_, v)| v)
    }

    pub(crate) fn contains_key(&self, key: &K) -> bool {
        self.find(key).is_ok()
    }

    /// Inserts or replaces; returns the previous value.
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => self
                .entries
                .get_mut(i)
                .map(|(_, v)| std::mem::replace(v, value)),
            Err(i) => {
                reserve_one(&mut self.entries);
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// The value of `key`, inserted with `make` when absent.
    pub(crate) fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                reserve_one(&mut self.entries);
                self.entries.insert(i, (key, make()));
                i
            }
        };
        let (_, v) = &mut self.entries[i];
        v
    }

    pub(crate) fn remove(&mut self, key: &K) -> Option<V> {
        let i = self.find(key).ok()?;
        let (_, v) = self.entries.remove(i);
        maybe_shrink(&mut self.entries);
        Some(v)
    }

    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
        maybe_shrink(&mut self.entries);
    }

    pub(crate) fn clear(&mut self) {
        self.entries = Vec::new();
    }

    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + '_ {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub(crate) fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + '_ {
        self.entries.iter().map(|(k, _)| k)
    }
}

/// A value that carries its own sort key (a [`KeyedVec`] element).
pub(crate) trait Keyed {
    /// The key type.
    type Key: Ord + Copy;
    /// This value's key.
    fn key(&self) -> Self::Key;
}

/// A [`VecMap`] whose values carry their keys (no key stored twice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyedVec<T> {
    items: Vec<T>,
}

impl<T> Default for KeyedVec<T> {
    fn default() -> Self {
        Self { items: Vec::new() }
    }
}

impl<T: Keyed> KeyedVec<T> {
    fn find(&self, key: &T::Key) -> Result<usize, usize> {
        self.items.binary_search_by(|item| item.key().cmp(key))
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn get(&self, key: &T::Key) -> Option<&T> {
        self.items.get(self.find(key).ok()?)
    }

    pub(crate) fn get_mut(&mut self, key: &T::Key) -> Option<&mut T> {
        let i = self.find(key).ok()?;
        self.items.get_mut(i)
    }

    pub(crate) fn contains_key(&self, key: &T::Key) -> bool {
        self.find(key).is_ok()
    }

    /// Inserts or replaces (by key); returns the previous value.
    pub(crate) fn insert(&mut self, item: T) -> Option<T> {
        match self.find(&item.key()) {
            Ok(i) => self
                .items
                .get_mut(i)
                .map(|old| std::mem::replace(old, item)),
            Err(i) => {
                reserve_one(&mut self.items);
                self.items.insert(i, item);
                None
            }
        }
    }

    pub(crate) fn remove(&mut self, key: &T::Key) -> Option<T> {
        let i = self.find(key).ok()?;
        let item = self.items.remove(i);
        maybe_shrink(&mut self.items);
        Some(item)
    }

    pub(crate) fn values(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.items.iter()
    }

    pub(crate) fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut T> + '_ {
        self.items.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_sorted_map() {
        let mut m = VecMap::default();
        assert_eq!(m.insert(3, 'c'), None);
        assert_eq!(m.insert(1, 'a'), None);
        assert_eq!(m.insert(2, 'b'), None);
        assert_eq!(m.insert(2, 'B'), Some('b'));
        assert_eq!(m.keys().copied().collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(m.get(&2), Some(&'B'));
        *m.get_or_insert_with(4, || 'd') = 'D';
        assert_eq!(m.get(&4), Some(&'D'));
        assert_eq!(m.remove(&1), Some('a'));
        assert!(!m.contains_key(&1));
        m.retain(|k, _| *k != 3);
        assert_eq!(
            m.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
            vec!['B', 'D']
        );
        assert_eq!(m.len(), 2);
        m.clear();
        assert_eq!(m.len(), 0);
    }

    #[test]
    fn grows_by_half_and_gives_memory_back() {
        let mut m = VecMap::default();
        for i in 0..100u32 {
            m.insert(i, ());
        }
        assert!(m.entries.capacity() < 150, "{}", m.entries.capacity());
        for i in 0..95u32 {
            m.remove(&i);
        }
        assert!(m.entries.capacity() <= 20, "{}", m.entries.capacity());
        assert_eq!(m.len(), 5);
    }
}
