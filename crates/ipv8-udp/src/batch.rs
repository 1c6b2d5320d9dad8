//! Batched datagram I/O: [`RecvBatch`], the buffers one receive call fills, and the Linux
//! `recvmmsg` call behind [`crate::DatagramSocket::poll_recv_batch`] (the batched send is in
//! `send.rs`).
//!
//! One `recvmmsg` takes up to [`BATCH_LEN`] queued messages in one syscall, so a busy node pays
//! one syscall per batch instead of one per datagram (docs/PERFORMANCE.md, "The batched fast
//! path"). With UDP GRO on ([`crate::DatagramSocket::enable_gro`]) one message can carry
//! several datagrams of one sender, coalesced by the kernel: `segment size` bytes each (the
//! last may be shorter), announced by a `UDP_GRO` control message; [`RecvBatch::take`] hands
//! them out one by one, in order. A segment size that cannot be right (0, or not smaller than
//! the message) makes the message one datagram; nothing in a control message can panic.
//!
//! The error contract is the plain path's: `recvmmsg` fails only when the *first* datagram
//! fails (an error after some datagrams stays pending on the socket and is the next call's
//! result). Other platforms, and sockets that do not override the method (such as the
//! fault-injecting wrapper), take the plain path: one datagram per call, GRO off.

use std::net::SocketAddr;

use crate::RECV_DATAGRAM_LEN;

/// Datagrams (or coalesced GRO messages) one batched call receives or sends at most.
pub const BATCH_LEN: usize = 32;

/// One received message: `len` bytes from `from`, made of datagrams of `segment` bytes (the
/// last may be shorter); `segment == len` when it is a single datagram.
#[derive(Clone, Copy, Debug)]
struct Slot {
    len: usize,
    from: SocketAddr,
    segment: usize,
}

impl Slot {
    /// A message of `len` bytes; `segment` is the GRO segment size, if the kernel gave one.
    /// A segment size of 0, or one that is not smaller than the message, means one datagram.
    fn new(len: usize, from: SocketAddr, segment: Option<usize>) -> Self {
        let len = len.min(RECV_DATAGRAM_LEN);
        let segment = segment.filter(|&s| s > 0 && s < len).unwrap_or(len);
        Self { len, from, segment }
    }

    /// How many datagrams the message holds (an empty one is one empty datagram).
    fn datagrams(&self) -> usize {
        if self.len == 0 {
            1
        } else {
            self.len.div_ceil(self.segment)
        }
    }
}

/// Receive buffers for one batched receive: `slots` buffers of [`RECV_DATAGRAM_LEN`] bytes
/// and what each received (one datagram, or several coalesced by GRO). The buffers are
/// zero-allocated, so pages no datagram touched cost no memory; under a flood of coalesced
/// messages at most `slots × 64 KiB` are touched.
#[derive(Debug)]
pub struct RecvBatch {
    buf: Box<[u8]>,
    got: Vec<Slot>,
    /// The slot [`Self::take`] reads next, and where in it.
    next: usize,
    offset: usize,
    /// Datagrams not taken yet.
    pending: usize,
    /// Slots the next `recvmmsg` offers: doubles while calls fill them, halves while they come
    /// back less than half full, so a quiet socket does not pay for 32 message headers per
    /// datagram.
    #[cfg(target_os = "linux")]
    want: usize,
}

impl RecvBatch {
    /// Buffers for up to `slots` messages (at least one; one `recvmmsg` fills at most
    /// [`BATCH_LEN`], so more slots only cost address space).
    #[must_use]
    pub fn new(slots: usize) -> Self {
        let slots = slots.max(1);
        Self {
            buf: vec![0; slots * RECV_DATAGRAM_LEN].into_boxed_slice(),
            got: Vec::with_capacity(slots),
            next: 0,
            offset: 0,
            pending: 0,
            #[cfg(target_os = "linux")]
            want: 1,
        }
    }

    /// How many messages one receive may take.
    #[must_use]
    pub fn slots(&self) -> usize {
        self.buf.len() / RECV_DATAGRAM_LEN
    }

    /// Datagrams received and not yet taken (a coalesced message counts all of its own).
    #[must_use]
    pub const fn pending(&self) -> usize {
        self.pending
    }

    /// Takes the next received datagram: its bytes and sender.
    pub fn take(&mut self) -> Option<(&[u8], SocketAddr)> {
        let slot = *self.got.get(self.next)?;
        let start = self.next * RECV_DATAGRAM_LEN + self.offset;
        let size = slot.segment.min(slot.len - self.offset);
        self.offset += size;
        if self.offset >= slot.len {
            self.next += 1;
            self.offset = 0;
        }
        self.pending = self.pending.saturating_sub(1);
        Some((&self.buf[start..start + size], slot.from))
    }

    /// Forgets what was received; the next receive fills the batch from its first slot.
    pub fn clear(&mut self) {
        self.got.clear();
        self.next = 0;
        self.offset = 0;
        self.pending = 0;
    }

    /// The first slot, for a plain one-datagram receive.
    pub(crate) fn first_slot(&mut self) -> &mut [u8] {
        &mut self.buf[..RECV_DATAGRAM_LEN]
    }

    /// Records one received datagram (in the next free slot).
    pub(crate) fn push(&mut self, len: usize, from: SocketAddr) {
        self.push_slot(Slot::new(len, from, None));
    }

    fn push_slot(&mut self, slot: Slot) {
        self.pending += slot.datagrams();
        self.got.push(slot);
    }

    /// One `recvmmsg` with `MSG_DONTWAIT` on `fd` of up to [`BATCH_LEN`] messages: the number
    /// of messages now in the batch (each holds one datagram, or several when GRO coalesced
    /// them).
    #[cfg(target_os = "linux")]
    pub(crate) fn recvmmsg(&mut self, fd: std::os::fd::RawFd) -> std::io::Result<usize> {
        self.clear();
        let slots = self.want.clamp(1, self.slots().min(BATCH_LEN));
        // On the stack: the call allocates nothing (`mmsg.rs` keeps its headers there too).
        let mut chunks = self.buf.chunks_mut(RECV_DATAGRAM_LEN);
        let mut buffers: [&mut [u8]; BATCH_LEN] =
            std::array::from_fn(|_| chunks.next().unwrap_or_default());
        let (got, pending) = (&mut self.got, &mut self.pending);
        crate::mmsg::recvmmsg(fd, &mut buffers[..slots], |message| {
            // A datagram without a usable sender address cannot be answered or attributed.
            let slot = match message.from {
                Some(from) => Slot::new(message.len, from, message.segment),
                None => Slot::new(0, SocketAddr::from(([0, 0, 0, 0], 0)), None),
            };
            *pending += slot.datagrams();
            got.push(slot);
        })?;
        let got = self.got.len();
        self.want = if got >= slots {
            (slots * 2).min(self.slots()).min(BATCH_LEN)
        } else if got * 2 < slots {
            (slots / 2).max(1)
        } else {
            slots
        };
        Ok(got)
    }
}

/// Turns on `UDP_GRO` with a plain `setsockopt`: whether it is on (a kernel before 5.0 says
/// no).
#[cfg(target_os = "linux")]
pub(crate) fn enable_gro(socket: &impl std::os::fd::AsFd) -> bool {
    use nix::sys::socket::{setsockopt, sockopt};

    setsockopt(socket, sockopt::UdpGroSegment, &true)
        .inspect_err(|error| tracing::debug!(%error, "no UDP GRO on this socket"))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_returns_each_datagram_once_in_order() {
        let mut batch = RecvBatch::new(3);
        assert_eq!(batch.slots(), 3);
        let a = SocketAddr::from(([127, 0, 0, 1], 1));
        batch.first_slot()[..2].copy_from_slice(b"hi");
        batch.push(2, a);
        assert_eq!(batch.pending(), 1);
        assert_eq!(batch.take(), Some((&b"hi"[..], a)));
        assert_eq!(batch.take(), None);
        batch.clear();
        assert_eq!(batch.pending(), 0);
    }

    /// A burst queued on a real socket comes out in order through growing batches, and a
    /// quiet socket shrinks the batch back.
    #[cfg(target_os = "linux")]
    #[test]
    fn recvmmsg_takes_a_burst_in_order_and_adapts_its_size() {
        use std::os::fd::AsRawFd;

        let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        rx.set_nonblocking(true).unwrap();
        let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = rx.local_addr().unwrap();
        for i in 0..40u8 {
            tx.send_to(&[i; 3], to).unwrap();
        }
        let mut batch = RecvBatch::new(BATCH_LEN);
        let mut seen = Vec::new();
        let mut sizes = Vec::new();
        for _ in 0..100 {
            match batch.recvmmsg(rx.as_raw_fd()) {
                Ok(n) => sizes.push(n),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
            while let Some((bytes, from)) = batch.take() {
                assert_eq!(from, tx.local_addr().unwrap());
                seen.push(bytes[0]);
            }
        }
        assert_eq!(seen, (0..40).collect::<Vec<u8>>());
        assert_eq!(&sizes[..4], [1, 2, 4, 8], "doubles while full: {sizes:?}");
        assert!(sizes.len() < 10, "{sizes:?}");
        tx.send_to(b"x", to).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let before = batch.want;
        assert_eq!(batch.recvmmsg(rx.as_raw_fd()).unwrap(), 1);
        assert!(batch.want < before, "shrinks when quiet");
    }

    /// Coalesced messages come apart at the segment size; a bogus segment size (0, not smaller
    /// than the message) leaves the message whole.
    #[test]
    fn take_splits_coalesced_messages_and_ignores_bogus_segment_sizes() {
        let a = SocketAddr::from(([127, 0, 0, 1], 1));
        let b = SocketAddr::from(([127, 0, 0, 1], 2));
        let mut batch = RecvBatch::new(4);
        let bytes: Vec<u8> = (0..100).collect();
        for (i, segment) in [Some(30), Some(0), Some(100), Some(usize::MAX)]
            .into_iter()
            .enumerate()
        {
            let from = if i == 0 { a } else { b };
            batch.buf[i * RECV_DATAGRAM_LEN..][..100].copy_from_slice(&bytes);
            batch.push_slot(Slot::new(100, from, segment));
        }
        batch.push_slot(Slot::new(0, a, Some(7)));
        assert_eq!(batch.pending(), 4 + 3 + 1);
        let mut out = Vec::new();
        while let Some((data, from)) = batch.take() {
            out.push((data.to_vec(), from));
        }
        assert_eq!(batch.pending(), 0);
        let expected = [
            (bytes[..30].to_vec(), a),
            (bytes[30..60].to_vec(), a),
            (bytes[60..90].to_vec(), a),
            (bytes[90..].to_vec(), a),
            (bytes.clone(), b),
            (bytes.clone(), b),
            (bytes.clone(), b),
            (Vec::new(), a),
        ];
        assert_eq!(out, expected);
    }

    /// A GSO sender to a GRO socket: the kernel hands over coalesced messages, and `take`
    /// yields exactly the original datagrams, in order, with the right senders.
    #[cfg(target_os = "linux")]
    #[test]
    fn gro_receive_yields_the_original_datagrams_of_gso_senders() {
        use std::os::fd::{AsFd, AsRawFd};

        use nix::sys::socket::{setsockopt, sockopt};

        use crate::SendBatch;

        let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        rx.set_nonblocking(true).unwrap();
        setsockopt(&rx, sockopt::UdpGroSegment, &true).expect("UDP_GRO (Linux ≥ 5.0)");
        let to = rx.local_addr().unwrap();
        let senders = [
            std::net::UdpSocket::bind("127.0.0.1:0").unwrap(),
            std::net::UdpSocket::bind("127.0.0.1:0").unwrap(),
        ];
        // Mixed sizes: full runs, a short last segment, lone datagrams, 1-byte segments.
        let sizes: [&[usize]; 6] = [
            &[97; 40],
            &[200, 200, 200, 13],
            &[5],
            &[1, 1, 1],
            &[1400; 3],
            &[64; 70],
        ];
        let mut expected = Vec::new();
        let mut n = 0u32;
        for (i, run) in sizes.iter().enumerate() {
            let tx = &senders[i % 2];
            let datagrams: Vec<Vec<u8>> = run
                .iter()
                .map(|&len| {
                    n += 1;
                    (0..len).map(|j| (n as usize * 7 + j) as u8).collect()
                })
                .collect();
            let list: Vec<(&[u8], SocketAddr)> =
                datagrams.iter().map(|d| (d.as_slice(), to)).collect();
            let mut state = SendBatch::new();
            let mut next = 0;
            while next < list.len() {
                next += crate::send::send_batch(tx.as_fd(), &list[next..], &mut state).unwrap();
            }
            assert_eq!(state.gso(), Some(true), "GSO on loopback");
            let from = tx.local_addr().unwrap();
            expected.extend(datagrams.into_iter().map(|d| (d, from)));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        let mut batch = RecvBatch::new(BATCH_LEN);
        let (mut got, mut messages) = (Vec::new(), 0);
        loop {
            match batch.recvmmsg(rx.as_raw_fd()) {
                Ok(n) => messages += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
            while let Some((bytes, from)) = batch.take() {
                got.push((bytes.to_vec(), from));
            }
        }
        assert_eq!(got.len(), expected.len());
        assert!(got == expected, "datagrams differ");
        assert!(
            messages < expected.len() / 4,
            "coalesced: {messages} messages"
        );
    }

    #[test]
    fn zero_slots_means_one() {
        assert_eq!(RecvBatch::new(0).slots(), 1);
    }
}
