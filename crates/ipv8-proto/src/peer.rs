//! [`Peer`]: a verified public key with its addresses, liveness and RTT samples.
//!
//! Ports py-ipv8 `peer.py`. A peer holds at most one address per class (IPv4, IPv6, IPv4-LAN, as
//! py-ipv8's `addresses` dict keyed by address type); its preferred address is IPv6, then IPv4.
//! `last_response` is `None` for a peer that was introduced and has not spoken since (py-ipv8's
//! `last_response = 0`).
//!
//! One addition: the peer remembers when RandomChurn last pinged it (py-ipv8 keeps that in the
//! strategy's `_pinged` dict, keyed by address). A peer pinged more than [`UNRESPONSIVE_AFTER`]
//! ago that has not been heard from since is *unresponsive* ([`Peer::is_unresponsive`]): it is
//! still a verified peer (RandomChurn drops it after `drop_time`, as py-ipv8 does), but the
//! walkers look for a replacement already and nobody is introduced to it.

use std::fmt;
use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6};
use std::sync::Arc;
use std::time::Duration;

use ipv8_crypto::Mid;

use crate::address::{ZERO_V4, canonical};
use crate::time::Instant;

/// RTT samples kept per peer (py-ipv8 `deque(maxlen=5)`).
pub const MAX_PING_SAMPLES: usize = 5;

/// A ping unanswered for this long makes a peer unresponsive (py-ipv8's ping cache timeout).
pub const UNRESPONSIVE_AFTER: Duration = Duration::from_secs(5);

/// An optional [`Instant`] in 8 bytes (`Option<Instant>` takes 16): `u64::MAX` is "never".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp(u64);

impl Stamp {
    const NONE: Self = Self(u64::MAX);

    fn of(at: Option<Instant>) -> Self {
        at.map_or(Self::NONE, |t| Self(t.as_micros().min(u64::MAX - 1)))
    }

    fn get(self) -> Option<Instant> {
        (self != Self::NONE).then_some(Instant::from_micros(self.0))
    }
}

/// A public key with addresses and liveness information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    key: Arc<[u8]>,
    mid: Mid,
    v4: Option<SocketAddrV4>,
    v6: Option<SocketAddrV6>,
    lan: Option<SocketAddrV4>,
    created: Instant,
    last_response: Stamp,
    last_pinged: Stamp,
    /// The first ping sent after `last_response` (the start of the silence that counts).
    first_unanswered: Stamp,
    /// RTT samples in microseconds (saturating), a ring of `ping_count` entries starting at
    /// `ping_head`; inline so a peer costs no extra allocation.
    pings: [u32; MAX_PING_SAMPLES],
    ping_count: u8,
    ping_head: u8,
    new_style: bool,
}

impl fmt::Display for Peer {
    /// py-ipv8's `Peer.__str__`: `Peer<ip:port, base64 mid>`.
    ///
    /// ```
    /// use ipv8_proto::{Instant, KeyIdentity, Mid, Peer};
    /// use std::sync::Arc;
    ///
    /// let key: Arc<[u8]> = KeyIdentity::from_seed(1).private_key().public_bin().into();
    /// let peer = Peer::new(key.clone(), Mid::of(&key), "1.2.3.4:8090".parse().unwrap(), Instant::ZERO, false);
    /// assert_eq!(peer.to_string(), format!("Peer<1.2.3.4:8090, {}>", Mid::of(&key).to_base64()));
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let addr = self.address();
        write!(
            f,
            "Peer<{}:{}, {}>",
            addr.ip(),
            addr.port(),
            self.mid.to_base64()
        )
    }
}

impl Peer {
    /// A peer for `key` (public key bin) with member id `mid`, first seen at `address`.
    ///
    /// `heard_from` is py-ipv8's `intro=False`: the peer contacted us, so `last_response` is
    /// `now`; otherwise it stays "never".
    #[must_use]
    pub fn new(
        key: Arc<[u8]>,
        mid: Mid,
        address: SocketAddr,
        now: Instant,
        heard_from: bool,
    ) -> Self {
        let mut peer = Self {
            key,
            mid,
            v4: None,
            v6: None,
            lan: None,
            created: now,
            last_response: Stamp::of(heard_from.then_some(now)),
            last_pinged: Stamp::NONE,
            first_unanswered: Stamp::NONE,
            pings: [0; MAX_PING_SAMPLES],
            ping_count: 0,
            ping_head: 0,
            new_style: false,
        };
        peer.add_address(address);
        peer
    }

    /// The serialized public key (`LibNaCLPK:…` or DER).
    #[must_use]
    pub fn public_key_bin(&self) -> &[u8] {
        &self.key
    }

    /// The shared serialized public key.
    #[must_use]
    pub fn key(&self) -> &Arc<[u8]> {
        &self.key
    }

    /// The member id (`SHA1(public key bin)`).
    #[must_use]
    pub fn mid(&self) -> Mid {
        self.mid
    }

    /// The preferred address: IPv6, then IPv4, else `0.0.0.0:0` (py-ipv8 `Peer.address`).
    #[must_use]
    pub fn address(&self) -> SocketAddr {
        if let Some(v6) = self.v6 {
            SocketAddr::V6(v6)
        } else if let Some(v4) = self.v4 {
            SocketAddr::V4(v4)
        } else if let Some(lan) = self.lan {
            SocketAddr::V4(lan)
        } else {
            SocketAddr::V4(ZERO_V4)
        }
    }

    /// The IPv4 address, if known.
    #[must_use]
    pub fn v4(&self) -> Option<SocketAddrV4> {
        self.v4
    }

    /// The IPv6 address, if known.
    #[must_use]
    pub fn v6(&self) -> Option<SocketAddrV6> {
        self.v6
    }

    /// The LAN address the peer announced in its introduction-request, if any.
    #[must_use]
    pub fn lan_address(&self) -> Option<SocketAddrV4> {
        self.lan
    }

    /// Every known address (IPv6, IPv4, LAN), as py-ipv8's `addresses.values()`.
    pub fn addresses(&self) -> impl Iterator<Item = SocketAddr> + '_ {
        self.v6
            .map(SocketAddr::V6)
            .into_iter()
            .chain(self.v4.map(SocketAddr::V4))
            .chain(self.lan.map(SocketAddr::V4))
    }

    /// `true` when `addr` is one of this peer's addresses.
    #[must_use]
    pub fn has_address(&self, addr: SocketAddr) -> bool {
        let addr = canonical(addr);
        self.addresses().any(|a| a == addr)
    }

    /// Records an address in its class (py-ipv8 `add_address`): IPv4 replaces IPv4, IPv6
    /// replaces IPv6.
    pub fn add_address(&mut self, addr: SocketAddr) {
        match canonical(addr) {
            SocketAddr::V4(v4) => self.v4 = Some(v4),
            SocketAddr::V6(v6) => self.v6 = Some(v6),
        }
    }

    /// As [`Peer::add_address`], returning the address of that class it replaced (if any and
    /// different). A LAN address equal to the replaced IPv4 address described the same
    /// endpoint and is forgotten with it.
    pub(crate) fn replace_address(&mut self, addr: SocketAddr) -> Option<SocketAddr> {
        match canonical(addr) {
            SocketAddr::V4(v4) => {
                let old = self.v4.replace(v4).filter(|o| *o != v4);
                if old.is_some() && self.lan == old {
                    self.lan = None;
                }
                old.map(SocketAddr::V4)
            }
            SocketAddr::V6(v6) => self.v6.replace(v6).filter(|o| *o != v6).map(SocketAddr::V6),
        }
    }

    /// Records the LAN address (py-ipv8 `UDPv4LANAddress`).
    pub fn set_lan_address(&mut self, lan: SocketAddrV4) {
        self.lan = Some(lan);
    }

    /// Merges another record of the same key (addresses only), as `known.addresses.update()`.
    pub(crate) fn merge_addresses(&mut self, other: &Self) {
        if other.v4.is_some() {
            self.v4 = other.v4;
        }
        if other.v6.is_some() {
            self.v6 = other.v6;
        }
        if other.lan.is_some() {
            self.lan = other.lan;
        }
    }

    /// When this record was created.
    #[must_use]
    pub fn creation_time(&self) -> Instant {
        self.created
    }

    /// The last time any packet arrived from one of this peer's addresses, `None` if never.
    #[must_use]
    pub fn last_response(&self) -> Option<Instant> {
        self.last_response.get()
    }

    /// Marks the peer as heard from at `now`.
    pub fn touch(&mut self, now: Instant) {
        self.last_response = Stamp::of(Some(now));
    }

    /// When RandomChurn last pinged this peer (py-ipv8 `RandomChurn._pinged`), `None` if never.
    #[must_use]
    pub fn last_pinged(&self) -> Option<Instant> {
        self.last_pinged.get()
    }

    /// Records that RandomChurn pinged the peer at `now`.
    pub fn set_pinged(&mut self, now: Instant) {
        self.last_pinged = Stamp::of(Some(now));
        let answered = self
            .first_unanswered
            .get()
            .is_none_or(|first| self.last_response().is_some_and(|l| l >= first));
        if answered {
            self.first_unanswered = Stamp::of(Some(now));
        }
    }

    /// `true` when a ping went out at least [`UNRESPONSIVE_AFTER`] before `now` and nothing
    /// arrived from the peer since (not in py-ipv8; see the module documentation).
    #[must_use]
    pub fn is_unresponsive(&self, now: Instant) -> bool {
        self.first_unanswered.get().is_some_and(|pinged| {
            now >= pinged + UNRESPONSIVE_AFTER && self.last_response().is_none_or(|l| l < pinged)
        })
    }

    /// The RTT samples, oldest first (at most [`MAX_PING_SAMPLES`], microsecond precision).
    #[must_use]
    pub fn pings(&self) -> Vec<Duration> {
        (0..usize::from(self.ping_count))
            .filter_map(|i| {
                let slot = (usize::from(self.ping_head) + i) % MAX_PING_SAMPLES;
                self.pings.get(slot)
            })
            .map(|us| Duration::from_micros(u64::from(*us)))
            .collect()
    }

    /// Number of RTT samples (py-ipv8 `len(peer.pings)`).
    #[must_use]
    pub fn ping_count(&self) -> usize {
        usize::from(self.ping_count)
    }

    /// Adds an RTT sample, forgetting the oldest beyond [`MAX_PING_SAMPLES`].
    pub fn add_ping(&mut self, rtt: Duration) {
        let us = u32::try_from(rtt.as_micros()).unwrap_or(u32::MAX);
        let count = usize::from(self.ping_count);
        let head = usize::from(self.ping_head);
        if count < MAX_PING_SAMPLES {
            if let Some(slot) = self.pings.get_mut((head + count) % MAX_PING_SAMPLES) {
                *slot = us;
            }
            self.ping_count = self.ping_count.saturating_add(1);
        } else {
            if let Some(slot) = self.pings.get_mut(head) {
                *slot = us;
            }
            self.ping_head = u8::try_from((head + 1) % MAX_PING_SAMPLES).unwrap_or(0);
        }
    }

    /// The median RTT (mean of the middle two for an even count), `None` without samples.
    #[must_use]
    pub fn median_ping(&self) -> Option<Duration> {
        let mut sorted = self.pings();
        sorted.sort_unstable();
        let n = sorted.len();
        if n == 0 {
            return None;
        }
        if n % 2 == 1 {
            return sorted.get(n / 2).copied();
        }
        let a = sorted.get(n / 2 - 1)?;
        let b = sorted.get(n / 2)?;
        Some((*a + *b) / 2)
    }

    /// Whether the peer speaks the new-style (234/233) introduction messages.
    #[must_use]
    pub fn new_style(&self) -> bool {
        self.new_style
    }

    /// Marks the peer as speaking new-style introductions.
    pub fn set_new_style(&mut self, on: bool) {
        self.new_style = on;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> Peer {
        let key: Arc<[u8]> = Arc::from(&b"LibNaCLPK:test"[..]);
        Peer::new(
            key,
            Mid::of(b"LibNaCLPK:test"),
            "1.2.3.4:5".parse().unwrap(),
            Instant::ZERO,
            false,
        )
    }

    #[test]
    fn preferred_address_is_v6_then_v4() {
        let mut p = peer();
        assert_eq!(p.address(), "1.2.3.4:5".parse().unwrap());
        p.set_lan_address("10.0.0.1:5".parse().unwrap());
        assert_eq!(p.address(), "1.2.3.4:5".parse().unwrap());
        assert!(p.has_address("10.0.0.1:5".parse().unwrap()));
        p.add_address("[2001:db8::1]:7".parse().unwrap());
        assert_eq!(p.address(), "[2001:db8::1]:7".parse().unwrap());
        assert_eq!(p.addresses().count(), 3);
        assert_eq!(p.last_response(), None);
    }

    #[test]
    fn unanswered_ping_makes_a_peer_unresponsive_until_it_speaks() {
        let mut p = peer();
        let t = Instant::from_secs(10);
        assert!(!p.is_unresponsive(t));
        p.set_pinged(t);
        assert!(!p.is_unresponsive(t + Duration::from_secs(4)));
        assert!(p.is_unresponsive(t + UNRESPONSIVE_AFTER));
        p.touch(t + Duration::from_secs(6));
        assert!(!p.is_unresponsive(t + Duration::from_secs(30)));
        p.set_pinged(t + Duration::from_secs(40));
        assert!(p.is_unresponsive(t + Duration::from_secs(45)));
        // Pinging again does not restart the silence.
        p.set_pinged(t + Duration::from_secs(50));
        assert!(p.is_unresponsive(t + Duration::from_secs(51)));
        assert_eq!(p.last_pinged(), Some(t + Duration::from_secs(50)));
    }

    #[test]
    fn pings_are_bounded_and_median_is_py_ipv8s() {
        let mut p = peer();
        assert_eq!(p.median_ping(), None);
        for ms in [5, 1, 3, 2] {
            p.add_ping(Duration::from_millis(ms));
        }
        assert_eq!(p.median_ping(), Some(Duration::from_micros(2_500)));
        for ms in [9, 9, 9] {
            p.add_ping(Duration::from_millis(ms));
        }
        assert_eq!(p.ping_count(), MAX_PING_SAMPLES);
        assert_eq!(
            p.pings(),
            [3, 2, 9, 9, 9].map(Duration::from_millis).to_vec(),
            "oldest first, the two oldest forgotten"
        );
        assert_eq!(p.median_ping(), Some(Duration::from_millis(9)));
    }
}
