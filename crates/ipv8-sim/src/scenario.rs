//! Ready-made worlds of `ipv8_proto::Node`s for scenario tests and the benchmark: trackers plus
//! peers in one community, and the measurements the scenarios assert on.

use std::net::SocketAddr;
use std::time::Duration;

use ipv8_proto::config::BootstrapConfig;
use ipv8_proto::{CommunityId, Node, NodeConfig};

use crate::link::LinkModel;
use crate::metrics::Summary;
use crate::net::Location;
use crate::node::NodeCtx;
use crate::proto_node::{ProtoNode, SimCrypto};
use crate::sim::{SimConfig, Simulator};
use crate::time::SimTime;

/// Port every simulated node binds.
pub const NODE_PORT: u16 = 8090;
/// Port every simulated tracker binds.
pub const TRACKER_PORT: u16 = 6421;

/// How to build a [`World`].
#[derive(Clone, Debug)]
pub struct WorldConfig {
    /// Master seed.
    pub seed: u64,
    /// Number of (non-tracker) nodes.
    pub nodes: u32,
    /// Number of tracker-mode nodes; node `i` bootstraps from tracker `i % trackers`.
    pub trackers: u32,
    /// Default link model.
    pub link: LinkModel,
    /// Real or cheap signatures.
    pub crypto: SimCrypto,
    /// Statistics on (for every community) or off.
    pub statistics: bool,
    /// Nodes join evenly spread over this span (zero: all at time zero).
    pub join_spread: Duration,
    /// Node configuration template (trackers and statistics are filled in per node).
    pub node_config: NodeConfig,
    /// Keep trace records as text (0 = digest only).
    pub trace_log: usize,
}

impl WorldConfig {
    /// `nodes` nodes and 3 trackers, 50 ms ± 20 ms links with 1 % loss, real crypto,
    /// statistics on, py-ipv8's default DiscoveryCommunity, joins spread over 1 s.
    #[must_use]
    pub fn new(seed: u64, nodes: u32) -> Self {
        Self {
            seed,
            nodes,
            trackers: 3,
            link: LinkModel::wan(Duration::from_millis(50), Duration::from_millis(20), 0.01),
            crypto: SimCrypto::Real,
            statistics: true,
            join_spread: Duration::from_secs(1),
            node_config: NodeConfig::default(),
            trace_log: 0,
        }
    }

    /// Same config with cheap signatures.
    #[must_use]
    pub fn cheap(mut self) -> Self {
        self.crypto = SimCrypto::Cheap;
        self
    }
}

/// A simulation of trackers and peers running one community.
pub struct World {
    /// The simulator.
    pub sim: Simulator<ProtoNode>,
    /// Host indices of the trackers.
    pub trackers: Vec<u32>,
    /// Host indices of the peers.
    pub peers: Vec<u32>,
    /// The community under test (the first configured community).
    pub community: CommunityId,
    /// The configuration used.
    pub config: WorldConfig,
}

impl World {
    /// Builds the world: trackers first (hosts `0..trackers`), then the peers, joining over
    /// `join_spread` (the clock advances while they join).
    ///
    /// # Panics
    /// When the node template configures no community.
    #[must_use]
    pub fn build(config: WorldConfig) -> Self {
        let mut sim = Simulator::new(SimConfig {
            trace_log: config.trace_log,
            ..SimConfig::new(config.seed).with_link(config.link)
        });
        let crypto = config.crypto;
        let trackers: Vec<u32> = (0..config.trackers)
            .map(|_| {
                let mut tc = NodeConfig::tracker();
                tc.statistics = config.statistics;
                sim.add_node(Location::Public, TRACKER_PORT, |c| {
                    ProtoNode::start(c, tc, crypto)
                })
            })
            .collect();
        let tracker_addrs: Vec<SocketAddr> = trackers.iter().map(|&t| sim.local_addr(t)).collect();
        let community = config
            .node_config
            .communities
            .first()
            .expect("a community")
            .id;
        let mut world = Self {
            sim,
            trackers,
            peers: Vec::new(),
            community,
            config,
        };
        let (n, spread) = (world.config.nodes, world.config.join_spread);
        for i in 0..n {
            let at = SimTime::ZERO + spread.mul_f64(f64::from(i) / f64::from(n.max(1)));
            world.sim.run_until(at);
            let tracker = tracker_addrs
                .get(i as usize % tracker_addrs.len().max(1))
                .copied();
            let host = world.add_peer(Location::Public, tracker);
            world.peers.push(host);
        }
        world
    }

    /// The node configuration for a peer bootstrapping from `tracker`.
    #[must_use]
    pub fn peer_config(&self, tracker: Option<SocketAddr>) -> NodeConfig {
        let mut nc = self.config.node_config.clone();
        nc.bootstrap = BootstrapConfig::trackers(&tracker.into_iter().collect::<Vec<_>>());
        nc.statistics = self.config.statistics;
        nc
    }

    /// Adds one more peer at `location` bootstrapping from `tracker` (not added to `peers`).
    pub fn add_peer(&mut self, location: Location, tracker: Option<SocketAddr>) -> u32 {
        let nc = self.peer_config(tracker);
        let crypto = self.config.crypto;
        self.sim.add_node(location, NODE_PORT, move |c: &NodeCtx| {
            ProtoNode::start(c, nc, crypto)
        })
    }

    /// The proto node of `host` (`None` when crashed).
    #[must_use]
    pub fn node(&self, host: u32) -> Option<&Node> {
        self.sim.node(host).map(ProtoNode::node)
    }

    /// Verified peers of `host` in the community under test (0 when crashed).
    #[must_use]
    pub fn peer_count(&self, host: u32) -> usize {
        self.node(host)
            .map_or(0, |n| n.network().count_for_service(self.community))
    }

    /// Peer counts of every running peer.
    #[must_use]
    pub fn peer_counts(&self) -> Vec<usize> {
        self.peers
            .iter()
            .filter(|&&h| self.sim.node(h).is_some())
            .map(|&h| self.peer_count(h))
            .collect()
    }

    /// Summary of [`World::peer_counts`].
    #[must_use]
    pub fn peer_summary(&self) -> Summary {
        Summary::of_counts(self.peer_counts())
    }

    /// The smallest peer count of a running peer (0 when none runs).
    #[must_use]
    pub fn min_peers(&self) -> usize {
        self.peer_counts().into_iter().min().unwrap_or(0)
    }

    /// Runs until every running peer has at least `k` verified peers (checked every 500 ms) or
    /// `limit`; returns the time it first held.
    pub fn run_until_min_peers(&mut self, k: usize, limit: SimTime) -> Option<SimTime> {
        let community = self.community;
        let peers = self.peers.clone();
        self.sim
            .run_until_cond(limit, Duration::from_millis(500), |sim| {
                peers.iter().all(|&h| {
                    sim.node(h)
                        .is_none_or(|n| n.node().network().count_for_service(community) >= k)
                })
            })
    }
}
