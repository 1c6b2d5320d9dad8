//! Address formats: `ipv4` (untagged 6 bytes), `ip_address` (tagged IPv4/IPv6) and `address`
//! (tagged IPv4/host name/IPv6), docs/spec/PROTOCOL.md §2.
//!
//! Ports `Address`/`IPv4Packer`-style packers of upstream `ipv8/messaging/serialization.py`.
//! Type bytes: `0x01` IPv4 (4 bytes), `0x02` host name (`u16` length ‖ UTF-8, `address` only),
//! `0x03` IPv6 (16 bytes); every form ends with a `u16` port. IPv6 flow info and scope id are
//! not on the wire (decoded as 0, ignored when encoding).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::error::{DecodeError, DecodeErrorKind};
use crate::reader::Reader;
use crate::writer::Writer;

/// Type byte of an IPv4 `ip_address`/`address`.
pub const ADDRESS_TYPE_IPV4: u8 = 0x01;
/// Type byte of a host-name `address`.
pub const ADDRESS_TYPE_HOST: u8 = 0x02;
/// Type byte of an IPv6 `ip_address`/`address`.
pub const ADDRESS_TYPE_IPV6: u8 = 0x03;

/// Value of the `address` format: an IP socket address or a host name with a port
/// (py-ipv8's `UDPv4Address`, `UDPv6Address` and `DomainAddress`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    /// An IPv4 or IPv6 socket address.
    Ip(SocketAddr),
    /// A host name (not resolved) and a port.
    Host {
        /// Host name as sent (UTF-8).
        host: String,
        /// UDP port.
        port: u16,
    },
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ip(addr) => addr.fmt(f),
            Self::Host { host, port } => write!(f, "{host}:{port}"),
        }
    }
}

impl From<SocketAddr> for Address {
    fn from(addr: SocketAddr) -> Self {
        Self::Ip(addr)
    }
}

impl Reader<'_> {
    /// `ipv4`: 4 address bytes ‖ u16 port, no type tag.
    pub fn ipv4(&mut self, field: &'static str) -> Result<SocketAddrV4, DecodeError> {
        let [a, b, c, d, p0, p1] = self.array::<6>(field)?;
        Ok(SocketAddrV4::new(
            Ipv4Addr::new(a, b, c, d),
            u16::from_be_bytes([p0, p1]),
        ))
    }

    /// The address part after the type byte (IPv4 or IPv6 only). Errors point at `start`.
    fn tagged_ip(
        &mut self,
        field: &'static str,
        kind: u8,
        start: usize,
    ) -> Result<SocketAddr, DecodeError> {
        let at_start = |e: DecodeError| DecodeError { offset: start, ..e };
        match kind {
            ADDRESS_TYPE_IPV4 => {
                let [a, b, c, d, p0, p1] = self.array::<6>(field).map_err(at_start)?;
                Ok(SocketAddr::V4(SocketAddrV4::new(
                    Ipv4Addr::new(a, b, c, d),
                    u16::from_be_bytes([p0, p1]),
                )))
            }
            ADDRESS_TYPE_IPV6 => {
                let [octets @ .., p0, p1] = self.array::<18>(field).map_err(at_start)?;
                Ok(SocketAddr::V6(SocketAddrV6::new(
                    Ipv6Addr::from(octets),
                    u16::from_be_bytes([p0, p1]),
                    0,
                    0,
                )))
            }
            other => Err(DecodeError::new(
                field,
                start,
                DecodeErrorKind::BadAddressType(other),
            )),
        }
    }

    /// `ip_address`: type byte (1 = IPv4, 3 = IPv6) ‖ address ‖ u16 port.
    /// On failure the cursor is unchanged.
    pub fn ip_address(&mut self, field: &'static str) -> Result<SocketAddr, DecodeError> {
        let saved = self.clone();
        let start = self.offset();
        let kind = self.u8(field)?;
        self.tagged_ip(field, kind, start).inspect_err(|_| {
            *self = saved;
        })
    }

    /// `address`: as `ip_address`, plus type 2 = u16 length ‖ UTF-8 host ‖ u16 port.
    /// On failure the cursor is unchanged.
    pub fn address(&mut self, field: &'static str) -> Result<Address, DecodeError> {
        let saved = self.clone();
        let start = self.offset();
        let kind = self.u8(field)?;
        let result = if kind == ADDRESS_TYPE_HOST {
            self.varlen_h_utf8(field)
                .and_then(|host| Ok((host, self.u16(field)?)))
                .map(|(host, port)| Address::Host {
                    host: host.to_owned(),
                    port,
                })
                .map_err(|e| DecodeError { offset: start, ..e })
        } else {
            self.tagged_ip(field, kind, start).map(Address::Ip)
        };
        result.inspect_err(|_| {
            *self = saved;
        })
    }
}

impl Writer {
    /// `ipv4`: 4 address bytes ‖ u16 port.
    pub fn ipv4(&mut self, addr: SocketAddrV4) {
        self.bytes(&addr.ip().octets());
        self.u16(addr.port());
    }

    /// `ip_address`: type byte ‖ address ‖ u16 port.
    pub fn ip_address(&mut self, addr: SocketAddr) {
        match addr {
            SocketAddr::V4(v4) => {
                self.u8(ADDRESS_TYPE_IPV4);
                self.ipv4(v4);
            }
            SocketAddr::V6(v6) => {
                self.u8(ADDRESS_TYPE_IPV6);
                self.bytes(&v6.ip().octets());
                self.u16(v6.port());
            }
        }
    }

    /// `address`: as `ip_address`, or type 2 ‖ `varlenH` UTF-8 host ‖ u16 port.
    ///
    /// # Panics
    /// If a host name is longer than 65 535 bytes.
    pub fn address(&mut self, addr: &Address) {
        match addr {
            Address::Ip(ip) => self.ip_address(*ip),
            Address::Host { host, port } => {
                self.u8(ADDRESS_TYPE_HOST);
                self.varlen_h_utf8(host);
                self.u16(*port);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_type_is_an_error_at_the_type_byte() {
        let mut r = Reader::with_offset(&[0x07, 1, 2, 3, 4, 0, 80], 31);
        let e = r.ip_address("lan_walker_address").unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::BadAddressType(7));
        assert_eq!(e.offset, 31);
        assert_eq!(r.offset(), 31);
        // ip_address does not know host names.
        let mut r = Reader::new(&[0x02, 0, 1, b'a', 0, 80]);
        assert_eq!(
            r.ip_address("x").unwrap_err().kind,
            DecodeErrorKind::BadAddressType(2)
        );
    }

    #[test]
    fn truncated_ipv6_points_at_field_start() {
        let mut r = Reader::with_offset(&[0x03, 0x20, 0x01], 5);
        let e = r.ip_address("x").unwrap_err();
        assert_eq!(e.offset, 5);
        assert!(matches!(
            e.kind,
            DecodeErrorKind::Truncated { need: 18, .. }
        ));
    }

    #[test]
    fn host_name_round_trip() {
        let addr = Address::Host {
            host: "example.com".into(),
            port: 80,
        };
        let mut w = Writer::new();
        w.address(&addr);
        let mut r = Reader::new(w.as_bytes());
        assert_eq!(r.address("a").unwrap(), addr);
        assert!(r.is_empty());
        assert_eq!(addr.to_string(), "example.com:80");
    }
}
