//! Bootstrapping: the node's tracker list ([`Trackers`]), each overlay's bootstrappers and the
//! status they expose ([`BootstrapStatus`]).
//!
//! Ports py-ipv8 `bootstrapping/bootstrapper_interface.py` (`initialize`, `get_addresses`,
//! `keep_alive`, `blacklist`) and `Community.bootstrap` (`community.py`). DNS goes through
//! `Output::Resolve`; the broadcast socket through `Output::Beacon`. Unlike py-ipv8, a failed
//! name is resolved again at the next round, and rounds nobody answers back off.

mod beacon;
mod dispersy;

use std::net::SocketAddr;
use std::time::Duration;

pub(crate) use beacon::BeaconBootstrapper;
pub(crate) use dispersy::{DispersyBootstrapper, FEW_PEERS};

use crate::address::canonical;
use crate::community::Base;
use crate::config::BootstrapConfig;
use crate::node::outputs::Output;
use crate::time::Instant;

/// Where bootstrapping stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootstrapStatus {
    /// No tracker and no beacon configured.
    Disabled,
    /// Nothing sent yet (bootstrapping starts when a community has no peers).
    Idle,
    /// Requests sent, no tracker has answered since.
    Waiting {
        /// Unanswered rounds so far (1 = the first round is still outstanding).
        attempts: u32,
        /// When the next round may be sent.
        next_attempt: Instant,
    },
    /// A tracker answered.
    Reached {
        /// Its latest answer.
        last_response: Instant,
    },
}

/// Resolution state of one tracker name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NameState {
    Unresolved,
    Pending { since: Instant },
    Resolved,
    Failed,
}

/// A tracker DNS name.
#[derive(Debug, Clone)]
pub(crate) struct TrackerName {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) state: NameState,
}

/// The DispersyBootstrapper's server list, shared by all overlays.
#[derive(Debug, Clone)]
pub(crate) struct Trackers {
    pub(crate) addrs: Vec<SocketAddr>,
    pub(crate) names: Vec<TrackerName>,
    pub(crate) timeout: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) keep_alive_chance: f64,
}

impl Trackers {
    pub(crate) fn new(config: &BootstrapConfig) -> Self {
        let mut addrs: Vec<SocketAddr> = Vec::new();
        for a in &config.trackers {
            let a = canonical(*a);
            if !addrs.contains(&a) {
                addrs.push(a);
            }
        }
        Self {
            addrs,
            names: config
                .dns_names
                .iter()
                .map(|(host, port)| TrackerName {
                    host: host.clone(),
                    port: *port,
                    state: NameState::Unresolved,
                })
                .collect(),
            timeout: config.timeout,
            max_backoff: config.max_backoff.max(config.timeout),
            keep_alive_chance: config.keep_alive_chance,
        }
    }

    /// Adds a tracker address; `false` if it was known.
    pub(crate) fn add(&mut self, addr: SocketAddr) -> bool {
        let addr = canonical(addr);
        if self.addrs.contains(&addr) {
            return false;
        }
        self.addrs.push(addr);
        true
    }

    /// Whether anything is configured.
    pub(crate) fn configured(&self) -> bool {
        !self.addrs.is_empty() || !self.names.is_empty()
    }

    /// Whether `addr` is a tracker.
    pub(crate) fn is_tracker(&self, addr: SocketAddr) -> bool {
        self.addrs.contains(&canonical(addr))
    }

    /// `Resolve` outputs for names never resolved, failed, or pending for too long.
    pub(crate) fn resolve_requests(&mut self, now: Instant) -> Vec<Output> {
        let stale = self.timeout;
        let mut out = Vec::new();
        for name in &mut self.names {
            let due = match name.state {
                NameState::Unresolved | NameState::Failed => true,
                NameState::Pending { since } => now.saturating_duration_since(since) >= stale,
                NameState::Resolved => false,
            };
            if due {
                name.state = NameState::Pending { since: now };
                out.push(Output::Resolve {
                    host: name.host.clone(),
                    port: name.port,
                });
            }
        }
        out
    }

    /// Marks every name for resolution again (network change).
    pub(crate) fn forget_resolution(&mut self) {
        for name in &mut self.names {
            name.state = NameState::Unresolved;
        }
    }

    /// Records a DNS answer; returns the addresses that are new trackers.
    pub(crate) fn resolved(
        &mut self,
        host: &str,
        port: u16,
        addrs: &[SocketAddr],
    ) -> Vec<SocketAddr> {
        let mut known_name = false;
        for name in &mut self.names {
            if name.host == host && name.port == port {
                known_name = true;
                name.state = if addrs.is_empty() {
                    NameState::Failed
                } else {
                    NameState::Resolved
                };
            }
        }
        if !known_name {
            return Vec::new();
        }
        let mut fresh = Vec::new();
        // IPv4 only, as py-ipv8's gethostbyname; at most 16 addresses per answer.
        for a in addrs
            .iter()
            .map(|a| canonical(*a))
            .filter(SocketAddr::is_ipv4)
            .take(16)
        {
            let a = SocketAddr::new(a.ip(), port);
            if !self.addrs.contains(&a) && self.addrs.len() < 256 {
                self.addrs.push(a);
                fresh.push(a);
            }
        }
        fresh
    }
}

/// The bootstrappers of one overlay.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bootstrappers {
    pub(crate) dispersy: Option<DispersyBootstrapper>,
    pub(crate) beacon: Option<BeaconBootstrapper>,
}

impl Bootstrappers {
    /// Whether any bootstrapper ran its `initialize` (py-ipv8 `initialized`).
    pub(crate) fn any_initialized(&self) -> bool {
        self.dispersy.as_ref().is_some_and(|d| d.initialized)
            || self.beacon.as_ref().is_some_and(|b| b.initialized)
    }

    /// py-ipv8 `Community.bootstrap`: initialize and `get_addresses` for each bootstrapper.
    pub(crate) fn bootstrap(&mut self, cx: &mut Base<'_>) {
        if let Some(d) = &mut self.dispersy {
            d.bootstrap(cx);
        }
        if let Some(b) = &mut self.beacon {
            b.bootstrap(cx);
        }
    }

    /// py-ipv8 `keep_alive` of every bootstrapper.
    pub(crate) fn keep_alive(&mut self, cx: &mut Base<'_>) {
        if let Some(d) = &mut self.dispersy {
            d.keep_alive(cx);
        }
        if let Some(b) = &mut self.beacon {
            b.keep_alive(cx);
        }
    }

    /// A tracker answered one of this overlay's requests.
    pub(crate) fn on_tracker_response(&mut self, cx: &mut Base<'_>, from: SocketAddr) {
        if let Some(d) = &mut self.dispersy {
            d.on_response(cx, from);
        }
    }

    /// Forget rate limits so the next `bootstrap` runs at once (network change).
    pub(crate) fn reset(&mut self) {
        if let Some(d) = &mut self.dispersy {
            d.reset();
        }
        if let Some(b) = &mut self.beacon {
            b.reset();
        }
    }

    /// This overlay's status.
    pub(crate) fn status(&self) -> BootstrapStatus {
        match (&self.dispersy, &self.beacon) {
            (Some(d), _) => d.status(),
            (None, Some(_)) => BootstrapStatus::Idle,
            (None, None) => BootstrapStatus::Disabled,
        }
    }
}
