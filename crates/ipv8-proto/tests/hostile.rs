//! Hostile input: malformed, unknown, badly signed and flooding datagrams are dropped with a
//! named, counted reason, never panic, never reach a community, and never grow memory without
//! bound.

mod common;

use std::any::Any;
use std::net::SocketAddr;

use common::{TEST_COMMUNITY, addr};
use ipv8_proto::config::BootstrapConfig;
use ipv8_proto::rng::{NodeRng, Stream};
use ipv8_proto::{
    Community, CommunityConfig, CommunityId, Cx, DropReason, Handlers, Instant, KeyIdentity, Node,
    NodeConfig, Output, Peer,
};

const NOW: Instant = Instant::ZERO;
const ME: &str = "10.0.0.1:8090";

fn plain_config(max_peers: i32) -> NodeConfig {
    let mut c = CommunityConfig::plain(TEST_COMMUNITY, "TestCommunity");
    c.max_peers = max_peers;
    NodeConfig {
        communities: vec![CommunityConfig::discovery(), c],
        bootstrap: BootstrapConfig::none(),
        ..NodeConfig::default()
    }
}

fn target(max_peers: i32) -> Node {
    let mut n = Node::new(
        plain_config(max_peers),
        KeyIdentity::from_seed(1).into_arc(),
        1,
        NOW,
    );
    n.handle_bound(NOW, &[addr(ME)]);
    n
}

/// A real introduction-request signed by key `seed`, as sent from `from` to `to`.
fn request(seed: u64, from: SocketAddr, to: SocketAddr, community: CommunityId) -> Vec<u8> {
    let config = NodeConfig {
        communities: vec![CommunityConfig::plain(community, "Sender")],
        bootstrap: BootstrapConfig::none(),
        ..NodeConfig::default()
    };
    let mut n = Node::new(config, KeyIdentity::from_seed(seed).into_arc(), seed, NOW);
    n.handle_bound(NOW, &[from]);
    assert!(n.walk_to_in(NOW, community, to));
    loop {
        match n.poll_output() {
            Some(Output::Transmit(t)) => return t.bytes,
            Some(_) => {}
            None => panic!("no request"),
        }
    }
}

fn transmits(n: &mut Node) -> usize {
    let mut count = 0;
    while let Some(o) = n.poll_output() {
        count += usize::from(matches!(o, Output::Transmit(_)));
    }
    count
}

#[test]
fn malformed_and_unknown_datagrams_are_counted_by_reason() {
    let mut n = target(30);
    let from = addr("1.2.3.4:5");
    n.handle_datagram(NOW, from, &[]);
    n.handle_datagram(NOW, from, &[0u8; 22]);
    assert_eq!(n.drops().get(DropReason::Truncated), 2);

    let mut unknown = vec![0u8, 2];
    unknown.extend([0x99; 20]);
    unknown.push(246);
    n.handle_datagram(NOW, from, &unknown);
    assert_eq!(n.drops().get(DropReason::UnknownPrefix), 1);

    let mut msg = ipv8_proto::Prefix::for_community(TEST_COMMUNITY).0.to_vec();
    msg.push(77);
    n.handle_datagram(NOW, from, &msg);
    assert_eq!(n.drops().get(DropReason::UnknownMessage), 1);
    msg[22] = 255;
    n.handle_datagram(NOW, from, &msg);
    assert_eq!(n.drops().get(DropReason::Deprecated), 1);

    // A 246 cut in the middle of its payload names the field.
    let good = request(5, from, addr(ME), TEST_COMMUNITY);
    let mut cut = good[..good.len() - 64 - 10].to_vec();
    cut.extend([0u8; 64]);
    n.handle_datagram(NOW, from, &cut);
    assert_eq!(
        n.drops().decode_errors() + n.drops().get(DropReason::BadSignature),
        1
    );
    assert_eq!(n.drops().total(), 6);
    assert_eq!(transmits(&mut n), 0);
    // Statistics saw the datagrams of our prefixes, not the unknown prefix.
    let stats = n
        .statistics()
        .prefix(&ipv8_proto::Prefix::for_community(TEST_COMMUNITY))
        .unwrap();
    assert_eq!(stats.get(77).unwrap().num_down, 1);
    assert_eq!(n.statistics().enabled_count(), 2);
}

#[test]
fn bad_signatures_are_dropped_counted_and_never_reach_the_community() {
    /// Message 9: any bytes, signed, with a global time (a re-signed 246 body).
    struct Blob;
    impl ipv8_wire::Payload for Blob {
        const NAME: &'static str = "Blob";
        fn encode(&self, _: &mut ipv8_wire::Writer) {}
        fn decode(r: &mut ipv8_wire::Reader<'_>) -> Result<Self, ipv8_wire::DecodeError> {
            r.rest();
            Ok(Self)
        }
    }
    impl ipv8_wire::MessagePayload for Blob {
        const MSG_ID: u8 = 9;
        const MESSAGE_NAME: &'static str = "blob";
        const SIGNED: bool = true;
        const STYLE: ipv8_wire::Style = ipv8_wire::Style::None;
        const HANDLER_NAME: &'static str = "on_blob";
        const GLOBAL_TIME: bool = true;
    }
    #[derive(Default)]
    struct Spy {
        calls: usize,
    }
    impl Community for Spy {
        type Command = ();
        type Event = ();
        fn handlers(h: &mut Handlers<Self>) {
            h.signed(|spy: &mut Self, _: &mut Cx<'_, Self>, _: &Peer, _: Blob| spy.calls += 1);
        }
    }
    let spy_id = CommunityId([0x55; 20]);
    let mut n = target(30);
    let config = CommunityConfig::plain(spy_id, "Spy");
    n.add_community(NOW, config, Spy::default()).unwrap();
    let from = addr("1.2.3.4:5");
    // A correctly signed message 9 on the spy's prefix: take a 246 and re-sign it as id 9.
    let mut good = request(5, from, addr(ME), spy_id);
    let identity = KeyIdentity::from_seed(5);
    good[22] = 9;
    let body = good.len() - 64;
    let sig = ipv8_proto::Identity::sign(&identity, &good[..body]);
    good[body..].copy_from_slice(&sig);
    n.handle_datagram(NOW, from, &good);
    let mut bad = good.clone();
    bad[body - 1] ^= 0x01;
    n.handle_datagram(NOW, from, &bad);
    let spy = n.community::<Spy>(spy_id).unwrap();
    assert_eq!(spy.calls, 1);
    assert_eq!(n.drops().get(DropReason::BadSignature), 1);
    let any: &dyn Any = spy;
    assert!(any.is::<Spy>());

    // Same for every base message: a bad 246 creates no peer and no answer.
    let mut req = request(6, from, addr(ME), TEST_COMMUNITY);
    let len = req.len();
    req[len - 1] ^= 0x80;
    n.handle_datagram(NOW, from, &req);
    assert_eq!(n.drops().get(DropReason::BadSignature), 2);
    assert_eq!(n.network().verified_count(), 0);
}

#[test]
fn request_flood_from_distinct_keys_stops_at_max_peers() {
    let max_peers = 3;
    let mut n = target(max_peers);
    let mut answered = 0;
    for i in 0..40u64 {
        let from = SocketAddr::from(([10, 1, (i / 200) as u8, (i % 200) as u8 + 1], 7000));
        let bytes = request(1000 + i, from, addr(ME), TEST_COMMUNITY);
        n.handle_datagram(NOW, from, &bytes);
        answered += transmits(&mut n);
    }
    // py-ipv8 refuses requests once `max_peers < peers` (ending at max_peers + 1); we also
    // refuse newcomers once the community is full, so requests stop exactly at max_peers.
    let peers = n.network().count_for_service(TEST_COMMUNITY);
    assert_eq!(peers, 3);
    assert_eq!(n.drops().get(DropReason::MaxPeers), 37);
    // Each accepted request got one response (and puncture-requests for introductions).
    assert!(answered >= 3);
    for info in n.overlays() {
        if info.id == TEST_COMMUNITY {
            assert_eq!(info.peers.len(), 3);
        }
    }
}

#[test]
fn spoofed_address_flood_keeps_tables_bounded() {
    let limits = ipv8_proto::network::NetworkLimits {
        max_addresses: 120,
        max_verified: 60,
        ..ipv8_proto::network::NetworkLimits::default()
    };
    let mut config = plain_config(-1);
    config.limits = limits;
    let mut n = Node::new(config, KeyIdentity::from_seed(1).into_arc(), 1, NOW);
    n.handle_bound(NOW, &[addr(ME)]);
    // One key from many spoofed addresses: one peer, addresses merged per class.
    let first = request(77, addr("10.2.0.1:1"), addr(ME), TEST_COMMUNITY);
    for i in 0..300u32 {
        let from = SocketAddr::from(([10, 2, (i >> 8) as u8, i as u8], 1000));
        n.handle_datagram(NOW, from, &first);
        transmits(&mut n);
    }
    assert_eq!(n.network().verified_count(), 1);
    assert!(n.network().addresses().count() <= limits.max_addresses);
    // Many keys, max_peers off: the hard table cap holds.
    let mut rng = NodeRng::child(3, Stream::Walker);
    for i in 0..(limits.max_verified as u64 + 20) {
        let from = SocketAddr::from(([10, 3, rng.byte(), rng.byte()], 2000 + (i as u16)));
        let bytes = request(5000 + i, from, addr(ME), TEST_COMMUNITY);
        n.handle_datagram(NOW, from, &bytes);
        transmits(&mut n);
    }
    assert!(n.network().verified_count() <= limits.max_verified);
    assert!(n.drops().get(DropReason::PeerTableFull) >= 20);
    assert!(n.network().addresses().count() <= limits.max_addresses);
    assert!(n.queued_outputs() == 0);
}

#[test]
fn random_bytes_and_mutations_never_panic_and_are_all_counted() {
    let mut n = target(30);
    let from = addr("1.2.3.4:5");
    let good = request(5, from, addr(ME), TEST_COMMUNITY);
    let mut rng = NodeRng::child(11, Stream::Walker);
    let mut fed = 0u64;
    // Every truncation of a valid request.
    for len in 0..good.len() {
        n.handle_datagram(NOW, from, &good[..len]);
        fed += 1;
    }
    // Random bit flips (each breaks the signature or the envelope).
    for _ in 0..300 {
        let mut m = good.clone();
        let i = rng.below(m.len());
        m[i] ^= 1 << (rng.byte() % 8);
        n.handle_datagram(NOW, from, &m);
        fed += 1;
    }
    // Random garbage behind our prefixes, every message id.
    for id in 0..=255u8 {
        let mut m = ipv8_proto::Prefix::for_community(CommunityId::DISCOVERY)
            .0
            .to_vec();
        m.push(id);
        let extra = rng.below(300);
        m.extend((0..extra).map(|_| rng.byte()));
        n.handle_datagram(NOW, from, &m);
        fed += 1;
    }
    let pongs_answered = n.drops().total();
    // Everything was dropped except garbage that happened to be a valid ping (id 3 with a
    // 10-byte body) — accepted pings are answered, not dropped.
    assert!(
        fed - pongs_answered <= 1,
        "fed {fed}, dropped {pongs_answered}"
    );
    assert_eq!(n.network().verified_count(), 0);
}
