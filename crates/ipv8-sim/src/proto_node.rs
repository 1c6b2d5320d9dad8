//! The adapter that lets the simulator drive `ipv8_proto::Node`, and the cheap crypto plug-in.
//!
//! [`ProtoNode::start`] builds a node for a host the way the real driver would: `Node::new` (or
//! `Node::with_crypto` for [`SimCrypto::Cheap`]), then `handle_bound` with the host's socket
//! address and `handle_local_addresses` with its one interface. An address change becomes
//! `handle_bound` + `handle_local_addresses` + `handle_network_change`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use ipv8_proto::{
    CryptoProvider, Event, Identity, Instant, KeyIdentity, LocalInterface, Node, NodeConfig, Output,
};

use crate::cheap::{cheap_public_bin, cheap_sign, cheap_verify};
use crate::node::{NodeCtx, SimNode, SimOutput};
use crate::time::SimTime;

/// Which signatures the simulated nodes use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimCrypto {
    /// Real Ed25519 keys (`ipv8-crypto`), as in production: for protocol-level tests.
    Real,
    /// The cheap deterministic stand-in (`cheap.rs`): for large dynamics-only runs.
    Cheap,
}

/// Our cheap identity: a LibNaCL-shaped public key and the cheap signature.
#[derive(Debug)]
pub struct CheapIdentity {
    public: Vec<u8>,
}

impl CheapIdentity {
    /// The cheap identity of `seed`.
    #[must_use]
    pub fn from_seed(seed: u64) -> Self {
        Self {
            public: cheap_public_bin(seed),
        }
    }
}

impl Identity for CheapIdentity {
    fn public_bin(&self) -> &[u8] {
        &self.public
    }

    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        cheap_sign(&self.public, msg).to_vec()
    }
}

/// Verifies cheap signatures (and nothing else).
#[derive(Debug, Default)]
pub struct CheapCrypto;

impl CryptoProvider for CheapCrypto {
    fn verify(&mut self, key_bin: &[u8], msg: &[u8], sig: &[u8]) -> bool {
        cheap_verify(key_bin, msg, sig)
    }
}

/// `ipv8_proto::Node` as a [`SimNode`].
pub struct ProtoNode {
    node: Node,
}

impl ProtoNode {
    /// Builds and starts a node for the host described by `ctx`: identity from
    /// `ctx.identity_seed`, rng from `ctx.seed`, bound to `ctx.local`.
    #[must_use]
    pub fn start(ctx: &NodeCtx, config: NodeConfig, crypto: SimCrypto) -> Self {
        let now = ctx.now;
        let node = match crypto {
            SimCrypto::Real => {
                let identity = KeyIdentity::from_seed(ctx.identity_seed).into_arc();
                Node::new(config, identity, ctx.seed, now)
            }
            SimCrypto::Cheap => {
                let identity: Arc<dyn Identity> =
                    Arc::new(CheapIdentity::from_seed(ctx.identity_seed));
                Node::with_crypto(config, identity, Box::new(CheapCrypto), ctx.seed, now)
            }
        };
        let mut this = Self { node };
        this.bind(now, ctx.local, ctx.prefix_len);
        this
    }

    fn bind(&mut self, now: Instant, local: SocketAddr, prefix_len: u8) {
        self.node.handle_bound(now, &[local]);
        self.node
            .handle_local_addresses(now, &[interface(local.ip(), prefix_len)]);
    }

    /// The wrapped node.
    #[must_use]
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// The wrapped node, mutably (use `Simulator::with_node` so outputs get routed).
    pub fn node_mut(&mut self) -> &mut Node {
        &mut self.node
    }
}

/// The interface of a host: its address with a /`prefix_len` netmask.
fn interface(ip: IpAddr, prefix_len: u8) -> LocalInterface {
    let bits = u32::MAX
        .checked_shl(32 - u32::from(prefix_len.min(32)))
        .unwrap_or(0);
    LocalInterface::new(ip, IpAddr::V4(Ipv4Addr::from(bits)))
}

impl SimNode for ProtoNode {
    type Event = Event;

    fn handle_datagram(&mut self, now: SimTime, from: SocketAddr, data: &[u8]) {
        self.node.handle_datagram(now, from, data);
    }

    fn handle_timeout(&mut self, now: SimTime) {
        self.node.handle_timeout(now);
    }

    fn handle_send_failed(&mut self, now: SimTime, to: SocketAddr) {
        self.node.handle_send_failed(now, to);
    }

    fn handle_address_change(&mut self, now: SimTime, local: SocketAddr, prefix_len: u8) {
        self.bind(now, local, prefix_len);
        self.node.handle_network_change(now);
    }

    fn handle_resolved(&mut self, now: SimTime, host: &str, port: u16, addrs: &[SocketAddr]) {
        self.node.handle_resolved(now, host, port, addrs);
    }

    fn poll_output(&mut self) -> Option<SimOutput<Event>> {
        Some(match self.node.poll_output()? {
            Output::Transmit(t) => SimOutput::Transmit {
                to: t.to,
                bytes: t.bytes,
            },
            Output::Beacon { bytes } => SimOutput::Broadcast { bytes },
            Output::Resolve { host, port } => SimOutput::Resolve { host, port },
            Output::Event(e) => SimOutput::Event(e),
        })
    }

    fn poll_timeout(&self) -> Option<SimTime> {
        self.node.poll_timeout().map(|(t, _)| t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netmasks() {
        let ip = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        assert_eq!(
            interface(ip, 24).netmask,
            IpAddr::V4(Ipv4Addr::new(255, 255, 255, 0))
        );
        assert_eq!(interface(ip, 32).netmask, IpAddr::V4(Ipv4Addr::BROADCAST));
        assert_eq!(interface(ip, 0).netmask, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    }

    #[test]
    fn cheap_identity_verifies_with_cheap_crypto() {
        let id = CheapIdentity::from_seed(3);
        let sig = id.sign(b"m");
        let mut c = CheapCrypto;
        assert_eq!(c.signature_len(id.public_bin()), Some(64));
        assert!(c.verify(id.public_bin(), b"m", &sig));
        assert!(!c.verify(id.public_bin(), b"n", &sig));
    }
}
