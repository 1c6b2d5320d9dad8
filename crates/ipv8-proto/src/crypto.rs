//! Crypto behind two small traits: [`Identity`] (our key: public bin, sign) and
//! [`CryptoProvider`] (their keys: verify, mid), with the real `ipv8-crypto` defaults.
//!
//! Replaces the `default_eccrypto` calls of py-ipv8 `lazy_community.py` (`_verify_signature`,
//! `_ez_pack`) and `peer.py` (`key_to_hash`). The simulator can plug a cheap deterministic
//! signer for dynamics-only runs; protocol tests use [`RealCrypto`] and [`KeyIdentity`].
//!
//! The envelope split (where the signature starts) always uses `ipv8_wire::signature_len`, so a
//! replacement provider must keep py-ipv8's key formats and signature lengths.

use std::fmt;
use std::sync::Arc;

use ipv8_crypto::{KeyCache, Mid, PrivateKey};

use crate::rng::{NodeRng, Stream};

/// Verifies other peers' signatures.
pub trait CryptoProvider: Send {
    /// Signature length implied by a serialized public key, `None` for unknown key types.
    fn signature_len(&self, key_bin: &[u8]) -> Option<usize> {
        ipv8_wire::signature_len(key_bin)
    }

    /// Whether `sig` is a valid signature of `msg` under the public key `key_bin`.
    fn verify(&mut self, key_bin: &[u8], msg: &[u8], sig: &[u8]) -> bool;

    /// The member id of a public key (SHA-1 of the bin).
    fn mid(&self, key_bin: &[u8]) -> Mid {
        Mid::of(key_bin)
    }
}

/// Our own key: what goes into the authentication header, and how to sign.
pub trait Identity: Send + Sync {
    /// The serialized public key (`LibNaCLPK:…`).
    fn public_bin(&self) -> &[u8];

    /// Signs `msg` (the whole datagram before the signature).
    fn sign(&self, msg: &[u8]) -> Vec<u8>;
}

/// The default provider: `ipv8-crypto` keys parsed once through a bounded [`KeyCache`].
pub struct RealCrypto {
    cache: KeyCache,
}

impl RealCrypto {
    /// A provider caching up to `capacity` parsed keys.
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            cache: KeyCache::new(capacity),
        }
    }
}

impl Default for RealCrypto {
    /// 64 cached keys: a full default peer table plus trackers.
    fn default() -> Self {
        Self::new(64)
    }
}

impl fmt::Debug for RealCrypto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RealCrypto")
            .field("cached_keys", &self.cache.len())
            .finish()
    }
}

impl CryptoProvider for RealCrypto {
    fn verify(&mut self, key_bin: &[u8], msg: &[u8], sig: &[u8]) -> bool {
        self.cache
            .get_or_parse(key_bin)
            .is_ok_and(|key| key.verify(msg, sig))
    }
}

/// An [`Identity`] backed by an `ipv8-crypto` private key.
pub struct KeyIdentity {
    key: PrivateKey,
    public: Vec<u8>,
}

impl KeyIdentity {
    /// Wraps a private key.
    #[must_use]
    pub fn new(key: PrivateKey) -> Self {
        let public = key.public_bin().to_vec();
        Self { key, public }
    }

    /// A curve25519 key drawn from the identity stream of `seed` (reproducible; for the
    /// simulator and tests).
    #[must_use]
    pub fn from_seed(seed: u64) -> Self {
        let mut rng = NodeRng::child(seed, Stream::Identity);
        let x25519 = rng.bytes32();
        let ed25519 = rng.bytes32();
        Self::new(PrivateKey::from_seeds(x25519, ed25519))
    }

    /// The private key.
    #[must_use]
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    /// Shared handle for `Node::new`.
    #[must_use]
    pub fn into_arc(self) -> Arc<dyn Identity> {
        Arc::new(self)
    }
}

impl fmt::Debug for KeyIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyIdentity")
            .field("mid", &Mid::of(&self.public))
            .finish_non_exhaustive()
    }
}

impl Identity for KeyIdentity {
    fn public_bin(&self) -> &[u8] {
        &self.public
    }

    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        // Legacy EC signing can only fail inside OpenSSL; the packet then carries no valid
        // signature (its receivers drop it) instead of the node panicking.
        self.key.try_sign(msg).unwrap_or_else(|e| {
            tracing::error!(error = %e, "signing failed");
            Vec::new()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_identity_signs_and_real_crypto_verifies() {
        let a = KeyIdentity::from_seed(1);
        let b = KeyIdentity::from_seed(1);
        assert_eq!(a.public_bin(), b.public_bin());
        assert_ne!(a.public_bin(), KeyIdentity::from_seed(2).public_bin());
        let sig = a.sign(b"msg");
        let mut c = RealCrypto::default();
        assert_eq!(c.signature_len(a.public_bin()), Some(64));
        assert!(c.verify(a.public_bin(), b"msg", &sig));
        assert!(!c.verify(a.public_bin(), b"msh", &sig));
        assert!(!c.verify(b"garbage", b"msg", &sig));
        assert_eq!(c.mid(a.public_bin()), Mid::of(a.public_bin()));
    }
}
