//! OS error classification: the classes of docs/design/UDP-FAILURES.md §2.4 and one code table per
//! OS (Linux and macOS share one table over their own errno numbers, see `errno`).
//!
//! The tables are pure data keyed by raw numbers hard-coded per OS (not taken from the host's
//! `libc`), so the Windows and macOS tables are unit-tested on Linux like the Linux one.

mod class;
mod errno;
pub mod linux;
pub mod macos;
pub mod windows;

pub use class::{ErrorClass, Op, Os, classify, classify_io, classify_io_for};
