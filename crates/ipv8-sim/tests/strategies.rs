//! Discovery strategies on the test harness: EdgeWalk through a tracker, and RandomWalk switched
//! on for one node of a quiet network.

use std::time::Duration;

use ipv8_proto::config::{
    BootstrapConfig, EdgeWalkConfig, RandomWalkConfig, StrategyConfig, WalkerConfig,
};
use ipv8_proto::strategy::RandomWalk;
use ipv8_proto::{CommunityConfig, CommunityId, NodeConfig, PlainCommunity};
use ipv8_sim::testing::TestNetwork;

const TEST_COMMUNITY: CommunityId = CommunityId([0x42; 20]);

#[test]
fn edge_walk_discovers_the_swarm() {
    let mut net = TestNetwork::new(1).with_cheap_crypto();
    let t = net.add_node_with(NodeConfig::tracker());
    let mut community = CommunityConfig::plain(TEST_COMMUNITY, "EdgeCommunity");
    community.walkers = vec![WalkerConfig {
        strategy: StrategyConfig::EdgeWalk(EdgeWalkConfig::default()),
        target_peers: 20,
    }];
    let config = NodeConfig {
        communities: vec![community],
        bootstrap: BootstrapConfig::trackers(&[net.address(t)]),
        ..NodeConfig::default()
    };
    let nodes: Vec<usize> = (0..5).map(|_| net.add_node_with(config.clone())).collect();
    net.advance(Duration::from_secs(180));
    for &n in &nodes {
        assert_eq!(net.peers::<PlainCommunity>(n).len(), 4, "node {n}");
    }
    let info = net.node(nodes[0]).overlays();
    assert_eq!(info[0].strategies[0].name, "EdgeWalk");
}

#[test]
fn a_random_walk_added_to_one_node_finds_a_chain() {
    // 0 knows 1, 1 knows 2, 2 knows 3: only node 0 walks, and it reaches the end of the chain.
    let mut net = TestNetwork::new(2);
    let config = CommunityConfig::new(TEST_COMMUNITY, "Chain");
    let nodes = net.add_nodes(4, &config, |_| PlainCommunity);
    for pair in nodes.windows(2) {
        let to = net.address(pair[1]);
        net.with_node(pair[0], |node, now| node.walk_to(now, to));
    }
    assert!(net.deliver_messages());
    assert_eq!(net.peers::<PlainCommunity>(nodes[0]).len(), 1);
    net.add_strategy::<PlainCommunity>(nodes[0], RandomWalk::new(RandomWalkConfig::default()), 20);
    net.advance(Duration::from_secs(60));
    assert_eq!(net.peers::<PlainCommunity>(nodes[0]).len(), 3);
}
