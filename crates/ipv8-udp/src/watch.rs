//! Network-change notifications: local addresses coming and going.
//!
//! [`NetWatcher`] combines two sources and reports what changed as [`NetEvent`]s:
//!
//! * **OS notifications** through `if-watch` (Linux rtnetlink address groups, Windows
//!   `NotifyIpInterfaceChange`, Apple SCDynamicStore). They are used only as *triggers*: any
//!   notification causes a resync.
//! * **Resync**: list the addresses with `if-addrs` and diff against the last listing. It runs
//!   after every notification and, as the fallback, every `resync_interval`
//!   ([`DEFAULT_RESYNC_INTERVAL`]), so a lost notification, a notification source that failed or
//!   could not start (no netlink in a sandbox), or a sleep/wake that dropped events is caught
//!   within one interval. A failed OS source is dropped and recreated at the next resync.
//!
//! Having one source of truth (the listing) means events never disagree with
//! [`crate::local_interfaces`]. The driver reacts to any event by re-reading the interfaces for
//! the node and letting its watchdog decide about a rebind; a wildcard-bound socket usually
//! survives address changes (docs/design/UDP-FAILURES.md §2.1).

use std::collections::{BTreeSet, VecDeque};
use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Interval, MissedTickBehavior};

use crate::IfNet;
use crate::interfaces::local_nets;

/// How often [`NetWatcher`] re-lists addresses when no OS notification arrives.
pub const DEFAULT_RESYNC_INTERVAL: Duration = Duration::from_secs(30);

/// A change of the local addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetEvent {
    /// An address appeared.
    Up(IfNet),
    /// An address disappeared.
    Down(IfNet),
}

type Lister = Box<dyn FnMut() -> io::Result<BTreeSet<IfNet>> + Send>;

/// Most OS notifications taken in one poll before resyncing (they usually come in bursts).
const MAX_NOTIFICATIONS_PER_POLL: usize = 256;

/// Watches local addresses; see the module docs. Must be created and polled inside a tokio
/// runtime (the OS source and the resync timer are tokio resources).
pub struct NetWatcher {
    source: Option<if_watch::tokio::IfWatcher>,
    use_os_source: bool,
    known: BTreeSet<IfNet>,
    pending: VecDeque<NetEvent>,
    resync: Interval,
    lister: Lister,
}

impl std::fmt::Debug for NetWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetWatcher")
            .field("os_source_active", &self.source.is_some())
            .field("known", &self.known)
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl NetWatcher {
    /// Starts watching with OS notifications and a resync every `resync_interval`.
    ///
    /// The current addresses become [`NetWatcher::known`] without producing events; events
    /// describe changes after this call. Never fails: without OS notifications (logged as a
    /// warning) the watcher still works by resync alone.
    pub fn new(resync_interval: Duration) -> Self {
        Self::with_parts(true, resync_interval, Box::new(local_nets))
    }

    /// The watcher with an injectable address lister (tests) and optional OS source.
    pub(crate) fn with_parts(
        use_os_source: bool,
        resync_interval: Duration,
        mut lister: Lister,
    ) -> Self {
        let known = lister().unwrap_or_else(|error| {
            tracing::warn!(%error, "cannot list local addresses; starting from none");
            BTreeSet::new()
        });
        let period = resync_interval.max(Duration::from_millis(10));
        let mut resync = tokio::time::interval_at(Instant::now() + period, period);
        resync.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut watcher = Self {
            source: None,
            use_os_source,
            known,
            pending: VecDeque::new(),
            resync,
            lister,
        };
        watcher.start_source();
        watcher
    }

    /// The addresses as of the last resync.
    pub fn known(&self) -> impl Iterator<Item = &IfNet> + '_ {
        self.known.iter()
    }

    /// Whether OS notifications are currently active (false: resync only).
    pub fn os_source_active(&self) -> bool {
        self.source.is_some()
    }

    /// Waits for the next change. Cancel-safe: no event is lost if the future is dropped.
    pub async fn next_event(&mut self) -> NetEvent {
        poll_fn(|cx| self.poll_next_event(cx)).await
    }

    /// Polls for the next change; `Pending` registers `cx`'s waker with both sources.
    pub fn poll_next_event(&mut self, cx: &mut Context<'_>) -> Poll<NetEvent> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Poll::Ready(event);
            }
            let mut triggered = self.poll_source(cx);
            if self.resync.poll_tick(cx).is_ready() {
                triggered = true;
                if self.source.is_none() {
                    self.start_source();
                }
            }
            if !triggered {
                return Poll::Pending;
            }
            self.resync_now();
        }
    }

    /// Drains ready OS notifications; true if there was at least one (or the source failed).
    fn poll_source(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(source) = self.source.as_mut() else {
            return false;
        };
        for taken in 0..MAX_NOTIFICATIONS_PER_POLL {
            match source.poll_if_event(cx) {
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(error)) => {
                    tracing::warn!(%error, "address notifications failed; resync only until restarted");
                    self.source = None;
                    return true;
                }
                Poll::Pending => return taken > 0,
            }
        }
        // A long burst: resync now and come back for the rest.
        cx.waker().wake_by_ref();
        true
    }

    /// (Re)creates the OS notification source, if enabled; failure is logged and tolerated.
    fn start_source(&mut self) {
        if !self.use_os_source {
            return;
        }
        match if_watch::tokio::IfWatcher::new() {
            Ok(source) => self.source = Some(source),
            Err(error) => tracing::warn!(%error, "no OS address notifications; resync only"),
        }
    }

    /// Lists the addresses and queues the differences from the last listing.
    fn resync_now(&mut self) {
        match (self.lister)() {
            Ok(now) => {
                self.pending.extend(diff(&self.known, &now));
                self.known = now;
            }
            // Keep the old view: reporting every address as gone would be a false alarm.
            Err(error) => {
                tracing::warn!(%error, "cannot list local addresses; keeping the last view")
            }
        }
    }
}

/// Events turning `before` into `after`: removals first, each group in address order.
fn diff(before: &BTreeSet<IfNet>, after: &BTreeSet<IfNet>) -> Vec<NetEvent> {
    let downs = before.difference(after).copied().map(NetEvent::Down);
    let ups = after.difference(before).copied().map(NetEvent::Up);
    downs.chain(ups).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;
    use std::sync::{Arc, Mutex};

    fn net(ip: [u8; 4], prefix_len: u8) -> IfNet {
        IfNet {
            ip: IpAddr::from(ip),
            prefix_len,
        }
    }

    /// A lister returning the listings pushed into the shared queue (repeating the last one).
    fn scripted(listings: Vec<io::Result<Vec<IfNet>>>) -> Lister {
        let queue = Arc::new(Mutex::new(VecDeque::from(listings)));
        let mut last = BTreeSet::new();
        Box::new(move || match queue.lock().unwrap().pop_front() {
            Some(Ok(nets)) => {
                last = nets.into_iter().collect();
                Ok(last.clone())
            }
            Some(Err(e)) => Err(e),
            None => Ok(last.clone()),
        })
    }

    #[test]
    fn diff_reports_removals_then_additions() {
        let a = net([10, 0, 0, 1], 24);
        let b = net([10, 0, 0, 2], 24);
        let c = net([192, 0, 2, 1], 32);
        let before = BTreeSet::from([a, b]);
        let after = BTreeSet::from([b, c]);
        assert_eq!(diff(&before, &after), [NetEvent::Down(a), NetEvent::Up(c)]);
        assert!(diff(&after, &after).is_empty());
        // A prefix change is a removal plus an addition.
        let b16 = net([10, 0, 0, 2], 16);
        assert_eq!(
            diff(&BTreeSet::from([b]), &BTreeSet::from([b16])),
            [NetEvent::Down(b), NetEvent::Up(b16)]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn periodic_resync_reports_changes_without_os_events() {
        let lo = net([127, 0, 0, 1], 8);
        let wifi = net([192, 168, 1, 20], 24);
        let lte = net([100, 64, 0, 9], 10);
        let lister = scripted(vec![
            Ok(vec![lo, wifi]), // at start: known, no events
            Ok(vec![lo, wifi]), // first tick: nothing changed
            Ok(vec![lo, lte]),  // second tick: Wi-Fi → LTE
        ]);
        let mut watcher = NetWatcher::with_parts(false, Duration::from_secs(30), lister);
        assert!(!watcher.os_source_active());
        assert_eq!(watcher.known().copied().collect::<Vec<_>>(), [lo, wifi]);
        let start = Instant::now();
        assert_eq!(watcher.next_event().await, NetEvent::Down(wifi));
        assert_eq!(watcher.next_event().await, NetEvent::Up(lte));
        // Both came from the second resync (paused clock: exact).
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        assert_eq!(watcher.known().copied().collect::<Vec<_>>(), [lte, lo]);
    }

    #[tokio::test(start_paused = true)]
    async fn failed_listing_keeps_the_last_view() {
        let lo = net([127, 0, 0, 1], 8);
        let eth = net([198, 51, 100, 7], 24);
        let lister = scripted(vec![
            Ok(vec![lo, eth]),
            Err(io::Error::other("getifaddrs failed")),
            Ok(vec![lo]),
        ]);
        let mut watcher = NetWatcher::with_parts(false, Duration::from_secs(1), lister);
        // The failed listing produced no "everything is down" storm; the next one is diffed
        // against the view from before the failure.
        assert_eq!(watcher.next_event().await, NetEvent::Down(eth));
        assert_eq!(watcher.known().copied().collect::<Vec<_>>(), [lo]);
    }

    #[tokio::test]
    async fn real_watcher_starts_with_loopback_known() {
        let watcher = NetWatcher::new(DEFAULT_RESYNC_INTERVAL);
        assert!(
            watcher
                .known()
                .any(|n| n.ip == IpAddr::from([127, 0, 0, 1])),
            "loopback missing from {watcher:?}"
        );
        // On Linux the rtnetlink source must start (the netns test relies on it).
        if cfg!(target_os = "linux") {
            assert!(watcher.os_source_active(), "{watcher:?}");
        }
    }
}
