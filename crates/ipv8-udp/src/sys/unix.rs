//! Unix socket setup: the no-op twin of `windows.rs`, plus Linux error-queue helpers.
//!
//! Unconnected UDP sockets on Linux and macOS do not report ICMP errors unless asked to, so
//! there is nothing to switch off. `IP_RECVERR` stays off by default: an undrained error queue
//! eats the receive buffer and makes sends to healthy peers fail (docs/design/UDP-FAILURES.md
//! §2.1). [`enable_ip_recverr`] turns it on for the diagnostic option `BindConfig::ip_recverr`
//! (`ipv8 run --ip-recverr`) and for tests, and [`drain_error_queue`] is the defence the driver
//! applies after errors on Linux, in every build.

use socket2::Socket;

use crate::PlatformSetup;

/// Nothing to configure on Unix; the result reports "not applicable".
pub(crate) fn configure(_socket: &Socket) -> PlatformSetup {
    PlatformSetup::default()
}

/// Empties the socket's `MSG_ERRQUEUE` and returns how many queued ICMP/local errors it removed.
///
/// The error queue only fills when `IP_RECVERR`/`IPV6_RECVERR` is on (off unless asked for);
/// draining an empty queue costs one syscall returning `EAGAIN`. A driver on Linux calls this
/// after a [`crate::ErrorClass::StaleReport`] and after a failed send, so that `IP_RECVERR`
/// cannot starve the receive buffer or fail later sends (docs/design/UDP-FAILURES.md §2.1).
/// Emptying the queue also clears the pending socket error it set. Reading the queue never blocks.
/// At most 4096 entries are removed per call so a storm cannot pin the caller.
#[cfg(target_os = "linux")]
pub fn drain_error_queue(socket: &impl std::os::fd::AsFd) -> std::io::Result<usize> {
    use std::mem::MaybeUninit;

    const MAX_PER_CALL: usize = 4096;
    let sock = socket2::SockRef::from(socket);
    let mut buf = [MaybeUninit::<u8>::uninit(); 64];
    let mut drained = 0;
    while drained < MAX_PER_CALL {
        match sock.recv_with_flags(&mut buf, libc::MSG_ERRQUEUE | libc::MSG_DONTWAIT) {
            Ok(_) => drained += 1,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(drained)
}

/// Linux: turns on `IP_RECVERR` (IPv4 socket) or `IPV6_RECVERR` (IPv6 socket) on a bound
/// socket. Every ICMP error about an earlier datagram, and a full qdisc's `ENOBUFS`, are then
/// reported (docs/design/UDP-FAILURES.md §2.1). Only with a reader that drains the queue after
/// errors, as the driver does: [`crate::BindConfig::ip_recverr`] is the supported way to ask for
/// it.
#[cfg(target_os = "linux")]
pub fn enable_ip_recverr(socket: &impl std::os::fd::AsFd) -> std::io::Result<()> {
    use nix::sys::socket::{setsockopt, sockopt};

    let fd = socket.as_fd();
    let result = if socket2::SockRef::from(socket).local_addr()?.is_ipv6() {
        setsockopt(&fd, sockopt::Ipv6RecvErr, &true)
    } else {
        setsockopt(&fd, sockopt::Ipv4RecvErr, &true)
    };
    result.map_err(std::io::Error::from)
}
