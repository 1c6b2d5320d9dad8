//! The adapter trait between the simulator and whatever node it drives.
//!
//! The simulator only needs a sans-IO state machine: inputs take `now`, outputs are polled, and
//! the next wakeup is asked for. `ipv8_proto::Node` implements it through `ProtoNode`
//! (`proto_node.rs`); the toy nodes in `toy.rs` implement it to test the harness itself.

use std::fmt;
use std::net::SocketAddr;

use crate::time::SimTime;

/// Something a node asks the simulated world to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimOutput<E> {
    /// Send a datagram from the node's socket to `to`.
    Transmit {
        /// Destination.
        to: SocketAddr,
        /// Datagram.
        bytes: Vec<u8>,
    },
    /// Broadcast a datagram on the node's LAN (LAN beacon, every port). Only hosts behind the
    /// same NAT receive it; on the public internet it goes nowhere (counted as unsupported).
    Broadcast {
        /// Datagram.
        bytes: Vec<u8>,
    },
    /// Resolve a host name (answered from the simulator's DNS table).
    Resolve {
        /// Host name.
        host: String,
        /// Port to attach to the answers.
        port: u16,
    },
    /// Something the node reports (hashed into the trace by its `Debug` text).
    Event(E),
}

/// What the simulator tells a node factory when it creates (or re-creates) a node.
#[derive(Clone, Copy, Debug)]
pub struct NodeCtx {
    /// Host index (stable across restarts and moves).
    pub host: u32,
    /// Seed for this incarnation: derived from (master seed, host index, incarnation) unless
    /// the restart asked to keep the previous seed.
    pub seed: u64,
    /// Seed that never changes for this host (use it for identity keys that survive restarts).
    pub identity_seed: u64,
    /// The node's socket address (private address when behind a NAT).
    pub local: SocketAddr,
    /// Netmask prefix length of the node's LAN (24 behind a NAT, 32 on the public internet).
    pub prefix_len: u8,
    /// Current simulated time.
    pub now: SimTime,
    /// 0 for the first start, +1 per restart.
    pub incarnation: u32,
}

/// A sans-IO node the simulator can drive.
///
/// Contract: outputs queued by any input are drained (with `poll_output`) before the next input,
/// then `poll_timeout` is asked for the next wakeup. A wakeup at or before `now` is run at `now`.
pub trait SimNode {
    /// The node's event type (hashed into the trace through `Debug`).
    type Event: fmt::Debug;

    /// A datagram arrived from `from`.
    fn handle_datagram(&mut self, now: SimTime, from: SocketAddr, data: &[u8]);

    /// The wakeup asked for by `poll_timeout` is due.
    fn handle_timeout(&mut self, now: SimTime);

    /// A datagram this node sent to `to` could not be delivered (ICMP-style unreachable).
    fn handle_send_failed(&mut self, now: SimTime, to: SocketAddr);

    /// The node's address changed: it is now bound to `local` (the old address is dead).
    fn handle_address_change(&mut self, now: SimTime, local: SocketAddr, prefix_len: u8);

    /// Answer to a `SimOutput::Resolve` (empty when the name is unknown).
    fn handle_resolved(&mut self, now: SimTime, host: &str, port: u16, addrs: &[SocketAddr]) {
        let _ = (now, host, port, addrs);
    }

    /// The next queued output.
    fn poll_output(&mut self) -> Option<SimOutput<Self::Event>>;

    /// When the node next needs `handle_timeout`.
    fn poll_timeout(&self) -> Option<SimTime>;
}
