//! The DHT's message handlers (py-ipv8 `on_ping_request`, `on_ping_response`,
//! `on_store_request`, `on_store_response`, `on_find_request`, `on_find_response`), generic
//! over the [`DhtOverlay`] that runs them.
//!
//! The node has verified the signature and decoded the payload before a handler runs; every
//! refusal here is a counted [`DropReason::Refused`] naming why (py-ipv8 logs and drops):
//! `dht_ipv6_unsupported`, `dht_rate_limited`, `dht_value_too_large`, `dht_too_many_values`,
//! `dht_bad_token`, `dht_unknown_identifier`, `dht_wrong_responder`; values refused by the
//! storage are counted per value (`dht_value_*`, `dht_storage_full_*`) while the rest of the
//! request is served.

use std::net::SocketAddr;
use std::time::Duration;

use ipv8::prelude::*;

use crate::community::{DhtOverlay, MAX_STRANGERS, my_node_id, table};
use crate::crawl::Answer;
use crate::ops;
use crate::payload::{
    FindRequest, FindResponse, NodePayload, PingRequest, PingResponse, StoreRequest, StoreResponse,
};
use crate::requests::{Asked, FindCache, PingCache, StoreCache};
use crate::routing::{NODE_LIMIT_INTERVAL, Node, distance};
use crate::{MAX_ENTRY_AGE, MAX_ENTRY_SIZE, MAX_NODES_IN_FIND, MAX_VALUES_IN_FIND, TARGET_NODES};

/// A refusal counted under `reason`.
pub(crate) fn refused(reason: &'static str) -> DropReason {
    DropReason::Refused { reason }
}

/// Registers the six DHTCommunity handlers on `h`.
pub(crate) fn register<C: DhtOverlay>(h: &mut Handlers<C>) {
    h.signed(on_ping_request::<C>)
        .signed(on_ping_response::<C>)
        .signed(on_store_request::<C>)
        .signed(on_store_response::<C>)
        .signed(on_find_request::<C>)
        .signed(on_find_response::<C>);
}

/// py-ipv8 `get_requesting_node`: puts the requester in the routing table (or the bounded
/// table of nodes that do not fit) and applies the query rate limit: at most 10 queries in
/// 5 s per node.
pub(crate) fn requesting_node<C: DhtOverlay>(
    c: &mut C,
    cx: &mut Cx<'_, C>,
    peer: &Peer,
) -> Result<Node, DropReason> {
    let address = peer.address();
    if !address.is_ipv4() {
        return Err(refused("dht_ipv6_unsupported"));
    }
    let now = cx.now();
    let node = Node::new(peer.public_key_bin().to_vec(), address);
    let t = table(c, cx);
    if t.get(&node.id).is_some_and(|n| n.blocked(now)) {
        return Err(refused("dht_rate_limited"));
    }
    if let Some(stored) = t.add(node.clone(), now) {
        stored.record_query(now);
        return Ok(stored.clone());
    }
    // Not in the routing table (py-ipv8 then forgets the query count; here it is kept).
    let strangers = &mut c.dht_mut().strangers;
    if strangers.len() >= MAX_STRANGERS && !strangers.contains_key(&node.id) {
        strangers.retain(|_, n| {
            n.last_query()
                .is_some_and(|t| now - t < NODE_LIMIT_INTERVAL)
        });
        if strangers.len() >= MAX_STRANGERS {
            return Err(refused("dht_rate_limited"));
        }
    }
    let entry = strangers.entry(node.id).or_insert(node);
    if entry.blocked(now) {
        return Err(refused("dht_rate_limited"));
    }
    entry.record_query(now);
    Ok(entry.clone())
}

fn on_ping_request<C: DhtOverlay>(
    c: &mut C,
    cx: &mut Cx<'_, C>,
    peer: &Peer,
    p: PingRequest,
) -> Result<(), DropReason> {
    requesting_node(c, cx, peer)?;
    c.on_ping_request(cx, peer);
    cx.ez_send(
        peer,
        &PingResponse {
            identifier: p.identifier,
        },
    );
    Ok(())
}

/// Checks that the response comes from the node the request went to, then takes the request.
pub(crate) fn take_request<C, T>(
    cx: &mut Cx<'_, C>,
    identifier: u32,
    peer: &Peer,
    asked: impl Fn(&T) -> &Asked,
) -> Result<T, DropReason>
where
    C: DhtOverlay,
    T: NumberCache<C>,
{
    let number = u64::from(identifier);
    let cache = cx
        .get_cache::<T>(number)
        .ok_or(refused("dht_unknown_identifier"))?;
    if asked(cache).node.mid != peer.mid() {
        return Err(refused("dht_wrong_responder"));
    }
    cx.pop_cache::<T>(number)
        .ok_or(refused("dht_unknown_identifier"))
}

fn on_ping_response<C: DhtOverlay>(
    c: &mut C,
    cx: &mut Cx<'_, C>,
    peer: &Peer,
    p: PingResponse,
) -> Result<(), DropReason> {
    let cache: PingCache = take_request(cx, p.identifier, peer, |c: &PingCache| &c.0)?;
    ops::answered(c, cx, &cache.0);
    c.on_ping_result(cx, &cache.0.node, true);
    if let Some(lookup) = cache.1 {
        lookup.reached(cache.0.node);
    }
    Ok(())
}

fn on_store_request<C: DhtOverlay>(
    c: &mut C,
    cx: &mut Cx<'_, C>,
    peer: &Peer,
    p: StoreRequest,
) -> Result<(), DropReason> {
    requesting_node(c, cx, peer)?;
    if p.values.iter().any(|v| v.len() > MAX_ENTRY_SIZE) {
        return Err(refused("dht_value_too_large"));
    }
    if p.values.len() > crate::MAX_VALUES_IN_STORE {
        return Err(refused("dht_too_many_values"));
    }
    if !c
        .dht()
        .check_token(peer.public_key_bin(), peer.address(), &p.token)
    {
        return Err(refused("dht_bad_token"));
    }
    let now = cx.now();
    let me = distance(&my_node_id(cx), &p.target);
    let closer = table(c, cx)
        .closest_nodes(&p.target, 20, None, now)
        .iter()
        .filter(|n| distance(&n.id, &p.target) < me)
        .count();
    // To prevent over-caching, the lifetime halves per closer node past TARGET_NODES - 1.
    let halvings = (closer + 1).saturating_sub(TARGET_NODES);
    let max_age = Duration::from_secs(MAX_ENTRY_AGE.as_secs() >> halvings.min(63));
    for value in p.values {
        match ops::add_value(c.dht_mut(), p.target, value, max_age, now) {
            Ok(()) => c.dht_mut().stats.values_stored += 1,
            Err(reason) => cx.count_drop(refused(reason)),
        }
    }
    cx.ez_send(
        peer,
        &StoreResponse {
            identifier: p.identifier,
        },
    );
    Ok(())
}

fn on_store_response<C: DhtOverlay>(
    c: &mut C,
    cx: &mut Cx<'_, C>,
    peer: &Peer,
    p: StoreResponse,
) -> Result<(), DropReason> {
    let cache: StoreCache = take_request(cx, p.identifier, peer, |c: &StoreCache| &c.asked)?;
    ops::answered(c, cx, &cache.asked);
    ops::resolve(c, cache.op, Some(vec![cache.asked.node]));
    Ok(())
}

fn on_find_request<C: DhtOverlay>(
    c: &mut C,
    cx: &mut Cx<'_, C>,
    peer: &Peer,
    p: FindRequest,
) -> Result<(), DropReason> {
    let requester = requesting_node(c, cx, peer)?;
    let now = cx.now();
    let offset = usize::try_from(p.offset).unwrap_or(usize::MAX);
    let values = if p.force_nodes {
        Vec::new()
    } else {
        c.dht()
            .storage
            .get(&p.target, offset, MAX_VALUES_IN_FIND, now)
    };
    let mut nodes = Vec::new();
    if p.force_nodes || values.is_empty() {
        nodes = table(c, cx).closest_nodes(&p.target, MAX_NODES_IN_FIND, Some(&requester.id), now);
        if let Some(first) = nodes.first() {
            // Ask the closest node to puncture towards the requester (py-ipv8 truncates the
            // identifier to the puncture-request's 16 bits).
            let identifier = (p.identifier & 0xffff) as u16;
            cx.send_puncture_request(first.address, p.lan_address, peer.address(), identifier);
        }
    }
    let token = c
        .dht()
        .generate_token(peer.public_key_bin(), peer.address());
    let response = FindResponse {
        identifier: p.identifier,
        token,
        values,
        nodes: nodes.into_iter().map(NodePayload::from).collect(),
    };
    cx.ez_send(peer, &response);
    Ok(())
}

/// Nodes of a response as routing-table nodes: IPv4 only, never ourselves, at most 8.
pub(crate) fn nodes_of<C: Community>(cx: &Cx<'_, C>, nodes: Vec<NodePayload>) -> Vec<Node> {
    let me = cx.my_mid();
    nodes
        .into_iter()
        .filter(|n| matches!(n.address, SocketAddr::V4(_)))
        .map(|n| Node::new(n.public_key, n.address))
        .filter(|n| n.mid != me)
        .take(MAX_NODES_IN_FIND)
        .collect()
}

fn on_find_response<C: DhtOverlay>(
    c: &mut C,
    cx: &mut Cx<'_, C>,
    peer: &Peer,
    p: FindResponse,
) -> Result<(), DropReason> {
    let cache: FindCache = take_request(cx, p.identifier, peer, |c: &FindCache| &c.asked)?;
    ops::answered(c, cx, &cache.asked);
    let now = cx.now();
    c.dht_mut()
        .remember_token(cache.asked.node.id, p.token, now);
    let answer = if cache.force_nodes || p.values.is_empty() {
        Answer::Nodes(nodes_of(cx, p.nodes))
    } else {
        let mut values = p.values;
        values.truncate(MAX_VALUES_IN_FIND);
        Answer::Values(values)
    };
    ops::find_answered(c, cx, cache, Some(answer));
    Ok(())
}
