//! The Tribler failure, reproduced on real loopback sockets: an endpoint sends to 1 000
//! just-closed ports while a live peer keeps talking to it, and every live datagram must arrive
//! in both directions.
//!
//! On loopback the kernel answers each dead send with an ICMP port unreachable at once. A plain
//! (wildcard, unconnected) socket on Linux never sees them. With `IP_RECVERR` enabled, as a user
//! might, every one of them surfaces as `ECONNREFUSED` on the next receive *or send*, and the
//! undrained error queue eats the receive buffer. The loop here does what the driver must:
//! classify every error, never exit, retry a send that a stale report consumed, and drain the
//! error queue on stale reports (Linux).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use ipv8_udp::{
    BindConfig, DatagramSocket, ErrorClass, Family, Op, bind, classify_io_for, recv_from,
};
use tokio::net::UdpSocket;

const DEAD_PORTS: usize = 1_000;

/// Per-class error counts seen by the loop, indexed like `ErrorClass::ALL`.
#[derive(Debug, Default)]
struct Seen {
    recv: [usize; 8],
    send: [usize; 8],
    /// Error-queue entries drained (Linux only).
    #[cfg(target_os = "linux")]
    drained: usize,
}

impl Seen {
    fn total(&self) -> usize {
        self.recv.iter().chain(&self.send).sum()
    }
}

fn index(class: ErrorClass) -> usize {
    ErrorClass::ALL.iter().position(|c| *c == class).unwrap()
}

/// What a driver does with an error: classify, count, drain on stale reports, never exit.
fn on_error(socket: &UdpSocket, op: Op, error: &std::io::Error, seen: &mut Seen) -> ErrorClass {
    let class = classify_io_for(socket.error_os(), op, error);
    assert!(
        matches!(class, ErrorClass::StaleReport | ErrorClass::PerDestination),
        "{op:?} error {error} classified {class}: loopback ICMP must never look fatal"
    );
    match op {
        Op::Recv => seen.recv[index(class)] += 1,
        Op::Send => seen.send[index(class)] += 1,
    }
    #[cfg(target_os = "linux")]
    if class == ErrorClass::StaleReport {
        seen.drained += ipv8_udp::drain_error_queue(socket).expect("drain MSG_ERRQUEUE");
    }
    class
}

/// Sends once, retrying (at most 3 times) only when a stale report consumed the call.
fn send(socket: &UdpSocket, buf: &[u8], to: SocketAddr, seen: &mut Seen) -> bool {
    for _ in 0..3 {
        // Through the trait: tokio's inherent `try_send_to` fails on a fresh socket.
        match DatagramSocket::try_send_to(socket, buf, to) {
            Ok(_) => return true,
            Err(e) if on_error(socket, Op::Send, &e, seen) == ErrorClass::StaleReport => {}
            Err(_) => return false,
        }
    }
    false
}

/// Receives the next datagram, classifying every error on the way.
async fn receive(socket: &UdpSocket, buf: &mut [u8], seen: &mut Seen) -> (usize, SocketAddr) {
    loop {
        match recv_from(socket, buf).await {
            Ok(got) => return got,
            Err(e) => {
                on_error(socket, Op::Recv, &e, seen);
            }
        }
    }
}

/// A port that was bound a moment ago and is closed now.
fn just_closed(family: Family) -> SocketAddr {
    let socket = bind(&BindConfig::wildcard(family, 0)).expect("bind a soon-closed socket");
    SocketAddr::new(loopback(family), socket.port())
}

fn loopback(family: Family) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::LOCALHOST),
        Family::V6 => IpAddr::V6(Ipv6Addr::LOCALHOST),
    }
}

/// The scenario; `recverr` turns on `IP_RECVERR` on the endpoint first. Returns what it saw.
async fn run(family: Family, recverr: bool) -> Seen {
    let endpoint = bind(&BindConfig::wildcard(family, 0))
        .unwrap()
        .into_tokio()
        .unwrap();
    if recverr {
        #[cfg(target_os = "linux")]
        ipv8_udp::enable_ip_recverr(&endpoint).expect("enable IP_RECVERR");
    }
    let peer = bind(&BindConfig::wildcard(family, 0))
        .unwrap()
        .into_tokio()
        .unwrap();
    let endpoint_addr = SocketAddr::new(loopback(family), endpoint.local_addr().unwrap().port());
    let peer_addr = SocketAddr::new(loopback(family), peer.local_addr().unwrap().port());

    let mut seen = Seen::default();
    let mut ignored = Seen::default(); // the peer is a plain socket and sees nothing
    let mut buf = vec![0; ipv8_udp::RECV_DATAGRAM_LEN];
    for i in 0..DEAD_PORTS {
        // The endpoint talks to a departed peer: the datagram may be refused later or now.
        send(&endpoint, b"anyone there?", just_closed(family), &mut seen);

        // The endpoint answers the live peer and the live peer talks to the endpoint; both
        // datagrams must arrive. Alternating the order puts the pending ICMP report in front
        // of a send (odd i) or of a receive (even i).
        if i % 2 == 0 {
            let live = format!("live {i}");
            assert!(
                send(&peer, live.as_bytes(), endpoint_addr, &mut ignored),
                "peer send {i}"
            );
            let (len, from) = receive(&endpoint, &mut buf, &mut seen).await;
            assert_eq!(&buf[..len], live.as_bytes(), "datagram {i} at the endpoint");
            assert_eq!(from, peer_addr);
        }
        let echo = format!("echo {i}");
        assert!(
            send(&endpoint, echo.as_bytes(), peer_addr, &mut seen),
            "endpoint send {i}"
        );
        let (len, _) = receive(&peer, &mut buf, &mut ignored).await;
        assert_eq!(&buf[..len], echo.as_bytes(), "echo {i} at the peer");
        if i % 2 == 1 {
            let live = format!("live {i}");
            assert!(
                send(&peer, live.as_bytes(), endpoint_addr, &mut ignored),
                "peer send {i}"
            );
            let (len, from) = receive(&endpoint, &mut buf, &mut seen).await;
            assert_eq!(&buf[..len], live.as_bytes(), "datagram {i} at the endpoint");
            assert_eq!(from, peer_addr);
        }
    }
    assert_eq!(ignored.total(), 0, "the plain peer saw errors: {ignored:?}");
    seen
}

async fn within_limit<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), fut)
        .await
        .unwrap_or_else(|_| panic!("{what}: a datagram never arrived (loop wedged?)"))
}

#[tokio::test]
async fn plain_ipv4_socket_survives_dead_ports() {
    let seen = within_limit("plain IPv4", run(Family::V4, false)).await;
    if cfg!(target_os = "linux") {
        // Unconnected, no IP_RECVERR: Linux reports nothing, ever (docs/design/UDP-FAILURES.md
        // §2.1).
        assert_eq!(seen.total(), 0, "{seen:?}");
    }
}

#[tokio::test]
async fn plain_ipv6_socket_survives_dead_ports() {
    let seen = within_limit("plain IPv6", run(Family::V6, false)).await;
    if cfg!(target_os = "linux") {
        assert_eq!(seen.total(), 0, "{seen:?}");
    }
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn ip_recverr_ipv4_socket_survives_dead_ports() {
    let seen = within_limit("IP_RECVERR IPv4", run(Family::V4, true)).await;
    assert_recverr_was_active(&seen);
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn ip_recverr_ipv6_socket_survives_dead_ports() {
    let seen = within_limit("IPV6_RECVERR IPv6", run(Family::V6, true)).await;
    assert_recverr_was_active(&seen);
}

/// The reports really surfaced (so the test exercised the error path) and were all stale.
#[cfg(target_os = "linux")]
fn assert_recverr_was_active(seen: &Seen) {
    let stale = index(ErrorClass::StaleReport);
    let reported = seen.recv[stale] + seen.send[stale];
    assert!(seen.recv[stale] > 0, "no ECONNREFUSED on receive: {seen:?}");
    assert!(
        seen.send[stale] > 0,
        "no ECONNREFUSED consumed by a send: {seen:?}"
    );
    assert!(
        seen.drained > 0,
        "the error queue was never drained: {seen:?}"
    );
    assert_eq!(
        seen.total(),
        reported,
        "only stale reports expected: {seen:?}"
    );
}
