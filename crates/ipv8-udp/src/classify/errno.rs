//! The classification shared by the errno-numbered systems (Linux, macOS and the BSDs): one
//! table over a per-OS [`Errno`] set of numbers (docs/design/UDP-FAILURES.md §2.1, §2.3 and §2.4).
//!
//! Both kernels report the same conditions under the same errno names and the policy is the
//! same; only the numbers differ, plus the few codes that only Linux's ICMP conversion
//! (`icmp_err_convert`) produces.

use super::{ErrorClass, Op};

/// One system's numbers for the errno names the table uses.
pub(super) struct Errno {
    pub eperm: i32,
    pub eintr: i32,
    pub ebadf: i32,
    pub eagain: i32,
    pub enomem: i32,
    pub eacces: i32,
    pub efault: i32,
    pub enodev: i32,
    pub einval: i32,
    pub epipe: i32,
    pub eproto: i32,
    pub enotsock: i32,
    pub edestaddrreq: i32,
    pub emsgsize: i32,
    pub enoprotoopt: i32,
    pub eafnosupport: i32,
    pub eaddrnotavail: i32,
    pub enetdown: i32,
    pub enetunreach: i32,
    pub enetreset: i32,
    pub econnreset: i32,
    pub enobufs: i32,
    pub eisconn: i32,
    pub enotconn: i32,
    pub etimedout: i32,
    pub econnrefused: i32,
    pub ehostdown: i32,
    pub ehostunreach: i32,
    /// Further codes only ICMP produces: a stale report on receive and on send.
    pub icmp_only_extra: &'static [i32],
    /// Further ICMP codes that are a stale report on receive only.
    pub icmp_recv_extra: &'static [i32],
}

/// An [`Errno`] from the `E*` constants in scope where it is invoked (each field is the constant
/// of the same name), plus that system's extra ICMP codes.
macro_rules! errno_codes {
    (icmp_only_extra: $only:expr, icmp_recv_extra: $recv:expr $(,)?) => {
        $crate::classify::errno::Errno {
            eperm: EPERM,
            eintr: EINTR,
            ebadf: EBADF,
            eagain: EAGAIN,
            enomem: ENOMEM,
            eacces: EACCES,
            efault: EFAULT,
            enodev: ENODEV,
            einval: EINVAL,
            epipe: EPIPE,
            eproto: EPROTO,
            enotsock: ENOTSOCK,
            edestaddrreq: EDESTADDRREQ,
            emsgsize: EMSGSIZE,
            enoprotoopt: ENOPROTOOPT,
            eafnosupport: EAFNOSUPPORT,
            eaddrnotavail: EADDRNOTAVAIL,
            enetdown: ENETDOWN,
            enetunreach: ENETUNREACH,
            enetreset: ENETRESET,
            econnreset: ECONNRESET,
            enobufs: ENOBUFS,
            eisconn: EISCONN,
            enotconn: ENOTCONN,
            etimedout: ETIMEDOUT,
            econnrefused: ECONNREFUSED,
            ehostdown: EHOSTDOWN,
            ehostunreach: EHOSTUNREACH,
            icmp_only_extra: $only,
            icmp_recv_extra: $recv,
        }
    };
}
pub(super) use errno_codes;

/// Classifies `code` of `op` with the numbers `e`.
pub(super) fn table(e: &Errno, op: Op, code: i32) -> ErrorClass {
    use ErrorClass as C;
    let is = |codes: &[i32]| codes.contains(&code);
    let (recv, send) = (op == Op::Recv, op == Op::Send);
    if code == e.eintr || (recv && is(&[e.eagain, e.etimedout])) {
        C::NoData
    } else if is(&[e.enobufs, e.enomem]) || (send && code == e.eagain) {
        C::Pressure
    } else if is(&[e.enetdown, e.enodev, e.epipe, e.enotconn]) {
        C::Environment
    } else if is(&[e.ebadf, e.enotsock, e.efault])
        || (recv && code == e.einval)
        || (send && is(&[e.edestaddrreq, e.eisconn]))
    {
        C::Bug
    } else if is(&[
        e.econnrefused,
        e.econnreset,
        e.eproto,
        e.enoprotoopt,
        e.enetreset,
    ]) || is(e.icmp_only_extra)
    {
        // Codes only ICMP produces. On send they are a pending report consumed by this send
        // (IP_RECVERR): this datagram was not sent, but the socket and destination are fine.
        C::StaleReport
    } else if recv
        && (is(&[
            e.ehostunreach,
            e.enetunreach,
            e.ehostdown,
            e.eacces,
            e.emsgsize,
        ]) || is(e.icmp_recv_extra))
    {
        // A receive error is always a pending ICMP report about an earlier send.
        C::StaleReport
    } else if send
        && is(&[
            e.enetunreach,
            e.ehostunreach,
            e.ehostdown,
            e.eacces,
            e.eperm,
            e.einval,
            e.eafnosupport,
            e.eaddrnotavail,
            e.emsgsize,
        ])
    {
        C::PerDestination
    } else {
        C::Unknown
    }
}
