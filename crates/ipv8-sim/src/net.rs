//! The simulated internet: address allocation, which host is bound where, and the NAT boxes.
//!
//! There is one public realm (the internet) and one private realm per NAT (its LAN). Public
//! hosts get addresses from `20.0.0.0/8` upward (not RFC 1918, so the node treats them as WAN
//! addresses); NAT `k` hands out `10.(k >> 8).(k & 255).2..254` behind public IP from the same
//! pool. Bindings are only ever looked up, never iterated, so hash maps cannot affect a run.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

use crate::nat::{Nat, NatConfig};

/// Identifies a NAT box.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NatId(pub u32);

/// Where a host sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// Directly on the public internet.
    Public,
    /// On the LAN behind a NAT.
    BehindNat(NatId),
}

/// An address space: the internet or one NAT's LAN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Realm {
    Internet,
    Lan(u32),
}

/// Bindings, address pools and NATs.
pub(crate) struct Fabric {
    pub(crate) nats: Vec<Nat>,
    nat_by_ip: HashMap<Ipv4Addr, u32>,
    bound: HashMap<(Realm, SocketAddr), u32>,
    next_public: u32,
}

impl Default for Fabric {
    fn default() -> Self {
        Self {
            nats: Vec::new(),
            nat_by_ip: HashMap::new(),
            bound: HashMap::new(),
            next_public: u32::from(Ipv4Addr::new(20, 0, 0, 1)),
        }
    }
}

impl Fabric {
    /// The next unused public IP (skipping `.0` and `.255`).
    pub(crate) fn allocate_public_ip(&mut self) -> Ipv4Addr {
        loop {
            let ip = Ipv4Addr::from(self.next_public);
            self.next_public = self.next_public.wrapping_add(1);
            let last = ip.octets()[3];
            if last != 0 && last != 255 {
                return ip;
            }
        }
    }

    /// Adds a NAT with a fresh public IP.
    pub(crate) fn add_nat(&mut self, config: NatConfig) -> NatId {
        let id = u32::try_from(self.nats.len()).unwrap_or(u32::MAX);
        let public = self.allocate_public_ip();
        let [_, _, hi, lo] = id.to_be_bytes();
        self.nats.push(Nat::new(config, public, [10, hi, lo]));
        self.nat_by_ip.insert(public, id);
        NatId(id)
    }

    /// The NAT whose public IP is `ip`.
    pub(crate) fn nat_at(&self, ip: IpAddr) -> Option<u32> {
        match ip {
            IpAddr::V4(v4) => self.nat_by_ip.get(&v4).copied(),
            IpAddr::V6(_) => None,
        }
    }

    /// A fresh address for a host at `location` with `port`, and the realm it lives in.
    ///
    /// # Panics
    /// When the NAT does not exist or its /24 is full (a scenario bug).
    pub(crate) fn allocate(&mut self, location: Location, port: u16) -> (Realm, SocketAddr) {
        match location {
            Location::Public => (
                Realm::Internet,
                SocketAddr::new(IpAddr::V4(self.allocate_public_ip()), port),
            ),
            Location::BehindNat(NatId(n)) => {
                let nat = self.nats.get_mut(n as usize).expect("unknown NatId");
                let ip = nat
                    .allocate_private_ip()
                    .expect("NAT LAN /24 is full (253 hosts)");
                (Realm::Lan(n), SocketAddr::new(IpAddr::V4(ip), port))
            }
        }
    }

    /// Binds `addr` in `realm` to `host` (replacing any previous owner).
    pub(crate) fn bind(&mut self, realm: Realm, addr: SocketAddr, host: u32) {
        self.bound.insert((realm, addr), host);
    }

    /// Unbinds `addr` in `realm` if `host` owns it.
    pub(crate) fn unbind(&mut self, realm: Realm, addr: SocketAddr, host: u32) {
        if self.bound.get(&(realm, addr)) == Some(&host) {
            self.bound.remove(&(realm, addr));
        }
    }

    /// The host bound at `addr` in `realm`.
    pub(crate) fn lookup(&self, realm: Realm, addr: SocketAddr) -> Option<u32> {
        self.bound.get(&(realm, addr)).copied()
    }

    /// Best guess of the receiving host for a datagram to `dst` in `realm`, ignoring NAT
    /// filters (used only to pick a per-link model).
    pub(crate) fn peek_receiver(&self, realm: Realm, dst: SocketAddr) -> Option<u32> {
        if realm == Realm::Internet
            && let Some(n) = self.nat_at(dst.ip())
        {
            let private = self.nats.get(n as usize)?.peek(dst.port())?;
            return self.lookup(Realm::Lan(n), SocketAddr::V4(private));
        }
        self.lookup(realm, dst)
    }

    /// The realm a host at `location` lives in.
    pub(crate) fn realm_of(location: Location) -> Realm {
        match location {
            Location::Public => Realm::Internet,
            Location::BehindNat(NatId(n)) => Realm::Lan(n),
        }
    }

    /// The private IPv4 endpoint of a socket address (NAT'd hosts are IPv4 only).
    pub(crate) fn v4(addr: SocketAddr) -> Option<SocketAddrV4> {
        match addr {
            SocketAddr::V4(v4) => Some(v4),
            SocketAddr::V6(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nat::NatKind;

    #[test]
    fn allocation_binding_and_nat_lookup() {
        let mut f = Fabric::default();
        let (r, a) = f.allocate(Location::Public, 8090);
        assert_eq!(r, Realm::Internet);
        assert_eq!(a, "20.0.0.1:8090".parse().unwrap());
        let nat = f.add_nat(NatConfig::new(NatKind::FullCone));
        assert_eq!(f.nats[0].public_ip(), Ipv4Addr::new(20, 0, 0, 2));
        let (r2, b) = f.allocate(Location::BehindNat(nat), 8090);
        assert_eq!(b, "10.0.0.2:8090".parse().unwrap());
        f.bind(r, a, 0);
        f.bind(r2, b, 1);
        assert_eq!(f.lookup(Realm::Internet, a), Some(0));
        assert_eq!(
            f.lookup(Realm::Internet, b),
            None,
            "private address is not public"
        );
        assert_eq!(f.nat_at("20.0.0.2".parse().unwrap()), Some(0));
        f.unbind(r, a, 7);
        assert_eq!(f.lookup(r, a), Some(0), "only the owner unbinds");
        f.unbind(r, a, 0);
        assert_eq!(f.lookup(r, a), None);
        for _ in 0..300 {
            assert_ne!(f.allocate_public_ip().octets()[3], 255);
        }
    }
}
