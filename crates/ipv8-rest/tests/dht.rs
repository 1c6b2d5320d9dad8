//! `/dht` on three DHT nodes on 127.0.0.1: PUT a value on one node, GET it from another, find a
//! node's address by member id, statistics, stored values and buckets in py-ipv8's shapes, and
//! the 400/404 answers for bad input or a missing DHT.

mod support;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use ipv8::proto::config::BootstrapConfig;
use ipv8::{CommunityConfig, CommunityHandle, Ipv8, Ipv8Builder, KeyIdentity, Mid, NodeConfig};
use ipv8_dht::{COMMUNITY_ID, DhtDiscoveryCommunity, DhtOverlay, PingChurn};
use ipv8_rest::{RestState, dht, router_with};
use serde_json::{Value, json};
use support::*;
use tower::ServiceExt as _;

type Dht = Arc<CommunityHandle<DhtDiscoveryCommunity>>;

async fn dht_node(tracker: std::net::SocketAddr, seed: u64) -> (Ipv8, Dht) {
    let config = NodeConfig {
        bootstrap: BootstrapConfig::trackers(&[tracker]),
        ..NodeConfig::default()
    };
    let mut builder = Ipv8Builder::new(config, KeyIdentity::from_seed(seed).into_arc())
        .bind_v4(loopback())
        .driver_config(quiet());
    let handle = builder.community(
        CommunityConfig::new(COMMUNITY_ID, "DHTDiscoveryCommunity"),
        DhtDiscoveryCommunity::new(),
    );
    let ipv8 = builder.spawn().expect("bind 127.0.0.1");
    handle.add_strategy(PingChurn::default(), -1).await.unwrap();
    (ipv8, Arc::new(handle))
}

fn app(ipv8: &Ipv8, handle: Option<Dht>) -> axum::Router {
    router_with(RestState::new(ipv8.handle().clone()), dht::routes(handle))
}

async fn send(app: &axum::Router, method: Method, path: &str, body: &str) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .body(Body::from(body.to_owned()))
        .unwrap();
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).expect("JSON body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_on_one_node_get_from_another() {
    let (tracker, tracker_addr) = tracker(500).await;
    let mut nodes = Vec::new();
    for seed in 501..504 {
        nodes.push(dht_node(tracker_addr, seed).await);
    }
    for (_, h) in &nodes {
        for _ in 0..200 {
            let n = h
                .call(|c, _| c.dht().routing_table().map_or(0, |t| t.len()))
                .await
                .unwrap();
            if n >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let a = app(&nodes[0].0, Some(Arc::clone(&nodes[0].1)));
    let b = app(&nodes[1].0, Some(Arc::clone(&nodes[1].1)));
    let key = "11".repeat(20);
    let started = std::time::Instant::now();
    let (status, body) = send(
        &a,
        Method::PUT,
        &format!("/dht/values/{key}"),
        r#"{"value": "cafe"}"#,
    )
    .await;
    assert_eq!((status, &body), (StatusCode::OK, &json!({"success": true})));
    let got = get_json(&b, &format!("/dht/values/{key}")).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    let signer = KeyIdentity::from_seed(501).into_arc();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(signer.public_bin());
    assert_eq!(
        got["values"],
        json!([{"public_key": b64, "key": key, "value": "cafe"}])
    );
    for field in [
        "requests",
        "responses",
        "responses_with_nodes",
        "responses_with_values",
        "time",
    ] {
        assert!(got["debug"][field].is_number(), "{field}: {got}");
    }

    // Statistics, stored values and buckets in py-ipv8's shapes.
    let stats = get_json(&a, "/dht/statistics").await;
    let s = &stats["statistics"];
    let a_mid = Mid::of(signer.public_bin());
    assert_eq!(s["peer_id"], json!(a_mid.to_hex()));
    assert_eq!(s["endpoints"][0]["endpoint"], "UDPIPv4");
    assert!(
        s["endpoints"][0]["routing_table_size"].as_u64().unwrap() >= 2,
        "{stats}"
    );
    for field in ["num_tokens", "num_peers_in_store", "num_store_for_me"] {
        assert!(!s[field].is_null(), "{field}: {stats}");
    }
    let buckets = get_json(&a, "/dht/buckets").await;
    let first = &buckets["buckets"][0];
    assert_eq!(first["endpoint"], "UDPIPv4");
    let peer = &first["peers"][0];
    for field in [
        "ip",
        "port",
        "mid",
        "id",
        "failed",
        "last_contact",
        "distance",
    ] {
        assert!(!peer[field].is_null(), "{field}: {buckets}");
    }
    let prefix = first["prefix"].as_str().unwrap().to_owned();
    if !prefix.is_empty() {
        let refreshed = get_json(&a, &format!("/dht/buckets/{prefix}/refresh")).await;
        assert_eq!(refreshed, json!({"success": true}));
    }
    let mut stored_somewhere = false;
    for (ipv8, h) in &nodes {
        let values = get_json(&app(ipv8, Some(Arc::clone(h))), "/dht/values").await;
        if let Some(list) = values.get(&key) {
            assert_eq!(list[0]["value"], "cafe");
            assert_eq!(list[0]["endpoint"], "UDPIPv4");
            stored_somewhere = true;
        }
    }
    assert!(stored_somewhere);

    // A node's address by member id.
    let c_mid = Mid::of(KeyIdentity::from_seed(503).into_arc().public_bin());
    nodes[2].1.call(|c, cx| c.store_peer(cx)).await.unwrap();
    let mut found = Value::Null;
    for _ in 0..100 {
        let (status, body) = send(
            &a,
            Method::GET,
            &format!("/dht/peers/{}", c_mid.to_hex()),
            "",
        )
        .await;
        if status == StatusCode::OK {
            found = body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let c_port = nodes[2].0.snapshot().await.unwrap().health.bound[0].port();
    assert!(
        found["peers"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["address"][1] == c_port)),
        "{found}"
    );

    // Bad input: 400 naming the field; no DHT: 404.
    for (method, path, body, needle) in [
        (
            Method::GET,
            "/dht/values/zz".to_owned(),
            "",
            "key: expected 40 hex digits",
        ),
        (
            Method::PUT,
            format!("/dht/values/{key}"),
            "{}",
            "incorrect parameters",
        ),
        (
            Method::PUT,
            format!("/dht/values/{key}"),
            r#"{"value": "xyz"}"#,
            "value: expected hex",
        ),
        (
            Method::PUT,
            format!("/dht/values/{key}"),
            &format!(r#"{{"value": "{}"}}"#, "00".repeat(100)),
            "value: too large",
        ),
        (
            Method::GET,
            "/dht/peers/1234".to_owned(),
            "",
            "mid: expected 40 hex digits",
        ),
        (
            Method::GET,
            "/dht/buckets/012/refresh".to_owned(),
            "",
            "prefix: expected",
        ),
        (
            Method::GET,
            format!("/dht/buckets/{}/refresh", "1".repeat(150)),
            "",
            "no such bucket",
        ),
    ] {
        let (status, body) = send(&a, method, &path, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["success"], false);
        assert!(
            body["error"].as_str().unwrap().contains(needle),
            "{path}: {body}"
        );
    }
    let none = app(&nodes[0].0, None);
    let (status, body) = send(&none, Method::GET, "/dht/statistics", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"success": false, "error": "DHT community not found"})
    );
    assert_eq!(
        get_json(&none, "/dht/buckets").await,
        json!({"buckets": []})
    );

    for (ipv8, _) in nodes {
        ipv8.shutdown().await.unwrap();
    }
    tracker.shutdown().await.unwrap();
}
