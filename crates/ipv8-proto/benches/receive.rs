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
use std::net::SocketAddr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ipv8_crypto::KeyCache;
use ipv8_proto::{CommunityId, DropReason, Identity, Instant, KeyIdentity, Prefix};
use ipv8_wire::ids::PING;
use ipv8_wire::{Ping, encode_unsigned};

#[path = "common/mod.rs"]
mod common;

use common::{PEER_B, PEER_C, drain, intro_request, node_with_peers};

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
