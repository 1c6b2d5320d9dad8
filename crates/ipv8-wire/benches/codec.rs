//! Codec cost of one signed introduction-request (the datagram every walk step sends): the
//! dissector (`decode_any`), the typed path the node takes (`SignedPacket::parse` then
//! `decode_payload`), and `encode_signed` of the same message with its signature pre-computed
//! (so only the codec is timed, no cryptography). Then every message of the golden vectors
//! (`every_message/<name>/decode` and `/encode`: `decode_any`, and `Decoded::to_bytes`, which
//! re-encodes the same bytes), with short windows so the 21 messages take about half a minute.
//!
//! The datagrams are the py-ipv8 golden vectors of `tests/vectors/vectors.json` (the
//! introduction-request: 192 bytes, LibNaCL key). Run: `cargo bench -p ipv8-wire`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ipv8_wire::{
    IntroductionRequest, SignedPacket, decode_any, encode_signed, ids::INTRODUCTION_REQUEST,
};
use serde_json::Value;

/// Every golden message vector: its name and datagram.
fn golden_messages() -> Vec<(String, Vec<u8>)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/vectors/vectors.json"
    );
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read golden vectors at {path}: {e}"));
    let vectors: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"));
    let messages = vectors["messages"]
        .as_array()
        .unwrap_or_else(|| panic!("{path} has no messages"));
    messages
        .iter()
        .map(|m| {
            let name = m["name"].as_str().unwrap_or("unnamed").to_owned();
            let packet_hex = m["packet_hex"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: no packet_hex"));
            let bytes = hex::decode(packet_hex).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, bytes)
        })
        .collect()
}

/// The golden introduction-request datagram.
fn golden_request() -> Vec<u8> {
    golden_messages()
        .into_iter()
        .find_map(|(name, bytes)| (name == "introduction-request").then_some(bytes))
        .expect("an introduction-request vector")
}

fn codec(c: &mut Criterion) {
    let datagram = golden_request();
    let packet = SignedPacket::parse(&datagram).expect("golden vector splits");
    let request: IntroductionRequest = packet.decode_payload().expect("golden vector decodes");
    let prefix = packet.header.prefix;
    let key = packet.public_key.to_vec();
    let global_time = packet.global_time;
    let signature = packet.signature.to_vec();
    let reencoded = encode_signed(
        &prefix,
        INTRODUCTION_REQUEST,
        &key,
        global_time,
        &request,
        |_| signature.clone(),
    );
    assert_eq!(reencoded, datagram, "encode_signed reproduces the vector");

    let mut group = c.benchmark_group("introduction_request_192B");
    group.throughput(Throughput::Elements(1));
    group.bench_function("decode_any", |b| {
        b.iter(|| decode_any(black_box(&datagram)).expect("decodes"));
    });
    group.bench_function("typed_decode", |b| {
        b.iter(|| {
            let packet = SignedPacket::parse(black_box(&datagram)).expect("splits");
            let request: IntroductionRequest = packet.decode_payload().expect("decodes");
            (packet.signature.len(), request)
        });
    });
    group.bench_function("envelope_split_only", |b| {
        b.iter(|| SignedPacket::parse(black_box(&datagram)).expect("splits"));
    });
    group.bench_function("encode_signed", |b| {
        b.iter(|| {
            encode_signed(
                black_box(&prefix),
                INTRODUCTION_REQUEST,
                black_box(&key),
                global_time,
                black_box(&request),
                |_| signature.clone(),
            )
        });
    });
    group.finish();
}

/// Decode and re-encode of every golden message.
fn every_message(c: &mut Criterion) {
    let mut group = c.benchmark_group("every_message");
    group.throughput(Throughput::Elements(1));
    group.warm_up_time(Duration::from_millis(200));
    group.measurement_time(Duration::from_millis(500));
    for (name, datagram) in golden_messages() {
        let decoded = decode_any(&datagram).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            decoded.to_bytes(),
            datagram,
            "{name}: re-encodes the vector"
        );
        group.bench_function(format!("{name}/decode"), |b| {
            b.iter(|| decode_any(black_box(&datagram)).expect("decodes"));
        });
        group.bench_function(format!("{name}/encode"), |b| {
            b.iter(|| black_box(&decoded).to_bytes());
        });
    }
    group.finish();
}

criterion_group!(benches, codec, every_message);
criterion_main!(benches);
