//! A toy ping node for testing the simulator itself (links, NATs, crashes, ICMP, determinism)
//! without the protocol stack.
//!
//! Every `interval` it sends `PING <seq>` to each of its peers; it answers a ping with
//! `PONG <seq> <observed source address>`, which lets a node behind a NAT learn its public
//! mapping from a public rendezvous node (like STUN).

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use crate::node::{SimNode, SimOutput};
use crate::time::SimTime;

/// What a [`PingNode`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ToyEvent {
    /// A pong arrived from `from`.
    Pong {
        /// Responder.
        from: SocketAddr,
    },
    /// A send to `to` failed.
    SendFailed {
        /// Destination.
        to: SocketAddr,
    },
}

/// The toy node.
#[derive(Debug)]
pub struct PingNode {
    /// Addresses pinged every interval.
    pub peers: Vec<SocketAddr>,
    /// Ping interval.
    pub interval: Duration,
    /// Pings received, by source.
    pub pings: BTreeMap<SocketAddr, u32>,
    /// Pongs received, by source.
    pub pongs: BTreeMap<SocketAddr, u32>,
    /// Our address as last reported in a pong.
    pub observed: Option<SocketAddr>,
    /// Destinations of failed sends, in order.
    pub failures: Vec<SocketAddr>,
    /// Address changes seen.
    pub moves: Vec<SocketAddr>,
    /// Highest sequence number received per source (for reorder detection).
    pub last_seq: BTreeMap<SocketAddr, u32>,
    /// Pings that arrived with a lower sequence number than one already seen.
    pub out_of_order: u32,
    next: SimTime,
    seq: u32,
    out: VecDeque<SimOutput<ToyEvent>>,
}

impl PingNode {
    /// A node pinging `peers` every `interval`, first at `now`.
    #[must_use]
    pub fn new(peers: Vec<SocketAddr>, interval: Duration, now: SimTime) -> Self {
        Self {
            peers,
            interval,
            pings: BTreeMap::new(),
            pongs: BTreeMap::new(),
            observed: None,
            failures: Vec::new(),
            moves: Vec::new(),
            last_seq: BTreeMap::new(),
            out_of_order: 0,
            next: now,
            seq: 0,
            out: VecDeque::new(),
        }
    }

    /// A node that only answers.
    #[must_use]
    pub fn responder(now: SimTime) -> Self {
        Self::new(Vec::new(), Duration::from_secs(3600), now)
    }

    /// Queues a LAN broadcast (delivered by the simulator to the node's LAN).
    pub fn queue_broadcast(&mut self, bytes: Vec<u8>) {
        self.out.push_back(SimOutput::Broadcast { bytes });
    }

    fn send(&mut self, to: SocketAddr, text: String) {
        self.out.push_back(SimOutput::Transmit {
            to,
            bytes: text.into_bytes(),
        });
    }
}

impl SimNode for PingNode {
    type Event = ToyEvent;

    fn handle_datagram(&mut self, _now: SimTime, from: SocketAddr, data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        let mut words = text.split(' ');
        match (
            words.next(),
            words.next().and_then(|s| s.parse::<u32>().ok()),
        ) {
            (Some("PING"), Some(seq)) => {
                *self.pings.entry(from).or_default() += 1;
                let last = self.last_seq.entry(from).or_insert(0);
                if seq < *last {
                    self.out_of_order += 1;
                }
                *last = (*last).max(seq);
                self.send(from, format!("PONG {seq} {from}"));
            }
            (Some("PONG"), Some(_)) => {
                *self.pongs.entry(from).or_default() += 1;
                self.observed = words.next().and_then(|a| a.parse().ok());
                self.out
                    .push_back(SimOutput::Event(ToyEvent::Pong { from }));
            }
            _ => {}
        }
    }

    fn handle_timeout(&mut self, now: SimTime) {
        if now < self.next {
            return;
        }
        self.seq += 1;
        for to in self.peers.clone() {
            self.send(to, format!("PING {}", self.seq));
        }
        self.next = now + self.interval;
    }

    fn handle_send_failed(&mut self, _now: SimTime, to: SocketAddr) {
        self.failures.push(to);
        self.out
            .push_back(SimOutput::Event(ToyEvent::SendFailed { to }));
    }

    fn handle_address_change(&mut self, _now: SimTime, local: SocketAddr, _prefix_len: u8) {
        self.moves.push(local);
    }

    fn poll_output(&mut self) -> Option<SimOutput<ToyEvent>> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        (!self.peers.is_empty()).then_some(self.next)
    }
}
