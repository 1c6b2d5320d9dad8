//! Testing communities: N nodes in one process on an in-memory network with a virtual clock,
//! deterministic by seed — py-ipv8's `TestBase` and `MockIPv8`.
//!
//! [`TestNetwork`] runs real [`Node`](crate::Node)s (real keys, real signatures, the real
//! introduction walk) on the `ipv8-sim` simulator: no sockets, no tokio, no wall clock. Use it
//! from a plain `#[test]`:
//!
//! | py-ipv8 `TestBase` | here |
//! | --- | --- |
//! | `initialize(MyCommunity, 2)` | [`TestNetwork::new`], then [`TestNetwork::add_nodes`] or [`TestNetwork::add_node`] |
//! | `introduce_nodes()` | [`TestNetwork::introduce_nodes`] |
//! | `deliver_messages()` | [`TestNetwork::deliver_messages`] |
//! | `overlay(i).method(...)` | [`TestNetwork::call`], [`TestNetwork::send_command`], [`TestNetwork::community`] |
//! | `my_peer(i)`, `address(i)`, `key_bin(i)` | [`TestNetwork::mid`], [`TestNetwork::address`], [`TestNetwork::public_key`] |
//! | `asyncio.sleep(t)` | [`TestNetwork::advance`] (tasks fire, request caches time out) |
//! | `MockIPv8(..., walkers)` | [`TestNetwork::with_walkers`] (off by default) |
//!
//! Each node has its own public address (`20.0.0.x:8090`) and key; links are ideal 5 ms links
//! unless [`TestNetwork::with_link`] says otherwise. Node-level tests can add nodes from a full
//! [`NodeConfig`](crate::NodeConfig) (trackers, built-in communities with their walkers:
//! [`TestNetwork::add_node_with`]), record datagrams ([`TestNetwork::with_datagram_log`]),
//! partition the network and crash or restart nodes.
//!
//! Events a community emits ([`Cx::emit`](crate::Cx::emit)) are collected per node:
//! [`TestNetwork::events`]. Every key and random choice derives from the seed: the same seed
//! gives the same run, byte for byte ([`TestNetwork::digest`]).
//!
//! ```
//! use ipv8::prelude::*;
//! use ipv8::testing::TestNetwork;
//!
//! /// One signed message: a greeting.
//! #[derive(Payload, Debug, Clone, PartialEq)]
//! #[payload(id = 1, signed)]
//! struct Greeting {
//!     text: String,
//! }
//!
//! /// Sends a greeting to every peer on command; reports each one it receives.
//! #[derive(Default)]
//! struct Greeter;
//!
//! impl Community for Greeter {
//!     type Command = String;
//!     type Event = (Mid, String);
//!
//!     fn handlers(h: &mut Handlers<Self>) {
//!         h.signed(Self::on_greeting);
//!     }
//!
//!     fn on_command(&mut self, cx: &mut Cx<'_, Self>, text: String) {
//!         cx.broadcast(&Greeting { text });
//!     }
//! }
//!
//! impl Greeter {
//!     fn on_greeting(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, greeting: Greeting) {
//!         cx.emit((peer.mid(), greeting.text));
//!     }
//! }
//!
//! const ID: CommunityId = CommunityId([7; 20]);
//!
//! let mut net = TestNetwork::new(42);
//! let a = net.add_node(CommunityConfig::new(ID, "Greeter"), Greeter);
//! let b = net.add_node(CommunityConfig::new(ID, "Greeter"), Greeter);
//! net.introduce_nodes();
//! assert_eq!(net.peers::<Greeter>(a).len(), 1);
//!
//! net.send_command::<Greeter>(a, "hello".to_owned());
//! assert!(net.deliver_messages());
//!
//! let from_a = net.mid(a);
//! assert_eq!(net.events::<Greeter>(b), vec![(from_a, "hello".to_owned())]);
//! assert!(net.events::<Greeter>(a).is_empty());
//! ```

pub use ipv8_sim::testing::{
    DELIVER_LIMIT, DELIVER_STEPS, Datagram, QUIET, TEST_LATENCY, TEST_PORT, TestNetwork, TestNode,
};
pub use ipv8_sim::{LinkModel, NetStats, Simulator, TraceDigest};
