//! The Windows build of `ipv8` (x86_64-pc-windows-gnu, default features: legacy EC through
//! OpenSSL built from source) run under Wine: `--version`, key files (curve25519 and a
//! py-ipv8 tracker's sect163k1 key), `packet decode` verifying a legacy-EC signature, and `run`
//! on 127.0.0.1 answering a real py-ipv8 peer, finding another through a py-ipv8 tracker (whose
//! replies are sect163k1-signed) and serving REST `/health`.
//!
//! Wine is a smoke test of the Windows binary, not an oracle for Windows' ICMP error semantics:
//! those stay covered by the classifier tables and the fault-injection tests (docs/WINDOWS.md).
//! Every test is `#[ignore]`d for plain `cargo test` and run by `bash scripts/test-all.sh`,
//! which installs Wine and mingw and cross-builds the .exe first (harness in `wine/`).

mod support;
mod wine;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use support::nodes::{
    PyPeer, community_peers, drops, event, ipv8_bin, is_rust_status, latest_rust_status,
    random_community_id, show_key,
};
use support::procs::Proc;
use support::{deadline_in, free_tcp_port, free_udp_port, http, poll_until};
use wine::WineDir;

/// Within how long of its start `ipv8.exe run` must have answered a py-ipv8 peer.
const ANSWER_SECS: u64 = 40;
/// How long a Wine node may take to print its first status line (Wine start-up included).
const WINE_START_SECS: f64 = 60.0;
const POLL: Duration = Duration::from_millis(250);

fn json(text: &str) -> Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn vectors() -> Value {
    let path = support::repo_root().join("tests/vectors/vectors.json");
    json(&std::fs::read_to_string(path).expect("reading tests/vectors/vectors.json"))
}

/// The vector entry whose `label`/`name` is `name` in the list `list`.
fn vector<'a>(vectors: &'a Value, list: &str, key: &str, name: &str) -> &'a Value {
    vectors[list]
        .as_array()
        .and_then(|items| items.iter().find(|v| v[key] == name))
        .unwrap_or_else(|| panic!("no {list} entry with {key} {name:?} in vectors.json"))
}

fn str_of<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("no string {name} in {value}"))
}

/// The Linux build's `ipv8 ARGS` stdout (for comparing with the .exe's).
fn linux_ipv8(args: &[&str]) -> String {
    let output = Command::new(ipv8_bin())
        .args(args)
        .output()
        .expect("running the Linux ipv8");
    assert!(output.status.success(), "ipv8 {args:?} failed: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
#[ignore = "needs wine"]
fn wine_version_and_key_files() {
    let _serial = wine::serial();
    let wine = WineDir::new("wine-keys");

    // `--version` runs (the stand-in DLL works) and names the same commit as the Linux build,
    // so a stale .exe is caught here.
    let version = wine.run_ok(&["--version"]);
    assert_eq!(
        version.trim(),
        linux_ipv8(&["--version"]).trim(),
        "ipv8.exe was built from another commit: rebuild it"
    );

    // A curve25519 key written on "Windows" loads on Linux with the same mid.
    let made = json(&wine.run_ok(&["key", "generate", "--out", "win.key", "--json"]));
    assert_eq!(made["type"], "curve25519");
    let on_linux = show_key(&wine.dir.join("win.key")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(on_linux.mid, str_of(&made, "mid"));
    let shown = json(&wine.run_ok(&["key", "show", "win.key", "--json"]));
    assert_eq!(shown["mid"], made["mid"]);

    // py-ipv8's recorded tracker key (sect163k1, SEC1 DER) loads with the vector's mid.
    let vectors = vectors();
    let legacy = vector(&vectors, "keys", "label", "legacy-sect163k1");
    let private = hex::decode(str_of(legacy, "private_key_bin_hex")).expect("hex");
    std::fs::write(wine.dir.join("tracker.key"), private).expect("writing tracker.key");
    let shown = json(&wine.run_ok(&["key", "show", "tracker.key", "--json"]));
    assert_eq!(shown["type"], "sect163k1");
    assert_eq!(shown["mid"], legacy["mid_hex"]);
    assert_eq!(shown["signature_len"], 42);

    // Legacy EC key generation works on "Windows" too (OpenSSL's binary curves are built in),
    // for py-ipv8's "very-low" tracker keys and its tutorials' "medium" keys.
    for (kind, curve, signature_len) in
        [("very-low", "sect163k1", 42), ("medium", "sect409k1", 104)]
    {
        let file = format!("{kind}.key");
        let made =
            json(&wine.run_ok(&["key", "generate", "--type", kind, "--out", &file, "--json"]));
        assert_eq!(made["type"], curve, "{made}");
        assert_eq!(made["signature_len"], signature_len, "{made}");
        let on_linux = show_key(&wine.dir.join(&file)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            on_linux.mid,
            str_of(&made, "mid"),
            "{kind} key read back on Linux"
        );
    }
}

#[test]
#[ignore = "needs wine"]
fn wine_packet_decode_verifies_legacy_ec_signature() {
    let _serial = wine::serial();
    let wine = WineDir::new("wine-decode");
    let vectors = vectors();
    let message = vector(
        &vectors,
        "messages",
        "name",
        "introduction-response signed by a legacy sect163k1 key (tracker style)",
    );
    let packet = str_of(message, "packet_hex");

    let decoded = json(&wine.run_ok(&["packet", "decode", packet]));
    assert_eq!(decoded["signature_valid"], true, "{decoded}");
    assert_eq!(decoded["name"], "introduction-response", "{decoded}");
    // The same JSON as the Linux build, byte for byte.
    assert_eq!(decoded, json(&linux_ipv8(&["packet", "decode", packet])));

    // A flipped bit in the signature (the last bytes) is reported, not accepted.
    let mut bytes = hex::decode(packet).expect("hex");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let tampered = json(&wine.run_ok(&["packet", "decode", &hex::encode(&bytes)]));
    assert_eq!(tampered["signature_valid"], false, "{tampered}");
}

/// `ipv8.exe run` on 127.0.0.1 with `--status-json`; the caller adds the rest of the flags.
fn spawn_wine_node(wine: &WineDir, name: &str, port: u16, flags: &[&str]) -> Proc {
    let port = port.to_string();
    let mut args = vec![
        "run",
        "--no-default-bootstrap",
        "--no-beacon",
        "--bind",
        "127.0.0.1",
        "--port",
        &port,
        "--key-file",
        "node.key",
        "--status-json",
        "--log-level",
        "WARNING",
    ];
    args.extend_from_slice(flags);
    Proc::spawn(name, wine.command(&args)).unwrap_or_else(|e| panic!("{e}"))
}

/// Waits for the node's first status line and returns it.
fn first_status(node: &mut Proc) -> Value {
    node.wait_for(
        deadline_in(WINE_START_SECS),
        "the first status line",
        is_rust_status,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
#[ignore = "needs wine and pyipv8"]
fn wine_node_answers_a_pyipv8_introduction_request() {
    let _serial = wine::serial();
    let wine = WineDir::new("wine-answer");
    let community = random_community_id();
    let port = free_udp_port();
    // Exactly the acceptance command line, plus --key-file/--status-json for observation.
    let started = Instant::now();
    let mut node = spawn_wine_node(
        &wine,
        "ipv8.exe run",
        port,
        &["--community", &community, "--no-rest"],
    );
    let exe_addr = format!("127.0.0.1:{port}");
    let mut peer = PyPeer::start(
        "py-peer",
        &[
            "--community",
            &community,
            "--bootstrap",
            &exe_addr,
            "--trace",
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));

    // py-ipv8 walks to its bootstrap address (the .exe) and must get an introduction-response
    // (old 245 or new-style 233) back from it.
    let deadline = started + Duration::from_secs(ANSWER_SECS);
    let answer = peer
        .proc
        .wait_for(deadline, "an introduction-response from ipv8.exe", |v| {
            event(v) == "packet"
                && v["dir"] == "in"
                && v["addr"] == exe_addr.as_str()
                && matches!(v["msg_id"].as_u64(), Some(245 | 233))
        });
    if let Err(e) = answer {
        panic!("{e}\n{}", node.diagnostics());
    }
    let answered_after = started.elapsed();

    // py-ipv8 accepted it (signature verified, payload parsed) and the .exe knows the peer.
    let py_mid = peer.mid.clone();
    let known = poll_until(deadline_in(10.0), POLL, || {
        node.poll();
        let status = latest_rust_status(&node).ok_or("no status line yet")?;
        let peers = community_peers(status, &community).unwrap_or_default();
        if peers.contains(&py_mid) {
            Ok(status.clone())
        } else {
            Err(format!("ipv8.exe knows {peers:?}, not {py_mid}: {status}"))
        }
    })
    .unwrap_or_else(|e| panic!("{e}"));
    peer.status();
    let py_status = peer.proc.latest("status").cloned().unwrap_or(Value::Null);
    assert!(
        drops(&py_status).is_empty(),
        "py-ipv8 dropped packets: {py_status}"
    );
    assert!(
        drops(&known).is_empty(),
        "ipv8.exe dropped packets: {known}"
    );
    eprintln!("ipv8.exe answered py-ipv8 {answered_after:?} after its start");
}

#[test]
#[ignore = "needs wine and pyipv8"]
fn wine_node_walks_through_a_pyipv8_tracker_and_serves_health() {
    let _serial = wine::serial();
    let wine = WineDir::new("wine-tracker");
    let community = random_community_id();
    let mut tracker = PyPeer::start("py-tracker", &["--tracker"]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        tracker.started["key_type"], "legacy-ec",
        "py-ipv8 trackers sign with sect163k1 keys"
    );
    let tracker_addr = tracker.addr();
    let rest_port = free_tcp_port().to_string();
    let mut node = spawn_wine_node(
        &wine,
        "ipv8.exe run (tracker)",
        free_udp_port(),
        &[
            "--community",
            &community,
            "--bootstrap",
            &tracker_addr,
            "--rest-port",
            &rest_port,
        ],
    );
    let first = first_status(&mut node);
    let exe_mid = show_key(&wine.dir.join("node.key"))
        .unwrap_or_else(|e| panic!("{e}"))
        .mid;
    let mut peer = PyPeer::start(
        "py-peer",
        &["--community", &community, "--bootstrap", &tracker_addr],
    )
    .unwrap_or_else(|e| panic!("{e}"));

    // The two only meet through the tracker's introductions, which the .exe accepts only after
    // verifying the tracker's sect163k1 ECDSA signature.
    let py_mid = peer.mid.clone();
    let result = poll_until(deadline_in(40.0), POLL, || {
        node.poll();
        let ours: BTreeSet<String> = latest_rust_status(&node)
            .and_then(|s| community_peers(s, &community))
            .unwrap_or_default();
        let theirs = peer
            .status()
            .and_then(|s| community_peers(s, &community))
            .unwrap_or_default();
        if ours.contains(&py_mid) && theirs.contains(&exe_mid) {
            Ok(())
        } else {
            Err(format!(
                "ipv8.exe knows {ours:?} (wants {py_mid}), py-ipv8 knows {theirs:?} (wants {exe_mid})"
            ))
        }
    });
    if let Err(e) = result {
        panic!(
            "{e}\n{}\n{}",
            node.diagnostics(),
            tracker.proc.diagnostics()
        );
    }
    node.poll();
    let status = latest_rust_status(&node).cloned().unwrap_or(first);
    assert!(
        drops(&status).is_empty(),
        "ipv8.exe dropped packets: {status}"
    );

    // REST is reachable from Linux, and /health says the node is receiving.
    let rest = format!("127.0.0.1:{rest_port}").parse().expect("address");
    let health = http::get_json(rest, "/health", Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("{e}\n{}", node.diagnostics()));
    assert_eq!(health["receiving"], true, "{health}");
    let overlays = http::get_json(rest, "/overlays", Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(overlays["overlays"].is_array(), "{overlays}");

    // The processes stop when their handles drop; the prefix's wineserver exits by itself.
    node.kill();
}
