//! ipv8: the one-task tokio driver and library facade of ipv8-rs (work in progress).
#![warn(missing_docs)]

pub mod counters;
mod ratelog;
mod rebind;
mod watchdog;

pub use rebind::RebindConfig;
pub use watchdog::{RebindReason, WatchdogConfig};
