//! Destination checks before `sendto` (docs/design/UDP-FAILURES.md §0 item 6).
//!
//! Peers hand us addresses (introduction responses, puncture requests), so a destination is
//! hostile input. The ones rejected here can only produce an error (`EINVAL`, `EACCES`,
//! `EAFNOSUPPORT`; on Windows `WSAEADDRNOTAVAIL` or IOCP 1214, the likely source of Tribler's
//! 1214s) or, worse, succeed silently: Linux delivers `0.0.0.0:p` to the local host.
//! Rejecting them up front keeps those errors out of the socket's error counters and gives the
//! caller a named reason to count per peer.

use std::net::{IpAddr, SocketAddr};

use crate::Family;

/// Why a destination was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum DestinationError {
    /// Port 0 cannot be sent to.
    #[error("destination port is 0")]
    PortZero,
    /// `0.0.0.0` or `::`.
    #[error("destination address is unspecified")]
    Unspecified,
    /// `255.255.255.255` while broadcast is not allowed.
    #[error("destination is the broadcast address")]
    Broadcast,
    /// `224.0.0.0/4` or `ff00::/8` while multicast is not allowed.
    #[error("destination is a multicast address")]
    Multicast,
    /// The destination's family differs from the socket's.
    #[error("{destination:?} destination on an {socket:?} socket")]
    WrongFamily {
        /// The socket's family.
        socket: Family,
        /// The destination's family.
        destination: Family,
    },
    /// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`): our IPv6 sockets are `IPV6_V6ONLY`, so
    /// it must go through the IPv4 socket as `a.b.c.d`.
    #[error("IPv4-mapped destination on an IPv6-only socket")]
    Ipv4Mapped,
}

impl DestinationError {
    /// Stable snake_case name for metrics and JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PortZero => "port_zero",
            Self::Unspecified => "unspecified",
            Self::Broadcast => "broadcast",
            Self::Multicast => "multicast",
            Self::WrongFamily { .. } => "wrong_family",
            Self::Ipv4Mapped => "ipv4_mapped",
        }
    }
}

/// Which special destinations are allowed. `Default` allows neither broadcast nor multicast.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DestinationPolicy {
    /// Allow `255.255.255.255` (the socket then also needs `SO_BROADCAST`).
    pub allow_broadcast: bool,
    /// Allow multicast groups.
    pub allow_multicast: bool,
}

impl DestinationPolicy {
    /// Checks `to` for a socket of family `socket`. Only the limited broadcast address is
    /// recognised; subnet-directed broadcasts need the netmask (see [`crate::LocalInterface`]).
    pub fn check(&self, socket: Family, to: SocketAddr) -> Result<(), DestinationError> {
        let ip = to.ip();
        let destination = Family::of(ip);
        if destination != socket {
            return Err(DestinationError::WrongFamily {
                socket,
                destination,
            });
        }
        if to.port() == 0 {
            return Err(DestinationError::PortZero);
        }
        match ip {
            IpAddr::V4(v4) if v4.is_broadcast() && !self.allow_broadcast => {
                Err(DestinationError::Broadcast)
            }
            IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() => Err(DestinationError::Ipv4Mapped),
            _ if ip.is_unspecified() => Err(DestinationError::Unspecified),
            _ if ip.is_multicast() && !self.allow_multicast => Err(DestinationError::Multicast),
            _ => Ok(()),
        }
    }
}

/// [`DestinationPolicy::check`] with the default policy (no broadcast, no multicast).
pub fn check_destination(socket: Family, to: SocketAddr) -> Result<(), DestinationError> {
    DestinationPolicy::default().check(socket, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ordinary_destinations_pass() {
        for (family, to) in [
            (Family::V4, "127.0.0.1:8090"),
            (Family::V4, "130.161.211.245:6421"),
            (Family::V4, "192.168.1.255:9"), // subnet broadcast cannot be told without a netmask
            (Family::V6, "[::1]:8090"),
            (Family::V6, "[2001:db8::1]:1"),
        ] {
            assert_eq!(check_destination(family, addr(to)), Ok(()), "{to}");
        }
    }

    #[test]
    fn each_reason_is_named() {
        let cases = [
            (Family::V4, "127.0.0.1:0", DestinationError::PortZero),
            (Family::V6, "[::1]:0", DestinationError::PortZero),
            (Family::V4, "0.0.0.0:8090", DestinationError::Unspecified),
            (Family::V6, "[::]:8090", DestinationError::Unspecified),
            (
                Family::V4,
                "255.255.255.255:8090",
                DestinationError::Broadcast,
            ),
            (Family::V4, "224.0.0.251:5353", DestinationError::Multicast),
            (Family::V6, "[ff02::1]:5353", DestinationError::Multicast),
            (
                Family::V6,
                "[::ffff:10.0.0.1]:8090",
                DestinationError::Ipv4Mapped,
            ),
            (
                Family::V4,
                "[::1]:8090",
                DestinationError::WrongFamily {
                    socket: Family::V4,
                    destination: Family::V6,
                },
            ),
            (
                Family::V6,
                "127.0.0.1:8090",
                DestinationError::WrongFamily {
                    socket: Family::V6,
                    destination: Family::V4,
                },
            ),
        ];
        for (family, to, reason) in cases {
            assert_eq!(check_destination(family, addr(to)), Err(reason), "{to}");
            assert!(!reason.to_string().is_empty());
        }
        assert_eq!(DestinationError::Ipv4Mapped.as_str(), "ipv4_mapped");
    }

    #[test]
    fn policy_can_allow_broadcast_and_multicast() {
        let policy = DestinationPolicy {
            allow_broadcast: true,
            allow_multicast: true,
        };
        assert_eq!(policy.check(Family::V4, addr("255.255.255.255:9")), Ok(()));
        assert_eq!(policy.check(Family::V4, addr("239.1.2.3:9")), Ok(()));
        assert_eq!(policy.check(Family::V6, addr("[ff02::1]:9")), Ok(()));
        // Still never port 0 or unspecified.
        assert_eq!(
            policy.check(Family::V4, addr("255.255.255.255:0")),
            Err(DestinationError::PortZero)
        );
        assert_eq!(
            policy.check(Family::V4, addr("0.0.0.0:9")),
            Err(DestinationError::Unspecified)
        );
    }
}
