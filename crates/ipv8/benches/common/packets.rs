//! What the loopback benchmarks send and where from: py-ipv8-format signed
//! introduction-requests, and a socket's IPv4 address. Included by `loopback.rs` and
//! `vs_pyipv8` with `#[path]` (bench targets are separate crates).

#![allow(dead_code, reason = "each bench uses a different subset")]

use std::net::{SocketAddr, SocketAddrV4, UdpSocket};

use ipv8::proto::{CommunityId, Prefix};
use ipv8::{Identity, KeyIdentity};
use ipv8_wire::ids::INTRODUCTION_REQUEST;
use ipv8_wire::{IntroductionRequest, IntroductionRequestFlags, encode_signed};

/// A DiscoveryCommunity introduction-request from `from` to `to`, signed by `key`, at global
/// time `gt`.
pub fn intro_request(key: &KeyIdentity, from: SocketAddrV4, to: SocketAddrV4, gt: u64) -> Vec<u8> {
    let payload = IntroductionRequest {
        destination_address: to,
        source_lan_address: from,
        source_wan_address: from,
        flags: IntroductionRequestFlags {
            advice: true,
            ..IntroductionRequestFlags::default()
        },
        identifier: (gt % 65_536) as u16,
        extra_bytes: Vec::new(),
    };
    let prefix = Prefix::for_community(CommunityId::DISCOVERY);
    encode_signed(
        &prefix,
        INTRODUCTION_REQUEST,
        key.public_bin(),
        gt,
        &payload,
        |m| key.sign(m),
    )
}

/// The IPv4 address a socket bound to 127.0.0.1 has.
pub fn v4_of(socket: &UdpSocket) -> SocketAddrV4 {
    match socket.local_addr().expect("local address") {
        SocketAddr::V4(a) => a,
        SocketAddr::V6(_) => unreachable!("bound to 127.0.0.1"),
    }
}

/// `n` sender keys (seeds 100, 101, …), the same in every bench run.
pub fn sender_keys(n: usize) -> Vec<KeyIdentity> {
    (0..n as u64)
        .map(|i| KeyIdentity::from_seed(100 + i))
        .collect()
}

/// A DiscoveryCommunity ping (unsigned, identifier 1), answered with a pong.
pub fn ping() -> Vec<u8> {
    ipv8_wire::encode_unsigned(
        &Prefix::for_community(CommunityId::DISCOVERY),
        ipv8_wire::ids::PING,
        1,
        &ipv8_wire::Ping { identifier: 1 },
    )
}
