//! Node and community configuration, with py-ipv8 3.2.1 defaults.
//!
//! Mirrors the parts of py-ipv8 `configuration.py` (`default` dict, `DISPERSY_BOOTSTRAPPER`,
//! `get_default_configuration`) and the constructor defaults of `peerdiscovery/discovery.py`,
//! `peerdiscovery/churn.py`, `community.py` (`max_peers`) and `bootstrapping/**` that the
//! sans-IO node needs. Parsing a config file is the job of `ipv8-node`.

use std::fmt;
use std::net::{SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;

use ipv8_crypto::Mid;
use ipv8_wire::CommunityId;

use crate::crypto::Identity;

use crate::network::NetworkLimits;

/// py-ipv8 `DEFAULT_MAX_PEERS`.
pub const DEFAULT_MAX_PEERS: i32 = 30;

/// The default bootstrap IPs of py-ipv8 3.2.1 (`configuration.py`, in order).
pub const DEFAULT_TRACKER_IPS: [([u8; 4], u16); 13] = [
    ([130, 161, 119, 206], 6421),
    ([130, 161, 119, 206], 6422),
    ([131, 180, 27, 155], 6423),
    ([131, 180, 27, 156], 6424),
    ([131, 180, 27, 161], 6427),
    ([131, 180, 27, 161], 6521),
    ([131, 180, 27, 161], 6522),
    ([131, 180, 27, 162], 6523),
    ([131, 180, 27, 162], 6524),
    ([130, 161, 119, 215], 6525),
    ([130, 161, 119, 215], 6526),
    ([130, 161, 119, 201], 6527),
    ([130, 161, 119, 201], 6528),
];

/// The default bootstrap DNS names of py-ipv8 3.2.1 (in order).
pub const DEFAULT_TRACKER_NAMES: [(&str, u16); 7] = [
    ("dispersy1.tribler.org", 6421),
    ("dispersy1.st.tudelft.nl", 6421),
    ("dispersy2.tribler.org", 6422),
    ("dispersy2.st.tudelft.nl", 6422),
    ("dispersy3.tribler.org", 6423),
    ("dispersy3.st.tudelft.nl", 6423),
    ("dispersy4.tribler.org", 6424),
];

/// RandomWalk parameters (py-ipv8 `RandomWalk.__init__` defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomWalkConfig {
    /// Outstanding walks older than this are forgotten (3 s).
    pub timeout: Duration,
    /// Maximum outstanding walks (5; 0 = unlimited, capped internally at 64).
    pub window_size: usize,
    /// A step walks to a known address when a random byte is `>= reset_chance` (50).
    pub reset_chance: u8,
    /// Minimum time between steps (0 = every tick).
    pub target_interval: Duration,
}

impl Default for RandomWalkConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(3),
            window_size: 5,
            reset_chance: 50,
            target_interval: Duration::ZERO,
        }
    }
}

/// EdgeWalk parameters (py-ipv8 `EdgeWalk.__init__` defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeWalkConfig {
    /// Nodes per completed edge (4).
    pub edge_length: usize,
    /// Roots kept in the neighbourhood (6).
    pub neighborhood_size: usize,
    /// An edge that has not grown for this long is completed (3 s).
    pub edge_timeout: Duration,
}

impl Default for EdgeWalkConfig {
    fn default() -> Self {
        Self {
            edge_length: 4,
            neighborhood_size: 6,
            edge_timeout: Duration::from_secs(3),
        }
    }
}

/// RandomChurn parameters (py-ipv8 `RandomChurn.__init__` defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChurnConfig {
    /// Peers inspected per step (8).
    pub sample_size: usize,
    /// Minimum time between two pings of one address (10 s).
    pub ping_interval: Duration,
    /// Silence after which a peer is pinged (27.5 s).
    pub inactive_time: Duration,
    /// Silence after which a pinged peer is dropped (57.5 s).
    pub drop_time: Duration,
}

impl Default for ChurnConfig {
    fn default() -> Self {
        Self {
            sample_size: 8,
            ping_interval: Duration::from_secs(10),
            inactive_time: Duration::from_millis(27_500),
            drop_time: Duration::from_millis(57_500),
        }
    }
}

/// A discovery strategy and its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StrategyConfig {
    /// py-ipv8 `RandomWalk`.
    RandomWalk(RandomWalkConfig),
    /// py-ipv8 `EdgeWalk`.
    EdgeWalk(EdgeWalkConfig),
    /// py-ipv8 `RandomChurn` (DiscoveryCommunity only).
    RandomChurn(ChurnConfig),
    /// py-ipv8 `PeriodicSimilarity` (DiscoveryCommunity only).
    PeriodicSimilarity,
}

impl StrategyConfig {
    /// The py-ipv8 class name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::RandomWalk(_) => "RandomWalk",
            Self::EdgeWalk(_) => "EdgeWalk",
            Self::RandomChurn(_) => "RandomChurn",
            Self::PeriodicSimilarity => "PeriodicSimilarity",
        }
    }
}

/// A strategy with its peer target (py-ipv8 `walkers` entry: `strategy`, `peers`, `init`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WalkerConfig {
    /// The strategy.
    pub strategy: StrategyConfig,
    /// The strategy runs while the community has fewer peers than this; `-1` = always.
    pub target_peers: i32,
}

/// Which built-in behaviour a configured community has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommunityKind {
    /// py-ipv8 `DiscoveryCommunity`: similarity, ping/pong, legacy 246 handling.
    Discovery,
    /// A plain `Community`: only the introduction/puncture walk.
    Plain,
}

/// One overlay (py-ipv8 overlay block, plus `CommunitySettings`).
#[derive(Clone)]
pub struct CommunityConfig {
    /// The 20-byte community id.
    pub id: CommunityId,
    /// Built-in behaviour (ignored by `Node::add_community`, which takes the plugin).
    pub kind: CommunityKind,
    /// `overlay_name` in REST, e.g. `DiscoveryCommunity`.
    pub name: String,
    /// py-ipv8 `max_peers` (30; `-1` = unlimited).
    pub max_peers: i32,
    /// Strategies, in scheduling order.
    pub walkers: Vec<WalkerConfig>,
    /// Whether this overlay uses the node's DispersyBootstrapper (trackers).
    pub use_trackers: bool,
    /// Whether this overlay uses the UDP broadcast beacon bootstrapper.
    pub use_beacon: bool,
    /// The overlay's own key (py-ipv8 `key` of the overlay block); `None` uses the node's.
    pub identity: Option<Arc<dyn Identity>>,
}

impl fmt::Debug for CommunityConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommunityConfig")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("max_peers", &self.max_peers)
            .field("walkers", &self.walkers)
            .field("use_trackers", &self.use_trackers)
            .field("use_beacon", &self.use_beacon)
            .field(
                "identity",
                &self.identity.as_ref().map(|i| Mid::of(i.public_bin())),
            )
            .finish()
    }
}

impl PartialEq for CommunityConfig {
    /// Equal settings; own keys compare by public key.
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.kind == other.kind
            && self.name == other.name
            && self.max_peers == other.max_peers
            && self.walkers == other.walkers
            && self.use_trackers == other.use_trackers
            && self.use_beacon == other.use_beacon
            && self.identity.as_ref().map(|i| i.public_bin())
                == other.identity.as_ref().map(|i| i.public_bin())
    }
}

impl CommunityConfig {
    /// py-ipv8's default DiscoveryCommunity block: RandomWalk (20 peers, timeout 3 s),
    /// RandomChurn (-1), PeriodicSimilarity (-1), DispersyBootstrapper.
    #[must_use]
    pub fn discovery() -> Self {
        Self {
            id: CommunityId::DISCOVERY,
            kind: CommunityKind::Discovery,
            name: "DiscoveryCommunity".to_owned(),
            max_peers: DEFAULT_MAX_PEERS,
            walkers: vec![
                WalkerConfig {
                    strategy: StrategyConfig::RandomWalk(RandomWalkConfig::default()),
                    target_peers: 20,
                },
                WalkerConfig {
                    strategy: StrategyConfig::RandomChurn(ChurnConfig::default()),
                    target_peers: -1,
                },
                WalkerConfig {
                    strategy: StrategyConfig::PeriodicSimilarity,
                    target_peers: -1,
                },
            ],
            use_trackers: true,
            use_beacon: false,
            identity: None,
        }
    }

    /// A community of any type on `id` named `name`, with py-ipv8's defaults for an overlay
    /// block: RandomWalk (20 peers), `max_peers` 30, the node's trackers.
    #[must_use]
    pub fn new(id: CommunityId, name: &str) -> Self {
        Self::plain(id, name)
    }

    /// The same settings signed with the overlay's own key.
    #[must_use]
    pub fn with_identity(mut self, identity: Arc<dyn Identity>) -> Self {
        self.identity = Some(identity);
        self
    }

    /// A plain community joined by id, walking with RandomWalk (20 peers) and bootstrapping
    /// through the trackers.
    #[must_use]
    pub fn plain(id: CommunityId, name: &str) -> Self {
        Self {
            id,
            kind: CommunityKind::Plain,
            name: name.to_owned(),
            max_peers: DEFAULT_MAX_PEERS,
            walkers: vec![WalkerConfig {
                strategy: StrategyConfig::RandomWalk(RandomWalkConfig::default()),
                target_peers: 20,
            }],
            use_trackers: true,
            use_beacon: false,
            identity: None,
        }
    }
}

/// The DispersyBootstrapper (tracker) settings shared by all overlays.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapConfig {
    /// Tracker IP addresses.
    pub trackers: Vec<SocketAddr>,
    /// Tracker DNS names, resolved through `Output::Resolve`.
    pub dns_names: Vec<(String, u16)>,
    /// py-ipv8 `bootstrap_timeout`: minimum time between bootstrap rounds (30 s).
    pub timeout: Duration,
    /// Longest retry interval while no tracker answers (the interval doubles from `timeout`).
    pub max_backoff: Duration,
    /// py-ipv8's keep-alive chance per `get_new_introduction` with peers (5 %).
    pub keep_alive_chance: f64,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        Self {
            trackers: DEFAULT_TRACKER_IPS
                .iter()
                .map(|(ip, port)| SocketAddr::from((*ip, *port)))
                .collect(),
            dns_names: DEFAULT_TRACKER_NAMES
                .iter()
                .map(|(host, port)| ((*host).to_owned(), *port))
                .collect(),
            timeout: Duration::from_secs(30),
            max_backoff: Duration::from_secs(240),
            keep_alive_chance: 0.05,
        }
    }
}

impl BootstrapConfig {
    /// No trackers at all.
    #[must_use]
    pub fn none() -> Self {
        Self {
            trackers: Vec::new(),
            dns_names: Vec::new(),
            ..Self::default()
        }
    }

    /// Only the given tracker addresses.
    #[must_use]
    pub fn trackers(trackers: &[SocketAddr]) -> Self {
        Self {
            trackers: trackers.to_vec(),
            dns_names: Vec::new(),
            ..Self::default()
        }
    }
}

/// Tracker-mode settings (upstream `scripts/tracker_service.py`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackerConfig {
    /// Peers kept (oldest dropped first): 100.
    pub max_peers: usize,
    /// Interval of the tracker churn step: 10 s.
    pub churn_interval: Duration,
    /// A tracker ping (246) unanswered for this long removes the pinged service: 5 s.
    pub ping_timeout: Duration,
    /// Churn rules (sample 8, ping interval 10 s, inactive 27.5 s, drop 57.5 s).
    pub churn: ChurnConfig,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        Self {
            max_peers: 100,
            churn_interval: Duration::from_secs(10),
            ping_timeout: Duration::from_secs(5),
            churn: ChurnConfig::default(),
        }
    }
}

/// Everything a [`Node`](crate::Node) needs to know at construction.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeConfig {
    /// py-ipv8 `walker_interval`: time between strategy rounds (0.5 s).
    pub walk_interval: Duration,
    /// Built-in overlays, in scheduling order.
    pub communities: Vec<CommunityConfig>,
    /// Trackers (DispersyBootstrapper).
    pub bootstrap: BootstrapConfig,
    /// Message statistics for every community (default on).
    pub statistics: bool,
    /// Run as a bootstrap tracker (serves 246/234 on any prefix).
    pub tracker_mode: bool,
    /// Tracker-mode settings.
    pub tracker: TrackerConfig,
    /// Fixed address to announce as LAN and WAN estimate (port-forwarded servers).
    pub advertise: Option<SocketAddrV4>,
    /// Table capacities.
    pub limits: NetworkLimits,
}

impl Default for NodeConfig {
    /// py-ipv8's defaults with the DiscoveryCommunity as the only overlay.
    fn default() -> Self {
        Self {
            walk_interval: Duration::from_millis(500),
            communities: vec![CommunityConfig::discovery()],
            bootstrap: BootstrapConfig::default(),
            statistics: true,
            tracker_mode: false,
            tracker: TrackerConfig::default(),
            advertise: None,
            limits: NetworkLimits::default(),
        }
    }
}

impl NodeConfig {
    /// A bootstrap tracker: no overlays, no trackers of its own.
    #[must_use]
    pub fn tracker() -> Self {
        Self {
            communities: Vec::new(),
            bootstrap: BootstrapConfig::none(),
            tracker_mode: true,
            ..Self::default()
        }
    }
}

/// A configuration the node cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Two overlays with one community id.
    #[error("community {0} is configured twice")]
    DuplicateCommunity(CommunityId),
    /// `walk_interval` must be positive.
    #[error("walk_interval must be greater than zero")]
    ZeroWalkInterval,
    /// `max_peers` below -1.
    #[error("max_peers of community {0} must be -1 or >= 0")]
    BadMaxPeers(CommunityId),
    /// A walker the community's type cannot run (RandomChurn and PeriodicSimilarity need a
    /// DiscoveryCommunity).
    #[error("community {community} cannot run the {strategy} strategy")]
    UnsupportedStrategy {
        /// The community.
        community: CommunityId,
        /// The strategy's py-ipv8 name.
        strategy: &'static str,
    },
}

impl NodeConfig {
    /// Checks the configuration.
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.walk_interval.is_zero() {
            return Err(ConfigError::ZeroWalkInterval);
        }
        for (i, c) in self.communities.iter().enumerate() {
            if c.max_peers < -1 {
                return Err(ConfigError::BadMaxPeers(c.id));
            }
            if self.communities.iter().take(i).any(|o| o.id == c.id) {
                return Err(ConfigError::DuplicateCommunity(c.id));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_py_ipv8() {
        let c = NodeConfig::default();
        assert_eq!(c.walk_interval, Duration::from_millis(500));
        assert_eq!(c.bootstrap.trackers.len(), 13);
        assert_eq!(c.bootstrap.dns_names.len(), 7);
        assert_eq!(
            c.bootstrap.trackers[0],
            "130.161.119.206:6421".parse().unwrap()
        );
        let d = &c.communities[0];
        assert_eq!(d.max_peers, 30);
        assert_eq!(d.walkers.len(), 3);
        assert_eq!(d.walkers[0].target_peers, 20);
        assert_eq!(
            ChurnConfig::default().drop_time,
            Duration::from_millis(57_500)
        );
        assert!(c.validate().is_ok());
        let mut dup = c.clone();
        dup.communities.push(CommunityConfig::discovery());
        assert!(matches!(
            dup.validate(),
            Err(ConfigError::DuplicateCommunity(_))
        ));
        assert!(NodeConfig::tracker().communities.is_empty());
    }
}
