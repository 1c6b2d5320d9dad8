//! Batched datagram I/O: [`RecvBatch`], the buffers one receive call fills, and the Linux
//! `recvmmsg`/`sendmmsg` calls behind [`crate::DatagramSocket::poll_recv_batch`] and
//! [`crate::DatagramSocket::try_send_batch`].
//!
//! One `recvmmsg` takes up to [`BATCH_LEN`] queued datagrams in one syscall and one `sendmmsg`
//! sends up to that many, so a busy node pays one syscall per batch instead of one per
//! datagram (docs/PERFORMANCE.md, "The batched fast path"). The error contract is the plain
//! path's: `recvmmsg` fails only when the *first* datagram fails (an error after some
//! datagrams stays pending on the socket and is the next call's result), and `sendmmsg`
//! reports how many datagrams left before the first failure, so the caller sends the failing
//! one again on the plain path to classify its error. Other platforms, and sockets that do not
//! override the methods (such as the fault-injecting wrapper), take the plain path: one
//! datagram per call.

use std::net::SocketAddr;

use crate::RECV_DATAGRAM_LEN;

/// Datagrams one batched call receives or sends at most.
pub const BATCH_LEN: usize = 32;

/// Receive buffers for one batched receive: `slots` buffers of [`RECV_DATAGRAM_LEN`] bytes
/// and what each received. The buffers are zero-allocated, so pages no datagram touched cost
/// no memory.
#[derive(Debug)]
pub struct RecvBatch {
    buf: Box<[u8]>,
    got: Vec<(usize, SocketAddr)>,
    next: usize,
    /// Slots the next `recvmmsg` offers: doubles while calls fill them, halves while they come
    /// back less than half full, so a quiet socket does not pay for 32 message headers per
    /// datagram.
    #[cfg(target_os = "linux")]
    want: usize,
}

impl RecvBatch {
    /// Buffers for up to `slots` datagrams (at least one).
    #[must_use]
    pub fn new(slots: usize) -> Self {
        let slots = slots.max(1);
        Self {
            buf: vec![0; slots * RECV_DATAGRAM_LEN].into_boxed_slice(),
            got: Vec::with_capacity(slots),
            next: 0,
            #[cfg(target_os = "linux")]
            want: 1,
        }
    }

    /// How many datagrams one receive may take.
    #[must_use]
    pub fn slots(&self) -> usize {
        self.buf.len() / RECV_DATAGRAM_LEN
    }

    /// Datagrams received and not yet taken.
    #[must_use]
    pub fn pending(&self) -> usize {
        self.got.len() - self.next
    }

    /// Takes the next received datagram: its bytes and sender.
    pub fn take(&mut self) -> Option<(&[u8], SocketAddr)> {
        let (len, from) = *self.got.get(self.next)?;
        let start = self.next * RECV_DATAGRAM_LEN;
        self.next += 1;
        Some((&self.buf[start..start + len], from))
    }

    /// Forgets what was received; the next receive fills the batch from its first slot.
    pub fn clear(&mut self) {
        self.got.clear();
        self.next = 0;
    }

    /// The first slot, for a plain one-datagram receive.
    pub(crate) fn first_slot(&mut self) -> &mut [u8] {
        &mut self.buf[..RECV_DATAGRAM_LEN]
    }

    /// Records one received datagram (in the next free slot).
    pub(crate) fn push(&mut self, len: usize, from: SocketAddr) {
        self.got.push((len.min(RECV_DATAGRAM_LEN), from));
    }

    /// One `recvmmsg` with `MSG_DONTWAIT` on `fd`: the number of datagrams now in the batch.
    #[cfg(target_os = "linux")]
    pub(crate) fn recvmmsg(&mut self, fd: std::os::fd::RawFd) -> std::io::Result<usize> {
        use std::io::IoSliceMut;

        use nix::sys::socket::{MsgFlags, MultiHeaders, SockaddrStorage, recvmmsg};

        self.clear();
        let slots = self.want.clamp(1, self.slots());
        let mut headers = MultiHeaders::<SockaddrStorage>::preallocate(slots, None);
        let mut iovs: Vec<[IoSliceMut<'_>; 1]> = self
            .buf
            .chunks_mut(RECV_DATAGRAM_LEN)
            .take(slots)
            .map(|chunk| [IoSliceMut::new(chunk)])
            .collect();
        let results = recvmmsg(
            fd,
            &mut headers,
            iovs.iter_mut(),
            MsgFlags::MSG_DONTWAIT,
            None,
        )
        .map_err(std::io::Error::from)?;
        for message in results {
            // A datagram without a usable sender address cannot be answered or attributed.
            if let Some(from) = message.address.as_ref().and_then(std_address) {
                self.got.push((message.bytes.min(RECV_DATAGRAM_LEN), from));
            } else {
                self.got.push((0, SocketAddr::from(([0, 0, 0, 0], 0))));
            }
        }
        let got = self.got.len();
        self.want = if got >= slots {
            (slots * 2).min(self.slots())
        } else if got * 2 < slots {
            (slots / 2).max(1)
        } else {
            slots
        };
        Ok(got)
    }
}

/// A nix socket address as a std one (IPv4 or IPv6 only).
#[cfg(target_os = "linux")]
fn std_address(address: &nix::sys::socket::SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = address.as_sockaddr_in() {
        return Some(SocketAddr::V4((*v4).into()));
    }
    address
        .as_sockaddr_in6()
        .map(|v6| SocketAddr::V6((*v6).into()))
}

/// One `sendmmsg` with `MSG_DONTWAIT` on `fd` of up to [`BATCH_LEN`] of `datagrams`: how many
/// were sent (the first unsent one failed or would have blocked), or the error of the first.
#[cfg(target_os = "linux")]
pub(crate) fn sendmmsg(
    fd: std::os::fd::RawFd,
    datagrams: &[(&[u8], SocketAddr)],
) -> std::io::Result<usize> {
    use std::io::IoSlice;

    use nix::sys::socket::{ControlMessage, MsgFlags, MultiHeaders, SockaddrStorage, sendmmsg};

    let datagrams = &datagrams[..datagrams.len().min(BATCH_LEN)];
    if datagrams.is_empty() {
        return Ok(0);
    }
    let mut headers = MultiHeaders::<SockaddrStorage>::preallocate(datagrams.len(), None);
    let iovs: Vec<[IoSlice<'_>; 1]> = datagrams
        .iter()
        .map(|(bytes, _)| [IoSlice::new(bytes)])
        .collect();
    let addresses: Vec<Option<SockaddrStorage>> = datagrams
        .iter()
        .map(|(_, to)| Some(SockaddrStorage::from(*to)))
        .collect();
    let cmsgs: [ControlMessage<'_>; 0] = [];
    let results = sendmmsg(
        fd,
        &mut headers,
        iovs.iter(),
        addresses,
        cmsgs,
        MsgFlags::MSG_DONTWAIT,
    )
    .map_err(std::io::Error::from)?;
    Ok(results.count())
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

    #[test]
    fn zero_slots_means_one() {
        assert_eq!(RecvBatch::new(0).slots(), 1);
    }
}
