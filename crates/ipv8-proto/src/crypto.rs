//! Crypto behind two small traits: [`Identity`] (our key: public bin, sign) and
//! [`CryptoProvider`] (their keys: verify, mid), with the real `ipv8-crypto` defaults.
//!
//! Replaces the `default_eccrypto` calls of py-ipv8 `lazy_community.py` (`_verify_signature`,
//! `_ez_pack`) and `peer.py` (`key_to_hash`). The simulator can plug a cheap deterministic
//! signer for dynamics-only runs; protocol tests use [`RealCrypto`] and [`KeyIdentity`].
//!
//! The envelope split (where the signature starts) always uses `ipv8_wire::signature_len`, so a
//! replacement provider must keep py-ipv8's key formats and signature lengths.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use ipv8_crypto::{
    KeyCache, LibNaclPublicKey, Mid, ParallelVerifier, PrivateKey, PublicKey, Ticket,
};

use crate::rng::{NodeRng, Stream};

/// Verifies other peers' signatures.
pub trait CryptoProvider: Send {
    /// Signature length implied by a serialized public key, `None` for unknown key types.
    fn signature_len(&self, key_bin: &[u8]) -> Option<usize> {
        ipv8_wire::signature_len(key_bin)
    }

    /// Whether `sig` is a valid signature of `msg` under the public key `key_bin`.
    fn verify(&mut self, key_bin: &[u8], msg: &[u8], sig: &[u8]) -> bool;

    /// A look ahead before a burst of datagrams ([`crate::Node::handle_datagrams`]): the
    /// `(key_bin, msg, sig)` of the signed messages in it, in order. A provider may check them
    /// together (an Ed25519 batch) and then answer the [`CryptoProvider::verify`] calls for
    /// exactly these triples from that result; anything else is verified as usual. The
    /// default does nothing.
    fn verify_ahead(&mut self, items: &[(&[u8], &[u8], &[u8])]) {
        let _ = items;
    }

    /// An earlier look ahead ([`crate::Node::look_ahead`]): the triples of a burst that
    /// [`CryptoProvider::verify_ahead`] will be asked about soon, after the burst now being
    /// handled. A provider with helper threads may start on them now; one without does nothing
    /// (the default). The answers must not depend on whether this was called.
    fn verify_soon(&mut self, items: &[(&[u8], &[u8], &[u8])]) {
        let _ = items;
    }

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

    /// Signs all of `datagram` and appends the signature: how the node signs the datagrams it
    /// encodes. The default appends [`Identity::sign`]'s signature; an identity that can sign
    /// without allocating overrides it.
    fn append_signature(&self, datagram: &mut Vec<u8>) {
        let signature = self.sign(datagram);
        datagram.extend_from_slice(&signature);
    }
}

/// The default provider: `ipv8-crypto` keys parsed once through a bounded [`KeyCache`], and
/// Ed25519 signatures of a burst checked in batches ([`CryptoProvider::verify_ahead`]): one
/// batch on the calling thread by default, or shares of the burst checked at the same time on
/// helper threads ([`RealCrypto::with_helpers`], `ipv8_crypto::ParallelVerifier`). The answers
/// are the same either way; only the CPU time is spread.
pub struct RealCrypto {
    cache: KeyCache,
    ahead: VerifiedAhead,
    verifier: ParallelVerifier,
    /// Per look-ahead item: whether its batch passed (reused between bursts).
    passed: Vec<bool>,
    /// Bursts queued by `verify_soon`, oldest first (at most [`MAX_PENDING`]).
    pending: VecDeque<Pending>,
    /// A triple buffer kept for the next `verify_soon`.
    spare: VerifiedAhead,
}

/// Bursts `verify_soon` queues at most before `verify_ahead` collects one: a driver hands over
/// the next burst while it handles the current one, so two is all a pipeline uses.
const MAX_PENDING: usize = 2;

/// A burst queued on the helpers: its ticket and its triples (none taken yet).
struct Pending {
    ticket: Ticket,
    triples: VerifiedAhead,
}

/// The `(key, msg, sig)` triples a batch found valid, until `verify` asks for them: their bytes
/// in one reused buffer, so a burst allocates nothing once the buffer has grown.
///
/// The node asks in arrival order, so [`VerifiedAhead::take`] looks at the oldest unasked
/// triple first: a burst of `n` costs `n` comparisons, not `n²/2`.
#[derive(Default)]
struct VerifiedAhead {
    bytes: Vec<u8>,
    /// Per triple: where its key, message and signature start in `bytes`, their lengths, and
    /// whether it was asked for.
    items: Vec<Remembered>,
    /// Triples before this index were all asked for.
    next: usize,
}

#[derive(Clone, Copy)]
struct Remembered {
    start: usize,
    key: usize,
    msg: usize,
    sig: usize,
    taken: bool,
}

impl VerifiedAhead {
    fn clear(&mut self) {
        self.bytes.clear();
        self.items.clear();
        self.next = 0;
    }

    /// No triple is left to ask for (`next` is the first unasked one).
    fn is_empty(&self) -> bool {
        self.next == self.items.len()
    }

    /// Forgets the triples whose `passed` entry is false (their share failed).
    fn keep_only(&mut self, passed: &[bool]) {
        for (r, &ok) in self.items.iter_mut().zip(passed) {
            r.taken = !ok;
        }
        self.next = 0;
        self.skip_taken();
    }

    /// Moves `next` past the triples already asked for.
    fn skip_taken(&mut self) {
        while self.next < self.items.len() && self.items[self.next].taken {
            self.next += 1;
        }
    }

    /// Whether these are the signatures of the remembered triples, in order: enough to tell
    /// which queued burst a look ahead is about (a wrong guess would only cost time, since
    /// [`Self::take`] matches whole triples).
    fn has_signatures<'a>(&self, mut sigs: impl ExactSizeIterator<Item = &'a [u8]>) -> bool {
        sigs.len() == self.items.len()
            && self.items.iter().all(|r| {
                let start = r.start + r.key + r.msg;
                sigs.next() == Some(&self.bytes[start..start + r.sig])
            })
    }

    #[cfg(test)]
    fn remaining(&self) -> usize {
        self.items.iter().filter(|r| !r.taken).count()
    }

    fn remember(&mut self, key: &[u8], msg: &[u8], sig: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(key);
        self.bytes.extend_from_slice(msg);
        self.bytes.extend_from_slice(sig);
        self.items.push(Remembered {
            start,
            key: key.len(),
            msg: msg.len(),
            sig: sig.len(),
            taken: false,
        });
    }

    /// Whether exactly this triple was verified ahead; it is forgotten once asked for.
    fn take(&mut self, key: &[u8], msg: &[u8], sig: &[u8]) -> bool {
        let bytes = &self.bytes;
        let found = self.items[self.next..].iter().position(|r| {
            let b = &bytes[r.start..r.start + r.key + r.msg + r.sig];
            !r.taken
                && r.sig == sig.len()
                && r.key == key.len()
                && r.msg == msg.len()
                && &b[r.key + r.msg..] == sig
                && &b[..r.key] == key
                && &b[r.key..r.key + r.msg] == msg
        });
        let Some(offset) = found else {
            return false;
        };
        self.items[self.next + offset].taken = true;
        self.skip_taken();
        true
    }
}

impl RealCrypto {
    /// A provider caching up to `capacity` parsed keys.
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            cache: KeyCache::new(capacity),
            ahead: VerifiedAhead::default(),
            verifier: ParallelVerifier::new(0),
            passed: Vec::new(),
            pending: VecDeque::new(),
            spare: VerifiedAhead::default(),
        }
    }

    /// Lets each burst's signatures be checked on up to `helpers` threads besides the caller's
    /// (started on the first burst of at least `2 × ipv8_crypto::MIN_SHARE` signatures). The
    /// node stays single-threaded and deterministic: the look ahead only decides which
    /// signatures are already known valid, and a share that fails is verified one by one.
    #[must_use]
    pub fn with_helpers(mut self, helpers: usize) -> Self {
        self.verifier = ParallelVerifier::new(helpers);
        self
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
            .field("helpers", &self.verifier.helpers())
            .finish()
    }
}

impl CryptoProvider for RealCrypto {
    fn verify(&mut self, key_bin: &[u8], msg: &[u8], sig: &[u8]) -> bool {
        if !self.ahead.is_empty() && self.ahead.take(key_bin, msg, sig) {
            return true;
        }
        self.cache
            .get_or_parse(key_bin)
            .is_ok_and(|key| key.verify(msg, sig))
    }

    /// Checks the LibNaCL (Ed25519) signatures of the burst in batches when there are at least
    /// two: one `verify_batch` per share of the burst (one share without helpers). The triples
    /// of a share that passes are remembered; those of a share that fails (one bad signature is
    /// enough) are not, and are verified alone as without the look ahead. A burst queued by
    /// [`CryptoProvider::verify_soon`] is collected instead of checked again.
    fn verify_ahead(&mut self, items: &[(&[u8], &[u8], &[u8])]) {
        let keys = self.ed25519(items);
        while let Some(pending) = self.pending.pop_front() {
            let ours = pending
                .triples
                .has_signatures(keys.iter().map(|(_, _, sig, _)| *sig));
            self.verifier.finish(pending.ticket, &mut self.passed);
            self.spare = std::mem::replace(&mut self.ahead, pending.triples);
            self.ahead.keep_only(&self.passed);
            if ours {
                return;
            }
        }
        self.ahead.clear();
        if keys.len() < 2 {
            return;
        }
        let batch = batch_of(&keys);
        self.verifier.verify(&batch, &mut self.passed);
        for ((_, msg, sig, key_bin), passed) in keys.iter().zip(&self.passed) {
            if *passed {
                self.ahead.remember(key_bin, msg, sig);
            }
        }
    }

    /// Queues the burst's Ed25519 signatures on the helper threads (with helpers, and at least
    /// `2 × ipv8_crypto::MIN_SHARE` of them); [`CryptoProvider::verify_ahead`] collects the
    /// answer when the burst is handled.
    fn verify_soon(&mut self, items: &[(&[u8], &[u8], &[u8])]) {
        if self.verifier.helpers() == 0 || self.pending.len() >= MAX_PENDING {
            return;
        }
        let keys = self.ed25519(items);
        if keys.len() < 2 * ipv8_crypto::MIN_SHARE {
            return;
        }
        let ticket = self.verifier.submit(&batch_of(&keys));
        let mut triples = std::mem::take(&mut self.spare);
        triples.clear();
        for (_, msg, sig, key_bin) in &keys {
            triples.remember(key_bin, msg, sig);
        }
        self.pending.push_back(Pending { ticket, triples });
    }
}

/// A triple whose key parsed as LibNaCL (Ed25519): the parsed key, message, signature, and
/// the key as sent.
type Ed25519Item<'a> = (Arc<PublicKey>, &'a [u8], &'a [u8], &'a [u8]);

impl RealCrypto {
    /// The triples with LibNaCL (Ed25519) keys, parsed through the cache; others are left to
    /// `verify`.
    fn ed25519<'a>(&mut self, items: &[(&'a [u8], &'a [u8], &'a [u8])]) -> Vec<Ed25519Item<'a>> {
        let mut keys = Vec::with_capacity(items.len());
        for &(key_bin, msg, sig) in items {
            if let Ok(key) = self.cache.get_or_parse(key_bin)
                && matches!(*key, PublicKey::LibNacl(_))
            {
                keys.push((key, msg, sig, key_bin));
            }
        }
        keys
    }
}

/// The batch of [`RealCrypto::ed25519`]'s triples.
fn batch_of<'k, 'a>(
    keys: &'k [Ed25519Item<'a>],
) -> Vec<(&'k LibNaclPublicKey, &'a [u8], &'a [u8])> {
    keys.iter()
        .filter_map(|(key, msg, sig, _)| match &**key {
            PublicKey::LibNacl(k) => Some((k, *msg, *sig)),
            #[allow(unreachable_patterns)]
            _ => None,
        })
        .collect()
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

    fn append_signature(&self, datagram: &mut Vec<u8>) {
        // As in `sign`: on an OpenSSL failure the datagram goes out without a signature.
        if let Err(e) = self.key.append_signature(datagram) {
            tracing::error!(error = %e, "signing failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three keys and their signatures of `hello`.
    fn three_signers() -> (Vec<KeyIdentity>, Vec<Vec<u8>>) {
        let keys: Vec<KeyIdentity> = (1..=3).map(KeyIdentity::from_seed).collect();
        let sigs = keys.iter().map(|k| k.sign(b"hello")).collect();
        (keys, sigs)
    }

    /// The `(key, msg, sig)` triples of `three_signers`.
    fn triples<'a>(
        keys: &'a [KeyIdentity],
        sigs: &'a [Vec<u8>],
    ) -> Vec<(&'a [u8], &'a [u8], &'a [u8])> {
        keys.iter()
            .zip(sigs)
            .map(|(k, s)| (k.public_bin(), &b"hello"[..], s.as_slice()))
            .collect()
    }

    #[test]
    fn verified_ahead_answers_only_the_exact_triple_once() {
        let (keys, sigs) = three_signers();
        let items = triples(&keys, &sigs);
        let mut c = RealCrypto::default();
        c.verify_ahead(&items);
        assert_eq!(c.ahead.remaining(), 3, "a valid batch is remembered");
        // Another message or key with a remembered signature is not taken from the batch.
        assert!(!c.verify(keys[0].public_bin(), b"hellO", &sigs[0]));
        assert!(!c.verify(keys[1].public_bin(), b"hello", &sigs[0]));
        assert!(c.verify(keys[0].public_bin(), b"hello", &sigs[0]));
        assert_eq!(c.ahead.remaining(), 2, "taken once");
        // Still valid when asked again: verified alone.
        assert!(c.verify(keys[0].public_bin(), b"hello", &sigs[0]));
    }

    #[test]
    fn verified_ahead_answers_out_of_order_and_skips_what_was_never_asked() {
        let (keys, sigs) = three_signers();
        let items = triples(&keys, &sigs);
        let mut c = RealCrypto::default();
        c.verify_ahead(&items);
        // The first triple is never asked for (its datagram was dropped before the check).
        assert!(c.verify(keys[2].public_bin(), b"hello", &sigs[2]));
        assert!(c.verify(keys[1].public_bin(), b"hello", &sigs[1]));
        assert_eq!(c.ahead.remaining(), 1);
        assert!(!c.ahead.is_empty());
        assert!(c.ahead.take(keys[0].public_bin(), b"hello", &sigs[0]));
        assert!(c.ahead.is_empty(), "all asked: nothing left to scan");
        assert!(!c.ahead.take(keys[2].public_bin(), b"hello", &sigs[2]));
    }

    #[test]
    fn one_bad_signature_means_nothing_is_remembered() {
        let (keys, mut sigs) = three_signers();
        sigs[2][0] ^= 1;
        let items = triples(&keys, &sigs);
        let mut c = RealCrypto::default();
        c.verify_ahead(&items);
        assert!(c.ahead.is_empty());
        assert!(c.verify(keys[0].public_bin(), b"hello", &sigs[0]));
        assert!(!c.verify(keys[2].public_bin(), b"hello", &sigs[2]));
        // A garbage key is skipped, not a panic; a single valid item is not batched.
        c.verify_ahead(&[(b"garbage", b"hello", &sigs[0]), items[0]]);
        assert!(c.ahead.is_empty());
    }

    #[test]
    fn helpers_remember_the_shares_that_pass() {
        let keys: Vec<KeyIdentity> = (1..=8).map(KeyIdentity::from_seed).collect();
        let mut sigs: Vec<Vec<u8>> = keys.iter().map(|k| k.sign(b"hello")).collect();
        sigs[7][3] ^= 1;
        let items = triples(&keys, &sigs);
        let mut c = RealCrypto::default().with_helpers(1);
        c.verify_ahead(&items);
        // Two shares of 4: the first passes, the second holds the forgery.
        assert_eq!(c.ahead.remaining(), 4);
        assert_eq!(c.verifier.started(), 1);
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(
                c.verify(key.public_bin(), b"hello", &sigs[i]),
                i != 7,
                "item {i}"
            );
        }
        assert!(c.ahead.is_empty());
    }

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
