//! Discovery strategies: the public [`DiscoveryStrategy`] trait and py-ipv8's built-in
//! strategies, [`RandomWalk`], [`EdgeWalk`], [`RandomChurn`] and [`PeriodicSimilarity`].
//!
//! Ports py-ipv8 `peerdiscovery/discovery.py` (`DiscoveryStrategy`, `RandomWalk`, `EdgeWalk`),
//! `peerdiscovery/churn.py` and `PeriodicSimilarity` of `peerdiscovery/community.py`, and the
//! strategy loop of `ipv8_service.py` (`on_tick`): every `walk_interval`, in configuration order,
//! each strategy whose community has fewer peers than its target (`-1` = always) takes one step.
//! py-ipv8's per-strategy spacing (`walk_interval // strategy_count`) is 0 s with the defaults,
//! so due strategies run back-to-back here too.
//!
//! A strategy is generic over the community it walks for: RandomWalk and EdgeWalk work on any
//! community; RandomChurn and PeriodicSimilarity need [`DiscoveryCommunity`]'s ping and
//! similarity request, which they call through its public methods.
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

pub use churn::{RandomChurn, silent_for_more_than};
pub use edge_walk::EdgeWalk;
pub use random_walk::RandomWalk;
pub use similarity::PeriodicSimilarity;

use crate::community::{Community, Cx};

#[cfg(doc)]
use crate::community::DiscoveryCommunity;

/// A way of finding peers for community `C` (py-ipv8 `DiscoveryStrategy`).
///
/// The node calls [`DiscoveryStrategy::take_step`] once per walk interval while the community
/// has fewer responsive peers than the strategy's target. Everything a step does goes through
/// the [`Cx`]: walking to addresses, asking peers for introductions, bootstrapping, the network.
///
/// ```
/// use ipv8_proto::community::{Community, Cx, PlainCommunity};
/// use ipv8_proto::strategy::DiscoveryStrategy;
///
/// /// Walks to every address it was introduced to (py-ipv8's discovery strategy tutorial).
/// struct WalkEverywhere;
///
/// impl<C: Community> DiscoveryStrategy<C> for WalkEverywhere {
///     fn name(&self) -> &'static str {
///         "WalkEverywhere"
///     }
///     fn take_step(&mut self, _community: &mut C, cx: &mut Cx<'_, C>) {
///         for addr in cx.walkable_addresses() {
///             cx.walk_to(addr);
///         }
///     }
/// }
/// # fn check(_: Box<dyn DiscoveryStrategy<PlainCommunity>>) {}
/// # check(Box::new(WalkEverywhere));
/// ```
pub trait DiscoveryStrategy<C: Community>: Send {
    /// The py-ipv8 class name (REST `strategies`).
    fn name(&self) -> &'static str;

    /// One step (py-ipv8 `take_step`).
    fn take_step(&mut self, community: &mut C, cx: &mut Cx<'_, C>);

    /// The network changed: forget outstanding walks.
    fn reset(&mut self) {}
}
