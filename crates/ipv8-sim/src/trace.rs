//! The event trace: a SHA-256 digest over everything observable, an optional bounded log of
//! the same records in text form, and the network counters.
//!
//! Two runs are "the same" when their digests are equal: every delivered datagram
//! (time, receiving host, from, to, bytes), every node event (time, host, `Debug` text), every
//! send-failure notification and every control action (crash, restart, move) is hashed in
//! order.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use sha2::{Digest, Sha256};

use crate::time::SimTime;

/// One record of the trace, as kept in the optional log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceRecord {
    /// When it happened.
    pub at: SimTime,
    /// Host index it happened at.
    pub host: u32,
    /// Human-readable description.
    pub what: String,
}

impl fmt::Display for TraceRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} #{} {}", self.at, self.host, self.what)
    }
}

/// A 32-byte trace digest (hex in `Display`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceDigest(pub [u8; 32]);

impl fmt::Display for TraceDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// The running digest and the optional log.
pub struct Trace {
    hasher: Sha256,
    records: u64,
    log: Vec<TraceRecord>,
    log_limit: usize,
}

impl Trace {
    /// A trace that keeps the first `log_limit` records as text (0 = digest only).
    #[must_use]
    pub fn new(log_limit: usize) -> Self {
        Self {
            hasher: Sha256::new(),
            records: 0,
            log: Vec::new(),
            log_limit,
        }
    }

    /// The digest of everything recorded so far.
    #[must_use]
    pub fn digest(&self) -> TraceDigest {
        TraceDigest(self.hasher.clone().finalize().into())
    }

    /// Number of records hashed.
    #[must_use]
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The kept text records.
    #[must_use]
    pub fn log(&self) -> &[TraceRecord] {
        &self.log
    }

    fn head(&mut self, tag: u8, at: SimTime, host: u32) {
        self.records += 1;
        self.hasher.update([tag]);
        self.hasher.update(at.as_micros().to_le_bytes());
        self.hasher.update(host.to_le_bytes());
    }

    fn addr(&mut self, a: SocketAddr) {
        match a.ip() {
            IpAddr::V4(ip) => {
                self.hasher.update([4]);
                self.hasher.update(ip.octets());
            }
            IpAddr::V6(ip) => {
                self.hasher.update([6]);
                self.hasher.update(ip.octets());
            }
        }
        self.hasher.update(a.port().to_le_bytes());
    }

    fn keep(&mut self, at: SimTime, host: u32, what: impl FnOnce() -> String) {
        if self.log.len() < self.log_limit {
            self.log.push(TraceRecord {
                at,
                host,
                what: what(),
            });
        }
    }

    /// A datagram delivered to `host` (addressed to `to`, from `from`).
    pub fn delivered(
        &mut self,
        at: SimTime,
        host: u32,
        from: SocketAddr,
        to: SocketAddr,
        b: &[u8],
    ) {
        self.head(b'D', at, host);
        self.addr(from);
        self.addr(to);
        self.hasher
            .update(u64::try_from(b.len()).unwrap_or(u64::MAX).to_le_bytes());
        self.hasher.update(b);
        self.keep(at, host, || {
            format!("recv {} bytes {from} -> {to}", b.len())
        });
    }

    /// A node event (its `Debug` text).
    pub fn event(&mut self, at: SimTime, host: u32, text: &str) {
        self.head(b'E', at, host);
        self.hasher
            .update(u64::try_from(text.len()).unwrap_or(u64::MAX).to_le_bytes());
        self.hasher.update(text.as_bytes());
        self.keep(at, host, || format!("event {text}"));
    }

    /// A send-failure notification delivered to `host` for destination `to`.
    pub fn send_failed(&mut self, at: SimTime, host: u32, to: SocketAddr) {
        self.head(b'F', at, host);
        self.addr(to);
        self.keep(at, host, || format!("send failed -> {to}"));
    }

    /// A datagram handed to the network and what became of it (text log only: the digest
    /// covers deliveries, which follow from sends).
    pub fn sent(&mut self, at: SimTime, host: u32, to: SocketAddr, len: usize, fate: &str) {
        self.keep(at, host, || format!("send {len} bytes -> {to} ({fate})"));
    }

    /// True when text records are being kept.
    #[must_use]
    pub fn logging(&self) -> bool {
        self.log.len() < self.log_limit
    }

    /// A control action (start, crash, restart, move) at `host`.
    pub fn control(&mut self, at: SimTime, host: u32, text: &str) {
        self.head(b'C', at, host);
        self.hasher.update(text.as_bytes());
        self.keep(at, host, || format!("control {text}"));
    }
}

/// Network-wide counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Datagrams handed to the network by nodes.
    pub sent: u64,
    /// Bytes handed to the network by nodes.
    pub bytes_sent: u64,
    /// Datagrams injected by the test (spoofed traffic).
    pub injected: u64,
    /// Datagrams delivered to a node.
    pub delivered: u64,
    /// Datagrams lost on a link.
    pub lost: u64,
    /// Extra copies created by duplication.
    pub duplicated: u64,
    /// Datagrams dropped because sender and receiver are in different partitions.
    pub partitioned: u64,
    /// Datagrams refused by a NAT (no mapping, filtered or hairpin).
    pub nat_dropped: u64,
    /// Datagrams to an address where nothing is bound (dead, moved or never existed).
    pub unreachable: u64,
    /// Send-failure notifications delivered to senders.
    pub icmp_delivered: u64,
    /// Node wakeups that ran (stale ones excluded).
    pub wakeups: u64,
    /// Stale wakeups skipped by generation number.
    pub stale_wakeups: u64,
    /// Node events observed.
    pub events: u64,
    /// Outputs of a kind the network cannot carry (dropped and counted).
    pub unsupported_outputs: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_depends_on_every_field_and_order() {
        let from: SocketAddr = "1.2.3.4:5".parse().unwrap();
        let to: SocketAddr = "5.6.7.8:9".parse().unwrap();
        let run = |bytes: &[u8], swap: bool| {
            let mut t = Trace::new(10);
            if swap {
                t.event(SimTime::ZERO, 1, "x");
                t.delivered(SimTime::ZERO, 0, from, to, bytes);
            } else {
                t.delivered(SimTime::ZERO, 0, from, to, bytes);
                t.event(SimTime::ZERO, 1, "x");
            }
            t.digest()
        };
        assert_eq!(run(b"ab", false), run(b"ab", false));
        assert_ne!(run(b"ab", false), run(b"ac", false));
        assert_ne!(run(b"ab", false), run(b"ab", true));
        let mut t = Trace::new(1);
        t.send_failed(SimTime::from_secs(1), 3, to);
        t.control(SimTime::from_secs(1), 3, "crash");
        assert_eq!(t.records(), 2);
        assert_eq!(t.log().len(), 1);
        assert_eq!(
            t.log()[0].to_string(),
            "1.000000s #3 send failed -> 5.6.7.8:9"
        );
        assert_eq!(t.digest().to_string().len(), 64);
    }
}
