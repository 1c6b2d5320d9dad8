//! Fault injection through a driver-shaped loop: Windows (and Linux/macOS) error codes replayed
//! on this host, 10 000 at a time, must never stop datagrams from arriving or being sent.
//!
//! The loop below is the shape the driver's receive task should have (docs/design/UDP-FAILURES.md
//! §7): poll, classify every error with the socket's `error_os`, count it, never return on an
//! error, yield after a budget of consecutive errors so a storm cannot starve other tasks, and hand
//! rebind triggers to a `Rebinder` that is retried until it succeeds.

use std::collections::BTreeMap;
use std::future::poll_fn;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

use ipv8_udp::codes::{linux, macos, windows};
use ipv8_udp::fault::{Fault, FaultySocket, FlakyRebinder};
use ipv8_udp::{
    BindConfig, DatagramSocket, ErrorClass, Op, Os, ParkableSocket, Rebinder, UdpRebinder, bind,
    classify, classify_io_for,
};
use tokio::net::UdpSocket;

const STORM: usize = 10_000;
/// Consecutive errors handled per wakeup before yielding (the driver's budget).
const BUDGET: usize = 64;

/// Every code of the three tables, with the table it belongs to.
fn all_codes() -> Vec<(Os, i32)> {
    let win = [
        windows::WSAECONNRESET,
        windows::WSAENETRESET,
        windows::WSAEMSGSIZE,
        windows::ERROR_PORT_UNREACHABLE,
        windows::ERROR_HOST_UNREACHABLE,
        windows::ERROR_NETWORK_UNREACHABLE,
        windows::ERROR_INVALID_NETNAME,
        windows::ERROR_PROTOCOL_UNREACHABLE,
        windows::ERROR_MORE_DATA,
        windows::ERROR_NETNAME_DELETED,
        windows::WSAEWOULDBLOCK,
        windows::WSAETIMEDOUT,
        windows::WSAEINTR,
        windows::WSAEHOSTUNREACH,
        windows::WSAENETUNREACH,
        windows::WSAEADDRNOTAVAIL,
        windows::WSAENETDOWN,
        windows::WSAEACCES,
        windows::WSAEINVAL,
        windows::WSAENOBUFS,
        windows::WSAENOTSOCK,
        windows::WSANOTINITIALISED,
        windows::WSAECONNREFUSED,
    ];
    let lin = [
        linux::ECONNREFUSED,
        linux::EHOSTUNREACH,
        linux::ENETUNREACH,
        linux::EMSGSIZE,
        linux::ENOBUFS,
        linux::EAGAIN,
        linux::EINTR,
        linux::EPERM,
        linux::EINVAL,
        linux::ENETDOWN,
        linux::ENODEV,
        linux::EBADF,
    ];
    let mac = [
        macos::ECONNREFUSED,
        macos::EHOSTUNREACH,
        macos::ENOBUFS,
        macos::EADDRNOTAVAIL,
        macos::ENETDOWN,
        macos::EHOSTDOWN,
        macos::EPIPE,
    ];
    let tag = |os: Os| move |code: &i32| (os, *code);
    win.iter()
        .map(tag(Os::Windows))
        .chain(lin.iter().map(tag(Os::Linux)))
        .chain(mac.iter().map(tag(Os::MacOs)))
        .collect()
}

/// What the loop observed while waiting for one datagram.
#[derive(Debug, Default)]
struct Observed {
    classes: BTreeMap<ErrorClass, usize>,
    yields: usize,
    rebind_requests: usize,
}

/// The driver-shaped receive: returns the next datagram, classifying everything before it.
async fn receive<S: DatagramSocket>(socket: &S, buf: &mut [u8], seen: &mut Observed) -> Vec<u8> {
    poll_fn(|cx| {
        let mut budget = BUDGET;
        loop {
            match socket.poll_recv_from(cx, buf) {
                Poll::Ready(Ok((len, _from))) => return Poll::Ready(buf[..len].to_vec()),
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(error)) => {
                    let class = classify_io_for(socket.error_os(), Op::Recv, &error);
                    *seen.classes.entry(class).or_default() += 1;
                    // A real driver would schedule a rebind here; this loop only counts it.
                    seen.rebind_requests += usize::from(class.is_rebind_trigger());
                    budget -= 1;
                    if budget == 0 {
                        seen.yields += 1;
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                }
            }
        }
    })
    .await
}

async fn faulty_pair(os: Os) -> (FaultySocket<UdpSocket>, UdpSocket, SocketAddr) {
    let socket = bind(&BindConfig::v4(0)).unwrap().into_tokio().unwrap();
    let addr = SocketAddr::from(([127, 0, 0, 1], socket.local_addr().unwrap().port()));
    let peer = bind(&BindConfig::v4(0)).unwrap().into_tokio().unwrap();
    (FaultySocket::new(socket).with_error_os(os), peer, addr)
}

async fn within_limit<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(120), fut)
        .await
        .unwrap_or_else(|_| panic!("{what}: wedged"))
}

#[tokio::test]
async fn receive_survives_ten_thousand_errors_of_each_code() {
    within_limit("receive storms", async {
        // Another task on the same (single) thread must keep running during the storms.
        let ticks = Arc::new(AtomicUsize::new(0));
        let ticker = tokio::spawn({
            let ticks = Arc::clone(&ticks);
            async move {
                loop {
                    ticks.fetch_add(1, Ordering::Relaxed);
                    tokio::task::yield_now().await;
                }
            }
        });
        let mut buf = vec![0; ipv8_udp::RECV_DATAGRAM_LEN];
        for (os, code) in all_codes() {
            let (socket, peer, addr) = faulty_pair(os).await;
            socket.push_recv_errors(code, STORM);
            let payload = format!("after {STORM} x {code} ({os:?})");
            peer.send_to(payload.as_bytes(), addr).await.unwrap();

            let before = ticks.load(Ordering::Relaxed);
            let mut seen = Observed::default();
            let got = receive(&socket, &mut buf, &mut seen).await;
            assert_eq!(got, payload.as_bytes());

            let class = classify(os, Op::Recv, code);
            assert_eq!(
                seen.classes,
                BTreeMap::from([(class, STORM)]),
                "{os:?} {code}"
            );
            assert_eq!(socket.pending_recv_errors(), 0);
            assert_eq!(socket.counts().recv, STORM as u64);
            assert_eq!(
                seen.rebind_requests,
                if class.is_rebind_trigger() { STORM } else { 0 }
            );
            assert!(
                seen.yields >= STORM / BUDGET,
                "{os:?} {code}: {} yields",
                seen.yields
            );
            assert!(
                ticks.load(Ordering::Relaxed) > before,
                "{os:?} {code}: storm starved others"
            );
        }
        ticker.abort();
    })
    .await;
}

#[tokio::test]
async fn send_survives_ten_thousand_errors_of_each_code() {
    within_limit("send storms", async {
        let mut buf = [0; 64];
        for (os, code) in all_codes() {
            let (socket, peer, _) = faulty_pair(os).await;
            let to = SocketAddr::from(([127, 0, 0, 1], peer.local_addr().unwrap().port()));
            socket.push_send_errors(code, STORM);
            let mut classes = BTreeMap::new();
            let sent = loop {
                match socket.try_send_to(b"finally", to) {
                    Ok(n) => break n,
                    Err(e) => {
                        *classes
                            .entry(classify_io_for(os, Op::Send, &e))
                            .or_insert(0) += 1
                    }
                }
            };
            assert_eq!(sent, 7);
            assert_eq!(
                classes,
                BTreeMap::from([(classify(os, Op::Send, code), STORM)])
            );
            let (len, _) = peer.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..len], b"finally", "{os:?} {code}");
        }
    })
    .await;
}

#[tokio::test]
async fn kind_only_errors_do_not_stop_the_loop() {
    let (socket, peer, addr) = faulty_pair(Os::Windows).await;
    let kinds = [
        std::io::ErrorKind::ConnectionReset,
        std::io::ErrorKind::WouldBlock,
        std::io::ErrorKind::Interrupted,
        std::io::ErrorKind::Other,
    ];
    for kind in kinds {
        socket.push_recv_errors(Fault::Kind(kind), STORM);
    }
    peer.send_to(b"kinds", addr).await.unwrap();
    let mut seen = Observed::default();
    let got = within_limit("kinds", receive(&socket, &mut [0; 64], &mut seen)).await;
    assert_eq!(got, b"kinds");
    assert_eq!(seen.classes.values().sum::<usize>(), kinds.len() * STORM);
    assert_eq!(seen.rebind_requests, 0);
}

#[tokio::test]
async fn environment_error_rebinds_through_failures_and_recovers() {
    within_limit("rebind", async {
        let (first, peer, addr) = faulty_pair(Os::Windows).await;
        let make = |previous: Option<SocketAddr>| -> std::io::Result<FaultySocket<ParkableSocket>> {
            let socket = UdpRebinder::new(BindConfig::v4(0)).rebind(previous)?;
            Ok(FaultySocket::new(socket).with_error_os(Os::Windows))
        };
        // The first two rebinds fail (address gone while Wi-Fi switches), the third works.
        let mut rebinder = FlakyRebinder::new(make, 2, windows::WSAEADDRNOTAVAIL);

        // WSAENETDOWN on receive: the socket is declared stale (the loop still reads on).
        first.push_recv_errors(windows::WSAENETDOWN, 1);
        let mut seen = Observed::default();
        peer.send_to(b"before rebind", addr).await.unwrap();
        let mut buf = vec![0; 64];
        assert_eq!(receive(&first, &mut buf, &mut seen).await, b"before rebind");
        assert_eq!(seen.rebind_requests, 1);

        // The driver's rebind: drop the old socket, retry with backoff until it works.
        let previous = first.local_addr().unwrap();
        drop(first);
        let socket = loop {
            match rebinder.rebind(Some(previous)) {
                Ok(socket) => break socket,
                Err(e) => {
                    assert_eq!(e.raw_os_error(), Some(windows::WSAEADDRNOTAVAIL));
                    tokio::time::sleep(Duration::from_millis(1)).await; // backoff, shortened
                }
            }
        };
        assert_eq!(rebinder.attempts(), 3);
        assert_eq!(
            socket.local_addr().unwrap().port(),
            previous.port(),
            "same port preferred"
        );

        peer.send_to(b"after rebind", addr).await.unwrap();
        assert_eq!(receive(&socket, &mut buf, &mut seen).await, b"after rebind");
    })
    .await;
}
