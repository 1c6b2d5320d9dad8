//! The DHT end to end: three `ipv8 run` nodes with the default DHT around an `ipv8 tracker` on
//! 127.0.0.1; `ipv8 dht put` on one node's REST API, `ipv8 dht get` on another's finds the value
//! within 10 s of the nodes starting, `ipv8 dht peer` finds a node's address by member id, and
//! bad input is refused with exit code 2 and the key named.
#![cfg(unix)]

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::nodes::{RunOptions, RustNode, RustTracker, dht_cli as dht, rest_addr};
use support::{deadline_in, free_tcp_port, poll_until, scratch_dir};

#[test]
fn put_on_one_node_get_from_another_within_10_s() {
    let dir = scratch_dir("dht-cli");
    let tracker = RustTracker::start("tracker", &dir).unwrap();
    let started = Instant::now();
    let mut nodes = Vec::new();
    for name in ["a", "b", "c"] {
        let options = RunOptions {
            bootstrap: vec![tracker.addr()],
            rest_port: Some(free_tcp_port()),
            extra: vec!["--walk-interval".into(), "0.2".into()],
            ..RunOptions::default()
        };
        nodes.push(RustNode::start(name, &dir, &options).unwrap());
    }
    let rest: Vec<SocketAddr> = nodes
        .iter_mut()
        .map(|n| rest_addr(n.status().unwrap()).expect("REST served"))
        .collect();

    let key = "ab".repeat(20);
    poll_until(deadline_in(10.0), Duration::from_millis(200), || {
        let (code, out, err) = dht(rest[0], &["put", &key, "c0ffee"]);
        (code == 0 && out.contains(r#""success":true"#))
            .then_some(())
            .ok_or(format!("put: {code} {out} {err}"))
    })
    .unwrap();
    let found: Value = poll_until(deadline_in(10.0), Duration::from_millis(200), || {
        let (code, out, err) = dht(rest[1], &["get", &key]);
        let v: Value = serde_json::from_str(&out).map_err(|_| format!("get: {code} {err}"))?;
        (v["values"][0]["value"] == "c0ffee")
            .then_some(v.clone())
            .ok_or(format!("get: {v}"))
    })
    .unwrap();
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(10),
        "PUT then GET took {elapsed:?}"
    );
    assert_eq!(found["values"][0]["key"], key.as_str());

    // A node's address by member id, once it stored itself (every 30 s, or on a lookup miss).
    let c_mid = nodes[2].key.mid.clone();
    let c_port = nodes[2].port;
    let peers: Value = poll_until(deadline_in(45.0), Duration::from_millis(500), || {
        let (code, out, err) = dht(rest[0], &["peer", &c_mid]);
        let v: Value = serde_json::from_str(&out).map_err(|_| format!("peer: {code} {err}"))?;
        let known = v["peers"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["address"][1] == c_port));
        known.then_some(v.clone()).ok_or(format!("peer: {v}"))
    })
    .unwrap();
    assert!(peers["peers"][0]["public_key"].is_string());

    // Bad input: clap refuses it before asking the node (exit 2, the argument named).
    let (code, _, err) = dht(rest[0], &["get", "xyz"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("expected 40 hex digits"), "{err}");
    // A value too large once signed: the node's 400, exit 2.
    let (code, _, err) = dht(rest[0], &["put", &key, &"00".repeat(100)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("too large"), "{err}");
    drop(nodes);
    drop(tracker);
}
