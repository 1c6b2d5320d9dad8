//! [`Cx`]: the typed context of every call into a community — time, randomness, the network,
//! sending, events, tasks, the request cache and the walk operations strategies use.
//!
//! Ports what a py-ipv8 `Community` method reaches through `self`: `ez_send`, `get_peers`,
//! `network`, `my_peer`, `claim_global_time`, `walk_to`, `get_new_introduction`, `bootstrap`,
//! `register_task`, `request_cache`. A `Cx` lives for one call; it is the only way a community
//! affects the world.

use std::net::{SocketAddr, SocketAddrV4};
use std::time::Duration;

use ipv8_crypto::Mid;
use ipv8_wire::{CommunityId, MessagePayload, Prefix};

use super::cache::{Caches, NumberCache};
use super::introduction::{self, Intro};
use super::tasks::{TaskError, Tasks};
use super::{Base, Community, walk};
use crate::bootstrap::Bootstrappers;
use crate::drops::DropReason;
use crate::network::Network;
use crate::peer::Peer;
use crate::rng::NodeRng;
use crate::time::Instant;

/// The timer key of a community's request cache (task keys start at 1).
pub(crate) const CACHE_TIMER: u64 = 0;

/// A deferred call into the community (a cache entry evicted while the community was busy).
pub(crate) type Deferred<C> = Box<dyn FnOnce(&mut C, &mut Cx<'_, C>) + Send>;

/// A community's tasks and request cache.
pub(crate) struct Extras<C> {
    pub(crate) tasks: Tasks<C>,
    pub(crate) caches: Caches<C>,
    /// Timeouts of evicted cache entries, run right after the current call.
    pub(crate) deferred: Vec<Deferred<C>>,
}

impl<C> Default for Extras<C> {
    fn default() -> Self {
        Self {
            tasks: Tasks::default(),
            caches: Caches::default(),
            deferred: Vec::new(),
        }
    }
}

/// The context of one call into community `C`.
pub struct Cx<'a, C> {
    pub(crate) base: Base<'a>,
    pub(crate) boot: &'a mut Bootstrappers,
    pub(crate) extras: &'a mut Extras<C>,
}

impl<C: Community> Cx<'_, C> {
    // ----- who and when ----------------------------------------------------------------------

    /// The current time.
    #[must_use]
    pub fn now(&self) -> Instant {
        self.base.now
    }

    /// This community's random stream (seeded, reproducible).
    pub fn rng(&mut self) -> &mut NodeRng {
        &mut self.base.ov.rng
    }

    /// This community's id.
    #[must_use]
    pub fn community_id(&self) -> CommunityId {
        self.base.ov.id
    }

    /// This community's prefix.
    #[must_use]
    pub fn prefix(&self) -> Prefix {
        self.base.ov.prefix
    }

    /// The prefix of the datagram being handled: this community's own, or, for a community
    /// that [serves any prefix](Community::serves_any_prefix), the datagram's.
    #[must_use]
    pub fn packet_prefix(&self) -> Prefix {
        self.base.ov.foreign_prefix.unwrap_or(self.base.ov.prefix)
    }

    /// Our serialized public key in this community (py-ipv8 `my_peer.public_key`).
    #[must_use]
    pub fn my_public_key(&self) -> &[u8] {
        &self.base.ov.my_key
    }

    /// Our member id in this community (py-ipv8 `my_peer.mid`).
    #[must_use]
    pub fn my_mid(&self) -> Mid {
        self.base.ov.my_mid
    }

    /// Our own peer in this community (py-ipv8 `my_peer`): our key and member id at our
    /// preferred address (py-ipv8 `my_preferred_address()`: what the last responder saw, else
    /// the LAN estimate). Its `Display` is py-ipv8's `Peer<ip:port, base64 mid>`.
    #[must_use]
    pub fn my_peer(&self) -> Peer {
        Peer::new(
            self.base.ov.my_key.clone(),
            self.base.ov.my_mid,
            self.base.core.addresses.preferred_address(),
            self.base.now,
            false,
        )
    }

    /// Signs `msg` with our key in this community (py-ipv8 `my_peer.key.signature`), for
    /// data a community signs itself, such as the DHT's signed values.
    #[must_use]
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.base.ov.identity.sign(msg)
    }

    /// Increments and returns the node's Lamport clock (py-ipv8 `claim_global_time`).
    pub fn claim_global_time(&mut self) -> u64 {
        self.base.claim_global_time()
    }

    /// Our LAN estimate (py-ipv8 `my_estimated_lan`).
    #[must_use]
    pub fn lan_estimate(&self) -> SocketAddrV4 {
        self.base.lan_estimate()
    }

    /// Our WAN estimate in this community (py-ipv8 `my_estimated_wan`).
    #[must_use]
    pub fn wan_estimate(&self) -> SocketAddrV4 {
        self.base.wan_estimate()
    }

    /// When any datagram last arrived at the node: evidence that our own network works.
    #[must_use]
    pub fn last_datagram_at(&self) -> Option<Instant> {
        self.base.core.last_heard
    }

    /// Ids of every community this node runs.
    #[must_use]
    pub fn local_communities(&self) -> &[CommunityId] {
        &self.base.core.communities
    }

    // ----- peers -----------------------------------------------------------------------------

    /// The verified peers of this community (py-ipv8 `get_peers`).
    #[must_use]
    pub fn peers(&self) -> Vec<Peer> {
        self.base
            .core
            .network
            .peers_for_service(self.base.ov.id)
            .cloned()
            .collect()
    }

    /// The node's peer graph, shared by every community (py-ipv8 `network`).
    #[must_use]
    pub fn network(&self) -> &Network {
        &self.base.core.network
    }

    /// The node's peer graph, mutably.
    pub fn network_mut(&mut self) -> &mut Network {
        &mut self.base.core.network
    }

    /// py-ipv8 `max_peers` of this community (`-1` = unlimited).
    #[must_use]
    pub fn max_peers(&self) -> i32 {
        self.base.ov.max_peers
    }

    /// Whether new requests are refused (`0 <= max_peers < peers`).
    #[must_use]
    pub fn over_max_peers(&self) -> bool {
        self.base.over_max_peers()
    }

    // ----- sending ---------------------------------------------------------------------------

    /// Packs `payload` on this community's prefix (signed with our key if its type is signed)
    /// and sends it to `peer` (py-ipv8 `ez_send`).
    pub fn ez_send<P: MessagePayload>(&mut self, peer: &Peer, payload: &P) {
        self.send_to(peer.address(), payload);
    }

    /// [`Cx::ez_send`] to an address.
    pub fn send_to<P: MessagePayload>(&mut self, to: SocketAddr, payload: &P) {
        let global_time = if P::GLOBAL_TIME {
            self.claim_global_time()
        } else {
            0
        };
        self.send_with_global_time(to, global_time, payload);
    }

    /// [`Cx::send_to`] with a global time the caller claimed (for messages that carry one, such
    /// as DiscoveryCommunity's ping, whose identifier is derived from it).
    pub fn send_with_global_time<P: MessagePayload>(
        &mut self,
        to: SocketAddr,
        global_time: u64,
        payload: &P,
    ) {
        let bytes = self.base.encode(global_time, payload);
        self.base.transmit(to, bytes);
    }

    /// [`Cx::ez_send`] to every peer of this community; returns how many were sent to.
    pub fn broadcast<P: MessagePayload>(&mut self, payload: &P) -> usize {
        let addrs: Vec<SocketAddr> = self
            .base
            .core
            .network
            .peers_for_service(self.base.ov.id)
            .map(Peer::address)
            .collect();
        for addr in &addrs {
            self.send_to(*addr, payload);
        }
        addrs.len()
    }

    /// Sends a prebuilt datagram.
    pub fn send_bytes(&mut self, to: SocketAddr, bytes: Vec<u8>) {
        self.base.transmit(to, bytes);
    }

    /// Counts a dropped datagram (or refused action) in the node's drop counters.
    pub fn count_drop(&mut self, reason: DropReason) {
        self.base.core.outbox.drops.record(reason);
    }

    /// Builds a signed introduction-request to `addr` on `prefix` (py-ipv8
    /// `create_introduction_request`): new style (234) when `new_style` or `addr` is IPv6,
    /// else old style (246). Returns the datagram and its identifier; `None` when an old-style
    /// request cannot address `addr`.
    pub fn create_introduction_request(
        &mut self,
        addr: SocketAddr,
        new_style: bool,
        prefix: Prefix,
    ) -> Option<(Vec<u8>, u16)> {
        walk::create_introduction_request(&mut self.base, addr, new_style, prefix)
    }

    /// Builds a signed introduction-response on `prefix` to the requester at `socket_address`
    /// that addressed us as `lan_socket_address`, introducing `introduction` (py-ipv8
    /// `create_introduction_response`); the puncture-request to the introduced peer is sent
    /// first.
    ///
    /// # Errors
    /// `UnsupportedAddress` when an old-style response cannot address the requester.
    pub fn create_introduction_response(
        &mut self,
        lan_socket_address: SocketAddr,
        socket_address: SocketAddr,
        identifier: u16,
        introduction: Option<Peer>,
        prefix: Prefix,
        new_style: bool,
    ) -> Result<Vec<u8>, DropReason> {
        introduction::create_introduction_response(
            &mut self.base,
            lan_socket_address,
            socket_address,
            identifier,
            Intro::Given(introduction),
            prefix,
            new_style,
        )
    }

    /// Sends an unsigned puncture-request on this community's prefix to `to`, asking it to
    /// puncture towards the walker at `lan_walker` / `wan_walker` (py-ipv8
    /// `create_puncture_request` + `endpoint.send`); old style (250) for IPv4 addresses, new
    /// style (232) otherwise. Overlays that introduce peers outside the walk use it (the DHT's
    /// find and connect-peer requests).
    pub fn send_puncture_request(
        &mut self,
        to: SocketAddr,
        lan_walker: SocketAddr,
        wan_walker: SocketAddr,
        identifier: u16,
    ) {
        let prefix = self.base.ov.prefix;
        let bytes = introduction::create_puncture_request(
            &mut self.base,
            lan_walker,
            wan_walker,
            identifier,
            prefix,
            false,
        );
        self.base.transmit(to, bytes);
    }

    /// Reports an event to the application (the typed handle's `next_event`).
    pub fn emit(&mut self, event: C::Event) {
        let community = self.base.ov.id;
        self.base
            .core
            .outbox
            .push_community_event(community, Box::new(event));
    }

    // ----- walking (what discovery strategies use) -------------------------------------------

    /// Sends an introduction-request to `addr` (py-ipv8 `walk_to`).
    pub fn walk_to(&mut self, addr: SocketAddr) {
        walk::walk_to(&mut self.base, addr);
    }

    /// Sends an introduction-request to a verified peer (py-ipv8 `send_introduction_request`).
    pub fn send_introduction_request(&mut self, peer: &Peer) {
        walk::send_introduction_request(&mut self.base, peer);
    }

    /// Asks `from` (or a random responsive peer) for an introduction, bootstrapping when the
    /// community has too few peers (py-ipv8 `get_new_introduction`).
    pub fn get_new_introduction(&mut self, from: Option<Mid>) {
        walk::get_new_introduction(&mut self.base, self.boot, from);
    }

    /// Runs this community's bootstrappers (trackers, LAN beacon); they rate-limit themselves.
    pub fn bootstrap(&mut self) {
        self.boot.bootstrap(&mut self.base);
    }

    /// Addresses introduced to this community that are not verified peers yet, excluding
    /// blacklisted ones (py-ipv8 `network.get_walkable_addresses(service)`).
    #[must_use]
    pub fn walkable_addresses(&self) -> Vec<SocketAddr> {
        self.base
            .core
            .network
            .walkable_addresses(self.base.ov.id, false)
    }

    /// Peers of this community that answered their last ping (what strategy targets count).
    #[must_use]
    pub fn responsive_peer_count(&self) -> usize {
        self.base
            .core
            .network
            .responsive_count_for_service(self.base.ov.id, self.base.now)
    }

    // ----- tasks (py-ipv8 TaskManager) -------------------------------------------------------

    /// Runs `task` after `delay`, then every `interval` if one is given (py-ipv8
    /// `register_task`).
    ///
    /// # Errors
    /// A task with this name is still pending, or too many are.
    pub fn register_task(
        &mut self,
        name: impl Into<String>,
        delay: Duration,
        interval: Option<Duration>,
        task: impl FnMut(&mut C, &mut Cx<'_, C>) + Send + 'static,
    ) -> Result<(), TaskError> {
        let now = self.base.now;
        let (key, at) =
            self.extras
                .tasks
                .register(name.into(), now, delay, interval, Box::new(task))?;
        self.base.ov.timers.set(key, at);
        Ok(())
    }

    /// [`Cx::register_task`] under a fresh name, which is returned.
    ///
    /// # Errors
    /// Too many tasks are pending.
    pub fn register_anonymous_task(
        &mut self,
        delay: Duration,
        task: impl FnMut(&mut C, &mut Cx<'_, C>) + Send + 'static,
    ) -> Result<String, TaskError> {
        let name = self.extras.tasks.anonymous_name();
        self.register_task(name.clone(), delay, None, task)?;
        Ok(name)
    }

    /// Cancels a pending task; `false` if there is none by that name.
    pub fn cancel_pending_task(&mut self, name: &str) -> bool {
        match self.extras.tasks.cancel(name) {
            Some(key) => {
                self.base.ov.timers.cancel(key);
                true
            }
            None => false,
        }
    }

    /// Cancels every pending task.
    pub fn cancel_all_pending_tasks(&mut self) {
        for key in self.extras.tasks.cancel_all() {
            self.base.ov.timers.cancel(key);
        }
    }

    /// Whether a task by that name is pending.
    #[must_use]
    pub fn is_pending_task_active(&self, name: &str) -> bool {
        self.extras.tasks.is_active(name)
    }

    /// Names of the pending tasks.
    #[must_use]
    pub fn pending_tasks(&self) -> Vec<String> {
        self.extras.tasks.names().map(str::to_owned).collect()
    }

    // ----- request cache (py-ipv8 RequestCache) ----------------------------------------------

    /// Stores `entry` under a fresh random number of its prefix and returns the number (py-ipv8
    /// `RandomNumberCache` + `request_cache.add`). It times out after its `timeout_delay`.
    pub fn add_cache<T: NumberCache<C>>(&mut self, entry: T) -> u64 {
        let number = {
            let Self { base, extras, .. } = self;
            extras.caches.free_number(T::PREFIX, &mut base.ov.rng)
        };
        self.add_cache_numbered(number, entry);
        number
    }

    /// Stores `entry` under `number`, replacing an entry of the same type and number.
    pub fn add_cache_numbered<T: NumberCache<C>>(&mut self, number: u64, entry: T) {
        drop(self.extras.caches.pop::<T>(number));
        let now = self.base.now;
        let evicted = self.extras.caches.add(number, now, entry);
        self.arm_caches();
        if let Some(timeout) = evicted {
            // Run by the hosting overlay once the community is free again.
            self.extras.deferred.push(timeout);
        }
    }

    /// Whether an entry of type `T` with `number` is outstanding (py-ipv8 `has`).
    #[must_use]
    pub fn has_cache<T: NumberCache<C>>(&self, number: u64) -> bool {
        self.extras.caches.has(T::PREFIX, number)
    }

    /// The outstanding entry of type `T` with `number` (py-ipv8 `get`).
    pub fn get_cache<T: NumberCache<C>>(&mut self, number: u64) -> Option<&mut T> {
        self.extras.caches.get_mut::<T>(number)
    }

    /// Removes and returns the entry of type `T` with `number` (py-ipv8 `pop`), typically when
    /// its response arrives.
    pub fn pop_cache<T: NumberCache<C>>(&mut self, number: u64) -> Option<T> {
        let entry = self.extras.caches.pop::<T>(number);
        self.arm_caches();
        entry
    }

    /// Outstanding cache entries.
    #[must_use]
    pub fn cache_len(&self) -> usize {
        self.extras.caches.len()
    }

    pub(crate) fn arm_caches(&mut self) {
        match self.extras.caches.next_deadline() {
            Some(at) => self.base.ov.timers.set(CACHE_TIMER, at),
            None => self.base.ov.timers.cancel(CACHE_TIMER),
        }
    }
}
