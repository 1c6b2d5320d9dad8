//! [`BeaconBootstrapper`]: the UDP broadcast beacon (docs/spec/PROTOCOL.md §5.8).
//!
//! Ports py-ipv8 `bootstrapping/udpbroadcast/bootstrapper.py`. The node only decides *when* to
//! beacon and builds the 29 bytes (`Output::Beacon`); the driver owns the broadcast socket and
//! sends them to `255.255.255.255` on every port. Received beacons for our prefix make the node
//! walk to the sender (`Node::handle_datagram`).

use ipv8_wire::{Beacon, Payload};

use crate::community::Base;
use crate::node::outputs::Output;
use crate::time::Instant;

/// Per-overlay beacon state.
#[derive(Debug, Clone, Default)]
pub(crate) struct BeaconBootstrapper {
    pub(crate) initialized: bool,
    last: Option<Instant>,
}

impl BeaconBootstrapper {
    fn beacon(cx: &mut Base<'_>) {
        let bytes = Beacon {
            prefix: cx.ov.prefix,
        }
        .to_bytes();
        cx.core
            .outbox
            .queue
            .other(Output::Beacon { bytes }, &mut cx.core.outbox.drops);
    }

    /// py-ipv8 `initialize` + `get_addresses`: beacon at most every `bootstrap_timeout`.
    pub(crate) fn bootstrap(&mut self, cx: &mut Base<'_>) {
        self.initialized = true;
        let timeout = cx.core.trackers.timeout;
        if self
            .last
            .is_some_and(|last| cx.now.saturating_duration_since(last) < timeout)
        {
            return;
        }
        self.last = Some(cx.now);
        Self::beacon(cx);
    }

    /// py-ipv8 `keep_alive`: beacon.
    pub(crate) fn keep_alive(&mut self, cx: &mut Base<'_>) {
        Self::beacon(cx);
    }

    /// Next `bootstrap` beacons at once.
    pub(crate) fn reset(&mut self) {
        self.last = None;
    }
}
