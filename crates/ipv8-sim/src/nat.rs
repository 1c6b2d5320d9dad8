//! NAT boxes: the four classic behaviours (RFC 3489 names), as mapping + filtering rules.
//!
//! | kind | mapping (private → public port) | inbound filter on a mapping |
//! |---|---|---|
//! | full cone | one per private endpoint | anyone |
//! | address-restricted | one per private endpoint | IPs the host has sent to |
//! | port-restricted | one per private endpoint | IP:ports the host has sent to |
//! | symmetric | one per (private endpoint, remote IP:port) | only that remote |
//!
//! Mappings and permissions expire `mapping_timeout` after their last use. Translation of
//! outbound packets happens at send time; filtering of inbound packets at arrival time, so a
//! puncture that arrives before the local host's own outbound packet passed the NAT is dropped,
//! as on a real NAT. NATs drop silently (no ICMP); every drop is counted in [`NatStats`].

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

use crate::time::SimTime;

/// NAT behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatKind {
    /// Endpoint-independent mapping and filtering.
    FullCone,
    /// Endpoint-independent mapping, address-dependent filtering.
    AddressRestricted,
    /// Endpoint-independent mapping, address-and-port-dependent filtering.
    PortRestricted,
    /// Address-and-port-dependent mapping and filtering.
    Symmetric,
}

/// Configuration of one NAT box.
#[derive(Clone, Copy, Debug)]
pub struct NatConfig {
    /// Mapping and filtering behaviour.
    pub kind: NatKind,
    /// A mapping (and each permission) expires this long after its last use.
    pub mapping_timeout: Duration,
    /// Whether packets from inside to the NAT's own public address are looped back.
    pub hairpin: bool,
    /// First public port handed out.
    pub first_port: u16,
}

impl NatConfig {
    /// A NAT of `kind` with a 120 s timeout, no hairpinning, ports from 40000.
    #[must_use]
    pub const fn new(kind: NatKind) -> Self {
        Self {
            kind,
            mapping_timeout: Duration::from_secs(120),
            hairpin: false,
            first_port: 40_000,
        }
    }
}

/// Counters of one NAT box.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NatStats {
    /// Mappings created (including re-creations after expiry).
    pub mappings_created: u64,
    /// Outbound datagrams translated.
    pub outbound: u64,
    /// Inbound datagrams translated and let in.
    pub inbound: u64,
    /// Inbound datagrams to a public port with no live mapping.
    pub dropped_no_mapping: u64,
    /// Inbound datagrams refused by the filtering rule.
    pub dropped_filtered: u64,
    /// Datagrams from inside to the NAT's own public address, without hairpin support.
    pub dropped_hairpin: u64,
}

impl NatStats {
    /// All inbound drops.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.dropped_no_mapping + self.dropped_filtered + self.dropped_hairpin
    }
}

/// Why an inbound datagram was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatDrop {
    /// No live mapping on that public port.
    NoMapping,
    /// A mapping exists but the sender is not permitted.
    Filtered,
}

struct Mapping {
    private: SocketAddrV4,
    last_used: SimTime,
    /// Remote IP:port (port 0 for address-restricted) → last outbound use.
    permits: HashMap<SocketAddr, SimTime>,
}

/// One NAT box: its public IP, the LAN /24 behind it and its translation state.
pub struct Nat {
    config: NatConfig,
    public_ip: Ipv4Addr,
    lan: [u8; 3],
    next_host: u8,
    next_port: u16,
    by_key: HashMap<(SocketAddrV4, Option<SocketAddr>), u16>,
    by_port: HashMap<u16, Mapping>,
    stats: NatStats,
}

impl Nat {
    /// A NAT with public address `public_ip` and LAN `lan.0/24`.
    #[must_use]
    pub fn new(config: NatConfig, public_ip: Ipv4Addr, lan: [u8; 3]) -> Self {
        Self {
            config,
            public_ip,
            lan,
            next_host: 2,
            next_port: config.first_port,
            by_key: HashMap::new(),
            by_port: HashMap::new(),
            stats: NatStats::default(),
        }
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &NatConfig {
        &self.config
    }

    /// The public address.
    #[must_use]
    pub fn public_ip(&self) -> Ipv4Addr {
        self.public_ip
    }

    /// The counters.
    #[must_use]
    pub fn stats(&self) -> &NatStats {
        &self.stats
    }

    /// Number of mappings ever held (live or expired but not yet reused).
    #[must_use]
    pub fn mapping_count(&self) -> usize {
        self.by_port.len()
    }

    /// True when `ip` is inside this NAT's LAN /24.
    #[must_use]
    pub fn lan_contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(v4) => v4.octets()[..3] == self.lan,
            IpAddr::V6(_) => false,
        }
    }

    /// The LAN gateway address (`.1`).
    #[must_use]
    pub fn gateway(&self) -> Ipv4Addr {
        Ipv4Addr::new(self.lan[0], self.lan[1], self.lan[2], 1)
    }

    /// Hands out the next private IP of the LAN (`.2`, `.3`, ...), or `None` when full.
    pub fn allocate_private_ip(&mut self) -> Option<Ipv4Addr> {
        if self.next_host == 255 {
            return None;
        }
        let ip = Ipv4Addr::new(self.lan[0], self.lan[1], self.lan[2], self.next_host);
        self.next_host += 1;
        Some(ip)
    }

    fn permit_key(&self, remote: SocketAddr) -> Option<SocketAddr> {
        match self.config.kind {
            NatKind::FullCone => None,
            NatKind::AddressRestricted => Some(SocketAddr::new(remote.ip(), 0)),
            NatKind::PortRestricted | NatKind::Symmetric => Some(remote),
        }
    }

    fn live(&self, t: SimTime, now: SimTime) -> bool {
        t + self.config.mapping_timeout >= now
    }

    /// Translates an outbound datagram from `private` to `remote`: returns the public source.
    pub fn outbound(
        &mut self,
        private: SocketAddrV4,
        remote: SocketAddr,
        now: SimTime,
    ) -> SocketAddrV4 {
        let key = (
            private,
            (self.config.kind == NatKind::Symmetric).then_some(remote),
        );
        let existing = self.by_key.get(&key).copied().filter(|port| {
            self.by_port
                .get(port)
                .is_some_and(|m| m.private == private && self.live(m.last_used, now))
        });
        let port = match existing {
            Some(port) => port,
            None => {
                let port = self.allocate_port(now);
                self.by_key.insert(key, port);
                self.by_port.insert(
                    port,
                    Mapping {
                        private,
                        last_used: now,
                        permits: HashMap::new(),
                    },
                );
                self.stats.mappings_created += 1;
                port
            }
        };
        let permit = self.permit_key(remote);
        if let Some(m) = self.by_port.get_mut(&port) {
            m.last_used = now;
            if let Some(p) = permit {
                m.permits.insert(p, now);
            }
        }
        self.stats.outbound += 1;
        SocketAddrV4::new(self.public_ip, port)
    }

    /// Picks a free public port, reusing ports of expired mappings once the range wraps.
    fn allocate_port(&mut self, now: SimTime) -> u16 {
        for _ in 0..=u16::MAX {
            let port = self.next_port;
            self.next_port = if self.next_port == u16::MAX {
                self.config.first_port.max(1024)
            } else {
                self.next_port + 1
            };
            let free = self
                .by_port
                .get(&port)
                .is_none_or(|m| !self.live(m.last_used, now));
            if free {
                if let Some(old) = self.by_port.remove(&port) {
                    self.by_key.retain(|_, p| *p != port);
                    drop(old);
                }
                return port;
            }
        }
        // Every port is live: reuse the current one (a real NAT would refuse; this is a sim).
        self.next_port
    }

    /// Filters and translates an inbound datagram from `remote` to public port `port`.
    ///
    /// # Errors
    /// [`NatDrop`] when the NAT refuses the datagram (counted).
    pub fn inbound(
        &mut self,
        port: u16,
        remote: SocketAddr,
        now: SimTime,
    ) -> Result<SocketAddrV4, NatDrop> {
        let permit = self.permit_key(remote);
        let timeout = self.config.mapping_timeout;
        let Some(m) = self
            .by_port
            .get_mut(&port)
            .filter(|m| m.last_used + timeout >= now)
        else {
            self.stats.dropped_no_mapping += 1;
            return Err(NatDrop::NoMapping);
        };
        let allowed = match permit {
            None => true,
            Some(p) => m.permits.get(&p).is_some_and(|t| *t + timeout >= now),
        };
        if !allowed {
            self.stats.dropped_filtered += 1;
            return Err(NatDrop::Filtered);
        }
        m.last_used = now;
        self.stats.inbound += 1;
        Ok(m.private)
    }

    /// The private endpoint behind public `port`, ignoring filters (for link-model lookups).
    #[must_use]
    pub fn peek(&self, port: u16) -> Option<SocketAddrV4> {
        self.by_port.get(&port).map(|m| m.private)
    }

    /// Counts a hairpin datagram that this NAT does not loop back.
    pub fn count_hairpin_drop(&mut self) {
        self.stats.dropped_hairpin += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn nat(kind: NatKind) -> Nat {
        Nat::new(NatConfig::new(kind), Ipv4Addr::new(20, 0, 0, 1), [10, 0, 1])
    }

    const T0: SimTime = SimTime::ZERO;
    const PRIV: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(10, 0, 1, 2), 8090);

    #[test]
    fn full_cone_lets_anyone_in_once_mapped() {
        let mut n = nat(NatKind::FullCone);
        assert_eq!(
            n.inbound(40_000, a("1.1.1.1:1"), T0),
            Err(NatDrop::NoMapping)
        );
        let public = n.outbound(PRIV, a("2.2.2.2:2"), T0);
        assert_eq!(
            public,
            SocketAddrV4::new(Ipv4Addr::new(20, 0, 0, 1), 40_000)
        );
        assert_eq!(n.inbound(40_000, a("3.3.3.3:3"), T0), Ok(PRIV));
    }

    #[test]
    fn restricted_cones_filter_by_ip_or_ip_and_port() {
        let mut ar = nat(NatKind::AddressRestricted);
        let p = ar.outbound(PRIV, a("2.2.2.2:2"), T0).port();
        assert_eq!(ar.inbound(p, a("2.2.2.2:9"), T0), Ok(PRIV));
        assert_eq!(ar.inbound(p, a("3.3.3.3:2"), T0), Err(NatDrop::Filtered));

        let mut pr = nat(NatKind::PortRestricted);
        let p = pr.outbound(PRIV, a("2.2.2.2:2"), T0).port();
        assert_eq!(
            pr.outbound(PRIV, a("4.4.4.4:4"), T0).port(),
            p,
            "one mapping per endpoint"
        );
        assert_eq!(pr.inbound(p, a("2.2.2.2:9"), T0), Err(NatDrop::Filtered));
        assert_eq!(pr.inbound(p, a("4.4.4.4:4"), T0), Ok(PRIV));
        assert_eq!(pr.stats().dropped_filtered, 1);
    }

    #[test]
    fn symmetric_maps_per_destination() {
        let mut n = nat(NatKind::Symmetric);
        let p1 = n.outbound(PRIV, a("2.2.2.2:2"), T0).port();
        let p2 = n.outbound(PRIV, a("4.4.4.4:4"), T0).port();
        assert_ne!(p1, p2);
        assert_eq!(n.inbound(p1, a("4.4.4.4:4"), T0), Err(NatDrop::Filtered));
        assert_eq!(n.inbound(p2, a("4.4.4.4:4"), T0), Ok(PRIV));
        assert_eq!(n.stats().mappings_created, 2);
    }

    #[test]
    fn mappings_expire() {
        let mut n = nat(NatKind::PortRestricted);
        let p = n.outbound(PRIV, a("2.2.2.2:2"), T0).port();
        let later = T0 + Duration::from_secs(121);
        assert_eq!(n.inbound(p, a("2.2.2.2:2"), later), Err(NatDrop::NoMapping));
        let p2 = n.outbound(PRIV, a("2.2.2.2:2"), later).port();
        assert_ne!(p, p2, "a fresh mapping after expiry");
        assert!(n.lan_contains(IpAddr::V4(Ipv4Addr::new(10, 0, 1, 77))));
        assert_eq!(n.allocate_private_ip(), Some(Ipv4Addr::new(10, 0, 1, 2)));
    }
}
