//! The Kademlia routing table: [`Node`], [`Bucket`], [`RoutingTable`] and node ids.
//!
//! Ports py-ipv8 `ipv8/dht/routing.py`: node ids from address and member id
//! ([`calc_node_id`]), XOR [`distance`], per-node query rate limit (10 queries in 5 s),
//! BEP-5 node status, buckets of 8 that make room for a node by dropping a bad node and a node
//! at least twice as slow, and splits of the bucket that holds our own id.
//!
//! Buckets are keyed by their prefix as a string of `'0'`/`'1'` bits, as py-ipv8's trie keys
//! them; the buckets always partition the id space, so looking one up is a scan over at most
//! 161 prefixes. `closest_nodes` sorts every non-bad node by distance, which returns the same
//! nodes as py-ipv8's widening trie walk (node ids are unique, so distances never tie).
//!
//! One deliberate difference: [`Bucket::generate_id`] returns a random id *inside* the bucket
//! (py-ipv8's returns a random id below `2^(160 - prefix length)`, usually outside it).

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use ipv8::Mid;
use ipv8::proto::Instant;

/// A 160-bit DHT node id or key.
pub type NodeId = [u8; 20];

/// Queries a node may send within [`NODE_LIMIT_INTERVAL`] (py-ipv8 `NODE_LIMIT_QUERIES`).
pub const NODE_LIMIT_QUERIES: usize = 10;
/// The window of the per-node query limit (py-ipv8 `NODE_LIMIT_INTERVAL`, 5 s).
pub const NODE_LIMIT_INTERVAL: Duration = Duration::from_secs(5);
/// Nodes per bucket (py-ipv8 `MAX_BUCKET_SIZE`).
pub const MAX_BUCKET_SIZE: usize = 8;
/// How long a response or query keeps a node good (BEP-5, 15 minutes).
pub const GOOD_FOR: Duration = Duration::from_secs(15 * 60);

/// BEP-5 node status (py-ipv8 `NODE_STATUS_*`), ordered bad < unknown < good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeStatus {
    /// Failed to answer twice in a row.
    Bad = 0,
    /// Neither good nor bad.
    Unknown = 1,
    /// Answered within 15 minutes, or answered once and queried us within 15 minutes.
    Good = 2,
}

/// XOR distance of two ids, as a big-endian number (compare the arrays).
#[must_use]
pub fn distance(a: &NodeId, b: &NodeId) -> NodeId {
    std::array::from_fn(|i| a[i] ^ b[i])
}

/// py-ipv8 `calc_node_id`: the first 3 bytes of the CRC-32 of the masked IP (IPv4 mask
/// `03 0f 3f ff`; IPv6: the first 8 bytes masked with `01 03 07 0f 1f 3f 7f ff`), then the
/// first 17 bytes of the member id.
#[must_use]
pub fn calc_node_id(address: &SocketAddr, mid: &Mid) -> NodeId {
    let masked: Vec<u8> = match address {
        SocketAddr::V4(a) => a
            .ip()
            .octets()
            .iter()
            .zip([0x03, 0x0f, 0x3f, 0xff])
            .map(|(b, m)| b & m)
            .collect(),
        SocketAddr::V6(a) => a
            .ip()
            .octets()
            .iter()
            .zip([0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff])
            .map(|(b, m)| b & m)
            .collect(),
    };
    let crc = crc32fast::hash(&masked).to_be_bytes();
    let mut id = [0; 20];
    id[..3].copy_from_slice(&crc[..3]);
    id[3..].copy_from_slice(&mid.0[..17]);
    id
}

/// The 160 bits of an id as `'0'`/`'1'` (py-ipv8 `id_to_binary_string`).
#[must_use]
pub fn id_to_binary_string(id: &NodeId) -> String {
    id.iter().map(|b| format!("{b:08b}")).collect()
}

/// Whether the bits of `id` start with `prefix` (`'0'`/`'1'` characters): the same as
/// `id_to_binary_string(id).starts_with(prefix)`, without building the string.
#[must_use]
pub fn id_has_prefix(id: &NodeId, prefix: &str) -> bool {
    prefix.len() <= 160
        && prefix.bytes().enumerate().all(|(i, c)| {
            let bit = id[i / 8] & (0x80 >> (i % 8)) != 0;
            match c {
                b'1' => bit,
                b'0' => !bit,
                _ => false,
            }
        })
}

/// A peer in the DHT (py-ipv8 `routing.Node`).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Serialized public key.
    pub public_key: Vec<u8>,
    /// Member id (SHA-1 of the public key).
    pub mid: Mid,
    /// UDP address.
    pub address: SocketAddr,
    /// Node id ([`calc_node_id`] of the address and member id).
    pub id: NodeId,
    /// When it last answered one of our requests.
    pub last_response: Option<Instant>,
    /// When it sent us its last [`NODE_LIMIT_QUERIES`] queries.
    pub last_queries: VecDeque<Instant>,
    /// When we last pinged it.
    pub last_ping_sent: Option<Instant>,
    /// Requests in a row it left unanswered.
    pub failed: u32,
    /// Round-trip time of its last answer.
    pub rtt: Option<Duration>,
}

impl Node {
    /// A node we have not talked to yet.
    #[must_use]
    pub fn new(public_key: Vec<u8>, address: SocketAddr) -> Self {
        let mid = Mid::of(&public_key);
        Self {
            id: calc_node_id(&address, &mid),
            public_key,
            mid,
            address,
            last_response: None,
            last_queries: VecDeque::with_capacity(NODE_LIMIT_QUERIES),
            last_ping_sent: None,
            failed: 0,
            rtt: None,
        }
    }

    /// When it last queried us.
    #[must_use]
    pub fn last_query(&self) -> Option<Instant> {
        self.last_queries.back().copied()
    }

    /// Records a query it sent us (a bounded window of [`NODE_LIMIT_QUERIES`]).
    pub fn record_query(&mut self, now: Instant) {
        if self.last_queries.len() >= NODE_LIMIT_QUERIES {
            self.last_queries.pop_front();
        }
        self.last_queries.push_back(now);
    }

    /// Whether it sent [`NODE_LIMIT_QUERIES`] queries within [`NODE_LIMIT_INTERVAL`].
    #[must_use]
    pub fn blocked(&self, now: Instant) -> bool {
        self.last_queries.len() >= NODE_LIMIT_QUERIES
            && self
                .last_queries
                .front()
                .is_some_and(|first| now - *first < NODE_LIMIT_INTERVAL)
    }

    /// BEP-5 status (py-ipv8 `Node.status`).
    #[must_use]
    pub fn status(&self, now: Instant) -> NodeStatus {
        if self.failed >= 2 {
            return NodeStatus::Bad;
        }
        let recent = |t: Option<Instant>| t.is_some_and(|t| now - t < GOOD_FOR);
        if recent(self.last_response) || (self.last_response.is_some() && recent(self.last_query()))
        {
            NodeStatus::Good
        } else {
            NodeStatus::Unknown
        }
    }

    /// An answer arrived after `rtt` (py-ipv8 `Request.on_complete`).
    pub fn on_response(&mut self, now: Instant, rtt: Duration) {
        self.last_response = Some(now);
        self.failed = 0;
        self.rtt = Some(rtt);
    }
}

/// Nodes that share an id prefix (py-ipv8 `Bucket`).
#[derive(Debug, Clone)]
pub struct Bucket {
    /// The shared prefix as `'0'`/`'1'` bits.
    pub prefix_id: String,
    /// The nodes, in insertion order.
    pub nodes: Vec<Node>,
    /// Capacity.
    pub max_size: usize,
    /// When a node was last added or updated.
    pub last_changed: Option<Instant>,
}

impl Bucket {
    /// An empty bucket for `prefix_id`.
    #[must_use]
    pub fn new(prefix_id: String, max_size: usize) -> Self {
        Self {
            prefix_id,
            nodes: Vec::new(),
            max_size,
            last_changed: None,
        }
    }

    /// Whether `id` starts with this bucket's prefix.
    #[must_use]
    pub fn owns(&self, id: &NodeId) -> bool {
        id_has_prefix(id, &self.prefix_id)
    }

    /// The node with `id`.
    #[must_use]
    pub fn get(&self, id: &NodeId) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == *id)
    }

    /// The node with `id`, mutably.
    pub fn get_mut(&mut self, id: &NodeId) -> Option<&mut Node> {
        self.nodes.iter_mut().find(|n| n.id == *id)
    }

    /// A random id inside this bucket (for refreshes).
    pub fn generate_id(&self, mut random_byte: impl FnMut() -> u8) -> NodeId {
        let mut id: NodeId = std::array::from_fn(|_| random_byte());
        for (i, bit) in self.prefix_id.bytes().enumerate().take(160) {
            let mask = 0x80 >> (i % 8);
            if bit == b'1' {
                id[i / 8] |= mask;
            } else {
                id[i / 8] &= !mask;
            }
        }
        id
    }

    /// Adds or updates `node` (py-ipv8 `Bucket.add`); `false` if it does not belong here or
    /// the bucket is full.
    pub fn add(&mut self, node: Node, now: Instant) -> bool {
        if !self.owns(&node.id) {
            return false;
        }
        if let Some(current) = self.get_mut(&node.id) {
            current.address = node.address;
            self.last_changed = Some(now);
            return true;
        }
        if self.nodes.len() >= self.max_size {
            if let Some(i) = self
                .nodes
                .iter()
                .position(|n| n.status(now) == NodeStatus::Bad)
            {
                self.nodes.remove(i);
            }
            if let Some(new_rtt) = node.rtt.filter(|r| !r.is_zero()) {
                let slow = |n: &Node| {
                    n.rtt
                        .is_some_and(|r| r.as_secs_f64() / new_rtt.as_secs_f64() >= 2.0)
                };
                if let Some(i) = self.nodes.iter().position(slow) {
                    self.nodes.remove(i);
                }
            }
        }
        if self.nodes.len() < self.max_size {
            self.nodes.push(node);
            self.last_changed = Some(now);
            return true;
        }
        false
    }

    /// Splits a full bucket in two by the next bit (py-ipv8 `Bucket.split`).
    #[must_use]
    pub fn split(&self, now: Instant) -> Option<(Self, Self)> {
        if self.nodes.len() < self.max_size {
            return None;
        }
        let mut zero = Self::new(format!("{}0", self.prefix_id), self.max_size);
        let mut one = Self::new(format!("{}1", self.prefix_id), self.max_size);
        for node in &self.nodes {
            if zero.owns(&node.id) {
                zero.add(node.clone(), now);
            } else {
                one.add(node.clone(), now);
            }
        }
        Some((zero, one))
    }
}

/// The buckets of one address family (py-ipv8 `RoutingTable`).
#[derive(Debug, Clone)]
pub struct RoutingTable {
    /// Our own node id, which decides which buckets may split.
    pub my_node_id: NodeId,
    buckets: BTreeMap<String, Bucket>,
}

impl RoutingTable {
    /// A table with one empty bucket covering every id.
    #[must_use]
    pub fn new(my_node_id: NodeId) -> Self {
        let mut buckets = BTreeMap::new();
        buckets.insert(String::new(), Bucket::new(String::new(), MAX_BUCKET_SIZE));
        Self {
            my_node_id,
            buckets,
        }
    }

    /// The prefix of the bucket `id` falls in: the longest bucket prefix of its bits (the
    /// buckets split the id space, so there is one). A scan of the few buckets, not a search
    /// of the 161 prefixes of the id's bit string: this runs for every routing-table lookup.
    fn bucket_key(&self, id: &NodeId) -> String {
        self.bucket(id)
            .map(|b| b.prefix_id.clone())
            .unwrap_or_default()
    }

    /// The bucket `id` falls in.
    #[must_use]
    pub fn bucket(&self, id: &NodeId) -> Option<&Bucket> {
        self.buckets
            .iter()
            .filter(|(prefix, _)| id_has_prefix(id, prefix))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, bucket)| bucket)
    }

    fn bucket_mut(&mut self, id: &NodeId) -> Option<&mut Bucket> {
        self.buckets
            .iter_mut()
            .filter(|(prefix, _)| id_has_prefix(id, prefix))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, bucket)| bucket)
    }

    /// Every bucket, by prefix.
    pub fn buckets(&self) -> impl Iterator<Item = &Bucket> {
        self.buckets.values()
    }

    /// Every bucket, mutably.
    pub fn buckets_mut(&mut self) -> impl Iterator<Item = &mut Bucket> {
        self.buckets.values_mut()
    }

    /// The bucket with exactly this prefix.
    pub fn bucket_by_prefix_mut(&mut self, prefix: &str) -> Option<&mut Bucket> {
        self.buckets.get_mut(prefix)
    }

    /// Adds or updates `node`, splitting the bucket of our own id when it is full (py-ipv8
    /// `RoutingTable.add`); the stored node, or `None` if there was no room.
    pub fn add(&mut self, node: Node, now: Instant) -> Option<&mut Node> {
        let id = node.id;
        loop {
            let key = self.bucket_key(&id);
            let bucket = self.buckets.get_mut(&key)?;
            if bucket.add(node.clone(), now) {
                return self.get_mut(&id);
            }
            if !bucket.owns(&self.my_node_id) || key.len() >= 160 {
                return None;
            }
            let (zero, one) = bucket.split(now)?;
            self.buckets.remove(&key);
            self.buckets.insert(zero.prefix_id.clone(), zero);
            self.buckets.insert(one.prefix_id.clone(), one);
        }
    }

    /// Removes and returns every bad node (py-ipv8 `remove_bad_nodes`).
    pub fn remove_bad_nodes(&mut self, now: Instant) -> Vec<Node> {
        let mut removed = Vec::new();
        for bucket in self.buckets.values_mut() {
            let (bad, good): (Vec<Node>, Vec<Node>) = std::mem::take(&mut bucket.nodes)
                .into_iter()
                .partition(|n| n.status(now) == NodeStatus::Bad);
            bucket.nodes = good;
            removed.extend(bad);
        }
        removed
    }

    /// Whether a node with `id` is in the table.
    #[must_use]
    pub fn has(&self, id: &NodeId) -> bool {
        self.get(id).is_some()
    }

    /// The node with `id`.
    #[must_use]
    pub fn get(&self, id: &NodeId) -> Option<&Node> {
        self.bucket(id)?.get(id)
    }

    /// The node with `id`, mutably.
    pub fn get_mut(&mut self, id: &NodeId) -> Option<&mut Node> {
        self.bucket_mut(id)?.get_mut(id)
    }

    /// Every node.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.buckets.values().flat_map(|b| b.nodes.iter())
    }

    /// Number of nodes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.buckets.values().map(|b| b.nodes.len()).sum()
    }

    /// Whether the table has no node.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Up to `max_nodes` non-bad nodes closest to `target`, closest first, leaving out
    /// `exclude` (py-ipv8 `closest_nodes`).
    #[must_use]
    pub fn closest_nodes(
        &self,
        target: &NodeId,
        max_nodes: usize,
        exclude: Option<&NodeId>,
        now: Instant,
    ) -> Vec<Node> {
        let mut nodes: Vec<&Node> = self
            .nodes()
            .filter(|n| n.status(now) != NodeStatus::Bad && Some(&n.id) != exclude)
            .collect();
        nodes.sort_by_key(|n| (distance(&n.id, target), n.status(now)));
        nodes.into_iter().take(max_nodes).cloned().collect()
    }
}

#[cfg(test)]
#[path = "routing_tests.rs"]
mod tests;
