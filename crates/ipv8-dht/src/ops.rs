//! The DHT's operations as state machines: node discovery and pings, crawls (py-ipv8 `find`,
//! `_find`, `_contact_node`), storing on nodes (`store_on_nodes`), value post-processing,
//! bucket refreshes (`node_maintenance`) and the gathering of store-like answers.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use ipv8::prelude::*;
use sha1::{Digest, Sha1};

use crate::community::{DhtError, DhtOverlay, DhtValue, MAX_CRAWLS, Op, Then, my_node_id, table};
use crate::crawl::{Answer, Crawl};
use crate::discovery::PeerLookup;
use crate::payload::{FindRequest, PingRequest, StoreRequest};
use crate::requests::{Asked, FindCache, PingCache, Stage, StoreCache};
use crate::routing::{Node, distance};
use crate::storage::StorageFull;
use crate::value::{self, ValueError};
use crate::{MAX_ENTRY_AGE, MAX_VALUES_IN_STORE, TARGET_NODES};

/// py-ipv8 `on_node_discovered`: a walk met a DHT peer; a new node is added and pinged.
pub(crate) fn on_node_discovered<C: DhtOverlay>(
    c: &mut C,
    cx: &mut Cx<'_, C>,
    key: &[u8],
    address: SocketAddr,
) {
    if !address.is_ipv4() || cx.network().is_blacklisted(address) {
        return;
    }
    let wan = cx.wan_estimate();
    if wan.ip().is_unspecified() && wan.port() == 0 {
        return; // Our own node id is not known yet.
    }
    let now = cx.now();
    let node = Node::new(key.to_vec(), address);
    let t = table(c, cx);
    let existed = t.has(&node.id);
    let added = t.add(node, now).cloned();
    if let (false, Some(node)) = (existed, added) {
        ping(c, cx, &node);
    }
}

/// Sends a ping-request to `node` (py-ipv8 `ping`).
pub(crate) fn ping<C: DhtOverlay>(c: &mut C, cx: &mut Cx<'_, C>, node: &Node) {
    ping_then(c, cx, node, None);
}

/// [`ping`], then `lookup` on the answer or the timeout (py-ipv8 `connect_peer(mid, peer)`).
pub(crate) fn ping_then<C: DhtOverlay>(
    c: &mut C,
    cx: &mut Cx<'_, C>,
    node: &Node,
    lookup: Option<PeerLookup>,
) {
    let now = cx.now();
    if let Some(n) = c
        .dht_mut()
        .routing
        .as_mut()
        .and_then(|t| t.get_mut(&node.id))
    {
        n.last_ping_sent = Some(now);
    }
    let number = cx.add_cache(PingCache(Asked::new(node.clone(), now), lookup));
    let identifier = u32::try_from(number).unwrap_or_default();
    cx.send_to(node.address, &PingRequest { identifier });
}

/// py-ipv8 `Request.on_complete`: the node answered.
pub(crate) fn answered<C: DhtOverlay>(c: &mut C, cx: &Cx<'_, C>, asked: &Asked) {
    let now = cx.now();
    if let Some(n) = c
        .dht_mut()
        .routing
        .as_mut()
        .and_then(|t| t.get_mut(&asked.node.id))
    {
        n.on_response(now, now - asked.sent);
    }
}

/// Starts a crawl for `target`, or fails `then` at once.
pub(crate) fn start_crawl<C: DhtOverlay>(
    c: &mut C,
    cx: &mut Cx<'_, C>,
    target: [u8; 20],
    force_nodes: bool,
    offset: u32,
    then: Then,
) {
    if c.dht().crawls.len() >= MAX_CRAWLS {
        then.fail(DhtError::Busy);
        return;
    }
    let now = cx.now();
    let Some(crawl) = Crawl::new(target, table(c, cx), force_nodes, offset, now) else {
        then.fail(DhtError::NoNodes);
        return;
    };
    let dht = c.dht_mut();
    dht.stats.crawls += 1;
    let id = dht.fresh_id();
    dht.crawls.insert(id, (crawl, then));
    pump(c, cx, id);
}

/// What a find-request asks for.
#[derive(Debug, Clone, Copy)]
struct Query {
    target: [u8; 20],
    offset: u32,
    force_nodes: bool,
}

impl Query {
    fn of(crawl: &Crawl) -> Self {
        Self {
            target: crawl.target,
            offset: crawl.offset,
            force_nodes: crawl.force_nodes,
        }
    }
}

fn send_find<C: DhtOverlay>(
    c: &mut C,
    cx: &mut Cx<'_, C>,
    crawl: u64,
    node: Node,
    query: Query,
    stage: Stage,
) {
    c.dht_mut().stats.find_requests_sent += 1;
    let to = node.address;
    let cache = FindCache {
        asked: Asked::new(node, cx.now()),
        crawl,
        stage,
        force_nodes: query.force_nodes,
    };
    let number = cx.add_cache(cache);
    let request = FindRequest {
        identifier: u32::try_from(number).unwrap_or_default(),
        lan_address: SocketAddr::V4(cx.lan_estimate()),
        target: query.target,
        offset: query.offset,
        force_nodes: query.force_nodes,
    };
    cx.send_to(to, &request);
}

/// Starts requests while the crawl allows, and finishes it when it is over.
pub(crate) fn pump<C: DhtOverlay>(c: &mut C, cx: &mut Cx<'_, C>, id: u64) {
    loop {
        let Some((crawl, _)) = c.dht_mut().crawls.get_mut(&id) else {
            return;
        };
        let query = Query::of(crawl);
        let Some(todo) = crawl.next() else {
            if crawl.finished() {
                finish(c, cx, id);
            }
            return;
        };
        match todo.puncture {
            Some(via) => {
                let puncture = Query {
                    target: todo.node.id,
                    offset: 0,
                    ..query
                };
                let stage = Stage::Puncture { then: todo.node };
                send_find(c, cx, id, via, puncture, stage);
            }
            None => send_find(c, cx, id, todo.node, query, Stage::Contact),
        }
    }
}

/// A find-request of a crawl was answered (`Some`) or timed out (`None`).
pub(crate) fn find_answered<C: DhtOverlay>(
    c: &mut C,
    cx: &mut Cx<'_, C>,
    cache: FindCache,
    answer: Option<Answer>,
) {
    let id = cache.crawl;
    let Some((crawl, _)) = c.dht_mut().crawls.get_mut(&id) else {
        return;
    };
    match cache.stage {
        Stage::Puncture { then } => {
            let query = Query::of(crawl);
            send_find(c, cx, id, then, query, Stage::Contact);
        }
        Stage::Contact => {
            crawl.running = crawl.running.saturating_sub(1);
            if let Some(answer) = answer {
                crawl.add_response(cache.asked.node.clone(), answer);
                let now = cx.now();
                table(c, cx).add(cache.asked.node, now);
            }
            pump(c, cx, id);
        }
    }
}

/// The crawl is over: answer or go on to the next step.
fn finish<C: DhtOverlay>(c: &mut C, cx: &mut Cx<'_, C>, id: u64) {
    let Some((crawl, then)) = c.dht_mut().crawls.remove(&id) else {
        return;
    };
    match then {
        Then::Report(reply) => {
            let report = crawl.report();
            let values = finish_values(c, cx, &crawl);
            let _ = reply.send(Ok((values, report)));
        }
        Then::Values(reply) => {
            let values = finish_values(c, cx, &crawl);
            if let Some(reply) = reply {
                let _ = reply.send(Ok(values));
            }
        }
        Then::Nodes(reply) => {
            let _ = reply.send(Ok(crawl.nodes()));
        }
        Then::Store(value, reply) => {
            let mut nodes = crawl.nodes();
            nodes.truncate(TARGET_NODES);
            store_on_nodes(c, cx, crawl.target, vec![value], nodes, Some(reply));
        }
        Then::Peer(lookup) => c.on_peer_lookup(cx, lookup, crawl.nodes()),
        Then::IntroPoints(reply) => {
            let values = finish_values(c, cx, &crawl);
            let _ = reply.send(Ok(crate::provider::intro_points(&values)));
        }
    }
}

/// The values of a finished value crawl, after caching them on the closest node that did not
/// have them.
fn finish_values<C: DhtOverlay>(c: &mut C, cx: &mut Cx<'_, C>, crawl: &Crawl) -> Vec<DhtValue> {
    let values = crawl.values();
    if let Some(candidate) = crawl.cache_candidate()
        && !values.is_empty()
    {
        store_on_nodes(c, cx, crawl.target, values.clone(), vec![candidate], None);
    }
    post_process_values(&values)
}

/// Stores a serialized value in our own storage (py-ipv8 `add_value`).
pub(crate) fn add_value(
    dht: &mut crate::DhtCommunity,
    key: [u8; 20],
    value: Vec<u8>,
    max_age: std::time::Duration,
    now: ipv8::proto::Instant,
) -> Result<(), &'static str> {
    let entry = value::unserialize(&value).map_err(|e: ValueError| e.reason())?;
    let id = entry.public_key.map(|k| Sha1::digest(k).into());
    dht.storage
        .put(key, value, id, max_age, entry.version, now)
        .map_err(StorageFull::reason)
}

/// py-ipv8 `store_on_nodes`: stores `values` on `nodes` that gave us a token (and here when we
/// are among the closest).
pub(crate) fn store_on_nodes<C: DhtOverlay>(
    c: &mut C,
    cx: &mut Cx<'_, C>,
    key: [u8; 20],
    mut values: Vec<Vec<u8>>,
    nodes: Vec<Node>,
    reply: Option<Reply<Result<Vec<Node>, DhtError>>>,
) {
    let Some(largest) = nodes.iter().map(|n| distance(&n.id, &key)).max() else {
        if let Some(reply) = reply {
            let _ = reply.send(Err(DhtError::NoNodes));
        }
        return;
    };
    values.truncate(MAX_VALUES_IN_STORE);
    let now = cx.now();
    if nodes.len() < TARGET_NODES || distance(&my_node_id(cx), &key) < largest {
        for v in values.iter().rev() {
            if let Err(reason) = add_value(c.dht_mut(), key, v.clone(), MAX_ENTRY_AGE, now) {
                tracing::debug!(reason, "dht: value not stored locally");
            }
        }
    }
    let op = c.dht_mut().fresh_id();
    let mut pending = 0;
    for node in nodes {
        let Some(token) = c.dht().valid_token(&node.id, now) else {
            continue;
        };
        c.dht_mut().stats.store_requests_sent += 1;
        let to = node.address;
        let number = cx.add_cache(StoreCache {
            asked: Asked::new(node, now),
            op,
        });
        let request = StoreRequest {
            identifier: u32::try_from(number).unwrap_or_default(),
            token,
            target: key,
            values: values.clone(),
        };
        cx.send_to(to, &request);
        pending += 1;
    }
    if pending == 0 {
        if let Some(reply) = reply {
            let _ = reply.send(Err(DhtError::NotStored));
        }
        return;
    }
    let stored = Vec::new();
    c.dht_mut().ops.insert(
        op,
        Op::Store {
            pending,
            stored,
            reply,
        },
    );
}

/// One answer (`Some(nodes)`) or timeout (`None`) of a gathered operation.
pub(crate) fn resolve<C: DhtOverlay>(c: &mut C, op: u64, result: Option<Vec<Node>>) {
    let ops = &mut c.dht_mut().ops;
    let Some(entry) = ops.get_mut(&op) else {
        return;
    };
    let (pending, collected) = match entry {
        Op::Store {
            pending, stored, ..
        } => (pending, Some(stored)),
        Op::StorePeer { pending } => (pending, None),
        Op::ConnectPeer { pending, found, .. } => (pending, Some(found)),
    };
    *pending = pending.saturating_sub(1);
    if let (Some(list), Some(nodes)) = (collected, result) {
        for node in nodes {
            if !list.iter().any(|n| n.id == node.id) {
                list.push(node);
            }
        }
    }
    if *pending > 0 {
        return;
    }
    match ops.remove(&op) {
        Some(Op::Store {
            stored,
            reply: Some(reply),
            ..
        }) => {
            let result = if stored.is_empty() {
                Err(DhtError::StoreFailed)
            } else {
                Ok(stored)
            };
            let _ = reply.send(result);
        }
        Some(Op::ConnectPeer {
            found,
            reply: Some(reply),
            ..
        }) => {
            let result = if found.is_empty() {
                Err(DhtError::ConnectFailed)
            } else {
                Ok(found)
            };
            let _ = reply.send(result);
        }
        _ => {}
    }
}

/// py-ipv8 `post_process_values`: decodes serialized entries, keeping valid ones only; per signer the newest version; signed
/// values first (in order of first appearance), then unsigned ones.
#[must_use]
pub fn post_process_values(values: &[Vec<u8>]) -> Vec<DhtValue> {
    let mut signed: Vec<(Vec<u8>, u32, Vec<u8>)> = Vec::new();
    let mut unsigned = Vec::new();
    for v in values {
        let Ok(entry) = value::unserialize(v) else {
            continue;
        };
        match entry.public_key {
            None => unsigned.push(entry.data),
            Some(key) => match signed.iter_mut().find(|(k, _, _)| *k == key) {
                Some(best) if entry.version > best.1 => {
                    (best.1, best.2) = (entry.version, entry.data)
                }
                Some(_) => {}
                None => signed.push((key, entry.version, entry.data)),
            },
        }
    }
    signed
        .into_iter()
        .map(|(key, _, data)| DhtValue {
            data,
            public_key: Some(key),
        })
        .chain(unsigned.into_iter().map(|data| DhtValue {
            data,
            public_key: None,
        }))
        .collect()
}

/// py-ipv8 `node_maintenance`: every bucket unchanged for 15 minutes is refreshed with a
/// lookup of a random id inside it.
pub(crate) fn refresh_buckets<C: DhtOverlay>(c: &mut C, cx: &mut Cx<'_, C>) {
    let now = cx.now();
    let stale_after = std::time::Duration::from_secs(15 * 60);
    let Some(t) = c.dht().routing.as_ref() else {
        return;
    };
    let stale: BTreeMap<String, ()> = t
        .buckets()
        .filter(|b| b.last_changed.is_none_or(|at| now - at > stale_after))
        .map(|b| (b.prefix_id.clone(), ()))
        .collect();
    for prefix in stale.into_keys() {
        let Some(bucket) = c
            .dht_mut()
            .routing
            .as_mut()
            .and_then(|t| t.bucket_by_prefix_mut(&prefix))
        else {
            continue;
        };
        bucket.last_changed = Some(now);
        let bucket = bucket.clone();
        let target = bucket.generate_id(|| cx.rng().byte());
        start_crawl(c, cx, target, false, 0, Then::Values(None));
    }
}
