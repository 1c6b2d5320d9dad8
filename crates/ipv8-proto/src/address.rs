//! Address semantics: own-address knowledge ([`LocalAddresses`]), LAN/WAN estimation rules and
//! py-ipv8's address predicates.
//!
//! Ports the address parts of `messaging/interfaces/endpoint.py` (`EndpointListener`:
//! `my_estimated_lan`, `address_in_lan_subnets`, `address_is_lan`, `_guess_lan_address`) and
//! `messaging/interfaces/lan_addresses/interfaces.py` (the blacklist of non-addresses). The
//! interface list itself is an input (`Node::handle_local_addresses`), gathered by the driver.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// `0.0.0.0:0`, py-ipv8's "no address".
pub const ZERO_V4: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0);

/// One local network interface address, as reported by the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalInterface {
    /// The interface's IP address.
    pub ip: IpAddr,
    /// Its netmask; interfaces with an all-zero netmask are ignored (docs/spec/PROTOCOL.md §6.9).
    pub netmask: IpAddr,
}

impl LocalInterface {
    /// An interface address with its netmask.
    #[must_use]
    pub const fn new(ip: IpAddr, netmask: IpAddr) -> Self {
        Self { ip, netmask }
    }
}

/// `true` for the RFC 1918 ranges py-ipv8 calls "LAN subnets" (10/8, 172.16/12, 192.168/16).
///
/// Loopback, CGNAT and link-local addresses are *not* LAN here, so they are accepted as WAN
/// estimates (docs/spec/PROTOCOL.md §6.4) — which is what makes same-host (127.0.0.1) swarms work.
#[must_use]
pub fn in_lan_subnets(ip: Ipv4Addr) -> bool {
    ip.is_private()
}

/// py-ipv8's non-addresses (`lan_addresses/interfaces.py` `BLACKLIST`) plus every loopback
/// address: never "one of our own LAN addresses".
fn is_excluded_interface_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_unspecified() || v4.is_broadcast(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.is_unspecified(),
    }
}

/// What the node knows about its own addresses: bound sockets and interfaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalAddresses {
    bound: Vec<SocketAddr>,
    interfaces: Vec<LocalInterface>,
}

impl LocalAddresses {
    /// Records the bound socket addresses (replacing earlier ones).
    pub(crate) fn set_bound(&mut self, bound: &[SocketAddr]) {
        self.bound = bound.iter().copied().take(8).collect();
    }

    /// Records the interface list (replacing the earlier one). Interfaces with an all-zero
    /// netmask and non-addresses are dropped; at most 64 are kept.
    pub(crate) fn set_interfaces(&mut self, ifaces: &[LocalInterface]) {
        self.interfaces = ifaces
            .iter()
            .filter(|i| !i.netmask.is_unspecified())
            .copied()
            .take(64)
            .collect();
    }

    /// The bound sockets.
    #[must_use]
    pub fn bound(&self) -> &[SocketAddr] {
        &self.bound
    }

    /// The usable interfaces.
    #[must_use]
    pub fn interfaces(&self) -> &[LocalInterface] {
        &self.interfaces
    }

    /// The bound IPv4 socket, if any.
    #[must_use]
    pub fn bound_v4(&self) -> Option<SocketAddrV4> {
        self.bound.iter().find_map(|a| match a {
            SocketAddr::V4(v4) => Some(*v4),
            SocketAddr::V6(v6) => v6
                .ip()
                .to_ipv4_mapped()
                .map(|ip| SocketAddrV4::new(ip, v6.port())),
        })
    }

    /// The bound IPv6 socket, if any (IPv4-mapped addresses excluded).
    #[must_use]
    pub fn bound_v6(&self) -> Option<SocketAddr> {
        self.bound
            .iter()
            .find(|a| matches!(a, SocketAddr::V6(v6) if v6.ip().to_ipv4_mapped().is_none()))
            .copied()
    }

    /// The IPv4 LAN estimate (`my_estimated_lan`): the bound IP when it is specific, else the
    /// first non-loopback IPv4 interface, else `127.0.0.1`; with the bound port.
    #[must_use]
    pub fn lan_estimate(&self) -> SocketAddrV4 {
        let bound = self.bound_v4();
        let port = bound.map_or(0, |b| b.port());
        let ip = match bound {
            Some(b) if !b.ip().is_unspecified() => *b.ip(),
            _ => self
                .interfaces
                .iter()
                .find_map(|i| match i.ip {
                    IpAddr::V4(v4) if !is_excluded_interface_ip(i.ip) => Some(v4),
                    _ => None,
                })
                .unwrap_or(Ipv4Addr::LOCALHOST),
        };
        SocketAddrV4::new(ip, port)
    }

    /// The LAN estimate of an IPv6-only node (py-ipv8's `my_estimated_lan` on an IPv6
    /// listener): `None` while an IPv4 socket is bound or no IPv6 one is; else the bound IP when
    /// specific, else the first global or unique-local IPv6 interface, else `::1`; with the
    /// IPv6 socket's port.
    ///
    /// Without it an IPv6-only node announced the IPv4 estimate — an interface IP with port 0,
    /// since no IPv4 socket exists — as `source_lan` of its 234/233, and every receiver stored
    /// that non-address as the peer's LAN address and a walkable entry (found by the `[::1]`
    /// test `crates/ipv8/tests/ipv6.rs`). py-ipv8 picks an IPv6 interface address here.
    #[must_use]
    pub fn lan_estimate_v6(&self) -> Option<SocketAddr> {
        if self.bound_v4().is_some() {
            return None;
        }
        let SocketAddr::V6(bound) = self.bound_v6()? else {
            return None;
        };
        let ip = if bound.ip().is_unspecified() {
            self.interfaces
                .iter()
                .find_map(|i| match i.ip {
                    IpAddr::V6(v6)
                        if !is_excluded_interface_ip(i.ip) && !v6.is_unicast_link_local() =>
                    {
                        Some(v6)
                    }
                    _ => None,
                })
                .unwrap_or(Ipv6Addr::LOCALHOST)
        } else {
            *bound.ip()
        };
        Some(SocketAddr::V6(SocketAddrV6::new(ip, bound.port(), 0, 0)))
    }

    /// `true` when `ip` is one of our own (non-loopback) interface addresses — py-ipv8's
    /// `address_is_lan`, used to choose the introduction addresses (§6.3).
    #[must_use]
    pub fn is_own_lan_ip(&self, ip: IpAddr) -> bool {
        if is_excluded_interface_ip(ip) {
            return false;
        }
        self.interfaces.iter().any(|i| i.ip == ip)
            || self
                .bound
                .iter()
                .any(|b| b.ip() == ip && !b.ip().is_unspecified())
    }
}

/// `true` when the two addresses are of the same family.
#[must_use]
pub fn same_family(a: SocketAddr, b: SocketAddr) -> bool {
    a.is_ipv4() == b.is_ipv4()
}

/// The IPv4 form of `addr` (unwrapping IPv4-mapped IPv6), if it has one.
#[must_use]
pub fn as_v4(addr: SocketAddr) -> Option<SocketAddrV4> {
    match addr {
        SocketAddr::V4(v4) => Some(v4),
        SocketAddr::V6(v6) => v6
            .ip()
            .to_ipv4_mapped()
            .map(|ip| SocketAddrV4::new(ip, v6.port())),
    }
}

/// Canonical form used as a table key: IPv4-mapped IPv6 addresses become IPv4.
#[must_use]
pub fn canonical(addr: SocketAddr) -> SocketAddr {
    as_v4(addr).map_or(addr, SocketAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn iface(ip: &str) -> LocalInterface {
        LocalInterface::new(ip.parse().unwrap(), "255.255.255.0".parse().unwrap())
    }

    #[test]
    fn lan_estimate_prefers_specific_bind_then_interface_then_loopback() {
        let mut l = LocalAddresses::default();
        l.set_bound(&[v4("0.0.0.0:8090")]);
        assert_eq!(l.lan_estimate(), "127.0.0.1:8090".parse().unwrap());
        l.set_interfaces(&[iface("127.0.0.1"), iface("192.168.1.4")]);
        assert_eq!(l.lan_estimate(), "192.168.1.4:8090".parse().unwrap());
        l.set_bound(&[v4("127.0.0.1:9000")]);
        assert_eq!(l.lan_estimate(), "127.0.0.1:9000".parse().unwrap());
    }

    #[test]
    fn ipv6_only_lan_estimate_is_an_ipv6_interface_with_the_ipv6_port() {
        let mut l = LocalAddresses::default();
        l.set_bound(&[v4("[::]:7000")]);
        assert_eq!(l.lan_estimate_v6(), Some(v4("[::1]:7000")));
        l.set_interfaces(&[iface("192.0.2.2"), v6_iface("fe80::1"), v6_iface("fd00::2")]);
        assert_eq!(l.lan_estimate_v6(), Some(v4("[fd00::2]:7000")));
        l.set_bound(&[v4("0.0.0.0:8090"), v4("[::]:7000")]);
        assert_eq!(
            l.lan_estimate_v6(),
            None,
            "a bound IPv4 socket keeps the IPv4 estimate"
        );
        l.set_bound(&[v4("0.0.0.0:8090")]);
        assert_eq!(l.lan_estimate_v6(), None);
    }

    fn v6_iface(ip: &str) -> LocalInterface {
        LocalInterface::new(
            ip.parse().unwrap(),
            "ffff:ffff:ffff:ffff::".parse().unwrap(),
        )
    }

    #[test]
    fn loopback_is_never_own_lan_ip() {
        let mut l = LocalAddresses::default();
        l.set_bound(&[v4("127.0.0.1:9000")]);
        l.set_interfaces(&[iface("127.0.0.1"), iface("10.1.2.3")]);
        assert!(!l.is_own_lan_ip("127.0.0.1".parse().unwrap()));
        assert!(l.is_own_lan_ip("10.1.2.3".parse().unwrap()));
        let zero_mask =
            LocalInterface::new("10.9.9.9".parse().unwrap(), "0.0.0.0".parse().unwrap());
        l.set_interfaces(&[zero_mask]);
        assert!(!l.is_own_lan_ip("10.9.9.9".parse().unwrap()));
    }

    #[test]
    fn predicates() {
        assert!(in_lan_subnets("172.20.1.1".parse().unwrap()));
        assert!(!in_lan_subnets("127.0.0.1".parse().unwrap()));
        assert!(!in_lan_subnets("100.64.0.1".parse().unwrap()));
        let mapped: SocketAddr = "[::ffff:1.2.3.4]:5".parse().unwrap();
        assert_eq!(canonical(mapped), v4("1.2.3.4:5"));
    }
}
