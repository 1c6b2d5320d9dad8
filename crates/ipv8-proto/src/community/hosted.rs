//! [`Hosted`]: one loaded community with everything the node keeps for it — shared overlay
//! state, bootstrappers, handlers, strategies, tasks and caches — and [`Overlay`], the
//! type-erased face the node drives it through.
//!
//! The node holds `Box<dyn Overlay>`s; typed access (`Node::with_community`) downcasts to the
//! `Hosted<C>` the caller names, so a wrong type is `None`, never a panic.

use std::any::Any;
use std::net::SocketAddr;

use ipv8_wire::Header;

use super::cx::{CACHE_TIMER, Extras};
use super::{Base, Community, Cx, Handlers, OverlayState, walk};
use crate::bootstrap::Bootstrappers;
use crate::drops::DropReason;
use crate::node::StrategyInfo;
use crate::node::core::Core;
use crate::strategy::DiscoveryStrategy;
use crate::time::Instant;

/// A strategy with its peer target (py-ipv8 `walkers` entry).
pub(crate) struct StrategySlot<C> {
    pub(crate) target_peers: i32,
    pub(crate) strategy: Box<dyn DiscoveryStrategy<C>>,
}

/// One loaded community.
pub(crate) struct Hosted<C: Community> {
    pub(crate) state: OverlayState,
    pub(crate) boot: Bootstrappers,
    pub(crate) community: C,
    handlers: Handlers<C>,
    pub(crate) strategies: Vec<StrategySlot<C>>,
    extras: Extras<C>,
}

impl<C: Community> Hosted<C> {
    pub(crate) fn new(
        state: OverlayState,
        boot: Bootstrappers,
        community: C,
        strategies: Vec<StrategySlot<C>>,
    ) -> Self {
        Self {
            state,
            boot,
            community,
            handlers: Handlers::of(),
            strategies,
            extras: Extras::default(),
        }
    }

    /// Runs `f` with the community and a context for it, then any deferred cache timeouts.
    pub(crate) fn run<R>(
        &mut self,
        core: &mut Core,
        now: Instant,
        f: impl FnOnce(&mut C, &mut Cx<'_, C>, &Handlers<C>, &mut Vec<StrategySlot<C>>) -> R,
    ) -> R {
        let Self {
            state,
            boot,
            community,
            handlers,
            strategies,
            extras,
        } = self;
        let mut cx = Cx {
            base: Base {
                now,
                core,
                ov: state,
            },
            boot,
            extras,
        };
        let result = f(community, &mut cx, handlers, strategies);
        // Bounded: each deferred timeout may evict at most one more entry.
        let mut budget = super::cache::MAX_CACHES;
        while let Some(timeout) = cx.extras.deferred.pop() {
            timeout(community, &mut cx);
            budget = budget.saturating_sub(1);
            if budget == 0 {
                cx.extras.deferred.clear();
            }
        }
        result
    }
}

/// What the node needs from a loaded community, whatever its type.
pub(crate) trait Overlay: Send {
    fn state(&self) -> &OverlayState;
    fn state_mut(&mut self) -> &mut OverlayState;
    fn boot(&self) -> &Bootstrappers;
    fn boot_mut(&mut self) -> &mut Bootstrappers;
    /// Routes one datagram of this overlay's prefix (py-ipv8 `Community.on_packet`).
    fn dispatch(
        &mut self,
        core: &mut Core,
        now: Instant,
        from: SocketAddr,
        header: &Header,
        data: &[u8],
    ) -> Result<(), DropReason>;
    /// One strategy round (py-ipv8 `IPv8.on_tick` for this overlay).
    fn walk_round(&mut self, core: &mut Core, now: Instant);
    /// Runs the due tasks and cache timeouts.
    fn fire_timers(&mut self, core: &mut Core, now: Instant);
    /// Walk operations from the node (network change, beacons, `walk_to`).
    fn with_base(
        &mut self,
        core: &mut Core,
        now: Instant,
        f: &mut dyn FnMut(&mut Base<'_>, &mut Bootstrappers),
    );
    fn started(&mut self, core: &mut Core, now: Instant);
    /// Calls `unload`, then ends every task and cache.
    fn unload(&mut self, core: &mut Core, now: Instant);
    /// Delivers an application command; gives it back if it is not this community's type.
    fn command(
        &mut self,
        core: &mut Core,
        now: Instant,
        command: Box<dyn Any + Send>,
    ) -> Result<(), Box<dyn Any + Send>>;
    fn strategies(&self) -> Vec<StrategyInfo>;
    fn reset_strategies(&mut self);
    fn handler_name(&self, msg_id: u8) -> Option<&'static str>;
    /// `Some(with_global_time)` when `msg_id` arrives signed (see `walk::signed_layout`).
    fn signed_layout(&self, msg_id: u8) -> Option<bool>;
    fn serves_any_prefix(&self) -> bool;
    fn pending_tasks(&self) -> Vec<String>;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<C: Community> Overlay for Hosted<C> {
    fn state(&self) -> &OverlayState {
        &self.state
    }

    fn state_mut(&mut self) -> &mut OverlayState {
        &mut self.state
    }

    fn boot(&self) -> &Bootstrappers {
        &self.boot
    }

    fn boot_mut(&mut self) -> &mut Bootstrappers {
        &mut self.boot
    }

    fn dispatch(
        &mut self,
        core: &mut Core,
        now: Instant,
        from: SocketAddr,
        header: &Header,
        data: &[u8],
    ) -> Result<(), DropReason> {
        self.run(core, now, |community, cx, handlers, _| {
            if cx.base.core.trackers.is_tracker(from) {
                // Any datagram from a tracker is contact (see `bootstrap/dispersy.rs`).
                cx.boot.on_tracker_response(&mut cx.base, from);
            }
            walk::route(community, cx, handlers, from, header, data)
        })
    }

    fn walk_round(&mut self, core: &mut Core, now: Instant) {
        self.run(core, now, |community, cx, _, strategies| {
            for slot in strategies.iter_mut() {
                // A negative target (`-1`) is always due.
                if let Ok(target) = usize::try_from(slot.target_peers)
                    && cx.responsive_peer_count() >= target
                {
                    continue;
                }
                slot.strategy.take_step(community, cx);
            }
        });
    }

    fn fire_timers(&mut self, core: &mut Core, now: Instant) {
        // Bounded: a task that re-arms at `now` runs once per call.
        let mut budget = 1024u32;
        while let Some(key) = self.state.timers.pop_due(now) {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                break;
            }
            self.run(core, now, |community, cx, _, _| {
                if key == CACHE_TIMER {
                    while let Some(timeout) = cx.extras.caches.pop_expired(now) {
                        timeout(community, cx);
                    }
                    cx.arm_caches();
                } else if let Some((mut task, interval)) = cx.extras.tasks.take(key) {
                    task(community, cx);
                    if cx.extras.tasks.put_back(key, task)
                        && let Some(every) = interval
                    {
                        cx.base.ov.timers.set(key, now + every);
                    }
                }
            });
        }
    }

    fn with_base(
        &mut self,
        core: &mut Core,
        now: Instant,
        f: &mut dyn FnMut(&mut Base<'_>, &mut Bootstrappers),
    ) {
        let mut base = Base {
            now,
            core,
            ov: &mut self.state,
        };
        f(&mut base, &mut self.boot);
    }

    fn started(&mut self, core: &mut Core, now: Instant) {
        self.run(core, now, |community, cx, _, _| community.started(cx));
    }

    fn unload(&mut self, core: &mut Core, now: Instant) {
        self.run(core, now, |community, cx, _, _| {
            community.unload(cx);
            cx.cancel_all_pending_tasks();
            cx.extras.caches.clear();
            cx.extras.deferred.clear();
            cx.arm_caches();
        });
    }

    fn command(
        &mut self,
        core: &mut Core,
        now: Instant,
        command: Box<dyn Any + Send>,
    ) -> Result<(), Box<dyn Any + Send>> {
        let command = command.downcast::<C::Command>()?;
        self.run(core, now, |community, cx, _, _| {
            community.on_command(cx, *command);
        });
        Ok(())
    }

    fn strategies(&self) -> Vec<StrategyInfo> {
        self.strategies
            .iter()
            .map(|s| StrategyInfo {
                name: s.strategy.name(),
                target_peers: s.target_peers,
            })
            .collect()
    }

    fn reset_strategies(&mut self) {
        for slot in &mut self.strategies {
            slot.strategy.reset();
        }
    }

    fn handler_name(&self, msg_id: u8) -> Option<&'static str> {
        self.handlers.name(msg_id)
    }

    fn signed_layout(&self, msg_id: u8) -> Option<bool> {
        walk::signed_layout(&self.handlers, msg_id)
    }

    fn serves_any_prefix(&self) -> bool {
        self.community.serves_any_prefix()
    }

    fn pending_tasks(&self) -> Vec<String> {
        self.extras.tasks.names().map(str::to_owned).collect()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
