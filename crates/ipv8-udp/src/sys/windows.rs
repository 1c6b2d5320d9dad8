//! Windows socket setup: turn off the ICMP-to-error reporting of unconnected UDP sockets.
//!
//! By default Windows reports an ICMP port unreachable caused by an *earlier* `sendto` as
//! `WSAECONNRESET` (10054) on a later `recvfrom`, and ICMP TTL expiry as `WSAENETRESET` (10052)
//! (tokio-rs/tokio#2017, MS KB 263823). That is what killed py-ipv8's receive loop. The
//! `SIO_UDP_CONNRESET` and `SIO_UDP_NETRESET` ioctls switch both off, as Go, Godot, pjsip,
//! OpenSSL QUIC and noq-udp do. They are ioctls, not socket options, so socket2 has no helper.
//! Failure is logged and tolerated: `SIO_UDP_NETRESET` needs Windows 8+ and Wine rejects it, and
//! the error classifier still treats both codes as stale reports.

use std::io;
use std::os::windows::io::AsRawSocket;
use std::ptr;

use socket2::Socket;
use windows_sys::Win32::Networking::WinSock::{
    SIO_UDP_CONNRESET, SIO_UDP_NETRESET, SOCKET, SOCKET_ERROR, WSAGetLastError, WSAIoctl,
};

use crate::PlatformSetup;

/// Turns off both report kinds on a freshly bound socket; never fails.
pub(crate) fn configure(socket: &Socket) -> PlatformSetup {
    PlatformSetup {
        connreset_reports_off: Some(turn_off(socket, SIO_UDP_CONNRESET, "SIO_UDP_CONNRESET")),
        netreset_reports_off: Some(turn_off(socket, SIO_UDP_NETRESET, "SIO_UDP_NETRESET")),
    }
}

/// Sends the boolean ioctl `code` with input `FALSE`; logs a warning and returns false on error.
fn turn_off(socket: &Socket, code: u32, name: &str) -> bool {
    match ioctl_false(socket.as_raw_socket() as SOCKET, code) {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(ioctl = name, %error, "could not disable UDP ICMP error reporting; tolerated");
            false
        }
    }
}

#[allow(unsafe_code)]
fn ioctl_false(socket: SOCKET, code: u32) -> io::Result<()> {
    // The ioctl's input is a Win32 BOOL (a 4-byte int); FALSE turns the reporting off.
    let input: i32 = 0;
    let mut returned: u32 = 0;
    // SAFETY: `socket` is a valid handle borrowed from a live `Socket` for the whole call. The
    // input pointer refers to `input`, a live, aligned i32 whose size is passed as the length.
    // There is no output buffer (null, length 0). `returned` is a live u32 the call may write.
    // No OVERLAPPED or completion routine is given, so the call is synchronous and keeps no
    // pointer after it returns.
    let rc = unsafe {
        WSAIoctl(
            socket,
            code,
            (&raw const input).cast(),
            size_of::<i32>() as u32,
            ptr::null_mut(),
            0,
            &raw mut returned,
            ptr::null_mut(),
            None,
        )
    };
    if rc == SOCKET_ERROR {
        // SAFETY: WSAGetLastError only reads the calling thread's last-error value.
        Err(io::Error::from_raw_os_error(unsafe { WSAGetLastError() }))
    } else {
        Ok(())
    }
}
