//! Linux errno numbers (the asm-generic numbering of x86, x86-64, ARM and RISC-V) and the Linux
//! classification table (docs/design/UDP-FAILURES.md §2.1 and §2.4).
//!
//! Unconnected sockets without `IP_RECVERR` see no ICMP errors at all on Linux; the receive-side
//! rows exist for connected sockets and for a user who enabled `IP_RECVERR` anyway. The ICMP to
//! errno mapping is the kernel's `icmp_err_convert` / `icmpv6_err_convert`.

use super::errno::{self, Errno, errno_codes};
use super::{ErrorClass, Op};

/// Operation not permitted (nftables OUTPUT drop).
pub const EPERM: i32 = 1;
/// Interrupted system call.
pub const EINTR: i32 = 4;
/// Bad file descriptor.
pub const EBADF: i32 = 9;
/// Try again / would block.
pub const EAGAIN: i32 = 11;
/// Out of memory.
pub const ENOMEM: i32 = 12;
/// Permission denied (`prohibit` route, broadcast without `SO_BROADCAST`, ICMPv6 admin-prohibited).
pub const EACCES: i32 = 13;
/// Bad address.
pub const EFAULT: i32 = 14;
/// No such device (`SO_BINDTODEVICE` interface gone).
pub const ENODEV: i32 = 19;
/// Invalid argument (port 0, blackhole route; on receive: our bug).
pub const EINVAL: i32 = 22;
/// Broken pipe.
pub const EPIPE: i32 = 32;
/// Machine is not on the network (ICMP host isolated).
pub const ENONET: i32 = 64;
/// Protocol error (ICMP parameter problem).
pub const EPROTO: i32 = 71;
/// Socket operation on non-socket.
pub const ENOTSOCK: i32 = 88;
/// Destination address required.
pub const EDESTADDRREQ: i32 = 89;
/// Message too long (oversize datagram, PMTU).
pub const EMSGSIZE: i32 = 90;
/// Protocol not available (ICMP protocol unreachable).
pub const ENOPROTOOPT: i32 = 92;
/// Operation not supported (ICMP source route failed).
pub const EOPNOTSUPP: i32 = 95;
/// Address family not supported (IPv6 destination on an IPv4 socket).
pub const EAFNOSUPPORT: i32 = 97;
/// Address already in use.
pub const EADDRINUSE: i32 = 98;
/// Cannot assign requested address.
pub const EADDRNOTAVAIL: i32 = 99;
/// Network is down.
pub const ENETDOWN: i32 = 100;
/// Network is unreachable.
pub const ENETUNREACH: i32 = 101;
/// Network dropped connection on reset.
pub const ENETRESET: i32 = 102;
/// Connection reset by peer.
pub const ECONNRESET: i32 = 104;
/// No buffer space available.
pub const ENOBUFS: i32 = 105;
/// Transport endpoint is already connected.
pub const EISCONN: i32 = 106;
/// Transport endpoint is not connected.
pub const ENOTCONN: i32 = 107;
/// Connection timed out.
pub const ETIMEDOUT: i32 = 110;
/// Connection refused (ICMP port unreachable).
pub const ECONNREFUSED: i32 = 111;
/// Host is down (ICMP host unknown).
pub const EHOSTDOWN: i32 = 112;
/// No route to host.
pub const EHOSTUNREACH: i32 = 113;

/// The Linux numbers. `ENONET` (ICMP host isolated) and `EOPNOTSUPP` (ICMP source route
/// failed) come only from Linux's ICMP conversion.
const CODES: Errno = errno_codes! {
    icmp_only_extra: &[ENONET],
    icmp_recv_extra: &[EOPNOTSUPP],
};

/// The Linux table.
pub(super) fn table(op: Op, code: i32) -> ErrorClass {
    errno::table(&CODES, op, code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ErrorClass as C;

    /// Every Linux code named in docs/design/UDP-FAILURES.md §2.1 / §2.4, with its class per
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
        (ENONET, "ENONET", C::StaleReport, C::StaleReport),
        (EPROTO, "EPROTO", C::StaleReport, C::StaleReport),
        (ENOPROTOOPT, "ENOPROTOOPT", C::StaleReport, C::StaleReport),
        (ENETRESET, "ENETRESET", C::StaleReport, C::StaleReport),
        (EOPNOTSUPP, "EOPNOTSUPP", C::StaleReport, C::Unknown),
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
    fn unlisted_codes_are_unknown() {
        for code in [0, -1, 10054, 1234, 1214, 9999, i32::MAX, i32::MIN] {
            assert_eq!(table(Op::Recv, code), C::Unknown, "recv {code}");
            assert_eq!(table(Op::Send, code), C::Unknown, "send {code}");
        }
    }

    /// On a Linux host the hard-coded numbers must equal the C library's.
    #[cfg(target_os = "linux")]
    #[test]
    fn numbers_match_host_libc() {
        let host = [
            (EPERM, libc::EPERM),
            (EINTR, libc::EINTR),
            (EBADF, libc::EBADF),
            (EAGAIN, libc::EAGAIN),
            (EAGAIN, libc::EWOULDBLOCK),
            (ENOMEM, libc::ENOMEM),
            (EACCES, libc::EACCES),
            (EFAULT, libc::EFAULT),
            (ENODEV, libc::ENODEV),
            (EINVAL, libc::EINVAL),
            (EPIPE, libc::EPIPE),
            (ENONET, libc::ENONET),
            (EPROTO, libc::EPROTO),
            (ENOTSOCK, libc::ENOTSOCK),
            (EDESTADDRREQ, libc::EDESTADDRREQ),
            (EMSGSIZE, libc::EMSGSIZE),
            (ENOPROTOOPT, libc::ENOPROTOOPT),
            (EOPNOTSUPP, libc::EOPNOTSUPP),
            (EAFNOSUPPORT, libc::EAFNOSUPPORT),
            (EADDRINUSE, libc::EADDRINUSE),
            (EADDRNOTAVAIL, libc::EADDRNOTAVAIL),
            (ENETDOWN, libc::ENETDOWN),
            (ENETUNREACH, libc::ENETUNREACH),
            (ENETRESET, libc::ENETRESET),
            (ECONNRESET, libc::ECONNRESET),
            (ENOBUFS, libc::ENOBUFS),
            (EISCONN, libc::EISCONN),
            (ENOTCONN, libc::ENOTCONN),
            (ETIMEDOUT, libc::ETIMEDOUT),
            (ECONNREFUSED, libc::ECONNREFUSED),
            (EHOSTDOWN, libc::EHOSTDOWN),
            (EHOSTUNREACH, libc::EHOSTUNREACH),
        ];
        for (ours, theirs) in host {
            assert_eq!(ours, theirs);
        }
    }
}
