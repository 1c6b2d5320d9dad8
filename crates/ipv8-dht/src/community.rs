//! [`DhtCommunity`]: py-ipv8 `DHTCommunity` — state, the [`DhtOverlay`] trait that gives
//! both DHT communities the same operations, and the public lookups.
//!
//! Ports `ipv8/dht/community.py`. py-ipv8's coroutines become state kept in the community
//! (crawls, pending stores) and request-cache entries whose responses or timeouts move that
//! state on; the application awaits a [`Response`] (`CommunityHandle::call` returns it).
//!
//! ```no_run
//! # async fn run(dht: ipv8::CommunityHandle<ipv8_dht::DhtCommunity>) -> Result<(), Box<dyn std::error::Error>> {
//! use ipv8_dht::DhtOverlay;
//!
//! let key = [7; 20];
//! dht.call(move |c, cx| c.store_value(cx, key, b"hello".to_vec(), true)).await?.await??;
//! let values = dht.call(move |c, cx| c.find_values(cx, key)).await?.await??;
//! assert_eq!(values[0].data, b"hello");
//! # Ok(()) }
//! ```
//!
//! Only IPv4 has a routing table and a storage here (py-ipv8 keeps one of each per address
//! family); requests from IPv6 addresses are refused with a counted drop.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use ipv8::prelude::*;
use ipv8::proto::Instant;
use sha1::{Digest, Sha1};

use crate::crawl::{Crawl, CrawlReport};
use crate::discovery::PeerLookup;
use crate::provider::IntroductionPoint;
use crate::routing::{Node, NodeId, RoutingTable, calc_node_id};
use crate::storage::Storage;
use crate::{handlers, ops};

/// Crawls one community runs at once; more lookups fail with [`DhtError::Busy`].
pub const MAX_CRAWLS: usize = 64;
/// Store tokens we keep (one per node that answered a find-request).
pub const MAX_TOKENS: usize = 4096;
/// Nodes outside the routing table whose query rate we track.
pub const MAX_STRANGERS: usize = 1024;

/// A value found in the DHT (py-ipv8 `DHTValue`): the data and, when signed, the signer's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhtValue {
    /// The stored bytes.
    pub data: Vec<u8>,
    /// The signer's serialized public key; `None` for an unsigned value.
    pub public_key: Option<Vec<u8>>,
}

/// Why a DHT operation failed (py-ipv8 `DHTError` messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DhtError {
    /// The routing table has no node to start from.
    NoNodes,
    /// The serialized value is longer than [`crate::MAX_ENTRY_SIZE`].
    TooLarge(usize),
    /// No node to store on had given us a token.
    NotStored,
    /// No node confirmed the store.
    StoreFailed,
    /// No node knew the peer.
    ConnectFailed,
    /// Too many lookups are running.
    Busy,
    /// An introduction point's public key lacks the `LibNaCLPK:` prefix the provider strips
    /// ([`crate::provider`]).
    NotLibNaclKey,
    /// The community was unloaded before the operation ended.
    Cancelled,
}

impl fmt::Display for DhtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoNodes => f.write_str("No nodes found in the routing table"),
            Self::TooLarge(n) => write!(f, "Maximum length exceeded ({n} > 170 bytes)"),
            Self::NotStored => f.write_str("Value was not stored"),
            Self::StoreFailed => f.write_str("Failed to store value on DHT"),
            Self::ConnectFailed => f.write_str("Failed to connect peer"),
            Self::Busy => write!(f, "more than {MAX_CRAWLS} lookups running"),
            Self::NotLibNaclKey => f.write_str("public key does not start with LibNaCLPK:"),
            Self::Cancelled => f.write_str("the DHT community was unloaded"),
        }
    }
}

impl std::error::Error for DhtError {}

impl From<ipv8::Cancelled> for DhtError {
    fn from(_: ipv8::Cancelled) -> Self {
        Self::Cancelled
    }
}

/// The answer to a lookup.
pub type DhtResponse<T> = Response<Result<T, DhtError>>;

/// What to do with a crawl's result.
pub(crate) enum Then {
    /// Answer with the values (none for a bucket refresh).
    Values(Option<Reply<Result<Vec<DhtValue>, DhtError>>>),
    /// Answer with the values and what the crawl did.
    Report(Reply<Result<(Vec<DhtValue>, CrawlReport), DhtError>>),
    /// Answer with the nodes.
    Nodes(Reply<Result<Vec<Node>, DhtError>>),
    /// Store the value on the closest nodes.
    Store(Vec<u8>, Reply<Result<Vec<Node>, DhtError>>),
    /// A DHTDiscoveryCommunity store-peer or connect-peer.
    Peer(PeerLookup),
    /// Answer with the introduction points among the values ([`crate::provider`]).
    IntroPoints(Reply<Result<Vec<IntroductionPoint>, DhtError>>),
}

impl Then {
    /// Fails the operation.
    pub(crate) fn fail(self, error: DhtError) {
        match self {
            Self::Values(Some(reply)) => {
                let _ = reply.send(Err(error));
            }
            Self::Report(reply) => {
                let _ = reply.send(Err(error));
            }
            Self::Nodes(reply) | Self::Store(_, reply) => {
                let _ = reply.send(Err(error));
            }
            Self::Peer(lookup) => lookup.fail(error),
            Self::IntroPoints(reply) => {
                let _ = reply.send(Err(error));
            }
            Self::Values(None) => {}
        }
    }
}

/// Outstanding store-like requests of one operation (py-ipv8's `gather_without_errors`).
pub(crate) enum Op {
    /// store-requests; the nodes that confirmed.
    Store {
        pending: usize,
        stored: Vec<Node>,
        reply: Option<Reply<Result<Vec<Node>, DhtError>>>,
    },
    /// store-peer-requests.
    StorePeer { pending: usize },
    /// connect-peer-requests; the nodes they returned.
    ConnectPeer {
        pending: usize,
        found: Vec<Node>,
        reply: Option<Reply<Result<Vec<Node>, DhtError>>>,
    },
}

/// Counters of what the DHT did (REST `/dht/statistics`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DhtStats {
    /// Crawls started.
    pub crawls: u64,
    /// find-requests sent (punctures included).
    pub find_requests_sent: u64,
    /// store-requests sent.
    pub store_requests_sent: u64,
    /// Requests that timed out.
    pub timeouts: u64,
    /// Values stored on behalf of others.
    pub values_stored: u64,
}

/// py-ipv8's DHTCommunity: a Kademlia DHT of small values on community
/// `8d0be1845d74d175f178197cad001591d04d73cc`.
pub struct DhtCommunity {
    pub(crate) routing: Option<RoutingTable>,
    pub(crate) storage: Storage,
    pub(crate) tokens: BTreeMap<NodeId, (Instant, [u8; 20])>,
    pub(crate) token_secrets: VecDeque<[u8; 16]>,
    pub(crate) strangers: BTreeMap<NodeId, Node>,
    pub(crate) crawls: BTreeMap<u64, (Crawl, Then)>,
    pub(crate) ops: BTreeMap<u64, Op>,
    pub(crate) stats: DhtStats,
    next_id: u64,
    version_clock: fn() -> u32,
}

impl fmt::Debug for DhtCommunity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DhtCommunity")
            .field("nodes", &self.routing.as_ref().map_or(0, RoutingTable::len))
            .field("values", &self.storage.len())
            .field("crawls", &self.crawls.len())
            .finish_non_exhaustive()
    }
}

impl Default for DhtCommunity {
    fn default() -> Self {
        Self::new()
    }
}

/// Seconds since the Unix epoch (py-ipv8's `int(time.time())`), the default value version.
fn unix_seconds() -> u32 {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    u32::try_from(secs).unwrap_or(u32::MAX)
}

impl DhtCommunity {
    /// A DHT with an empty routing table and storage and a fresh token secret.
    #[must_use]
    pub fn new() -> Self {
        let mut dht = Self {
            routing: None,
            storage: Storage::new(),
            tokens: BTreeMap::new(),
            token_secrets: VecDeque::with_capacity(2),
            strangers: BTreeMap::new(),
            crawls: BTreeMap::new(),
            ops: BTreeMap::new(),
            stats: DhtStats::default(),
            next_id: 1,
            version_clock: unix_seconds,
        };
        dht.rotate_token_secret();
        dht
    }

    /// Uses `clock` for the versions of signed values (default: Unix seconds, as py-ipv8).
    #[must_use]
    pub fn with_version_clock(mut self, clock: fn() -> u32) -> Self {
        self.version_clock = clock;
        self
    }

    /// The routing table, once a node was discovered.
    #[must_use]
    pub fn routing_table(&self) -> Option<&RoutingTable> {
        self.routing.as_ref()
    }

    /// The values stored here.
    #[must_use]
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// What the DHT did so far.
    #[must_use]
    pub fn stats(&self) -> DhtStats {
        self.stats
    }

    /// Store tokens other nodes gave us (py-ipv8 `len(tokens)`).
    #[must_use]
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }

    /// Crawls running.
    #[must_use]
    pub fn running_crawls(&self) -> usize {
        self.crawls.len()
    }

    pub(crate) fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub(crate) fn version(&self) -> u32 {
        (self.version_clock)()
    }

    /// py-ipv8 `token_maintenance`: a new secret (the last two are valid), expired tokens out.
    pub(crate) fn rotate_token_secret(&mut self) {
        let mut secret = [0; 16];
        if getrandom::getrandom(&mut secret).is_err() {
            // No OS randomness: derive from the previous secret, still unguessable if it was.
            let previous = self.token_secrets.back().copied().unwrap_or_default();
            let digest = Sha1::digest(previous);
            secret.copy_from_slice(&digest[..16]);
        }
        if self.token_secrets.len() >= 2 {
            self.token_secrets.pop_front();
        }
        self.token_secrets.push_back(secret);
    }

    /// The token `peer` must present to store on us (py-ipv8 `generate_token`).
    pub(crate) fn generate_token(&self, key: &[u8], address: SocketAddr) -> [u8; 20] {
        let secret = self.token_secrets.back().copied().unwrap_or_default();
        token_of(key, address, &secret)
    }

    /// py-ipv8 `check_token`: made with one of the last two secrets.
    pub(crate) fn check_token(&self, key: &[u8], address: SocketAddr, token: &[u8; 20]) -> bool {
        self.token_secrets
            .iter()
            .any(|s| token_of(key, address, s) == *token)
    }

    /// The token a node gave us, if it is younger than [`crate::TOKEN_EXPIRATION_TIME`].
    pub(crate) fn valid_token(&self, id: &NodeId, now: Instant) -> Option<[u8; 20]> {
        self.tokens
            .get(id)
            .filter(|(at, _)| now - *at < crate::TOKEN_EXPIRATION_TIME)
            .map(|(_, t)| *t)
    }

    /// Remembers a node's token (bounded by [`MAX_TOKENS`]).
    pub(crate) fn remember_token(&mut self, id: NodeId, token: [u8; 20], now: Instant) {
        if self.tokens.len() >= MAX_TOKENS && !self.tokens.contains_key(&id) {
            self.tokens
                .retain(|_, (at, _)| now - *at < crate::TOKEN_EXPIRATION_TIME);
            if self.tokens.len() >= MAX_TOKENS {
                return;
            }
        }
        self.tokens.insert(id, (now, token));
    }
}

fn token_of(key: &[u8], address: SocketAddr, secret: &[u8; 16]) -> [u8; 20] {
    let mut h = Sha1::new();
    h.update(key);
    h.update(address.to_string().as_bytes());
    h.update(secret);
    h.finalize().into()
}

/// Our node id for IPv4 peers (py-ipv8 `get_my_node_id`).
pub(crate) fn my_node_id<C: Community>(cx: &Cx<'_, C>) -> NodeId {
    calc_node_id(&SocketAddr::V4(cx.wan_estimate()), &cx.my_mid())
}

/// The routing table, made on first use with our current node id.
pub(crate) fn table<'a, C: DhtOverlay>(c: &'a mut C, cx: &Cx<'_, C>) -> &'a mut RoutingTable {
    let id = my_node_id(cx);
    c.dht_mut()
        .routing
        .get_or_insert_with(|| RoutingTable::new(id))
}

/// A community that runs the DHT: [`DhtCommunity`] itself, or [`crate::DhtDiscoveryCommunity`]
/// around it. Every DHT operation is a provided method, so both communities have them.
pub trait DhtOverlay: Community {
    /// The DHT state.
    fn dht(&self) -> &DhtCommunity;
    /// The DHT state, mutably.
    fn dht_mut(&mut self) -> &mut DhtCommunity;

    /// A ping to `node` was answered (`true`) or timed out.
    fn on_ping_result(&mut self, cx: &mut Cx<'_, Self>, node: &Node, answered: bool) {
        let _ = (cx, node, answered);
    }

    /// A ping-request from `peer` is being answered.
    fn on_ping_request(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer) {
        let _ = (cx, peer);
    }

    /// A crawl for a DHTDiscoveryCommunity lookup ended with `nodes`.
    fn on_peer_lookup(&mut self, cx: &mut Cx<'_, Self>, lookup: PeerLookup, nodes: Vec<Node>) {
        let _ = (cx, nodes);
        lookup.fail(DhtError::NoNodes);
    }

    /// Finds the values stored under `key` (py-ipv8 `find_values`): signed values are checked
    /// and only the newest per signer is kept; signed values come first.
    fn find_values(&mut self, cx: &mut Cx<'_, Self>, key: [u8; 20]) -> DhtResponse<Vec<DhtValue>> {
        let (reply, response) = reply_channel();
        ops::start_crawl(self, cx, key, false, 0, Then::Values(Some(reply)));
        response
    }

    /// [`DhtOverlay::find_values`], also answering what the crawl did (py-ipv8
    /// `find_values(debug=True)`).
    fn find_values_report(
        &mut self,
        cx: &mut Cx<'_, Self>,
        key: [u8; 20],
    ) -> DhtResponse<(Vec<DhtValue>, CrawlReport)> {
        let (reply, response) = reply_channel();
        ops::start_crawl(self, cx, key, false, 0, Then::Report(reply));
        response
    }

    /// Starts a lookup of a random id inside the bucket with this prefix (py-ipv8's REST
    /// bucket refresh); `false` when there is no such bucket.
    fn refresh_bucket(&mut self, cx: &mut Cx<'_, Self>, prefix: &str) -> bool {
        let Some(bucket) = self
            .dht_mut()
            .routing
            .as_mut()
            .and_then(|t| t.bucket_by_prefix_mut(prefix))
        else {
            return false;
        };
        let bucket = bucket.clone();
        let target = bucket.generate_id(|| cx.rng().byte());
        ops::start_crawl(self, cx, target, false, 0, Then::Values(None));
        true
    }

    /// Finds the nodes closest to `key` (py-ipv8 `find_nodes`): the contacted nodes, closest
    /// first.
    fn find_nodes(&mut self, cx: &mut Cx<'_, Self>, key: [u8; 20]) -> DhtResponse<Vec<Node>> {
        let (reply, response) = reply_channel();
        ops::start_crawl(self, cx, key, true, 0, Then::Nodes(reply));
        response
    }

    /// Stores `data` under `key` on the closest nodes (py-ipv8 `store_value`), signed with our
    /// key when `sign`; answers with the nodes that confirmed.
    fn store_value(
        &mut self,
        cx: &mut Cx<'_, Self>,
        key: [u8; 20],
        data: Vec<u8>,
        sign: bool,
    ) -> DhtResponse<Vec<Node>> {
        let (reply, response) = reply_channel();
        let value = if sign {
            let version = self.dht().version();
            crate::value::serialize_signed(&data, version, cx.my_public_key(), |m| cx.sign(m))
        } else {
            crate::value::serialize_unsigned(&data)
        };
        if value.len() > crate::MAX_ENTRY_SIZE {
            let _ = reply.send(Err(DhtError::TooLarge(value.len())));
        } else {
            ops::start_crawl(self, cx, key, true, 0, Then::Store(value, reply));
        }
        response
    }

    /// Pings `node` (py-ipv8 `ping`); the answer or timeout updates its status.
    fn ping(&mut self, cx: &mut Cx<'_, Self>, node: &Node) {
        ops::ping(self, cx, node);
    }
}

impl DhtOverlay for DhtCommunity {
    fn dht(&self) -> &DhtCommunity {
        self
    }
    fn dht_mut(&mut self) -> &mut DhtCommunity {
        self
    }
}

/// A periodic task of a DHT community.
pub(crate) type Task<C> = fn(&mut C, &mut Cx<'_, C>);

/// Registers the DHT's periodic tasks (py-ipv8 `token_maintenance` every 300 s,
/// `node_maintenance` every 60 s, `value_maintenance` every 3600 s).
pub(crate) fn start_tasks<C: DhtOverlay>(cx: &mut Cx<'_, C>) {
    let tasks: [(&str, Duration, Task<C>); 3] = [
        ("token_maintenance", crate::TOKEN_ROTATION, |c, cx| {
            let now = cx.now();
            let dht = c.dht_mut();
            dht.rotate_token_secret();
            dht.tokens
                .retain(|_, (at, _)| now - *at < crate::TOKEN_EXPIRATION_TIME);
        }),
        (
            "node_maintenance",
            Duration::from_secs(60),
            ops::refresh_buckets,
        ),
        ("value_maintenance", Duration::from_secs(3600), |c, cx| {
            let now = cx.now();
            c.dht_mut().storage.clean(now);
        }),
    ];
    for (name, interval, task) in tasks {
        if let Err(e) = cx.register_task(name, interval, Some(interval), task) {
            tracing::warn!(%e, "dht: task not registered");
        }
    }
}

impl Community for DhtCommunity {
    type Command = ();
    type Event = ();

    fn handlers(h: &mut Handlers<Self>) {
        handlers::register(h);
    }

    fn started(&mut self, cx: &mut Cx<'_, Self>) {
        start_tasks(cx);
    }

    fn introduction_request_callback(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, _: &[u8]) {
        ops::on_node_discovered(self, cx, peer.public_key_bin(), peer.address());
    }

    fn introduction_response_callback(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, _: &[u8]) {
        ops::on_node_discovered(self, cx, peer.public_key_bin(), peer.address());
    }
}
