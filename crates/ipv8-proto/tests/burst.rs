//! `Node::handle_datagrams` (a receive burst, signatures batch-verified ahead) does exactly what
//! `Node::handle_datagram` does datagram by datagram: same answers, byte for byte, and the same
//! counted drops — also when the burst holds a forged signature, which fails the batch.

use std::net::{SocketAddr, SocketAddrV4};

use ipv8_proto::config::BootstrapConfig;
use ipv8_proto::{
    CommunityId, DropReason, Identity, Instant, KeyIdentity, Node, NodeConfig, Output, Prefix,
    RealCrypto,
};
use ipv8_wire::ids::{INTRODUCTION_REQUEST, PING};
use ipv8_wire::{
    IntroductionRequest, IntroductionRequestFlags, Ping, encode_signed, encode_unsigned,
};

const NODE: &str = "10.0.0.1:8090";

fn request(key: &KeyIdentity, from: SocketAddrV4, gt: u64) -> Vec<u8> {
    let payload = IntroductionRequest {
        destination_address: NODE.parse().expect("literal"),
        source_lan_address: from,
        source_wan_address: from,
        flags: IntroductionRequestFlags::default(),
        identifier: gt as u16,
        extra_bytes: Vec::new(),
    };
    encode_signed(
        &Prefix::for_community(CommunityId::DISCOVERY),
        INTRODUCTION_REQUEST,
        key.public_bin(),
        gt,
        &payload,
        |msg| key.sign(msg),
    )
}

/// A node whose `RealCrypto` checks bursts on `helpers` threads besides the caller's.
fn node(helpers: usize) -> Node {
    let config = NodeConfig {
        bootstrap: BootstrapConfig::none(),
        ..NodeConfig::default()
    };
    let mut node = Node::with_crypto(
        config,
        KeyIdentity::from_seed(1).into_arc(),
        Box::new(RealCrypto::default().with_helpers(helpers)),
        7,
        Instant::ZERO,
    );
    node.handle_bound(Instant::ZERO, &[NODE.parse().expect("literal")]);
    while node.poll_output().is_some() {}
    node
}

/// Every datagram the node queued, in order.
fn sent(node: &mut Node) -> Vec<(SocketAddr, Vec<u8>)> {
    std::iter::from_fn(|| node.poll_output())
        .filter_map(|o| match o {
            Output::Transmit(t) => Some((t.to, t.bytes)),
            _ => None,
        })
        .collect()
}

/// Ten signed introduction-requests from ten keys, a ping, garbage, and — when `forged` — one
/// request whose signature was altered.
fn burst(forged: bool) -> Vec<(SocketAddr, Vec<u8>)> {
    burst_of(10, forged)
}

/// [`burst`] with `requests` signed introduction-requests.
fn burst_of(requests: u8, forged: bool) -> Vec<(SocketAddr, Vec<u8>)> {
    let mut out: Vec<(SocketAddr, Vec<u8>)> = (0..requests)
        .map(|i| {
            let from = SocketAddrV4::new([10, 0, 1, i + 1].into(), 8090);
            let key = KeyIdentity::from_seed(10 + u64::from(i));
            (SocketAddr::V4(from), request(&key, from, u64::from(i) + 1))
        })
        .collect();
    let ping = encode_unsigned(
        &Prefix::for_community(CommunityId::DISCOVERY),
        PING,
        1,
        &Ping { identifier: 9 },
    );
    out.insert(2, ("10.0.1.1:8090".parse().expect("literal"), ping));
    out.push(("10.0.9.9:1".parse().expect("literal"), vec![0xff; 30]));
    if forged {
        let from = SocketAddrV4::new([10, 0, 2, 1].into(), 8090);
        let mut bad = request(&KeyIdentity::from_seed(99), from, 3);
        let last = bad.len() - 1;
        bad[last] ^= 0x01;
        out.insert(4, (SocketAddr::V4(from), bad));
    }
    out
}

/// The burst through `handle_datagrams` (signatures checked ahead on `helpers` extra threads)
/// against the same datagrams one by one through `handle_datagram`.
fn compare(forged: bool, helpers: usize) {
    let datagrams = burst(forged);
    let now = Instant::from_micros(5_000);

    let mut one_by_one = node(0);
    for (from, data) in &datagrams {
        one_by_one.handle_datagram(now, *from, data);
    }
    let mut at_once = node(helpers);
    let borrowed: Vec<(SocketAddr, &[u8])> =
        datagrams.iter().map(|(f, d)| (*f, d.as_slice())).collect();
    at_once.handle_datagrams(now, &borrowed);

    let expected = sent(&mut one_by_one);
    assert!(!expected.is_empty());
    assert_eq!(sent(&mut at_once), expected, "same answers, byte for byte");
    assert_eq!(at_once.drops(), one_by_one.drops());
    assert_eq!(
        at_once.drops().get(DropReason::BadSignature),
        u64::from(forged)
    );
    assert_eq!(
        at_once.network().verified_peers().count(),
        one_by_one.network().verified_peers().count()
    );
}

#[test]
fn a_burst_is_handled_as_its_datagrams_one_by_one() {
    compare(false, 0);
}

#[test]
fn a_forged_signature_in_a_burst_is_still_dropped_and_the_rest_answered() {
    compare(true, 0);
}

#[test]
fn helper_threads_change_nothing_but_who_verifies() {
    compare(false, 1);
    compare(true, 1);
    compare(true, 3);
}

/// The datagrams as the driver's verification pipeline hands them over: the bursts
/// `chunks`-sized, each looked ahead at before the one before it is handled.
fn pipelined(node: &mut Node, now: Instant, datagrams: &[(SocketAddr, Vec<u8>)], chunk: usize) {
    let bursts: Vec<Vec<(SocketAddr, &[u8])>> = datagrams
        .chunks(chunk)
        .map(|c| c.iter().map(|(f, d)| (*f, d.as_slice())).collect())
        .collect();
    node.look_ahead(&bursts[0]);
    for pair in bursts.windows(2) {
        node.look_ahead(&pair[1]);
        node.handle_datagrams(now, &pair[0]);
    }
    node.handle_datagrams(now, bursts.last().expect("at least one burst"));
}

#[test]
fn a_pipeline_of_bursts_answers_as_one_by_one() {
    let datagrams = burst_of(60, true);
    let now = Instant::from_micros(5_000);
    let mut one_by_one = node(0);
    for (from, data) in &datagrams {
        one_by_one.handle_datagram(now, *from, data);
    }
    let expected = sent(&mut one_by_one);
    for (helpers, chunk) in [(1, 20), (1, 9), (3, 31), (0, 20)] {
        let mut piped = node(helpers);
        pipelined(&mut piped, now, &datagrams, chunk);
        assert_eq!(
            sent(&mut piped),
            expected,
            "{helpers} helpers, bursts of {chunk}"
        );
        assert_eq!(piped.drops(), one_by_one.drops());
        assert_eq!(piped.drops().get(DropReason::BadSignature), 1);
    }
    // A look ahead at a burst that never comes (a stale guess) changes nothing either.
    let mut stale = node(1);
    let other = burst_of(12, false);
    let other: Vec<(SocketAddr, &[u8])> = other.iter().map(|(f, d)| (*f, d.as_slice())).collect();
    stale.look_ahead(&other);
    pipelined(&mut stale, now, &datagrams, 20);
    assert_eq!(sent(&mut stale), expected);
}

/// Counts what the node hands to `verify_ahead`, and verifies for real.
struct Counting {
    inner: RealCrypto,
    ahead: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl ipv8_proto::CryptoProvider for Counting {
    fn verify(&mut self, key_bin: &[u8], msg: &[u8], sig: &[u8]) -> bool {
        self.inner.verify(key_bin, msg, sig)
    }

    fn verify_ahead(&mut self, items: &[(&[u8], &[u8], &[u8])]) {
        self.ahead
            .fetch_add(items.len(), std::sync::atomic::Ordering::Relaxed);
        self.inner.verify_ahead(items);
    }
}

#[test]
fn the_signed_messages_of_a_burst_are_verified_ahead() {
    let ahead = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let crypto = Counting {
        inner: RealCrypto::default(),
        ahead: std::sync::Arc::clone(&ahead),
    };
    let config = NodeConfig {
        bootstrap: BootstrapConfig::none(),
        ..NodeConfig::default()
    };
    let mut node = Node::with_crypto(
        config,
        KeyIdentity::from_seed(1).into_arc(),
        Box::new(crypto),
        7,
        Instant::ZERO,
    );
    node.handle_bound(Instant::ZERO, &[NODE.parse().expect("literal")]);
    let datagrams = burst(true);
    let borrowed: Vec<(SocketAddr, &[u8])> =
        datagrams.iter().map(|(f, d)| (*f, d.as_slice())).collect();
    node.handle_datagrams(Instant::from_micros(5_000), &borrowed);
    // Eleven signed introduction-requests (one forged); the ping and the garbage are not signed.
    assert_eq!(ahead.load(std::sync::atomic::Ordering::Relaxed), 11);
    assert_eq!(node.drops().get(DropReason::BadSignature), 1);
}

/// A pong is encoded into the buffer of the datagram given back before it
/// (`Node::recycle`), so answering allocates nothing once a buffer circulates.
#[test]
fn answers_reuse_recycled_buffers() {
    let mut node = node(0);
    let from: SocketAddr = "10.0.1.1:8090".parse().expect("literal");
    let ping = encode_unsigned(
        &Prefix::for_community(CommunityId::DISCOVERY),
        PING,
        1,
        &Ping { identifier: 3 },
    );
    let now = Instant::from_micros(5_000);
    let pong = |node: &mut Node| -> Vec<u8> {
        node.handle_datagram(now, from, &ping);
        let out: Vec<_> = std::iter::from_fn(|| node.poll_output()).collect();
        let mut bytes = out.into_iter().filter_map(|o| match o {
            Output::Transmit(t) => Some(t.bytes),
            _ => None,
        });
        let first = bytes.next().expect("a pong");
        assert!(bytes.next().is_none(), "one answer");
        first
    };
    let first = pong(&mut node);
    let buffer = first.as_ptr();
    let expected = first.clone();
    node.recycle(first);
    let second = pong(&mut node);
    // The same pong but for the global time it carries.
    assert_eq!(second.len(), expected.len());
    assert_eq!(second[..22], expected[..22]);
    assert_eq!(second[second.len() - 2..], [0, 3], "the ping's identifier");
    assert_eq!(second.as_ptr(), buffer, "encoded into the recycled buffer");
    // A buffer too small to be worth keeping is not reused.
    node.recycle(Vec::with_capacity(8));
    let third = pong(&mut node);
    assert!(third.capacity() >= 512);
}
