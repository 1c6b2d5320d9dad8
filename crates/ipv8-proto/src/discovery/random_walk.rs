//! [`RandomWalk`]: walk to a random known address, or ask a random peer for an introduction.
//!
//! Ports py-ipv8 `peerdiscovery/discovery.py` `RandomWalk` (timeout 3 s, window 5, reset
//! chance 50, target interval 0). PROTOCOL.md §6.5.

use std::net::SocketAddr;

use crate::bootstrap::Bootstrappers;
use crate::community::Cx;
use crate::community::overlay::{get_new_introduction, walk_to};
use crate::config::RandomWalkConfig;
use crate::time::Instant;
use crate::vecmap::VecMap;

/// Outstanding walks kept when `window_size` is 0 (py-ipv8 has no bound).
const UNBOUNDED_WINDOW_CAP: usize = 64;

/// RandomWalk state.
#[derive(Debug, Clone)]
pub(crate) struct RandomWalk {
    config: RandomWalkConfig,
    intro_timeouts: VecMap<SocketAddr, Instant>,
    last_step: Option<Instant>,
}

impl RandomWalk {
    pub(crate) fn new(config: RandomWalkConfig) -> Self {
        Self {
            config,
            intro_timeouts: VecMap::default(),
            last_step: None,
        }
    }

    pub(crate) fn reset(&mut self) {
        self.intro_timeouts.clear();
    }

    pub(crate) fn take_step(&mut self, cx: &mut Cx<'_>, boot: &mut Bootstrappers) {
        let now = cx.now;
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
            if cx.core.network.mid_by_address(addr).is_none() {
                cx.core.network.remove_by_address(addr);
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
        let id = cx.ov.id;
        let available: Vec<SocketAddr> = cx
            .core
            .network
            .walkable_addresses(id, false)
            .into_iter()
            .filter(|a| !self.intro_timeouts.contains_key(a))
            .collect();
        let pick = if !available.is_empty() && cx.core.walk_rng.byte() >= self.config.reset_chance {
            cx.core.walk_rng.choose(&available).copied()
        } else {
            None
        };
        match pick {
            Some(addr) => {
                walk_to(cx, addr);
                self.intro_timeouts.insert(addr, now);
            }
            None => get_new_introduction(cx, boot, None),
        }
        self.last_step = Some(now);
    }
}
