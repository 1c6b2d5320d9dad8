//! A tiny in-test network: shuttles `Output::Transmit`s between a handful of `Node`s with a fixed
//! latency and a virtual clock. (The real simulator is the `ipv8-sim` crate.)
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::Duration;

use ipv8_proto::config::BootstrapConfig;
use ipv8_proto::{
    CommunityConfig, CommunityId, CryptoProvider, Event, Identity, Instant, KeyIdentity, Node,
    NodeConfig, Output,
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
    /// Extra addresses a node answers on (its interfaces with its port), by node index.
    pub aliases: Vec<Vec<SocketAddr>>,
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

/// A cheap deterministic signer for dynamics-only tests (what `ipv8-sim` plugs in): a
/// `LibNaCLPK:`-shaped key (so envelopes split at 64 signature bytes) and a keyed checksum as
/// "signature". Not secure; it only detects corruption.
pub struct FastIdentity {
    public: Vec<u8>,
}

impl FastIdentity {
    pub fn new(seed: u64) -> Self {
        let mut public = b"LibNaCLPK:".to_vec();
        for i in 0..64u64 {
            public.push(
                (seed
                    .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                    .rotate_left(i as u32)
                    & 0xff) as u8,
            );
        }
        Self { public }
    }
}

fn checksum(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.iter().chain(msg) {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    (0..8)
        .flat_map(|i| h.rotate_left(i * 8).to_be_bytes())
        .collect()
}

impl Identity for FastIdentity {
    fn public_bin(&self) -> &[u8] {
        &self.public
    }
    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        checksum(&self.public, msg)
    }
}

/// Verifier for [`FastIdentity`] signatures.
pub struct FastCrypto;

impl CryptoProvider for FastCrypto {
    fn verify(&mut self, key_bin: &[u8], msg: &[u8], sig: &[u8]) -> bool {
        checksum(key_bin, msg) == sig
    }
}

impl Sim {
    pub fn new() -> Self {
        Self {
            now: Instant::ZERO,
            latency: Duration::from_millis(5),
            nodes: Vec::new(),
            aliases: Vec::new(),
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
        self.aliases.push(Vec::new());
        self.nodes.len() - 1
    }

    /// Adds a node bound to the wildcard `0.0.0.0:port` with the given interfaces; it sends from
    /// `seen_as` and receives on `seen_as` and on every interface address with its port.
    pub fn add_wildcard(
        &mut self,
        seen_as: &str,
        interfaces: &[&str],
        config: NodeConfig,
        seed: u64,
    ) -> usize {
        let seen_as = addr(seen_as);
        let identity = std::sync::Arc::new(FastIdentity::new(seed));
        let mut node = Node::with_crypto(config, identity, Box::new(FastCrypto), seed, self.now);
        let bound = SocketAddr::from(([0, 0, 0, 0], seen_as.port()));
        node.handle_bound(self.now, &[bound]);
        let ifaces: Vec<ipv8_proto::LocalInterface> = interfaces
            .iter()
            .map(|ip| {
                ipv8_proto::LocalInterface::new(
                    ip.parse().unwrap(),
                    "255.255.255.0".parse().unwrap(),
                )
            })
            .collect();
        node.handle_local_addresses(self.now, &ifaces);
        self.nodes.push((seen_as, node));
        self.aliases.push(
            ifaces
                .iter()
                .map(|i| SocketAddr::new(i.ip, seen_as.port()))
                .collect(),
        );
        self.nodes.len() - 1
    }

    /// Adds a node with the cheap test signer (dynamics-only tests).
    pub fn add_fast(&mut self, at: &str, config: NodeConfig, seed: u64) -> usize {
        let at = addr(at);
        let identity = std::sync::Arc::new(FastIdentity::new(seed));
        let mut node = Node::with_crypto(config, identity, Box::new(FastCrypto), seed, self.now);
        node.handle_bound(self.now, &[at]);
        self.nodes.push((at, node));
        self.aliases.push(Vec::new());
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
        let target = self
            .nodes
            .iter()
            .position(|(a, _)| *a == sent.to)
            .or_else(|| self.aliases.iter().position(|al| al.contains(&sent.to)));
        if let Some(i) = target {
            self.nodes[i].1.handle_datagram(now, sent.from, &sent.bytes);
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
