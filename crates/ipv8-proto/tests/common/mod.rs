//! A tiny in-test network: shuttles `Output::Transmit`s between a handful of `Node`s with a fixed
//! latency and a virtual clock. (The real simulator is the `ipv8-sim` crate.)
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::Duration;

use ipv8_proto::config::BootstrapConfig;
use ipv8_proto::{
    CommunityConfig, CommunityId, Event, Instant, KeyIdentity, Node, NodeConfig, Output,
};

/// One datagram seen on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub at: Instant,
    pub from: SocketAddr,
    pub to: SocketAddr,
    pub bytes: Vec<u8>,
}

impl Sent {
    pub fn msg_id(&self) -> u8 {
        self.bytes.get(22).copied().unwrap_or(0)
    }
}

pub struct Sim {
    pub now: Instant,
    pub latency: Duration,
    pub nodes: Vec<(SocketAddr, Node)>,
    in_flight: BTreeMap<(Instant, u64), Sent>,
    seq: u64,
    pub log: Vec<Sent>,
    pub events: Vec<(SocketAddr, Event)>,
    pub resolves: Vec<(SocketAddr, String, u16)>,
    pub beacons: Vec<(SocketAddr, Vec<u8>)>,
    /// Datagrams from or to these addresses vanish.
    pub silenced: BTreeSet<SocketAddr>,
}

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

pub const TEST_COMMUNITY: CommunityId = CommunityId([0x42; 20]);

/// A client config: DiscoveryCommunity plus a plain test community, bootstrapping at `tracker`.
pub fn client_config(tracker: SocketAddr) -> NodeConfig {
    NodeConfig {
        communities: vec![
            CommunityConfig::discovery(),
            CommunityConfig::plain(TEST_COMMUNITY, "TestCommunity"),
        ],
        bootstrap: BootstrapConfig::trackers(&[tracker]),
        ..NodeConfig::default()
    }
}

impl Sim {
    pub fn new() -> Self {
        Self {
            now: Instant::ZERO,
            latency: Duration::from_millis(5),
            nodes: Vec::new(),
            in_flight: BTreeMap::new(),
            seq: 0,
            log: Vec::new(),
            events: Vec::new(),
            resolves: Vec::new(),
            beacons: Vec::new(),
            silenced: BTreeSet::new(),
        }
    }

    /// Adds a node bound at `at`, keyed and seeded by `seed`.
    pub fn add(&mut self, at: &str, config: NodeConfig, seed: u64) -> usize {
        let at = addr(at);
        let identity = KeyIdentity::from_seed(seed).into_arc();
        let mut node = Node::new(config, identity, seed, self.now);
        node.handle_bound(self.now, &[at]);
        self.nodes.push((at, node));
        self.nodes.len() - 1
    }

    pub fn node(&self, i: usize) -> &Node {
        &self.nodes[i].1
    }

    pub fn node_mut(&mut self, i: usize) -> &mut Node {
        &mut self.nodes[i].1
    }

    pub fn addr_of(&self, i: usize) -> SocketAddr {
        self.nodes[i].0
    }

    fn drain(&mut self) {
        for (at, node) in &mut self.nodes {
            while let Some(out) = node.poll_output() {
                match out {
                    Output::Transmit(t) => {
                        let sent = Sent {
                            at: self.now,
                            from: *at,
                            to: t.to,
                            bytes: t.bytes,
                        };
                        self.log.push(sent.clone());
                        self.seq += 1;
                        self.in_flight
                            .insert((self.now + self.latency, self.seq), sent);
                    }
                    Output::Event(e) => self.events.push((*at, e)),
                    Output::Resolve { host, port } => self.resolves.push((*at, host, port)),
                    Output::Beacon { bytes } => self.beacons.push((*at, bytes)),
                }
            }
        }
    }

    fn deliver(&mut self, sent: Sent) {
        if self.silenced.contains(&sent.from) || self.silenced.contains(&sent.to) {
            return;
        }
        let now = self.now;
        if let Some((_, node)) = self.nodes.iter_mut().find(|(a, _)| *a == sent.to) {
            node.handle_datagram(now, sent.from, &sent.bytes);
        }
    }

    /// Runs until `now + d`: deliveries and timers in time order.
    pub fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        loop {
            self.drain();
            let next_delivery = self.in_flight.keys().next().map(|(t, _)| *t);
            let next_timer = self
                .nodes
                .iter()
                .filter_map(|(_, n)| n.poll_timeout().map(|(t, _)| t))
                .min();
            let next = match (next_delivery, next_timer) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(t) => t,
                    None => break,
                },
            };
            if next > end {
                break;
            }
            self.now = self.now.max(next);
            if next_delivery == Some(next) {
                let key = *self.in_flight.keys().next().unwrap();
                let sent = self.in_flight.remove(&key).unwrap();
                self.deliver(sent);
            } else {
                let now = self.now;
                for (_, node) in &mut self.nodes {
                    if node.poll_timeout().is_some_and(|(t, _)| t <= now) {
                        node.handle_timeout(now);
                    }
                }
            }
        }
        self.now = end;
    }

    /// Mids of the verified peers of node `i` running `community`.
    pub fn peers_of(&self, i: usize, community: CommunityId) -> Vec<ipv8_proto::Mid> {
        self.node(i)
            .network()
            .peers_for_service(community)
            .map(|p| p.mid())
            .collect()
    }

    /// Every datagram sent from `from` to `to`.
    pub fn sent_between(&self, from: SocketAddr, to: SocketAddr) -> Vec<&Sent> {
        self.log
            .iter()
            .filter(|s| s.from == from && s.to == to)
            .collect()
    }
}
