//! The benchmarked node and its inputs, shared by `receive.rs` (criterion, time) and
//! `instructions.rs` (callgrind, instruction counts) with `#[path]` (bench targets are separate
//! crates): a DiscoveryCommunity node with two verified peers, the signed introduction-request
//! it answers, and the crypto stand-ins that take Ed25519 out of the measurement.

#![allow(dead_code)] // each bench uses its own subset

use std::net::SocketAddrV4;
use std::sync::Arc;

use ipv8_proto::config::BootstrapConfig;
use ipv8_proto::{
    CommunityId, CryptoProvider, Identity, Instant, KeyIdentity, Node, NodeConfig, Output, Prefix,
};
use ipv8_wire::ids::INTRODUCTION_REQUEST;
use ipv8_wire::{IntroductionRequest, IntroductionRequestFlags, encode_signed};

pub const NODE: &str = "10.0.0.1:8090";
pub const PEER_B: &str = "10.0.0.2:8090";
pub const PEER_C: &str = "10.0.0.3:8090";

pub fn v4(s: &str) -> SocketAddrV4 {
    s.parse().expect("literal address")
}

/// A signed introduction-request from `sender` at `from`, addressed to the benchmarked node.
pub fn intro_request(sender: &KeyIdentity, from: &str, global_time: u64) -> Vec<u8> {
    let payload = IntroductionRequest {
        destination_address: v4(NODE),
        source_lan_address: v4(from),
        source_wan_address: v4(from),
        flags: IntroductionRequestFlags {
            advice: true,
            ..IntroductionRequestFlags::default()
        },
        identifier: (global_time % 65_536) as u16,
        extra_bytes: Vec::new(),
    };
    encode_signed(
        &Prefix::for_community(CommunityId::DISCOVERY),
        INTRODUCTION_REQUEST,
        sender.public_bin(),
        global_time,
        &payload,
        |msg| sender.sign(msg),
    )
}

/// Verifies nothing: every signature is accepted.
pub struct NoVerify;

impl CryptoProvider for NoVerify {
    fn verify(&mut self, _key_bin: &[u8], _msg: &[u8], sig: &[u8]) -> bool {
        sig.len() == 64
    }
}

/// A real public key that signs with 64 zero bytes.
pub struct NoSign(pub Vec<u8>);

impl Identity for NoSign {
    fn public_bin(&self) -> &[u8] {
        &self.0
    }
    fn sign(&self, _msg: &[u8]) -> Vec<u8> {
        vec![0; 64]
    }
    fn append_signature(&self, datagram: &mut Vec<u8>) {
        datagram.resize(datagram.len() + 64, 0);
    }
}

/// The driver's loop after an input: take every output (the bytes would go to the socket).
pub fn drain(node: &mut Node) -> usize {
    let mut n = 0;
    while let Some(output) = node.poll_output() {
        if let Output::Transmit(t) = output {
            n += t.bytes.len();
            // As the driver does once a datagram is sent.
            node.recycle(t.bytes);
        }
    }
    n
}

/// A DiscoveryCommunity node at [`NODE`] (statistics on, no trackers) that already verified
/// peers B and C through their introduction-requests.
pub fn node_with_peers(real_crypto: bool, b_request: &[u8], c_request: &[u8]) -> Node {
    let config = NodeConfig {
        bootstrap: BootstrapConfig::none(),
        ..NodeConfig::default()
    };
    let me = KeyIdentity::from_seed(1);
    let now = Instant::ZERO;
    let mut node = if real_crypto {
        Node::new(config, me.into_arc(), 1, now)
    } else {
        let identity = Arc::new(NoSign(me.public_bin().to_vec()));
        Node::with_crypto(config, identity, Box::new(NoVerify), 1, now)
    };
    node.handle_bound(now, &[NODE.parse().expect("literal address")]);
    drain(&mut node);
    for (from, request) in [(PEER_C, c_request), (PEER_B, b_request)] {
        node.handle_datagram(now, from.parse().expect("literal address"), request);
        assert!(
            drain(&mut node) > 0,
            "the node answers an introduction-request"
        );
    }
    assert_eq!(
        node.network().verified_peers().count(),
        2,
        "B and C are known"
    );
    assert_eq!(node.drops().total(), 0, "{:?}", node.drops());
    node
}
