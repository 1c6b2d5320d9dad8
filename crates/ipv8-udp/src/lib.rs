//! UDP sockets for ipv8-rs: everything that touches the operating system's networking.
//!
//! Ports the socket half of py-ipv8's `messaging/interfaces/udp/endpoint.py` (bind, buffers,
//! port fallback) and `messaging/interfaces/lan_addresses/**` (interface discovery). The receive
//! and send *loops* live in the driver crate (`ipv8`); this crate gives it the pieces it needs
//! to make those loops immune to the failure that killed py-ipv8's endpoint on Windows (see
//! `docs/design/UDP-FAILURES.md`):
//!
//! 1. [`bind`] creates a wildcard-bound, unconnected, non-blocking socket with py-ipv8's buffer
//!    sizes and port fallback. On Windows it turns off `SIO_UDP_CONNRESET`/`SIO_UDP_NETRESET`.
//!    On Linux it can turn on `IP_RECVERR` as a diagnostic option ([`BindConfig::ip_recverr`]);
//!    [`drain_error_queue`] is then what keeps the error queue from starving the socket.
//! 2. [`classify`] / [`classify_io`] sort every I/O error into an [`ErrorClass`] with one table
//!    per OS, so the driver decides "read again", "drop", "back off" or "rebind", never "exit".
//! 3. [`check_destination`] rejects addresses that can only produce errors before they reach
//!    `sendto`.
//! 4. [`local_interfaces`] and [`NetWatcher`] report local addresses and their changes.
//! 5. [`DatagramSocket`] and [`Rebinder`] are the seams the driver is generic over. On Linux a
//!    tokio socket also receives in `recvmmsg` batches ([`RecvBatch`], with UDP GRO once
//!    [`DatagramSocket::enable_gro`] turned it on) and sends in `sendmmsg` batches or UDP GSO
//!    runs ([`SendBatch`]), with the plain path's error contract. With the
//!    `fault-injection` feature, the `fault` module scripts OS errors (including Windows codes on
//!    Linux) into the driver's real loop.
//!
//! This is the only crate of the workspace allowed to contain `unsafe` code: the Windows ioctl
//! call in `sys/windows.rs`, and the Linux `recvmmsg`/`sendmmsg` calls in `mmsg.rs`, which keep
//! their headers on the stack so that a batched call allocates nothing.
#![warn(missing_docs)]

mod batch;
mod classify;
mod datagram;
mod destination;
#[cfg(any(test, feature = "fault-injection"))]
pub mod fault;
mod interfaces;
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod mmsg;
mod parking;
mod send;
mod socket;
mod sys;
mod watch;

pub use batch::{BATCH_LEN, RecvBatch};
pub use classify::{ErrorClass, Op, Os, classify, classify_io, classify_io_for};
pub use datagram::{DatagramSocket, Rebinder, UdpRebinder, recv_from};
pub use destination::{DestinationError, DestinationPolicy, check_destination};
pub use interfaces::{IfNet, LocalInterface, local_interfaces};
pub use parking::ParkableSocket;
pub use send::{GSO_MAX_BYTES, GSO_MAX_SEGMENTS, GSO_SAFE_SEGMENT, SendBatch};
pub use socket::{
    BindConfig, BoundSocket, DEFAULT_PORT, DEFAULT_PORT_FALLBACK_ATTEMPTS, DEFAULT_RECV_BUFFER,
    DEFAULT_SEND_BUFFER, Family, IP_RECVERR_SUPPORTED, MIN_SEND_BUFFER, PlatformSetup,
    RECV_DATAGRAM_LEN, bind,
};
#[cfg(target_os = "linux")]
pub use sys::{drain_error_queue, enable_ip_recverr};
pub use watch::{DEFAULT_RESYNC_INTERVAL, NetEvent, NetWatcher};

/// Raw error numbers per OS as named constants (`codes::windows::ERROR_PORT_UNREACHABLE`), for
/// scripting faults and reading logs. [`classify`] takes them with the matching [`Os`].
pub mod codes {
    pub use crate::classify::{linux, macos, windows};
}
