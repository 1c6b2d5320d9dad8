//! The batched send behind [`crate::DatagramSocket::try_send_batch`]: [`SendBatch`], the
//! per-socket state it keeps, and on Linux one syscall per call — a UDP GSO `sendmsg` for a run
//! of datagrams to one destination, else a `sendmmsg` of the datagrams before the next run.
//!
//! **GSO** (Linux ≥ 4.18): a run is ≥ 2 consecutive datagrams to the same destination of the
//! same length (the last may be shorter, none empty), at most [`GSO_MAX_SEGMENTS`] of them and
//! [`GSO_MAX_BYTES`] in total. It goes out as one message with a `UDP_SEGMENT` control message
//! and the kernel cuts it back into the original datagrams (on loopback a GRO receiver gets it
//! whole, see `batch.rs`). Whether the kernel knows `UDP_SEGMENT` is probed once per socket
//! (`getsockopt`), so an old kernel never sees the control message it would ignore.
//!
//! **Errors** keep the contract of the plain path: a call answers how many datagrams left (at
//! least one), or the error of the first; the caller sends that one again on the plain path to
//! classify its error. A GSO send is all or nothing (the kernel checks the message before
//! queueing any of it), so its failure is the run's first datagram's. Two errors mean "not
//! with GSO" rather than "not this datagram", and are answered by sending the same datagrams
//! again in the same call with `sendmmsg`, so no datagram is lost, duplicated or reordered, and
//! a real error still comes back from that `sendmmsg`:
//!
//! * `EIO`: the device cannot checksum-offload segments (quinn-udp's `unix.rs` sees this on
//!   some drivers): GSO is switched off for the socket;
//! * `EMSGSIZE` (`EINVAL` before Linux 6.x): a segment larger than the route's MTU allows,
//!   where a plain send would just fragment (or a kernel that refuses GSO on this path):
//!   segments of that length and longer are no longer coalesced, and GSO is switched off when
//!   even [`GSO_SAFE_SEGMENT`]-byte segments fail. If the datagram is too large for a plain
//!   send as well, the `sendmmsg` fails with the same code and the caller classifies it.
//!
//! The state belongs to one socket: a rebound socket starts with a fresh [`SendBatch`].

#[cfg(any(target_os = "linux", test))]
use std::net::SocketAddr;

#[cfg(doc)]
use crate::BATCH_LEN;

/// Most segments of one GSO send (the kernel's `UDP_MAX_SEGMENTS` before Linux 6.8).
pub const GSO_MAX_SEGMENTS: usize = 64;
/// Most bytes of one GSO send (an IPv4 datagram carries at most 65,507 bytes of payload).
pub const GSO_MAX_BYTES: usize = 65_000;
/// Segments this long fit any IPv6 path (1,280-byte minimum MTU, 48 bytes of headers).
pub const GSO_SAFE_SEGMENT: usize = 1_232;

/// The batched-send state of one socket: on Linux, whether and up to which segment length
/// datagrams are coalesced with GSO. Keep one per socket and start a fresh one when the socket
/// is replaced.
#[derive(Clone, Debug, Default)]
pub struct SendBatch {
    /// `None` until probed; then the longest segment a GSO send may use (0: GSO off).
    #[cfg(target_os = "linux")]
    max_segment: Option<usize>,
}

impl SendBatch {
    /// A fresh state (GSO probed on first use).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A state that never uses GSO (only `sendmmsg`).
    #[must_use]
    pub fn without_gso() -> Self {
        Self {
            #[cfg(target_os = "linux")]
            max_segment: Some(0),
        }
    }

    /// The longest segment a GSO send may still use (0: GSO off); `None` before the first
    /// batched send probed the socket. Lowered after an `EMSGSIZE` or `EINVAL` (see the module
    /// docs).
    #[must_use]
    pub fn max_segment(&self) -> Option<usize> {
        #[cfg(target_os = "linux")]
        return self.max_segment;
        #[cfg(not(target_os = "linux"))]
        Some(0)
    }

    /// Whether GSO sends are on: `None` before the first batched send probed the socket.
    #[must_use]
    pub fn gso(&self) -> Option<bool> {
        #[cfg(target_os = "linux")]
        return self.max_segment.map(|max| max > 0);
        #[cfg(not(target_os = "linux"))]
        Some(false)
    }
}

/// How many of `datagrams` (≥ 1) form the GSO run at their start when segments may be up to
/// `max_segment` bytes: 1 when there is no run.
#[cfg(any(target_os = "linux", test))]
pub(crate) fn gso_run(datagrams: &[(&[u8], SocketAddr)], max_segment: usize) -> usize {
    let Some(&(first, to)) = datagrams.first() else {
        return 0;
    };
    let segment = first.len();
    if segment == 0 || segment > max_segment.min(GSO_MAX_BYTES / 2) {
        return 1;
    }
    let mut run = 1;
    let mut total = segment;
    for &(bytes, dest) in &datagrams[1..] {
        let len = bytes.len();
        if run == GSO_MAX_SEGMENTS
            || dest != to
            || len == 0
            || len > segment
            || total + len > GSO_MAX_BYTES
        {
            break;
        }
        run += 1;
        total += len;
        if len < segment {
            break;
        }
    }
    run
}

/// One send syscall with `MSG_DONTWAIT` on `fd` for the first of `datagrams`: a GSO `sendmsg`
/// if they start a run (and GSO is on), else one `sendmmsg` of up to [`BATCH_LEN`] datagrams,
/// stopping before the next run. Answers how many were sent, or the first one's error (see the
/// module docs for the errors GSO handles itself).
#[cfg(target_os = "linux")]
pub(crate) fn send_batch(
    fd: std::os::fd::BorrowedFd<'_>,
    datagrams: &[(&[u8], SocketAddr)],
    state: &mut SendBatch,
) -> std::io::Result<usize> {
    use nix::errno::Errno;
    use nix::sys::socket::{getsockopt, sockopt};

    if datagrams.is_empty() {
        return Ok(0);
    }
    let max_segment = *state.max_segment.get_or_insert_with(|| {
        if getsockopt(&fd, sockopt::UdpGsoSegment).is_ok() {
            GSO_MAX_BYTES
        } else {
            tracing::debug!("no UDP GSO on this kernel; batched sends use sendmmsg only");
            0
        }
    });
    let run = gso_run(datagrams, max_segment);
    if run >= 2 {
        let segment = datagrams[0].0.len();
        match send_gso(fd, &datagrams[..run], segment) {
            Ok(()) => return Ok(run),
            Err(Errno::EIO) => {
                tracing::debug!("UDP GSO send failed with EIO; GSO off for this socket");
                state.max_segment = Some(0);
            }
            Err(error @ (Errno::EINVAL | Errno::EMSGSIZE)) => {
                let max = if segment > GSO_SAFE_SEGMENT {
                    segment - 1
                } else {
                    0
                };
                tracing::debug!(segment, max, %error, "UDP GSO send failed; shorter segments only");
                state.max_segment = Some(max);
            }
            Err(error) => return Err(error.into()),
        }
        // Not sent: the same datagrams go out with sendmmsg below.
        return sendmmsg(fd, &datagrams[..run]);
    }
    let max_segment = state.max_segment.unwrap_or(0);
    let mut end = datagrams.len().min(crate::BATCH_LEN);
    if max_segment > 0 {
        end = (1..end)
            .find(|&i| gso_run(&datagrams[i..], max_segment) >= 2)
            .unwrap_or(end);
    }
    sendmmsg(fd, &datagrams[..end])
}

/// One `sendmsg` of `datagrams` (a run, see [`gso_run`]) as `segment`-byte GSO segments.
#[cfg(target_os = "linux")]
fn send_gso(
    fd: std::os::fd::BorrowedFd<'_>,
    datagrams: &[(&[u8], SocketAddr)],
    segment: usize,
) -> nix::Result<()> {
    use std::os::fd::AsRawFd;

    // `gso_run` keeps segments below GSO_MAX_BYTES, so this never saturates.
    let segment = u16::try_from(segment).unwrap_or(u16::MAX);
    crate::mmsg::send_gso(fd.as_raw_fd(), datagrams, segment)
}

/// One `sendmmsg` with `MSG_DONTWAIT` on `fd` of up to [`BATCH_LEN`] of `datagrams`: how many
/// were sent (the first unsent one failed or would have blocked), or the error of the first.
#[cfg(target_os = "linux")]
pub(crate) fn sendmmsg(
    fd: std::os::fd::BorrowedFd<'_>,
    datagrams: &[(&[u8], SocketAddr)],
) -> std::io::Result<usize> {
    use std::os::fd::AsRawFd;

    crate::mmsg::sendmmsg(fd.as_raw_fd(), datagrams)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(sizes: &[(usize, u16)], max: usize) -> usize {
        let bytes = vec![7u8; 70_000];
        let list: Vec<(&[u8], SocketAddr)> = sizes
            .iter()
            .map(|&(len, port)| (&bytes[..len], SocketAddr::from(([127, 0, 0, 1], port))))
            .collect();
        gso_run(&list, max)
    }

    #[test]
    fn runs_are_same_destination_same_length_with_a_shorter_last() {
        let m = GSO_MAX_BYTES;
        assert_eq!(run(&[], m), 0);
        assert_eq!(run(&[(100, 1)], m), 1);
        assert_eq!(run(&[(100, 1), (100, 1), (100, 1), (100, 2)], m), 3);
        // A shorter datagram ends the run (included), a longer one is not in it.
        assert_eq!(run(&[(100, 1), (100, 1), (40, 1), (40, 1)], m), 3);
        assert_eq!(run(&[(100, 1), (101, 1)], m), 1);
        // Empty datagrams cannot be segments (the kernel would not send them).
        assert_eq!(run(&[(0, 1), (0, 1)], m), 1);
        assert_eq!(run(&[(10, 1), (0, 1)], m), 1);
        // At most 64 segments and GSO_MAX_BYTES bytes.
        assert_eq!(run(&[(10, 1); 70], m), GSO_MAX_SEGMENTS);
        assert_eq!(run(&[(1_400, 1); 64], m), GSO_MAX_BYTES / 1_400);
        assert_eq!(run(&[(40_000, 1); 2], m), 1);
        // Segments above the socket's limit are not coalesced.
        assert_eq!(run(&[(1_400, 1); 4], 1_399), 1);
        assert_eq!(run(&[(1_399, 1); 4], 1_399), 4);
        assert_eq!(run(&[(10, 1); 4], 0), 1);
    }
}
