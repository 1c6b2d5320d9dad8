//! The workloads of the instruction-count regression guard (`scripts/instruction-guard.sh`):
//! `instructions WORKLOAD N` runs the setup of `WORKLOAD` and then `N` iterations of it, so
//! the guard runs it under callgrind with `N = 0` and `N = ITERATIONS` and divides the
//! difference of the two totals by `ITERATIONS`: instructions per operation, without the
//! setup. Callgrind counts instructions, not time, so the figures do not depend on how busy
//! the machine is.
//!
//! Workloads (the node and inputs are those of `receive.rs`, from `common/mod.rs`):
//!
//! * `ping`: an unsigned DiscoveryCommunity ping handled and answered with a pong;
//! * `intro_request_no_crypto`: a signed introduction-request from a verified peer, answered
//!   with an introduction-response and a puncture-request, with Ed25519 stubbed out;
//! * `intro_request`: the same with real Ed25519 (verify and sign);
//! * `intro_request_burst`: bursts of 16 such requests from B and C handed to
//!   `Node::handle_datagrams` at once, so their signatures are verified in one batch
//!   (instructions per request; one burst in the setup warms the buffers up). What still
//!   allocates is per batch, not per request: the batch's lists, most of them inside
//!   ed25519-dalek's `verify_batch`;
//! * `drop_unknown_prefix`: a datagram of an unknown community, dropped and counted;
//! * `decode_intro_request`: the typed decode of the 192-byte request alone (`ipv8-wire`).
//!
//! Run one by hand: `cargo bench -p ipv8-proto --bench instructions -- ping 1000`.

use std::hint::black_box;
use std::net::SocketAddr;

use ipv8_proto::{Instant, KeyIdentity};
use ipv8_wire::ids::PING;
use ipv8_wire::{IntroductionRequest, Ping, SignedPacket, encode_unsigned};

#[path = "common/mod.rs"]
mod common;

use common::{PEER_B, PEER_C, drain, intro_request, node_with_peers};

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let workload = args.next().unwrap_or_else(|| "ping".to_owned());
    let iterations: u64 = args
        .next()
        .map_or(Ok(1_000), |n| n.parse())
        .unwrap_or_else(|e| panic!("N must be a count of iterations: {e}"));

    let b = KeyIdentity::from_seed(2);
    let c = KeyIdentity::from_seed(3);
    let b_request = intro_request(&b, PEER_B, 7);
    let c_request = intro_request(&c, PEER_C, 9);
    let from_b: SocketAddr = PEER_B.parse().expect("literal address");
    let now = Instant::from_micros(1_000);

    let out = match workload.as_str() {
        "ping" => {
            let mut node = node_with_peers(false, &b_request, &c_request);
            let ping = encode_unsigned(
                &ipv8_proto::Prefix::for_community(ipv8_proto::CommunityId::DISCOVERY),
                PING,
                5,
                &Ping { identifier: 5 },
            );
            (0..iterations)
                .map(|_| {
                    node.handle_datagram(now, from_b, black_box(&ping));
                    drain(&mut node)
                })
                .sum::<usize>()
        }
        "intro_request" | "intro_request_no_crypto" => {
            let mut node = node_with_peers(workload == "intro_request", &b_request, &c_request);
            (0..iterations)
                .map(|_| {
                    node.handle_datagram(now, from_b, black_box(&b_request));
                    drain(&mut node)
                })
                .sum::<usize>()
        }
        "intro_request_burst" => {
            const BURST: usize = 16;
            let mut node = node_with_peers(true, &b_request, &c_request);
            let from_c: SocketAddr = PEER_C.parse().expect("literal address");
            let burst: Vec<(SocketAddr, &[u8])> = (0..BURST)
                .map(|i| {
                    if i % 2 == 0 {
                        (from_b, b_request.as_slice())
                    } else {
                        (from_c, c_request.as_slice())
                    }
                })
                .collect();
            // One burst in the setup: the answers' buffers and the batch's lists have grown,
            // so the iterations show the steady state.
            node.handle_datagrams(now, &burst);
            drain(&mut node);
            let mut left = usize::try_from(iterations).unwrap_or(usize::MAX);
            let mut out = 0;
            while left > 0 {
                let n = left.min(BURST);
                node.handle_datagrams(now, black_box(&burst[..n]));
                out += drain(&mut node);
                left -= n;
            }
            out
        }
        "drop_unknown_prefix" => {
            let mut node = node_with_peers(false, &b_request, &c_request);
            let mut foreign = b_request.clone();
            foreign[2..22].copy_from_slice(&[0xee; 20]);
            for _ in 0..iterations {
                node.handle_datagram(now, from_b, black_box(&foreign));
                drain(&mut node);
            }
            usize::try_from(node.drops().total()).unwrap_or(usize::MAX)
        }
        "decode_intro_request" => (0..iterations)
            .map(|_| {
                let packet = SignedPacket::parse(black_box(&b_request)).expect("splits");
                let request: IntroductionRequest = packet.decode_payload().expect("decodes");
                usize::from(request.identifier)
            })
            .sum::<usize>(),
        other => panic!(
            "unknown workload {other:?}: ping, intro_request, intro_request_no_crypto, \
             intro_request_burst, drop_unknown_prefix, decode_intro_request"
        ),
    };
    println!("{workload} {iterations} {out}");
}
