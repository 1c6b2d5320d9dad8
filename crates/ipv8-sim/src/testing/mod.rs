//! [`TestNetwork`]: a test harness for community authors — N nodes in one process, one
//! in-memory network, a virtual clock, deterministic by seed.
//!
//! Ports what py-ipv8's `TestBase` and `MockIPv8` (`ipv8/test/base.py`,
//! `ipv8/test/mocking/ipv8.py`) give a test: `initialize`/`add_node` (a node per call, each
//! with its own key), `introduce_nodes`, `deliver_messages`, `overlay(i)`, `my_peer`,
//! `address`. Underneath is the [`Simulator`]: no sockets, no runtime, no real clock. Time moves
//! only in [`TestNetwork::deliver_messages`] and [`TestNetwork::advance`]; every key, random
//! choice and delivery order derives from the seed, so a test either always passes or always
//! fails.
//!
//! As in `MockIPv8`, communities added with [`TestNetwork::add_node`] have no walkers and no
//! bootstrappers unless [`TestNetwork::with_walkers`] asks for them, so a test sees only the
//! traffic it causes. The `ipv8` crate re-exports this module as `ipv8::testing`, with an
//! example of a community with its own message.
//!
//! ```
//! use ipv8_proto::{CommunityConfig, CommunityId, PlainCommunity};
//! use ipv8_sim::testing::TestNetwork;
//!
//! let mut net = TestNetwork::new(7);
//! let config = CommunityConfig::new(CommunityId([1; 20]), "Plain");
//! let nodes = net.add_nodes(3, &config, |_| PlainCommunity);
//! net.introduce_nodes();
//! for &i in &nodes {
//!     assert_eq!(net.peers::<PlainCommunity>(i).len(), 2);
//! }
//! // No walkers: nothing more is sent, however long the test waits.
//! let sent = net.sim().stats().sent;
//! net.advance(std::time::Duration::from_secs(60));
//! assert_eq!(net.sim().stats().sent, sent);
//! ```

mod node;

use std::net::SocketAddr;
use std::time::Duration;

use ipv8_proto::config::{BootstrapConfig, ConfigError};
use ipv8_proto::{
    Community, CommunityConfig, CommunityId, Cx, DiscoveryStrategy, Event, Instant, Mid, Node,
    NodeConfig, Peer,
};

pub use self::node::{Datagram, TestNode};
use crate::link::LinkModel;
use crate::net::Location;
use crate::proto_node::SimCrypto;
use crate::sim::{SimConfig, Simulator};
use crate::trace::TraceDigest;

/// The port every test node listens on (each node has its own IP).
pub const TEST_PORT: u16 = 8090;

/// One-way delay of the default test link.
pub const TEST_LATENCY: Duration = Duration::from_millis(5);

/// [`TestNetwork::deliver_messages`] stops once nothing is in flight and the next timer is
/// further away than this (py-ipv8's `deliver_messages` waits 0.1 s for quiet).
pub const QUIET: Duration = Duration::from_millis(100);

/// The most virtual time one [`TestNetwork::deliver_messages`] runs.
pub const DELIVER_LIMIT: Duration = Duration::from_secs(60);

/// The most events one [`TestNetwork::deliver_messages`] runs.
pub const DELIVER_STEPS: u64 = 1_000_000;

/// N ipv8 nodes on a simulated network with a virtual clock. Nodes are numbered 0, 1, 2, …
/// in the order they were added.
///
/// Methods that take a node index panic when there is no running node with that index, and
/// the typed ones (`call`, `send_command`, `events`, …) when the node runs no community of the
/// named type: these are mistakes in the test, reported with the index and type.
pub struct TestNetwork {
    sim: Simulator<TestNode>,
    walkers: bool,
    crypto: SimCrypto,
    record: bool,
}

impl std::fmt::Debug for TestNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestNetwork")
            .field("seed", &self.sim.seed())
            .field("now", &self.sim.now())
            .field("nodes", &self.sim.host_count())
            .finish_non_exhaustive()
    }
}

impl TestNetwork {
    /// An empty network at time zero: 5 ms links without loss, real Ed25519 keys derived from
    /// `seed`, no walkers, no trackers, no datagram log.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        let config = SimConfig::new(seed).with_link(LinkModel::ideal(TEST_LATENCY));
        Self {
            sim: Simulator::new(config),
            walkers: false,
            crypto: SimCrypto::Real,
            record: false,
        }
    }

    /// Keeps the walkers and bootstrappers of the [`CommunityConfig`]s given to nodes added
    /// afterwards (py-ipv8 tests that pass `walkers` to the overlay).
    #[must_use]
    pub fn with_walkers(mut self) -> Self {
        self.walkers = true;
        self
    }

    /// Uses `model` for every link (latency, jitter, loss, duplication, reordering).
    #[must_use]
    pub fn with_link(mut self, model: LinkModel) -> Self {
        self.sim.set_default_link(model);
        self
    }

    /// Nodes added afterwards sign with the simulator's cheap signature instead of Ed25519:
    /// much faster for dynamics-only tests, and only such nodes understand each other.
    #[must_use]
    pub fn with_cheap_crypto(mut self) -> Self {
        self.crypto = SimCrypto::Cheap;
        self
    }

    /// Nodes added afterwards keep every datagram they send, for [`TestNetwork::sent`].
    #[must_use]
    pub fn with_datagram_log(mut self) -> Self {
        self.record = true;
        self
    }

    // ----- nodes -----------------------------------------------------------------------------

    /// Adds a node running `community` under `config` and returns its index (py-ipv8
    /// `TestBase.add_node`). Unless [`TestNetwork::with_walkers`] was called, the config's
    /// walkers, trackers and beacon are switched off.
    ///
    /// # Panics
    /// When the node cannot run the community (`max_peers < -1`, a walker this community type
    /// cannot run).
    pub fn add_node<C: Community>(&mut self, config: CommunityConfig, community: C) -> usize {
        let node = self.add_node_with(NodeConfig {
            communities: Vec::new(),
            bootstrap: BootstrapConfig::none(),
            ..NodeConfig::default()
        });
        if let Err(e) = self.load_community(node, config, community) {
            panic!("TestNetwork::add_node: {e}");
        }
        node
    }

    /// Adds `count` nodes running `make(i)` under `config` (py-ipv8 `TestBase.initialize`) and
    /// returns their indices.
    ///
    /// # Panics
    /// As [`TestNetwork::add_node`].
    pub fn add_nodes<C: Community>(
        &mut self,
        count: usize,
        config: &CommunityConfig,
        mut make: impl FnMut(usize) -> C,
    ) -> Vec<usize> {
        (0..count)
            .map(|i| self.add_node(config.clone(), make(i)))
            .collect()
    }

    /// Adds a node built from a full [`NodeConfig`] as given (built-in communities with their
    /// walkers, trackers, tracker mode) and returns its index.
    pub fn add_node_with(&mut self, config: NodeConfig) -> usize {
        let (crypto, record) = (self.crypto, self.record);
        let host = self.sim.add_node(Location::Public, TEST_PORT, |ctx| {
            TestNode::start(ctx, config, crypto, record)
        });
        index(host)
    }

    /// Loads one more community on a running node (py-ipv8 `IPv8.overlays.append`), with the
    /// same walker rule as [`TestNetwork::add_node`].
    ///
    /// # Errors
    /// The node already runs that community id, `max_peers < -1`, or an unsupported walker.
    pub fn load_community<C: Community>(
        &mut self,
        node: usize,
        mut config: CommunityConfig,
        community: C,
    ) -> Result<(), ConfigError> {
        if !self.walkers {
            config.walkers.clear();
            config.use_trackers = false;
            config.use_beacon = false;
        }
        let id = config.id;
        self.with_test_node(node, |n, now| {
            n.node_mut().add_community(now, config, community)?;
            n.loaded::<C>(id);
            Ok(())
        })
    }

    /// Unloads node `node`'s community of type `C` (py-ipv8 `unload_overlay`): its `unload`
    /// hook runs, its tasks and request caches end. `false` if it runs none.
    pub fn remove_community<C: Community>(&mut self, node: usize) -> bool {
        self.with_test_node(node, |n, now| {
            let Some(id) = n.community_id::<C>() else {
                return false;
            };
            let removed = n.node_mut().remove_community(now, id);
            n.unloaded(id);
            removed
        })
    }

    /// Adds a strategy to node `node`'s community of type `C`; it runs every walk interval
    /// (0.5 s) while the community has fewer than `target_peers` peers (`-1` = always).
    pub fn add_strategy<C: Community>(
        &mut self,
        node: usize,
        strategy: impl DiscoveryStrategy<C> + 'static,
        target_peers: i32,
    ) {
        let id = self.community_id::<C>(node);
        self.with_node(node, |n, _| {
            n.add_strategy(id, Box::new(strategy), target_peers)
        });
    }

    /// Number of nodes ever added.
    #[must_use]
    pub fn len(&self) -> usize {
        index(self.sim.host_count())
    }

    /// Whether no node was added yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    // ----- time ------------------------------------------------------------------------------

    /// The virtual time.
    #[must_use]
    pub fn now(&self) -> Instant {
        self.sim.now()
    }

    /// Lets the nodes talk until the network is quiet (py-ipv8 `deliver_messages`): nothing is
    /// in flight and no node's next timer is due within [`QUIET`]. Timers due meanwhile (tasks,
    /// request-cache timeouts, walks) fire. Bounded by [`DELIVER_LIMIT`] of virtual time and
    /// [`DELIVER_STEPS`] events; returns `false` when a bound ended it (a task firing more often
    /// than every [`QUIET`] keeps the network busy: use [`TestNetwork::advance`] then).
    pub fn deliver_messages(&mut self) -> bool {
        let deadline = self.sim.now() + DELIVER_LIMIT;
        for _ in 0..DELIVER_STEPS {
            let Some(next) = self.sim.next_event_at() else {
                return true;
            };
            // Time first: the in-flight count scans the queue.
            if next > self.sim.now() + QUIET && self.sim.in_flight() == 0 {
                return true;
            }
            if next > deadline {
                return false;
            }
            self.sim.step();
        }
        false
    }

    /// Moves the virtual time forward by `by`, running every delivery and timer on the way
    /// (tasks fire, request caches time out, walkers walk).
    pub fn advance(&mut self, by: Duration) {
        self.sim.run_for(by);
    }

    /// Every node walks to every other in every community it runs, then the network delivers
    /// (py-ipv8 `introduce_nodes`): afterwards each node has each other node that runs one of
    /// its communities as a verified peer there.
    pub fn introduce_nodes(&mut self) {
        let running = self.sim.running();
        for &a in &running {
            for &b in &running {
                if a != b {
                    let to = self.sim.local_addr(b);
                    self.with_node(index(a), |n, now| n.walk_to(now, to));
                }
            }
        }
        self.deliver_messages();
    }

    // ----- the communities -------------------------------------------------------------------

    /// Runs `f` on node `node`'s community of type `C` with its [`Cx`], as a handler would,
    /// and returns what it returns; what `f` sends or schedules happens as usual (py-ipv8:
    /// calling a method of `overlay(i)`).
    pub fn call<C: Community, R>(
        &mut self,
        node: usize,
        f: impl FnOnce(&mut C, &mut Cx<'_, C>) -> R,
    ) -> R {
        let id = self.community_id::<C>(node);
        self.with_node(node, |n, now| n.with_community(now, id, f))
            .unwrap_or_else(|| panic!("node {node} runs no {}", std::any::type_name::<C>()))
    }

    /// Delivers `command` to node `node`'s community of type `C` ([`Community::on_command`]).
    pub fn send_command<C: Community>(&mut self, node: usize, command: C::Command) {
        let id = self.community_id::<C>(node);
        let sent = self.with_node(node, |n, now| n.send_command(now, id, Box::new(command)));
        assert!(
            sent.is_ok(),
            "node {node} runs no {}",
            std::any::type_name::<C>()
        );
    }

    /// The events node `node`'s community of type `C` emitted ([`Cx::emit`]) since the last
    /// call, oldest first.
    pub fn events<C: Community>(&mut self, node: usize) -> Vec<C::Event> {
        let id = self.community_id::<C>(node);
        self.with_test_node(node, |n, _| n.take_community_events::<C::Event>(id))
    }

    /// Node `node`'s community of type `C` (py-ipv8 `overlay(i)`).
    #[must_use]
    pub fn community<C: Community>(&self, node: usize) -> &C {
        let id = self.community_id::<C>(node);
        self.node(node)
            .community::<C>(id)
            .unwrap_or_else(|| panic!("node {node} runs no {}", std::any::type_name::<C>()))
    }

    /// The id of node `node`'s (first) community of type `C`.
    #[must_use]
    pub fn community_id<C: Community>(&self, node: usize) -> CommunityId {
        self.test_node(node)
            .community_id::<C>()
            .unwrap_or_else(|| panic!("node {node} runs no {}", std::any::type_name::<C>()))
    }

    /// The verified peers of node `node`'s community of type `C` (py-ipv8 `get_peers`).
    #[must_use]
    pub fn peers<C: Community>(&self, node: usize) -> Vec<Peer> {
        let id = self.community_id::<C>(node);
        self.node(node)
            .network()
            .peers_for_service(id)
            .cloned()
            .collect()
    }

    /// Names of the pending tasks of node `node`'s community of type `C`.
    #[must_use]
    pub fn pending_tasks<C: Community>(&self, node: usize) -> Vec<String> {
        self.node(node).pending_tasks(self.community_id::<C>(node))
    }

    // ----- the nodes -------------------------------------------------------------------------

    /// Node `node`.
    #[must_use]
    pub fn node(&self, node: usize) -> &Node {
        self.test_node(node).node()
    }

    /// Runs `f` on node `node` at the current time (an application call such as `walk_to` or
    /// `handle_network_change`), then sends what it queued.
    pub fn with_node<R>(&mut self, node: usize, f: impl FnOnce(&mut Node, Instant) -> R) -> R {
        self.with_test_node(node, |n, now| f(n.node_mut(), now))
    }

    /// Node `node`'s member id (py-ipv8 `my_peer.mid`).
    #[must_use]
    pub fn mid(&self, node: usize) -> Mid {
        self.node(node).my_mid()
    }

    /// Node `node`'s public key bin (py-ipv8 `my_peer.public_key.key_to_bin()`).
    #[must_use]
    pub fn public_key(&self, node: usize) -> Vec<u8> {
        self.node(node).my_public_key().to_vec()
    }

    /// Node `node`'s socket address (py-ipv8 `endpoint.wan_address`).
    #[must_use]
    pub fn address(&self, node: usize) -> SocketAddr {
        self.test_node(node).address()
    }

    /// The node events (peers added and removed, bootstrapping, WAN changes) of node `node`
    /// since the last call, oldest first.
    pub fn node_events(&mut self, node: usize) -> Vec<Event> {
        self.with_test_node(node, |n, _| n.take_events())
    }

    /// The datagrams node `node` sent, oldest first (empty without
    /// [`TestNetwork::with_datagram_log`]).
    #[must_use]
    pub fn sent(&self, node: usize) -> &[Datagram] {
        self.test_node(node).sent()
    }

    /// Starts (`true`) or stops recording the datagrams node `node` sends, whatever
    /// [`TestNetwork::with_datagram_log`] said when it was added; stopping drops its log. For
    /// large networks that measure the traffic of one phase only.
    pub fn set_datagram_log(&mut self, node: usize, on: bool) {
        self.with_test_node(node, |n, _| n.set_recording(on));
    }

    /// Takes the datagrams node `node` sent since it started recording or since the last take,
    /// oldest first, leaving its log empty (it keeps recording): bounds the memory of a long
    /// recording.
    pub fn take_sent(&mut self, node: usize) -> Vec<Datagram> {
        self.with_test_node(node, |n, _| n.take_sent())
    }

    /// The datagrams node `from` sent to node `to`'s address.
    #[must_use]
    pub fn sent_between(&self, from: usize, to: usize) -> Vec<&Datagram> {
        let to = self.address(to);
        self.sent(from).iter().filter(|d| d.to == to).collect()
    }

    // ----- faults ----------------------------------------------------------------------------

    /// Cuts the network into groups: nodes in `groups[i]` only reach nodes of the same group;
    /// nodes in no group form one more group. Replaces any previous partition.
    pub fn partition(&mut self, groups: &[&[usize]]) {
        let groups: Vec<Vec<u32>> = groups
            .iter()
            .map(|g| g.iter().map(|&i| host(i)).collect())
            .collect();
        let refs: Vec<&[u32]> = groups.iter().map(Vec::as_slice).collect();
        self.sim.partition(&refs);
    }

    /// Removes every partition.
    pub fn heal(&mut self) {
        self.sim.heal();
    }

    /// Stops node `node`: its address goes dead, its state is gone.
    pub fn crash(&mut self, node: usize) {
        self.sim.crash(host(node));
    }

    /// Starts a crashed (or running: it is crashed first) node again at the same address with
    /// the same key, built from `config` as [`TestNetwork::add_node_with`] does.
    pub fn restart(&mut self, node: usize, config: NodeConfig) {
        let (crypto, record) = (self.crypto, self.record);
        self.sim
            .restart(host(node), crate::control::Restart::SameSeed, |ctx| {
                TestNode::start(ctx, config, crypto, record)
            });
    }

    // ----- the simulator ---------------------------------------------------------------------

    /// The trace digest so far: equal digests mean byte-identical runs.
    #[must_use]
    pub fn digest(&self) -> TraceDigest {
        self.sim.digest()
    }

    /// The simulator underneath (counters, trace).
    #[must_use]
    pub fn sim(&self) -> &Simulator<TestNode> {
        &self.sim
    }

    /// The simulator underneath, mutably (link overrides, NATs, injected datagrams).
    pub fn sim_mut(&mut self) -> &mut Simulator<TestNode> {
        &mut self.sim
    }

    fn test_node(&self, node: usize) -> &TestNode {
        self.sim
            .node(host(node))
            .unwrap_or_else(|| panic!("no running node {node}"))
    }

    fn with_test_node<R>(&mut self, node: usize, f: impl FnOnce(&mut TestNode, Instant) -> R) -> R {
        self.sim
            .with_node(host(node), |n, now| {
                n.now = now;
                f(n, now)
            })
            .unwrap_or_else(|| panic!("no running node {node}"))
    }
}

fn host(node: usize) -> u32 {
    u32::try_from(node).unwrap_or(u32::MAX)
}

fn index(host: u32) -> usize {
    usize::try_from(host).unwrap_or(usize::MAX)
}
