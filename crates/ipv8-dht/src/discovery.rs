//! [`DhtDiscoveryCommunity`]: py-ipv8 `DHTDiscoveryCommunity` — the DHT plus finding a peer's
//! address by member id.
//!
//! Ports `ipv8/dht/discovery.py`. Every 30 s a node asks the nodes closest to its member id to
//! store it (store-peer, until 4 do); [`DhtDiscoveryCommunity::connect_peer`] finds those nodes
//! and asks them to introduce us (connect-peer: they send puncture-requests to the stored peer
//! and answer with its address). Every 10 s the nodes storing us are pinged (bad ones
//! forgotten) and stored peers silent for 60 s are forgotten.
//!
//! Bounded where py-ipv8 is not: at most [`MAX_STORED_PEERS`] member ids stored, 8 nodes each;
//! store-peer and connect-peer requests count against the sender's query rate limit.

use std::collections::BTreeMap;
use std::time::Duration;

use ipv8::prelude::*;

use crate::community::{
    DhtCommunity, DhtError, DhtOverlay, DhtResponse, Op, Task, Then, start_tasks,
};
use crate::handlers::{nodes_of, refused, requesting_node, take_request};
use crate::payload::{
    ConnectPeerRequest, ConnectPeerResponse, NodePayload, StorePeerRequest, StorePeerResponse,
};
use crate::requests::{Asked, ConnectPeerCache, StorePeerCache};
use crate::routing::{Node, NodeStatus};
use crate::{MAX_NODES_IN_FIND, PING_INTERVAL, TARGET_NODES, handlers, ops};

/// Member ids whose nodes we store at most.
pub const MAX_STORED_PEERS: usize = 4096;
/// A stored peer is forgotten after this long without a query (py-ipv8: 60 s).
pub const STORED_PEER_TIMEOUT: Duration = Duration::from_secs(60);

/// A DHTDiscoveryCommunity lookup waiting for its crawl.
pub struct PeerLookup(pub(crate) Lookup);

pub(crate) enum Lookup {
    /// Ask the nodes found to store us under `key`.
    Store([u8; 20]),
    /// Ask the nodes found to connect us to `key`.
    Connect([u8; 20], Reply<Result<Vec<Node>, DhtError>>),
}

impl PeerLookup {
    pub(crate) fn fail(self, error: DhtError) {
        if let Lookup::Connect(_, reply) = self.0 {
            let _ = reply.send(Err(error));
        }
    }

    /// The peer pinged before a connect-peer lookup answered: it is reachable as `node`.
    pub(crate) fn reached(self, node: Node) {
        if let Lookup::Connect(_, reply) = self.0 {
            let _ = reply.send(Ok(vec![node]));
        }
    }

    /// The peer pinged before a connect-peer lookup did not answer: look it up in the DHT.
    pub(crate) fn unreachable<C: DhtOverlay>(self, c: &mut C, cx: &mut Cx<'_, C>) {
        let key = match &self.0 {
            Lookup::Store(key) | Lookup::Connect(key, _) => *key,
        };
        ops::start_crawl(c, cx, key, true, 0, Then::Peer(self));
    }
}

/// py-ipv8's DHTDiscoveryCommunity (what py-ipv8 loads by default).
#[derive(Debug, Default)]
pub struct DhtDiscoveryCommunity {
    dht: DhtCommunity,
    /// Nodes that stored themselves here, by member id.
    store: BTreeMap<[u8; 20], Vec<Node>>,
    /// Nodes that store us, by key (our member id).
    store_for_me: BTreeMap<[u8; 20], Vec<Node>>,
}

impl DhtDiscoveryCommunity {
    /// A DHTDiscoveryCommunity around a fresh [`DhtCommunity`].
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Nodes that stored themselves here, by member id.
    #[must_use]
    pub fn stored_peers(&self) -> &BTreeMap<[u8; 20], Vec<Node>> {
        &self.store
    }

    /// Nodes that confirmed they store us, by key.
    #[must_use]
    pub fn storing_us(&self) -> &BTreeMap<[u8; 20], Vec<Node>> {
        &self.store_for_me
    }

    /// Finds the address of the peer with member id `mid` (py-ipv8 `connect_peer`, without
    /// the optional direct ping): the nodes we store for it, else the nodes that the nodes
    /// closest to `mid` store for it (they also ask it to puncture towards us).
    pub fn connect_peer(&mut self, cx: &mut Cx<'_, Self>, mid: Mid) -> DhtResponse<Vec<Node>> {
        let (reply, response) = reply_channel();
        match self.store.get(&mid.0) {
            Some(nodes) if !nodes.is_empty() => {
                let _ = reply.send(Ok(nodes.clone()));
            }
            _ => {
                let lookup = PeerLookup(Lookup::Connect(mid.0, reply));
                ops::start_crawl(self, cx, mid.0, true, 0, Then::Peer(lookup));
            }
        }
        response
    }

    /// py-ipv8 `store_peer`: unless 4 nodes store us already, find the closest nodes to our
    /// member id and ask them to store us.
    pub fn store_peer(&mut self, cx: &mut Cx<'_, Self>) {
        let key = cx.my_mid().0;
        if self.store_for_me.get(&key).map_or(0, Vec::len) >= TARGET_NODES / 2 {
            return;
        }
        ops::start_crawl(
            self,
            cx,
            key,
            true,
            0,
            Then::Peer(PeerLookup(Lookup::Store(key))),
        );
    }

    fn send_store_peer_requests(&mut self, cx: &mut Cx<'_, Self>, key: [u8; 20], nodes: Vec<Node>) {
        let now = cx.now();
        let op = self.dht.fresh_id();
        let mut pending = 0;
        for node in nodes.into_iter().take(TARGET_NODES) {
            let known = self.store_for_me.get(&key);
            if known.is_some_and(|ns| ns.iter().any(|n| n.id == node.id)) {
                continue;
            }
            // py-ipv8 does not check the token's age here.
            let Some((_, token)) = self.dht.tokens.get(&node.id).copied() else {
                continue;
            };
            let to = node.address;
            let number = cx.add_cache(StorePeerCache {
                asked: Asked::new(node, now),
                key,
                op,
            });
            let identifier = u32::try_from(number).unwrap_or_default();
            cx.send_to(
                to,
                &StorePeerRequest {
                    identifier,
                    token,
                    target: key,
                },
            );
            pending += 1;
        }
        if pending > 0 {
            self.dht.ops.insert(op, Op::StorePeer { pending });
        }
    }

    fn send_connect_peer_requests(
        &mut self,
        cx: &mut Cx<'_, Self>,
        key: [u8; 20],
        nodes: Vec<Node>,
        reply: Reply<Result<Vec<Node>, DhtError>>,
    ) {
        if nodes.is_empty() {
            let _ = reply.send(Err(DhtError::NoNodes));
            return;
        }
        let now = cx.now();
        let op = self.dht.fresh_id();
        let mut pending = 0;
        for node in nodes.into_iter().take(TARGET_NODES) {
            let to = node.address;
            let number = cx.add_cache(ConnectPeerCache {
                asked: Asked::new(node, now),
                op,
            });
            let request = ConnectPeerRequest {
                identifier: u32::try_from(number).unwrap_or_default(),
                lan_address: std::net::SocketAddr::V4(cx.lan_estimate()),
                target: key,
            };
            cx.send_to(to, &request);
            pending += 1;
        }
        let found = Vec::new();
        let reply = Some(reply);
        self.dht.ops.insert(
            op,
            Op::ConnectPeer {
                pending,
                found,
                reply,
            },
        );
    }

    /// py-ipv8 `ping_all`: pings the nodes storing us every [`PING_INTERVAL`] and forgets bad
    /// ones; forgets stored peers that were silent for [`STORED_PEER_TIMEOUT`].
    fn ping_all(&mut self, cx: &mut Cx<'_, Self>) {
        let now = cx.now();
        let mut due = Vec::new();
        for nodes in self.store_for_me.values_mut() {
            nodes.retain(|n| n.status(now) != NodeStatus::Bad);
            for n in nodes.iter_mut() {
                if n.last_ping_sent.is_none_or(|at| at + PING_INTERVAL <= now) {
                    n.last_ping_sent = Some(now);
                    due.push(n.clone());
                }
            }
        }
        for node in due {
            ops::ping(self, cx, &node);
        }
        for nodes in self.store.values_mut() {
            nodes.retain(|n| {
                n.last_query()
                    .is_some_and(|at| now - at <= STORED_PEER_TIMEOUT)
            });
        }
        self.store.retain(|_, nodes| !nodes.is_empty());
        self.store_for_me.retain(|_, nodes| !nodes.is_empty());
    }

    fn on_store_peer_request(
        &mut self,
        cx: &mut Cx<'_, Self>,
        peer: &Peer,
        p: StorePeerRequest,
    ) -> Result<(), DropReason> {
        let mut node = requesting_node(self, cx, peer)?;
        if !self
            .dht
            .check_token(peer.public_key_bin(), peer.address(), &p.token)
        {
            return Err(refused("dht_bad_token"));
        }
        if p.target != peer.mid().0 {
            return Err(refused("dht_store_peer_foreign_key"));
        }
        if self.store.len() >= MAX_STORED_PEERS && !self.store.contains_key(&p.target) {
            return Err(refused("dht_stored_peers_full"));
        }
        let nodes = self.store.entry(p.target).or_default();
        if !nodes.iter().any(|n| n.id == node.id) {
            if nodes.len() >= MAX_NODES_IN_FIND {
                nodes.remove(0);
            }
            node.last_queries.clear();
            node.record_query(cx.now());
            nodes.push(node);
        }
        let identifier = p.identifier;
        cx.ez_send(peer, &StorePeerResponse { identifier });
        Ok(())
    }

    fn on_store_peer_response(
        &mut self,
        cx: &mut Cx<'_, Self>,
        peer: &Peer,
        p: StorePeerResponse,
    ) -> Result<(), DropReason> {
        let cache: StorePeerCache =
            take_request(cx, p.identifier, peer, |c: &StorePeerCache| &c.asked)?;
        ops::answered(self, cx, &cache.asked);
        let nodes = self.store_for_me.entry(cache.key).or_default();
        if !nodes.iter().any(|n| n.id == cache.asked.node.id) && nodes.len() < TARGET_NODES {
            nodes.push(cache.asked.node.clone());
        }
        ops::resolve(self, cache.op, Some(vec![cache.asked.node]));
        Ok(())
    }

    fn on_connect_peer_request(
        &mut self,
        cx: &mut Cx<'_, Self>,
        peer: &Peer,
        p: ConnectPeerRequest,
    ) -> Result<(), DropReason> {
        requesting_node(self, cx, peer)?;
        let nodes: Vec<Node> = self
            .store
            .get(&p.target)
            .map(|ns| ns.iter().take(MAX_NODES_IN_FIND).cloned().collect())
            .unwrap_or_default();
        let identifier = (p.identifier & 0xffff) as u16;
        for node in &nodes {
            cx.send_puncture_request(node.address, p.lan_address, peer.address(), identifier);
        }
        let response = ConnectPeerResponse {
            identifier: p.identifier,
            nodes: nodes.into_iter().map(NodePayload::from).collect(),
        };
        cx.ez_send(peer, &response);
        Ok(())
    }

    fn on_connect_peer_response(
        &mut self,
        cx: &mut Cx<'_, Self>,
        peer: &Peer,
        p: ConnectPeerResponse,
    ) -> Result<(), DropReason> {
        let cache: ConnectPeerCache =
            take_request(cx, p.identifier, peer, |c: &ConnectPeerCache| &c.asked)?;
        ops::answered(self, cx, &cache.asked);
        let nodes = nodes_of(cx, p.nodes);
        ops::resolve(self, cache.op, Some(nodes));
        Ok(())
    }
}

impl DhtOverlay for DhtDiscoveryCommunity {
    fn dht(&self) -> &DhtCommunity {
        &self.dht
    }

    fn dht_mut(&mut self) -> &mut DhtCommunity {
        &mut self.dht
    }

    fn on_ping_request(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer) {
        let now = cx.now();
        let key = peer.public_key_bin();
        for node in self.store.values_mut().flatten() {
            if node.public_key == key {
                node.record_query(now);
            }
        }
    }

    fn on_ping_result(&mut self, cx: &mut Cx<'_, Self>, node: &Node, answered: bool) {
        let now = cx.now();
        for n in self.store_for_me.values_mut().flatten() {
            if n.public_key == node.public_key {
                if answered {
                    n.last_response = Some(now);
                    n.failed = 0;
                } else {
                    n.failed += 1;
                }
            }
        }
    }

    fn on_peer_lookup(&mut self, cx: &mut Cx<'_, Self>, lookup: PeerLookup, nodes: Vec<Node>) {
        match lookup.0 {
            Lookup::Store(key) => self.send_store_peer_requests(cx, key, nodes),
            Lookup::Connect(key, reply) => self.send_connect_peer_requests(cx, key, nodes, reply),
        }
    }
}

impl Community for DhtDiscoveryCommunity {
    type Command = ();
    type Event = ();

    fn handlers(h: &mut Handlers<Self>) {
        handlers::register(h);
        h.signed(Self::on_store_peer_request)
            .signed(Self::on_store_peer_response)
            .signed(Self::on_connect_peer_request)
            .signed(Self::on_connect_peer_response);
    }

    fn started(&mut self, cx: &mut Cx<'_, Self>) {
        start_tasks(cx);
        let tasks: [(&str, u64, Task<Self>); 2] = [
            ("store_peer", 30, |c, cx| c.store_peer(cx)),
            ("ping_all", 10, |c, cx| c.ping_all(cx)),
        ];
        for (name, secs, task) in tasks {
            let interval = Duration::from_secs(secs);
            if let Err(e) = cx.register_task(name, interval, Some(interval), task) {
                tracing::warn!(%e, "dht: task not registered");
            }
        }
    }

    fn introduction_request_callback(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, _: &[u8]) {
        ops::on_node_discovered(self, cx, peer.public_key_bin(), peer.address());
    }

    fn introduction_response_callback(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, _: &[u8]) {
        ops::on_node_discovered(self, cx, peer.public_key_bin(), peer.address());
    }
}
