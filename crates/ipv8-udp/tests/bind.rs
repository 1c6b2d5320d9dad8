//! The socket factory on real loopback sockets: families, `IPV6_V6ONLY`, non-blocking mode,
//! port fallback and buffer sizes (read back independently through socket2).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};

use ipv8_udp::{BindConfig, DEFAULT_RECV_BUFFER, Family, MIN_SEND_BUFFER, bind};

/// A port that is free for both families right now (bound by the OS, then released).
fn free_port_pair() -> u16 {
    for _ in 0..100 {
        let v4 = bind(&BindConfig::v4(0)).expect("bind v4 :0");
        let port = v4.port();
        if bind(&BindConfig {
            port_fallback_attempts: 0,
            ..BindConfig::v6(port)
        })
        .is_ok()
        {
            return port;
        }
    }
    panic!("no port free for both IPv4 and IPv6 in 100 tries");
}

#[test]
fn binds_ipv4_wildcard_non_blocking() {
    let bound = bind(&BindConfig::v4(0)).expect("bind 0.0.0.0:0");
    assert_eq!(bound.local_addr().ip(), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    assert_eq!(
        bound.platform().connreset_reports_off,
        cfg!(windows).then_some(true)
    );
    let socket = bound.into_std();
    let mut buf = [0; 16];
    // Non-blocking: an empty socket answers at once instead of hanging the test.
    let error = socket.recv_from(&mut buf).expect_err("nothing was sent");
    assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
    // Unconnected: the peer address is per datagram.
    assert_eq!(
        socket.peer_addr().expect_err("not connected").kind(),
        io::ErrorKind::NotConnected
    );
}

#[test]
fn binds_ipv6_only_on_the_same_port_as_ipv4() {
    let port = free_port_pair();
    let v4 = bind(&BindConfig {
        port_fallback_attempts: 0,
        ..BindConfig::v4(port)
    })
    .expect("v4 on the shared port");
    // Without IPV6_V6ONLY a dual-stack [::]:port would collide with 0.0.0.0:port.
    let v6 = bind(&BindConfig {
        port_fallback_attempts: 0,
        ..BindConfig::v6(port)
    })
    .expect("v6-only socket coexists with the v4 one");
    assert_eq!(v4.port(), port);
    assert_eq!(v6.port(), port);
    assert_eq!(v6.local_addr().ip(), IpAddr::V6(Ipv6Addr::UNSPECIFIED));
    assert!(
        socket2::SockRef::from(v6.as_std())
            .only_v6()
            .expect("read IPV6_V6ONLY")
    );

    // And it carries traffic over ::1.
    let v6 = v6.into_std();
    let client = UdpSocket::bind("[::1]:0").expect("client on ::1");
    client
        .send_to(b"six", SocketAddr::from((Ipv6Addr::LOCALHOST, port)))
        .unwrap();
    let mut buf = [0; 8];
    let (len, from) = recv_blocking(&v6, &mut buf);
    assert_eq!(&buf[..len], b"six");
    assert_eq!(from, client.local_addr().unwrap());
}

#[test]
fn taken_port_falls_back_to_a_later_one() {
    let taken = bind(&BindConfig::v4(0)).expect("first socket");
    let first = taken.port();
    let bound = bind(&BindConfig {
        port_fallback_attempts: 50,
        ..BindConfig::v4(first)
    })
    .expect("fallback finds a free port");
    assert_eq!(bound.requested_port(), first);
    assert!(bound.used_fallback());
    assert!(
        bound.port() > first && bound.port() <= first + 50,
        "{} after {first}",
        bound.port()
    );
    // Normally the very next port; another process may hold it, so only check it when free.
    if bound.port() != first + 1 {
        let next = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, first + 1));
        assert!(
            next.is_err(),
            "port {} was free but {} was reported",
            first + 1,
            bound.port()
        );
    }
}

#[test]
fn taken_port_without_fallback_is_an_error() {
    let taken = bind(&BindConfig::v4(0)).expect("first socket");
    let error = bind(&BindConfig {
        port_fallback_attempts: 0,
        ..BindConfig::v4(taken.port())
    })
    .expect_err("port is taken");
    assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
    assert!(
        error.to_string().contains(&taken.port().to_string()),
        "{error}"
    );
}

#[test]
fn exhausted_range_names_it() {
    // Hold three consecutive ports, then ask for the first with two fallbacks.
    let (first, _held) = (0..200)
        .find_map(|_| {
            let a = bind(&BindConfig::v4(0)).ok()?;
            let p = a.port();
            let b = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, p.checked_add(1)?)).ok()?;
            let c = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, p.checked_add(2)?)).ok()?;
            Some((p, (a, b, c)))
        })
        .expect("three consecutive free ports");
    let error = bind(&BindConfig {
        port_fallback_attempts: 2,
        ..BindConfig::v4(first)
    })
    .expect_err("all three are taken");
    assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
    let range = format!("{first}..={}", first + 2);
    assert!(error.to_string().contains(&range), "{error} lacks {range}");
}

#[test]
fn buffers_are_at_least_requested_or_at_the_kernel_cap() {
    for config in [BindConfig::v4(0), BindConfig::v6(0)] {
        let bound = bind(&config).expect("bind");
        let sock = socket2::SockRef::from(bound.as_std());
        let recv = sock.recv_buffer_size().expect("read SO_RCVBUF");
        let send = sock.send_buffer_size().expect("read SO_SNDBUF");
        assert_eq!(recv, bound.recv_buffer_size());
        assert_eq!(send, bound.send_buffer_size());
        assert_granted(
            "SO_RCVBUF",
            recv,
            DEFAULT_RECV_BUFFER,
            kernel_cap("rmem_max"),
        );
        assert_granted(
            "SO_SNDBUF",
            send,
            config.send_buffer,
            kernel_cap("wmem_max"),
        );
        assert!(send >= MIN_SEND_BUFFER);
    }
}

#[test]
fn tiny_send_buffer_is_raised_to_the_floor() {
    let bound = bind(&BindConfig {
        send_buffer: 1024,
        ..BindConfig::v4(0)
    })
    .expect("bind");
    assert!(
        bound.send_buffer_size() >= MIN_SEND_BUFFER,
        "{}",
        bound.send_buffer_size()
    );
}

#[test]
fn family_of_config_follows_its_address() {
    assert_eq!(BindConfig::v4(1).family(), Family::V4);
    assert_eq!(BindConfig::v6(1).family(), Family::V6);
    assert_eq!(Family::V6.unspecified(), IpAddr::V6(Ipv6Addr::UNSPECIFIED));
}

/// At least what was asked for, or, when Linux capped the request at `net.core.{r,w}mem_max`,
/// exactly twice the cap (Linux reports the doubled size it reserves).
fn assert_granted(name: &str, got: usize, want: usize, cap: Option<usize>) {
    let capped = cap.is_some_and(|max| want > max && got == 2 * max);
    assert!(
        got >= want || capped,
        "{name}: got {got}, wanted {want}, kernel cap {cap:?}"
    );
}

/// `net.core.<name>` on Linux; `None` elsewhere.
fn kernel_cap(name: &str) -> Option<usize> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let path = format!("/proc/sys/net/core/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    Some(
        text.trim()
            .parse()
            .unwrap_or_else(|e| panic!("parse {path}: {e}")),
    )
}

/// Receives on a non-blocking socket, polling until a datagram is there (at most ~5 s).
fn recv_blocking(socket: &UdpSocket, buf: &mut [u8]) -> (usize, SocketAddr) {
    for _ in 0..5000 {
        match socket.recv_from(buf) {
            Ok(got) => return got,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            Err(e) => panic!("recv_from: {e}"),
        }
    }
    panic!("no datagram within 5 s");
}
