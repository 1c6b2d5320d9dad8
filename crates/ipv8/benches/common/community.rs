//! The benchmark community, shared by `vs_pyipv8` (and its py-ipv8 twin
//! `tools/pybench_receiver.py`) and `steady`: one unsigned and one signed one-way message, each
//! counted by its handler and never answered. Included with `#[path]` (bench targets are
//! separate crates).

#![allow(dead_code, reason = "each bench uses a different subset")]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ipv8::prelude::*;
use ipv8::proto::Prefix;
use ipv8::{Identity, KeyIdentity};
use ipv8_wire::{encode_signed_with, encode_unsigned_with};

/// The benchmark community's id (`ipv8bench-one-way-01`).
pub const BENCH: CommunityId = CommunityId(*b"ipv8bench-one-way-01");

/// The benchmark community's one-way message: py-ipv8 `VariablePayload` with `msg_id = 1`,
/// `format_list = ["Q", "varlenH"]`, sent unsigned without a global time (`ez_send(sig=False)`),
/// as `tools/pybench_receiver.py` declares it.
#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 1, unsigned, name = "OneWay")]
pub struct OneWay {
    /// A sequence number (not checked).
    pub n: u64,
    /// Filler, so the datagram is ~100 bytes.
    pub data: Vec<u8>,
}

/// The benchmark community's signed one-way message: the same fields as [`OneWay`] with
/// `msg_id = 2`, sent signed the `ez_send` way (authentication + payload, no global time) and
/// handled by a py-ipv8 `lazy_wrapper` handler (signature verified) that counts it.
#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 2, signed, name = "SignedOneWay")]
pub struct SignedOneWay {
    /// A sequence number (not checked).
    pub n: u64,
    /// Filler, the same as [`OneWay`]'s.
    pub data: Vec<u8>,
}

/// An unsigned one-way datagram of the community `bench` (64 bytes of filler).
pub fn one_way(bench: CommunityId, n: u64) -> Vec<u8> {
    encode_unsigned_with(
        &Prefix::for_community(bench),
        1,
        None,
        &OneWay {
            n,
            data: vec![0x5a; 64],
        },
    )
}

/// A signed one-way datagram of the community `bench`, signed by `key`.
pub fn signed_one_way(bench: CommunityId, key: &KeyIdentity, n: u64) -> Vec<u8> {
    encode_signed_with(
        &Prefix::for_community(bench),
        2,
        key.public_bin(),
        None,
        &SignedOneWay {
            n,
            data: vec![0x5a; 64],
        },
        |m| key.sign(m),
    )
}

/// The benchmark community: counts its one-way messages, unsigned and signed.
pub struct BenchCommunity {
    /// Unsigned one-way messages handled.
    pub handled: Arc<AtomicU64>,
    /// Signed one-way messages handled (signature verified).
    pub signed: Arc<AtomicU64>,
}

impl Community for BenchCommunity {
    type Command = ();
    type Event = ();

    fn handlers(h: &mut Handlers<Self>) {
        h.unsigned(Self::on_one_way);
        h.signed(Self::on_signed);
    }
}

impl BenchCommunity {
    fn on_one_way(&mut self, _cx: &mut Cx<'_, Self>, _from: SocketAddr, _message: OneWay) {
        self.handled.fetch_add(1, Ordering::Relaxed);
    }

    fn on_signed(&mut self, _cx: &mut Cx<'_, Self>, _from: &Peer, _message: SignedOneWay) {
        self.signed.fetch_add(1, Ordering::Relaxed);
    }
}

/// [`BenchCommunity`] as loaded on a node: no walkers, no trackers.
pub fn bench_config(bench: CommunityId) -> CommunityConfig {
    let mut config = CommunityConfig::new(bench, "BenchCommunity");
    config.walkers = Vec::new();
    config.use_trackers = false;
    config
}
