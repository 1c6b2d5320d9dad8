//! [`ParkableSocket`]: the production socket — a tokio UDP socket that can leave tokio's reactor
//! for a while and come back ([`DatagramSocket::set_parked`]).
//!
//! Why: a socket registered with the reactor wakes the runtime's thread for *every* datagram
//! that arrives, even while nobody reads it (epoll reports each arrival). At a steady 2,000
//! datagrams/s that is 2,000 wake-ups per second, and on a small VM a wake-up costs more than
//! everything the node does with the datagram (docs/PERFORMANCE.md, "Receive moderation"). A
//! parked socket is out of the reactor (`epoll_ctl(DEL)`): datagrams queue in the kernel
//! without waking anyone, and the driver reads them in one batch when it puts the socket back
//! (`epoll_ctl(ADD)`), two syscalls per moderation period instead of one wake-up per datagram.
//!
//! Sending works the same in both states (the driver never waits for writability). Receiving
//! is for the live state: the driver un-parks before it polls again. A transition that fails
//! (the reactor refuses the socket) loses the socket: every later call answers an error, and
//! the driver, told by the failed [`DatagramSocket::set_parked`], replaces it with a rebind.

use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

#[cfg(target_os = "linux")]
use crate::SendBatch;
use crate::{DatagramSocket, RecvBatch};

/// A tokio UDP socket that can be taken out of the reactor and put back (receive moderation).
#[derive(Debug)]
pub struct ParkableSocket {
    state: Option<State>,
}

#[derive(Debug)]
enum State {
    /// Registered with tokio's reactor: receives wake the task that polled.
    Live(tokio::net::UdpSocket),
    /// Out of the reactor: arrivals queue silently.
    Parked(std::net::UdpSocket),
}

impl ParkableSocket {
    /// Wraps a live (registered) tokio socket.
    #[must_use]
    pub fn new(socket: tokio::net::UdpSocket) -> Self {
        Self {
            state: Some(State::Live(socket)),
        }
    }

    /// Whether the socket is out of the reactor.
    #[must_use]
    pub fn is_parked(&self) -> bool {
        matches!(self.state, Some(State::Parked(_)))
    }

    /// The live tokio socket (tests of Linux socket options).
    #[cfg(all(test, target_os = "linux"))]
    pub(crate) fn live(&self) -> &tokio::net::UdpSocket {
        match &self.state {
            Some(State::Live(s)) => s,
            _ => panic!("not live"),
        }
    }

    /// The socket as `socket2` sees it, in either state.
    fn sock(&self) -> io::Result<socket2::SockRef<'_>> {
        match &self.state {
            Some(State::Live(s)) => Ok(socket2::SockRef::from(s)),
            Some(State::Parked(s)) => Ok(socket2::SockRef::from(s)),
            None => Err(lost()),
        }
    }
}

/// The error of a socket lost in a failed transition.
fn lost() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "socket lost while leaving or rejoining the reactor",
    )
}

impl DatagramSocket for ParkableSocket {
    /// Live: tokio's receive. Parked (the driver un-parks first, so only by mistake): one
    /// non-blocking read, and `Pending` after waking `cx` at once, so nothing is missed.
    fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        match &self.state {
            Some(State::Live(s)) => DatagramSocket::poll_recv_from(s, cx, buf),
            Some(State::Parked(s)) => match s.recv_from(buf) {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
                result => Poll::Ready(result),
            },
            None => Poll::Ready(Err(lost())),
        }
    }

    fn try_send_to(&self, buf: &[u8], to: SocketAddr) -> io::Result<usize> {
        self.sock()?.send_to(buf, &to.into())
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.sock()?
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("not an IP socket"))
    }

    #[cfg(target_os = "linux")]
    fn drain_error_queue(&self) -> io::Result<usize> {
        match &self.state {
            Some(State::Live(s)) => crate::drain_error_queue(s),
            Some(State::Parked(s)) => crate::drain_error_queue(s),
            None => Err(lost()),
        }
    }

    /// Live: tokio's batched receive. Parked: one non-blocking `recvmmsg` (Linux; elsewhere one
    /// datagram), `Pending` after waking `cx` when nothing is queued.
    fn poll_recv_batch(
        &self,
        cx: &mut Context<'_>,
        batch: &mut RecvBatch,
    ) -> Poll<io::Result<usize>> {
        match &self.state {
            Some(State::Live(s)) => s.poll_recv_batch(cx, batch),
            #[cfg(target_os = "linux")]
            Some(State::Parked(s)) => {
                use std::os::fd::AsRawFd;

                match batch.recvmmsg(s.as_raw_fd()) {
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    }
                    result => Poll::Ready(result),
                }
            }
            _ => {
                batch.clear();
                self.poll_recv_from(cx, batch.first_slot())
                    .map_ok(|(len, from)| {
                        batch.push(len, from);
                        1
                    })
            }
        }
    }

    /// UDP GRO on the socket (in either state: the option stays with the socket).
    fn enable_gro(&self) -> bool {
        match &self.state {
            Some(State::Live(s)) => s.enable_gro(),
            #[cfg(target_os = "linux")]
            Some(State::Parked(s)) => crate::batch::enable_gro(s),
            _ => false,
        }
    }

    #[cfg(target_os = "linux")]
    fn try_send_batch(
        &self,
        datagrams: &[(&[u8], SocketAddr)],
        state: &mut SendBatch,
    ) -> io::Result<usize> {
        use std::os::fd::AsFd;

        match &self.state {
            Some(State::Live(s)) => crate::send::send_batch(s.as_fd(), datagrams, state),
            Some(State::Parked(s)) => crate::send::send_batch(s.as_fd(), datagrams, state),
            None => Err(lost()),
        }
    }

    /// Leaves the reactor (`tokio::net::UdpSocket::into_std`) or rejoins it (`from_std`; must
    /// run inside the runtime). Parking a parked socket, or un-parking a live one, does
    /// nothing.
    fn set_parked(&mut self, parked: bool) -> io::Result<bool> {
        let (next, result) = match (self.state.take(), parked) {
            (Some(State::Live(s)), true) => match s.into_std() {
                Ok(s) => (Some(State::Parked(s)), Ok(true)),
                Err(error) => (None, Err(error)),
            },
            (Some(State::Parked(s)), false) => match tokio::net::UdpSocket::from_std(s) {
                Ok(s) => (Some(State::Live(s)), Ok(true)),
                Err(error) => (None, Err(error)),
            },
            (Some(same), _) => (Some(same), Ok(true)),
            (None, _) => (None, Err(lost())),
        };
        self.state = next;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BindConfig, bind, recv_from};

    fn pair() -> (ParkableSocket, std::net::UdpSocket, SocketAddr) {
        let socket = ParkableSocket::new(bind(&BindConfig::v4(0)).unwrap().into_tokio().unwrap());
        let port = socket.local_addr().unwrap().port();
        let peer = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        (socket, peer, SocketAddr::from(([127, 0, 0, 1], port)))
    }

    /// Datagrams that arrive while parked wait in the kernel and are read after un-parking;
    /// sending works in both states.
    #[tokio::test]
    async fn parked_datagrams_wait_and_sends_still_work() {
        let (mut socket, peer, to) = pair();
        assert!(socket.set_parked(true).unwrap());
        assert!(socket.is_parked());
        for i in 0..5u8 {
            peer.send_to(&[i], to).unwrap();
        }
        let back = peer.local_addr().unwrap();
        assert_eq!(socket.try_send_to(b"hi", back).unwrap(), 2);
        let mut buf = [0; 8];
        assert_eq!(peer.recv_from(&mut buf).unwrap().0, 2);
        assert!(socket.set_parked(true).unwrap(), "parking twice is fine");
        assert!(socket.set_parked(false).unwrap());
        assert!(!socket.is_parked());
        for i in 0..5u8 {
            let (len, _) = recv_from(&socket, &mut buf).await.unwrap();
            assert_eq!(&buf[..len], &[i]);
        }
        assert_eq!(socket.local_addr().unwrap().port(), to.port());
    }

    /// Polling a parked socket by mistake still delivers what is queued and never loses the
    /// wake-up.
    #[tokio::test]
    async fn a_parked_socket_polled_by_mistake_still_reads() {
        let (mut socket, peer, to) = pair();
        socket.set_parked(true).unwrap();
        peer.send_to(b"x", to).unwrap();
        let mut buf = [0; 8];
        let got = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            recv_from(&socket, &mut buf),
        )
        .await
        .expect("read within 5 s")
        .unwrap();
        assert_eq!(&buf[..got.0], b"x");
    }
}
