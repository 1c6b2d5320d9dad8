//! Message statistics per community prefix and message id — passive by construction.
//!
//! Ports py-ipv8 `messaging/interfaces/statistics_endpoint.py` and `network_stats.py`, without
//! wrapping anything: the node calls [`Statistics::record_in`] / [`Statistics::record_out`] with a
//! shared `&Header`, the datagram length and `now`. Those methods return `()`, never see the
//! payload, the node or the output queue, so they cannot drop, alter, reorder or delay a packet.
//! This module denies indexing, unchecked arithmetic, unwrap/expect and panics; every counter
//! saturates. Per-id slots are allocated lazily (a sorted `Vec`, not a 256-entry array) and only
//! for enabled prefixes, so memory follows the messages a community actually uses.

#![deny(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::time::Duration;

use ipv8_wire::{Header, Prefix};

use crate::time::Instant;
use crate::vecmap::VecMap;

/// py-ipv8 `StatisticsEndpoint.IDS_INTRODUCTION`.
pub const IDS_INTRODUCTION: [u8; 2] = [245, 246];
/// py-ipv8 `StatisticsEndpoint.IDS_PUNCTURE`.
pub const IDS_PUNCTURE: [u8; 2] = [249, 250];
/// py-ipv8 `StatisticsEndpoint.IDS_DEPRECATED`.
pub const IDS_DEPRECATED: [u8; 17] = [
    235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 247, 248, 251, 252, 253, 254, 255,
];

/// Counters of one message id (py-ipv8 `NetworkStat`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetworkStat {
    /// Datagrams sent.
    pub num_up: u64,
    /// Datagrams received.
    pub num_down: u64,
    /// Bytes sent (datagram lengths).
    pub bytes_up: u64,
    /// Bytes received.
    pub bytes_down: u64,
    /// First send, `None` if never.
    pub first_measured_up: Option<Instant>,
    /// First receipt, `None` if never.
    pub first_measured_down: Option<Instant>,
    /// Latest send.
    pub last_measured_up: Option<Instant>,
    /// Latest receipt.
    pub last_measured_down: Option<Instant>,
}

impl NetworkStat {
    fn add_up(&mut self, len: u64, now: Instant) {
        self.num_up = self.num_up.saturating_add(1);
        self.bytes_up = self.bytes_up.saturating_add(len);
        self.first_measured_up.get_or_insert(now);
        self.last_measured_up = Some(now);
    }

    fn add_down(&mut self, len: u64, now: Instant) {
        self.num_down = self.num_down.saturating_add(1);
        self.bytes_down = self.bytes_down.saturating_add(len);
        self.first_measured_down.get_or_insert(now);
        self.last_measured_down = Some(now);
    }
}

/// Which id groups the filtered totals include (py-ipv8's `include_*` flags, all `false` by
/// default). The new-style ids 231–234 are never excluded (docs/spec/PROTOCOL.md §11.12).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatFilter {
    /// Count 245/246.
    pub include_introduction: bool,
    /// Count 249/250.
    pub include_puncture: bool,
    /// Count the deprecated Dispersy ids.
    pub include_deprecated: bool,
}

impl StatFilter {
    /// Everything included.
    pub const ALL: Self = Self {
        include_introduction: true,
        include_puncture: true,
        include_deprecated: true,
    };

    /// py-ipv8 `is_excluded`.
    #[must_use]
    pub fn excludes(&self, id: u8) -> bool {
        (IDS_DEPRECATED.contains(&id) && !self.include_deprecated)
            || (IDS_INTRODUCTION.contains(&id) && !self.include_introduction)
            || (IDS_PUNCTURE.contains(&id) && !self.include_puncture)
    }
}

/// Sums over all ids of a prefix (py-ipv8 `get_aggregate_statistics`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Aggregate {
    /// Datagrams sent.
    pub num_up: u64,
    /// Datagrams received.
    pub num_down: u64,
    /// Bytes sent.
    pub bytes_up: u64,
    /// Bytes received.
    pub bytes_down: u64,
    /// Latest measurement minus the earliest first measurement.
    pub diff_time: Duration,
}

/// Filtered totals (py-ipv8 `get_message_sent/received`, `get_bytes_sent/received`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Messages sent.
    pub messages_sent: u64,
    /// Messages received.
    pub messages_received: u64,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
}

/// The counters of one prefix, one lazily allocated slot per message id seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrefixStats {
    slots: Vec<(u8, NetworkStat)>,
}

impl PrefixStats {
    fn slot(&mut self, id: u8) -> Option<&mut NetworkStat> {
        let pos = match self.slots.binary_search_by_key(&id, |(k, _)| *k) {
            Ok(pos) => pos,
            Err(pos) => {
                // A community uses a dozen ids at most, each seen once: grow exactly.
                self.slots.reserve_exact(1);
                self.slots.insert(pos, (id, NetworkStat::default()));
                pos
            }
        };
        self.slots.get_mut(pos).map(|(_, s)| s)
    }

    /// The counters of message `id`, if it was ever seen.
    #[must_use]
    pub fn get(&self, id: u8) -> Option<&NetworkStat> {
        self.slots
            .binary_search_by_key(&id, |(k, _)| *k)
            .ok()
            .and_then(|pos| self.slots.get(pos))
            .map(|(_, s)| s)
    }

    /// Every `(message id, counters)` pair, by id.
    pub fn iter(&self) -> impl Iterator<Item = (u8, &NetworkStat)> + '_ {
        self.slots.iter().map(|(id, s)| (*id, s))
    }

    /// Sums over all ids.
    #[must_use]
    pub fn aggregate(&self) -> Aggregate {
        let mut agg = Aggregate::default();
        let mut first: Option<Instant> = None;
        let mut last: Option<Instant> = None;
        for (_, s) in &self.slots {
            agg.num_up = agg.num_up.saturating_add(s.num_up);
            agg.num_down = agg.num_down.saturating_add(s.num_down);
            agg.bytes_up = agg.bytes_up.saturating_add(s.bytes_up);
            agg.bytes_down = agg.bytes_down.saturating_add(s.bytes_down);
            for f in [s.first_measured_up, s.first_measured_down]
                .into_iter()
                .flatten()
            {
                first = Some(first.map_or(f, |cur| cur.min(f)));
            }
            for l in [s.last_measured_up, s.last_measured_down]
                .into_iter()
                .flatten()
            {
                last = Some(last.map_or(l, |cur| cur.max(l)));
            }
        }
        if let (Some(first), Some(last)) = (first, last) {
            agg.diff_time = last.saturating_duration_since(first);
        }
        agg
    }

    /// Totals with py-ipv8's id filters.
    #[must_use]
    pub fn totals(&self, filter: StatFilter) -> Totals {
        let mut t = Totals::default();
        for (id, s) in &self.slots {
            if filter.excludes(*id) {
                continue;
            }
            t.messages_sent = t.messages_sent.saturating_add(s.num_up);
            t.messages_received = t.messages_received.saturating_add(s.num_down);
            t.bytes_sent = t.bytes_sent.saturating_add(s.bytes_up);
            t.bytes_received = t.bytes_received.saturating_add(s.bytes_down);
        }
        t
    }
}

/// Message statistics of the node, per enabled prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statistics {
    prefixes: VecMap<Prefix, PrefixStats>,
}

impl Statistics {
    /// Starts tracking `prefix` (py-ipv8 `enable_community_statistics(prefix, True)`); keeps
    /// existing counters.
    pub fn enable(&mut self, prefix: Prefix) {
        self.prefixes
            .get_or_insert_with(prefix, PrefixStats::default);
    }

    /// Stops tracking `prefix` and discards its counters.
    pub fn disable(&mut self, prefix: &Prefix) {
        self.prefixes.remove(prefix);
    }

    /// Whether `prefix` is tracked.
    #[must_use]
    pub fn is_enabled(&self, prefix: &Prefix) -> bool {
        self.prefixes.contains_key(prefix)
    }

    /// Number of tracked prefixes.
    #[must_use]
    pub fn enabled_count(&self) -> usize {
        self.prefixes.len()
    }

    /// Records a received datagram. Never fails, never sees the payload.
    pub fn record_in(&mut self, header: &Header, len: usize, now: Instant) {
        if let Some(slot) = self
            .prefixes
            .get_mut(&header.prefix)
            .and_then(|p| p.slot(header.msg_id))
        {
            slot.add_down(u64::try_from(len).unwrap_or(u64::MAX), now);
        }
    }

    /// Records a sent datagram. Never fails, never sees the payload.
    pub fn record_out(&mut self, header: &Header, len: usize, now: Instant) {
        if let Some(slot) = self
            .prefixes
            .get_mut(&header.prefix)
            .and_then(|p| p.slot(header.msg_id))
        {
            slot.add_up(u64::try_from(len).unwrap_or(u64::MAX), now);
        }
    }

    /// The counters of one prefix.
    #[must_use]
    pub fn prefix(&self, prefix: &Prefix) -> Option<&PrefixStats> {
        self.prefixes.get(prefix)
    }

    /// Every tracked prefix with its counters.
    pub fn iter(&self) -> impl Iterator<Item = (&Prefix, &PrefixStats)> + '_ {
        self.prefixes.iter()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use ipv8_wire::CommunityId;

    use super::*;

    fn header(id: u8) -> Header {
        Header {
            prefix: Prefix::new(2, CommunityId([7; 20])),
            msg_id: id,
        }
    }

    #[test]
    fn counts_only_enabled_prefixes() {
        let mut s = Statistics::default();
        s.record_in(&header(1), 100, Instant::from_secs(1));
        assert_eq!(s.enabled_count(), 0);
        s.enable(header(1).prefix);
        s.record_in(&header(1), 100, Instant::from_secs(1));
        s.record_out(&header(1), 40, Instant::from_secs(3));
        s.record_out(&header(246), 192, Instant::from_secs(4));
        let p = s.prefix(&header(1).prefix).unwrap();
        let one = p.get(1).unwrap();
        assert_eq!(
            (one.num_down, one.bytes_down, one.num_up, one.bytes_up),
            (1, 100, 1, 40)
        );
        assert_eq!(one.first_measured_down, Some(Instant::from_secs(1)));
        assert_eq!(one.last_measured_up, Some(Instant::from_secs(3)));
        let agg = p.aggregate();
        assert_eq!(agg.num_up, 2);
        assert_eq!(agg.diff_time, Duration::from_secs(3));
        assert_eq!(p.totals(StatFilter::default()).messages_sent, 1);
        assert_eq!(p.totals(StatFilter::ALL).messages_sent, 2);
        assert_eq!(p.iter().count(), 2);
        s.disable(&header(1).prefix);
        assert!(s.prefix(&header(1).prefix).is_none());
    }

    #[test]
    fn filters_match_py_ipv8() {
        let f = StatFilter::default();
        assert!(f.excludes(246) && f.excludes(250) && f.excludes(255) && f.excludes(235));
        assert!(!f.excludes(234) && !f.excludes(231) && !f.excludes(1));
    }

    #[test]
    fn counters_saturate() {
        let mut s = NetworkStat {
            num_up: u64::MAX,
            bytes_up: u64::MAX - 1,
            ..NetworkStat::default()
        };
        s.add_up(10, Instant::ZERO);
        assert_eq!((s.num_up, s.bytes_up), (u64::MAX, u64::MAX));
    }
}
