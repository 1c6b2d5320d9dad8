//! Seeded randomness: [`NodeRng`] and the child stream of each component.
//!
//! Replaces py-ipv8's module-level `random` calls (`random.choice`, `randint`, `sample`,
//! `random()` in `community.py`, `peerdiscovery/*.py`, `requestcache.py`). The algorithm is
//! named explicitly, ChaCha20 from `rand_chacha` (not `StdRng`, whose algorithm may change), and
//! the derivation is pinned:
//!
//! * the node seed `s: u64` is expanded with `rand_core`'s `SeedableRng::seed_from_u64` (PCG32);
//! * component `c` uses ChaCha20 stream number [`Stream::id`]`(c)` of that key.
//!
//! Every component (walker, churn, bootstrap, request cache, tracker, identity, each community)
//! owns its own stream, fixed at construction, so an extra draw in one community never reshuffles
//! another component's choices. Changing this file invalidates every simulation snapshot.

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// The component a child stream belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Discovery strategies (RandomWalk, EdgeWalk, PeriodicSimilarity).
    Walker,
    /// RandomChurn peer sampling.
    Churn,
    /// Bootstrappers (tracker choice, keep-alive chance).
    Bootstrap,
    /// Request-cache identifiers.
    RequestCache,
    /// Tracker mode (introduction choice, churn pings).
    Tracker,
    /// Identity generation (simulated peers' keys).
    Identity,
    /// One community, by its 20-byte id.
    Community([u8; 20]),
}

impl Stream {
    /// The ChaCha20 stream number of this component.
    #[must_use]
    pub fn id(self) -> u64 {
        match self {
            Self::Walker => 1,
            Self::Churn => 2,
            Self::Bootstrap => 3,
            Self::RequestCache => 4,
            Self::Tracker => 5,
            Self::Identity => 6,
            Self::Community(id) => {
                let mut first = [0u8; 8];
                first.copy_from_slice(&id[..8]);
                // The top bit keeps community streams apart from the fixed ones above.
                u64::from_be_bytes(first) | (1 << 63)
            }
        }
    }
}

/// A deterministic ChaCha20 random stream.
#[derive(Clone, Debug)]
pub struct NodeRng(ChaCha20Rng);

impl NodeRng {
    /// The child stream of `stream` for node seed `seed`.
    #[must_use]
    pub fn child(seed: u64, stream: Stream) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        rng.set_stream(stream.id());
        Self(rng)
    }

    /// A uniform integer in `0..n` (`0` when `n == 0`), without modulo bias.
    pub fn below(&mut self, n: usize) -> usize {
        let Ok(n64) = u64::try_from(n) else {
            return 0;
        };
        if n64 <= 1 {
            return 0;
        }
        // Rejection sampling on the largest multiple of n64.
        let zone = u64::MAX - (u64::MAX % n64 + 1) % n64;
        loop {
            let v = self.0.next_u64();
            if v <= zone {
                return usize::try_from(v % n64).unwrap_or(0);
            }
        }
    }

    /// A uniform byte, like py-ipv8's `randint(0, 255)`.
    pub fn byte(&mut self) -> u8 {
        self.0.next_u32().to_be_bytes()[0]
    }

    /// A uniform float in `[0, 1)`, like Python's `random()`.
    pub fn unit(&mut self) -> f64 {
        const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
        #[allow(clippy::cast_precision_loss)]
        let v = (self.0.next_u64() >> 11) as f64;
        v * SCALE
    }

    /// `true` with probability `p`, like `random() < p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A uniform element of `items`, like `random.choice`.
    pub fn choose<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        let i = self.below(items.len());
        items.get(i)
    }

    /// `k` distinct uniform picks from `items` (all of them, shuffled, when `k >= len`), like
    /// `random.sample`.
    pub fn sample<T: Clone>(&mut self, items: &[T], k: usize) -> Vec<T> {
        let mut pool: Vec<T> = items.to_vec();
        let k = k.min(pool.len());
        for i in 0..k {
            let j = i + self.below(pool.len() - i);
            pool.swap(i, j);
        }
        pool.truncate(k);
        pool
    }

    /// A uniform `u16`.
    pub fn u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    /// A uniform `u16`.
    pub fn u16(&mut self) -> u16 {
        let b = self.0.next_u32().to_be_bytes();
        u16::from_be_bytes([b[0], b[1]])
    }

    /// 32 random bytes (key seeds).
    pub fn bytes32(&mut self) -> [u8; 32] {
        let mut out = [0u8; 32];
        self.0.fill_bytes(&mut out);
        out
    }
}

impl RngCore for NodeRng {
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.0.try_fill_bytes(dest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let mut a = NodeRng::child(7, Stream::Walker);
        let mut b = NodeRng::child(7, Stream::Walker);
        let mut c = NodeRng::child(7, Stream::Churn);
        let xs: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        let zs: Vec<u64> = (0..4).map(|_| c.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        assert_ne!(
            Stream::Community([1; 20]).id(),
            Stream::Community([2; 20]).id()
        );
    }

    #[test]
    fn helpers_stay_in_range() {
        let mut r = NodeRng::child(1, Stream::Tracker);
        for n in 1..50 {
            assert!(r.below(n) < n);
        }
        assert_eq!(r.below(0), 0);
        let u = r.unit();
        assert!((0.0..1.0).contains(&u));
        assert_eq!(r.choose::<u8>(&[]), None);
        let s = r.sample(&[1, 2, 3, 4, 5], 3);
        assert_eq!(s.len(), 3);
        let mut sorted = s.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 3);
        assert_eq!(r.sample(&[1, 2], 5).len(), 2);
    }
}
