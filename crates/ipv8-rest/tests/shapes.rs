//! Shape tests against real py-ipv8 3.2.1 responses (`tests/fixtures/pyipv8-rest/*.json`): a
//! tracker and two nodes (DiscoveryCommunity plus the fixtures' plain community) run on
//! 127.0.0.1 until they see each other; then our `/overlays`, `/network` and
//! `/overlays/statistics` must have py-ipv8's key sets and JSON types at every level (values
//! differ). `/overlays` and `/network` must also list their keys in py-ipv8's order (serde_json's
//! `preserve_order`), at the top level and in every item. Also: `/health`, HEAD, and 404 for
//! unknown routes.

mod support;

use axum::http::{Method, StatusCode};
use ipv8_rest::{RestState, router};
use serde_json::Value;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_have_py_ipv8_shapes() {
    let (tracker, tracker_addr) = tracker(100).await;
    let a = node(tracker_addr, 1, true);
    let b = node(tracker_addr, 2, true);
    let c = node(tracker_addr, 3, false);
    connected(&[&a, &b, &c]).await;

    // Statistics on (our default).
    let app = router(RestState::new(a.handle().clone()));
    let overlays = get_json(&app, "/overlays").await;
    assert_eq!(
        overlays["overlays"][0]["overlay_name"],
        "DiscoveryCommunity"
    );
    assert_eq!(overlays["overlays"][1]["id"], PYPEER);
    // py-ipv8's statistics-on recording has no peers; take the peer element from the plain one.
    let mut expected = fixture("overlays_with_statistics.json");
    let plain = fixture("overlays.json");
    for (i, o) in expected["overlays"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        o["peers"] = plain["overlays"][i]["peers"].clone();
    }
    assert!(
        !overlays["overlays"][0]["peers"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_same_shape(&overlays, &expected, &[]);

    let network = get_json(&app, "/network").await;
    assert!(!network["peers"].as_object().unwrap().is_empty());
    assert_same_shape(&network, &fixture("network.json"), &["peers"]);

    let statistics = get_json(&app, "/overlays/statistics").await;
    let list = statistics["statistics"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert!(
        list[0]["DiscoveryCommunity"]
            .get("246:on_old_introduction_request")
            .is_some(),
        "{statistics}"
    );
    assert_same_shape(
        &statistics,
        &fixture("overlays_statistics.json"),
        &["DiscoveryCommunity", "PyPeerCommunity"],
    );

    // Statistics off: py-ipv8's `{}` aggregate and `[]` list.
    let app_c = router(RestState::new(c.handle().clone()));
    let overlays_c = get_json(&app_c, "/overlays").await;
    assert_same_shape(&overlays_c, &fixture("overlays.json"), &[]);
    assert_eq!(
        get_json(&app_c, "/overlays/statistics").await,
        fixture("overlays_statistics_disabled.json")
    );

    // /health: receiving, counters per class, bound address.
    let health = get_json(&app, "/health").await;
    assert_eq!(health["receiving"], true);
    assert_eq!(
        health["bound"][0].as_str().unwrap().split(':').next(),
        Some("127.0.0.1")
    );
    assert!(health["last_receive_age"].as_f64().is_some());
    assert!(health["traffic"]["datagrams_down"].as_u64().unwrap() > 0);
    for class in [
        "no_data",
        "stale_report",
        "per_datagram",
        "per_destination",
        "pressure",
        "environment",
        "bug",
        "unknown",
    ] {
        assert!(
            health["errors"]["receive"][class].is_u64(),
            "{class} in {health}"
        );
        assert!(
            health["errors"]["send"][class].is_u64(),
            "{class} in {health}"
        );
    }
    assert_eq!(
        health["bootstrap"]["DiscoveryCommunity"]["state"],
        "reached"
    );

    // HEAD answers like GET without a body; unknown routes are 404.
    for path in ["/overlays", "/network", "/overlays/statistics", "/health"] {
        let (status, body) = get(&app, Method::HEAD, path).await;
        assert_eq!(status, StatusCode::OK, "HEAD {path}");
        assert!(body.is_empty(), "HEAD {path} has no body");
    }
    assert_eq!(
        get(&app, Method::GET, "/nope").await.0,
        StatusCode::NOT_FOUND
    );

    for n in [a, b, c, tracker] {
        n.shutdown().await.expect("clean stop");
    }
}

/// Every object's keys in document order, by path; array elements become `[]` and data keys
/// (`dynamic_keys`) become `<>`, so py-ipv8's one recorded item stands for all of ours.
fn key_orders(v: &Value, path: &str, dynamic_keys: &[&str], out: &mut Vec<(String, Vec<String>)>) {
    match v {
        Value::Object(map) => {
            let leaf = path.rsplit('.').next().unwrap_or("");
            if dynamic_keys.contains(&leaf) {
                for item in map.values() {
                    key_orders(item, &format!("{path}.<>"), dynamic_keys, out);
                }
                return;
            }
            out.push((path.to_owned(), map.keys().cloned().collect()));
            for (k, item) in map {
                key_orders(item, &format!("{path}.{k}"), dynamic_keys, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                key_orders(item, &format!("{path}[]"), dynamic_keys, out);
            }
        }
        _ => {}
    }
}

/// Every object of `ours` lists its keys in the order of py-ipv8's object at the same path;
/// every path of `theirs` is present in `ours`. Returns the differences.
fn key_order_diffs(ours: &Value, theirs: &Value, dynamic_keys: &[&str]) -> Vec<String> {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    key_orders(ours, "$", dynamic_keys, &mut a);
    key_orders(theirs, "$", dynamic_keys, &mut b);
    let mut diffs = Vec::new();
    for (path, keys) in &b {
        let mine: Vec<&Vec<String>> = a
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, k)| k)
            .collect();
        if mine.is_empty() {
            diffs.push(format!("{path}: no such object in ours"));
        }
        for k in mine.into_iter().filter(|k| !k.is_empty() && *k != keys) {
            diffs.push(format!(
                "{path}: key order {k:?} (ours) != {keys:?} (py-ipv8)"
            ));
        }
    }
    diffs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlays_and_network_keys_come_in_py_ipv8_order() {
    // Parsing must keep document order too, or this test would compare two sorted key lists.
    let parsed: Value = serde_json::from_str(r#"{"b": 1, "a": 2}"#).unwrap();
    let parsed_keys: Vec<&String> = parsed.as_object().unwrap().keys().collect();
    assert_eq!(
        parsed_keys,
        ["b", "a"],
        "serde_json's preserve_order is off"
    );

    let (tracker, tracker_addr) = tracker(200).await;
    let a = node(tracker_addr, 201, true);
    let b = node(tracker_addr, 202, true);
    connected(&[&a, &b]).await;
    let app = router(RestState::new(a.handle().clone()));

    // `/overlays` with statistics on; py-ipv8's recording of that has no peers, so its peer
    // item comes from the plain recording.
    let overlays = get_json(&app, "/overlays").await;
    let mut expected = fixture("overlays_with_statistics.json");
    let plain = fixture("overlays.json");
    for (i, o) in expected["overlays"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        o["peers"] = plain["overlays"][i]["peers"].clone();
    }
    let first = overlays["overlays"][0].as_object().unwrap();
    assert!(first.len() > 5 && !first["peers"].as_array().unwrap().is_empty());
    let diffs = key_order_diffs(&overlays, &expected, &[]);
    assert!(
        diffs.is_empty(),
        "/overlays:\n{}\nours: {overlays:#}",
        diffs.join("\n")
    );

    let network = get_json(&app, "/network").await;
    assert!(!network["peers"].as_object().unwrap().is_empty());
    let diffs = key_order_diffs(&network, &fixture("network.json"), &["peers"]);
    assert!(
        diffs.is_empty(),
        "/network:\n{}\nours: {network:#}",
        diffs.join("\n")
    );

    for n in [a, b, tracker] {
        n.shutdown().await.expect("clean stop");
    }
}

#[test]
fn key_order_comparison_catches_reordering() {
    let theirs =
        serde_json::json!({"a": 1, "b": [{"x": 1, "y": 2}], "m": {"k1": {"p": 1, "q": 2}}});
    let same = serde_json::json!({"a": 5, "b": [{"x": 1, "y": 2}, {"x": 3, "y": 4}], "m": {"k9": {"p": 0, "q": 0}}});
    assert_eq!(
        key_order_diffs(&same, &theirs, &["m"]),
        Vec::<String>::new()
    );
    let swapped_top = serde_json::json!({"b": [{"x": 1, "y": 2}], "a": 1, "m": {}});
    let swapped_item = serde_json::json!({"a": 1, "b": [{"x": 1, "y": 2}, {"y": 2, "x": 1}], "m": {"k": {"q": 2, "p": 1}}});
    assert_eq!(
        key_order_diffs(&swapped_top, &theirs, &["m"]).len(),
        2,
        "top level; no m item"
    );
    assert_eq!(
        key_order_diffs(&swapped_item, &theirs, &["m"]).len(),
        2,
        "array item; map item"
    );
}

#[test]
fn comparison_catches_differences() {
    let theirs: Value = serde_json::json!({"a": 1, "b": {"c": "x"}, "l": [{"k": 1}]});
    let mut diffs = Vec::new();
    compare(
        &serde_json::json!({"a": 1.5, "b": {"c": "y"}, "l": [{"k": 2}]}),
        &theirs,
        "$",
        &[],
        &mut diffs,
    );
    assert!(diffs.is_empty(), "{diffs:?}");
    compare(
        &serde_json::json!({"a": "1", "b": {}, "l": [{"k": 1, "z": 0}]}),
        &theirs,
        "$",
        &[],
        &mut diffs,
    );
    assert_eq!(diffs.len(), 3, "{diffs:?}");
}
