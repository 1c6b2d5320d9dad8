//! Interop with real py-ipv8 3.2.1 DHTDiscoveryCommunity nodes (`tools/pydht.py`) on 127.0.0.1:
//! a value stored by Rust is found by Python and one stored by Python is found by Rust, signed
//! and unsigned, and each side finds the other's address by member id.
//!
//! Needs the pyipv8 venv: `$IPV8_PYTHON`, else the python `tools/setup-pyipv8.sh` prints.

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use common::{Dht, address_of, spawn_dht, spawn_tracker};
use ipv8::{KeyIdentity, Mid};
use ipv8_dht::DhtOverlay;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("IPV8_PYTHON").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    let out = std::process::Command::new("bash")
        .arg(repo_root().join("tools/setup-pyipv8.sh"))
        .output()
        .expect("tools/setup-pyipv8.sh runs (or set IPV8_PYTHON)");
    assert!(out.status.success(), "tools/setup-pyipv8.sh failed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    PathBuf::from(stdout.lines().last().unwrap_or_default().trim())
}

/// One `tools/pydht.py` process.
struct PyDht {
    _child: Child,
    stdin: ChildStdin,
    lines: mpsc::UnboundedReceiver<Value>,
    next_id: u64,
    port: u16,
    mid: String,
    public_key: String,
    routing: u64,
}

impl PyDht {
    async fn spawn(tracker: SocketAddr) -> Self {
        let mut child = Command::new(python())
            .arg(repo_root().join("tools/pydht.py"))
            .args(["--bootstrap", &tracker.to_string(), "--duration", "120"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start tools/pydht.py");
        let stdout = child.stdout.take().unwrap();
        let stdin = child.stdin.take().unwrap();
        let (tx, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    let _ = tx.send(v);
                }
            }
        });
        let mut py = Self {
            _child: child,
            stdin,
            lines,
            next_id: 0,
            port: 0,
            mid: String::new(),
            public_key: String::new(),
            routing: 0,
        };
        let started = py.next_event("started", None).await;
        py.port = u16::try_from(started["port"].as_u64().unwrap()).unwrap();
        py.mid = started["mid"].as_str().unwrap().to_owned();
        py.public_key = started["public_key"].as_str().unwrap().to_owned();
        py
    }

    /// The next line of `event` (with `id`, if given), keeping track of the routing table.
    async fn next_event(&mut self, event: &str, id: Option<u64>) -> Value {
        loop {
            let line = tokio::time::timeout(Duration::from_secs(60), self.lines.recv())
                .await
                .unwrap_or_else(|_| panic!("no '{event}' line from pydht within 60 s"))
                .expect("pydht exited");
            if line["event"] == "status" {
                self.routing = line["routing"].as_u64().unwrap_or(0);
            }
            let matches_id = id.is_none_or(|id| line["id"] == id);
            if line["event"] == "error" && matches_id && id.is_some() {
                panic!("pydht: {line}");
            }
            if line["event"] == event && matches_id {
                return line;
            }
        }
    }

    async fn command(&mut self, mut cmd: Value, answer: &str) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        cmd["id"] = json!(id);
        let line = format!("{cmd}\n");
        self.stdin.write_all(line.as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
        self.next_event(answer, Some(id)).await
    }
}

async fn rust_knows(dht: &Dht, mid_hex: &str) -> bool {
    let mid = mid_hex.to_owned();
    dht.call(move |c, _| {
        c.dht()
            .routing_table()
            .is_some_and(|t| t.nodes().any(|n| n.mid.to_hex() == mid))
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs pyipv8"]
async fn rust_and_pyipv8_store_and_find_each_other() {
    let (tracker, tracker_addr) = spawn_tracker().await;
    let mut py = vec![
        PyDht::spawn(tracker_addr).await,
        PyDht::spawn(tracker_addr).await,
    ];
    let mut rust = Vec::new();
    for seed in 0..3 {
        rust.push(spawn_dht(300 + seed, &[tracker_addr]).await);
    }
    // Every Rust node knows both Python nodes; every Python node has 3 nodes in its table.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    'wait: loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the DHT nodes did not meet"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        for p in &mut py {
            p.next_event("status", None).await;
            if p.routing < 3 {
                continue 'wait;
            }
        }
        for (_, dht) in &rust {
            for p in &py {
                if !rust_knows(dht, &p.mid).await {
                    continue 'wait;
                }
            }
        }
        break;
    }

    // Rust stores (signed and unsigned), Python finds.
    let (k1, k2) = ([0x11; 20], [0x12; 20]);
    for (key, sign) in [(k1, true), (k2, false)] {
        let data = format!("from rust {sign}").into_bytes();
        let nodes = rust[0]
            .1
            .call(move |c, cx| c.store_value(cx, key, data, sign))
            .await
            .unwrap()
            .await
            .unwrap()
            .expect("rust stored");
        assert!(!nodes.is_empty());
    }
    let rust_key = hex::encode(KeyIdentity::from_seed(300).into_arc().public_bin());
    for p in &mut py {
        let found = p
            .command(json!({"cmd": "find", "key": hex::encode(k1)}), "found")
            .await;
        assert_eq!(
            found["values"],
            json!([[hex::encode(b"from rust true"), rust_key]]),
            "signed"
        );
        let found = p
            .command(json!({"cmd": "find", "key": hex::encode(k2)}), "found")
            .await;
        assert_eq!(
            found["values"],
            json!([[hex::encode(b"from rust false"), null]])
        );
    }

    // Python stores (signed and unsigned), Rust finds.
    let (k3, k4) = ([0x21; 20], [0x22; 20]);
    for (key, sign) in [(k3, true), (k4, false)] {
        let stored = py[0]
            .command(
                json!({"cmd": "store", "key": hex::encode(key),
                       "value": hex::encode(format!("from python {sign}")), "sign": sign}),
                "stored",
            )
            .await;
        assert!(stored["nodes"].as_u64().unwrap() > 0, "{stored}");
    }
    let py_key = hex::decode(&py[0].public_key).unwrap();
    for (_, dht) in &rust {
        let found = dht
            .call(move |c, cx| c.find_values(cx, k3))
            .await
            .unwrap()
            .await
            .unwrap()
            .expect("rust finds");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].data, b"from python true");
        assert_eq!(found[0].public_key.as_deref(), Some(py_key.as_slice()));
        let found = dht
            .call(move |c, cx| c.find_values(cx, k4))
            .await
            .unwrap()
            .await
            .unwrap()
            .expect("rust finds");
        assert_eq!(found[0].data, b"from python false");
        assert_eq!(found[0].public_key, None);
    }

    // Each side stores itself under its member id; the other finds its address.
    let stored = py[0]
        .command(json!({"cmd": "store_peer"}), "store_peer")
        .await;
    assert!(stored["nodes"].as_u64().unwrap() > 0, "{stored}");
    let py_mid = Mid(hex::decode(&py[0].mid).unwrap().try_into().unwrap());
    let py_port = py[0].port;
    let found = rust[1]
        .1
        .call(move |c, cx| c.connect_peer(cx, py_mid))
        .await
        .unwrap()
        .await
        .unwrap()
        .expect("rust finds the python peer");
    assert!(
        found
            .iter()
            .any(|n| n.mid == py_mid && n.address.port() == py_port),
        "{found:?}"
    );
    let (rust_ipv8, rust_dht) = &rust[0];
    rust_dht.call(|c, cx| c.store_peer(cx)).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while rust_dht
        .call(|c, _| c.storing_us().values().map(Vec::len).sum::<usize>())
        .await
        .unwrap()
        == 0
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "nobody stores the rust peer"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rust_mid = Mid::of(KeyIdentity::from_seed(300).into_arc().public_bin());
    let rust_port = address_of(rust_ipv8).await.port();
    let connected = py[1]
        .command(
            json!({"cmd": "connect", "mid": rust_mid.to_hex()}),
            "connected",
        )
        .await;
    let nodes = connected["nodes"].as_array().unwrap();
    assert!(
        nodes
            .iter()
            .any(|n| n["mid"] == rust_mid.to_hex() && n["port"] == u64::from(rust_port)),
        "{connected}"
    );

    for (ipv8, _) in rust {
        ipv8.shutdown().await.unwrap();
    }
    tracker.shutdown().await.unwrap();
}
