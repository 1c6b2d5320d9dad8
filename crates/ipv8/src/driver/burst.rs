//! [`Burst`]: the datagrams of one receive wakeup, copied out of the receive buffer (the
//! `recvmmsg` batch, or the driver's buffer on the plain path) so they can go to the node
//! together (`Node::handle_datagrams`, which batch-verifies their signatures).

use std::net::SocketAddr;
use std::ops::Range;

/// Bytes a burst keeps allocated between wakeups; a larger buffer (after big datagrams) is
/// given back.
const KEPT_BYTES: usize = 256 * 1024;

/// The datagrams of one wakeup, in arrival order, in one reused buffer.
#[derive(Debug, Default)]
pub(crate) struct Burst {
    bytes: Vec<u8>,
    items: Vec<(SocketAddr, Range<usize>)>,
}

impl Burst {
    /// Keeps a copy of one datagram.
    pub(crate) fn push(&mut self, from: SocketAddr, data: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(data);
        self.items.push((from, start..self.bytes.len()));
    }

    /// Whether no datagram is kept.
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The datagram kept last.
    pub(crate) fn last(&self) -> Option<&[u8]> {
        self.items
            .last()
            .map(|(_, range)| &self.bytes[range.clone()])
    }

    /// The only datagram, when exactly one is kept.
    pub(crate) fn single(&self) -> Option<(SocketAddr, &[u8])> {
        match self.items.as_slice() {
            [(from, range)] => Some((*from, &self.bytes[range.clone()])),
            _ => None,
        }
    }

    /// The kept datagrams, in order.
    pub(crate) fn datagrams(&self) -> Vec<(SocketAddr, &[u8])> {
        self.items
            .iter()
            .map(|(from, range)| (*from, &self.bytes[range.clone()]))
            .collect()
    }

    /// Forgets the datagrams (keeping the buffer, up to [`KEPT_BYTES`]).
    pub(crate) fn clear(&mut self) {
        self.items.clear();
        self.bytes.clear();
        if self.bytes.capacity() > KEPT_BYTES {
            self.bytes.shrink_to(KEPT_BYTES);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_datagrams_in_order_and_clears() {
        let a: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:2".parse().unwrap();
        let mut burst = Burst::default();
        assert!(burst.is_empty());
        burst.push(a, b"one");
        assert_eq!(burst.single(), Some((a, &b"one"[..])));
        assert_eq!(burst.last(), Some(&b"one"[..]));
        burst.push(b, b"");
        assert_eq!(burst.single(), None);
        burst.push(a, b"three");
        assert_eq!(
            burst.datagrams(),
            [(a, &b"one"[..]), (b, &b""[..]), (a, &b"three"[..])]
        );
        burst.clear();
        assert!(burst.is_empty());
        assert!(burst.datagrams().is_empty());
    }
}
