//! The sender: real py-ipv8-format datagrams built with the project's codec, flooded at one
//! receiver from several loopback sockets with `sendmmsg` (batches of [`BATCH`]) by one thread,
//! whose CPU time is read from its `/proc/self/task/<tid>/schedstat`. The GSO phase
//! ([`Phase::OneWayGso`]) sends each batch as one `sendmsg` with `UDP_SEGMENT` instead
//! ([`GSO_BATCH`] segments), as a GSO-capable peer would.

use std::io::IoSlice;
use std::net::{SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;

use crate::community::{one_way, signed_one_way};
use crate::packets::{intro_request, v4_of};
use ipv8::KeyIdentity;
use ipv8::proto::{CommunityId, Prefix};
use ipv8_wire::ids::PING;
use ipv8_wire::{Ping, encode_unsigned};
use nix::sys::socket::{ControlMessage, MsgFlags, MultiHeaders, SockaddrIn, sendmmsg, sendmsg};

/// Datagrams per `sendmmsg` call (one socket per call, sockets round robin).
const BATCH: usize = 32;
/// Segments per GSO `sendmsg` call in [`Phase::OneWayGso`] (the kernel's limit).
const GSO_BATCH: usize = 64;

/// What one phase floods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Unsigned DiscoveryCommunity pings (id 3), each answered with a pong (id 4).
    Ping,
    /// Signed introduction-requests (246) from one key per sender socket, each verified and
    /// answered with a signed introduction-response (245) and a puncture-request.
    Intro,
    /// Unsigned one-way messages (id 1) of the benchmark community, counted by its handler.
    OneWay,
    /// The same one-way messages from a GSO sender: [`GSO_BATCH`] per `sendmsg`, which a GRO
    /// receiver gets as one coalesced message.
    OneWayGso,
    /// Signed one-way messages (id 2) of the benchmark community from one key per sender
    /// socket: each signature verified, then counted by the handler; nothing is answered.
    SignedOneWay,
    /// The same signed messages from a GSO sender, whose CPU per datagram is a fraction of
    /// `sendmmsg`'s: on two cores it leaves the receiver (and its verify helper) the CPU.
    SignedGso,
}

impl Phase {
    pub const ALL: [Self; 6] = [
        Self::Ping,
        Self::Intro,
        Self::OneWay,
        Self::OneWayGso,
        Self::SignedOneWay,
        Self::SignedGso,
    ];

    /// Whether the phase's messages carry signatures the receiver verifies.
    pub const fn signed(self) -> bool {
        matches!(self, Self::Intro | Self::SignedOneWay | Self::SignedGso)
    }

    pub const fn name(self) -> &'static str {
        match self {
            Self::Ping => "ping → pong",
            Self::Intro => "signed intro-request → response",
            Self::OneWay => "one-way community message",
            Self::OneWayGso => "one-way, GSO sender",
            Self::SignedOneWay => "signed one-way community message",
            Self::SignedGso => "signed one-way, GSO sender",
        }
    }

    /// The short name `IPV8_BENCH_PHASES` selects the phase by.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Ping => "ping",
            Self::Intro => "intro",
            Self::OneWay => "oneway",
            Self::OneWayGso => "gso",
            Self::SignedOneWay => "signed",
            Self::SignedGso => "signedgso",
        }
    }

    /// Whether the sender uses GSO.
    pub const fn gso(self) -> bool {
        matches!(self, Self::OneWayGso | Self::SignedGso)
    }

    /// The datagrams of this phase: one per sender socket (its own key for introduction
    /// requests, whose source addresses must be the socket's).
    pub fn packets(
        self,
        sockets: &[UdpSocket],
        target: SocketAddrV4,
        bench: CommunityId,
        keys: &[KeyIdentity],
    ) -> Vec<Vec<u8>> {
        let discovery = Prefix::for_community(CommunityId::DISCOVERY);
        sockets
            .iter()
            .enumerate()
            .map(|(i, socket)| match self {
                Self::Ping => encode_unsigned(
                    &discovery,
                    PING,
                    1,
                    &Ping {
                        identifier: i as u16,
                    },
                ),
                Self::Intro => {
                    let from = v4_of(socket);
                    intro_request(&keys[i % keys.len()], from, target, i as u64 + 1)
                }
                Self::OneWay | Self::OneWayGso => one_way(bench, i as u64),
                Self::SignedOneWay | Self::SignedGso => {
                    signed_one_way(bench, &keys[i % keys.len()], i as u64)
                }
            })
            .collect()
    }
}

/// A loopback sender socket.
pub fn sender_socket() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").expect("bind a loopback sender")
}

/// A thread sending `packets[i]` from `sockets[i]` to one target with `sendmmsg`, until
/// dropped.
pub struct Flood {
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
    schedstat: String,
    thread: Option<JoinHandle<()>>,
}

impl Flood {
    /// Floods with `sendmmsg`, or with GSO `sendmsg` calls when `gso`.
    pub fn start_phase(
        gso: bool,
        target: SocketAddrV4,
        sockets: Vec<UdpSocket>,
        packets: Vec<Vec<u8>>,
    ) -> Self {
        if gso {
            Self::start_gso(target, sockets, packets)
        } else {
            Self::start(target, sockets, packets)
        }
    }

    pub fn start(target: SocketAddrV4, sockets: Vec<UdpSocket>, packets: Vec<Vec<u8>>) -> Self {
        Self::spawn(None, move || {
            let addrs = [Some(SockaddrIn::from(target)); BATCH];
            let mut headers = MultiHeaders::<SockaddrIn>::preallocate(BATCH, None);
            move || {
                let mut n = 0;
                for (socket, packet) in sockets.iter().zip(&packets) {
                    let slices: [[IoSlice<'_>; 1]; BATCH] =
                        std::array::from_fn(|_| [IoSlice::new(packet)]);
                    let cmsgs: [ControlMessage<'_>; 0] = [];
                    if let Ok(done) = sendmmsg(
                        socket.as_raw_fd(),
                        &mut headers,
                        &slices,
                        addrs,
                        cmsgs,
                        MsgFlags::empty(),
                    ) {
                        n += done.count() as u64;
                    }
                }
                n
            }
        })
    }

    /// Like [`Self::start`], but each socket's batch is one `sendmsg` of [`GSO_BATCH`] copies
    /// of its packet with a `UDP_SEGMENT` control message (segment = packet length), and
    /// `IPV8_BENCH_GSO_RATE` (datagrams/s) paces the flood, so that on two cores the sender
    /// leaves the CPU to a receiver that uses both.
    pub fn start_gso(target: SocketAddrV4, sockets: Vec<UdpSocket>, packets: Vec<Vec<u8>>) -> Self {
        let rate = std::env::var("IPV8_BENCH_GSO_RATE")
            .ok()
            .and_then(|r| r.parse().ok());
        Self::spawn(rate, move || {
            let to = SockaddrIn::from(target);
            move || {
                let mut n = 0;
                for (socket, packet) in sockets.iter().zip(&packets) {
                    let slices: [IoSlice<'_>; GSO_BATCH] =
                        std::array::from_fn(|_| IoSlice::new(packet));
                    let segment = packet.len() as u16;
                    let cmsgs = [ControlMessage::UdpGsoSegments(&segment)];
                    if sendmsg(
                        socket.as_raw_fd(),
                        &slices,
                        &cmsgs,
                        MsgFlags::empty(),
                        Some(&to),
                    )
                    .is_ok()
                    {
                        n += GSO_BATCH as u64;
                    }
                }
                n
            }
        })
    }

    /// The sender thread: builds its round with `setup` (on the thread: nix's message headers
    /// cannot move between threads), then calls it (one batch per socket; answers the
    /// datagrams the kernel accepted) until dropped, at most `rate` datagrams/s when given.
    fn spawn<R: FnMut() -> u64>(
        rate: Option<f64>,
        setup: impl FnOnce() -> R + Send + 'static,
    ) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let (stop2, sent2) = (Arc::clone(&stop), Arc::clone(&sent));
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let me = std::fs::read_link("/proc/thread-self").unwrap_or_default();
            let _ = tx.send(format!("/proc/{}/schedstat", me.display()));
            let mut round = setup();
            let start = std::time::Instant::now();
            let mut total = 0u64;
            while !stop2.load(Ordering::Relaxed) {
                if let Some(rate) = rate {
                    let due = std::time::Duration::from_secs_f64(total as f64 / rate);
                    if let Some(wait) = due.checked_sub(start.elapsed()) {
                        std::thread::sleep(wait);
                    }
                }
                let n = round();
                total += n.max(1);
                sent2.fetch_add(n, Ordering::Relaxed);
            }
        });
        let schedstat = rx.recv().unwrap_or_default();
        Self {
            stop,
            sent,
            schedstat,
            thread: Some(thread),
        }
    }

    /// Datagrams the kernel accepted so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// The sender thread's CPU time so far, in nanoseconds.
    pub fn cpu_ns(&self) -> Option<u64> {
        let text = std::fs::read_to_string(&self.schedstat).ok()?;
        text.split_whitespace().next()?.parse().ok()
    }
}

impl Drop for Flood {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.join().expect("flood thread");
        }
    }
}
