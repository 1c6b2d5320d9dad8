//! Discovery strategies and the scheduler that runs them every `walk_interval`.
//!
//! Ports py-ipv8 `peerdiscovery/discovery.py` (`DiscoveryStrategy`) and the strategy loop of
//! `ipv8_service.py` (`on_tick`): every round, in configuration order, each strategy whose
//! overlay has fewer peers than its target (`-1` = always) takes one step. py-ipv8's
//! per-strategy spacing (`walk_interval // strategy_count`) is 0 s with the defaults, so due
//! strategies run back-to-back here too.
//!
//! One deviation: the peer count compared with a strategy's target leaves out peers that left a
//! RandomChurn ping unanswered (`Peer::is_unresponsive`). py-ipv8 counts them until RandomChurn
//! drops them (`drop_time`, 57.5 s), so after a crash of many peers its walkers stay idle for
//! most of a minute and the peer count then dips far below the target; here the walkers start
//! looking for replacements as soon as a ping goes unanswered.

mod churn;
mod edge_walk;
mod random_walk;
mod similarity;

pub(crate) use churn::{RandomChurn, silent_for_more_than};
pub(crate) use edge_walk::EdgeWalk;
pub(crate) use random_walk::RandomWalk;
pub(crate) use similarity::PeriodicSimilarity;

use crate::bootstrap::Bootstrappers;
use crate::community::overlay::Overlay;
use crate::community::{Community, Cx};
use crate::config::{StrategyConfig, WalkerConfig};
use crate::node::core::Core;
use crate::time::Instant;

/// One strategy's state.
pub(crate) enum Strategy {
    RandomWalk(RandomWalk),
    EdgeWalk(EdgeWalk),
    RandomChurn(RandomChurn),
    PeriodicSimilarity(PeriodicSimilarity),
}

impl Strategy {
    fn take_step(
        &mut self,
        cx: &mut Cx<'_>,
        boot: &mut Bootstrappers,
        community: &mut dyn Community,
    ) {
        match self {
            Self::RandomWalk(s) => s.take_step(cx, boot),
            Self::EdgeWalk(s) => s.take_step(cx, boot),
            Self::RandomChurn(s) => s.take_step(cx, community),
            Self::PeriodicSimilarity(s) => s.take_step(cx, community),
        }
    }

    /// Forget outstanding walks (network change).
    pub(crate) fn reset(&mut self) {
        if let Self::RandomWalk(s) = self {
            s.reset();
        }
    }
}

/// A strategy with its py-ipv8 name and peer target.
pub(crate) struct StrategySlot {
    pub(crate) name: &'static str,
    pub(crate) target_peers: i32,
    pub(crate) strategy: Strategy,
}

impl StrategySlot {
    pub(crate) fn new(config: &WalkerConfig) -> Self {
        let strategy = match config.strategy {
            StrategyConfig::RandomWalk(c) => Strategy::RandomWalk(RandomWalk::new(c)),
            StrategyConfig::EdgeWalk(c) => Strategy::EdgeWalk(EdgeWalk::new(c)),
            StrategyConfig::RandomChurn(c) => Strategy::RandomChurn(RandomChurn::new(c)),
            StrategyConfig::PeriodicSimilarity => {
                Strategy::PeriodicSimilarity(PeriodicSimilarity::default())
            }
        };
        Self {
            name: config.strategy.name(),
            target_peers: config.target_peers,
            strategy,
        }
    }
}

/// One strategy round over all overlays (py-ipv8 `IPv8.on_tick`).
pub(crate) fn walk_round(core: &mut Core, overlays: &mut [Overlay], now: Instant) {
    for overlay in overlays {
        let Overlay {
            state,
            strategies,
            boot,
            community,
        } = overlay;
        for slot in strategies.iter_mut() {
            // A negative target (`-1`) is always due.
            if let Ok(target) = usize::try_from(slot.target_peers)
                && core.network.responsive_count_for_service(state.id, now) >= target
            {
                continue;
            }
            let mut cx = Cx {
                now,
                core: &mut *core,
                ov: &mut *state,
            };
            slot.strategy.take_step(&mut cx, boot, community.as_mut());
        }
    }
}
