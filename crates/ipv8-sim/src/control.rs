//! Scenario control: adding NATs and nodes, crashing, restarting and moving them, partitions,
//! per-link models, DNS entries, spoofed traffic, and read access to hosts.

use std::net::SocketAddr;
use std::time::Duration;

use crate::link::LinkModel;
use crate::nat::{Nat, NatConfig};
use crate::net::{Fabric, Location, NatId, Realm};
use crate::node::{NodeCtx, SimNode};
use crate::seed::derive_seed;
use crate::sim::{Ev, Host, HostStats, Packet, Simulator};
use crate::time::SimTime;

/// How a crashed node comes back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// Same identity and the same rng seed as the previous incarnation.
    SameSeed,
    /// Same identity, a fresh rng seed.
    SameIdentity,
    /// A new identity and a fresh rng seed (a different peer at the same address).
    Fresh,
}

impl<N: SimNode> Simulator<N> {
    /// Adds a NAT box with a fresh public IP.
    pub fn add_nat(&mut self, config: NatConfig) -> NatId {
        self.fabric.add_nat(config)
    }

    /// The NAT box `id`.
    ///
    /// # Panics
    /// When `id` was not returned by [`Simulator::add_nat`].
    #[must_use]
    pub fn nat(&self, id: NatId) -> &Nat {
        &self.fabric.nats[id.0 as usize]
    }

    fn ctx(&self, host: u32) -> NodeCtx {
        let h = &self.hosts[host as usize];
        NodeCtx {
            host,
            seed: h.seed,
            identity_seed: h.identity_seed,
            local: h.local,
            prefix_len: prefix_len(h.location),
            now: self.now,
            incarnation: h.incarnation,
        }
    }

    /// Adds a host at `location` listening on `port` and starts the node built by `make`.
    /// Returns the host index (0, 1, 2, ... in call order).
    pub fn add_node(
        &mut self,
        location: Location,
        port: u16,
        make: impl FnOnce(&NodeCtx) -> N,
    ) -> u32 {
        let host = u32::try_from(self.hosts.len()).expect("too many hosts");
        let (realm, local) = self.fabric.allocate(location, port);
        let master = self.config.seed;
        self.hosts.push(Host {
            node: None,
            location,
            local,
            incarnation: 0,
            seed: derive_seed(master, u64::from(host), "node"),
            identity_seed: derive_seed(master, u64::from(host), "identity"),
            timer_gen: 0,
            scheduled: None,
            same_instant: 0,
            partition: 0,
            stats: HostStats::default(),
        });
        self.start(host, realm, make);
        host
    }

    fn start(&mut self, host: u32, realm: Realm, make: impl FnOnce(&NodeCtx) -> N) {
        let ctx = self.ctx(host);
        let node = make(&ctx);
        self.fabric.bind(realm, ctx.local, host);
        self.hosts[host as usize].node = Some(node);
        let text = format!(
            "start {} inc {} seed {:#x}",
            ctx.local, ctx.incarnation, ctx.seed
        );
        self.trace.control(self.now, host, &text);
        self.after_input(host);
    }

    /// Kills the node of `host`: its address is unbound (datagrams to it become unreachable)
    /// and its pending wakeups and notifications are discarded.
    pub fn crash(&mut self, host: u32) {
        let h = &mut self.hosts[host as usize];
        if h.node.take().is_none() {
            return;
        }
        h.timer_gen += 1;
        h.scheduled = None;
        let (location, local) = (h.location, h.local);
        self.fabric.unbind(Fabric::realm_of(location), local, host);
        self.trace.control(self.now, host, "crash");
    }

    /// Restarts a crashed (or running: it is crashed first) node at the same address.
    pub fn restart(&mut self, host: u32, how: Restart, make: impl FnOnce(&NodeCtx) -> N) {
        self.crash(host);
        let master = self.config.seed;
        let h = &mut self.hosts[host as usize];
        h.incarnation += 1;
        let index = u64::from(host) | (u64::from(h.incarnation) << 32);
        match how {
            Restart::SameSeed => {}
            Restart::SameIdentity => h.seed = derive_seed(master, index, "node"),
            Restart::Fresh => {
                h.seed = derive_seed(master, index, "node");
                h.identity_seed = derive_seed(master, index, "identity");
            }
        }
        let realm = Fabric::realm_of(h.location);
        self.start(host, realm, make);
    }

    /// Moves a running host to a new address at `location` (office to home): the old address
    /// goes dead, the node is told through `handle_address_change`. Returns the new address.
    pub fn move_host(&mut self, host: u32, location: Location) -> SocketAddr {
        let (old_location, old, port) = {
            let h = &self.hosts[host as usize];
            (h.location, h.local, h.local.port())
        };
        self.fabric
            .unbind(Fabric::realm_of(old_location), old, host);
        let (realm, local) = self.fabric.allocate(location, port);
        self.fabric.bind(realm, local, host);
        let now = self.now;
        let h = &mut self.hosts[host as usize];
        h.location = location;
        h.local = local;
        if let Some(node) = h.node.as_mut() {
            node.handle_address_change(now, local, prefix_len(location));
        }
        self.trace
            .control(now, host, &format!("move {old} -> {local}"));
        self.after_input(host);
        local
    }

    /// Splits the hosts into groups: hosts in `groups[i]` can only reach hosts of the same
    /// group; hosts in no group form one more group. Replaces any previous partition.
    pub fn partition(&mut self, groups: &[&[u32]]) {
        for h in &mut self.hosts {
            h.partition = 0;
        }
        for (i, group) in groups.iter().enumerate() {
            for &host in *group {
                self.hosts[host as usize].partition = u32::try_from(i + 1).unwrap_or(u32::MAX);
            }
        }
        self.trace
            .control(self.now, u32::MAX, &format!("partition {groups:?}"));
    }

    /// Removes every partition.
    pub fn heal(&mut self) {
        self.partition(&[]);
    }

    /// Sets the link model between hosts `a` and `b`.
    pub fn set_link(&mut self, a: u32, b: u32, model: LinkModel) {
        self.config.links.set(a, b, model);
    }

    /// Sets the default link model.
    pub fn set_default_link(&mut self, model: LinkModel) {
        self.config.links.default = model;
    }

    /// Keeps (or stops keeping) node events for [`Simulator::take_events`].
    pub fn set_keep_events(&mut self, keep: bool) {
        self.config.keep_events = keep;
    }

    /// Adds a DNS entry answered to `SimOutput::Resolve`.
    pub fn set_dns(&mut self, name: &str, addrs: Vec<SocketAddr>) {
        self.dns.insert(name.to_owned(), addrs);
    }

    /// Injects a datagram with a (possibly spoofed) source `from`, arriving on the internet
    /// at `to` after `delay`. No one is told if it cannot be delivered.
    pub fn inject(&mut self, delay: Duration, from: SocketAddr, to: SocketAddr, bytes: Vec<u8>) {
        self.stats.injected += 1;
        let p = Packet {
            realm: Realm::Internet,
            dst: to,
            src: from,
            bytes,
            sender: None,
        };
        self.queue.push(self.now + delay, Ev::Deliver(p));
    }

    /// Runs `f` on the node of `host` (e.g. an app call such as `walk_to`), then routes the
    /// outputs it queued. `None` when the node is not running.
    pub fn with_node<R>(&mut self, host: u32, f: impl FnOnce(&mut N, SimTime) -> R) -> Option<R> {
        let now = self.now;
        let r = f(self.hosts.get_mut(host as usize)?.node.as_mut()?, now);
        self.after_input(host);
        Some(r)
    }

    /// The node of `host`, if running.
    #[must_use]
    pub fn node(&self, host: u32) -> Option<&N> {
        self.hosts.get(host as usize)?.node.as_ref()
    }

    /// Number of hosts ever added (running or crashed).
    #[must_use]
    pub fn host_count(&self) -> u32 {
        u32::try_from(self.hosts.len()).unwrap_or(u32::MAX)
    }

    /// Indices of the hosts whose node is running.
    #[must_use]
    pub fn running(&self) -> Vec<u32> {
        (0..self.host_count())
            .filter(|&h| self.hosts[h as usize].node.is_some())
            .collect()
    }

    /// The socket address of `host` (its private address behind a NAT).
    #[must_use]
    pub fn local_addr(&self, host: u32) -> SocketAddr {
        self.hosts[host as usize].local
    }

    /// Where `host` sits.
    #[must_use]
    pub fn location(&self, host: u32) -> Location {
        self.hosts[host as usize].location
    }

    /// Counters of `host`.
    #[must_use]
    pub fn host_stats(&self, host: u32) -> HostStats {
        self.hosts[host as usize].stats
    }

    /// The host bound at public address `addr`, if any.
    #[must_use]
    pub fn host_at(&self, addr: SocketAddr) -> Option<u32> {
        self.fabric.lookup(Realm::Internet, addr)
    }
}

fn prefix_len(location: Location) -> u8 {
    match location {
        Location::Public => 32,
        Location::BehindNat(_) => 24,
    }
}
