//! Seeds and randomness: one master seed, per-node seeds derived from it, and the
//! simulator's own network rng (loss, jitter, duplication).
//!
//! `sim_seed(default)` is how every scenario test picks its seed: `IPV8_SIM_SEED` overrides the
//! default so a failing run can be repeated exactly.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};

/// Environment variable that overrides the seed of every scenario test.
pub const SEED_ENV: &str = "IPV8_SIM_SEED";

/// Returns the seed from `IPV8_SIM_SEED` (decimal or `0x` hex) or `default`, and prints it
/// (test output is shown for failing tests, so a failure always names its seed).
///
/// # Panics
/// When `IPV8_SIM_SEED` is set but is not a number: a typo must not silently run the default.
#[must_use]
pub fn sim_seed(default: u64) -> u64 {
    let seed = env_seed().unwrap_or(default);
    println!("ipv8-sim seed = {seed} (rerun with {SEED_ENV}={seed})");
    seed
}

/// The seed given by `IPV8_SIM_SEED`, if any.
///
/// # Panics
/// When the variable is set but is not a decimal or `0x` hex number.
#[must_use]
pub fn env_seed() -> Option<u64> {
    let raw = std::env::var(SEED_ENV).ok()?;
    let raw = raw.trim();
    let parsed = match raw.strip_prefix("0x").or_else(|| raw.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => raw.parse::<u64>(),
    };
    match parsed {
        Ok(seed) => Some(seed),
        Err(e) => panic!("{SEED_ENV}={raw:?} is not a u64 seed (decimal or 0x hex): {e}"),
    }
}

/// Derives an independent 64-bit seed from the master seed, an index and a label.
///
/// SHA-256 makes neighbouring indices unrelated, so node 7's stream says nothing about node 8's.
#[must_use]
pub fn derive_seed(master: u64, index: u64, label: &str) -> u64 {
    let mut h = Sha256::new();
    h.update(b"ipv8-sim/");
    h.update(label.as_bytes());
    h.update(master.to_le_bytes());
    h.update(index.to_le_bytes());
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_le_bytes(b)
}

/// Derives 32 seed bytes (e.g. for key generation) from the master seed, an index and a label.
#[must_use]
pub fn derive_bytes(master: u64, index: u64, label: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"ipv8-sim-bytes/");
    h.update(label.as_bytes());
    h.update(master.to_le_bytes());
    h.update(index.to_le_bytes());
    h.finalize().into()
}

/// The simulator's own random stream (ChaCha8, named explicitly so results never change with a
/// `rand` upgrade), with the few draws the network models need.
pub struct SimRng(ChaCha8Rng);

impl SimRng {
    /// A stream seeded from `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(ChaCha8Rng::seed_from_u64(seed))
    }

    /// A uniform 64-bit value.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A uniform float in `[0, 1)`.
    #[allow(clippy::cast_precision_loss)]
    pub fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p` (no draw when `p` is 0, so an ideal link consumes nothing).
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && (p >= 1.0 || self.unit() < p)
    }

    /// A uniform value in `[0, n)`; 0 when `n` is 0.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            // Lemire's multiply-shift; the tiny bias is irrelevant for a simulator.
            let wide = u128::from(self.0.next_u64()) * u128::from(n);
            u64::try_from(wide >> 64).unwrap_or(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_seeds_are_stable_and_distinct() {
        let a = derive_seed(1, 0, "node");
        assert_eq!(a, derive_seed(1, 0, "node"));
        assert_ne!(a, derive_seed(1, 1, "node"));
        assert_ne!(a, derive_seed(2, 0, "node"));
        assert_ne!(a, derive_seed(1, 0, "net"));
        assert_ne!(derive_bytes(1, 0, "key"), derive_bytes(1, 1, "key"));
    }

    #[test]
    fn rng_draws_are_in_range_and_reproducible() {
        let mut r = SimRng::new(9);
        let mut s = SimRng::new(9);
        for _ in 0..1000 {
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            assert_eq!(u.to_bits(), s.unit().to_bits());
            assert!(r.below(7) < 7);
            s.below(7);
        }
        assert!(!r.chance(0.0));
        assert!(r.chance(1.0));
        assert_eq!(r.below(0), 0);
    }
}
