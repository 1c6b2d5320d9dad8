//! The Linux `recvmmsg` and `sendmmsg` calls of the batched path, with their message headers,
//! addresses, I/O vectors and control buffers on the stack: a call allocates nothing, however
//! few datagrams it carries (nix's safe wrappers allocate their header arrays on every call).
//!
//! The UDP GSO `sendmsg` of `send.rs` is here for the same reason: its control message is
//! built on the stack.
//!
//! This is `unsafe` code, the only kind besides the Windows ioctl in `sys/windows.rs`: each
//! block says what it relies on. What the callers see is safe: [`recvmmsg`] fills caller
//! buffers and reports each message's length, sender and GRO segment size; [`sendmmsg`] and
//! [`send_gso`] send the datagrams they are given. Errors are the OS's, as `std::io::Error`, with the contract of
//! the plain path (an error only when the *first* message fails).

use std::io;
use std::mem::{MaybeUninit, size_of};
use std::net::SocketAddr;
use std::os::fd::RawFd;

use socket2::{SockAddr, SockAddrStorage};

use crate::batch::BATCH_LEN;
use crate::send::GSO_MAX_SEGMENTS;

/// One control buffer: room for one `UDP_GRO` message (`CMSG_SPACE(4)` is 24 bytes on 64-bit
/// Linux, 16 on 32-bit), 8-byte aligned as `cmsghdr` requires.
type Control = [u64; 4];

/// What one received message was: `len` bytes from `from` (`None` for an address that is not
/// IPv4 or IPv6), made of GRO segments of `segment` bytes if the kernel said so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Received {
    pub(crate) len: usize,
    pub(crate) from: Option<SocketAddr>,
    pub(crate) segment: Option<usize>,
}

/// One `recvmmsg` with `MSG_DONTWAIT` on `fd` into `buffers` (at most [`BATCH_LEN`] of them
/// are offered): calls `each` for every message received, in order, and answers how many.
pub(crate) fn recvmmsg(
    fd: RawFd,
    buffers: &mut [&mut [u8]],
    mut each: impl FnMut(Received),
) -> io::Result<usize> {
    let slots = buffers.len().min(BATCH_LEN);
    if slots == 0 {
        return Ok(0);
    }
    // Only the `slots` entries a call uses are written (not the whole arrays: a lone datagram
    // then costs a few hundred bytes of headers, not 7 KiB).
    let mut names = [const { MaybeUninit::<SockAddrStorage>::uninit() }; BATCH_LEN];
    let mut iovs = [const { MaybeUninit::<libc::iovec>::uninit() }; BATCH_LEN];
    let mut controls = [const { MaybeUninit::<Control>::uninit() }; BATCH_LEN];
    let mut headers = [const { MaybeUninit::<libc::mmsghdr>::uninit() }; BATCH_LEN];
    for i in 0..slots {
        let name: *mut SockAddrStorage = names[i].write(SockAddrStorage::zeroed());
        let iov: *mut libc::iovec = iovs[i].write(libc::iovec {
            iov_base: buffers[i].as_mut_ptr().cast(),
            iov_len: buffers[i].len(),
        });
        let control: *mut Control = controls[i].write([0; 4]);
        headers[i].write(libc::mmsghdr {
            msg_hdr: message_header(
                (name.cast(), socklen::<SockAddrStorage>()),
                (iov, 1),
                (control.cast(), size_of::<Control>()),
            ),
            msg_len: 0,
        });
    }
    // SAFETY: the first `slots` headers are initialised and point at live, exclusively owned
    // buffers (`names`, `iovs`, `controls` on this stack frame; the iovecs at the callers'
    // `buffers`) with their true lengths, and the kernel writes at most those lengths.
    // `slots` ≤ BATCH_LEN fits u32.
    let got = unsafe {
        libc::recvmmsg(
            fd,
            headers.as_mut_ptr().cast::<libc::mmsghdr>(),
            slots as libc::c_uint,
            libc::MSG_DONTWAIT,
            std::ptr::null_mut(),
        )
    };
    let got = usize::try_from(got)
        .map_err(|_| io::Error::last_os_error())?
        .min(slots);
    for i in 0..got {
        // SAFETY: entries below `slots` were initialised above; the kernel only filled them in.
        let (header, name) = unsafe { (headers[i].assume_init_ref(), names[i].assume_init_read()) };
        each(Received {
            len: header.msg_len as usize,
            from: address(name, header.msg_hdr.msg_namelen),
            segment: gro_segment(&header.msg_hdr),
        });
    }
    Ok(got)
}

/// One `sendmmsg` with `MSG_DONTWAIT` on `fd` of up to [`BATCH_LEN`] of `datagrams`: how many
/// were sent (the first unsent one failed or would have blocked), or the error of the first.
pub(crate) fn sendmmsg(fd: RawFd, datagrams: &[(&[u8], SocketAddr)]) -> io::Result<usize> {
    let count = datagrams.len().min(BATCH_LEN);
    if count == 0 {
        return Ok(0);
    }
    let mut names = [const { MaybeUninit::<SockAddr>::uninit() }; BATCH_LEN];
    let mut iovs = [const { MaybeUninit::<libc::iovec>::uninit() }; BATCH_LEN];
    let mut headers = [const { MaybeUninit::<libc::mmsghdr>::uninit() }; BATCH_LEN];
    for (i, (bytes, to)) in datagrams.iter().take(count).enumerate() {
        let name: &SockAddr = names[i].write(SockAddr::from(*to));
        let iov: *mut libc::iovec = iovs[i].write(libc::iovec {
            // The kernel only reads the bytes of a send; the pointer is `*mut` by C's type.
            iov_base: bytes.as_ptr().cast_mut().cast(),
            iov_len: bytes.len(),
        });
        headers[i].write(libc::mmsghdr {
            msg_hdr: message_header(
                (name.as_ptr().cast_mut().cast(), name.len()),
                (iov, 1),
                (std::ptr::null_mut(), 0),
            ),
            msg_len: 0,
        });
    }
    // SAFETY: the first `count` headers point at initialised addresses (`names[..count]`, each
    // with its own length) and at iovecs of the callers' live byte slices, which the kernel
    // only reads; `count` ≤ BATCH_LEN fits u32. `SockAddr` needs no drop.
    let sent = unsafe {
        libc::sendmmsg(
            fd,
            headers.as_mut_ptr().cast::<libc::mmsghdr>(),
            count as libc::c_uint,
            libc::MSG_DONTWAIT,
        )
    };
    usize::try_from(sent).map_err(|_| io::Error::last_os_error())
}

/// One `sendmsg` with `MSG_DONTWAIT` on `fd` of `datagrams` (a GSO run: all to the first one's
/// destination, at most [`GSO_MAX_SEGMENTS`]) as `segment`-byte UDP GSO segments: a
/// `UDP_SEGMENT` control message, built on the stack. The kernel takes all of it or none.
pub(crate) fn send_gso(
    fd: RawFd,
    datagrams: &[(&[u8], SocketAddr)],
    segment: u16,
) -> Result<(), nix::errno::Errno> {
    let Some(&(_, to)) = datagrams.first() else {
        return Ok(());
    };
    let count = datagrams.len().min(GSO_MAX_SEGMENTS);
    let name = SockAddr::from(to);
    // SAFETY: all-zero bytes are a valid iovec (a null pointer, length 0).
    let mut iovs: [libc::iovec; GSO_MAX_SEGMENTS] = unsafe { std::mem::zeroed() };
    for (iov, (bytes, _)) in iovs.iter_mut().zip(datagrams) {
        // The kernel only reads the bytes of a send; the pointer is `*mut` by C's type.
        iov.iov_base = bytes.as_ptr().cast_mut().cast();
        iov.iov_len = bytes.len();
    }
    let mut control: Control = [0; 4];
    let header = message_header(
        (name.as_ptr().cast_mut().cast(), name.len()),
        (iovs.as_mut_ptr(), count),
        (control.as_mut_ptr().cast(), cmsg_space(size_of::<u16>())),
    );
    // SAFETY: `msg_control` points at `control` (32 bytes, 8-aligned), and `msg_controllen` is
    // `CMSG_SPACE(2)` (24 bytes at most), so `CMSG_FIRSTHDR` is a header inside it with room
    // for its two bytes of data, written unaligned. The header then points at `name`, `iovs`
    // (the callers' live byte slices, only read by the kernel) and `control`, all alive for the
    // call.
    let sent = unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&header);
        (*cmsg).cmsg_level = libc::SOL_UDP;
        (*cmsg).cmsg_type = libc::UDP_SEGMENT;
        (*cmsg).cmsg_len = cmsg_len(2) as _;
        libc::CMSG_DATA(cmsg).cast::<u16>().write_unaligned(segment);
        libc::sendmsg(fd, &header, libc::MSG_DONTWAIT)
    };
    if sent < 0 {
        return Err(nix::errno::Errno::last());
    }
    Ok(())
}

/// A message header with its address, I/O vectors and control buffer (pointer and length
/// each; a null control pointer with length 0 for none), every other field zero.
fn message_header(
    (name, namelen): (*mut libc::c_void, libc::socklen_t),
    (iov, iovlen): (*mut libc::iovec, usize),
    (control, controllen): (*mut libc::c_void, usize),
) -> libc::msghdr {
    // SAFETY: a plain C struct of integers and pointers, for which all-zero bytes are a valid
    // value (null pointers, zero lengths); the fields the call uses are set below.
    let mut header: libc::msghdr = unsafe { std::mem::zeroed() };
    header.msg_name = name;
    header.msg_namelen = namelen;
    header.msg_iov = iov;
    header.msg_iovlen = iovlen as _;
    header.msg_control = control;
    header.msg_controllen = controllen as _;
    header
}

/// The size of `T` as a `socklen_t` (all the structs here are a few hundred bytes at most).
fn socklen<T>() -> libc::socklen_t {
    libc::socklen_t::try_from(size_of::<T>()).unwrap_or(libc::socklen_t::MAX)
}

/// A received sender address as a std one: IPv4 and IPv6 only.
fn address(name: SockAddrStorage, len: libc::socklen_t) -> Option<SocketAddr> {
    let len = len.min(socklen::<SockAddrStorage>());
    // SAFETY: `name` is a whole storage (zeroed, then written by the kernel), so any `len` up
    // to its size is initialised; `as_socket` reads the family and then only the bytes of that
    // family's struct, after checking `len` covers them.
    let addr = unsafe { SockAddr::new(name, len) };
    addr.as_socket()
}

/// The GRO segment size in a received message's control data, if any. A message whose
/// control data the kernel had to cut (`MSG_CTRUNC`) announces none, so it stays one datagram.
fn gro_segment(header: &libc::msghdr) -> Option<usize> {
    if header.msg_flags & libc::MSG_CTRUNC != 0 {
        return None;
    }
    let data_offset = cmsg_len(0);
    // SAFETY: `header` is the kernel's answer for one of our headers: `msg_control` points at
    // its `Control` buffer and `msg_controllen` is at most that buffer's size, so the CMSG_*
    // walk stays inside it. A message's data is read only when its `cmsg_len` covers an i32,
    // and unaligned reads are used for it.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(header);
        while !cmsg.is_null() {
            let c = &*cmsg;
            if c.cmsg_level == libc::SOL_UDP
                && c.cmsg_type == libc::UDP_GRO
                && (c.cmsg_len as usize) >= data_offset + size_of::<libc::c_int>()
            {
                let size = libc::CMSG_DATA(cmsg).cast::<libc::c_int>().read_unaligned();
                return usize::try_from(size).ok();
            }
            cmsg = libc::CMSG_NXTHDR(header, cmsg);
        }
    }
    None
}

/// `CMSG_SPACE(len)`: a control message with `len` bytes of data, padded for the next one.
fn cmsg_space(len: usize) -> usize {
    let len = u32::try_from(len).unwrap_or(u32::MAX);
    // SAFETY: CMSG_SPACE is pure arithmetic.
    unsafe { libc::CMSG_SPACE(len) as usize }
}

/// `CMSG_LEN(len)`: a control message's header plus `len` bytes of data.
fn cmsg_len(len: u32) -> usize {
    // SAFETY: CMSG_LEN is pure arithmetic.
    unsafe { libc::CMSG_LEN(len) as usize }
}

#[cfg(test)]
mod tests {
    use std::net::UdpSocket;
    use std::os::fd::AsRawFd;
    use std::time::Duration;

    use super::*;

    fn pair() -> (UdpSocket, UdpSocket) {
        let a = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let b = UdpSocket::bind("127.0.0.1:0").expect("bind");
        b.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        (a, b)
    }

    #[test]
    fn a_batch_goes_out_and_comes_back_in_order_with_its_sender() {
        let (a, b) = pair();
        let to = b.local_addr().expect("addr");
        let payloads: Vec<Vec<u8>> = (0..40u8).map(|i| vec![i; usize::from(i) + 1]).collect();
        let list: Vec<(&[u8], SocketAddr)> = payloads.iter().map(|p| (&p[..], to)).collect();
        // One call sends at most BATCH_LEN; the rest takes another.
        let first = sendmmsg(a.as_raw_fd(), &list).expect("send");
        assert_eq!(first, BATCH_LEN);
        assert_eq!(sendmmsg(a.as_raw_fd(), &list[first..]).expect("send"), 8);
        let got = receive(&b, payloads.len());
        for (_, r) in &got {
            assert_eq!(r.from, Some(a.local_addr().expect("addr")));
            assert_eq!(r.segment, None, "GRO is off on this socket");
        }
        let got: Vec<Vec<u8>> = got.into_iter().map(|(bytes, _)| bytes).collect();
        assert_eq!(got, payloads);
    }

    #[test]
    fn an_empty_socket_would_block_and_an_empty_call_does_nothing() {
        let (_a, b) = pair();
        let mut storage = [0u8; 16];
        let mut buffers: Vec<&mut [u8]> = vec![&mut storage[..]];
        let err =
            recvmmsg(b.as_raw_fd(), &mut buffers, |_| panic!("nothing queued")).expect_err("empty");
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        assert_eq!(recvmmsg(b.as_raw_fd(), &mut [], |_| {}).expect("no-op"), 0);
        assert_eq!(sendmmsg(b.as_raw_fd(), &[]).expect("no-op"), 0);
    }

    /// Receives until `want` messages came (bounded: 100 tries 5 ms apart).
    fn receive(socket: &UdpSocket, want: usize) -> Vec<(Vec<u8>, Received)> {
        let mut storage = vec![[0u8; 256]; BATCH_LEN];
        let mut got = Vec::new();
        for _ in 0..100 {
            let mut buffers: Vec<&mut [u8]> = storage.iter_mut().map(|s| &mut s[..]).collect();
            let mut messages = Vec::new();
            match recvmmsg(socket.as_raw_fd(), &mut buffers, |r| messages.push(r)) {
                Ok(_) => {
                    for (r, buf) in messages.into_iter().zip(&storage) {
                        got.push((buf[..r.len].to_vec(), r));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => panic!("recvmmsg: {e}"),
            }
            if got.len() >= want {
                break;
            }
        }
        got
    }

    #[test]
    fn a_gso_run_arrives_as_datagrams_or_as_one_gro_message_with_its_segment_size() {
        let (a, plain) = pair();
        let gro = UdpSocket::bind("127.0.0.1:0").expect("bind");
        nix::sys::socket::setsockopt(&gro, nix::sys::socket::sockopt::UdpGroSegment, &true)
            .expect("UDP_GRO (Linux >= 5.0)");
        let run: Vec<Vec<u8>> = vec![vec![1; 10], vec![2; 10], vec![3; 4]];
        for to in [plain.local_addr(), gro.local_addr()] {
            let to = to.expect("addr");
            let list: Vec<(&[u8], SocketAddr)> = run.iter().map(|p| (&p[..], to)).collect();
            send_gso(a.as_raw_fd(), &list, 10).expect("GSO send (Linux >= 4.18)");
        }
        let apart = receive(&plain, 3);
        let bytes: Vec<Vec<u8>> = apart.iter().map(|(b, _)| b.clone()).collect();
        assert_eq!(bytes, run, "segmented for a socket without GRO");
        let whole = receive(&gro, 1);
        assert_eq!(whole.len(), 1);
        assert_eq!(whole[0].0, run.concat());
        assert_eq!(whole[0].1.segment, Some(10));
        assert_eq!(whole[0].1.from, Some(a.local_addr().expect("addr")));
    }

    #[test]
    fn a_send_error_is_the_first_datagrams_os_error() {
        let (a, _b) = pair();
        // IPv6 destination on an IPv4 socket: the kernel refuses the first message.
        let to: SocketAddr = "[::1]:9".parse().expect("literal");
        let err = sendmmsg(a.as_raw_fd(), &[(&b"x"[..], to)]).expect_err("refused");
        assert!(err.raw_os_error().is_some(), "{err}");
    }
}
