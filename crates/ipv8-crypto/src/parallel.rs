//! [`ParallelVerifier`]: one burst of Ed25519 signatures checked in batches on the calling
//! thread and on helper threads at the same time, so a node on two cores verifies about twice
//! as many signatures per second as on one.
//!
//! The burst is cut into shares (a few per thread), each copied (keys, signatures, message
//! bytes) into a queue shared with the helpers. The calling thread then takes shares from the
//! same queue until it is empty, and waits only for shares a helper has already started: if
//! the helpers get no CPU (a busy machine), the caller simply does all the work itself, so the
//! burst never takes longer than on one thread plus the copies. Each share is one
//! `ed25519_dalek::verify_batch` call, whose result depends only on the share's contents, so
//! the answer for a burst is the same whoever checks which share. Helpers are plain threads
//! started on the first burst large enough to split (an idle node starts none). A helper that
//! cannot be started only means fewer helpers; a share whose check panics (it cannot on any
//! input, but a panic must not hang the caller) is reported as not verified, and the caller
//! then checks those signatures one by one, as without the look ahead.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use ed25519_dalek::{Signature, VerifyingKey};

use crate::LibNaclPublicKey;

/// Signatures per share at least, and per thread below which a burst is not split: handing a
/// share to another thread costs a wake-up (microseconds), an Ed25519 verification tens of
/// microseconds.
pub const MIN_SHARE: usize = 4;

/// Signatures from which one batch is cheaper per signature than two half batches: a batch of
/// `n` signatures is a multiscalar multiplication of `2n + 1` points, and curve25519-dalek
/// switches from Straus to Pippenger's algorithm at 190 points.
pub const LARGE_SHARE: usize = 95;

/// Verifies bursts of Ed25519 signatures on the calling thread plus up to `helpers` threads.
///
/// ```
/// use ipv8_crypto::{PrivateKey, PublicKey, ParallelVerifier};
///
/// let key = PrivateKey::from_seeds([1; 32], [2; 32]);
/// let PublicKey::LibNacl(public) = key.public() else { unreachable!() };
/// let messages: Vec<Vec<u8>> = (0..16u8).map(|i| vec![i; 40]).collect();
/// let signatures: Vec<Vec<u8>> = messages.iter().map(|m| key.sign(m)).collect();
/// let items: Vec<_> = messages
///     .iter()
///     .zip(&signatures)
///     .map(|(m, s)| (&public, m.as_slice(), s.as_slice()))
///     .collect();
/// let mut verifier = ParallelVerifier::new(1);
/// let mut ok = Vec::new();
/// verifier.verify(&items, &mut ok);
/// assert_eq!(ok, vec![true; 16]);
/// ```
#[derive(Debug)]
pub struct ParallelVerifier {
    helpers: usize,
    started: usize,
    pool: Arc<Pool>,
    /// Shares of earlier bursts, kept so their buffers are reused.
    spare: Vec<Share>,
}

/// What the caller and the helpers share.
#[derive(Debug, Default)]
struct Pool {
    state: Mutex<State>,
    /// Signalled when shares are queued (or on shutdown).
    queued: Condvar,
    /// Signalled when a helper has checked a share.
    checked: Condvar,
}

#[derive(Debug, Default)]
struct State {
    /// Shares not taken yet, by index in the burst.
    queue: Vec<(usize, Share)>,
    /// Shares checked, by index in the burst.
    done: Vec<(usize, Share)>,
    shutdown: bool,
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A copied share of a burst and, once checked, its result.
#[derive(Debug, Default)]
struct Share {
    keys: Vec<VerifyingKey>,
    signatures: Vec<Signature>,
    bytes: Vec<u8>,
    /// Where each message ends in `bytes`.
    ends: Vec<usize>,
    /// Every signature of the share was read and the batch verified.
    ok: bool,
}

impl Share {
    fn fill(&mut self, items: &[(&LibNaclPublicKey, &[u8], &[u8])]) {
        self.keys.clear();
        self.signatures.clear();
        self.bytes.clear();
        self.ends.clear();
        self.ok = true;
        for (key, msg, signature) in items {
            match (key.verifying, Signature::from_slice(signature)) {
                (Some(verifying), Ok(signature)) => {
                    self.keys.push(verifying);
                    self.signatures.push(signature);
                    self.bytes.extend_from_slice(msg);
                    self.ends.push(self.bytes.len());
                }
                _ => self.ok = false,
            }
        }
    }

    fn check(&mut self) {
        if !self.ok {
            return;
        }
        let checked = catch_unwind(AssertUnwindSafe(|| {
            let mut start = 0;
            let messages: Vec<&[u8]> = self
                .ends
                .iter()
                .map(|&end| {
                    let msg = &self.bytes[start..end];
                    start = end;
                    msg
                })
                .collect();
            ed25519_dalek::verify_batch(&messages, &self.signatures, &self.keys).is_ok()
        }));
        self.ok = checked.unwrap_or(false);
    }
}

impl ParallelVerifier {
    /// A verifier that may use up to `helpers` threads besides the caller's (0: everything on
    /// the calling thread, one batch per burst).
    #[must_use]
    pub fn new(helpers: usize) -> Self {
        Self {
            helpers,
            started: 0,
            pool: Arc::default(),
            spare: Vec::new(),
        }
    }

    /// Helper threads this verifier may use.
    #[must_use]
    pub fn helpers(&self) -> usize {
        self.helpers
    }

    /// Helper threads started so far (they start on the first burst large enough to split).
    #[must_use]
    pub fn started(&self) -> usize {
        self.started
    }

    /// Checks `items` and sets `ok[i]` to whether item `i` is known valid. A burst of fewer
    /// than `2 × MIN_SHARE` signatures, or any burst without helpers, is one batch on the
    /// calling thread; a larger one is cut into consecutive shares (two per thread, at least
    /// [`MIN_SHARE`] signatures each), each checked as one batch by whichever thread takes it.
    /// Every item of a share that passes is `true`. `false` means "not known": its share had
    /// an invalid signature (or a malformed key or signature), so verify it alone to learn
    /// whether it is the bad one.
    pub fn verify(&mut self, items: &[(&LibNaclPublicKey, &[u8], &[u8])], ok: &mut Vec<bool>) {
        ok.clear();
        let threads = (items.len() / MIN_SHARE).clamp(1, self.helpers + 1);
        if threads > 1 {
            self.start_helpers(threads - 1);
        }
        if threads == 1 || self.started == 0 {
            ok.resize(items.len(), crate::verify_batch(items));
            return;
        }
        ok.resize(items.len(), false);
        // Two shares per thread balance the work when a thread is slow to start; but from
        // `LARGE_SHARE` signatures a batch switches to a cheaper multiscalar algorithm, so a
        // burst that large is cut in one share per thread instead.
        let per = if items.len() >= LARGE_SHARE * threads {
            items.len().div_ceil(threads)
        } else {
            items.len().div_ceil(2 * threads).max(MIN_SHARE)
        };
        let shares = items.len().div_ceil(per);
        {
            let mut state = self.pool.lock();
            for (index, chunk) in items.chunks(per).enumerate() {
                let mut share = self.spare.pop().unwrap_or_default();
                share.fill(chunk);
                state.queue.push((index, share));
            }
        }
        self.pool.queued.notify_all();
        // Work through the queue alongside the helpers, then wait for the shares they took.
        let mut state = self.pool.lock();
        loop {
            if let Some((index, mut share)) = state.queue.pop() {
                drop(state);
                share.check();
                state = self.pool.lock();
                state.done.push((index, share));
            } else if state.done.len() < shares {
                state = self
                    .pool
                    .checked
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            } else {
                break;
            }
        }
        for (index, share) in state.done.drain(..) {
            let start = index * per;
            let end = (start + per).min(items.len());
            ok[start..end].fill(share.ok);
            self.spare.push(share);
        }
    }

    /// Starts helper threads until `wanted` run (or the system refuses one).
    fn start_helpers(&mut self, wanted: usize) {
        while self.started < wanted {
            let pool = Arc::clone(&self.pool);
            let spawned = std::thread::Builder::new()
                .name("ipv8-verify".into())
                .spawn(move || help(&pool));
            if spawned.is_err() {
                return;
            }
            self.started += 1;
        }
    }
}

impl Drop for ParallelVerifier {
    /// Stops the helpers (they finish no share: none is queued between bursts).
    fn drop(&mut self) {
        self.pool.lock().shutdown = true;
        self.pool.queued.notify_all();
    }
}

/// A helper thread: checks queued shares until the verifier is dropped.
fn help(pool: &Pool) {
    let mut state = pool.lock();
    loop {
        if state.shutdown {
            return;
        }
        if let Some((index, mut share)) = state.queue.pop() {
            drop(state);
            share.check();
            state = pool.lock();
            state.done.push((index, share));
            pool.checked.notify_one();
        } else {
            state = pool
                .queued
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PrivateKey, PublicKey};

    /// Messages and their signatures.
    type Signed = Vec<(Vec<u8>, Vec<u8>)>;

    fn signed(n: u8) -> (LibNaclPublicKey, Signed) {
        let key = PrivateKey::from_seeds([3; 32], [4; 32]);
        let PublicKey::LibNacl(public) = key.public() else {
            unreachable!()
        };
        let items = (0..n)
            .map(|i| {
                let msg = vec![i; 10 + usize::from(i)];
                let sig = key.sign(&msg);
                (msg, sig)
            })
            .collect();
        (public, items)
    }

    fn refs<'a>(
        key: &'a LibNaclPublicKey,
        items: &'a [(Vec<u8>, Vec<u8>)],
    ) -> Vec<(&'a LibNaclPublicKey, &'a [u8], &'a [u8])> {
        items
            .iter()
            .map(|(m, s)| (key, m.as_slice(), s.as_slice()))
            .collect()
    }

    #[test]
    fn small_bursts_stay_on_the_calling_thread() {
        let (key, items) = signed(8);
        let mut verifier = ParallelVerifier::new(3);
        let mut ok = Vec::new();
        verifier.verify(&refs(&key, &items[..7]), &mut ok);
        assert_eq!(ok, vec![true; 7]);
        assert_eq!(
            verifier.started(),
            0,
            "7 signatures: fewer than two shares of 4"
        );
        verifier.verify(&refs(&key, &items), &mut ok);
        assert_eq!(ok, vec![true; 8]);
        assert_eq!(
            verifier.started(),
            1,
            "8 signatures: one share of 4 goes to a helper"
        );
    }

    #[test]
    fn a_forged_signature_only_clears_its_own_share() {
        let (key, mut items) = signed(24);
        items[20].1[5] ^= 1;
        let mut verifier = ParallelVerifier::new(2);
        let mut ok = Vec::new();
        verifier.verify(&refs(&key, &items), &mut ok);
        assert_eq!(verifier.started(), 2);
        // Six shares of 4 (two per thread): only the last holds the forgery.
        assert_eq!(&ok[..20], &[true; 20]);
        assert_eq!(&ok[20..], &[false; 4]);
        // The same burst again reuses the helpers and gives the same answer.
        let mut again = Vec::new();
        verifier.verify(&refs(&key, &items), &mut again);
        assert_eq!(ok, again);
    }

    #[test]
    fn large_bursts_are_one_share_per_thread() {
        let (key, mut items) = signed(200);
        items[150].1[9] ^= 1;
        let mut verifier = ParallelVerifier::new(1);
        let mut ok = Vec::new();
        verifier.verify(&refs(&key, &items), &mut ok);
        // 200 ≥ 2 × LARGE_SHARE: two shares of 100, the second holds the forgery.
        assert_eq!(&ok[..100], &[true; 100]);
        assert_eq!(&ok[100..], &[false; 100]);
    }

    #[test]
    fn without_helpers_the_burst_is_one_batch() {
        let (key, mut items) = signed(12);
        let mut verifier = ParallelVerifier::new(0);
        let mut ok = Vec::new();
        verifier.verify(&refs(&key, &items), &mut ok);
        assert_eq!(ok, vec![true; 12]);
        items[0].1.truncate(10); // a malformed signature
        verifier.verify(&refs(&key, &items), &mut ok);
        assert_eq!(ok, vec![false; 12]);
        assert_eq!(verifier.started(), 0);
        verifier.verify(&[], &mut ok);
        assert!(ok.is_empty());
    }

    #[test]
    fn malformed_signatures_clear_their_share() {
        let (key, mut items) = signed(8);
        items[6].1.truncate(3);
        let mut verifier = ParallelVerifier::new(1);
        let mut ok = Vec::new();
        verifier.verify(&refs(&key, &items), &mut ok);
        assert_eq!(ok, [true, true, true, true, false, false, false, false]);
    }
}
