//! [`ErrorClass`], [`Os`], [`Op`] and the pure [`classify`] dispatcher over the per-OS tables.
//!
//! The rule the classes serve (docs/design/UDP-FAILURES.md §0): *no I/O error ever ends the receive
//! or send loop*. A class only says what the loop does next; none of them means "stop".

use std::io;

use super::{linux, macos, windows};

/// Which operating system's error numbers a raw code belongs to.
///
/// Error numbers differ between systems (`ENOBUFS` is 105 on Linux but 55 on macOS; Windows has
/// both Winsock `WSAE*` codes and the Win32 codes that IOCP completions carry), so a raw code is
/// only meaningful together with its `Os`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Os {
    /// Linux and Android (the generic errno numbering used by x86, x86-64, ARM and RISC-V).
    Linux,
    /// macOS, iOS and the BSDs (the BSD errno numbering).
    MacOs,
    /// Windows: Winsock `WSAE*` codes and the Win32 `ERROR_*` codes of overlapped I/O.
    Windows,
}

impl Os {
    /// The system this binary was compiled for. Unknown Unix-likes use the Linux table.
    pub const fn current() -> Self {
        if cfg!(windows) {
            Self::Windows
        } else if cfg!(any(
            target_vendor = "apple",
            target_os = "freebsd",
            target_os = "openbsd",
            target_os = "netbsd",
            target_os = "dragonfly"
        )) {
            Self::MacOs
        } else {
            Self::Linux
        }
    }
}

/// The operation that failed. The same code can mean different things on receive and on send
/// (`EINVAL` on receive is our bug; on send it is a bad destination or a blackhole route).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `recvfrom` / `WSARecvFrom` / `poll_recv_from`.
    Recv,
    /// `sendto` / `WSASendTo` / `try_send_to`.
    Send,
}

/// What a failed receive or send means for the socket, and so what the loop does next
/// (docs/design/UDP-FAILURES.md §2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorClass {
    /// Nothing to read or write right now (`EAGAIN`, `WSAEWOULDBLOCK`, `EINTR`, a receive timeout).
    /// Receive: park on readiness. Send: only `EINTR` lands here (retry); would-block on send is
    /// [`ErrorClass::Pressure`].
    NoData,
    /// An ICMP report about an *earlier* datagram (port/host/net unreachable, TTL exceeded,
    /// `WSAECONNRESET`, IOCP 1234/1232/1231). The socket is healthy; count it and read again
    /// immediately. On send (Linux `IP_RECVERR`, macOS) the pending report consumed this call and
    /// the datagram was not sent.
    StaleReport,
    /// This received datagram was lost (`WSAEMSGSIZE`, `ERROR_MORE_DATA`: larger than the
    /// buffer). Count it and read again.
    PerDatagram,
    /// This datagram could not be sent to this destination (no route, firewall, bad address,
    /// too large). Other destinations are fine: drop, count against the peer, keep sending.
    PerDestination,
    /// A local queue is full (`ENOBUFS`, `ENOMEM`, would-block on send). Drop the datagram and
    /// back off; never wait without a limit.
    Pressure,
    /// The network changed under the socket (`ENETDOWN`, `ENODEV`, `EPIPE`, `ENOTCONN`). Rebind,
    /// retrying with backoff, and tell the overlay its address may have changed.
    Environment,
    /// Our own mistake (`EBADF`, `ENOTSOCK`, `EFAULT`, `EINVAL` on receive, `WSANOTINITIALISED`).
    /// Log an error and recreate the socket; the loop still does not exit.
    Bug,
    /// Any code not in the table. Treat like [`ErrorClass::StaleReport`] (receive) or
    /// [`ErrorClass::PerDestination`] (send) and count it; the driver's liveness watchdog
    /// escalates to a rebind if the socket really is dead.
    Unknown,
}

impl ErrorClass {
    /// Every class, in declaration order (for metrics tables and exhaustive tests).
    pub const ALL: [Self; 8] = [
        Self::NoData,
        Self::StaleReport,
        Self::PerDatagram,
        Self::PerDestination,
        Self::Pressure,
        Self::Environment,
        Self::Bug,
        Self::Unknown,
    ];

    /// Stable snake_case name used as a metrics label and in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NoData => "no_data",
            Self::StaleReport => "stale_report",
            Self::PerDatagram => "per_datagram",
            Self::PerDestination => "per_destination",
            Self::Pressure => "pressure",
            Self::Environment => "environment",
            Self::Bug => "bug",
            Self::Unknown => "unknown",
        }
    }

    /// Whether this single error is reason enough to replace the socket: true for
    /// [`ErrorClass::Environment`] and [`ErrorClass::Bug`], false for everything else.
    ///
    /// The other classes leave the socket usable. Repeated [`ErrorClass::PerDestination`] or
    /// [`ErrorClass::Unknown`] errors for every destination over some seconds also call for a
    /// rebind, but deciding that needs time and peer state, so it is the driver's watchdog's job,
    /// not the classifier's.
    pub const fn is_rebind_trigger(self) -> bool {
        matches!(self, Self::Environment | Self::Bug)
    }
}

impl std::fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Classifies a raw OS error code of `op` using the table of `os`. Pure: no host lookups.
///
/// ```
/// use ipv8_udp::{classify, ErrorClass, Op, Os};
/// // IOCP's ERROR_PORT_UNREACHABLE on a receive: the error that killed py-ipv8's loop.
/// assert_eq!(classify(Os::Windows, Op::Recv, 1234), ErrorClass::StaleReport);
/// assert_eq!(classify(Os::Linux, Op::Send, 105), ErrorClass::Pressure); // ENOBUFS
/// assert_eq!(classify(Os::MacOs, Op::Send, 55), ErrorClass::Pressure); // ENOBUFS
/// ```
pub fn classify(os: Os, op: Op, raw_code: i32) -> ErrorClass {
    match os {
        Os::Linux => linux::table(op, raw_code),
        Os::MacOs => macos::table(op, raw_code),
        Os::Windows => windows::table(op, raw_code),
    }
}

/// Classifies an error from this host's sockets: [`classify_io_for`] with [`Os::current`].
pub fn classify_io(op: Op, error: &io::Error) -> ErrorClass {
    classify_io_for(Os::current(), op, error)
}

/// Classifies an `io::Error` whose raw code (if any) belongs to `os`.
///
/// Raw codes go through [`classify`]; Rust's `ErrorKind` is not enough (`EMSGSIZE`, `ENOBUFS`,
/// `WSAENETRESET`, 1234 and 1214 are all `Uncategorized`). Errors without a raw code (built by
/// wrappers or simulated sockets from an `ErrorKind`) are mapped by kind.
/// [`crate::DatagramSocket::error_os`] says which `os` to pass for a socket.
pub fn classify_io_for(os: Os, op: Op, error: &io::Error) -> ErrorClass {
    match error.raw_os_error() {
        Some(code) => classify(os, op, code),
        None => classify_kind(op, error.kind()),
    }
}

/// Fallback for errors that carry only an `ErrorKind`.
fn classify_kind(op: Op, kind: io::ErrorKind) -> ErrorClass {
    use io::ErrorKind as K;
    match (kind, op) {
        (K::Interrupted, _) | (K::WouldBlock | K::TimedOut, Op::Recv) => ErrorClass::NoData,
        (K::WouldBlock | K::OutOfMemory, _) => ErrorClass::Pressure,
        (K::ConnectionRefused | K::ConnectionReset, _) => ErrorClass::StaleReport,
        (
            K::HostUnreachable | K::NetworkUnreachable | K::PermissionDenied | K::AddrNotAvailable,
            Op::Recv,
        ) => ErrorClass::StaleReport,
        (
            K::HostUnreachable
            | K::NetworkUnreachable
            | K::PermissionDenied
            | K::AddrNotAvailable
            | K::InvalidInput
            | K::FileTooLarge,
            Op::Send,
        ) => ErrorClass::PerDestination,
        (K::NetworkDown | K::NotConnected | K::BrokenPipe, _) => ErrorClass::Environment,
        (K::InvalidInput, Op::Recv) => ErrorClass::Bug,
        _ => ErrorClass::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use io::ErrorKind as K;

    #[test]
    fn names_are_unique_snake_case() {
        let names: Vec<_> = ErrorClass::ALL.iter().map(|c| c.as_str()).collect();
        for (i, name) in names.iter().enumerate() {
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{name}"
            );
            assert!(!names[..i].contains(name), "duplicate {name}");
        }
        assert_eq!(ErrorClass::StaleReport.to_string(), "stale_report");
    }

    #[test]
    fn only_environment_and_bug_trigger_rebind() {
        let triggers: Vec<_> = ErrorClass::ALL
            .into_iter()
            .filter(|c| c.is_rebind_trigger())
            .collect();
        assert_eq!(triggers, [ErrorClass::Environment, ErrorClass::Bug]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn current_os_is_linux_on_linux() {
        assert_eq!(Os::current(), Os::Linux);
    }

    #[test]
    fn raw_code_wins_over_kind() {
        // 10054 is ConnectionReset for std on Windows, but the Windows table decides.
        let err = io::Error::from_raw_os_error(10054);
        assert_eq!(
            classify_io_for(Os::Windows, Op::Recv, &err),
            ErrorClass::StaleReport
        );
        let err = io::Error::from_raw_os_error(1234);
        assert_eq!(
            classify_io_for(Os::Windows, Op::Recv, &err),
            ErrorClass::StaleReport
        );
        // The same number read with the Linux table is not a known errno.
        assert_eq!(
            classify_io_for(Os::Linux, Op::Recv, &err),
            ErrorClass::Unknown
        );
    }

    #[test]
    fn kind_only_errors_are_mapped() {
        let cases = [
            (K::WouldBlock, Op::Recv, ErrorClass::NoData),
            (K::WouldBlock, Op::Send, ErrorClass::Pressure),
            (K::Interrupted, Op::Recv, ErrorClass::NoData),
            (K::Interrupted, Op::Send, ErrorClass::NoData),
            (K::TimedOut, Op::Recv, ErrorClass::NoData),
            (K::TimedOut, Op::Send, ErrorClass::Unknown),
            (K::ConnectionReset, Op::Recv, ErrorClass::StaleReport),
            (K::ConnectionRefused, Op::Send, ErrorClass::StaleReport),
            (K::HostUnreachable, Op::Recv, ErrorClass::StaleReport),
            (K::HostUnreachable, Op::Send, ErrorClass::PerDestination),
            (K::NetworkUnreachable, Op::Send, ErrorClass::PerDestination),
            (K::AddrNotAvailable, Op::Send, ErrorClass::PerDestination),
            (K::InvalidInput, Op::Send, ErrorClass::PerDestination),
            (K::InvalidInput, Op::Recv, ErrorClass::Bug),
            (K::OutOfMemory, Op::Send, ErrorClass::Pressure),
            (K::NetworkDown, Op::Recv, ErrorClass::Environment),
            (K::NotConnected, Op::Send, ErrorClass::Environment),
            (K::BrokenPipe, Op::Send, ErrorClass::Environment),
            (K::Other, Op::Recv, ErrorClass::Unknown),
        ];
        for (kind, op, class) in cases {
            let err = io::Error::new(kind, "synthetic");
            assert_eq!(
                classify_io_for(Os::Windows, op, &err),
                class,
                "{kind:?} {op:?}"
            );
            assert_eq!(classify_io(op, &err), class, "{kind:?} {op:?}");
        }
    }
}
