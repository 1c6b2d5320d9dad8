//! The socket factory: py-ipv8's `UDPEndpoint.open` (`messaging/interfaces/udp/endpoint.py`)
//! plus the hardening of docs/design/UDP-FAILURES.md §7.
//!
//! Every socket is bound to the wildcard address of its family (unless the config names an
//! address), never connected and never bound to a device, because each of those goes stale after
//! an address change. IPv6 sockets are `IPV6_V6ONLY`; run one socket per family. Sockets are
//! non-blocking, get py-ipv8's `SO_RCVBUF` of 870 400 bytes and an `SO_SNDBUF` of at least
//! 256 KiB, and walk up from the configured port when it is taken, like py-ipv8 does. On Linux,
//! `IP_RECVERR` can be turned on as a diagnostic option ([`BindConfig::ip_recverr`]).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};

use socket2::{Domain, Protocol, Socket, Type};

use crate::sys;

/// py-ipv8's default port (`configuration.py`, `port: 8090`).
pub const DEFAULT_PORT: u16 = 8090;
/// Ports tried after the configured one when it is taken: py-ipv8 tries 10 000 ports in total.
pub const DEFAULT_PORT_FALLBACK_ATTEMPTS: u16 = 9_999;
/// py-ipv8's `SO_RCVBUF` (`endpoint.py`: `setsockopt(SOL_SOCKET, SO_RCVBUF, 870400)`).
pub const DEFAULT_RECV_BUFFER: usize = 870_400;
/// Default `SO_SNDBUF`: room for bursts without `EAGAIN`, and far from the macOS kernel bug that
/// returns `EWOULDBLOCK` forever for sends just under `SO_SNDBUF` (quinn commit 3d59275b).
pub const DEFAULT_SEND_BUFFER: usize = 256 * 1024;
/// Smallest `SO_SNDBUF` [`bind`] asks for, whatever the config says (same macOS bug).
pub const MIN_SEND_BUFFER: usize = 64 * 1024;
/// Receive buffer length that can hold any UDP datagram, so reads are never truncated
/// (Linux truncates silently; Windows reports `WSAEMSGSIZE` and drops the datagram).
pub const RECV_DATAGRAM_LEN: usize = 65_536;
/// Whether [`BindConfig::ip_recverr`] can be honoured on this OS (Linux only).
pub const IP_RECVERR_SUPPORTED: bool = cfg!(target_os = "linux");

/// An address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

impl Family {
    /// The family of `ip`.
    pub const fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(_) => Self::V4,
            IpAddr::V6(_) => Self::V6,
        }
    }

    /// The wildcard address of this family (`0.0.0.0` or `::`).
    pub const fn unspecified(self) -> IpAddr {
        match self {
            Self::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Self::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        }
    }
}

/// How to bind one UDP socket. `Default` is py-ipv8's IPv4 endpoint: `0.0.0.0:8090`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindConfig {
    /// Local address; its family is the socket's. Keep the wildcard (`0.0.0.0` / `::`): a
    /// specific address makes the socket fail (IPv4) or send with a stale source (IPv6) once the
    /// address disappears.
    pub ip: IpAddr,
    /// First port to try; 0 lets the OS choose (no fallback needed then).
    pub port: u16,
    /// How many following ports to try when `port` is taken (or reserved, `EACCES`). The
    /// default, 9 999, makes 10 000 tries in total like py-ipv8. Ports stop at 65 535.
    pub port_fallback_attempts: u16,
    /// `SO_RCVBUF` to request; the kernel may cap it (Linux: `net.core.rmem_max`, doubled).
    pub recv_buffer: usize,
    /// `SO_SNDBUF` to request; raised to [`MIN_SEND_BUFFER`] if smaller.
    pub send_buffer: usize,
    /// Linux diagnostic option (default off): turn on `IP_RECVERR` / `IPV6_RECVERR`, so ICMP
    /// errors about earlier datagrams (stale reports) and a full qdisc's `ENOBUFS` (pressure)
    /// show up as errors instead of staying invisible. Only for a reader that drains the error
    /// queue after errors, as the `ipv8` driver does; undrained, the queue eats the receive
    /// buffer (docs/design/UDP-FAILURES.md §2.1). Where [`IP_RECVERR_SUPPORTED`] is false, [`bind`]
    /// fails with `Unsupported`.
    pub ip_recverr: bool,
}

impl Default for BindConfig {
    fn default() -> Self {
        Self::v4(DEFAULT_PORT)
    }
}

impl BindConfig {
    /// The wildcard address of `family` at `port`, with py-ipv8's defaults for the rest.
    pub const fn wildcard(family: Family, port: u16) -> Self {
        Self {
            ip: family.unspecified(),
            port,
            port_fallback_attempts: DEFAULT_PORT_FALLBACK_ATTEMPTS,
            recv_buffer: DEFAULT_RECV_BUFFER,
            send_buffer: DEFAULT_SEND_BUFFER,
            ip_recverr: false,
        }
    }

    /// `0.0.0.0:port` (py-ipv8's `UDPIPv4` interface).
    pub const fn v4(port: u16) -> Self {
        Self::wildcard(Family::V4, port)
    }

    /// `[::]:port`, IPv6 only (py-ipv8's `UDPIPv6` interface).
    pub const fn v6(port: u16) -> Self {
        Self::wildcard(Family::V6, port)
    }

    /// The socket's address family.
    pub const fn family(&self) -> Family {
        Family::of(self.ip)
    }
}

/// What the OS-specific setup achieved. `None` means "not applicable on this OS".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlatformSetup {
    /// Windows: whether `SIO_UDP_CONNRESET` was switched off (no `WSAECONNRESET` on receive).
    pub connreset_reports_off: Option<bool>,
    /// Windows: whether `SIO_UDP_NETRESET` was switched off (no `WSAENETRESET`; Windows 8+).
    pub netreset_reports_off: Option<bool>,
}

/// A bound, configured, non-blocking socket and what binding it found out.
#[derive(Debug)]
pub struct BoundSocket {
    socket: UdpSocket,
    local_addr: SocketAddr,
    requested_port: u16,
    recv_buffer: usize,
    send_buffer: usize,
    platform: PlatformSetup,
}

impl BoundSocket {
    /// The address actually bound (the port may differ from the requested one).
    pub const fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The port actually bound.
    pub const fn port(&self) -> u16 {
        self.local_addr.port()
    }

    /// The port the config asked for (0: any).
    pub const fn requested_port(&self) -> u16 {
        self.requested_port
    }

    /// Whether the requested port was taken and a later one was bound.
    pub const fn used_fallback(&self) -> bool {
        self.requested_port != 0 && self.requested_port != self.local_addr.port()
    }

    /// `SO_RCVBUF` as read back after setting it (Linux reports twice the granted size).
    pub const fn recv_buffer_size(&self) -> usize {
        self.recv_buffer
    }

    /// `SO_SNDBUF` as read back after setting it.
    pub const fn send_buffer_size(&self) -> usize {
        self.send_buffer
    }

    /// What the OS-specific setup achieved.
    pub const fn platform(&self) -> PlatformSetup {
        self.platform
    }

    /// Borrows the std socket.
    pub const fn as_std(&self) -> &UdpSocket {
        &self.socket
    }

    /// The std socket (non-blocking).
    pub fn into_std(self) -> UdpSocket {
        self.socket
    }

    /// Registers the socket with the current tokio runtime. Panics outside a runtime, like
    /// `tokio::net::UdpSocket::from_std`.
    pub fn into_tokio(self) -> io::Result<tokio::net::UdpSocket> {
        tokio::net::UdpSocket::from_std(self.socket)
    }
}

/// Creates and binds a UDP socket as described by `config` (see the module docs).
///
/// Walks from `config.port` up to `port_fallback_attempts` more ports while the bind fails with
/// `EADDRINUSE` or `EACCES` (Windows reserves port ranges with the latter); any other bind error
/// is returned at once, since another port would not help. When every port is taken the error
/// has kind `AddrInUse` and names the range. Buffer-size and Windows ioctl failures are logged
/// and tolerated; an `ip_recverr` that cannot be set is an error (kind `Unsupported` off Linux).
pub fn bind(config: &BindConfig) -> io::Result<BoundSocket> {
    if config.ip_recverr && !IP_RECVERR_SUPPORTED {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "IP_RECVERR is a Linux socket option; it is not available on this OS",
        ));
    }
    if !config.ip.is_unspecified() {
        tracing::warn!(
            ip = %config.ip,
            "binding UDP to a specific address; the socket goes stale if the address disappears"
        );
    }
    let first = config.port;
    let last = if first == 0 {
        0
    } else {
        first.saturating_add(config.port_fallback_attempts)
    };
    let mut port = first;
    loop {
        match bind_one(config, port) {
            Ok(socket) => return finish(config, socket),
            Err(e) if port < last && is_port_taken(&e) => port += 1,
            Err(e) if is_port_taken(&e) && last > first => {
                return Err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    format!(
                        "no free UDP port in {}:{first}..={last} (last error: {e})",
                        config.ip
                    ),
                ));
            }
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("cannot bind UDP {}: {e}", SocketAddr::new(config.ip, port)),
                ));
            }
        }
    }
}

/// One attempt: a fresh socket bound to `config.ip:port`.
fn bind_one(config: &BindConfig, port: u16) -> io::Result<Socket> {
    let addr = SocketAddr::new(config.ip, port);
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    Ok(socket)
}

/// Bind errors after which the next port may work.
fn is_port_taken(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::AddrInUse | io::ErrorKind::PermissionDenied
    )
}

/// Buffers, OS setup and read-back for a socket that is bound.
fn finish(config: &BindConfig, socket: Socket) -> io::Result<BoundSocket> {
    let recv_buffer = grow_buffer(
        &socket,
        "SO_RCVBUF",
        config.recv_buffer,
        Socket::recv_buffer_size,
        Socket::set_recv_buffer_size,
    );
    let send_buffer = grow_buffer(
        &socket,
        "SO_SNDBUF",
        config.send_buffer.max(MIN_SEND_BUFFER),
        Socket::send_buffer_size,
        Socket::set_send_buffer_size,
    );
    let platform = sys::configure(&socket);
    #[cfg(target_os = "linux")]
    if config.ip_recverr {
        sys::enable_ip_recverr(&socket)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot turn on IP_RECVERR: {e}")))?;
    }
    let local_addr = socket.local_addr()?.as_socket().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "bound UDP socket has a non-IP address",
        )
    })?;
    if config.port != 0 && local_addr.port() != config.port {
        tracing::info!(
            requested = config.port,
            bound = local_addr.port(),
            "UDP port was taken"
        );
    }
    Ok(BoundSocket {
        socket: socket.into(),
        local_addr,
        requested_port: config.port,
        recv_buffer,
        send_buffer,
        platform,
    })
}

/// Raises a buffer to `want` unless the OS already gave more; returns the size read back.
/// Never fails: a refused or capped setting is logged, the socket works either way.
fn grow_buffer(
    socket: &Socket,
    name: &str,
    want: usize,
    get: fn(&Socket) -> io::Result<usize>,
    set: fn(&Socket, usize) -> io::Result<()>,
) -> usize {
    let before = get(socket).unwrap_or(0);
    if before < want
        && let Err(error) = set(socket, want)
    {
        tracing::warn!(option = name, want, %error, "cannot set UDP buffer size; tolerated");
    }
    let after = get(socket).unwrap_or(before);
    if after < want {
        tracing::debug!(
            option = name,
            want,
            got = after,
            "kernel capped the UDP buffer size"
        );
    }
    after
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_py_ipv8s() {
        let config = BindConfig::default();
        assert_eq!(config.ip, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        assert_eq!(config.port, 8090);
        assert_eq!(config.port_fallback_attempts, 9_999);
        assert_eq!(config.recv_buffer, 870_400);
        assert!(config.send_buffer >= 256 * 1024);
        assert_eq!(BindConfig::v6(1).ip, IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        assert_eq!(BindConfig::v6(1).family(), Family::V6);
        assert!(
            !config.ip_recverr,
            "IP_RECVERR is a diagnostic option, off by default"
        );
    }

    /// The option is really set on the socket (Linux), or refused clearly (elsewhere).
    #[test]
    fn ip_recverr_is_set_when_asked_for() {
        for base in [BindConfig::v4(0), BindConfig::v6(0)] {
            let config = BindConfig {
                ip_recverr: true,
                ..base
            };
            #[cfg(target_os = "linux")]
            {
                use nix::sys::socket::{getsockopt, sockopt};
                let bound = bind(&config).expect("bind with IP_RECVERR");
                let on = if config.family() == Family::V6 {
                    getsockopt(bound.as_std(), sockopt::Ipv6RecvErr)
                } else {
                    getsockopt(bound.as_std(), sockopt::Ipv4RecvErr)
                };
                assert_eq!(on, Ok(true), "{:?}", config.family());
                let plain = bind(&base).expect("bind without the option");
                let off = if config.family() == Family::V6 {
                    getsockopt(plain.as_std(), sockopt::Ipv6RecvErr)
                } else {
                    getsockopt(plain.as_std(), sockopt::Ipv4RecvErr)
                };
                assert_eq!(off, Ok(false));
            }
            #[cfg(not(target_os = "linux"))]
            {
                let error = bind(&config).expect_err("IP_RECVERR off Linux");
                assert_eq!(error.kind(), io::ErrorKind::Unsupported, "{error}");
            }
        }
    }

    #[test]
    fn only_taken_or_reserved_ports_fall_back() {
        assert!(is_port_taken(&io::Error::from(io::ErrorKind::AddrInUse)));
        assert!(is_port_taken(&io::Error::from(
            io::ErrorKind::PermissionDenied
        )));
        assert!(!is_port_taken(&io::Error::from(
            io::ErrorKind::AddrNotAvailable
        )));
    }

    #[test]
    fn port_zero_is_chosen_by_the_os() {
        let bound = bind(&BindConfig::v4(0)).expect("bind 0.0.0.0:0");
        assert_ne!(bound.port(), 0);
        assert!(!bound.used_fallback());
        assert_eq!(bound.requested_port(), 0);
    }

    #[test]
    fn a_non_local_address_fails_without_walking_ports() {
        // 192.0.2.1 (TEST-NET-1) is not assigned here: EADDRNOTAVAIL, reported once.
        let config = BindConfig {
            ip: "192.0.2.1".parse().unwrap(),
            ..BindConfig::v4(40_000)
        };
        let error = bind(&config).expect_err("bind to a foreign address");
        assert_eq!(error.kind(), io::ErrorKind::AddrNotAvailable, "{error}");
        assert!(error.to_string().contains("192.0.2.1:40000"), "{error}");
    }
}
