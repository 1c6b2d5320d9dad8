//! OS-specific socket setup, one file per OS chosen here with `cfg` (quinn-udp's pattern).
//!
//! `windows.rs` owns the only FFI of the workspace (two `WSAIoctl` calls); `unix.rs` is its
//! no-op twin plus the Linux error-queue helpers.

#[cfg(not(windows))]
mod unix;
#[cfg(windows)]
mod windows;

#[cfg(not(windows))]
pub(crate) use unix::configure;
#[cfg(target_os = "linux")]
pub use unix::{drain_error_queue, enable_ip_recverr};
#[cfg(windows)]
pub(crate) use windows::configure;
