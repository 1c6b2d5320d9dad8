//! The provider (py-ipv8 `DHTCommunityProvider`) on the in-process simulator: ten
//! DHTDiscoveryCommunity nodes meet through a tracker; node A announces an introduction point
//! for an info hash and node B looks it up; B finds A by member id with and without a peer to
//! ping first; a value too large for the DHT fails without a crawl.

use std::time::Duration;

use ipv8::keys::PrivateKey;
use ipv8::testing::TestNetwork;
use ipv8::{NodeConfig, Response};
use ipv8_dht::provider::{DhtProvider, IntroPointSource, IntroductionPoint};
use ipv8_dht::{DhtDiscoveryCommunity, DhtError, DhtOverlay};

mod sim;

use sim::{add_dht_node, ready};

type Dht = DhtDiscoveryCommunity;

fn network() -> (TestNetwork, Vec<usize>) {
    let mut net = TestNetwork::new(3).with_walkers();
    let tracker = net.add_node_with(NodeConfig::tracker());
    let tracker = net.address(tracker);
    let ids: Vec<usize> = (0..10)
        .map(|_| add_dht_node(&mut net, &[tracker]))
        .collect();
    net.advance(Duration::from_secs(90));
    for &n in &ids {
        let known = net
            .community::<Dht>(n)
            .dht()
            .routing_table()
            .map_or(0, |t| t.len());
        assert!(known >= 3, "node {n} knows {known} DHT nodes");
    }
    (net, ids)
}

/// Moves time on until `response` is answered (at most 30 s).
fn answer<T>(net: &mut TestNetwork, mut response: Response<T>) -> T {
    for _ in 0..300 {
        if let Some(answer) = ready(&mut response) {
            return answer;
        }
        net.advance(Duration::from_millis(100));
    }
    panic!("no answer within 30 s");
}

fn intro_point(address: &str) -> IntroductionPoint {
    IntroductionPoint {
        public_key: PrivateKey::from_seeds([1; 32], [2; 32])
            .public_bin()
            .to_vec(),
        address: address.parse().unwrap(),
        seeder_public_key: PrivateKey::from_seeds([3; 32], [4; 32])
            .public_bin()
            .to_vec(),
        source: IntroPointSource::Unknown,
        last_seen: 1_700_000_000,
    }
}

#[test]
fn announced_intro_points_are_found_by_another_node() {
    let (mut net, ids) = network();
    let (a, b) = (ids[0], ids[1]);
    let info_hash = [0x42; 20];
    let v4 = intro_point("1.2.3.4:8090");
    let v6 = intro_point("[2001:db8::1]:5");
    for intro in [v4.clone(), v6.clone()] {
        let stored = net.call::<Dht, _>(a, move |c, cx| c.announce(cx, info_hash, &intro));
        let stored = answer(&mut net, stored).expect("announced");
        assert!(!stored.is_empty());
    }
    // Someone stores garbage under the same info hash: skipped, not an error.
    let junk = net.call::<Dht, _>(ids[2], move |c, cx| {
        c.store_value(cx, info_hash, b"junk".to_vec(), false)
    });
    answer(&mut net, junk).expect("stored");

    let raw = net.call::<Dht, _>(b, move |c, cx| c.find_values(cx, info_hash));
    let raw = answer(&mut net, raw).expect("found");
    assert!(raw.iter().any(|v| v.data == b"junk"), "{raw:?}");

    let found = net.call::<Dht, _>(b, move |c, cx| c.lookup(cx, info_hash));
    let mut found = answer(&mut net, found).expect("looked up");
    found.sort_by_key(|p| p.address);
    let expected: Vec<IntroductionPoint> = [v4, v6]
        .into_iter()
        .map(|p| IntroductionPoint {
            source: IntroPointSource::Dht,
            ..p
        })
        .collect();
    assert_eq!(found, expected);

    let nothing = net.call::<Dht, _>(b, |c, cx| c.lookup(cx, [0x43; 20]));
    assert_eq!(answer(&mut net, nothing), Ok(Vec::new()));
}

#[test]
fn too_large_values_and_foreign_keys_fail_clearly() {
    let (mut net, ids) = network();
    let mut big = intro_point("1.2.3.4:1");
    big.seeder_public_key.extend_from_slice(&[0; 100]);
    let r = net.call::<Dht, _>(ids[0], move |c, cx| c.announce(cx, [1; 20], &big));
    assert!(matches!(answer(&mut net, r), Err(DhtError::TooLarge(n)) if n > 170));
    let mut foreign = intro_point("1.2.3.4:1");
    foreign.public_key = b"not a LibNaCL key".to_vec();
    let r = net.call::<Dht, _>(ids[0], move |c, cx| c.announce(cx, [1; 20], &foreign));
    assert_eq!(answer(&mut net, r), Err(DhtError::NotLibNaclKey));
}

#[test]
fn peer_lookup_finds_a_peer_with_and_without_a_ping_first() {
    let (mut net, ids) = network();
    let a = ids[0];
    let (mid_a, addr_a) = (net.mid(a), net.address(a));
    // B does not store A itself, so it must ping or crawl.
    let stores_a = |net: &TestNetwork, n: usize| {
        net.community::<Dht>(n)
            .stored_peers()
            .contains_key(&mid_a.0)
    };
    let b = ids[1..]
        .iter()
        .copied()
        .find(|&n| !stores_a(&net, n))
        .expect("a node that does not store A");
    let gone = ids[1..].iter().copied().find(|&n| n != b).unwrap();
    let peer_of = |net: &TestNetwork, n: usize| {
        net.peers::<Dht>(b)
            .into_iter()
            .find(|p| p.mid() == net.mid(n))
            .expect("B has met the node")
    };
    let crawls = |net: &TestNetwork| net.community::<Dht>(b).dht().stats().crawls;

    // Through the DHT (A stored itself with store-peer).
    let r = net.call::<Dht, _>(b, move |c, cx| c.peer_lookup(cx, mid_a, None));
    let nodes = answer(&mut net, r).expect("found through the DHT");
    assert!(nodes.iter().any(|n| n.address == addr_a), "{nodes:?}");

    // A peer that answers the ping is the answer, without a crawl.
    let peer_a = peer_of(&net, a);
    let before = crawls(&net);
    let r = net.call::<Dht, _>(b, move |c, cx| c.peer_lookup(cx, mid_a, Some(&peer_a)));
    let nodes = answer(&mut net, r).expect("pinged");
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0].address, addr_a);
    assert_eq!(crawls(&net), before, "no crawl after an answered ping");

    // A peer that does not answer: the DHT lookup after the ping's 5 s timeout.
    let peer_gone = peer_of(&net, gone);
    net.crash(gone);
    let started = net.now();
    let r = net.call::<Dht, _>(b, move |c, cx| c.peer_lookup(cx, mid_a, Some(&peer_gone)));
    let nodes = answer(&mut net, r).expect("found after the ping timed out");
    assert!(nodes.iter().any(|n| n.address == addr_a), "{nodes:?}");
    assert!(net.now() - started >= Duration::from_secs(5));
    assert!(crawls(&net) > before, "crawled after the ping timed out");
}
