//! UDP GSO sends and GRO receives through the public [`DatagramSocket`] API, on real loopback
//! sockets (Linux): batched sends with runs to one destination arrive intact and in order at
//! plain receivers; a GRO socket hands a GSO sender's datagrams out one by one; a socket whose
//! GSO sends fail (`EIO`: UDP-Lite, no root needed; `EMSGSIZE`: a segment above the MTU, in a
//! network namespace, root, `#[ignore]`d) falls back to `sendmmsg` without losing, duplicating
//! or reordering a datagram.

#![cfg(target_os = "linux")]

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::process::Command;
use std::time::Duration;

use ipv8_udp::{BATCH_LEN, BindConfig, DatagramSocket, RecvBatch, SendBatch, bind};

fn loopback() -> BindConfig {
    BindConfig {
        ip: Ipv4Addr::LOCALHOST.into(),
        ..BindConfig::v4(0)
    }
}

/// A plain, non-blocking receiver with the driver's buffer sizes.
fn plain_receiver() -> UdpSocket {
    bind(&loopback()).expect("bind").into_std()
}

/// Distinct datagrams of these sizes (each starts with its number, where it has room).
fn datagrams(sizes: &[usize], first: u32) -> Vec<Vec<u8>> {
    sizes
        .iter()
        .zip(first..)
        .map(|(&len, n)| {
            let mut d: Vec<u8> = (0..len).map(|i| (i as u32 ^ n) as u8).collect();
            let tag = n.to_be_bytes();
            let room = len.min(4);
            d[..room].copy_from_slice(&tag[..room]);
            d
        })
        .collect()
}

/// Sends `list` with `try_send_batch` until all left; answers the number of calls.
fn send_all<S: DatagramSocket>(
    socket: &S,
    list: &[(&[u8], SocketAddr)],
    state: &mut SendBatch,
) -> usize {
    let (mut next, mut calls) = (0, 0);
    while next < list.len() {
        let sent = socket
            .try_send_batch(&list[next..], state)
            .unwrap_or_else(|e| panic!("batch send at {next}: {e}"));
        assert!(sent > 0, "a call sends at least one datagram");
        next += sent;
        calls += 1;
    }
    calls
}

/// Everything queued on a non-blocking plain socket.
fn drain(rx: &UdpSocket) -> Vec<(Vec<u8>, SocketAddr)> {
    std::thread::sleep(Duration::from_millis(30));
    let mut buf = vec![0; 65_536];
    let mut out = Vec::new();
    while let Ok((len, from)) = rx.recv_from(&mut buf) {
        out.push((buf[..len].to_vec(), from));
    }
    out
}

#[tokio::test]
async fn batch_sends_with_runs_arrive_intact_and_in_order_at_plain_receivers() {
    let (a, b) = (plain_receiver(), plain_receiver());
    let (to_a, to_b) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    let tx = bind(&loopback()).unwrap().into_tokio().unwrap();
    let from = tx.local_addr().unwrap();
    // Runs, a short last segment, an empty datagram, a run longer than 64 segments, datagrams
    // too large to pair up, and lone datagrams to the other receiver in between.
    let plan: [(&[usize], SocketAddr); 9] = [
        (&[100; 5], to_a),
        (&[50], to_b),
        (&[300, 300, 10], to_a),
        (&[0], to_a),
        (&[64; 70], to_a),
        (&[1_000; 3], to_b),
        (&[40_000, 40_000], to_a),
        (&[7], to_b),
        (&[1, 1, 1, 1], to_a),
    ];
    let mut all = Vec::new();
    for (sizes, to) in plan {
        let first = all.len() as u32;
        all.extend(datagrams(sizes, first).into_iter().map(|d| (d, to)));
    }
    let list: Vec<(&[u8], SocketAddr)> = all.iter().map(|(d, to)| (d.as_slice(), *to)).collect();
    let mut state = SendBatch::new();
    let calls = send_all(&tx, &list, &mut state);
    assert_eq!(state.gso(), Some(true), "loopback has GSO");
    assert!(
        calls < list.len() / 4,
        "{calls} calls for {} datagrams",
        list.len()
    );
    for (rx, to) in [(&a, to_a), (&b, to_b)] {
        let expected: Vec<(Vec<u8>, SocketAddr)> = all
            .iter()
            .filter(|(_, t)| *t == to)
            .map(|(d, _)| (d.clone(), from))
            .collect();
        let got = drain(rx);
        assert_eq!(got.len(), expected.len(), "datagrams at {to}");
        assert!(
            got == expected,
            "datagrams at {to} differ or are out of order"
        );
    }
}

#[tokio::test]
async fn a_gro_socket_hands_out_the_datagrams_of_gso_senders_one_by_one() {
    let rx = bind(&loopback()).unwrap().into_tokio().unwrap();
    assert!(rx.enable_gro(), "UDP_GRO (Linux ≥ 5.0)");
    let to = rx.local_addr().unwrap();
    let senders = [
        bind(&loopback()).unwrap().into_tokio().unwrap(),
        bind(&loopback()).unwrap().into_tokio().unwrap(),
    ];
    let mut expected = Vec::new();
    let mut state = [SendBatch::new(), SendBatch::new()];
    for (i, sizes) in [&[97; 64][..], &[200, 200, 3], &[5], &[97; 64], &[1_400; 10]]
        .into_iter()
        .enumerate()
    {
        let batch = datagrams(sizes, expected.len() as u32);
        let list: Vec<(&[u8], SocketAddr)> = batch.iter().map(|d| (d.as_slice(), to)).collect();
        send_all(&senders[i % 2], &list, &mut state[i % 2]);
        let from = senders[i % 2].local_addr().unwrap();
        expected.extend(batch.into_iter().map(|d| (d, from)));
    }
    let mut batch = RecvBatch::new(BATCH_LEN);
    let (mut got, mut messages) = (Vec::new(), 0);
    while got.len() < expected.len() {
        let n = tokio::time::timeout(
            Duration::from_secs(5),
            std::future::poll_fn(|cx| rx.poll_recv_batch(cx, &mut batch)),
        )
        .await
        .expect("the datagrams arrive")
        .expect("no receive error");
        messages += n;
        while let Some((bytes, from)) = batch.take() {
            got.push((bytes.to_vec(), from));
        }
    }
    assert!(got == expected, "datagrams differ or are out of order");
    assert!(messages <= 10, "coalesced into {messages} messages");
}

/// A UDP-Lite socket (IP protocol 136, no root needed), bound to 127.0.0.1, or `None` where
/// the kernel has no UDP-Lite.
fn udplite() -> Option<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};

    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::from(136))).ok()?;
    socket
        .bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())
        .ok()?;
    socket.set_nonblocking(true).ok()?;
    Some(socket.into())
}

/// The kernel refuses GSO on UDP-Lite with `EIO`, like a device without checksum offload:
/// GSO goes off for the socket and the same datagrams go out with `sendmmsg`.
#[tokio::test]
async fn gso_off_after_eio_without_losing_a_datagram() {
    let (Some(rx), Some(tx)) = (udplite(), udplite()) else {
        eprintln!("no UDP-Lite on this kernel; skipped");
        return;
    };
    let tx = tokio::net::UdpSocket::from_std(tx).unwrap();
    let to = rx.local_addr().unwrap();
    let batch = datagrams(&[100; 10], 0);
    let list: Vec<(&[u8], SocketAddr)> = batch.iter().map(|d| (d.as_slice(), to)).collect();
    let mut state = SendBatch::new();
    assert_eq!(tx.try_send_batch(&list, &mut state).unwrap(), 10);
    assert_eq!(state.gso(), Some(false), "EIO switches GSO off");
    let from = tx.local_addr().unwrap();
    let got = drain(&rx);
    let expected: Vec<_> = batch.into_iter().map(|d| (d, from)).collect();
    assert!(got == expected, "each datagram once, in order");
}

const CHILD_ENV: &str = "IPV8_UDP_GSO_NETNS_CHILD";
const MTU_TEST: &str = "gso_segments_above_the_mtu_fall_back_to_sendmmsg";

/// In a network namespace whose loopback has an MTU of 1,300: 1,400-byte segments make the GSO
/// send fail with `EMSGSIZE` (`EINVAL` on older kernels); they go out with `sendmmsg` (fragmented, like any large datagram),
/// and shorter segments still use GSO.
#[test]
#[ignore = "needs root and network namespaces"]
fn gso_segments_above_the_mtu_fall_back_to_sendmmsg() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return mtu_child();
    }
    let name = format!("ipv8udp-gso-{}", std::process::id());
    let ip = |args: &[&str]| {
        let ok = Command::new("ip")
            .args(args)
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "`ip {}` failed (needs root and iproute2)",
            args.join(" ")
        );
    };
    ip(&["netns", "add", &name]);
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new("ip")
        .args(["netns", "exec", &name])
        .arg(exe)
        .args(["--exact", MTU_TEST, "--include-ignored", "--nocapture"])
        .env(CHILD_ENV, "1")
        .output();
    let _ = Command::new("ip").args(["netns", "del", &name]).status();
    let out = out.expect("run the test again inside the namespace");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn mtu_child() {
    for args in [["link", "set", "lo", "up"], ["link", "set", "lo", "mtu"]] {
        let mut c = Command::new("ip");
        c.args(args);
        if args[3] == "mtu" {
            c.arg("1300");
        }
        assert!(c.status().is_ok_and(|s| s.success()), "ip {args:?}");
    }
    let rx = plain_receiver();
    let to = rx.local_addr().unwrap();
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    tx.set_nonblocking(true).unwrap();
    let from = tx.local_addr().unwrap();
    let mut sizes = vec![1_400; 3];
    sizes.extend([1_000; 41]);
    let batch = datagrams(&sizes, 0);
    let list: Vec<(&[u8], SocketAddr)> = batch.iter().map(|d| (d.as_slice(), to)).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = runtime.enter();
    let tx = tokio::net::UdpSocket::from_std(tx).unwrap();
    let mut state = SendBatch::new();
    // The run of 1,400-byte segments (with a 1,000-byte last one): GSO fails with EMSGSIZE,
    // sendmmsg sends the same 4 datagrams.
    assert_eq!(tx.try_send_batch(&list, &mut state).unwrap(), 4);
    assert_eq!(state.max_segment(), Some(1_399));
    // 1,000-byte segments still go with GSO: all 40 in one call (sendmmsg would take 32).
    assert_eq!(tx.try_send_batch(&list[4..], &mut state).unwrap(), 40);
    assert_eq!(state.gso(), Some(true));
    let got = drain(&rx);
    let expected: Vec<_> = batch.into_iter().map(|d| (d, from)).collect();
    assert!(got == expected, "each datagram once, in order");
}
