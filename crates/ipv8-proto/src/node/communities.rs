//! Loading, unloading and reaching communities: the node side of the community API.
//!
//! Ports py-ipv8 `IPv8.overlays` bookkeeping (`ipv8_service.py`: adding an overlay with its
//! walkers, `unload_overlay`, `add_strategy`, `get_overlay`).

use std::any::Any;
use std::sync::Arc;

use ipv8_crypto::Mid;
use ipv8_wire::{CommunityId, Prefix};

use super::{Node, TimerReason};
use crate::bootstrap::{BeaconBootstrapper, Bootstrappers, DispersyBootstrapper};
use crate::community::hosted::{Hosted, Overlay, StrategySlot};
use crate::community::{Community, Cx, OverlayState};
use crate::config::{CommunityConfig, ConfigError};
use crate::peer::Peer;
use crate::rng::{NodeRng, Stream};
use crate::strategy::DiscoveryStrategy;
use crate::time::Instant;
use crate::timers::Timers;

impl Node {
    /// Loads community `community` with its configuration (py-ipv8 `IPv8.overlays.append` plus
    /// the configured walkers and bootstrappers); `config.kind` is ignored. The walkers are
    /// built by [`Community::strategy`]; its `started` hook runs at once.
    ///
    /// # Errors
    /// [`ConfigError::DuplicateCommunity`] when the id is already loaded,
    /// [`ConfigError::BadMaxPeers`] for `max_peers < -1`, [`ConfigError::UnsupportedStrategy`]
    /// for a walker this community type cannot run.
    pub fn add_community<C: Community>(
        &mut self,
        now: Instant,
        config: CommunityConfig,
        community: C,
    ) -> Result<(), ConfigError> {
        if self.overlays.iter().any(|o| o.state().id == config.id) {
            return Err(ConfigError::DuplicateCommunity(config.id));
        }
        if config.max_peers < -1 {
            return Err(ConfigError::BadMaxPeers(config.id));
        }
        let mut strategies = Vec::with_capacity(config.walkers.len());
        for walker in &config.walkers {
            let strategy =
                C::strategy(&walker.strategy).ok_or(ConfigError::UnsupportedStrategy {
                    community: config.id,
                    strategy: walker.strategy.name(),
                })?;
            strategies.push(StrategySlot {
                target_peers: walker.target_peers,
                strategy,
            });
        }
        let prefix = Prefix::for_community(config.id);
        let identity = config
            .identity
            .clone()
            .unwrap_or_else(|| Arc::clone(&self.core.me.identity));
        let my_key: Arc<[u8]> = identity.public_bin().into();
        let my_mid = self.core.me.crypto.mid(&my_key);
        self.core.network.blacklist_mid(my_mid);
        let state = OverlayState {
            id: config.id,
            prefix,
            name: config.name.clone(),
            max_peers: config.max_peers,
            identity,
            my_key,
            my_mid,
            wan: None,
            rng: NodeRng::child(self.seed, Stream::Community(config.id.0)),
            timers: Timers::default(),
            foreign_prefix: None,
        };
        let boot = Bootstrappers {
            dispersy: (config.use_trackers && self.core.trackers.configured())
                .then(DispersyBootstrapper::default),
            beacon: config.use_beacon.then(BeaconBootstrapper::default),
        };
        if self.statistics_on {
            self.core.outbox.stats.enable(prefix);
        }
        // Exact growth: a node runs one or two communities.
        self.core.communities.reserve_exact(1);
        self.core.communities.push(config.id);
        self.overlays.reserve_exact(1);
        let mut hosted = Hosted::new(state, boot, community, strategies);
        hosted.started(&mut self.core, now);
        self.overlays.push(Box::new(hosted));
        self.after_input(now);
        Ok(())
    }

    /// Unloads a community (py-ipv8 `unload_overlay`): its `unload` hook runs, then its tasks,
    /// caches and timers end and its peers leave it. `false` if it is not loaded.
    pub fn remove_community(&mut self, now: Instant, community: CommunityId) -> bool {
        let Some(pos) = self.overlays.iter().position(|o| o.state().id == community) else {
            return false;
        };
        let mut overlay = self.overlays.remove(pos);
        overlay.unload(&mut self.core, now);
        self.core.communities.retain(|c| *c != community);
        self.core.outbox.stats.disable(&overlay.state().prefix);
        let mids: Vec<Mid> = self
            .core
            .network
            .peers_for_service(community)
            .map(Peer::mid)
            .collect();
        for mid in mids {
            self.core.network.forget_service(mid, community);
        }
        self.timers.cancel(TimerReason::Community(community));
        self.core
            .outbox
            .community_events
            .retain(|(c, _)| *c != community);
        self.after_input(now);
        true
    }

    /// Adds a strategy to a loaded community of type `C` (py-ipv8 `IPv8.add_strategy`); it
    /// runs while the community has fewer than `target_peers` peers (`-1` = always). `false`
    /// if no community of that type is loaded under `community`.
    pub fn add_strategy<C: Community>(
        &mut self,
        community: CommunityId,
        strategy: Box<dyn DiscoveryStrategy<C>>,
        target_peers: i32,
    ) -> bool {
        let Some(hosted) = self.hosted_mut::<C>(community) else {
            return false;
        };
        hosted.strategies.push(StrategySlot {
            target_peers,
            strategy,
        });
        true
    }

    fn hosted_mut<C: Community>(&mut self, community: CommunityId) -> Option<&mut Hosted<C>> {
        self.overlays
            .iter_mut()
            .find(|o| o.state().id == community)?
            .as_any_mut()
            .downcast_mut::<Hosted<C>>()
    }

    /// Runs `f` on the loaded community `C` with its context, as a handler would (py-ipv8:
    /// calling a method of the community object). Whatever `f` sends or schedules happens as
    /// usual. `None` if no community of that type is loaded under `community`.
    pub fn with_community<C: Community, R>(
        &mut self,
        now: Instant,
        community: CommunityId,
        f: impl FnOnce(&mut C, &mut Cx<'_, C>) -> R,
    ) -> Option<R> {
        let hosted = self
            .overlays
            .iter_mut()
            .find(|o| o.state().id == community)?
            .as_any_mut()
            .downcast_mut::<Hosted<C>>()?;
        let result = hosted.run(&mut self.core, now, |c, cx, _, _| f(c, cx));
        self.after_input(now);
        Some(result)
    }

    /// Delivers an application command to a community ([`Community::on_command`]). Gives the
    /// command back when no community of its type is loaded under `community`.
    ///
    /// # Errors
    /// The command, when no community takes it.
    pub fn send_command(
        &mut self,
        now: Instant,
        community: CommunityId,
        command: Box<dyn Any + Send>,
    ) -> Result<(), Box<dyn Any + Send>> {
        let Some(overlay) = self.overlays.iter_mut().find(|o| o.state().id == community) else {
            return Err(command);
        };
        let result = overlay.command(&mut self.core, now, command);
        self.after_input(now);
        result
    }

    /// The next application event of any community ([`Cx::emit`]), with the community's id;
    /// downcast it to that community's `Event` type.
    pub fn poll_community_event(&mut self) -> Option<(CommunityId, Box<dyn Any + Send>)> {
        self.core.outbox.community_events.pop_front()
    }

    /// Names of the pending tasks of a community (REST task list).
    #[must_use]
    pub fn pending_tasks(&self, community: CommunityId) -> Vec<String> {
        self.overlays
            .iter()
            .find(|o| o.state().id == community)
            .map(|o| o.pending_tasks())
            .unwrap_or_default()
    }

    /// The loaded plugin of `community`, if it is a `T` (py-ipv8 `get_overlay(cls)`).
    #[must_use]
    pub fn community<T: Community>(&self, community: CommunityId) -> Option<&T> {
        let overlay = self.overlays.iter().find(|o| o.state().id == community)?;
        let hosted = overlay.as_any().downcast_ref::<Hosted<T>>()?;
        Some(&hosted.community)
    }
}
