//! What the DHT's simulator tests share: a DHT node as `ipv8 run` loads it by default
//! (DHTDiscoveryCommunity with RandomWalk to 20 peers and PingChurn) on a `TestNetwork`, and
//! reading a command's answer without an executor.
#![allow(dead_code)] // each test binary uses its own part

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use ipv8::proto::config::{BootstrapConfig, CommunityConfig, RandomWalkConfig, WalkerConfig};
use ipv8::testing::TestNetwork;
use ipv8::{NodeConfig, Response, StrategyConfig};
use ipv8_dht::{COMMUNITY_ID, DhtDiscoveryCommunity, PingChurn};

/// Adds a DHT node bootstrapping at `trackers`, as `ipv8 run` loads it by default.
pub fn add_dht_node(net: &mut TestNetwork, trackers: &[SocketAddr]) -> usize {
    let node = net.add_node_with(NodeConfig {
        communities: Vec::new(),
        bootstrap: BootstrapConfig::trackers(trackers),
        ..NodeConfig::default()
    });
    let mut config = CommunityConfig::plain(COMMUNITY_ID, "DHTDiscoveryCommunity");
    config.walkers = vec![WalkerConfig {
        strategy: StrategyConfig::RandomWalk(RandomWalkConfig::default()),
        target_peers: 20,
    }];
    net.load_community(node, config, DhtDiscoveryCommunity::new())
        .expect("DHT loads");
    net.add_strategy::<DhtDiscoveryCommunity>(node, PingChurn::default(), -1);
    node
}

/// The answer of `response` if it is there.
pub fn ready<T>(response: &mut Response<T>) -> Option<T> {
    let mut cx = Context::from_waker(Waker::noop());
    match Pin::new(response).poll(&mut cx) {
        Poll::Ready(answer) => Some(answer.expect("the DHT community stays loaded")),
        Poll::Pending => None,
    }
}
