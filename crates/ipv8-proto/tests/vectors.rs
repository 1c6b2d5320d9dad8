//! py-ipv8 3.2.1 recorded flows (`tests/vectors/vectors.json`, `flows`): the recorded packets
//! are fed into `Node`s set up like the generator's A, B and C, and every packet our nodes
//! produce in reply must equal py-ipv8's byte for byte; the resulting network state must match.

use std::net::SocketAddr;

use ipv8_crypto::PrivateKey;
use ipv8_proto::config::BootstrapConfig;
use ipv8_proto::{
    CommunityConfig, CommunityId, DropReason, Event, Instant, KeyIdentity, Node, NodeConfig,
    Output, Peer,
};
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("vectors/vectors.json")).unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn key(v: &Value, label: &str) -> PrivateKey {
    let k = v["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["label"] == label)
        .unwrap();
    PrivateKey::from_bin(&unhex(k["private_key_bin_hex"].as_str().unwrap())).unwrap()
}

fn step(flow: &Value, message: &str) -> Vec<u8> {
    let s = flow["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["message"] == message)
        .unwrap_or_else(|| panic!("no step {message}"));
    unhex(s["packet_hex"].as_str().unwrap())
}

const NOW: Instant = Instant::ZERO;

/// A node like the generator's `make_node`: bound at its LAN address, WAN pinned.
fn node(v: &Value, label: &str, community: CommunityConfig, lan: &str, wan: &str) -> Node {
    let config = NodeConfig {
        communities: vec![community.clone()],
        bootstrap: BootstrapConfig::none(),
        ..NodeConfig::default()
    };
    let identity = KeyIdentity::new(key(v, label)).into_arc();
    let mut n = Node::new(config, identity, 7, NOW);
    n.handle_bound(NOW, &[addr(lan)]);
    assert!(n.set_wan_estimate(community.id, wan.parse().unwrap()));
    n
}

fn transmits(n: &mut Node) -> Vec<(SocketAddr, Vec<u8>)> {
    let mut out = Vec::new();
    while let Some(o) = n.poll_output() {
        if let Output::Transmit(t) = o {
            out.push((t.to, t.bytes));
        }
    }
    out
}

/// Make the next claimed global time `next` (the generator's `set_clock`).
fn set_clock(n: &mut Node, next: u64) {
    assert!(n.global_time() < next);
    n.update_global_time(next - 1);
}

const A_LAN: &str = "192.168.1.10:8090";
const A_WAN: &str = "80.100.0.1:8090";
const B_LAN: &str = "10.0.0.5:7000";
const B_WAN: &str = "80.100.0.2:7000";
const C_LAN: &str = "10.0.0.7:7100";
const C_WAN: &str = "80.100.0.3:7100";

fn c_at_b(v: &Value, new_style: bool) -> Peer {
    let public = key(v, "C").public().to_bin();
    let mid = ipv8_proto::Mid::of(&public);
    let mut p = Peer::new(public.into(), mid, addr(C_WAN), NOW, false);
    p.set_lan_address(C_LAN.parse().unwrap());
    p.set_new_style(new_style);
    p
}

fn sorted_addrs(list: &Value) -> Vec<SocketAddr> {
    let mut out: Vec<SocketAddr> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| addr(&format!("{}:{}", a["host"].as_str().unwrap(), a["port"])))
        .collect();
    out.sort();
    out
}

#[test]
fn old_style_discovery_flow_is_byte_identical() {
    let v = vectors();
    let flow = &v["flows"][0];
    let d = CommunityId::DISCOVERY;
    let mut a = node(&v, "A", CommunityConfig::discovery(), A_LAN, A_WAN);
    let mut b = node(&v, "B", CommunityConfig::discovery(), B_LAN, B_WAN);
    let mut c = node(&v, "C", CommunityConfig::discovery(), C_LAN, C_WAN);
    b.add_verified_peer(NOW, c_at_b(&v, false), &[d]);

    // A -> B: introduction-request (global time 1).
    assert!(a.walk_to_in(NOW, d, addr(B_WAN)));
    let out = transmits(&mut a);
    assert_eq!(out, vec![(addr(B_WAN), step(flow, "introduction-request"))]);

    // B: puncture-request to C (43), then the response to A (42).
    set_clock(&mut b, 42);
    b.handle_datagram(NOW, addr(A_WAN), &step(flow, "introduction-request"));
    let out = transmits(&mut b);
    assert_eq!(
        out,
        vec![
            (addr(C_WAN), step(flow, "puncture-request")),
            (addr(A_WAN), step(flow, "introduction-response")),
        ]
    );

    // C punctures towards A.
    set_clock(&mut c, 7);
    c.handle_datagram(NOW, addr(B_WAN), &step(flow, "puncture-request"));
    assert_eq!(
        transmits(&mut c),
        vec![(addr(A_WAN), step(flow, "puncture"))]
    );

    // A processes the response: state, then the similarity-request of the callback.
    set_clock(&mut a, 10);
    a.handle_datagram(NOW, addr(B_WAN), &step(flow, "introduction-response"));
    let state = &flow["state_after_A_processed_response"];
    assert_eq!(a.wan_estimate(d), Some(A_WAN.parse().unwrap()));
    let verified: Vec<String> = a
        .network()
        .verified_peers()
        .map(|p| p.mid().to_hex())
        .collect();
    let expected: Vec<String> = state["A.verified_peers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(verified, expected);
    assert_eq!(
        a.network().walkable_addresses(d, false),
        sorted_addrs(&state["A.walkable_addresses"])
    );
    assert_eq!(
        transmits(&mut a),
        vec![(addr(B_WAN), step(flow, "similarity-request"))]
    );

    // B answers the similarity-request.
    set_clock(&mut b, 50);
    b.handle_datagram(NOW, addr(A_WAN), &step(flow, "similarity-request"));
    assert_eq!(
        transmits(&mut b),
        vec![(addr(A_WAN), step(flow, "similarity-response"))]
    );
    a.handle_datagram(NOW, addr(B_WAN), &step(flow, "similarity-response"));
    let services = a
        .network()
        .services_of(&a.network().mid_by_address(addr(B_WAN)).unwrap());
    assert_eq!(services, &[d]);

    // A accepts C's puncture silently.
    a.handle_datagram(NOW, addr(B_WAN), &step(flow, "puncture"));
    assert!(transmits(&mut a).is_empty());

    // B pongs the recorded ping with its own clock and the ping's identifier.
    set_clock(&mut b, 60);
    b.handle_datagram(NOW, addr(A_WAN), &step(flow, "ping"));
    assert_eq!(transmits(&mut b), vec![(addr(A_WAN), step(flow, "pong"))]);
    for n in [&a, &b, &c] {
        assert_eq!(
            n.drops().total(),
            0,
            "{:?}",
            n.drops().iter().collect::<Vec<_>>()
        );
    }
}

#[test]
fn new_style_plain_community_flow_is_byte_identical() {
    let v = vectors();
    let flow = &v["flows"][1];
    let id = CommunityId(
        unhex(flow["community_id"].as_str().unwrap())
            .try_into()
            .unwrap(),
    );
    let plain = CommunityConfig::plain(id, "SpecTestCommunity");
    let mut a = node(&v, "A", plain.clone(), A_LAN, A_WAN);
    let mut b = node(&v, "B", plain.clone(), B_LAN, B_WAN);
    let mut c = node(&v, "C", plain, C_LAN, C_WAN);
    b.add_verified_peer(NOW, c_at_b(&v, true), &[id]);

    set_clock(&mut b, 42);
    b.handle_datagram(NOW, addr(A_WAN), &step(flow, "new-introduction-request"));
    assert_eq!(
        transmits(&mut b),
        vec![
            (addr(C_WAN), step(flow, "new-puncture-request")),
            (addr(A_WAN), step(flow, "new-introduction-response")),
        ]
    );
    set_clock(&mut c, 7);
    c.handle_datagram(NOW, addr(B_WAN), &step(flow, "new-puncture-request"));
    assert_eq!(
        transmits(&mut c),
        vec![(addr(A_WAN), step(flow, "new-puncture"))]
    );

    set_clock(&mut a, 5);
    a.handle_datagram(NOW, addr(B_WAN), &step(flow, "new-introduction-response"));
    let state = &flow["state_after_A_processed_response"];
    assert_eq!(transmits(&mut a).len(), 0);
    assert_eq!(flow["packets_sent_by_A_after_response"], 0);
    assert_eq!(a.network().verified_count(), 1);
    assert_eq!(
        a.network().verified_peers().next().unwrap().mid().to_hex(),
        state["A.verified_peers"][0].as_str().unwrap()
    );
    assert_eq!(
        a.network().walkable_addresses(id, false),
        sorted_addrs(&state["A.walkable_addresses"])
    );
    assert_eq!(state["A.is_new_style(C wan)"], 1);
    assert!(a.network().is_new_style(addr(C_WAN)));
    // B is marked new-style, so A's next request to B is a 234.
    let b_peer = a.network().verified_peers().next().unwrap();
    assert!(b_peer.new_style());
    a.handle_datagram(NOW, addr(C_WAN), &step(flow, "new-puncture"));
    assert_eq!(a.drops().total(), 0);
}

#[test]
fn tracker_signed_sect163k1_response_is_accepted_and_tracker_stays_a_stranger() {
    let v = vectors();
    let m = v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["signer"] == "legacy-sect163k1")
        .unwrap();
    let packet = unhex(m["packet_hex"].as_str().unwrap());
    let tracker = addr("130.161.119.206:6421"); // first default tracker
    let config = NodeConfig::default();
    let identity = KeyIdentity::new(key(&v, "A")).into_arc();
    let mut a = Node::new(config, identity, 1, NOW);
    a.handle_bound(NOW, &[addr(A_LAN)]);
    a.handle_timeout(NOW); // first round: bootstrap (blacklists the trackers)
    while a.poll_output().is_some() {}
    a.handle_datagram(NOW, tracker, &packet);
    assert_eq!(
        a.drops().total(),
        0,
        "{:?}",
        a.drops().iter().collect::<Vec<_>>()
    );
    assert_eq!(
        a.network().verified_count(),
        0,
        "trackers never become peers"
    );
    let d = CommunityId::DISCOVERY;
    assert_eq!(
        a.network().walkable_addresses(d, false),
        vec![addr(C_LAN), addr(C_WAN)]
    );
    assert_eq!(a.wan_estimate(d), Some(A_WAN.parse().unwrap()));
    let mut bootstrapped = false;
    while let Some(o) = a.poll_output() {
        bootstrapped |=
            matches!(o, Output::Event(Event::Bootstrapped { tracker: t, .. }) if t == tracker);
    }
    assert!(bootstrapped);
    // A flipped bit in the signature is dropped and counted.
    let mut bad = packet.clone();
    *bad.last_mut().unwrap() ^= 1;
    a.handle_datagram(NOW, tracker, &bad);
    assert_eq!(a.drops().get(DropReason::BadSignature), 1);
}

#[test]
fn legacy_y_request_is_answered_old_style_by_discovery() {
    let v = vectors();
    let m = v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"].as_str().unwrap().contains("legacy 'Y'"))
        .unwrap();
    let packet = unhex(m["packet_hex"].as_str().unwrap());
    let mut b = node(&v, "B", CommunityConfig::discovery(), B_LAN, B_WAN);
    b.handle_datagram(NOW, addr(A_WAN), &packet);
    let out = transmits(&mut b);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].0, addr(A_WAN));
    assert_eq!(out[0].1[22], 245);
    let requester = b.network().verified_by_address(addr(A_WAN)).unwrap();
    assert_eq!(
        requester.lan_address(),
        None,
        "DiscoveryCommunity does not record the LAN"
    );
    assert!(!requester.new_style());
    // The same request on a plain community is parsed normally and the 21 bytes are extra.
    assert_eq!(b.drops().total(), 0);
}

#[test]
fn every_recorded_message_is_accepted_by_a_fresh_node() {
    // Robustness: feeding each of the 21 recorded packets into nodes running both prefixes
    // never panics, and signed ones never count as bad signatures.
    let v = vectors();
    let test_id = CommunityId(
        unhex(v["flows"][1]["community_id"].as_str().unwrap())
            .try_into()
            .unwrap(),
    );
    let config = NodeConfig {
        communities: vec![
            CommunityConfig::discovery(),
            CommunityConfig::plain(test_id, "SpecTestCommunity"),
        ],
        bootstrap: BootstrapConfig::none(),
        ..NodeConfig::default()
    };
    let mut n = Node::new(config, KeyIdentity::from_seed(9).into_arc(), 9, NOW);
    n.handle_bound(NOW, &[addr("10.9.9.9:9999")]);
    for m in v["messages"].as_array().unwrap() {
        let packet = unhex(m["packet_hex"].as_str().unwrap());
        n.handle_datagram(NOW, addr("80.100.0.2:7000"), &packet);
        n.handle_datagram(NOW, addr("[2001:db8::2]:7000"), &packet);
    }
    assert_eq!(n.drops().get(DropReason::BadSignature), 0);
    assert_eq!(
        n.drops().decode_errors(),
        0,
        "{:?}",
        n.drops().iter().collect::<Vec<_>>()
    );
}
