//! The DHT with real py-ipv8 3.2.1 peers, through our REST routes (issue 11's acceptance): an
//! `ipv8 tracker`, two `ipv8 run` nodes (default config, so the DHT is loaded) and two
//! `tools/pydht.py` nodes (py-ipv8's default `DHTDiscoveryCommunity` block), all on 127.0.0.1
//! and bootstrapping from the tracker. Once every node knows the others:
//!
//! 1. a value stored with `PUT /dht/values/{key}` on a Rust node is found by both Python nodes
//!    (`find_values`), signed with the Rust node's key;
//! 2. values stored by Python (signed and unsigned) are found by both Rust nodes with
//!    `GET /dht/values/{key}` in py-ipv8's JSON shape (`public_key` base64 or null, `key` and
//!    `value` hex, `debug` counters), and by `ipv8 dht get`;
//! 3. a Rust node finds a Python node's address by member id with `GET /dht/peers/{mid}` after
//!    the Python node stored itself (`store_peer`);
//! 4. a Python node finds a Rust node's address by member id (`connect_peer`) once the Rust
//!    node stored itself (its `store_peer` task, 30 s after start as in py-ipv8; seen in
//!    `GET /dht/statistics`);
//! 5. a late Rust node and a late Python node, started after that first `store_peer` round so
//!    that no address is stored on them, repeat 3 and 4: their answers come over the wire
//!    (find-nodes crawl, connect-peer request and response);
//!
//! and no Rust node dropped a packet.
//!
//! Every lookup is retried until it succeeds or its deadline passes; the time each direction
//! took is printed. pyipv8 comes from `$IPV8_PYTHON` or `tools/setup-pyipv8.sh`, hence
//! `#[ignore = "needs pyipv8"]` for plain `cargo test`; `scripts/test-all.sh` runs it (nextest's
//! `pyipv8` group, one scenario at a time). Every process is killed when its handle drops.
#![cfg(unix)]

mod support;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use support::nodes::{RunOptions, RustNode, RustTracker, dht_cli, drops, rest_addr};
use support::procs::stop_all;
use support::pydht::PyDht;
use support::{deadline_in, free_tcp_port, http, poll_until, scratch_dir};

const HTTP_TIMEOUT: Duration = Duration::from_secs(20);
/// How long every node may take to know every other one.
const MESH_SECS: f64 = 60.0;
/// How long one direction of a lookup may take to succeed.
const FIND_SECS: f64 = 30.0;
/// A Rust node stores itself 30 s after it starts; Python's lookup gets that plus margin.
const RUST_PEER_SECS: f64 = 60.0;
const EVERY: Duration = Duration::from_millis(500);
/// py-ipv8's (and our) `store_peer` period.
const STORE_PEER_INTERVAL: Duration = Duration::from_secs(30);
/// Slack after a `store_peer` round for its crawl and requests to finish.
const STORE_PEER_MARGIN: Duration = Duration::from_secs(3);

trait OrPanic<T> {
    fn or_panic(self) -> T;
}

impl<T> OrPanic<T> for Result<T, String> {
    fn or_panic(self) -> T {
        self.unwrap_or_else(|e| panic!("{e}"))
    }
}

fn rest(node: &mut RustNode) -> SocketAddr {
    rest_addr(node.status().expect("a status line")).expect("REST served")
}

/// Member ids in a Rust node's DHT routing table (`GET /dht/buckets`).
fn bucket_mids(rest: SocketAddr) -> Result<BTreeSet<String>, String> {
    let buckets = http::get_json(rest, "/dht/buckets", HTTP_TIMEOUT)?;
    Ok(buckets["buckets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["peers"].as_array())
        .flatten()
        .filter_map(|p| p["mid"].as_str().map(str::to_owned))
        .collect())
}

/// Waits until every Python node has at least `routing` nodes in its routing table and every
/// Rust node has all of `mids` in its own.
fn wait_for_mesh(rust: &[SocketAddr], py: &mut [PyDht], routing: u64, mids: &BTreeSet<String>) {
    poll_until(deadline_in(MESH_SECS), EVERY, || {
        for p in py.iter_mut() {
            let has = p.routing();
            if has < routing {
                return Err(format!("{} has {has} nodes in its routing table", p.mid));
            }
        }
        for &r in rust {
            let known = bucket_mids(r)?;
            if !mids.is_subset(&known) {
                return Err(format!(
                    "the Rust node at {r} knows {known:?}, not all of {mids:?}"
                ));
            }
        }
        Ok(())
    })
    .or_panic();
}

/// An `ipv8 run` node with the default configuration (DHT loaded), REST on a free port.
fn start_rust(name: &str, dir: &Path, tracker: &str) -> RustNode {
    let options = RunOptions {
        bootstrap: vec![tracker.to_owned()],
        rest_port: Some(free_tcp_port()),
        extra: vec!["--walk-interval".into(), "0.2".into()],
        ..RunOptions::default()
    };
    RustNode::start(name, dir, &options).or_panic()
}

/// Retries `GET /dht/peers/{mid}` on the Rust node at `rest` until `peer` is listed.
fn rust_finds_peer(rest: SocketAddr, mid: &str, peer: &Value) -> Value {
    let path = format!("/dht/peers/{mid}");
    poll_until(deadline_in(FIND_SECS), EVERY, || {
        let peers = http::get_json(rest, &path, HTTP_TIMEOUT)?;
        let listed = peers["peers"].as_array().is_some_and(|l| l.contains(peer));
        listed
            .then_some(peers.clone())
            .ok_or(format!("GET {path} on {rest}: {peers}, without {peer}"))
    })
    .or_panic()
}

/// Retries `connect_peer(mid)` on a Python node (every 2 s, below py-ipv8's rate limit of 10
/// queries per 5 s per node) until the node `mid` at `127.0.0.1:port` is among the answers.
fn python_finds_peer(py: &mut PyDht, mid: &str, port: u16) -> Value {
    poll_until(deadline_in(FIND_SECS), Duration::from_secs(2), || {
        let connected = py.command(
            json!({"cmd": "connect", "mid": mid}),
            "connected",
            deadline_in(FIND_SECS),
        )?;
        let nodes = connected["nodes"].as_array().cloned().unwrap_or_default();
        nodes
            .iter()
            .any(|n| n["mid"] == mid && n["port"] == port && n["ip"] == "127.0.0.1")
            .then_some(connected.clone())
            .ok_or(format!("python connect: {connected}"))
    })
    .or_panic()
}

fn seconds(since: Instant) -> String {
    format!("{:.2} s", since.elapsed().as_secs_f64())
}

#[test]
#[ignore = "needs pyipv8"]
fn interop_dht_rest_routes_with_pyipv8() {
    let dir = scratch_dir("dht-interop-rest");
    let tracker = RustTracker::start("tracker", &dir).or_panic();
    let started = Instant::now();
    let pending: Vec<_> = ["py-a", "py-b"]
        .iter()
        .map(|name| PyDht::spawn(name, &tracker.addr(), 300).or_panic())
        .collect();
    let mut rust: Vec<RustNode> = ["rust-a", "rust-b"]
        .iter()
        .map(|name| start_rust(name, &dir, &tracker.addr()))
        .collect();
    let rust_started = Instant::now();
    let mut py: Vec<PyDht> = pending
        .into_iter()
        .map(|p| PyDht::ready(p).or_panic())
        .collect();
    // Every node's `store_peer` task first runs 30 s after its start (all have started by
    // now), then every 30 s.
    let first_store_peer_round = Instant::now() + STORE_PEER_INTERVAL;
    let rests: Vec<SocketAddr> = rust.iter_mut().map(rest).collect();
    let py_mids: BTreeSet<String> = py.iter().map(|p| p.mid.clone()).collect();
    wait_for_mesh(&rests, &mut py, 3, &py_mids);
    eprintln!(
        "dht-interop-rest: all nodes know each other after {}",
        seconds(started)
    );

    // 1. Rust stores through REST, Python finds.
    let key1 = "11".repeat(20);
    let value1 = hex::encode("rust via REST"); // signed: at most 23 bytes
    let since = Instant::now();
    let put_path = format!("/dht/values/{key1}");
    let put = json!({ "value": value1 });
    let answer =
        http::json_request(rests[0], "PUT", &put_path, Some(&put), HTTP_TIMEOUT).or_panic();
    assert_eq!(answer, json!({"success": true}));
    let expected = json!([[value1, rust[0].key.public_key]]);
    for p in &mut py {
        let found = poll_until(deadline_in(FIND_SECS), EVERY, || {
            let found = p.command(
                json!({"cmd": "find", "key": key1}),
                "found",
                deadline_in(FIND_SECS),
            )?;
            (found["values"] == expected)
                .then_some(found.clone())
                .ok_or(format!("python found {found}, not {expected}"))
        })
        .or_panic();
        assert_eq!(found["values"], expected);
    }
    eprintln!(
        "dht-interop-rest: Rust PUT -> Python find: {}",
        seconds(since)
    );

    // 2. Python stores (signed and unsigned), Rust finds through REST and `ipv8 dht get`.
    let key2 = "22".repeat(20);
    let key3 = "33".repeat(20);
    let since = Instant::now();
    let py_key_b64 = B64.encode(hex::decode(&py[0].public_key).expect("hex public key"));
    for (key, sign) in [(&key2, true), (&key3, false)] {
        let value = hex::encode(format!("python, signed: {sign}"));
        let stored = py[0]
            .command(
                json!({"cmd": "store", "key": key, "value": value, "sign": sign}),
                "stored",
                deadline_in(FIND_SECS),
            )
            .or_panic();
        assert!(stored["nodes"].as_u64().unwrap_or(0) > 0, "{stored}");
        let public_key = if sign { json!(py_key_b64) } else { Value::Null };
        let expected = json!([{"public_key": public_key, "key": key, "value": value}]);
        for &r in &rests {
            let path = format!("/dht/values/{key}");
            let found = poll_until(deadline_in(FIND_SECS), EVERY, || {
                let found = http::get_json(r, &path, HTTP_TIMEOUT)?;
                (found["values"] == expected)
                    .then_some(found.clone())
                    .ok_or(format!("GET {path} on {r}: {found}, not {expected}"))
            })
            .or_panic();
            let debug = &found["debug"];
            for field in ["requests", "responses", "responses_with_nodes"] {
                assert!(debug[field].is_u64(), "debug.{field} in {found}");
            }
            assert!(debug["time"].is_f64(), "debug.time in {found}");
        }
    }
    eprintln!(
        "dht-interop-rest: Python store -> Rust GET (2 keys, 2 nodes): {}",
        seconds(since)
    );
    let (code, out, err) = dht_cli(rests[1], &["get", &key2]);
    assert_eq!(code, 0, "ipv8 dht get: {err}");
    let cli: Value = serde_json::from_str(&out).expect("ipv8 dht get prints JSON");
    assert_eq!(cli["values"][0]["public_key"], py_key_b64.as_str(), "{out}");
    assert_eq!(cli["values"][0]["key"], key2.as_str(), "{out}");

    // 3. Rust finds Python's address by member id.
    let since = Instant::now();
    let stored = py[0]
        .command(
            json!({"cmd": "store_peer"}),
            "store_peer",
            deadline_in(FIND_SECS),
        )
        .or_panic();
    assert!(stored["nodes"].as_u64().unwrap_or(0) > 0, "{stored}");
    let py_peer = json!({"public_key": py_key_b64, "address": ["127.0.0.1", py[0].port]});
    let peers = rust_finds_peer(rests[1], &py[0].mid, &py_peer);
    eprintln!(
        "dht-interop-rest: Rust GET /dht/peers/<python mid>: {} ({peers})",
        seconds(since)
    );

    // 4. Python finds Rust's address by member id, once the Rust node stored itself (seen in
    //    `GET /dht/statistics`; asking Python over and over before that would only get Python
    //    rate-limited by the Rust node, as py-ipv8 limits every node to 10 queries per 5 s).
    let since = Instant::now();
    let stats = poll_until(deadline_in(RUST_PEER_SECS), EVERY, || {
        let stats = http::get_json(rests[0], "/dht/statistics", HTTP_TIMEOUT)?;
        let storing = &stats["statistics"]["num_store_for_me"];
        (storing.as_object().is_some_and(|m| !m.is_empty()))
            .then_some(stats.clone())
            .ok_or(format!("nobody stores the Rust node yet: {stats}"))
    })
    .or_panic();
    eprintln!(
        "dht-interop-rest: the Rust node stored itself {:.1} s after it started ({stats})",
        rust_started.elapsed().as_secs_f64()
    );
    let rust_mid = rust[0].key.mid.clone();
    let rust_port = rust[0].port;
    let connect = Instant::now();
    let connected = python_finds_peer(&mut py[1], &rust_mid, rust_port);
    eprintln!(
        "dht-interop-rest: Python connect_peer(<rust mid>): {}; {} including the wait for the \
         Rust node to store itself ({connected})",
        seconds(connect),
        seconds(since)
    );

    // 5. The same lookups by nodes that join after the first `store_peer` round (and long
    //    before the second), so that nobody stored an address on them: the answers come from
    //    a find-nodes crawl and connect-peer requests over the wire.
    thread::sleep(
        (first_store_peer_round + STORE_PEER_MARGIN).saturating_duration_since(Instant::now()),
    );
    let since = Instant::now();
    let late_py = PyDht::spawn("py-late", &tracker.addr(), 300).or_panic();
    rust.push(start_rust("rust-late", &dir, &tracker.addr()));
    let late_rest = rest(&mut rust[2]);
    py.push(PyDht::ready(late_py).or_panic());
    let storers: BTreeSet<String> = [&py[0].mid, &py[1].mid, &rust[1].key.mid]
        .into_iter()
        .cloned()
        .collect();
    wait_for_mesh(&[late_rest], &mut py[2..], 4, &storers);
    eprintln!(
        "dht-interop-rest: late nodes joined after {}",
        seconds(since)
    );
    let stats = http::get_json(late_rest, "/dht/statistics", HTTP_TIMEOUT).or_panic();
    let stored_here = &stats["statistics"]["num_peers_in_store"];
    assert!(
        stored_here.get(&py[0].mid).is_none(),
        "a node stored itself on the late Rust node, outside the 30 s rhythm: {stats}"
    );
    let since = Instant::now();
    let peers = rust_finds_peer(late_rest, &py[0].mid, &py_peer);
    eprintln!(
        "dht-interop-rest: late Rust GET /dht/peers/<python mid>: {} ({peers})",
        seconds(since)
    );
    let since = Instant::now();
    let connected = python_finds_peer(&mut py[2], &rust_mid, rust_port);
    eprintln!(
        "dht-interop-rest: late Python connect_peer(<rust mid>): {} ({connected})",
        seconds(since)
    );

    // No packet of py-ipv8's was dropped by a Rust node.
    for node in &mut rust {
        let status = node.status().expect("a status line").clone();
        let dropped = drops(&status);
        eprintln!("dht-interop-rest: {} drops: {dropped:?}", node.proc.name());
        assert!(
            dropped.is_empty(),
            "{} dropped packets: {dropped:?}",
            node.proc.name()
        );
    }

    let statuses = stop_all(
        py.iter_mut()
            .map(|p| &mut p.proc)
            .chain(rust.iter_mut().map(|r| &mut r.proc)),
        Duration::from_secs(10),
    );
    eprintln!(
        "dht-interop-rest: stopped {statuses:?}; whole scenario {}",
        seconds(started)
    );
    drop(tracker);
}
