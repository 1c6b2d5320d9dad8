//! End-to-end tests of `ipv8 tracker`, `ipv8 run` and `ipv8 status` as separate processes on
//! 127.0.0.1 (never the default trackers: `--no-default-bootstrap --no-beacon`): two nodes find
//! each other through the tracker, `--status-json` shows them, the REST API answers, the key file
//! is created once (mode 0600) and reused, SIGTERM stops a node cleanly (exit 0), and a node
//! whose tracker does not answer keeps running and reports `offline`.
#![cfg(unix)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// A child process whose `--status-json` lines arrive on a channel.
struct Proc {
    child: Child,
    lines: mpsc::Receiver<Value>,
}

impl Proc {
    fn spawn(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ipv8"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ipv8");
        let stdout: ChildStdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let value: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("status line is not JSON ({e}): {line}"));
                if tx.send(value).is_err() {
                    break;
                }
            }
        });
        Self { child, lines }
    }

    /// The first status line satisfying `pred` within `secs`.
    fn wait_for(&mut self, secs: u64, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut last = Value::Null;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(v) if pred(&v) => return v,
                Ok(v) => last = v,
                Err(_) => break,
            }
        }
        let _ = self.child.kill();
        panic!("timed out waiting for {what}; last status line: {last}");
    }

    fn terminate(mut self) -> Option<i32> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the node did not stop within 10 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ipv8-run-node-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn node_args<'a>(data_dir: &'a Path, tracker: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "run",
        "--bind",
        "127.0.0.1",
        "--port",
        "0",
        "--no-default-bootstrap",
        "--no-beacon",
        "--bootstrap",
        tracker,
        "--walk-interval",
        "0.2",
        "--status-json",
        "--data-dir",
        data_dir.to_str().unwrap(),
    ];
    if !extra.contains(&"--no-rest") {
        args.extend_from_slice(&["--rest-port", "0"]);
    }
    args.extend_from_slice(extra);
    args
}

fn discovery_peers(line: &Value) -> Vec<String> {
    line["communities"][0]["peers"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| p["mid"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn ipv8_output(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ipv8"))
        .args(args)
        .output()
        .expect("run ipv8")
}

#[test]
fn nodes_meet_through_a_tracker_and_stop_cleanly() {
    let mut tracker = Proc::spawn(&[
        "tracker",
        "--bind",
        "127.0.0.1",
        "--port",
        "0",
        "--status-json",
    ]);
    let first = tracker.wait_for(20, "tracker status", |v| v["receiving"] == true);
    assert_eq!(first["role"], "tracker");
    let tracker_addr = first["bound"][0].as_str().unwrap().to_owned();
    assert!(tracker_addr.starts_with("127.0.0.1:"), "{first}");

    let dir_a = temp_dir("a");
    let dir_b = temp_dir("b");
    let community = "6decb1e10678b4819a774153cc0bc785384923ec";
    let mut a = Proc::spawn(&node_args(
        &dir_a,
        &tracker_addr,
        &["--community", community],
    ));
    let mut b = Proc::spawn(&node_args(
        &dir_b,
        &tracker_addr,
        &["--community", community],
    ));
    let line_a = a.wait_for(20, "node A status", |v| v["receiving"] == true);
    let mid_a = line_a["mid"].as_str().unwrap().to_owned();
    let rest_a = line_a["rest"]
        .as_str()
        .expect("REST address in the status line")
        .to_owned();
    let line_b = b.wait_for(20, "node B status", |v| v["receiving"] == true);
    let mid_b = line_b["mid"].as_str().unwrap().to_owned();
    assert_ne!(mid_a, mid_b);

    // The key file was created in the data dir, mode 0600.
    let key_file = dir_a.join("ec_multichain.pem");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&key_file)
            .expect("key file created")
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);

    let seen = a.wait_for(40, "A to see B in both communities", |v| {
        discovery_peers(v).contains(&mid_b)
            && v["communities"][1]["peers"]
                .as_array()
                .is_some_and(|p| !p.is_empty())
    });
    assert_eq!(seen["communities"][1]["id"], community);
    assert_eq!(seen["communities"][0]["bootstrap"]["state"], "reached");
    assert_eq!(seen["offline"], false);
    assert!(seen["health"]["errors"]["receive"].is_object());
    b.wait_for(40, "B to see A", |v| discovery_peers(v).contains(&mid_a));

    // `ipv8 status` reads the REST API.
    let port = rest_a.rsplit(':').next().unwrap();
    let out = ipv8_output(&["status", "--rest-port", port, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(status["health"]["receiving"], true);
    assert_eq!(
        status["overlays"]["overlays"][0]["overlay_name"],
        "DiscoveryCommunity"
    );
    assert!(!status["network"]["peers"].as_object().unwrap().is_empty());
    let out = ipv8_output(&["status", "--rest-port", port]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success()
            && text.contains("node: receiving")
            && text.contains("DiscoveryCommunity"),
        "{text}"
    );

    // SIGTERM: clean exit 0.
    assert_eq!(a.terminate(), Some(0));
    assert_eq!(b.terminate(), Some(0));
    assert_eq!(tracker.terminate(), Some(0));

    // A restart reuses the key file: same mid.
    let mut again = Proc::spawn(&node_args(&dir_a, &tracker_addr, &["--no-rest"]));
    let line = again.wait_for(20, "restarted node status", |v| v["receiving"] == true);
    assert_eq!(line["mid"], mid_a.as_str());
    assert_eq!(line["rest"], Value::Null);
    assert_eq!(again.terminate(), Some(0));
}

#[test]
fn unreachable_tracker_keeps_the_node_running_and_reports_offline() {
    // A port with nobody behind it on 127.0.0.1.
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tracker = format!("127.0.0.1:{port}");
    let dir = temp_dir("offline");
    let mut node = Proc::spawn(&node_args(&dir, &tracker, &["--no-rest"]));
    let line = node.wait_for(30, "the offline flag", |v| v["offline"] == true);
    assert_eq!(line["receiving"], true);
    assert_eq!(line["communities"][0]["bootstrap"]["state"], "waiting");
    // Still alive and still receiving after that.
    let later = node.wait_for(10, "a later status line", |v| v["receiving"] == true);
    assert_eq!(later["peers"], 0);
    assert_eq!(node.terminate(), Some(0));
}

#[test]
fn api_key_guards_the_rest_api_and_status_sends_it() {
    let dir = temp_dir("api-key");
    // No tracker behind this port: the node only has to serve REST.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let tracker = silent.local_addr().unwrap().to_string();
    let mut node = Proc::spawn(&node_args(&dir, &tracker, &["--api-key", "s3cret"]));
    let line = node.wait_for(20, "node status", |v| v["rest"].is_string());
    let rest = line["rest"].as_str().unwrap().to_owned();
    let port = rest.rsplit(':').next().unwrap();

    let missing = ipv8_output(&["status", "--rest-port", port]);
    assert_eq!(missing.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("401") && stderr.contains("--api-key"),
        "{stderr}"
    );
    let wrong = ipv8_output(&["status", "--rest-port", port, "--api-key", "guess"]);
    assert_eq!(wrong.status.code(), Some(1));
    let right = ipv8_output(&["status", "--rest-port", port, "--api-key", "s3cret"]);
    let text = String::from_utf8_lossy(&right.stdout);
    assert!(
        right.status.success() && text.contains("node: receiving") && text.contains("watchdog:"),
        "{text}{}",
        String::from_utf8_lossy(&right.stderr)
    );
    assert_eq!(node.terminate(), Some(0));
}
