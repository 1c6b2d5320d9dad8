//! Dropped input as data: [`DropReason`] and the [`DropCounters`] the node keeps for them.
//!
//! py-ipv8 logs and swallows exceptions in `Community.on_packet` (`community.py`) and
//! `EZPackOverlay` (`lazy_community.py`); here nothing that arrives can make a handler fail loudly:
//! every discarded datagram is one named, counted reason.

#![deny(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::fmt;

use crate::vecmap::VecMap;

/// Why a datagram (or an action it asked for) was discarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum DropReason {
    /// Shorter than a prefix plus message id (23 bytes).
    Truncated,
    /// The 22-byte prefix belongs to no local community (and no tracker serves it).
    UnknownPrefix,
    /// The community has no handler for this message id.
    UnknownMessage,
    /// One of the deprecated Dispersy ids (235–244, 247, 248, 251–255); py-ipv8 only logs them.
    Deprecated,
    /// The envelope or payload failed to decode at the named field.
    Decode {
        /// py-ipv8 name of the field that failed.
        field: &'static str,
    },
    /// The signature does not verify against the packet's public key.
    BadSignature,
    /// The community is above `max_peers` and refuses new requests (py-ipv8 behaviour).
    MaxPeers,
    /// The hard cap on the verified-peer table was reached (memory bound, not in py-ipv8).
    PeerTableFull,
    /// A pong that matches no outstanding ping.
    UnsolicitedPong,
    /// A tracker-mode introduction-response that answers no tracker ping.
    UnsolicitedResponse,
    /// A broadcast beacon for a prefix we do not run (or with beacons disabled).
    ForeignBeacon,
    /// A message style this node cannot send back to the source (e.g. 246 from an IPv6 address).
    UnsupportedAddress,
    /// A packet signed with our own key (we walked to ourselves).
    OwnPacket,
    /// The output queue was full (the driver is not draining `poll_output`).
    OutputQueueFull,
    /// A community's handler refused the message for the reason it names (a short stable
    /// `snake_case` name prefixed by the community, e.g. `dht_bad_token`), which is also the
    /// counter's [`DropReason::name`].
    Refused {
        /// The community's reason.
        reason: &'static str,
    },
}

impl DropReason {
    /// A short stable name, for metrics and logs (`decode:<field>` for decode errors).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Truncated => "truncated",
            Self::UnknownPrefix => "unknown_prefix",
            Self::UnknownMessage => "unknown_message",
            Self::Deprecated => "deprecated_message",
            Self::Decode { .. } => "decode_error",
            Self::BadSignature => "bad_signature",
            Self::MaxPeers => "max_peers",
            Self::PeerTableFull => "peer_table_full",
            Self::UnsolicitedPong => "unsolicited_pong",
            Self::UnsolicitedResponse => "unsolicited_response",
            Self::ForeignBeacon => "foreign_beacon",
            Self::UnsupportedAddress => "unsupported_address",
            Self::OwnPacket => "own_packet",
            Self::OutputQueueFull => "output_queue_full",
            Self::Refused { reason } => reason,
        }
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode { field } => write!(f, "decode error at field '{field}'"),
            Self::Refused { reason } => write!(f, "refused: {reason}"),
            other => f.write_str(other.name()),
        }
    }
}

impl From<ipv8_wire::DecodeError> for DropReason {
    fn from(e: ipv8_wire::DecodeError) -> Self {
        Self::Decode { field: e.field }
    }
}

/// Saturating counters per [`DropReason`].
///
/// Memory is bounded: reasons are a closed set and decode errors are keyed by `&'static str`
/// field names, which come from a finite set compiled into `ipv8-wire`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DropCounters {
    counts: VecMap<DropReason, u64>,
    total: u64,
}

impl DropCounters {
    /// Counts one drop.
    pub fn record(&mut self, reason: DropReason) {
        let slot = self.counts.get_or_insert_with(reason, || 0);
        *slot = slot.saturating_add(1);
        self.total = self.total.saturating_add(1);
    }

    /// Drops counted for `reason`.
    #[must_use]
    pub fn get(&self, reason: DropReason) -> u64 {
        self.counts.get(&reason).copied().unwrap_or(0)
    }

    /// Decode-error drops summed over all fields.
    #[must_use]
    pub fn decode_errors(&self) -> u64 {
        self.counts
            .iter()
            .filter(|(r, _)| matches!(r, DropReason::Decode { .. }))
            .fold(0u64, |acc, (_, n)| acc.saturating_add(*n))
    }

    /// All drops.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Every non-zero counter, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = (DropReason, u64)> + '_ {
        self.counts.iter().map(|(r, n)| (*r, *n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_reason_and_field() {
        let mut d = DropCounters::default();
        d.record(DropReason::Truncated);
        d.record(DropReason::Truncated);
        d.record(DropReason::Decode {
            field: "identifier",
        });
        d.record(DropReason::Decode { field: "flags" });
        assert_eq!(d.get(DropReason::Truncated), 2);
        assert_eq!(d.get(DropReason::Decode { field: "flags" }), 1);
        assert_eq!(d.decode_errors(), 2);
        assert_eq!(d.total(), 4);
        assert_eq!(
            DropReason::Decode { field: "flags" }.to_string(),
            "decode error at field 'flags'"
        );
        assert_eq!(d.iter().count(), 3);
        let refused = DropReason::Refused {
            reason: "dht_bad_token",
        };
        d.record(refused);
        assert_eq!(d.get(refused), 1);
        assert_eq!(refused.name(), "dht_bad_token");
        assert_eq!(refused.to_string(), "refused: dht_bad_token");
    }
}
