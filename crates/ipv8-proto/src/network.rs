//! [`Network`]: verified peers, walkable addresses, introductions, services and blacklists — one
//! table shared by every overlay of the node.
//!
//! Ports py-ipv8 `peerdiscovery/network.py`. Differences, all for bounded memory and determinism:
//! tables are `BTreeMap`s keyed by address / mid (py-ipv8 iterates hash sets); the address table,
//! the verified-peer table, the per-peer service sets and the services remembered for unverified
//! keys are capped, with deterministic eviction (oldest walkable address first, lowest mid first).
//! Peer additions and removals per community are queued as [`NetEvent`]s for the node to emit.
//!
//! Two deviations keep the address table free of addresses nobody answers on (py-ipv8 keeps them
//! until a walk to them times out, and its walkers stop walking at 20 peers, so they can stay
//! forever):
//!
//! * when a verified peer is seen at a new address of the same class (it moved), the address it
//!   replaces leaves the table unless another verified peer still uses it
//!   ([`Network::add_peer_address`], and the merge in [`Network::add_verified_peer`]);
//! * [`Network::forget_unreachable`]: an address a send failed to (ICMP unreachable) leaves the
//!   table unless a verified peer uses it.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use ipv8_crypto::Mid;
use ipv8_wire::{Address, CommunityId, Reader, Writer};

use crate::address::canonical;
use crate::peer::Peer;
use crate::time::Instant;
use crate::vecmap::{Keyed, KeyedVec, VecMap};

/// Capacity limits of a [`Network`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkLimits {
    /// Entries in the address table (walkable plus verified addresses).
    pub max_addresses: usize,
    /// Verified peers (a hard memory cap; py-ipv8 has none, `max_peers` is per community).
    pub max_verified: usize,
    /// Services remembered per peer.
    pub max_services_per_peer: usize,
    /// Keys that are not verified peers but advertised services (similarity-requests).
    pub max_unverified_service_keys: usize,
}

impl Default for NetworkLimits {
    fn default() -> Self {
        Self {
            max_addresses: 500,
            max_verified: 500,
            max_services_per_peer: 64,
            max_unverified_service_keys: 64,
        }
    }
}

/// An entry of the address table (py-ipv8 `WalkableAddress`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkableAddress {
    /// The peer that introduced this address, `None` for addresses of peers that contacted us.
    pub introduced_by: Option<Mid>,
    /// The community through which it was introduced.
    pub service: Option<CommunityId>,
    /// The introducer said the address speaks new-style introductions.
    pub new_style: bool,
    seq: u64,
}

/// A change in some community's peer list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetEvent {
    /// `mid` became a verified peer running `community`.
    PeerAdded {
        /// The community.
        community: CommunityId,
        /// The peer.
        mid: Mid,
        /// Its preferred address.
        addr: SocketAddr,
    },
    /// `mid` left `community`'s peer list.
    PeerRemoved {
        /// The community.
        community: CommunityId,
        /// The peer.
        mid: Mid,
        /// Its preferred address.
        addr: SocketAddr,
    },
}

/// Result of [`Network::add_verified_peer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOutcome {
    /// A new verified peer.
    Added,
    /// The key was already verified; its addresses were merged.
    Merged,
    /// Refused: blacklisted mid or address.
    Blacklisted,
    /// Refused: the verified table is full.
    TableFull,
}

/// The peer graph shared by all overlays.
#[derive(Debug, Clone, Default)]
pub struct Network {
    limits: NetworkLimits,
    addresses: VecMap<SocketAddr, WalkableAddress>,
    verified: KeyedVec<Peer>,
    services: VecMap<Mid, Vec<CommunityId>>,
    blacklist: VecMap<SocketAddr, ()>,
    blacklist_mids: VecMap<Mid, ()>,
    events: Vec<NetEvent>,
    seq: u64,
}

impl Network {
    /// An empty network with the given limits.
    #[must_use]
    pub fn new(limits: NetworkLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    // ----- read side -------------------------------------------------------------------------

    /// All verified peers, ordered by mid.
    pub fn verified_peers(&self) -> impl Iterator<Item = &Peer> + '_ {
        self.verified.values()
    }

    /// Number of verified peers.
    #[must_use]
    pub fn verified_count(&self) -> usize {
        self.verified.len()
    }

    /// The verified peer with this mid.
    #[must_use]
    pub fn peer(&self, mid: &Mid) -> Option<&Peer> {
        self.verified.get(mid)
    }

    /// The verified peer with this mid, mutably.
    pub fn peer_mut(&mut self, mid: &Mid) -> Option<&mut Peer> {
        self.verified.get_mut(mid)
    }

    /// The first verified peer (by mid) having `addr` among its addresses.
    #[must_use]
    pub fn verified_by_address(&self, addr: SocketAddr) -> Option<&Peer> {
        let addr = canonical(addr);
        self.verified.values().find(|p| p.has_address(addr))
    }

    /// Mid of the first verified peer having `addr`.
    #[must_use]
    pub fn mid_by_address(&self, addr: SocketAddr) -> Option<Mid> {
        self.verified_by_address(addr).map(Peer::mid)
    }

    /// The services (community ids) known for `mid`.
    #[must_use]
    pub fn services_of(&self, mid: &Mid) -> &[CommunityId] {
        self.services.get(mid).map_or(&[], Vec::as_slice)
    }

    /// Verified peers running `community`, ordered by mid (py-ipv8 `get_peers_for_service`).
    pub fn peers_for_service(&self, community: CommunityId) -> impl Iterator<Item = &Peer> + '_ {
        // Both tables are sorted by mid: walk them side by side instead of a look-up per peer
        // (this runs several times per walk round and per request).
        let mut services = self.services.iter().peekable();
        self.verified.values().filter(move |p| {
            let mid = p.mid();
            while services.next_if(|(m, _)| **m < mid).is_some() {}
            services
                .peek()
                .is_some_and(|(m, set)| **m == mid && set.contains(&community))
        })
    }

    /// Number of verified peers running `community`.
    #[must_use]
    pub fn count_for_service(&self, community: CommunityId) -> usize {
        self.peers_for_service(community).count()
    }

    /// Number of verified peers running `community` that are not unresponsive at `now`
    /// ([`Peer::is_unresponsive`]): what the walkers compare with their peer target.
    #[must_use]
    pub fn responsive_count_for_service(&self, community: CommunityId, now: Instant) -> usize {
        self.peers_for_service(community)
            .filter(|p| !p.is_unresponsive(now))
            .count()
    }

    /// Addresses we know for `community` that belong to none of its verified peers
    /// (py-ipv8 `get_walkable_addresses(service_id, old_style)`), ordered by address.
    #[must_use]
    pub fn walkable_addresses(
        &self,
        community: CommunityId,
        old_style_only: bool,
    ) -> Vec<SocketAddr> {
        self.walkable(community, old_style_only).collect()
    }

    /// How many [`Network::walkable_addresses`] there are, without listing them.
    #[must_use]
    pub fn walkable_count(&self, community: CommunityId, old_style_only: bool) -> usize {
        self.walkable(community, old_style_only).count()
    }

    fn walkable(
        &self,
        community: CommunityId,
        old_style_only: bool,
    ) -> impl Iterator<Item = SocketAddr> + '_ {
        // One sorted list rather than a set: tens of peers, one allocation.
        let mut taken: Vec<SocketAddr> = self
            .peers_for_service(community)
            .flat_map(Peer::addresses)
            .collect();
        taken.sort_unstable();
        self.addresses
            .iter()
            .filter(move |(addr, _)| taken.binary_search(addr).is_err())
            .filter(move |(_, w)| !(old_style_only && w.new_style))
            .filter(move |(_, w)| {
                w.service == Some(community)
                    || w.introduced_by
                        .is_some_and(|m| self.services_of(&m).contains(&community))
            })
            .map(|(addr, _)| *addr)
    }

    /// Every entry of the address table, ordered by address.
    pub fn addresses(&self) -> impl Iterator<Item = (SocketAddr, &WalkableAddress)> + '_ {
        self.addresses.iter().map(|(a, w)| (*a, w))
    }

    /// Whether the table says `addr` speaks new-style introductions.
    #[must_use]
    pub fn is_new_style(&self, addr: SocketAddr) -> bool {
        self.addresses
            .get(&canonical(addr))
            .is_some_and(|w| w.new_style)
    }

    /// Addresses introduced to us by `mid` (py-ipv8 `get_introductions_from`).
    #[must_use]
    pub fn introductions_from(&self, mid: &Mid) -> Vec<SocketAddr> {
        self.addresses
            .iter()
            .filter(|(_, w)| w.introduced_by.as_ref() == Some(mid))
            .map(|(a, _)| *a)
            .collect()
    }

    /// Whether `addr` is blacklisted (bootstrap servers).
    #[must_use]
    pub fn is_blacklisted(&self, addr: SocketAddr) -> bool {
        self.blacklist.contains_key(&canonical(addr))
    }

    /// The blacklisted addresses.
    pub fn blacklist(&self) -> impl Iterator<Item = SocketAddr> + '_ {
        self.blacklist.keys().copied()
    }

    // ----- write side ------------------------------------------------------------------------

    /// Adds `addr` to the address blacklist (py-ipv8 `ensure_blacklisted`).
    pub fn blacklist_address(&mut self, addr: SocketAddr) {
        // Bounded by configuration (bootstrap lists); cap defensively anyway.
        if self.blacklist.len() < 4096 {
            self.blacklist.insert(canonical(addr), ());
        }
    }

    /// Whether `mid` is blacklisted (one of our own member ids).
    #[must_use]
    pub fn is_own_mid(&self, mid: &Mid) -> bool {
        self.blacklist_mids.contains_key(mid)
    }

    /// Never accept `mid` as a peer (each community blacklists its own key).
    pub fn blacklist_mid(&mut self, mid: Mid) {
        self.blacklist_mids.insert(mid, ());
    }

    /// A peer introduced us to `addr` through `service` (py-ipv8 `discover_address`).
    ///
    /// An existing entry is only replaced when its introducer is no longer verified.
    pub fn discover_address(
        &mut self,
        introducer: Mid,
        addr: SocketAddr,
        service: Option<CommunityId>,
        new_style: bool,
    ) {
        let addr = canonical(addr);
        if self.is_blacklisted(addr) {
            return;
        }
        let replace = match self.addresses.get(&addr) {
            None => true,
            Some(w) => !w
                .introduced_by
                .is_some_and(|m| self.verified.contains_key(&m)),
        };
        if replace {
            let entry = WalkableAddress {
                introduced_by: Some(introducer),
                service,
                new_style,
                seq: 0,
            };
            self.insert_address(addr, entry);
        }
    }

    /// Adds (or refreshes) a verified peer (py-ipv8 `add_verified_peer`).
    pub fn add_verified_peer(&mut self, peer: Peer) -> AddOutcome {
        let mid = peer.mid();
        if self.blacklist_mids.contains_key(&mid) {
            return AddOutcome::Blacklisted;
        }
        if let Some(known) = self.verified.get_mut(&mid) {
            // A peer has at most three addresses (IPv6, IPv4, LAN): kept on the stack.
            let mut before = [None; 3];
            for (slot, addr) in before.iter_mut().zip(known.addresses()) {
                *slot = Some(addr);
            }
            known.merge_addresses(&peer);
            // Those the merge replaced.
            for slot in &mut before {
                *slot = slot.filter(|a| !known.has_address(*a));
            }
            for old in before.into_iter().flatten() {
                self.forget_unowned(old);
            }
            return AddOutcome::Merged;
        }
        let known_address = peer.addresses().any(|a| self.addresses.contains_key(&a));
        if !known_address && peer.addresses().any(|a| self.is_blacklisted(a)) {
            return AddOutcome::Blacklisted;
        }
        if self.verified.len() >= self.limits.max_verified {
            return AddOutcome::TableFull;
        }
        if !known_address {
            let addrs: Vec<SocketAddr> = peer.addresses().collect();
            for addr in addrs {
                let entry = WalkableAddress {
                    introduced_by: None,
                    service: None,
                    new_style: false,
                    seq: 0,
                };
                if !self.addresses.contains_key(&addr) {
                    self.insert_address(addr, entry);
                }
            }
        }
        let addr = peer.address();
        self.verified.insert(peer);
        let services: Vec<CommunityId> = self.services_of(&mid).to_vec();
        for community in services {
            self.events.push(NetEvent::PeerAdded {
                community,
                mid,
                addr,
            });
        }
        AddOutcome::Added
    }

    /// A signed packet of the verified peer `mid` arrived from `addr` (py-ipv8
    /// `peer.add_address` in `lazy_wrapper`): `addr` becomes its address of that class. The
    /// address it replaces leaves the table unless another verified peer uses it. Returns
    /// `false` when `mid` is not a verified peer.
    pub fn add_peer_address(&mut self, mid: Mid, addr: SocketAddr) -> bool {
        let Some(peer) = self.verified.get_mut(&mid) else {
            return false;
        };
        if let Some(old) = peer.replace_address(addr) {
            tracing::debug!(%mid, %old, new = %addr, "verified peer moved");
            self.forget_unowned(old);
        }
        true
    }

    /// Sending to `addr` failed: it leaves the address table unless a verified peer uses it.
    /// Returns whether an entry was removed.
    pub fn forget_unreachable(&mut self, addr: SocketAddr) -> bool {
        self.forget_unowned(canonical(addr))
    }

    /// Removes `addr` from the table if no verified peer has it.
    fn forget_unowned(&mut self, addr: SocketAddr) -> bool {
        if self.verified.values().any(|p| p.has_address(addr)) {
            return false;
        }
        self.addresses.remove(&addr).is_some()
    }

    /// `mid` advertised `services` (py-ipv8 `discover_services`).
    pub fn discover_services(&mut self, mid: Mid, services: &[CommunityId]) {
        let verified_addr = self.verified.get(&mid).map(Peer::address);
        if verified_addr.is_none() && !self.services.contains_key(&mid) {
            self.evict_unverified_services(mid);
        }
        let cap = self.limits.max_services_per_peer;
        let set = self.services.get_or_insert_with(mid, Vec::new);
        let mut added = Vec::new();
        for service in services {
            if set.len() >= cap {
                break;
            }
            if let Err(pos) = set.binary_search(service) {
                if set.len() == set.capacity() {
                    // Most peers run one or two communities: grow exactly.
                    set.reserve_exact((set.len() / 2).max(1));
                }
                set.insert(pos, *service);
                added.push(*service);
            }
        }
        if let Some(addr) = verified_addr {
            for community in added {
                self.events.push(NetEvent::PeerAdded {
                    community,
                    mid,
                    addr,
                });
            }
        }
    }

    /// Removes `community` from `mid`'s services; removes the peer when none is left
    /// (the reference tracker's rule).
    pub fn forget_service(&mut self, mid: Mid, community: CommunityId) {
        let Some(set) = self.services.get_mut(&mid) else {
            self.remove_peer(mid);
            return;
        };
        set.retain(|c| *c != community);
        let empty = set.is_empty();
        if let Some(peer) = self.verified.get(&mid) {
            let addr = peer.address();
            self.events.push(NetEvent::PeerRemoved {
                community,
                mid,
                addr,
            });
        }
        if empty {
            self.remove_peer(mid);
        }
    }

    /// Removes the address, and every verified peer using it (py-ipv8 `remove_by_address`).
    pub fn remove_by_address(&mut self, addr: SocketAddr) {
        let addr = canonical(addr);
        self.addresses.remove(&addr);
        let doomed: Vec<Mid> = self
            .verified
            .values()
            .filter(|p| p.has_address(addr))
            .map(Peer::mid)
            .collect();
        for mid in doomed {
            self.remove_peer(mid);
        }
    }

    /// Removes a verified peer, its addresses and its services (py-ipv8 `remove_peer`).
    pub fn remove_peer(&mut self, mid: Mid) {
        let services = self.services.remove(&mid).unwrap_or_default();
        if let Some(peer) = self.verified.remove(&mid) {
            for addr in peer.addresses() {
                self.addresses.remove(&addr);
            }
            let addr = peer.address();
            for community in services {
                self.events.push(NetEvent::PeerRemoved {
                    community,
                    mid,
                    addr,
                });
            }
        }
    }

    /// Forgets all walkable (non-verified) addresses (network change).
    pub fn clear_walkable(&mut self) {
        let taken: BTreeSet<SocketAddr> =
            self.verified.values().flat_map(Peer::addresses).collect();
        self.addresses.retain(|a, _| taken.contains(a));
    }

    /// Marks the verified peer owning `addr` as heard from (py-ipv8 `on_packet`).
    pub fn touch_by_address(&mut self, addr: SocketAddr, now: Instant) {
        let addr = canonical(addr);
        if let Some(peer) = self.verified.values_mut().find(|p| p.has_address(addr)) {
            peer.touch(now);
        }
    }

    /// py-ipv8 `Network.snapshot`: the preferred address of every verified peer (except
    /// `0.0.0.0:0`), `address`-encoded back to back.
    #[must_use]
    pub fn snapshot(&self) -> Vec<u8> {
        let mut w = Writer::new();
        for peer in self.verified.values() {
            let addr = peer.address();
            if !(addr.ip().is_unspecified() && addr.port() == 0) {
                w.address(&Address::Ip(addr));
            }
        }
        w.into_bytes()
    }

    /// py-ipv8 `Network.load_snapshot`: adds the addresses of a [`snapshot`](Self::snapshot)
    /// to the table with no introducer and no service (so no community walks to them by
    /// itself; a driver may `walk_to` them). Host-name entries are skipped; decoding stops at
    /// the first malformed entry. Returns the addresses loaded.
    pub fn load_snapshot(&mut self, data: &[u8]) -> Vec<SocketAddr> {
        let mut r = Reader::new(data);
        let mut loaded = Vec::new();
        while !r.peek_rest().is_empty() {
            let Ok(entry) = r.address("snapshot_entry") else {
                break;
            };
            if let Address::Ip(addr) = entry {
                let addr = canonical(addr);
                if !self.addresses.contains_key(&addr) {
                    let entry = WalkableAddress {
                        introduced_by: None,
                        service: None,
                        new_style: false,
                        seq: 0,
                    };
                    self.insert_address(addr, entry);
                }
                loaded.push(addr);
            }
        }
        loaded
    }

    /// Takes the queued peer events.
    pub(crate) fn drain_events(&mut self) -> Vec<NetEvent> {
        std::mem::take(&mut self.events)
    }

    fn insert_address(&mut self, addr: SocketAddr, mut entry: WalkableAddress) {
        if !self.addresses.contains_key(&addr) && self.addresses.len() >= self.limits.max_addresses
        {
            self.evict_address();
        }
        self.seq = self.seq.wrapping_add(1);
        entry.seq = self.seq;
        self.addresses.insert(addr, entry);
    }

    /// Evicts the oldest address that belongs to no verified peer (or the oldest at all).
    fn evict_address(&mut self) {
        let taken: BTreeSet<SocketAddr> =
            self.verified.values().flat_map(Peer::addresses).collect();
        let victim = self
            .addresses
            .iter()
            .filter(|(a, _)| !taken.contains(*a))
            .min_by_key(|(_, w)| w.seq)
            .or_else(|| self.addresses.iter().min_by_key(|(_, w)| w.seq))
            .map(|(a, _)| *a);
        if let Some(victim) = victim {
            self.addresses.remove(&victim);
        }
    }

    fn evict_unverified_services(&mut self, incoming: Mid) {
        let unverified: Vec<Mid> = self
            .services
            .keys()
            .filter(|m| **m != incoming && !self.verified.contains_key(m))
            .copied()
            .collect();
        if unverified.len() >= self.limits.max_unverified_service_keys
            && let Some(victim) = unverified.first()
        {
            self.services.remove(victim);
        }
    }
}

impl Keyed for Peer {
    type Key = Mid;
    fn key(&self) -> Mid {
        self.mid()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn cid(b: u8) -> CommunityId {
        CommunityId([b; 20])
    }

    fn peer(n: u8, addr: &str) -> Peer {
        let key: Arc<[u8]> = Arc::from(vec![n; 8]);
        Peer::new(
            key,
            Mid([n; 20]),
            addr.parse().unwrap(),
            Instant::ZERO,
            true,
        )
    }

    #[test]
    fn verified_peers_and_services() {
        let mut n = Network::default();
        assert_eq!(n.add_verified_peer(peer(1, "1.1.1.1:1")), AddOutcome::Added);
        assert_eq!(
            n.add_verified_peer(peer(1, "1.1.1.2:1")),
            AddOutcome::Merged
        );
        n.discover_services(Mid([1; 20]), &[cid(9)]);
        assert_eq!(n.count_for_service(cid(9)), 1);
        assert_eq!(
            n.peer(&Mid([1; 20])).unwrap().address(),
            "1.1.1.2:1".parse().unwrap()
        );
        let ev = n.drain_events();
        assert_eq!(ev.len(), 1);
        n.remove_peer(Mid([1; 20]));
        assert_eq!(n.verified_count(), 0);
        assert!(matches!(
            n.drain_events()[..],
            [NetEvent::PeerRemoved { .. }]
        ));
    }

    #[test]
    fn blacklist_blocks_peers_and_introductions() {
        let mut n = Network::default();
        n.blacklist_address("9.9.9.9:9".parse().unwrap());
        assert_eq!(
            n.add_verified_peer(peer(1, "9.9.9.9:9")),
            AddOutcome::Blacklisted
        );
        n.blacklist_mid(Mid([2; 20]));
        assert_eq!(
            n.add_verified_peer(peer(2, "2.2.2.2:2")),
            AddOutcome::Blacklisted
        );
        n.discover_address(
            Mid([3; 20]),
            "9.9.9.9:9".parse().unwrap(),
            Some(cid(1)),
            false,
        );
        assert_eq!(n.addresses().count(), 0);
    }

    #[test]
    fn walkable_addresses_follow_service_and_introducer() {
        let mut n = Network::default();
        n.add_verified_peer(peer(1, "1.1.1.1:1"));
        n.discover_services(Mid([1; 20]), &[cid(7)]);
        n.discover_address(
            Mid([1; 20]),
            "3.3.3.3:3".parse().unwrap(),
            Some(cid(7)),
            true,
        );
        n.discover_address(Mid([1; 20]), "4.4.4.4:4".parse().unwrap(), None, false);
        assert_eq!(
            n.walkable_addresses(cid(7), false),
            vec!["3.3.3.3:3".parse().unwrap(), "4.4.4.4:4".parse().unwrap()]
        );
        assert_eq!(
            n.walkable_addresses(cid(7), true),
            vec!["4.4.4.4:4".parse().unwrap()]
        );
        assert!(n.walkable_addresses(cid(8), false).is_empty());
        assert!(n.is_new_style("3.3.3.3:3".parse().unwrap()));
        assert_eq!(n.introductions_from(&Mid([1; 20])).len(), 2);
        n.remove_by_address("3.3.3.3:3".parse().unwrap());
        assert_eq!(n.walkable_addresses(cid(7), false).len(), 1);
    }

    #[test]
    fn snapshot_round_trips_preferred_addresses() {
        let mut n = Network::default();
        n.add_verified_peer(peer(1, "1.1.1.1:1"));
        n.add_verified_peer(peer(2, "[2001:db8::2]:2"));
        let snap = n.snapshot();
        assert_eq!(snap.len(), 7 + 19);
        let mut fresh = Network::default();
        let mut garbage = snap.clone();
        garbage.push(0x09);
        let loaded = fresh.load_snapshot(&garbage);
        assert_eq!(loaded.len(), 2);
        assert_eq!(fresh.addresses().count(), 2);
        assert!(fresh.walkable_addresses(cid(1), false).is_empty());
    }

    #[test]
    fn tables_are_bounded() {
        let limits = NetworkLimits {
            max_addresses: 4,
            max_verified: 2,
            max_services_per_peer: 2,
            max_unverified_service_keys: 2,
        };
        let mut n = Network::new(limits);
        for i in 0..10u8 {
            n.discover_address(
                Mid([1; 20]),
                SocketAddr::from(([5, 5, 5, i], 1)),
                None,
                false,
            );
        }
        assert_eq!(n.addresses().count(), 4);
        assert!(
            n.addresses()
                .any(|(a, _)| a == SocketAddr::from(([5, 5, 5, 9], 1)))
        );
        assert_eq!(n.add_verified_peer(peer(1, "1.0.0.1:1")), AddOutcome::Added);
        assert_eq!(n.add_verified_peer(peer(2, "1.0.0.2:1")), AddOutcome::Added);
        assert_eq!(
            n.add_verified_peer(peer(3, "1.0.0.3:1")),
            AddOutcome::TableFull
        );
        n.discover_services(Mid([1; 20]), &[cid(1), cid(2), cid(3)]);
        assert_eq!(n.services_of(&Mid([1; 20])).len(), 2);
        for i in 10..20u8 {
            n.discover_services(Mid([i; 20]), &[cid(1)]);
        }
        assert!(n.services.len() <= 2 + 2 + 1);
    }
}
