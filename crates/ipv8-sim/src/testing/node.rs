//! [`TestNode`]: one node of a [`TestNetwork`](super::TestNetwork) — an `ipv8_proto::Node` as
//! a [`SimNode`], with the node events, community events and (optionally) sent datagrams it
//! produced kept for the test to read.

use std::any::{Any, TypeId};
use std::net::SocketAddr;

use ipv8_proto::config::CommunityKind;
use ipv8_proto::{
    Community, CommunityId, DiscoveryCommunity, Event, Instant, Node, NodeConfig, PlainCommunity,
};

use crate::node::{NodeCtx, SimNode, SimOutput};
use crate::proto_node::{ProtoNode, SimCrypto};
use crate::time::SimTime;

/// A datagram a node sent, as recorded by [`TestNetwork::sent`](super::TestNetwork::sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    /// When it was sent.
    pub at: Instant,
    /// The sender's socket address.
    pub from: SocketAddr,
    /// The destination.
    pub to: SocketAddr,
    /// The datagram.
    pub bytes: Vec<u8>,
}

impl Datagram {
    /// The message id (byte 22, after the 22-byte prefix); `None` for a shorter datagram.
    #[must_use]
    pub fn msg_id(&self) -> Option<u8> {
        self.bytes.get(22).copied()
    }
}

/// A community event not yet taken by the test.
type Pending = (CommunityId, Box<dyn Any + Send>);

/// One node of a test network.
pub struct TestNode {
    proto: ProtoNode,
    address: SocketAddr,
    /// The time of the latest input (when queued outputs were made).
    pub(crate) now: Instant,
    /// Loaded communities and the type each was loaded as.
    communities: Vec<(CommunityId, TypeId)>,
    /// Sent datagrams, when recording.
    sent: Option<Vec<Datagram>>,
    events: Vec<Event>,
    community_events: Vec<Pending>,
}

impl TestNode {
    /// Starts a node for the host described by `ctx`.
    pub(crate) fn start(
        ctx: &NodeCtx,
        config: NodeConfig,
        crypto: SimCrypto,
        record_datagrams: bool,
    ) -> Self {
        let communities = config
            .communities
            .iter()
            .map(|c| {
                let ty = match c.kind {
                    CommunityKind::Discovery => TypeId::of::<DiscoveryCommunity>(),
                    CommunityKind::Plain => TypeId::of::<PlainCommunity>(),
                };
                (c.id, ty)
            })
            .collect();
        Self {
            proto: ProtoNode::start(ctx, config, crypto),
            address: ctx.local,
            now: ctx.now,
            communities,
            sent: record_datagrams.then(Vec::new),
            events: Vec::new(),
            community_events: Vec::new(),
        }
    }

    /// The node.
    #[must_use]
    pub fn node(&self) -> &Node {
        self.proto.node()
    }

    /// The node, mutably.
    pub(crate) fn node_mut(&mut self) -> &mut Node {
        self.proto.node_mut()
    }

    /// The node's socket address.
    #[must_use]
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The id of the first loaded community of type `C`.
    #[must_use]
    pub fn community_id<C: Community>(&self) -> Option<CommunityId> {
        let ty = TypeId::of::<C>();
        self.communities
            .iter()
            .find(|(_, t)| *t == ty)
            .map(|(id, _)| *id)
    }

    pub(crate) fn loaded<C: Community>(&mut self, id: CommunityId) {
        self.communities.push((id, TypeId::of::<C>()));
    }

    pub(crate) fn unloaded(&mut self, id: CommunityId) {
        self.communities.retain(|(c, _)| *c != id);
        self.community_events.retain(|(c, _)| *c != id);
    }

    /// The datagrams this node sent (empty unless recording).
    #[must_use]
    pub fn sent(&self) -> &[Datagram] {
        self.sent.as_deref().unwrap_or_default()
    }

    /// Starts (`true`) or stops recording the datagrams this node sends; stopping drops what
    /// was recorded.
    pub fn set_recording(&mut self, on: bool) {
        match (on, self.sent.is_some()) {
            (true, false) => self.sent = Some(Vec::new()),
            (false, true) => self.sent = None,
            _ => {}
        }
    }

    /// Takes the datagrams recorded so far, leaving the log empty (still recording).
    pub fn take_sent(&mut self) -> Vec<Datagram> {
        self.sent.as_mut().map(std::mem::take).unwrap_or_default()
    }

    pub(crate) fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Takes the pending events of community `id`, downcast to `E`.
    pub(crate) fn take_community_events<E: 'static>(&mut self, id: CommunityId) -> Vec<E> {
        while let Some(pending) = self.proto.node_mut().poll_community_event() {
            self.community_events.push(pending);
        }
        let (mine, rest): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.community_events)
            .into_iter()
            .partition(|(c, e)| *c == id && e.is::<E>());
        self.community_events = rest;
        mine.into_iter()
            .filter_map(|(_, e)| e.downcast::<E>().ok().map(|e| *e))
            .collect()
    }
}

impl SimNode for TestNode {
    type Event = Event;

    fn handle_datagram(&mut self, now: SimTime, from: SocketAddr, data: &[u8]) {
        self.now = now;
        self.proto.handle_datagram(now, from, data);
    }

    fn handle_timeout(&mut self, now: SimTime) {
        self.now = now;
        self.proto.handle_timeout(now);
    }

    fn handle_send_failed(&mut self, now: SimTime, to: SocketAddr) {
        self.now = now;
        self.proto.handle_send_failed(now, to);
    }

    fn handle_address_change(&mut self, now: SimTime, local: SocketAddr, prefix_len: u8) {
        self.address = local;
        self.now = now;
        self.proto.handle_address_change(now, local, prefix_len);
    }

    fn handle_resolved(&mut self, now: SimTime, host: &str, port: u16, addrs: &[SocketAddr]) {
        self.now = now;
        self.proto.handle_resolved(now, host, port, addrs);
    }

    fn poll_output(&mut self) -> Option<SimOutput<Event>> {
        let out = self.proto.poll_output()?;
        match &out {
            SimOutput::Transmit { to, bytes } => {
                if let Some(sent) = &mut self.sent {
                    sent.push(Datagram {
                        at: self.now,
                        from: self.address,
                        to: *to,
                        bytes: bytes.clone(),
                    });
                }
            }
            SimOutput::Event(e) => self.events.push(e.clone()),
            SimOutput::Broadcast { .. } | SimOutput::Resolve { .. } => {}
        }
        Some(out)
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        self.proto.poll_timeout()
    }
}
