//! Golden vectors packed by pyipv8 3.2.1 (`tests/vectors/dht.txt`, made by
//! `tools/gen_dht_vectors.py`): every DHT message decodes from py-ipv8's datagram and encodes
//! back to the same bytes (same deterministic Ed25519 key), every truncation of a message is a
//! decode error naming a field, value entries and node ids match py-ipv8's.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use ipv8::keys::PrivateKey;
use ipv8::wire::{DecodeError, MessagePayload, Prefix, SignedPacket, encode_message};
use ipv8::{Mid, Payload};
use ipv8_dht::payload::*;
use ipv8_dht::routing::calc_node_id;
use ipv8_dht::{COMMUNITY_ID, value};

fn vectors() -> BTreeMap<String, Vec<u8>> {
    include_str!("vectors/dht.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (name, hex) = l.split_once(' ').expect("name hex");
            (name.to_owned(), hex::decode(hex).expect("hex"))
        })
        .collect()
}

fn key() -> PrivateKey {
    PrivateKey::from_seeds([1; 32], [2; 32])
}

fn other() -> PrivateKey {
    PrivateKey::from_seeds([3; 32], [4; 32])
}

fn token() -> [u8; 20] {
    std::array::from_fn(|i| i as u8)
}

fn target() -> [u8; 20] {
    std::array::from_fn(|i| 100 + i as u8)
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn node_a() -> NodePayload {
    NodePayload {
        address: addr("1.2.3.4:8090"),
        public_key: key().public_bin().to_vec(),
    }
}

fn node_b() -> NodePayload {
    NodePayload {
        address: addr("[::1]:9"),
        public_key: other().public_bin().to_vec(),
    }
}

fn decode<P: MessagePayload>(datagram: &[u8]) -> Result<P, DecodeError> {
    SignedPacket::parse_with(datagram, P::GLOBAL_TIME)?.decode_payload::<P>()
}

/// Decodes py-ipv8's datagram, checks the value, re-encodes it byte for byte, and checks that
/// every truncation fails with an error.
fn check<P: MessagePayload + PartialEq + std::fmt::Debug>(name: &str, expected: &P) {
    let v = vectors();
    let datagram = &v[name];
    let k = key();
    assert_eq!(datagram[22], P::MSG_ID, "{name}");
    let decoded: P = decode(datagram).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(&decoded, expected, "{name}");
    let encoded = encode_message(
        &Prefix::for_community(COMMUNITY_ID),
        k.public_bin(),
        0,
        expected,
        |m| k.sign(m),
    );
    assert_eq!(hex::encode(&encoded), hex::encode(datagram), "{name}");
    for len in 0..datagram.len() {
        assert!(
            decode::<P>(&datagram[..len]).is_err(),
            "{name}: a datagram cut at {len} bytes decoded"
        );
    }
    // Truncated payloads (signature kept) name the field that is cut.
    let packet = SignedPacket::parse_with(datagram, false).unwrap();
    for len in 0..packet.payload.len() {
        let err = ipv8::wire::decode_exact::<P>(&packet.payload[..len], 0).unwrap_err();
        assert!(!err.field.is_empty(), "{name} at {len}");
    }
}

#[test]
fn community_id_matches() {
    assert_eq!(vectors()["community_id"], COMMUNITY_ID.0);
}

#[test]
fn ping_and_store_messages() {
    check("msg:PingRequestPayload:1", &PingRequest { identifier: 7 });
    check(
        "msg:PingResponsePayload:1",
        &PingResponse {
            identifier: u32::MAX,
        },
    );
    let mut long = vec![0u8];
    long.extend([b'x'; 169]);
    check(
        "msg:StoreRequestPayload:1",
        &StoreRequest {
            identifier: 1,
            token: token(),
            target: target(),
            values: vec![b"\x00abc".to_vec(), Vec::new(), long],
        },
    );
    check(
        "msg:StoreResponsePayload:1",
        &StoreResponse { identifier: 65_536 },
    );
}

#[test]
fn find_messages() {
    check(
        "msg:FindRequestPayload:1",
        &FindRequest {
            identifier: 2,
            lan_address: addr("10.0.0.1:8090"),
            target: target(),
            offset: 8,
            force_nodes: true,
        },
    );
    check(
        "msg:FindRequestPayload:2",
        &FindRequest {
            identifier: 3,
            lan_address: addr("[fe80::1]:1"),
            target: target(),
            offset: 0,
            force_nodes: false,
        },
    );
    check(
        "msg:FindResponsePayload:1",
        &FindResponse {
            identifier: 4,
            token: token(),
            values: vec![b"\x00v1".to_vec(), b"\x00v2".to_vec()],
            nodes: vec![node_a(), node_b()],
        },
    );
    check(
        "msg:FindResponsePayload:2",
        &FindResponse {
            identifier: 5,
            token: token(),
            values: Vec::new(),
            nodes: Vec::new(),
        },
    );
}

#[test]
fn store_peer_and_connect_peer_messages() {
    let mut first20 = [0; 20];
    first20.copy_from_slice(&key().public_bin()[..20]);
    check(
        "msg:StorePeerRequestPayload:1",
        &StorePeerRequest {
            identifier: 6,
            token: token(),
            target: first20,
        },
    );
    check(
        "msg:StorePeerResponsePayload:1",
        &StorePeerResponse { identifier: 7 },
    );
    check(
        "msg:ConnectPeerRequestPayload:1",
        &ConnectPeerRequest {
            identifier: 8,
            lan_address: addr("192.168.1.2:7759"),
            target: target(),
        },
    );
    check(
        "msg:ConnectPeerResponsePayload:1",
        &ConnectPeerResponse {
            identifier: 9,
            nodes: vec![node_b()],
        },
    );
    check(
        "msg:ConnectPeerResponsePayload:2",
        &ConnectPeerResponse {
            identifier: 10,
            nodes: Vec::new(),
        },
    );
}

#[test]
fn value_entries_match_pyipv8() {
    let v = vectors();
    let k = key();
    assert_eq!(value::serialize_unsigned(b"hello dht"), v["value:unsigned"]);
    let signed = value::serialize_signed(b"signed hello", 1_700_000_000, k.public_bin(), |m| {
        k.sign(m)
    });
    assert_eq!(hex::encode(&signed), hex::encode(&v["value:signed"]));
    let entry = value::unserialize(&v["value:signed"]).unwrap();
    assert_eq!(entry.data, b"signed hello");
    assert_eq!(entry.version, 1_700_000_000);
    assert_eq!(entry.public_key.as_deref(), Some(k.public_bin()));
    let plain = value::unserialize(&v["value:unsigned"]).unwrap();
    assert_eq!(
        (plain.data.as_slice(), plain.public_key),
        (&b"hello dht"[..], None)
    );
    // Any truncation of a signed entry is rejected.
    let s = &v["value:signed"];
    for len in 0..s.len() {
        assert!(value::unserialize(&s[..len]).is_err(), "cut at {len}");
    }
}

#[test]
fn node_ids_match_pyipv8() {
    let v = vectors();
    let mid = Mid::of(key().public_bin());
    assert_eq!(mid.0.as_slice(), v["mid"].as_slice());
    let mut checked = 0;
    for (name, id) in &v {
        if let Some(address) = name.strip_prefix("node_id:") {
            assert_eq!(
                calc_node_id(&addr(address), &mid).as_slice(),
                id.as_slice(),
                "{address}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 5);
}

#[test]
fn node_payload_round_trip() {
    let bytes = node_b().to_bytes();
    assert_eq!(bytes[0], 3, "py-ipv8 ADDRESS_TYPE_IPV6");
    assert_eq!(
        ipv8::wire::decode_exact::<NodePayload>(&bytes, 0).unwrap(),
        node_b()
    );
}

/// The value py-ipv8's `DHTCommunityProvider.announce` stores decodes to the introduction
/// point (keys with `LibNaCLPK:` back) and the same point encodes to the same bytes.
#[test]
fn intro_point_values_match_pyipv8() {
    use ipv8_dht::provider::{DhtIntroPointPayload, IntroPointSource, IntroductionPoint};

    let v = vectors();
    for (name, address) in [
        ("intro_point:ipv4", "1.2.3.4:8090"),
        ("intro_point:ipv6", "[2001:db8::1]:5"),
    ] {
        let bytes = &v[name];
        let point = IntroductionPoint {
            public_key: key().public_bin().to_vec(),
            address: addr(address),
            seeder_public_key: other().public_bin().to_vec(),
            source: IntroPointSource::Dht,
            last_seen: 1_700_000_000,
        };
        assert_eq!(
            IntroductionPoint::from_value(bytes).as_ref(),
            Ok(&point),
            "{name}"
        );
        assert_eq!(&point.to_value().unwrap(), bytes, "{name}");
        let payload = DhtIntroPointPayload::decode(&mut ipv8::wire::Reader::new(bytes)).unwrap();
        assert_eq!(payload.to_bytes(), *bytes, "{name}");
        assert_eq!(payload.intro_pk, &key().public_bin()[10..], "{name}");
        for cut in 0..bytes.len() {
            assert!(
                IntroductionPoint::from_value(&bytes[..cut]).is_err(),
                "{name} cut at {cut}"
            );
        }
    }
}
