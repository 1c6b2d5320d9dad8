//! macOS / iOS errno numbers (xnu `sys/errno.h`) and the macOS classification table
//! (docs/design/UDP-FAILURES.md §2.3 and §2.4).
//!
//! Unconnected sockets normally get no ICMP errors on macOS, but `sendto` has been seen to return
//! `ECONNREFUSED` anyway, so it is a stale report here too. After sleep or a network change,
//! `EADDRNOTAVAIL`, `ENETDOWN`, `EHOSTUNREACH` and `EHOSTDOWN` appear on send; only `ENETDOWN`
//! is an [`ErrorClass::Environment`] by itself, the others become one through the driver's
//! watchdog when *every* send fails with them. The other BSDs share these numbers below 70
//! (`EPROTO` and `EOPNOTSUPP` differ), and [`super::Os::current`] uses this table for them.

use super::errno::{self, Errno, errno_codes};
use super::{ErrorClass, Op};

/// Operation not permitted (packet filter).
pub const EPERM: i32 = 1;
/// Interrupted system call.
pub const EINTR: i32 = 4;
/// Bad file descriptor.
pub const EBADF: i32 = 9;
/// Cannot allocate memory.
pub const ENOMEM: i32 = 12;
/// Permission denied.
pub const EACCES: i32 = 13;
/// Bad address.
pub const EFAULT: i32 = 14;
/// Operation not supported by device.
pub const ENODEV: i32 = 19;
/// Invalid argument.
pub const EINVAL: i32 = 22;
/// Broken pipe (defunct socket after iOS suspension).
pub const EPIPE: i32 = 32;
/// Resource temporarily unavailable / would block.
pub const EAGAIN: i32 = 35;
/// Socket operation on non-socket.
pub const ENOTSOCK: i32 = 38;
/// Destination address required.
pub const EDESTADDRREQ: i32 = 39;
/// Message too long.
pub const EMSGSIZE: i32 = 40;
/// Protocol not available (ICMP parameter problem).
pub const ENOPROTOOPT: i32 = 42;
/// Address family not supported by protocol family.
pub const EAFNOSUPPORT: i32 = 47;
/// Address already in use.
pub const EADDRINUSE: i32 = 48;
/// Can't assign requested address (Wi-Fi off, source address gone, bad destination).
pub const EADDRNOTAVAIL: i32 = 49;
/// Network is down.
pub const ENETDOWN: i32 = 50;
/// Network is unreachable.
pub const ENETUNREACH: i32 = 51;
/// Network dropped connection on reset.
pub const ENETRESET: i32 = 52;
/// Connection reset by peer.
pub const ECONNRESET: i32 = 54;
/// No buffer space available (interface queue full, flow advisory).
pub const ENOBUFS: i32 = 55;
/// Socket is already connected.
pub const EISCONN: i32 = 56;
/// Socket is not connected (defunct socket after iOS suspension).
pub const ENOTCONN: i32 = 57;
/// Operation timed out.
pub const ETIMEDOUT: i32 = 60;
/// Connection refused.
pub const ECONNREFUSED: i32 = 61;
/// Host is down.
pub const EHOSTDOWN: i32 = 64;
/// No route to host.
pub const EHOSTUNREACH: i32 = 65;
/// Protocol error.
pub const EPROTO: i32 = 100;
/// Operation not supported on socket.
pub const EOPNOTSUPP: i32 = 102;

/// The macOS numbers.
const CODES: Errno = errno_codes! {
    icmp_only_extra: &[],
    icmp_recv_extra: &[],
};

/// The macOS table.
pub(super) fn table(op: Op, code: i32) -> ErrorClass {
    errno::table(&CODES, op, code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ErrorClass as C;

    /// Every macOS code named in docs/design/UDP-FAILURES.md §2.3 / §2.4, with its class per
    /// operation.
    const ROWS: &[(i32, &str, ErrorClass, ErrorClass)] = &[
        // (code, name, on recv, on send)
        (EAGAIN, "EAGAIN", C::NoData, C::Pressure),
        (EINTR, "EINTR", C::NoData, C::NoData),
        (ETIMEDOUT, "ETIMEDOUT", C::NoData, C::Unknown),
        (ECONNREFUSED, "ECONNREFUSED", C::StaleReport, C::StaleReport),
        (ECONNRESET, "ECONNRESET", C::StaleReport, C::StaleReport),
        (
            EHOSTUNREACH,
            "EHOSTUNREACH",
            C::StaleReport,
            C::PerDestination,
        ),
        (
            ENETUNREACH,
            "ENETUNREACH",
            C::StaleReport,
            C::PerDestination,
        ),
        (EHOSTDOWN, "EHOSTDOWN", C::StaleReport, C::PerDestination),
        (EPROTO, "EPROTO", C::StaleReport, C::StaleReport),
        (ENOPROTOOPT, "ENOPROTOOPT", C::StaleReport, C::StaleReport),
        (ENETRESET, "ENETRESET", C::StaleReport, C::StaleReport),
        (EACCES, "EACCES", C::StaleReport, C::PerDestination),
        (EMSGSIZE, "EMSGSIZE", C::StaleReport, C::PerDestination),
        (EPERM, "EPERM", C::Unknown, C::PerDestination),
        (EINVAL, "EINVAL", C::Bug, C::PerDestination),
        (EAFNOSUPPORT, "EAFNOSUPPORT", C::Unknown, C::PerDestination),
        (
            EADDRNOTAVAIL,
            "EADDRNOTAVAIL",
            C::Unknown,
            C::PerDestination,
        ),
        (ENOBUFS, "ENOBUFS", C::Pressure, C::Pressure),
        (ENOMEM, "ENOMEM", C::Pressure, C::Pressure),
        (ENETDOWN, "ENETDOWN", C::Environment, C::Environment),
        (ENODEV, "ENODEV", C::Environment, C::Environment),
        (EPIPE, "EPIPE", C::Environment, C::Environment),
        (ENOTCONN, "ENOTCONN", C::Environment, C::Environment),
        (EBADF, "EBADF", C::Bug, C::Bug),
        (ENOTSOCK, "ENOTSOCK", C::Bug, C::Bug),
        (EFAULT, "EFAULT", C::Bug, C::Bug),
        (EDESTADDRREQ, "EDESTADDRREQ", C::Unknown, C::Bug),
        (EISCONN, "EISCONN", C::Unknown, C::Bug),
        (EOPNOTSUPP, "EOPNOTSUPP", C::Unknown, C::Unknown),
        (EADDRINUSE, "EADDRINUSE", C::Unknown, C::Unknown),
    ];

    #[test]
    fn every_listed_code_has_its_class() {
        for &(code, name, recv, send) in ROWS {
            assert_eq!(table(Op::Recv, code), recv, "recv {name} ({code})");
            assert_eq!(table(Op::Send, code), send, "send {name} ({code})");
        }
    }

    #[test]
    fn macos_numbers_differ_from_linux() {
        // Numbers that differ from Linux: a table built on the host's libc would get these wrong.
        let pairs = [
            (ENOBUFS, 55, super::super::linux::ENOBUFS),
            (ENETUNREACH, 51, super::super::linux::ENETUNREACH),
            (EHOSTUNREACH, 65, super::super::linux::EHOSTUNREACH),
            (ECONNREFUSED, 61, super::super::linux::ECONNREFUSED),
            (EADDRNOTAVAIL, 49, super::super::linux::EADDRNOTAVAIL),
            (ENETDOWN, 50, super::super::linux::ENETDOWN),
            (EHOSTDOWN, 64, super::super::linux::EHOSTDOWN),
            (EAGAIN, 35, super::super::linux::EAGAIN),
        ];
        for (ours, expected, linux) in pairs {
            assert_eq!(ours, expected);
            assert_ne!(ours, linux);
        }
        // Linux ENOBUFS (105) read with the macOS table is not "pressure".
        assert_eq!(table(Op::Send, 105), C::Unknown);
        // macOS EHOSTDOWN (64) is Linux ENONET: same class on receive, different on send.
        assert_eq!(table(Op::Send, 64), C::PerDestination);
    }

    /// On an Apple host the hard-coded numbers must equal the C library's.
    #[cfg(target_vendor = "apple")]
    #[test]
    fn numbers_match_host_libc() {
        let host = [
            (EAGAIN, libc::EAGAIN),
            (EMSGSIZE, libc::EMSGSIZE),
            (EADDRNOTAVAIL, libc::EADDRNOTAVAIL),
            (ENETDOWN, libc::ENETDOWN),
            (ENETUNREACH, libc::ENETUNREACH),
            (ECONNRESET, libc::ECONNRESET),
            (ENOBUFS, libc::ENOBUFS),
            (ECONNREFUSED, libc::ECONNREFUSED),
            (EHOSTDOWN, libc::EHOSTDOWN),
            (EHOSTUNREACH, libc::EHOSTUNREACH),
            (EPROTO, libc::EPROTO),
            (EOPNOTSUPP, libc::EOPNOTSUPP),
        ];
        for (ours, theirs) in host {
            assert_eq!(ours, theirs);
        }
    }
}
