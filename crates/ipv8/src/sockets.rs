//! The driver's sockets: one unicast endpoint per address family (IPv4, optional IPv6), the
//! dispatcher that picks one by destination family, receive polling across all of them, and the
//! rebuild step of a rebind, and the LAN beacon's broadcast socket (opened on first use through
//! a [`BeaconOpener`], so tests can inject a failing one). With batching on, each unicast socket
//! has a [`RecvBatch`] (UDP GRO turned on where the socket has it, again after every rebind) and
//! a [`SendBatch`] (what GSO can do on it; fresh for every new socket).
//!
//! Ports the socket half of py-ipv8's `UDPEndpoint`/`UDPv6Endpoint` and the
//! `DispatcherEndpoint` that routes a send by address family
//! (`messaging/interfaces/dispatcher/endpoint.py`). Sockets come from an
//! [`ipv8_udp::Rebinder`], the injectable factory: production binds real sockets, tests script
//! failures with `FlakyRebinder` and errors with `FaultySocket`.

use std::io;
use std::net::{SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::task::{Context, Poll};

use ipv8_udp::{BindConfig, DatagramSocket, Family, Os, Rebinder, RecvBatch, SendBatch};

/// The LAN beacon's broadcast socket as the driver holds it (any [`DatagramSocket`], so tests
/// can hand in a fault-injecting one through [`crate::Ipv8Builder::beacon_socket`]).
pub type BeaconSocket = Arc<dyn DatagramSocket + Send + Sync>;

/// Opens the beacon socket when the first beacon is due (and again after a rebind).
pub(crate) type BeaconOpener = Box<dyn FnMut() -> io::Result<BeaconSocket> + Send>;

/// The production opener: [`ipv8_udp::bind`] with `config`, then `SO_BROADCAST`.
pub(crate) fn broadcast_opener(config: BindConfig) -> BeaconOpener {
    Box::new(move || {
        let bound = ipv8_udp::bind(&config)?;
        bound.as_std().set_broadcast(true)?;
        Ok(Arc::new(bound.into_tokio()?) as BeaconSocket)
    })
}

/// The LAN beacon socket's default settings (`0.0.0.0`, an ephemeral port, no port walk); the
/// base for [`crate::Ipv8Builder::beacon_bind`].
pub const BEACON_BIND: BindConfig = BindConfig {
    port_fallback_attempts: 0,
    ..BindConfig::v4(0)
};

/// Which socket a received datagram (or error) came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// A unicast socket.
    Main,
    /// The broadcast-beacon socket.
    Beacon,
}

/// What one receive poll produced.
pub(crate) struct Received {
    pub(crate) source: Source,
    pub(crate) os: Os,
    pub(crate) result: io::Result<(usize, SocketAddr)>,
}

/// One unicast socket slot and the factory that refills it.
struct Endpoint<R: Rebinder> {
    rebinder: R,
    socket: Option<R::Socket>,
    /// The last bound address, kept while the slot is empty so a rebind prefers its port.
    local: SocketAddr,
    family: Family,
    /// Waiting for a (re)bind.
    stale: bool,
    /// Datagrams of the last batched receive not handed out yet; `None` on the plain path.
    batch: Option<RecvBatch>,
    /// What batched sends learnt about this socket (GSO); fresh for every new socket.
    send: SendBatch,
}

/// The socket set; see the module docs.
pub(crate) struct Sockets<R: Rebinder> {
    main: Vec<Endpoint<R>>,
    beacon: Option<BeaconSocket>,
    open_beacon: BeaconOpener,
    /// Rotates the first socket polled, so a busy socket cannot starve the other.
    next: usize,
}

/// Why a send found no socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NoSocket {
    /// No endpoint of the destination's family is configured.
    Family(Family),
    /// It is configured but waiting for a rebind.
    Unbound,
}

impl<R: Rebinder> Sockets<R> {
    /// Binds the IPv4 endpoint (its failure is returned) and the optional IPv6 one (its
    /// failure is logged and the endpoint dropped: many hosts have no IPv6). The beacon socket
    /// is opened by `open_beacon` when the first beacon is due.
    pub(crate) fn open(v4: R, v6: Option<R>, open_beacon: BeaconOpener) -> io::Result<Self> {
        let mut main = vec![Endpoint::open(v4)?];
        if let Some(v6) = v6 {
            match Endpoint::open(v6) {
                Ok(endpoint) => main.push(endpoint),
                Err(error) => tracing::warn!(%error, "no IPv6 socket; continuing with IPv4 only"),
            }
        }
        Ok(Self {
            main,
            beacon: None,
            open_beacon,
            next: 0,
        })
    }

    /// The bound unicast addresses (IPv4 first).
    pub(crate) fn bound(&self) -> Vec<SocketAddr> {
        self.main
            .iter()
            .filter(|e| e.socket.is_some())
            .map(|e| e.local)
            .collect()
    }

    /// Whether at least one unicast socket is bound.
    pub(crate) fn is_open(&self) -> bool {
        self.main.iter().any(|e| e.socket.is_some())
    }

    /// The socket for sending to `to` (IPv4-mapped IPv6 addresses are sent as IPv4, since the
    /// IPv6 socket is `IPV6_V6ONLY`), with the canonical destination and the socket's family.
    pub(crate) fn for_destination(
        &self,
        to: SocketAddr,
    ) -> Result<(&R::Socket, SocketAddr, Family), NoSocket> {
        let to = canonical(to);
        let family = Family::of(to.ip());
        let endpoint = self
            .main
            .iter()
            .find(|e| e.family == family)
            .ok_or(NoSocket::Family(family))?;
        let socket = endpoint.socket.as_ref().ok_or(NoSocket::Unbound)?;
        Ok((socket, to, family))
    }

    /// Receives on the unicast sockets with `recvmmsg`-sized batches
    /// ([`DatagramSocket::poll_recv_batch`], UDP GRO on where the socket has it) when `on`,
    /// else one datagram per call.
    pub(crate) fn set_batching(&mut self, on: bool) {
        for endpoint in &mut self.main {
            endpoint.batch = on.then(|| RecvBatch::new(ipv8_udp::BATCH_LEN));
            endpoint.enable_gro();
        }
    }

    /// Sends the first of `datagrams` (all of one family) with
    /// [`DatagramSocket::try_send_batch`] on the socket of their family: how many left, or the
    /// first one's error. `Ok(0)` when there is no such socket.
    pub(crate) fn try_send_batch(
        &mut self,
        datagrams: &[(&[u8], SocketAddr)],
    ) -> io::Result<usize> {
        let Some(&(_, to)) = datagrams.first() else {
            return Ok(0);
        };
        let family = Family::of(canonical(to).ip());
        let Some(endpoint) = self.main.iter_mut().find(|e| e.family == family) else {
            return Ok(0);
        };
        match &endpoint.socket {
            Some(socket) => socket.try_send_batch(datagrams, &mut endpoint.send),
            None => Ok(0),
        }
    }

    /// Takes every unicast socket out of the reactor (`parked`) or puts it back
    /// ([`DatagramSocket::set_parked`]). A socket lost in the transition is dropped and its
    /// endpoint marked stale; answers whether that happened (the caller asks for a rebind).
    pub(crate) fn set_parked(&mut self, parked: bool) -> bool {
        let mut lost = false;
        for endpoint in &mut self.main {
            let Some(socket) = endpoint.socket.as_mut() else {
                continue;
            };
            if let Err(error) = socket.set_parked(parked) {
                tracing::warn!(%error, parked, "socket lost leaving or rejoining the reactor");
                endpoint.socket = None;
                endpoint.stale = true;
                lost = true;
            }
        }
        lost
    }

    /// Polls every socket once, starting with a different one each call, and returns the
    /// first datagram or error. A datagram goes to `keep` (straight from the batch buffer when
    /// batched, else from `buf`, a receive buffer of `RECV_DATAGRAM_LEN` bytes) before this
    /// returns its length and sender. `Pending` registers `cx` with every socket polled.
    pub(crate) fn poll_recv(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
        keep: &mut impl FnMut(SocketAddr, &[u8]),
    ) -> Poll<Received> {
        let count = self.main.len() + 1;
        for i in 0..count {
            let slot = (self.next + i) % count;
            let polled = match self.main.get_mut(slot) {
                Some(endpoint) => endpoint.socket.as_ref().map(|s| {
                    poll_unicast(s, endpoint.batch.as_mut(), cx, buf, keep).map(|result| Received {
                        source: Source::Main,
                        os: s.error_os(),
                        result,
                    })
                }),
                None => self.beacon.as_ref().map(|s| {
                    s.poll_recv_from(cx, buf).map(|result| Received {
                        result: result
                            .inspect(|&(len, from)| keep(from, &buf[..len.min(buf.len())])),
                        source: Source::Beacon,
                        os: s.error_os(),
                    })
                }),
            };
            if let Some(Poll::Ready(received)) = polled {
                self.next = (slot + 1) % count;
                return Poll::Ready(received);
            }
        }
        Poll::Pending
    }

    /// Marks every socket for replacement and drops it (the factory's contract: the old socket
    /// is closed first, so its port is free for the new one).
    pub(crate) fn mark_all_stale(&mut self) {
        for endpoint in &mut self.main {
            endpoint.socket = None;
            endpoint.stale = true;
        }
        self.beacon = None;
    }

    /// Binds every stale endpoint, preferring its previous port. Returns the first error;
    /// endpoints that failed stay stale for the next attempt, the others are live at once.
    pub(crate) fn rebind_stale(&mut self) -> io::Result<()> {
        let mut first_error = None;
        for endpoint in self.main.iter_mut().filter(|e| e.stale) {
            match endpoint
                .rebinder
                .rebind(Some(endpoint.local))
                .and_then(|s| {
                    let local = s.local_addr()?;
                    Ok((s, local))
                }) {
                Ok((socket, local)) => {
                    if local.port() != endpoint.local.port() {
                        tracing::info!(old = %endpoint.local, new = %local, "rebound on a new port");
                    }
                    endpoint.socket = Some(socket);
                    endpoint.local = local;
                    endpoint.stale = false;
                    endpoint.send = SendBatch::new();
                    endpoint.enable_gro();
                }
                Err(error) => {
                    tracing::warn!(family = %if endpoint.family == Family::V4 { "IPv4" } else { "IPv6" }, %error, "rebind failed; will retry");
                    first_error.get_or_insert(error);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Empties every socket's ICMP error queue (see `DatagramSocket::drain_error_queue`):
    /// after a stale report, so a user-enabled `IP_RECVERR` cannot starve the receive buffer.
    pub(crate) fn drain_error_queues(&self) {
        let mains = self.main.iter().filter_map(|e| e.socket.as_ref());
        let drained = mains
            .map(|s| s.drain_error_queue())
            .chain(self.beacon.iter().map(DatagramSocket::drain_error_queue));
        for result in drained {
            if let Err(error) = result {
                tracing::debug!(%error, "cannot drain the socket error queue");
            }
        }
    }

    /// The beacon socket, if open.
    pub(crate) fn beacon(&self) -> Option<&BeaconSocket> {
        self.beacon.as_ref()
    }

    /// The beacon socket, opened (by default `SO_BROADCAST` on an ephemeral port) if needed.
    pub(crate) fn beacon_or_open(&mut self) -> io::Result<&BeaconSocket> {
        match &mut self.beacon {
            Some(socket) => Ok(socket),
            empty @ None => Ok(empty.insert((self.open_beacon)()?)),
        }
    }
}

impl<R: Rebinder> Endpoint<R> {
    fn open(mut rebinder: R) -> io::Result<Self> {
        let socket = rebinder.rebind(None)?;
        let local = socket.local_addr()?;
        Ok(Self {
            rebinder,
            socket: Some(socket),
            local,
            family: Family::of(local.ip()),
            stale: false,
            batch: None,
            send: SendBatch::new(),
        })
    }

    /// Turns on UDP GRO when the socket is read in batches (and has GRO).
    fn enable_gro(&self) {
        if let (Some(socket), Some(_)) = (&self.socket, &self.batch) {
            let on = socket.enable_gro();
            tracing::debug!(local = %self.local, on, "UDP GRO");
        }
    }
}

/// One datagram from a unicast socket, handed to `keep`: the next of the current batch (one at
/// a time, also when GRO coalesced several into one message), else a new batch (or a plain
/// receive into `buf` without one). Batched datagrams go to `keep` straight from the batch
/// buffer: one copy (into the driver's burst), not two.
fn poll_unicast<S: DatagramSocket>(
    socket: &S,
    batch: Option<&mut RecvBatch>,
    cx: &mut Context<'_>,
    buf: &mut [u8],
    keep: &mut impl FnMut(SocketAddr, &[u8]),
) -> Poll<io::Result<(usize, SocketAddr)>> {
    let Some(batch) = batch else {
        return socket.poll_recv_from(cx, buf).map_ok(|(len, from)| {
            let len = len.min(buf.len());
            keep(from, &buf[..len]);
            (len, from)
        });
    };
    if batch.pending() == 0 {
        match socket.poll_recv_batch(cx, batch) {
            Poll::Ready(Ok(_)) => {}
            other => return other.map_ok(|_| (0, SocketAddr::from(([0, 0, 0, 0], 0)))),
        }
    }
    match batch.take() {
        Some((bytes, from)) => {
            keep(from, bytes);
            Poll::Ready(Ok((bytes.len(), from)))
        }
        None => {
            // An empty batch is not an error; look again on the next turn.
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// `::ffff:a.b.c.d` → `a.b.c.d`; everything else unchanged.
pub(crate) fn canonical(to: SocketAddr) -> SocketAddr {
    match to {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::V4(SocketAddrV4::new(v4, v6.port())),
            None => to,
        },
        SocketAddr::V4(_) => to,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_addresses_become_ipv4() {
        let mapped: SocketAddr = "[::ffff:10.1.2.3]:8090".parse().unwrap();
        assert_eq!(canonical(mapped), "10.1.2.3:8090".parse().unwrap());
        let v6: SocketAddr = "[2001:db8::1]:1".parse().unwrap();
        assert_eq!(canonical(v6), v6);
    }
}
