//! What the community tests on `TestNetwork` share: the plain test community and a client
//! config that bootstraps at a tracker.

use std::net::SocketAddr;

use ipv8_proto::config::BootstrapConfig;
use ipv8_proto::{CommunityConfig, CommunityId, NodeConfig};

/// The plain community the tests load beside DiscoveryCommunity.
pub const TEST_COMMUNITY: CommunityId = CommunityId([0x42; 20]);

/// DiscoveryCommunity plus a plain test community, bootstrapping at `tracker`.
pub fn client_config(tracker: SocketAddr) -> NodeConfig {
    NodeConfig {
        communities: vec![
            CommunityConfig::discovery(),
            CommunityConfig::plain(TEST_COMMUNITY, "TestCommunity"),
        ],
        bootstrap: BootstrapConfig::trackers(&[tracker]),
        ..NodeConfig::default()
    }
}
