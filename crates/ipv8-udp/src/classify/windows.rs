//! Windows error numbers and the Windows classification table (docs/design/UDP-FAILURES.md §1,
//! §2.2, §2.4).
//!
//! Two numberings reach a Windows program. Non-blocking `recvfrom`/`sendto` (what mio and tokio
//! use) report Winsock `WSAE*` codes. Overlapped (IOCP) operations report the Win32 code that
//! `RtlNtStatusToDosError` makes of the completion's NTSTATUS: ICMP port unreachable from an
//! earlier send is 10054 through Winsock but **1234** through IOCP, TTL expiry 10052 / **1232**,
//! network unreachable 10051 / **1231**, a bad address component 10049 / **1214**. The table
//! covers both, so a future IOCP back end (or a test replaying py-ipv8's `winerror`s) classifies
//! the same way. Rust's std maps 10054 to `ConnectionReset` but 10052, 10040, 10055, 1234 and
//! 1214 to `Uncategorized`, which is why classification uses the raw number.

use super::{ErrorClass, Op};

/// `ERROR_INVALID_HANDLE` (IOCP): the handle is not a valid socket.
pub const ERROR_INVALID_HANDLE: i32 = 6;
/// `ERROR_NOT_ENOUGH_MEMORY` (IOCP).
pub const ERROR_NOT_ENOUGH_MEMORY: i32 = 8;
/// `ERROR_OUTOFMEMORY` (IOCP).
pub const ERROR_OUTOFMEMORY: i32 = 14;
/// `ERROR_NETNAME_DELETED` (IOCP form of STATUS_CONNECTION_RESET, i.e. 10054).
pub const ERROR_NETNAME_DELETED: i32 = 64;
/// `ERROR_MORE_DATA` (IOCP form of 10040: datagram larger than the buffer).
pub const ERROR_MORE_DATA: i32 = 234;
/// `ERROR_OPERATION_ABORTED` (IOCP): the operation was cancelled, the socket closed under it.
pub const ERROR_OPERATION_ABORTED: i32 = 995;
/// `ERROR_INVALID_NETNAME` (IOCP form of 10049: port 0 / unspecified destination, source
/// address gone).
pub const ERROR_INVALID_NETNAME: i32 = 1214;
/// `ERROR_NETWORK_UNREACHABLE` (IOCP form of 10051).
pub const ERROR_NETWORK_UNREACHABLE: i32 = 1231;
/// `ERROR_HOST_UNREACHABLE` (IOCP form of 10065, and of 10052 for TTL/hop limit exceeded).
pub const ERROR_HOST_UNREACHABLE: i32 = 1232;
/// `ERROR_PROTOCOL_UNREACHABLE` (IOCP form of ICMP protocol unreachable).
pub const ERROR_PROTOCOL_UNREACHABLE: i32 = 1233;
/// `ERROR_PORT_UNREACHABLE` (IOCP form of 10054 after an earlier send to a closed port): the
/// code that stopped py-ipv8's Proactor receive loop.
pub const ERROR_PORT_UNREACHABLE: i32 = 1234;
/// `ERROR_NO_SYSTEM_RESOURCES` (IOCP).
pub const ERROR_NO_SYSTEM_RESOURCES: i32 = 1450;
/// `WSAEINTR`: a blocking call was interrupted.
pub const WSAEINTR: i32 = 10004;
/// `WSAEBADF`: bad handle.
pub const WSAEBADF: i32 = 10009;
/// `WSAEACCES`: broadcast without `SO_BROADCAST`, firewall.
pub const WSAEACCES: i32 = 10013;
/// `WSAEFAULT`: bad pointer.
pub const WSAEFAULT: i32 = 10014;
/// `WSAEINVAL`: invalid argument (send: bad destination; receive: our bug).
pub const WSAEINVAL: i32 = 10022;
/// `WSAEWOULDBLOCK`: nothing to do right now.
pub const WSAEWOULDBLOCK: i32 = 10035;
/// `WSAENOTSOCK`: not a socket.
pub const WSAENOTSOCK: i32 = 10038;
/// `WSAEDESTADDRREQ`: destination address required.
pub const WSAEDESTADDRREQ: i32 = 10039;
/// `WSAEMSGSIZE`: receive: datagram larger than the buffer (consumed); send: too large.
pub const WSAEMSGSIZE: i32 = 10040;
/// `WSAEOPNOTSUPP`: operation not supported (Wine: IPv6 destination on an IPv4 socket).
pub const WSAEOPNOTSUPP: i32 = 10045;
/// `WSAEAFNOSUPPORT`: address family not supported.
pub const WSAEAFNOSUPPORT: i32 = 10047;
/// `WSAEADDRINUSE`: address already in use.
pub const WSAEADDRINUSE: i32 = 10048;
/// `WSAEADDRNOTAVAIL`: port 0 / unspecified destination, or the bound address disappeared.
pub const WSAEADDRNOTAVAIL: i32 = 10049;
/// `WSAENETDOWN`: the network subsystem failed.
pub const WSAENETDOWN: i32 = 10050;
/// `WSAENETUNREACH`: network unreachable.
pub const WSAENETUNREACH: i32 = 10051;
/// `WSAENETRESET`: on a datagram socket, "time to live has expired" (ICMP TTL exceeded).
pub const WSAENETRESET: i32 = 10052;
/// `WSAECONNRESET`: on a datagram socket, an earlier send drew ICMP port unreachable.
pub const WSAECONNRESET: i32 = 10054;
/// `WSAENOBUFS`: no buffer space available.
pub const WSAENOBUFS: i32 = 10055;
/// `WSAEISCONN`: the socket is connected.
pub const WSAEISCONN: i32 = 10056;
/// `WSAENOTCONN`: the socket is not connected.
pub const WSAENOTCONN: i32 = 10057;
/// `WSAESHUTDOWN`: the socket was shut down.
pub const WSAESHUTDOWN: i32 = 10058;
/// `WSAETIMEDOUT`: `SO_RCVTIMEO` expired (not `WouldBlock` on Windows).
pub const WSAETIMEDOUT: i32 = 10060;
/// `WSAECONNREFUSED`: ICMP port unreachable on a connected socket (Wine reports this).
pub const WSAECONNREFUSED: i32 = 10061;
/// `WSAEHOSTDOWN`: host is down.
pub const WSAEHOSTDOWN: i32 = 10064;
/// `WSAEHOSTUNREACH`: no route to host.
pub const WSAEHOSTUNREACH: i32 = 10065;
/// `WSANOTINITIALISED`: `WSAStartup` was not called.
pub const WSANOTINITIALISED: i32 = 10093;

/// The Windows table (Winsock and IOCP numbers).
pub(super) fn table(op: Op, code: i32) -> ErrorClass {
    use ErrorClass as C;
    match (op, code) {
        (_, WSAEINTR) | (Op::Recv, WSAEWOULDBLOCK | WSAETIMEDOUT) => C::NoData,
        (
            _,
            WSAENOBUFS | ERROR_NOT_ENOUGH_MEMORY | ERROR_OUTOFMEMORY | ERROR_NO_SYSTEM_RESOURCES,
        )
        | (Op::Send, WSAEWOULDBLOCK) => C::Pressure,
        (_, WSAENETDOWN | WSAENOTCONN | WSAESHUTDOWN | ERROR_OPERATION_ABORTED) => C::Environment,
        (_, WSAENOTSOCK | WSANOTINITIALISED | WSAEBADF | WSAEFAULT | ERROR_INVALID_HANDLE)
        | (Op::Recv, WSAEINVAL)
        | (Op::Send, WSAEDESTADDRREQ | WSAEISCONN) => C::Bug,
        (Op::Recv, WSAEMSGSIZE | ERROR_MORE_DATA) => C::PerDatagram,
        // Receive errors are reports about earlier sends; the socket is healthy. These are the
        // codes that killed asyncio's Proactor loop (1234, 1232, 1231, 1214).
        (
            Op::Recv,
            WSAECONNRESET
            | WSAENETRESET
            | WSAECONNREFUSED
            | WSAEHOSTUNREACH
            | WSAENETUNREACH
            | WSAEHOSTDOWN
            | WSAEACCES
            | WSAEADDRNOTAVAIL
            | ERROR_PORT_UNREACHABLE
            | ERROR_HOST_UNREACHABLE
            | ERROR_NETWORK_UNREACHABLE
            | ERROR_PROTOCOL_UNREACHABLE
            | ERROR_INVALID_NETNAME
            | ERROR_NETNAME_DELETED,
        ) => C::StaleReport,
        (
            Op::Send,
            WSAECONNRESET
            | WSAENETRESET
            | WSAECONNREFUSED
            | ERROR_PORT_UNREACHABLE
            | ERROR_NETNAME_DELETED,
        ) => C::StaleReport,
        (
            Op::Send,
            WSAENETUNREACH
            | WSAEHOSTUNREACH
            | WSAEHOSTDOWN
            | WSAEACCES
            | WSAEADDRNOTAVAIL
            | WSAEMSGSIZE
            | WSAEINVAL
            | WSAEAFNOSUPPORT
            | WSAEOPNOTSUPP
            | ERROR_NETWORK_UNREACHABLE
            | ERROR_HOST_UNREACHABLE
            | ERROR_PROTOCOL_UNREACHABLE
            | ERROR_INVALID_NETNAME,
        ) => C::PerDestination,
        _ => C::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ErrorClass as C;

    /// Every Windows code named in docs/design/UDP-FAILURES.md §1 / §2.2 / §2.4, with its class per
    /// operation.
    const ROWS: &[(i32, &str, ErrorClass, ErrorClass)] = &[
        // (code, name, on recv, on send)
        (WSAEWOULDBLOCK, "WSAEWOULDBLOCK", C::NoData, C::Pressure),
        (WSAEINTR, "WSAEINTR", C::NoData, C::NoData),
        (WSAETIMEDOUT, "WSAETIMEDOUT", C::NoData, C::Unknown),
        (
            WSAECONNRESET,
            "WSAECONNRESET",
            C::StaleReport,
            C::StaleReport,
        ),
        (WSAENETRESET, "WSAENETRESET", C::StaleReport, C::StaleReport),
        (
            WSAECONNREFUSED,
            "WSAECONNREFUSED",
            C::StaleReport,
            C::StaleReport,
        ),
        (
            WSAEMSGSIZE,
            "WSAEMSGSIZE",
            C::PerDatagram,
            C::PerDestination,
        ),
        (
            WSAEHOSTUNREACH,
            "WSAEHOSTUNREACH",
            C::StaleReport,
            C::PerDestination,
        ),
        (
            WSAENETUNREACH,
            "WSAENETUNREACH",
            C::StaleReport,
            C::PerDestination,
        ),
        (
            WSAEHOSTDOWN,
            "WSAEHOSTDOWN",
            C::StaleReport,
            C::PerDestination,
        ),
        (
            WSAEADDRNOTAVAIL,
            "WSAEADDRNOTAVAIL",
            C::StaleReport,
            C::PerDestination,
        ),
        (WSAEACCES, "WSAEACCES", C::StaleReport, C::PerDestination),
        (WSAEINVAL, "WSAEINVAL", C::Bug, C::PerDestination),
        (
            WSAEAFNOSUPPORT,
            "WSAEAFNOSUPPORT",
            C::Unknown,
            C::PerDestination,
        ),
        (
            WSAEOPNOTSUPP,
            "WSAEOPNOTSUPP",
            C::Unknown,
            C::PerDestination,
        ),
        (WSAENOBUFS, "WSAENOBUFS", C::Pressure, C::Pressure),
        (WSAENETDOWN, "WSAENETDOWN", C::Environment, C::Environment),
        (WSAENOTCONN, "WSAENOTCONN", C::Environment, C::Environment),
        (WSAESHUTDOWN, "WSAESHUTDOWN", C::Environment, C::Environment),
        (WSAENOTSOCK, "WSAENOTSOCK", C::Bug, C::Bug),
        (WSANOTINITIALISED, "WSANOTINITIALISED", C::Bug, C::Bug),
        (WSAEBADF, "WSAEBADF", C::Bug, C::Bug),
        (WSAEFAULT, "WSAEFAULT", C::Bug, C::Bug),
        (WSAEDESTADDRREQ, "WSAEDESTADDRREQ", C::Unknown, C::Bug),
        (WSAEISCONN, "WSAEISCONN", C::Unknown, C::Bug),
        (WSAEADDRINUSE, "WSAEADDRINUSE", C::Unknown, C::Unknown),
        // IOCP (Win32) numbers, as seen in Python's `winerror`.
        (
            ERROR_PORT_UNREACHABLE,
            "ERROR_PORT_UNREACHABLE",
            C::StaleReport,
            C::StaleReport,
        ),
        (
            ERROR_HOST_UNREACHABLE,
            "ERROR_HOST_UNREACHABLE",
            C::StaleReport,
            C::PerDestination,
        ),
        (
            ERROR_NETWORK_UNREACHABLE,
            "ERROR_NETWORK_UNREACHABLE",
            C::StaleReport,
            C::PerDestination,
        ),
        (
            ERROR_PROTOCOL_UNREACHABLE,
            "ERROR_PROTOCOL_UNREACHABLE",
            C::StaleReport,
            C::PerDestination,
        ),
        (
            ERROR_INVALID_NETNAME,
            "ERROR_INVALID_NETNAME",
            C::StaleReport,
            C::PerDestination,
        ),
        (
            ERROR_NETNAME_DELETED,
            "ERROR_NETNAME_DELETED",
            C::StaleReport,
            C::StaleReport,
        ),
        (
            ERROR_MORE_DATA,
            "ERROR_MORE_DATA",
            C::PerDatagram,
            C::Unknown,
        ),
        (
            ERROR_OPERATION_ABORTED,
            "ERROR_OPERATION_ABORTED",
            C::Environment,
            C::Environment,
        ),
        (
            ERROR_NOT_ENOUGH_MEMORY,
            "ERROR_NOT_ENOUGH_MEMORY",
            C::Pressure,
            C::Pressure,
        ),
        (
            ERROR_OUTOFMEMORY,
            "ERROR_OUTOFMEMORY",
            C::Pressure,
            C::Pressure,
        ),
        (
            ERROR_NO_SYSTEM_RESOURCES,
            "ERROR_NO_SYSTEM_RESOURCES",
            C::Pressure,
            C::Pressure,
        ),
        (ERROR_INVALID_HANDLE, "ERROR_INVALID_HANDLE", C::Bug, C::Bug),
    ];

    #[test]
    fn every_listed_code_has_its_class() {
        for &(code, name, recv, send) in ROWS {
            assert_eq!(table(Op::Recv, code), recv, "recv {name} ({code})");
            assert_eq!(table(Op::Send, code), send, "send {name} ({code})");
        }
    }

    #[test]
    fn numbers_are_the_documented_ones() {
        // Spelled out once more as literals: these are the numbers in bug reports and logs.
        let literal = [
            (10035, WSAEWOULDBLOCK),
            (10054, WSAECONNRESET),
            (10052, WSAENETRESET),
            (10040, WSAEMSGSIZE),
            (10065, WSAEHOSTUNREACH),
            (10051, WSAENETUNREACH),
            (10049, WSAEADDRNOTAVAIL),
            (10050, WSAENETDOWN),
            (10013, WSAEACCES),
            (10022, WSAEINVAL),
            (10055, WSAENOBUFS),
            (10038, WSAENOTSOCK),
            (10093, WSANOTINITIALISED),
            (10060, WSAETIMEDOUT),
            (1234, ERROR_PORT_UNREACHABLE),
            (1232, ERROR_HOST_UNREACHABLE),
            (1231, ERROR_NETWORK_UNREACHABLE),
            (1233, ERROR_PROTOCOL_UNREACHABLE),
            (1214, ERROR_INVALID_NETNAME),
            (234, ERROR_MORE_DATA),
            (64, ERROR_NETNAME_DELETED),
        ];
        for (number, constant) in literal {
            assert_eq!(number, constant);
        }
    }

    #[test]
    fn proactor_killers_never_trigger_rebind_on_receive() {
        // The Tribler failure: any of these on a receive must mean "read again".
        for code in [1234, 1232, 1231, 1214, 10054, 10052] {
            let class = table(Op::Recv, code);
            assert_eq!(class, C::StaleReport, "{code}");
            assert!(!class.is_rebind_trigger());
        }
        assert_eq!(table(Op::Recv, 10040), C::PerDatagram);
    }

    #[test]
    fn unix_numbers_are_unknown_here() {
        for code in [11, 35, 105, 111, 0, -1] {
            assert_eq!(table(Op::Recv, code), C::Unknown, "recv {code}");
        }
    }

    /// On a Windows host the hard-coded numbers must equal windows-sys'.
    #[cfg(windows)]
    #[test]
    fn numbers_match_windows_sys() {
        use windows_sys::Win32::Networking::WinSock as ws;
        for (ours, theirs) in [
            (WSAECONNRESET, ws::WSAECONNRESET),
            (WSAENETRESET, ws::WSAENETRESET),
            (WSAEMSGSIZE, ws::WSAEMSGSIZE),
            (WSAEWOULDBLOCK, ws::WSAEWOULDBLOCK),
            (WSAENOBUFS, ws::WSAENOBUFS),
            (WSAEADDRNOTAVAIL, ws::WSAEADDRNOTAVAIL),
        ] {
            assert_eq!(ours, theirs);
        }
    }
}
