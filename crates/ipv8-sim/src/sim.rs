//! The simulator core: hosts, the event loop, routing of node outputs through links and NATs.
//!
//! One thread, one [`EventQueue`], one master seed. The clock jumps from event to event; each
//! event is a datagram arrival, a node wakeup (skipped when its generation is stale), a
//! send-failure notification or a DNS answer. After every input the node's outputs are drained
//! and routed, then its next wakeup is (re)scheduled. Control actions (add, crash, restart,
//! move, partition) live in `control.rs`.

use std::net::SocketAddr;
use std::time::Duration;

use crate::link::{Fate, LinkModel, LinkTable};
use crate::net::{Fabric, Location, Realm};
use crate::node::{SimNode, SimOutput};
use crate::queue::EventQueue;
use crate::seed::{SimRng, derive_seed};
use crate::time::SimTime;
use crate::trace::{NetStats, Trace, TraceDigest};

/// Simulator settings.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Master seed: every other seed is derived from it.
    pub seed: u64,
    /// Link models (default and per-pair overrides).
    pub links: LinkTable,
    /// Deliver ICMP-style "send failed" notifications for datagrams to unbound addresses.
    pub icmp_unreachable: bool,
    /// Keep this many trace records as text (0 = digest only).
    pub trace_log: usize,
    /// Keep node events in memory for [`Simulator::take_events`].
    pub keep_events: bool,
    /// Delay of DNS answers.
    pub dns_delay: Duration,
}

impl SimConfig {
    /// Defaults with the given master seed: 50 ms links, ICMP on, no log, events not kept.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            links: LinkTable::default(),
            icmp_unreachable: true,
            trace_log: 0,
            keep_events: false,
            dns_delay: Duration::from_millis(20),
        }
    }

    /// Same config with `model` as the default link.
    #[must_use]
    pub fn with_link(mut self, model: LinkModel) -> Self {
        self.links.default = model;
        self
    }
}

/// Per-host counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostStats {
    /// Datagrams sent.
    pub sent: u64,
    /// Datagrams received.
    pub received: u64,
    /// Send-failure notifications received.
    pub send_failed: u64,
}

pub(crate) struct Host<N> {
    pub(crate) node: Option<N>,
    pub(crate) location: Location,
    pub(crate) local: SocketAddr,
    pub(crate) incarnation: u32,
    pub(crate) seed: u64,
    pub(crate) identity_seed: u64,
    pub(crate) timer_gen: u64,
    pub(crate) scheduled: Option<SimTime>,
    pub(crate) same_instant: u32,
    pub(crate) partition: u32,
    pub(crate) stats: HostStats,
}

pub(crate) struct Packet {
    pub(crate) realm: Realm,
    pub(crate) dst: SocketAddr,
    pub(crate) src: SocketAddr,
    pub(crate) bytes: Vec<u8>,
    /// Sending host and its incarnation (None for injected traffic).
    pub(crate) sender: Option<(u32, u32)>,
}

pub(crate) enum Ev {
    Deliver(Packet),
    Wakeup {
        host: u32,
        generation: u64,
    },
    SendFailed {
        host: u32,
        incarnation: u32,
        to: SocketAddr,
    },
    Resolved {
        host: u32,
        incarnation: u32,
        name: String,
        port: u16,
    },
}

/// Wakeups of one host at one instant beyond which the node is declared stuck.
const BUSY_LOOP_LIMIT: u32 = 100_000;

/// The deterministic discrete-event simulator.
pub struct Simulator<N: SimNode> {
    pub(crate) now: SimTime,
    pub(crate) queue: EventQueue<Ev>,
    pub(crate) hosts: Vec<Host<N>>,
    pub(crate) fabric: Fabric,
    pub(crate) rng: SimRng,
    pub(crate) config: SimConfig,
    pub(crate) trace: Trace,
    pub(crate) stats: NetStats,
    pub(crate) dns: std::collections::BTreeMap<String, Vec<SocketAddr>>,
    pub(crate) events: Vec<(SimTime, u32, N::Event)>,
    scratch: Vec<SimOutput<N::Event>>,
}

impl<N: SimNode> Simulator<N> {
    /// An empty world at time zero.
    #[must_use]
    pub fn new(config: SimConfig) -> Self {
        Self {
            now: SimTime::ZERO,
            queue: EventQueue::new(),
            hosts: Vec::new(),
            fabric: Fabric::default(),
            rng: SimRng::new(derive_seed(config.seed, 0, "network")),
            trace: Trace::new(config.trace_log),
            config,
            stats: NetStats::default(),
            dns: std::collections::BTreeMap::new(),
            events: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Current simulated time.
    #[must_use]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The master seed.
    #[must_use]
    pub fn seed(&self) -> u64 {
        self.config.seed
    }

    /// Runs the next event; false when the queue is empty.
    pub fn step(&mut self) -> bool {
        let Some((at, ev)) = self.queue.pop() else {
            return false;
        };
        self.now = at;
        match ev {
            Ev::Deliver(p) => self.arrive(p),
            Ev::Wakeup { host, generation } => self.wake(host, generation),
            Ev::SendFailed {
                host,
                incarnation,
                to,
            } => {
                let Some(h) = self.live_host(host, incarnation) else {
                    return true;
                };
                h.stats.send_failed += 1;
                if let Some(node) = h.node.as_mut() {
                    node.handle_send_failed(at, to);
                }
                self.stats.icmp_delivered += 1;
                self.trace.send_failed(at, host, to);
                self.after_input(host);
            }
            Ev::Resolved {
                host,
                incarnation,
                name,
                port,
            } => {
                let addrs = self.dns.get(&name).cloned().unwrap_or_default();
                let Some(h) = self.live_host(host, incarnation) else {
                    return true;
                };
                if let Some(node) = h.node.as_mut() {
                    node.handle_resolved(at, &name, port, &addrs);
                }
                self.trace
                    .control(at, host, &format!("resolved {name}:{port} -> {addrs:?}"));
                self.after_input(host);
            }
        }
        true
    }

    /// Runs every event up to and including `until`, then sets the clock to `until`.
    pub fn run_until(&mut self, until: SimTime) {
        while self.queue.peek_time().is_some_and(|t| t <= until) {
            self.step();
        }
        self.now = self.now.max(until);
    }

    /// Runs for `d` of simulated time.
    pub fn run_for(&mut self, d: Duration) {
        self.run_until(self.now + d);
    }

    /// Runs until `done(self)` holds (checked every `every`) or `limit` is reached; returns the
    /// time the condition first held.
    pub fn run_until_cond(
        &mut self,
        limit: SimTime,
        every: Duration,
        mut done: impl FnMut(&Self) -> bool,
    ) -> Option<SimTime> {
        loop {
            if done(self) {
                return Some(self.now);
            }
            if self.now >= limit {
                return None;
            }
            let next = (self.now + every).min(limit);
            self.run_until(next);
        }
    }

    fn live_host(&mut self, host: u32, incarnation: u32) -> Option<&mut Host<N>> {
        self.hosts
            .get_mut(host as usize)
            .filter(|h| h.incarnation == incarnation && h.node.is_some())
    }

    fn wake(&mut self, host: u32, generation: u64) {
        let now = self.now;
        let Some(h) = self.hosts.get_mut(host as usize) else {
            return;
        };
        if h.timer_gen != generation || h.node.is_none() {
            self.stats.stale_wakeups += 1;
            return;
        }
        h.scheduled = None;
        if let Some(node) = h.node.as_mut() {
            node.handle_timeout(now);
        }
        self.stats.wakeups += 1;
        self.after_input(host);
        let h = &mut self.hosts[host as usize];
        if h.scheduled.is_some_and(|t| t <= now) {
            h.same_instant += 1;
            assert!(
                h.same_instant < BUSY_LOOP_LIMIT,
                "host {host} asked for {BUSY_LOOP_LIMIT} wakeups at {now} without time \
                 advancing (node bug: poll_timeout stays <= now after handle_timeout); seed {}",
                self.config.seed
            );
        } else {
            h.same_instant = 0;
        }
    }

    /// Drains the outputs of `host` after an input, routes them and reschedules its wakeup.
    pub(crate) fn after_input(&mut self, host: u32) {
        let mut outs = std::mem::take(&mut self.scratch);
        if let Some(node) = self
            .hosts
            .get_mut(host as usize)
            .and_then(|h| h.node.as_mut())
        {
            while let Some(o) = node.poll_output() {
                outs.push(o);
            }
        }
        for o in outs.drain(..) {
            match o {
                SimOutput::Transmit { to, bytes } => self.transmit(host, to, bytes),
                SimOutput::Broadcast { bytes } => self.broadcast(host, &bytes),
                SimOutput::Resolve { host: name, port } => {
                    let incarnation = self.hosts[host as usize].incarnation;
                    let at = self.now + self.config.dns_delay;
                    self.queue.push(
                        at,
                        Ev::Resolved {
                            host,
                            incarnation,
                            name,
                            port,
                        },
                    );
                }
                SimOutput::Event(e) => {
                    self.stats.events += 1;
                    self.trace.event(self.now, host, &format!("{e:?}"));
                    if self.config.keep_events {
                        self.events.push((self.now, host, e));
                    }
                }
            }
        }
        self.scratch = outs;
        self.reschedule(host);
    }

    fn reschedule(&mut self, host: u32) {
        let now = self.now;
        let Some(h) = self.hosts.get_mut(host as usize) else {
            return;
        };
        let next = h.node.as_ref().and_then(SimNode::poll_timeout);
        if next != h.scheduled {
            h.timer_gen += 1;
            h.scheduled = next;
            if let Some(t) = next {
                let generation = h.timer_gen;
                self.queue.push(t.max(now), Ev::Wakeup { host, generation });
            }
        }
    }

    /// Sends one datagram from `host` to `to`: NAT translation, link fate, scheduling.
    fn transmit(&mut self, host: u32, to: SocketAddr, bytes: Vec<u8>) {
        let now = self.now;
        let h = &mut self.hosts[host as usize];
        h.stats.sent += 1;
        let sender = Some((host, h.incarnation));
        let (location, local) = (h.location, h.local);
        self.stats.sent += 1;
        self.stats.bytes_sent += bytes.len() as u64;
        if to.is_ipv6() || to.ip().is_unspecified() || to.port() == 0 {
            // No route: the OS reports the error immediately.
            self.stats.unreachable += 1;
            if self.config.icmp_unreachable {
                let incarnation = self.hosts[host as usize].incarnation;
                self.queue.push(
                    now,
                    Ev::SendFailed {
                        host,
                        incarnation,
                        to,
                    },
                );
            }
            return;
        }
        let (realm, src) = match location {
            Location::Public => (Realm::Internet, local),
            Location::BehindNat(id) => {
                let n = id.0;
                let nat = &mut self.fabric.nats[n as usize];
                let private = Fabric::v4(local);
                match private {
                    _ if nat.lan_contains(to.ip()) => (Realm::Lan(n), local),
                    Some(_) if to.ip() == nat.public_ip() && !nat.config().hairpin => {
                        nat.count_hairpin_drop();
                        self.stats.nat_dropped += 1;
                        return;
                    }
                    Some(p) => (Realm::Internet, SocketAddr::V4(nat.outbound(p, to, now))),
                    None => (Realm::Internet, local),
                }
            }
        };
        let model = self.model_for(host, realm, to);
        let packet = |bytes| Packet {
            realm,
            dst: to,
            src,
            bytes,
            sender,
        };
        let fate = model.draw(&mut self.rng);
        if self.trace.logging() {
            let what = match fate {
                Fate::Lost => "lost".to_owned(),
                Fate::Once(d) => format!("{} ms", d.as_millis()),
                Fate::Twice(a, b) => format!("{} ms + dup {} ms", a.as_millis(), b.as_millis()),
            };
            self.trace.sent(now, host, to, bytes.len(), &what);
        }
        match fate {
            Fate::Lost => self.stats.lost += 1,
            Fate::Once(d) => self.queue.push(now + d, Ev::Deliver(packet(bytes))),
            Fate::Twice(d1, d2) => {
                self.stats.duplicated += 1;
                self.queue
                    .push(now + d1, Ev::Deliver(packet(bytes.clone())));
                self.queue.push(now + d2, Ev::Deliver(packet(bytes)));
            }
        }
    }

    fn model_for(&self, host: u32, realm: Realm, to: SocketAddr) -> LinkModel {
        let links = &self.config.links;
        let peer = if links.has_overrides() {
            self.fabric.peek_receiver(realm, to)
        } else {
            None
        };
        match (realm, peer) {
            (Realm::Lan(_), None) => links.lan.0,
            _ => *links.get(host, peer),
        }
    }

    /// Delivers a LAN broadcast to every other live host behind the same NAT.
    fn broadcast(&mut self, host: u32, bytes: &[u8]) {
        let Location::BehindNat(id) = self.hosts[host as usize].location else {
            self.stats.unsupported_outputs += 1;
            return;
        };
        let src = self.hosts[host as usize].local;
        let sender = Some((host, self.hosts[host as usize].incarnation));
        let targets: Vec<SocketAddr> = self
            .hosts
            .iter()
            .enumerate()
            .filter(|(i, h)| {
                *i != host as usize && h.node.is_some() && h.location == Location::BehindNat(id)
            })
            .map(|(_, h)| h.local)
            .collect();
        let d = self.config.links.lan.0.latency;
        for dst in targets {
            let p = Packet {
                realm: Realm::Lan(id.0),
                dst,
                src,
                bytes: bytes.to_vec(),
                sender,
            };
            self.queue.push(self.now + d, Ev::Deliver(p));
        }
    }

    /// A datagram reaches its destination realm: NAT filtering, binding lookup, delivery.
    fn arrive(&mut self, p: Packet) {
        let now = self.now;
        let target = match p.realm {
            Realm::Internet => match self.fabric.nat_at(p.dst.ip()) {
                Some(n) => match self.fabric.nats[n as usize].inbound(p.dst.port(), p.src, now) {
                    Ok(private) => self.fabric.lookup(Realm::Lan(n), SocketAddr::V4(private)),
                    Err(_) => {
                        self.stats.nat_dropped += 1;
                        return;
                    }
                },
                None => self.fabric.lookup(Realm::Internet, p.dst),
            },
            lan @ Realm::Lan(_) => self.fabric.lookup(lan, p.dst),
        };
        let Some(target) = target.filter(|t| self.hosts[*t as usize].node.is_some()) else {
            self.stats.unreachable += 1;
            if let (true, Some((host, incarnation))) = (self.config.icmp_unreachable, p.sender) {
                let back = self.model_for(host, p.realm, p.dst).latency;
                self.queue.push(
                    now + back,
                    Ev::SendFailed {
                        host,
                        incarnation,
                        to: p.dst,
                    },
                );
            }
            return;
        };
        if let Some((s, _)) = p.sender
            && self.hosts[s as usize].partition != self.hosts[target as usize].partition
        {
            self.stats.partitioned += 1;
            return;
        }
        self.stats.delivered += 1;
        self.trace.delivered(now, target, p.src, p.dst, &p.bytes);
        let h = &mut self.hosts[target as usize];
        h.stats.received += 1;
        if let Some(node) = h.node.as_mut() {
            node.handle_datagram(now, p.src, &p.bytes);
        }
        self.after_input(target);
    }

    /// The trace digest so far.
    #[must_use]
    pub fn digest(&self) -> TraceDigest {
        self.trace.digest()
    }

    /// The trace (digest, record count, optional text log).
    #[must_use]
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Network-wide counters.
    #[must_use]
    pub fn stats(&self) -> &NetStats {
        &self.stats
    }

    /// Datagrams, send-failure notifications and DNS answers on their way (queued events other
    /// than node wakeups).
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.queue
            .iter()
            .filter(|(_, ev)| !matches!(ev, Ev::Wakeup { .. }))
            .count()
    }

    /// The time of the next queued event (possibly a stale wakeup).
    #[must_use]
    pub fn next_event_at(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// Number of queued events.
    #[must_use]
    pub fn pending_events(&self) -> usize {
        self.queue.len()
    }

    /// Total events ever scheduled.
    #[must_use]
    pub fn scheduled_events(&self) -> u64 {
        self.queue.scheduled()
    }

    /// Takes the node events kept so far (only with `keep_events`).
    pub fn take_events(&mut self) -> Vec<(SimTime, u32, N::Event)> {
        std::mem::take(&mut self.events)
    }
}
