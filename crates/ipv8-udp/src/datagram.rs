//! The seams the driver is generic over: [`DatagramSocket`] (one bound UDP socket) and
//! [`Rebinder`] (how to get a fresh one after an [`ErrorClass::Environment`] error).
//!
//! Production uses `tokio::net::UdpSocket` and [`UdpRebinder`]; tests wrap them in
//! `fault::FaultySocket` / `fault::FlakyRebinder` (feature `fault-injection`) to drive the
//! driver's real loop through any OS error sequence, and a simulator can implement both traits
//! over an in-memory network.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::ReadBuf;

#[cfg(doc)]
use crate::ErrorClass;
use crate::{BindConfig, Os, RecvBatch, SendBatch, bind};

/// A bound, unconnected datagram socket as the driver's receive and send paths use it.
///
/// # Contract
///
/// * **Errors are per call.** An `Err` from either method describes that one call; the socket
///   stays usable and the caller classifies the error ([`crate::classify_io_for`] with
///   [`DatagramSocket::error_os`]) and carries on. Nothing here ever requires closing the socket;
///   only the driver decides to rebind (on [`ErrorClass::is_rebind_trigger`] or its watchdog).
/// * **Receive** ([`DatagramSocket::poll_recv_from`]): `Ready(Ok((len, from)))` is one datagram
///   in `buf[..len]`; `Pending` means no datagram *and* `cx`'s waker is registered for
///   readiness; `Ready(Err(e))` is one error and **no waker is registered**, so the caller must
///   poll again (after classifying) rather than return `Pending`. Implementations should turn
///   would-block into `Pending`, but callers must tolerate a `Ready(Err)` of class
///   [`ErrorClass::NoData`] by polling again. To keep a storm of errors from starving other
///   tasks, the caller budgets consecutive errors per wakeup and then yields
///   (`cx.waker().wake_by_ref()` + `Pending`).
/// * **Truncation:** pass a buffer of [`crate::RECV_DATAGRAM_LEN`] bytes. Linux truncates a
///   longer datagram silently; Windows reports it as `WSAEMSGSIZE` ([`ErrorClass::PerDatagram`]).
/// * **Send** ([`DatagramSocket::try_send_to`]) never waits. Would-block means a full local
///   queue ([`ErrorClass::Pressure`]): drop the datagram (UDP is lossy, the overlay retries);
///   never wait for writability without a limit. A short count cannot happen for UDP.
/// * **Sharing:** both methods take `&self`, so one task can send while another has a receive
///   pending, and the socket can sit in an `Arc`.
/// * **Never connected:** implementations must not `connect`; the destination is per call.
/// * **Name clash:** on a concrete `tokio::net::UdpSocket`, `socket.try_send_to(..)` resolves to
///   tokio's *inherent* method, which returns `WouldBlock` until the reactor has seen the socket
///   writable. Generic code (`S: DatagramSocket`) gets the trait method; concrete code writes
///   `DatagramSocket::try_send_to(&socket, ..)`.
pub trait DatagramSocket {
    /// Receives one datagram into `buf`, or registers `cx` for readiness. See the trait docs.
    fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>>;

    /// Sends one datagram to `to` without waiting. See the trait docs.
    fn try_send_to(&self, buf: &[u8], to: SocketAddr) -> io::Result<usize>;

    /// The bound local address.
    fn local_addr(&self) -> io::Result<SocketAddr>;

    /// Which OS's error table classifies this socket's raw error codes. Real sockets use the
    /// host's ([`Os::current`], the default); a fault-injecting wrapper can say `Windows` so
    /// that scripted Windows codes are classified as Windows would, on a Linux test host.
    fn error_os(&self) -> Os {
        Os::current()
    }

    /// Empties the socket's ICMP error queue, if it has one, and returns how many entries were
    /// removed. Only Linux sockets with `IP_RECVERR` (off unless [`crate::BindConfig::ip_recverr`]
    /// asks for it) have one: undrained, it eats the receive buffer and fails later sends
    /// (docs/design/UDP-FAILURES.md §2.1). The driver calls this after every
    /// [`ErrorClass::StaleReport`] and every failed send. Default: nothing to drain.
    ///
    /// (Added by the driver crate's author: the generic driver has no file descriptor to pass to
    /// [`crate::drain_error_queue`].)
    fn drain_error_queue(&self) -> io::Result<usize> {
        Ok(0)
    }

    /// Receives the datagrams that are ready into `batch` (emptied first), or registers `cx`
    /// for readiness: `Ready(Ok(n))` with `n ≥ 1` datagrams, the rest as
    /// [`DatagramSocket::poll_recv_from`]. Linux sockets take up to [`RecvBatch::slots`] in one
    /// `recvmmsg`; the default (the plain path) takes one with `poll_recv_from`.
    fn poll_recv_batch(
        &self,
        cx: &mut Context<'_>,
        batch: &mut RecvBatch,
    ) -> Poll<io::Result<usize>> {
        batch.clear();
        self.poll_recv_from(cx, batch.first_slot())
            .map_ok(|(len, from)| {
                batch.push(len, from);
                1
            })
    }

    /// Turns on UDP GRO (Linux `UDP_GRO`), so that one [`DatagramSocket::poll_recv_batch`]
    /// message can carry several datagrams of one sender, and answers whether it is on. Only
    /// for a socket read with `poll_recv_batch` alone from now on: a plain
    /// [`DatagramSocket::poll_recv_from`] would get coalesced datagrams as one. Default (and on
    /// a kernel without GRO): off.
    fn enable_gro(&self) -> bool {
        false
    }

    /// Sends the first datagrams of `datagrams` without waiting and answers how many left
    /// (at least one), or the first one's error. Linux sockets send a run of datagrams to one
    /// destination as one GSO message, else up to [`crate::BATCH_LEN`] in one `sendmmsg`
    /// (`state` remembers what GSO can do on this socket; see `send.rs`); the default (the
    /// plain path) sends one with `try_send_to`. A count below `datagrams.len()` means the
    /// next datagram failed, would block, or simply was not in this call: send it with
    /// [`DatagramSocket::try_send_to`] when the count is 0 or the call failed, to learn its
    /// error, else call again.
    fn try_send_batch(
        &self,
        datagrams: &[(&[u8], SocketAddr)],
        state: &mut SendBatch,
    ) -> io::Result<usize> {
        let _ = state;
        match datagrams.first() {
            Some((bytes, to)) => self.try_send_to(bytes, *to).map(|_| 1),
            None => Ok(0),
        }
    }

    /// Takes the socket out of the runtime's reactor (`parked = true`) or puts it back
    /// (`false`). While parked, arriving datagrams queue in the kernel without waking the
    /// thread; sending works as usual; poll for receiving only after putting it back. The
    /// driver parks its sockets for receive moderation (`DriverConfig::recv_coalesce` in the
    /// `ipv8` crate). `Ok(true)`: done (or already so); `Ok(false)`: this socket cannot park
    /// (the default, which does nothing); an error: the socket was lost in the transition and
    /// must be replaced (rebind).
    fn set_parked(&mut self, parked: bool) -> io::Result<bool> {
        let _ = parked;
        Ok(false)
    }
}

impl DatagramSocket for tokio::net::UdpSocket {
    fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        let mut read = ReadBuf::new(buf);
        // tokio clears readiness only on would-block; after any other error the next poll reads
        // again at once, which is exactly the "error is per call" contract.
        Self::poll_recv_from(self, cx, &mut read).map_ok(|from| (read.filled().len(), from))
    }

    /// Calls `sendto` directly instead of tokio's `try_send_to`. Tokio's version consults its
    /// cached write readiness, which starts empty and is filled only when the reactor next
    /// polls, so on a fresh socket (also right after a rebind) it returns `WouldBlock` without
    /// trying, and the first datagrams (bootstrap requests) would be dropped. Since sends never
    /// wait for writability, bypassing the cache loses nothing.
    fn try_send_to(&self, buf: &[u8], to: SocketAddr) -> io::Result<usize> {
        socket2::SockRef::from(self).send_to(buf, &to.into())
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Self::local_addr(self)
    }

    #[cfg(target_os = "linux")]
    fn drain_error_queue(&self) -> io::Result<usize> {
        crate::drain_error_queue(self)
    }

    /// `recvmmsg` through tokio's readiness: would-block clears readiness and registers `cx`.
    #[cfg(target_os = "linux")]
    fn poll_recv_batch(
        &self,
        cx: &mut Context<'_>,
        batch: &mut RecvBatch,
    ) -> Poll<io::Result<usize>> {
        use std::os::fd::AsRawFd;

        loop {
            if let Err(error) = std::task::ready!(self.poll_recv_ready(cx)) {
                return Poll::Ready(Err(error));
            }
            let fd = self.as_raw_fd();
            match self.try_io(tokio::io::Interest::READABLE, || batch.recvmmsg(fd)) {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                result => return Poll::Ready(result),
            }
        }
    }

    /// `UDP_GRO` with a plain `setsockopt`; a kernel without it (before 5.0) says no.
    #[cfg(target_os = "linux")]
    fn enable_gro(&self) -> bool {
        crate::batch::enable_gro(self)
    }

    /// GSO `sendmsg` or `sendmmsg` directly, like `try_send_to` (tokio's write-readiness cache
    /// is bypassed).
    #[cfg(target_os = "linux")]
    fn try_send_batch(
        &self,
        datagrams: &[(&[u8], SocketAddr)],
        state: &mut SendBatch,
    ) -> io::Result<usize> {
        use std::os::fd::AsFd;

        crate::send::send_batch(self.as_fd(), datagrams, state)
    }
}

impl<T: DatagramSocket + ?Sized> DatagramSocket for Arc<T> {
    fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        (**self).poll_recv_from(cx, buf)
    }

    fn try_send_to(&self, buf: &[u8], to: SocketAddr) -> io::Result<usize> {
        (**self).try_send_to(buf, to)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        (**self).local_addr()
    }

    fn error_os(&self) -> Os {
        (**self).error_os()
    }

    fn poll_recv_batch(
        &self,
        cx: &mut Context<'_>,
        batch: &mut RecvBatch,
    ) -> Poll<io::Result<usize>> {
        (**self).poll_recv_batch(cx, batch)
    }

    fn enable_gro(&self) -> bool {
        (**self).enable_gro()
    }

    fn try_send_batch(
        &self,
        datagrams: &[(&[u8], SocketAddr)],
        state: &mut SendBatch,
    ) -> io::Result<usize> {
        (**self).try_send_batch(datagrams, state)
    }

    fn drain_error_queue(&self) -> io::Result<usize> {
        (**self).drain_error_queue()
    }
}

/// Receives one datagram or one error (an `async` wrapper over
/// [`DatagramSocket::poll_recv_from`]).
pub async fn recv_from<S: DatagramSocket + ?Sized>(
    socket: &S,
    buf: &mut [u8],
) -> io::Result<(usize, SocketAddr)> {
    std::future::poll_fn(|cx| socket.poll_recv_from(cx, buf)).await
}

/// Makes a replacement socket after the old one was found stale ([`ErrorClass::Environment`],
/// [`ErrorClass::Bug`], or the driver's liveness watchdog).
///
/// The driver drops the old socket *before* calling [`Rebinder::rebind`] (so its port is free
/// again), passes the old local address as `previous` so the same port is preferred, and on
/// error retries with backoff instead of giving up: a failed rebind must never leave the endpoint
/// dead (the net-tools#200 / iroh#4289 bugs). When the new port differs, the driver tells the
/// node (`handle_local_address_changed`).
pub trait Rebinder {
    /// The socket type produced.
    type Socket: DatagramSocket;

    /// Binds a fresh socket, preferring `previous`'s port when given.
    fn rebind(&mut self, previous: Option<SocketAddr>) -> io::Result<Self::Socket>;
}

/// The production [`Rebinder`]: [`bind`] with a config, registered with tokio, as a
/// [`ParkableSocket`](crate::ParkableSocket).
///
/// With `previous`, the config's port is replaced by the previous port (and its fallback walk
/// stays as configured), so a rebind lands on the same port whenever it is free.
#[derive(Clone, Debug)]
pub struct UdpRebinder {
    config: BindConfig,
}

impl UdpRebinder {
    /// A rebinder creating sockets like `config`.
    pub const fn new(config: BindConfig) -> Self {
        Self { config }
    }

    /// The config new sockets are made from.
    pub const fn config(&self) -> &BindConfig {
        &self.config
    }
}

impl Rebinder for UdpRebinder {
    type Socket = crate::ParkableSocket;

    /// Must run inside a tokio runtime (the socket is registered with it).
    fn rebind(&mut self, previous: Option<SocketAddr>) -> io::Result<Self::Socket> {
        let mut config = self.config.clone();
        if let Some(previous) = previous {
            config.port = previous.port();
        }
        Ok(crate::ParkableSocket::new(bind(&config)?.into_tokio()?))
    }
}

impl<S: DatagramSocket, F: FnMut(Option<SocketAddr>) -> io::Result<S>> Rebinder for F {
    type Socket = S;

    fn rebind(&mut self, previous: Option<SocketAddr>) -> io::Result<S> {
        self(previous)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rebind_prefers_the_previous_port() {
        let mut rebinder = UdpRebinder::new(BindConfig::v4(0));
        let first = rebinder.rebind(None).expect("first bind");
        let previous = DatagramSocket::local_addr(&first).unwrap();
        drop(first);
        let second = rebinder.rebind(Some(previous)).expect("rebind");
        assert_eq!(
            DatagramSocket::local_addr(&second).unwrap().port(),
            previous.port()
        );
        assert_eq!(second.error_os(), Os::current());
    }

    /// A rebind makes the socket like the first one, `IP_RECVERR` included.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn rebind_keeps_ip_recverr() {
        use nix::sys::socket::{getsockopt, sockopt};

        let mut rebinder = UdpRebinder::new(BindConfig {
            ip_recverr: true,
            ..BindConfig::v4(0)
        });
        let first = rebinder.rebind(None).expect("first bind");
        let previous = DatagramSocket::local_addr(&first).unwrap();
        drop(first);
        let second = rebinder.rebind(Some(previous)).expect("rebind");
        assert_eq!(getsockopt(second.live(), sockopt::Ipv4RecvErr), Ok(true));
    }

    #[tokio::test]
    async fn tokio_socket_round_trip_through_the_trait() {
        let a = Arc::new(bind(&BindConfig::v4(0)).unwrap().into_tokio().unwrap());
        let b = bind(&BindConfig::v4(0)).unwrap().into_tokio().unwrap();
        let to = SocketAddr::from((
            [127, 0, 0, 1],
            DatagramSocket::local_addr(&b).unwrap().port(),
        ));
        assert_eq!(a.try_send_to(b"ping", to).unwrap(), 4);
        let mut buf = [0; 16];
        let (len, from) = recv_from(&b, &mut buf).await.unwrap();
        assert_eq!(&buf[..len], b"ping");
        assert_eq!(from.port(), DatagramSocket::local_addr(&a).unwrap().port());
    }

    #[test]
    fn closures_are_rebinders() {
        let mut calls = 0;
        let mut rebinder = |_previous: Option<SocketAddr>| -> io::Result<tokio::net::UdpSocket> {
            calls += 1;
            Err(io::Error::from(io::ErrorKind::AddrNotAvailable))
        };
        assert!(Rebinder::rebind(&mut rebinder, None).is_err());
        assert_eq!(calls, 1);
    }
}
