//! Local interface addresses with netmasks, through the `if-addrs` crate (getifaddrs on Unix,
//! GetAdaptersAddresses on Windows).
//!
//! Replaces py-ipv8's `messaging/interfaces/lan_addresses/**` (ctypes and netifaces code). The
//! overlay uses the result to tell LAN peers from WAN peers and to learn its own LAN address;
//! the driver hands it to the node as `handle_local_addresses`.

use std::collections::BTreeSet;
use std::io;
use std::net::IpAddr;

/// One address of a local interface.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalInterface {
    /// Interface name (`eth0`, `lo`, `Wi-Fi`).
    pub name: String,
    /// The address.
    pub ip: IpAddr,
    /// Its netmask, never all zeros (such entries are skipped).
    pub netmask: IpAddr,
    /// The netmask as a prefix length.
    pub prefix_len: u8,
    /// Whether this is a loopback address (`127.0.0.0/8`, `::1`).
    pub is_loopback: bool,
    /// The OS interface index, where known.
    pub index: Option<u32>,
}

impl LocalInterface {
    /// Whether `ip` is on this address's subnet.
    pub fn contains(&self, ip: IpAddr) -> bool {
        IfNet {
            ip: self.ip,
            prefix_len: self.prefix_len,
        }
        .contains(ip)
    }

    /// This address as an [`IfNet`].
    pub const fn net(&self) -> IfNet {
        IfNet {
            ip: self.ip,
            prefix_len: self.prefix_len,
        }
    }
}

/// An address with its prefix length, as network-change events report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IfNet {
    /// The address.
    pub ip: IpAddr,
    /// Its prefix length (0..=32 for IPv4, 0..=128 for IPv6).
    pub prefix_len: u8,
}

impl IfNet {
    /// Whether `ip` is inside this network. Different families never match.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.ip, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = prefix_mask(self.prefix_len.min(32), 32) as u32;
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = prefix_mask(self.prefix_len.min(128), 128);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for IfNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.ip, self.prefix_len)
    }
}

/// The top `len` bits of a `bits`-bit value set (`bits` is 32 or 128, `len <= bits`).
const fn prefix_mask(len: u8, bits: u32) -> u128 {
    if len == 0 {
        0
    } else {
        (u128::MAX << (128 - len as u32)) >> (128 - bits)
    }
}

/// Every local interface address with a non-zero netmask, sorted by name then address.
pub fn local_interfaces() -> io::Result<Vec<LocalInterface>> {
    let mut out: Vec<LocalInterface> = if_addrs::get_if_addrs()?
        .into_iter()
        .filter_map(convert)
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// Every local address with its prefix length, including zero-netmask ones: what
/// [`crate::NetWatcher`] compares between resyncs.
pub(crate) fn local_nets() -> io::Result<BTreeSet<IfNet>> {
    Ok(if_addrs::get_if_addrs()?
        .into_iter()
        .map(|iface| IfNet {
            ip: iface.ip(),
            prefix_len: prefix_len(&iface.addr),
        })
        .collect())
}

fn prefix_len(addr: &if_addrs::IfAddr) -> u8 {
    match addr {
        if_addrs::IfAddr::V4(v4) => v4.prefixlen,
        if_addrs::IfAddr::V6(v6) => v6.prefixlen,
    }
}

fn convert(iface: if_addrs::Interface) -> Option<LocalInterface> {
    let (netmask, is_zero) = match &iface.addr {
        if_addrs::IfAddr::V4(v4) => (IpAddr::V4(v4.netmask), v4.netmask.is_unspecified()),
        if_addrs::IfAddr::V6(v6) => (IpAddr::V6(v6.netmask), v6.netmask.is_unspecified()),
    };
    if is_zero {
        return None;
    }
    Some(LocalInterface {
        ip: iface.ip(),
        netmask,
        prefix_len: prefix_len(&iface.addr),
        is_loopback: iface.is_loopback(),
        index: iface.index,
        name: iface.name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_listed_and_flagged() {
        let all = local_interfaces().expect("list interfaces");
        let lo = all
            .iter()
            .find(|i| i.ip == IpAddr::from([127, 0, 0, 1]))
            .unwrap_or_else(|| panic!("127.0.0.1 missing (is lo up?) in {all:?}"));
        assert!(lo.is_loopback);
        assert_eq!(lo.prefix_len, 8);
        assert_eq!(lo.netmask, IpAddr::from([255, 0, 0, 0]));
        assert!(lo.contains(IpAddr::from([127, 1, 2, 3])));
        assert!(all.iter().all(|i| !i.netmask.is_unspecified()));
        assert!(local_nets().unwrap().contains(&lo.net()));
    }

    #[test]
    fn subnet_membership() {
        let net = IfNet {
            ip: IpAddr::from([192, 168, 1, 20]),
            prefix_len: 24,
        };
        assert!(net.contains(IpAddr::from([192, 168, 1, 1])));
        assert!(!net.contains(IpAddr::from([192, 168, 2, 1])));
        assert!(!net.contains("::1".parse().unwrap()));
        let any = IfNet {
            ip: IpAddr::from([10, 0, 0, 1]),
            prefix_len: 0,
        };
        assert!(any.contains(IpAddr::from([8, 8, 8, 8])));
        let v6 = IfNet {
            ip: "fe80::1".parse().unwrap(),
            prefix_len: 64,
        };
        assert!(v6.contains("fe80::abcd".parse().unwrap()));
        assert!(!v6.contains("fe81::1".parse().unwrap()));
        let host = IfNet {
            ip: "2001:db8::1".parse().unwrap(),
            prefix_len: 128,
        };
        assert!(host.contains("2001:db8::1".parse().unwrap()));
        assert!(!host.contains("2001:db8::2".parse().unwrap()));
        assert_eq!(net.to_string(), "192.168.1.20/24");
    }
}
