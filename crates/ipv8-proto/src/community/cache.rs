//! A community's request cache: outstanding requests by `(prefix, number)`, with timeouts
//! that call back into the community, and [`Reply`]/[`Response`] so application code can await
//! the answer.
//!
//! Ports py-ipv8 `requestcache.py` (`RequestCache.add/has/get/pop`, `NumberCache` with
//! `timeout_delay` and `on_timeout`, `RandomNumberCache`). A cache entry is any type that
//! implements [`NumberCache`]; its prefix is the type's [`NumberCache::PREFIX`], so lookups are
//! typed. Everything left when the community unloads is dropped, which resolves every pending
//! [`Response`] with [`Cancelled`].

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_channel::oneshot;

use super::cx::Deferred;
use super::{Community, Cx};
use crate::rng::NodeRng;
use crate::time::Instant;

/// Outstanding cache entries one community may hold; when full, the entry closest to its
/// deadline times out early to make room.
pub const MAX_CACHES: usize = 4096;

/// One outstanding request (py-ipv8 `NumberCache`).
pub trait NumberCache<C: Community>: Send + Sized + 'static {
    /// The name space of this cache type (py-ipv8's `prefix`).
    const PREFIX: &'static str;

    /// How long the request may stay outstanding (py-ipv8 `timeout_delay`, default 10 s).
    fn timeout_delay(&self) -> Duration {
        Duration::from_secs(10)
    }

    /// The request timed out (or was evicted from a full cache); the entry is already removed.
    fn on_timeout(self, community: &mut C, cx: &mut Cx<'_, C>) {
        let _ = (community, cx);
    }
}

/// An entry with its type erased.
trait Erased<C>: Send {
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn timeout(self: Box<Self>, community: &mut C, cx: &mut Cx<'_, C>);
}

impl<C: Community, T: NumberCache<C>> Erased<C> for T {
    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn timeout(self: Box<Self>, community: &mut C, cx: &mut Cx<'_, C>) {
        (*self).on_timeout(community, cx);
    }
}

struct Slot<C> {
    prefix: &'static str,
    number: u64,
    deadline: Instant,
    entry: Box<dyn Erased<C>>,
}

/// A community's outstanding requests.
pub(crate) struct Caches<C> {
    slots: Vec<Slot<C>>,
}

impl<C> Default for Caches<C> {
    fn default() -> Self {
        Self { slots: Vec::new() }
    }
}

impl<C: Community> Caches<C> {
    fn position(&self, prefix: &str, number: u64) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.number == number && s.prefix == prefix)
    }

    pub(crate) fn has(&self, prefix: &str, number: u64) -> bool {
        self.position(prefix, number).is_some()
    }

    /// Stores an entry; returns the evicted entry when the cache was full (to time it out).
    pub(crate) fn add<T: NumberCache<C>>(
        &mut self,
        number: u64,
        now: Instant,
        entry: T,
    ) -> Option<Deferred<C>> {
        let evicted = if self.slots.len() >= MAX_CACHES {
            self.pop_earliest()
        } else {
            None
        };
        let deadline = now + entry.timeout_delay();
        self.slots.push(Slot {
            prefix: T::PREFIX,
            number,
            deadline,
            entry: Box::new(entry),
        });
        evicted
    }

    /// A number in `1..2^31` unused for `prefix` (py-ipv8 `RandomNumberCache`).
    pub(crate) fn free_number(&self, prefix: &str, rng: &mut NodeRng) -> u64 {
        for _ in 0..64 {
            let n = u64::from(rng.u32() >> 1).max(1);
            if !self.has(prefix, n) {
                return n;
            }
        }
        // 64 collisions in 2^31 means the cache is nearly all of one prefix: count up.
        (1..).find(|n| !self.has(prefix, *n)).unwrap_or(0)
    }

    pub(crate) fn get_mut<T: NumberCache<C>>(&mut self, number: u64) -> Option<&mut T> {
        let pos = self.position(T::PREFIX, number)?;
        self.slots[pos]
            .entry
            .as_mut()
            .as_any_mut()
            .downcast_mut::<T>()
    }

    pub(crate) fn pop<T: NumberCache<C>>(&mut self, number: u64) -> Option<T> {
        let pos = self.position(T::PREFIX, number)?;
        if !self.slots[pos].entry.as_mut().as_any_mut().is::<T>() {
            return None;
        }
        let slot = self.slots.swap_remove(pos);
        slot.entry.into_any().downcast::<T>().ok().map(|b| *b)
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.slots.iter().map(|s| s.deadline).min()
    }

    fn pop_earliest(&mut self) -> Option<Deferred<C>> {
        let pos = (0..self.slots.len()).min_by_key(|&i| (self.slots[i].deadline, i))?;
        let slot = self.slots.swap_remove(pos);
        Some(Box::new(move |c: &mut C, cx: &mut Cx<'_, C>| {
            slot.entry.timeout(c, cx);
        }))
    }

    /// Removes one entry due at `now`, as a closure that runs its `on_timeout`.
    pub(crate) fn pop_expired(&mut self, now: Instant) -> Option<Deferred<C>> {
        let pos = (0..self.slots.len())
            .filter(|&i| self.slots[i].deadline <= now)
            .min_by_key(|&i| (self.slots[i].deadline, i))?;
        let slot = self.slots.swap_remove(pos);
        Some(Box::new(move |c: &mut C, cx: &mut Cx<'_, C>| {
            slot.entry.timeout(c, cx);
        }))
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    pub(crate) fn clear(&mut self) {
        self.slots.clear();
    }
}

/// The request was dropped unanswered: timed out, evicted, or its community unloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the request was cancelled before it was answered")
    }
}

impl std::error::Error for Cancelled {}

/// The answering half of a [`reply_channel`]: keep it in a cache entry and [`Reply::send`] the
/// answer. Dropping it unanswered resolves the [`Response`] with [`Cancelled`].
#[derive(Debug)]
pub struct Reply<T>(oneshot::Sender<T>);

impl<T> Reply<T> {
    /// Answers the request; `false` if nobody awaits the answer any more.
    pub fn send(self, value: T) -> bool {
        self.0.send(value).is_ok()
    }
}

/// The awaiting half of a [`reply_channel`]: a future of the answer, runtime independent.
#[derive(Debug)]
pub struct Response<T>(oneshot::Receiver<T>);

impl<T> Future for Response<T> {
    type Output = Result<T, Cancelled>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.map_err(|_| Cancelled))
    }
}

/// A one-shot answer channel: the community keeps the [`Reply`], the application awaits the
/// [`Response`].
#[must_use]
pub fn reply_channel<T>() -> (Reply<T>, Response<T>) {
    let (tx, rx) = oneshot::channel();
    (Reply(tx), Response(rx))
}
