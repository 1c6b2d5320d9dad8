//! ipv8-proto: the deterministic sans-IO py-ipv8 node (work in progress).
#![warn(missing_docs)]

pub mod address;
pub mod config;
pub mod crypto;
pub mod drops;
pub mod network;
pub mod peer;
pub mod request_cache;
pub mod rng;
pub mod stats;
pub mod time;
mod timers;
