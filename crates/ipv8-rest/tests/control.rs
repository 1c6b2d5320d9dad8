//! The routes that change or probe the node, against real py-ipv8 3.2.1 responses
//! (`tests/fixtures/pyipv8-rest/control/*.json`, recorded by `record-control.sh`): the same
//! requests in the same order must give the same status and a body with py-ipv8's keys and
//! JSON types. Then what the requests do: statistics turn off and on per overlay, and
//! `POST /isolation` brings a node started without trackers into the network.

mod support;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use ipv8::Ipv8Builder;
use ipv8::proto::config::{BootstrapConfig, CommunityConfig};
use ipv8::proto::{KeyIdentity, NodeConfig};
use ipv8_rest::{RestState, router};
use serde_json::Value;
use support::*;

/// A recorded exchange: request line, status, body.
fn recorded(name: &str) -> (Method, String, Option<String>, u16, Value) {
    let f = fixture(&format!("control/{name}.json"));
    let line = f["request"].as_str().expect("request line");
    let mut parts = line.splitn(3, ' ');
    let method = Method::from_bytes(parts.next().unwrap().as_bytes()).unwrap();
    let path = parts.next().unwrap().to_owned();
    let body = parts.next().map(str::to_owned);
    let status = u16::try_from(f["status"].as_u64().unwrap()).unwrap();
    (method, path, body, status, f["body"].clone())
}

/// Replays recording `name` (with `port` as the isolation target) and compares.
async fn replay(app: &axum::Router, name: &str, port: u16) -> Value {
    let (method, path, body, status, theirs) = recorded(name);
    let body = body.map(|b| {
        let mut v: Value = serde_json::from_str(&b).unwrap();
        if v.get("port").is_some() {
            v["port"] = Value::from(port);
        }
        v.to_string()
    });
    let (ours_status, ours) = send_json(app, method, &path, body.as_deref().unwrap_or("")).await;
    assert_eq!(ours_status.as_u16(), status, "{name}: status; ours {ours}");
    if name == "asyncio_tasks" {
        assert_tasks_shape(&ours, &theirs);
    } else {
        assert_same_shape(&ours, &theirs, &[]);
    }
    if theirs.get("error").is_some() {
        assert_eq!(ours["error"], theirs["error"], "{name}: the same message");
    }
    ours
}

/// Every task of ours has the key set and types of one of py-ipv8's tasks (py-ipv8 lists
/// TaskManager tasks with `taskmanager`, `start_time` and, for periodic ones, `interval`;
/// others without; the recording happens to hold no non-periodic TaskManager task, so a model
/// without `interval` is derived from a periodic one, as `asyncio_endpoint.py` builds it).
fn assert_tasks_shape(ours: &Value, theirs: &Value) {
    let mut models = theirs["tasks"].as_array().expect("py-ipv8 tasks").clone();
    let one_shot: Vec<Value> = models
        .iter()
        .filter_map(|m| {
            let mut m = m.as_object()?.clone();
            m.remove("interval")?;
            Some(Value::Object(m))
        })
        .collect();
    models.extend(one_shot);
    let tasks = ours["tasks"].as_array().expect("tasks");
    assert!(tasks.len() >= 3, "request, driver, history sampler: {ours}");
    assert_eq!(tasks.iter().filter(|t| t["running"] == true).count(), 1);
    for task in tasks {
        let fits = models.iter().any(|model| {
            let mut diffs = Vec::new();
            compare(task, model, "$", &[], &mut diffs);
            diffs.is_empty()
        });
        assert!(fits, "no py-ipv8 task has the shape of {task}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_routes_answer_as_py_ipv8() {
    let (tracker, tracker_addr) = tracker(300).await;
    let a = node(tracker_addr, 301, true);
    let b = node(tracker_addr, 302, true);
    connected(&[&a, &b]).await;
    let app = router(RestState::new(a.handle().clone()));
    let port = tracker_addr.port();

    replay(&app, "statistics_enable_all", port).await;
    replay(&app, "statistics_enable_one", port).await;
    let stats = get_json(&app, "/overlays/statistics").await;
    let names: Vec<&String> = stats["statistics"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o.as_object().unwrap().keys())
        .collect();
    assert_eq!(names, ["DiscoveryCommunity"], "PyPeerCommunity's are off");
    let overlays = get_json(&app, "/overlays").await;
    assert_eq!(overlays["overlays"][1]["statistics"], serde_json::json!({}));
    replay(&app, "statistics_missing_enable", port).await;
    replay(&app, "statistics_missing_target", port).await;

    replay(&app, "isolation_bootstrapnode", port).await;
    replay(&app, "isolation_missing_port", port).await;
    replay(&app, "isolation_missing_kind", port).await;

    let tasks = replay(&app, "asyncio_tasks", port).await;
    let names: Vec<&str> = tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    println!("tasks: {names:?}");
    assert!(
        names.contains(&"driver") && names.contains(&"history sampler"),
        "{names:?}"
    );
    replay(&app, "asyncio_drift_disabled", port).await;
    replay(&app, "asyncio_drift_missing_enable", port).await;
    replay(&app, "asyncio_drift_enable", port).await;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let drift = replay(&app, "asyncio_drift", port).await;
    let measurements = drift["measurements"].as_array().unwrap();
    assert!(measurements.len() >= 2, "{drift}");
    assert!(
        measurements
            .iter()
            .all(|m| m["drift"].as_f64().unwrap() < 1.0)
    );
    replay(&app, "asyncio_drift_disable", port).await;
    replay(&app, "asyncio_drift_disabled", port).await;

    for n in [a, b, tracker] {
        n.shutdown().await.expect("clean stop");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_name_the_field() {
    let (tracker, tracker_addr) = tracker(310).await;
    let a = node(tracker_addr, 311, true);
    let app = router(RestState::new(a.handle().clone()));
    let cases = [
        (
            "/overlays/statistics",
            r#"{"enable": "yes", "all": true}"#,
            "enable: invalid type",
        ),
        (
            "/overlays/statistics",
            r#"{"enable": true, "overlay_name": "Nope"}"#,
            "overlay_name: no overlay named \"Nope\"",
        ),
        ("/overlays/statistics", "{not json", "request body:"),
        ("/overlays/statistics", "", "expected a JSON object"),
        (
            "/isolation",
            r#"{"ip": "300.1.2.3", "port": 1, "bootstrapnode": true}"#,
            "ip: \"300.1.2.3\" is not an IP address",
        ),
        (
            "/isolation",
            r#"{"ip": "127.0.0.1", "port": 70000, "bootstrapnode": true}"#,
            "port: invalid value",
        ),
    ];
    for (path, body, expected) in cases {
        let (status, value) = send_json(&app, Method::POST, path, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {body}: {value}");
        assert_eq!(value["success"], false);
        let message = value["error"].as_str().unwrap();
        assert!(message.contains(expected), "{path} {body}: {message}");
    }
    let (status, value) = send_json(
        &app,
        Method::POST,
        "/isolation",
        r#"{"ip": "127.0.0.1", "port": 1, "exitnode": true}"#,
    )
    .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{value}");
    let (status, value) = send_json(&app, Method::GET, "/nope", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(value["error"], "not found: /nope");
    for n in [a, tracker] {
        n.shutdown().await.expect("clean stop");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn isolation_brings_a_trackerless_node_into_the_network() {
    let (tracker, tracker_addr) = tracker(320).await;
    let a = node(tracker_addr, 321, true);
    let b = node(tracker_addr, 322, true);
    connected(&[&a, &b]).await;
    let mut discovery = CommunityConfig::discovery();
    discovery.use_beacon = false;
    let config = NodeConfig {
        communities: vec![discovery],
        bootstrap: BootstrapConfig::trackers(&[]),
        walk_interval: Duration::from_millis(200),
        ..NodeConfig::default()
    };
    let lonely = Ipv8Builder::new(config, KeyIdentity::from_seed(323).into_arc())
        .bind_v4(loopback())
        .driver_config(quiet())
        .spawn()
        .expect("bind");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(lonely.latest().peer_count(), 0, "no trackers: alone");
    let app = router(RestState::new(lonely.handle().clone()));
    let body = format!(
        r#"{{"ip": "127.0.0.1", "port": {}, "bootstrapnode": true}}"#,
        tracker_addr.port()
    );
    let (status, value) = send_json(&app, Method::POST, "/isolation", &body).await;
    assert_eq!(status, StatusCode::OK, "{value}");
    let mut peers = 0;
    for _ in 0..100 {
        peers = lonely.latest().peer_count();
        if peers > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        peers > 0,
        "the node found peers through the address it was given"
    );
    for n in [a, b, lonely, tracker] {
        n.shutdown().await.expect("clean stop");
    }
}
