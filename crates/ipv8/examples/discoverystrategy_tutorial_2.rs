//! py-ipv8's `discoverystrategy_tutorial_2.py`: a strategy named in the configuration.
//!
//! py-ipv8 looks the name up in the community's `get_available_strategies()`. In ipv8-rs a
//! configuration names its walkers with `StrategyConfig`, and the community builds each one in
//! `Community::strategy`: here every RandomWalk entry of MyCommunity's configuration is served by
//! MyDiscoveryStrategy, and anything else as usual (`default_strategy`). Prints the strategies
//! the node runs for MyCommunity.

mod common;

use ipv8::prelude::*;
use ipv8::{RandomWalkConfig, StrategyConfig, WalkerConfig};

const MY_COMMUNITY: CommunityId = CommunityId(*b"discovery strategy 2");

struct MyDiscoveryStrategy;

impl DiscoveryStrategy<MyCommunity> for MyDiscoveryStrategy {
    fn name(&self) -> &'static str {
        "MyDiscoveryStrategy"
    }

    fn take_step(&mut self, _: &mut MyCommunity, _: &mut Cx<'_, MyCommunity>) {}
}

#[derive(Default)]
struct MyCommunity;

impl Community for MyCommunity {
    type Command = ();
    type Event = ();

    fn strategy(config: &StrategyConfig) -> Option<Box<dyn DiscoveryStrategy<Self>>> {
        match config {
            StrategyConfig::RandomWalk(_) => Some(Box::new(MyDiscoveryStrategy)),
            other => ipv8::default_strategy(other),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // definition = {"strategy": "MyDiscoveryStrategy", "peers": -1, "init": {}}
    let definition = WalkerConfig {
        strategy: StrategyConfig::RandomWalk(RandomWalkConfig::default()),
        target_peers: -1,
    };
    let mut config = CommunityConfig::new(MY_COMMUNITY, "MyCommunity");
    config.walkers = vec![definition];
    config.use_trackers = false; // py-ipv8's DISPERSY_BOOTSTRAPPER; none here, we stay offline

    let mut builder = common::lonely_node();
    let _community = builder.community(config, MyCommunity);
    let ipv8 = builder.spawn()?;
    for overlay in &ipv8.snapshot().await?.overlays {
        for strategy in &overlay.strategies {
            println!(
                "{} runs {} (target peers {})",
                overlay.name, strategy.name, strategy.target_peers
            );
        }
    }
    ipv8.shutdown().await?;
    Ok(())
}
