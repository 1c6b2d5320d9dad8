//! DHTDiscoveryCommunity nodes on 127.0.0.1 (real sockets, a tracker to meet): values stored by
//! one node are found by another (signed and unsigned), a node's address is found by member id,
//! and hostile datagrams are counted drops with a reason.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{Dht, address_of, spawn_dht, spawn_tracker};
use ipv8::wire::{MessagePayload, Prefix, SignedPacket, encode_message};
use ipv8::{DropReason, KeyIdentity, Mid};
use ipv8_dht::payload::{FindRequest, FindResponse, PingRequest, StoreRequest, StoreResponse};
use ipv8_dht::{COMMUNITY_ID, DhtOverlay, value};
use tokio::net::UdpSocket;

async fn routing_len(dht: &Dht) -> usize {
    dht.call(|c, _| c.dht().routing_table().map_or(0, |t| t.len()))
        .await
        .unwrap()
}

async fn wait_until(what: &str, within: Duration, mut cond: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    while !cond().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_and_find_between_nodes() {
    let (tracker, tracker_addr) = spawn_tracker().await;
    let mut nodes = Vec::new();
    for seed in 0..5 {
        nodes.push(spawn_dht(100 + seed, &[tracker_addr]).await);
    }
    for (i, (_, dht)) in nodes.iter().enumerate() {
        wait_until(
            &format!("node {i} knows 3 DHT nodes"),
            Duration::from_secs(30),
            async || routing_len(dht).await >= 3,
        )
        .await;
    }
    let key = [7; 20];
    let stored = nodes[0]
        .1
        .call(move |c, cx| c.store_value(cx, key, b"signed hello".to_vec(), true))
        .await
        .unwrap()
        .await
        .unwrap()
        .expect("stored");
    assert!(!stored.is_empty());
    let plain_key = [8; 20];
    nodes[1]
        .1
        .call(move |c, cx| c.store_value(cx, plain_key, b"plain".to_vec(), false))
        .await
        .unwrap()
        .await
        .unwrap()
        .expect("stored");
    let signer = KeyIdentity::from_seed(100).into_arc();
    for (i, (_, dht)) in nodes.iter().enumerate().skip(1) {
        let found = dht
            .call(move |c, cx| c.find_values(cx, key))
            .await
            .unwrap()
            .await
            .unwrap()
            .expect("found");
        assert_eq!(found.len(), 1, "node {i}: {found:?}");
        assert_eq!(found[0].data, b"signed hello");
        assert_eq!(found[0].public_key.as_deref(), Some(signer.public_bin()));
    }
    let found = nodes[4]
        .1
        .call(move |c, cx| c.find_values(cx, plain_key))
        .await
        .unwrap()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found[0].data.as_slice(), &found[0].public_key),
        (&b"plain"[..], &None)
    );
    // Too large a value is refused before anything is sent.
    let err = nodes[0]
        .1
        .call(move |c, cx| c.store_value(cx, key, vec![0; 200], false))
        .await
        .unwrap()
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err, ipv8_dht::DhtError::TooLarge(201));

    // A node stores itself under its member id; another finds its address by member id.
    let (ipv8_2, dht_2) = &nodes[2];
    let mid_2 = Mid::of(KeyIdentity::from_seed(102).into_arc().public_bin());
    let addr_2 = address_of(ipv8_2).await;
    dht_2.call(|c, cx| c.store_peer(cx)).await.unwrap();
    wait_until("node 2 is stored", Duration::from_secs(10), async || {
        dht_2
            .call(|c, _| c.storing_us().values().map(Vec::len).sum::<usize>())
            .await
            .unwrap()
            > 0
    })
    .await;
    let found = nodes[4]
        .1
        .call(move |c, cx| c.connect_peer(cx, mid_2))
        .await
        .unwrap()
        .await
        .unwrap()
        .expect("connect_peer");
    assert!(
        found
            .iter()
            .any(|n| n.mid == mid_2 && n.address.port() == addr_2.port()),
        "{found:?}"
    );
    for (ipv8, _) in nodes {
        ipv8.shutdown().await.unwrap();
    }
    tracker.shutdown().await.unwrap();
}

/// A hand-made peer: a key and a loopback socket.
struct RawPeer {
    key: ipv8::keys::PrivateKey,
    socket: UdpSocket,
}

impl RawPeer {
    async fn new(seed: u8) -> Self {
        Self {
            key: ipv8::keys::PrivateKey::from_seeds([seed; 32], [seed; 32]),
            socket: UdpSocket::bind("127.0.0.1:0").await.unwrap(),
        }
    }

    fn packet<P: MessagePayload>(&self, payload: &P) -> Vec<u8> {
        let prefix = Prefix::for_community(COMMUNITY_ID);
        encode_message(&prefix, self.key.public_bin(), 0, payload, |m| {
            self.key.sign(m)
        })
    }

    async fn send<P: MessagePayload>(&self, to: SocketAddr, payload: &P) {
        self.socket
            .send_to(&self.packet(payload), to)
            .await
            .unwrap();
    }

    /// The next datagram with message id `P::MSG_ID`, decoded.
    async fn recv<P: MessagePayload>(&self) -> P {
        let mut buf = vec![0; 2048];
        loop {
            let (n, _) =
                tokio::time::timeout(Duration::from_secs(5), self.socket.recv_from(&mut buf))
                    .await
                    .expect("an answer")
                    .unwrap();
            if n > 22 && buf[22] == P::MSG_ID {
                let packet = SignedPacket::parse_with(&buf[..n], false).unwrap();
                return packet.decode_payload::<P>().unwrap();
            }
        }
    }
}

fn refused(reason: &'static str) -> DropReason {
    DropReason::Refused { reason }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_are_counted_drops() {
    let (ipv8, dht) = spawn_dht(200, &[]).await;
    let to = address_of(&ipv8).await;
    let raw = RawPeer::new(9).await;
    let lan: SocketAddr = raw.socket.local_addr().unwrap();
    let target = [5; 20];

    // A truncated find-request: a decode drop naming the field.
    let mut cut = raw.packet(&FindRequest {
        identifier: 1,
        lan_address: lan,
        target,
        offset: 0,
        force_nodes: false,
    });
    cut.truncate(cut.len() - 64 - 3);
    let sig = raw.key.sign(&cut);
    cut.extend(sig);
    raw.socket.send_to(&cut, to).await.unwrap();

    // A store-request without a valid token.
    let entry = value::serialize_unsigned(b"x");
    let store = |identifier, token, values| StoreRequest {
        identifier,
        token,
        target,
        values,
    };
    raw.send(to, &store(2, [0; 20], vec![entry.clone()])).await;

    // A find-request gets a token; with it, too many values, too large a value and a forged
    // signed value are refused, an honest value is stored.
    raw.send(
        to,
        &FindRequest {
            identifier: 3,
            lan_address: lan,
            target,
            offset: 0,
            force_nodes: false,
        },
    )
    .await;
    let response: FindResponse = raw.recv().await;
    assert_eq!(response.identifier, 3);
    let token = response.token;
    raw.send(to, &store(4, token, vec![entry.clone(); 9])).await;
    raw.send(to, &store(5, token, vec![vec![0; 171]])).await;
    let other = ipv8::keys::PrivateKey::from_seeds([1; 32], [1; 32]);
    let forged = value::serialize_signed(b"forged", 1, other.public_bin(), |m| raw.key.sign(m));
    raw.send(to, &store(6, token, vec![forged, entry.clone()]))
        .await;
    let stored: StoreResponse = raw.recv().await;
    assert_eq!(stored.identifier, 6);
    let values = dht
        .call(move |c, _| {
            c.dht()
                .storage()
                .iter()
                .map(|(_, v)| v.data.clone())
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
    assert_eq!(values, [entry], "only the honest value");

    // A response nobody asked for.
    raw.send(
        to,
        &FindResponse {
            identifier: 999,
            token,
            values: Vec::new(),
            nodes: Vec::new(),
        },
    )
    .await;

    // A flood of pings: after 10 queries in 5 s the node is rate limited.
    for identifier in 0..20 {
        raw.send(to, &PingRequest { identifier }).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let drops = ipv8.snapshot().await.unwrap().drops.clone();
    assert!(drops.decode_errors() >= 1, "{drops:?}");
    for reason in [
        "dht_bad_token",
        "dht_too_many_values",
        "dht_value_too_large",
        "dht_value_bad_signature",
        "dht_unknown_identifier",
    ] {
        assert_eq!(drops.get(refused(reason)), 1, "{reason}: {drops:?}");
    }
    // 5 queries so far (4 stores, a find) and 5 pings pass; 15 pings are refused.
    assert_eq!(drops.get(refused("dht_rate_limited")), 15, "{drops:?}");
    ipv8.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_node_times_out_and_counts_a_failure() {
    let (ipv8, dht) = spawn_dht(300, &[]).await;
    // A peer that pings once and then stays silent: the first query makes the routing table.
    let raw = RawPeer::new(11).await;
    raw.send(address_of(&ipv8).await, &PingRequest { identifier: 1 })
        .await;
    // A DHT peer at a port nobody listens on: PingChurn puts it in the routing table.
    let dead = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let key = ipv8::keys::PrivateKey::from_seeds([7; 32], [7; 32]);
    let public: Vec<u8> = key.public_bin().to_vec();
    dht.call(move |_, cx| {
        let mid = Mid::of(&public);
        let now = cx.now();
        let peer = ipv8::Peer::new(public.into(), mid, dead, now, false);
        cx.network_mut().add_verified_peer(peer);
        cx.network_mut().discover_services(mid, &[COMMUNITY_ID]);
    })
    .await
    .unwrap();
    wait_until(
        "the dead node is in the table",
        Duration::from_secs(10),
        async || routing_len(&dht).await == 2,
    )
    .await;
    let started = tokio::time::Instant::now();
    let found = dht
        .call(|c, cx| c.find_values(cx, [1; 20]))
        .await
        .unwrap()
        .await
        .unwrap()
        .expect("a crawl that only timed out still answers");
    assert!(found.is_empty());
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1900),
        "find-requests time out after 2 s: {waited:?}"
    );
    let (failed, stats) = dht
        .call(|c, _| {
            let failed = c
                .dht()
                .routing_table()
                .unwrap()
                .nodes()
                .map(|n| n.failed)
                .sum::<u32>();
            (failed, c.dht().stats())
        })
        .await
        .unwrap();
    assert!(
        failed >= 2,
        "the timeouts count against the nodes: {failed} {stats:?}"
    );
    assert_eq!(stats.crawls, 1);
    assert_eq!(stats.find_requests_sent, 2);
    ipv8.shutdown().await.unwrap();
}
