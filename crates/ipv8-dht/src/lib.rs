//! # ipv8-dht: py-ipv8's DHT on the public community API
//!
//! py-ipv8 3.2.1's `ipv8/dht` (community id `8d0be1845d74d175f178197cad001591d04d73cc`),
//! wire-compatible, written as an ordinary overlay on `ipv8`'s public community API (it
//! depends on `ipv8` alone):
//!
//! * [`payload`]: the ten request/response messages and the value entries, one
//!   `#[derive(Payload)]` each, checked against golden vectors packed by pyipv8;
//! * [`value`]: signed and unsigned value entries (`serialize_value` / `unserialize_value`);
//! * [`routing`]: node ids, Kademlia buckets with splits, node status and the per-node query
//!   rate limit;
//! * [`storage`]: the key-value store, bounded in values and bytes, with expiry by age;
//! * [`DhtCommunity`]: ping, store, find (values and nodes), store tokens, iterative crawls
//!   with py-ipv8's limits, and [`DhtDiscoveryCommunity`]'s store-peer / connect-peer;
//!   [`PingChurn`] keeps the routing table fresh;
//! * [`provider`]: py-ipv8's `DHTCommunityProvider`, hidden-service introduction points
//!   announced and looked up in the DHT.
//!
//! What is implemented and what is not yet is listed in `docs/DHT.md`.
//!
//! ```
//! use ipv8_dht::{COMMUNITY_ID, value};
//!
//! assert_eq!(COMMUNITY_ID.to_string(), "8d0be1845d74d175f178197cad001591d04d73cc");
//! let entry = value::serialize_unsigned(b"hello");
//! assert_eq!(value::unserialize(&entry)?.data, b"hello");
//! # Ok::<(), value::ValueError>(())
//! ```
#![warn(missing_docs)]

mod churn;
mod community;
mod crawl;
mod discovery;
mod handlers;
mod ops;
pub mod payload;
pub mod provider;
mod requests;
pub mod routing;
pub mod storage;
pub mod value;

use std::time::Duration;

use ipv8::CommunityId;

pub use churn::PingChurn;
pub use community::{
    DhtCommunity, DhtError, DhtOverlay, DhtResponse, DhtStats, DhtValue, MAX_CRAWLS, MAX_STRANGERS,
    MAX_TOKENS,
};
pub use crawl::CrawlReport;
pub use discovery::{DhtDiscoveryCommunity, MAX_STORED_PEERS, PeerLookup, STORED_PEER_TIMEOUT};
pub use ops::post_process_values;

/// py-ipv8 `DHTCommunity.community_id`.
pub const COMMUNITY_ID: CommunityId = CommunityId([
    0x8d, 0x0b, 0xe1, 0x84, 0x5d, 0x74, 0xd1, 0x75, 0xf1, 0x78, 0x19, 0x7c, 0xad, 0x00, 0x15, 0x91,
    0xd0, 0x4d, 0x73, 0xcc,
]);

/// How often [`PingChurn`] pings a node (py-ipv8 `PING_INTERVAL`).
pub const PING_INTERVAL: Duration = Duration::from_secs(25);
/// How long a store token stays valid (py-ipv8 `TOKEN_EXPIRATION_TIME`).
pub const TOKEN_EXPIRATION_TIME: Duration = Duration::from_secs(600);
/// How often the token secret rotates (py-ipv8 `token_maintenance` interval).
pub const TOKEN_ROTATION: Duration = Duration::from_secs(300);
/// Largest serialized value (py-ipv8 `MAX_ENTRY_SIZE`).
pub const MAX_ENTRY_SIZE: usize = 170;
/// Lifetime of a stored value (py-ipv8 `MAX_ENTRY_AGE`), halved per closer node past
/// [`TARGET_NODES`].
pub const MAX_ENTRY_AGE: Duration = Duration::from_secs(3600);
/// Nodes a crawl starts with (py-ipv8 `MAX_CRAWL_NODES`).
pub const MAX_CRAWL_NODES: usize = 8;
/// find-requests one crawl may send, punctures excluded (py-ipv8 `MAX_CRAWL_REQUESTS`).
pub const MAX_CRAWL_REQUESTS: usize = 24;
/// Outstanding find-requests per crawl (py-ipv8 `MAX_CRAWL_TASKS`).
pub const MAX_CRAWL_TASKS: usize = 4;
/// Values per store-request (py-ipv8 `MAX_VALUES_IN_STORE`).
pub const MAX_VALUES_IN_STORE: usize = 8;
/// Values per find-response (py-ipv8 `MAX_VALUES_IN_FIND`).
pub const MAX_VALUES_IN_FIND: usize = 8;
/// Nodes per find-response (py-ipv8 `MAX_NODES_IN_FIND`).
pub const MAX_NODES_IN_FIND: usize = 8;
/// Nodes a value is stored on (py-ipv8 `TARGET_NODES`).
pub const TARGET_NODES: usize = 8;
