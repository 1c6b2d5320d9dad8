//! [`ParallelVerifier`]: one burst of Ed25519 signatures checked in batches on the calling
//! thread and on helper threads at the same time, so a node on two cores verifies about twice
//! as many signatures per second as on one.
//!
//! The burst is cut into shares (a few per thread), each copied (keys, signatures, message
//! bytes) into a queue shared with the helpers. The calling thread then takes shares of its
//! burst from the same queue until none is left, and waits only for shares a helper has
//! already started: if the helpers get no CPU (a busy machine), the caller simply does all the
//! work itself, so the burst never takes longer than on one thread plus the copies. Each share
//! is one `ed25519_dalek::verify_batch` call, whose result depends only on the share's
//! contents, so the answer for a burst is the same whoever checks which share.
//!
//! A burst can also be queued ahead ([`ParallelVerifier::submit`]) and collected later
//! ([`ParallelVerifier::finish`]): a receiver that queues burst `k + 1` before it handles burst
//! `k` keeps the helpers busy while its own thread does the rest of the work. Helpers take the
//! oldest share first; the caller only takes shares of the burst it waits for.
//!
//! Helpers are plain threads started on the first burst large enough to split (an idle node
//! starts none). A helper that cannot be started only means fewer helpers; a share whose check
//! panics (it cannot on any input, but a panic must not hang the caller) is reported as not
//! verified, and the caller then checks those signatures one by one, as without the look
//! ahead.

use std::collections::VecDeque;
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
///
/// // Or queued now, collected later (helpers work on it meanwhile).
/// let ticket = verifier.submit(&items);
/// verifier.finish(ticket, &mut ok);
/// assert_eq!(ok, vec![true; 16]);
/// ```
#[derive(Debug)]
pub struct ParallelVerifier {
    helpers: usize,
    started: usize,
    pool: Arc<Pool>,
    /// Shares of earlier bursts, kept so their buffers are reused.
    spare: Vec<Share>,
    /// Id of the next submitted burst.
    next_id: u64,
}

/// A burst handed to [`ParallelVerifier::submit`], to be collected with
/// [`ParallelVerifier::finish`].
#[derive(Debug)]
#[must_use = "a submitted burst is collected with `finish`"]
pub struct Ticket {
    /// The verifier that issued it (its pool's address).
    pool: usize,
    len: usize,
    kind: TicketKind,
}

#[derive(Debug)]
enum TicketKind {
    /// Checked on submission as one batch (too small to split, or no helpers).
    Checked(bool),
    /// Queued as `shares` shares of `per` signatures (the last may be shorter).
    Queued { id: u64, per: usize, shares: usize },
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
    /// Shares not taken yet, oldest first: burst id, index in the burst, share.
    queue: VecDeque<(u64, usize, Share)>,
    /// Shares checked, by burst id and index in the burst.
    done: Vec<(u64, usize, Share)>,
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
            next_id: 0,
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

    /// Checks `items` and sets `ok[i]` to whether item `i` is known valid: [`Self::submit`]
    /// and [`Self::finish`] at once. A burst of fewer than `2 × MIN_SHARE` signatures, or any
    /// burst without helpers, is one batch on the calling thread; a larger one is cut into
    /// consecutive shares (two per thread, at least [`MIN_SHARE`] signatures each; one per
    /// thread from [`LARGE_SHARE`] per thread), each checked as one batch by whichever thread
    /// takes it. Every item of a share that passes is `true`. `false` means "not known": its
    /// share had an invalid signature (or a malformed key or signature), so verify it alone to
    /// learn whether it is the bad one.
    pub fn verify(&mut self, items: &[(&LibNaclPublicKey, &[u8], &[u8])], ok: &mut Vec<bool>) {
        let ticket = self.submit(items);
        self.finish(ticket, ok);
    }

    /// Queues `items` for the helpers and returns at once (a burst too small to split, or any
    /// burst without helpers, is checked here as one batch). Collect the answer with
    /// [`Self::finish`]; until then the helpers work on it.
    pub fn submit(&mut self, items: &[(&LibNaclPublicKey, &[u8], &[u8])]) -> Ticket {
        let pool = Arc::as_ptr(&self.pool) as usize;
        let len = items.len();
        let threads = (len / MIN_SHARE).clamp(1, self.helpers + 1);
        if threads > 1 {
            self.start_helpers(threads - 1);
        }
        if threads == 1 || self.started == 0 {
            let kind = TicketKind::Checked(crate::verify_batch(items));
            return Ticket { pool, len, kind };
        }
        // Two shares per thread balance the work when a thread is slow to start; but from
        // `LARGE_SHARE` signatures a batch switches to a cheaper multiscalar algorithm, so a
        // burst that large is cut in one share per thread instead.
        let per = if len >= LARGE_SHARE * threads {
            len.div_ceil(threads)
        } else {
            len.div_ceil(2 * threads).max(MIN_SHARE)
        };
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        let shares = len.div_ceil(per);
        {
            let mut state = self.pool.lock();
            for (index, chunk) in items.chunks(per).enumerate() {
                let mut share = self.spare.pop().unwrap_or_default();
                share.fill(chunk);
                state.queue.push_back((id, index, share));
            }
        }
        self.pool.queued.notify_all();
        Ticket {
            pool,
            len,
            kind: TicketKind::Queued { id, per, shares },
        }
    }

    /// The answer for a submitted burst, as [`Self::verify`] gives it: the calling thread takes
    /// the burst's shares no helper has started, then waits for those a helper has. A ticket
    /// of another verifier answers "not known" for every item.
    pub fn finish(&mut self, ticket: Ticket, ok: &mut Vec<bool>) {
        ok.clear();
        let (id, per, shares) = match ticket.kind {
            _ if ticket.pool != Arc::as_ptr(&self.pool) as usize => {
                ok.resize(ticket.len, false);
                return;
            }
            TicketKind::Checked(passed) => {
                ok.resize(ticket.len, passed);
                return;
            }
            TicketKind::Queued { id, per, shares } => (id, per, shares),
        };
        ok.resize(ticket.len, false);
        let mut state = self.pool.lock();
        loop {
            // This burst's shares from the back, so the helpers (at the front) rarely meet us.
            let own = state.queue.iter().rposition(|(i, _, _)| *i == id);
            if let Some((_, index, mut share)) = own.and_then(|at| state.queue.remove(at)) {
                drop(state);
                share.check();
                state = self.pool.lock();
                state.done.push((id, index, share));
            } else if state.done.iter().filter(|(i, _, _)| *i == id).count() < shares {
                state = self
                    .pool
                    .checked
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            } else {
                break;
            }
        }
        let mut at = 0;
        while at < state.done.len() {
            if state.done[at].0 == id {
                let (_, index, share) = state.done.swap_remove(at);
                let start = index * per;
                let end = (start + per).min(ticket.len);
                ok[start..end].fill(share.ok);
                self.spare.push(share);
            } else {
                at += 1;
            }
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
    /// Stops the helpers; shares still queued are dropped unchecked.
    fn drop(&mut self) {
        self.pool.lock().shutdown = true;
        self.pool.queued.notify_all();
    }
}

/// A helper thread: checks queued shares, oldest first, until the verifier is dropped.
fn help(pool: &Pool) {
    let mut state = pool.lock();
    loop {
        if state.shutdown {
            return;
        }
        if let Some((id, index, mut share)) = state.queue.pop_front() {
            drop(state);
            share.check();
            state = pool.lock();
            state.done.push((id, index, share));
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

    #[test]
    fn bursts_queued_ahead_are_collected_in_any_order() {
        let (key, mut items) = signed(40);
        items[33].1[1] ^= 1;
        let mut verifier = ParallelVerifier::new(1);
        let first = verifier.submit(&refs(&key, &items[..20]));
        let second = verifier.submit(&refs(&key, &items[20..]));
        let mut ok = Vec::new();
        verifier.finish(second, &mut ok);
        // 20 signatures on two threads: four shares of 5; the forgery (index 13) is in the third.
        assert_eq!(ok.len(), 20);
        assert_eq!(&ok[..10], &[true; 10]);
        assert_eq!(&ok[10..15], &[false; 5]);
        assert_eq!(&ok[15..], &[true; 5]);
        verifier.finish(first, &mut ok);
        assert_eq!(ok, vec![true; 20]);
        let state = verifier.pool.lock();
        assert!(state.queue.is_empty() && state.done.is_empty());
    }

    #[test]
    fn a_ticket_of_another_verifier_answers_not_known() {
        let (key, items) = signed(12);
        let mut one = ParallelVerifier::new(1);
        let mut other = ParallelVerifier::new(1);
        let ticket = one.submit(&refs(&key, &items));
        let mut ok = Vec::new();
        other.finish(ticket, &mut ok);
        assert_eq!(ok, vec![false; 12]);
        // Dropping `one` with its shares still queued stops its helper without a hang.
        drop(one);
    }
}
