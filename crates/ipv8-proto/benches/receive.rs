//! Per-datagram cost of `Node::handle_datagram`, outputs drained inside the timed loop as the
//! driver does, so the report can say which share of a packet is the signature:
//!
//! * `intro_request/known_peer`: a signed introduction-request (246, 192 bytes) from a verified
//!   peer, with real Ed25519 (key already in the `KeyCache`): split, verify, decode, peer
//!   update, and the answer — a *signed* introduction-response plus a puncture-request to the
//!   other known peer.
//! * `intro_request/known_peer_no_crypto`: the same with a provider whose verify always
//!   succeeds and an identity whose signature is 64 zero bytes: everything but the crypto.
//! * `ping/unsigned`: DiscoveryCommunity ping (id 3) answered with a pong, no crypto at all.
//! * `drop/unknown_prefix`, `drop/truncated`: the same 192 bytes with a foreign community id,
//!   and the first 22 bytes of it: rejected before any cryptography.
//! * `ed25519/verify_cached_key`, `ed25519/sign`: the two signature operations alone, on
//!   the same bytes (verify through a warm `KeyCache`, as the node does).
//!
//! Run: `cargo bench -p ipv8-proto`.

use std::hint::black_box;
use std::net::{SocketAddr, SocketAddrV4};
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ipv8_crypto::KeyCache;
use ipv8_proto::config::BootstrapConfig;
use ipv8_proto::{
    CommunityId, CryptoProvider, DropReason, Identity, Instant, KeyIdentity, Node, NodeConfig,
    Output, Prefix,
};
use ipv8_wire::ids::{INTRODUCTION_REQUEST, PING};
use ipv8_wire::{
    IntroductionRequest, IntroductionRequestFlags, Ping, encode_signed, encode_unsigned,
};

const NODE: &str = "10.0.0.1:8090";
const PEER_B: &str = "10.0.0.2:8090";
const PEER_C: &str = "10.0.0.3:8090";

fn v4(s: &str) -> SocketAddrV4 {
    s.parse().expect("literal address")
}

/// A signed introduction-request from `sender` at `from`, addressed to the benchmarked node.
fn intro_request(sender: &KeyIdentity, from: &str, global_time: u64) -> Vec<u8> {
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
struct NoVerify;

impl CryptoProvider for NoVerify {
    fn verify(&mut self, _key_bin: &[u8], _msg: &[u8], sig: &[u8]) -> bool {
        sig.len() == 64
    }
}

/// A real public key that signs with 64 zero bytes.
struct NoSign(Vec<u8>);

impl Identity for NoSign {
    fn public_bin(&self) -> &[u8] {
        &self.0
    }
    fn sign(&self, _msg: &[u8]) -> Vec<u8> {
        vec![0; 64]
    }
}

/// The driver's loop after an input: take every output (the bytes would go to the socket).
fn drain(node: &mut Node) -> usize {
    let mut n = 0;
    while let Some(output) = node.poll_output() {
        if let Output::Transmit(t) = output {
            n += t.bytes.len();
        }
    }
    n
}

/// A DiscoveryCommunity node at [`NODE`] (statistics on, no trackers) that already verified
/// peers B and C through their introduction-requests.
fn node_with_peers(real_crypto: bool, b_request: &[u8], c_request: &[u8]) -> Node {
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

fn handle_datagram(c: &mut Criterion) {
    let b = KeyIdentity::from_seed(2);
    let c_key = KeyIdentity::from_seed(3);
    let b_request = intro_request(&b, PEER_B, 7);
    let c_request = intro_request(&c_key, PEER_C, 9);
    assert_eq!(b_request.len(), 192, "same size as py-ipv8's request");
    let from_b: SocketAddr = PEER_B.parse().expect("literal address");
    let now = Instant::from_micros(1_000);

    let mut group = c.benchmark_group("handle_datagram");
    group.throughput(Throughput::Elements(1));

    let mut node = node_with_peers(true, &b_request, &c_request);
    group.bench_function("intro_request/known_peer", |bench| {
        bench.iter(|| {
            node.handle_datagram(now, from_b, black_box(&b_request));
            drain(&mut node)
        });
    });
    assert_eq!(node.drops().total(), 0, "{:?}", node.drops());

    let mut cheap = node_with_peers(false, &b_request, &c_request);
    group.bench_function("intro_request/known_peer_no_crypto", |bench| {
        bench.iter(|| {
            cheap.handle_datagram(now, from_b, black_box(&b_request));
            drain(&mut cheap)
        });
    });
    assert_eq!(cheap.drops().total(), 0, "{:?}", cheap.drops());

    let ping = encode_unsigned(
        &Prefix::for_community(CommunityId::DISCOVERY),
        PING,
        5,
        &Ping { identifier: 5 },
    );
    group.bench_function("ping/unsigned", |bench| {
        bench.iter(|| {
            node.handle_datagram(now, from_b, black_box(&ping));
            drain(&mut node)
        });
    });
    assert_eq!(node.drops().total(), 0, "{:?}", node.drops());

    let mut foreign = b_request.clone();
    foreign[2..22].copy_from_slice(&[0xee; 20]);
    let truncated = &b_request[..22];
    // Each drop input takes the path its name says (checked once, before timing).
    for (input, reason) in [
        (&foreign[..], DropReason::UnknownPrefix),
        (truncated, DropReason::Truncated),
    ] {
        let before = node.drops().get(reason);
        node.handle_datagram(now, from_b, input);
        assert_eq!(node.drops().get(reason), before + 1, "{reason:?}");
    }
    group.bench_function("drop/unknown_prefix", |bench| {
        bench.iter(|| {
            node.handle_datagram(now, from_b, black_box(&foreign));
            drain(&mut node)
        });
    });

    group.bench_function("drop/truncated", |bench| {
        bench.iter(|| {
            node.handle_datagram(now, from_b, black_box(truncated));
            drain(&mut node)
        });
    });
    let expected =
        node.drops().get(DropReason::UnknownPrefix) + node.drops().get(DropReason::Truncated);
    assert_eq!(node.drops().total(), expected, "{:?}", node.drops());
    group.finish();

    let mut group = c.benchmark_group("ed25519");
    group.throughput(Throughput::Elements(1));
    let packet = ipv8_wire::SignedPacket::parse(&b_request).expect("splits");
    let mut cache = KeyCache::new(64);
    cache.get_or_parse(packet.public_key).expect("valid key");
    group.bench_function("verify_cached_key", |bench| {
        bench.iter(|| {
            let key = cache
                .get_or_parse(black_box(packet.public_key))
                .expect("cached");
            assert!(key.verify(black_box(packet.signed_part), packet.signature));
        });
    });
    group.bench_function("sign", |bench| {
        bench.iter(|| b.sign(black_box(packet.signed_part)));
    });
    group.finish();
}

criterion_group!(benches, handle_datagram);
criterion_main!(benches);
