//! [`RandomWalk`]: walk to a random known address, or ask a random peer for an introduction.
//!
//! Ports py-ipv8 `peerdiscovery/discovery.py` `RandomWalk` (timeout 3 s, window 5, reset
//! chance 50, target interval 0). docs/spec/PROTOCOL.md §6.5.

use std::net::SocketAddr;

use super::DiscoveryStrategy;
use crate::community::{Community, Cx};
use crate::config::RandomWalkConfig;
use crate::time::Instant;
use crate::vecmap::VecMap;

/// Outstanding walks kept when `window_size` is 0 (py-ipv8 has no bound).
const UNBOUNDED_WINDOW_CAP: usize = 64;

/// RandomWalk state.
#[derive(Debug, Clone)]
pub struct RandomWalk {
    config: RandomWalkConfig,
    intro_timeouts: VecMap<SocketAddr, Instant>,
    last_step: Option<Instant>,
}

impl RandomWalk {
    /// A RandomWalk with `config`.
    #[must_use]
    pub fn new(config: RandomWalkConfig) -> Self {
        Self {
            config,
            intro_timeouts: VecMap::default(),
            last_step: None,
        }
    }
}

impl<C: Community> DiscoveryStrategy<C> for RandomWalk {
    fn name(&self) -> &'static str {
        "RandomWalk"
    }

    fn reset(&mut self) {
        self.intro_timeouts.clear();
    }

    fn take_step(&mut self, _community: &mut C, cx: &mut Cx<'_, C>) {
        let now = cx.now();
        // 1. Forget walks older than the timeout; unanswered addresses leave the network.
        let timeout = self.config.timeout;
        let expired: Vec<SocketAddr> = self
            .intro_timeouts
            .iter()
            .filter(|(_, sent)| **sent + timeout < now)
            .map(|(a, _)| *a)
            .collect();
        for addr in expired {
            self.intro_timeouts.remove(&addr);
            if cx.network().mid_by_address(addr).is_none() {
                cx.network_mut().remove_by_address(addr);
            }
        }
        // 2. Slow down to target_interval.
        let interval = self.config.target_interval;
        if !interval.is_zero() && self.last_step.is_some_and(|last| last + interval >= now) {
            return;
        }
        // 3. Window of outstanding walks.
        let window = self.config.window_size;
        let limit = if window == 0 {
            UNBOUNDED_WINDOW_CAP
        } else {
            window
        };
        if self.intro_timeouts.len() >= limit {
            return;
        }
        // 4. Walk to a random candidate, or get a new introduction.
        let available: Vec<SocketAddr> = cx
            .walkable_addresses()
            .into_iter()
            .filter(|a| !self.intro_timeouts.contains_key(a))
            .collect();
        let pick = if !available.is_empty() && cx.rng().byte() >= self.config.reset_chance {
            cx.rng().choose(&available).copied()
        } else {
            None
        };
        match pick {
            Some(addr) => {
                cx.walk_to(addr);
                self.intro_timeouts.insert(addr, now);
            }
            None => cx.get_new_introduction(None),
        }
        self.last_step = Some(now);
    }
}
