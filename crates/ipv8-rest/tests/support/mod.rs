//! Helpers shared by the REST integration tests: nodes on 127.0.0.1 around a local tracker,
//! requests against the router without a socket, and the py-ipv8 shape comparison.
#![allow(dead_code)] // each test binary uses a different part

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use ipv8::proto::config::{BootstrapConfig, CommunityConfig};
use ipv8::proto::{CommunityId, KeyIdentity, NodeConfig};
use ipv8::udp::BindConfig;
use ipv8::{BeaconConfig, DriverConfig, Ipv8, Ipv8Builder};
use serde_json::Value;
use tower::ServiceExt as _;

/// `sha1("pypeer selftest")`, the plain community of the fixtures.
pub const PYPEER: &str = "6decb1e10678b4819a774153cc0bc785384923ec";

pub fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/pyipv8-rest")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture is JSON")
}

pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Recursive key-set and type comparison. Objects whose keys are data (base64 mids, statistics
/// names) are compared by their values' shapes (`dynamic_keys`). Arrays: every element of ours
/// against theirs at the same index (the first when ours is longer). Returns the differences.
pub fn compare(
    ours: &Value,
    theirs: &Value,
    path: &str,
    dynamic_keys: &[&str],
    diffs: &mut Vec<String>,
) {
    if kind(ours) != kind(theirs) {
        diffs.push(format!(
            "{path}: ours is {} ({ours}), py-ipv8's is {}",
            kind(ours),
            kind(theirs)
        ));
        return;
    }
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let leaf = path.rsplit('.').next().unwrap_or("");
            if dynamic_keys.contains(&leaf) {
                if let Some(model) = b.values().next() {
                    for (k, v) in a {
                        compare(v, model, &format!("{path}.<{k}>"), dynamic_keys, diffs);
                    }
                }
                return;
            }
            let ka: Vec<&String> = a.keys().collect();
            let kb: Vec<&String> = b.keys().collect();
            if ka != kb {
                diffs.push(format!("{path}: keys {ka:?} (ours) != {kb:?} (py-ipv8)"));
            }
            for (k, v) in a {
                if let Some(w) = b.get(k) {
                    compare(v, w, &format!("{path}.{k}"), dynamic_keys, diffs);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let Some(first) = b.first() {
                for (i, v) in a.iter().enumerate() {
                    let model = b.get(i).unwrap_or(first);
                    compare(v, model, &format!("{path}[{i}]"), dynamic_keys, diffs);
                }
            }
        }
        _ => {}
    }
}

pub fn assert_same_shape(ours: &Value, theirs: &Value, dynamic_keys: &[&str]) {
    let mut diffs = Vec::new();
    compare(ours, theirs, "$", dynamic_keys, &mut diffs);
    assert!(
        diffs.is_empty(),
        "shape differences:\n{}\nours: {ours:#}",
        diffs.join("\n")
    );
}

pub fn loopback() -> BindConfig {
    BindConfig {
        ip: Ipv4Addr::LOCALHOST.into(),
        port: 0,
        ..BindConfig::v4(0)
    }
}

pub fn quiet() -> DriverConfig {
    DriverConfig {
        beacon: BeaconConfig::disabled(),
        watch_interfaces: false,
        ..DriverConfig::default()
    }
}

pub fn node(tracker: SocketAddr, seed: u64, statistics: bool) -> Ipv8 {
    let pypeer = CommunityId(hex::decode(PYPEER).unwrap().try_into().unwrap());
    let mut discovery = CommunityConfig::discovery();
    discovery.use_beacon = false;
    let mut plain = CommunityConfig::plain(pypeer, "PyPeerCommunity");
    plain.use_beacon = false;
    let config = NodeConfig {
        communities: vec![discovery, plain],
        bootstrap: BootstrapConfig::trackers(&[tracker]),
        statistics,
        walk_interval: Duration::from_millis(200),
        ..NodeConfig::default()
    };
    Ipv8Builder::new(config, KeyIdentity::from_seed(seed).into_arc())
        .bind_v4(loopback())
        .driver_config(quiet())
        .seed(seed)
        .spawn()
        .expect("bind 127.0.0.1")
}

pub async fn get(app: &axum::Router, method: Method, path: &str) -> (StatusCode, Vec<u8>) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, body)
}

pub async fn get_json(app: &axum::Router, path: &str) -> Value {
    let (status, body) = get(app, Method::GET, path).await;
    assert_eq!(status, StatusCode::OK, "GET {path}");
    serde_json::from_slice(&body).expect("JSON body")
}

/// A tracker on 127.0.0.1 with the key of `seed`, and its bound address.
pub async fn tracker(seed: u64) -> (Ipv8, SocketAddr) {
    let tracker = Ipv8Builder::new(
        NodeConfig::tracker(),
        KeyIdentity::from_seed(seed).into_arc(),
    )
    .bind_v4(loopback())
    .driver_config(quiet())
    .spawn()
    .expect("bind tracker");
    let addr = tracker.snapshot().await.unwrap().health.bound[0];
    (tracker, addr)
}

/// Waits until every node has a peer in both communities.
pub async fn connected(nodes: &[&Ipv8]) {
    for _ in 0..300 {
        let done = nodes.iter().all(|n| {
            let s = n.latest();
            s.overlays.len() == 2 && s.overlays.iter().all(|o| !o.peers.is_empty())
        });
        if done {
            // One more snapshot so statistics include the latest exchange.
            for n in nodes {
                n.snapshot().await.expect("driver runs");
            }
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("nodes did not find each other on 127.0.0.1 within 30 s");
}

/// Any request; returns status, headers and body.
pub async fn request(
    app: &axum::Router,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut builder = Request::builder().method(method).uri(path);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_owned()));
    let response = app
        .clone()
        .oneshot(builder.body(body).unwrap())
        .await
        .expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, headers, bytes)
}

/// Request with a JSON body; returns status and parsed JSON.
pub async fn send_json(
    app: &axum::Router,
    method: Method,
    path: &str,
    body: &str,
) -> (StatusCode, Value) {
    let (status, _, bytes) = request(
        app,
        method,
        path,
        &[("Content-Type", "application/json")],
        Some(body),
    )
    .await;
    let value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "{path}: body is not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, value)
}
