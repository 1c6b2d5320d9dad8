//! [`Node`]: an `ipv8 run --status-json` (or `ipv8 tracker`) process inside a lab namespace,
//! with its status lines read by a background thread and stamped with the moment they arrived.
//!
//! [`Status`] is the one place that knows the JSON shape of a status line; the fault matrix
//! only looks at endpoint-level facts: the receive loop is open, datagrams arrive (counter and
//! last-receive time), error counters per class, rebinds, peers.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use super::Netns;

/// The `ipv8` binary under test.
pub fn ipv8_bin() -> &'static str {
    env!("CARGO_BIN_EXE_ipv8")
}

/// One status line and when the test read it.
#[derive(Clone, Debug)]
pub struct Stamped {
    /// When the line was read (test clock).
    pub at: Instant,
    /// The parsed line.
    pub status: Status,
    /// The raw JSON (for evidence).
    pub raw: Value,
}

/// The endpoint-level content of one status line.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    /// When the node printed it (Unix seconds).
    pub time: f64,
    /// The receive loop is armed and a socket is bound.
    pub is_open: bool,
    /// When the last datagram arrived (Unix seconds; `None`: never).
    pub last_receive: Option<f64>,
    /// Seconds since then, as of the snapshot the line was made from.
    pub last_receive_age: Option<f64>,
    /// Datagrams received on the unicast sockets.
    pub datagrams_down: u64,
    /// Datagrams sent.
    pub datagrams_up: u64,
    /// Receive errors per class (non-zero only).
    pub recv_errors: BTreeMap<String, u64>,
    /// Send errors per class (non-zero only).
    pub send_errors: BTreeMap<String, u64>,
    /// Datagrams the node dropped, per reason (non-zero only).
    pub drops: BTreeMap<String, u64>,
    /// Successful rebinds.
    pub rebinds: u64,
    /// Failed rebind attempts.
    pub rebind_failures: u64,
    /// Verified peers: (mid, address) per community id.
    pub peers: BTreeMap<String, Vec<(String, String)>>,
}

impl Status {
    /// Reads a status line of `ipv8 run --status-json` (the `/health` object under `health`,
    /// peers per community under `communities`); `None` when the line is not one.
    pub fn parse(v: &Value) -> Option<Self> {
        let health = v.get("health")?;
        let traffic = health.get("traffic");
        let errors = health.get("errors");
        let mut peers = BTreeMap::new();
        for c in v
            .get("communities")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let id = c
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let list = c
                .get("peers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            let list = list
                .map(|p| (str_of(p, "mid"), str_of(p, "address")))
                .collect();
            peers.insert(id, list);
        }
        Some(Self {
            time: v.get("time").and_then(Value::as_f64)?,
            is_open: health
                .get("is_open")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            last_receive: health.get("last_receive").and_then(Value::as_f64),
            last_receive_age: health.get("last_receive_age").and_then(Value::as_f64),
            datagrams_down: traffic.map_or(0, |t| u64_of(t, "datagrams_down")),
            datagrams_up: traffic.map_or(0, |t| u64_of(t, "datagrams_up")),
            recv_errors: classes(errors.and_then(|e| e.get("receive"))),
            send_errors: classes(errors.and_then(|e| e.get("send"))),
            drops: classes(health.get("drops")),
            rebinds: u64_of(health, "rebinds"),
            rebind_failures: u64_of(health, "rebind_failures"),
            peers,
        })
    }

    /// Whether a peer with address `addr_prefix…` (e.g. `10.231.2.2:`) is listed in any
    /// community.
    pub fn has_peer_at(&self, addr_prefix: &str) -> bool {
        self.peers
            .values()
            .flatten()
            .any(|(_, addr)| addr.starts_with(addr_prefix))
    }
}

fn str_of(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn u64_of(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// Counters per name (`{class: n}`, `{reason: n}`), non-zero ones only.
fn classes(v: Option<&Value>) -> BTreeMap<String, u64> {
    v.and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(class, n)| n.as_u64().filter(|n| *n > 0).map(|n| (class.clone(), n)))
        .collect()
}

/// A process inside a namespace whose stdout status lines are collected.
pub struct Node {
    /// Label for messages (`A`, `B`, `tracker`).
    pub name: String,
    child: Child,
    lines: Arc<Mutex<Vec<Stamped>>>,
    /// Stdout lines that were not status lines (diagnostics).
    other: Arc<Mutex<Vec<String>>>,
    /// Where its stderr goes.
    pub stderr_path: PathBuf,
}

impl Node {
    /// Starts `ipv8 ARGS…` inside `ns`; stderr goes to `dir/NAME.stderr`.
    pub fn spawn(name: &str, ns: &Netns, dir: &Path, args: &[String]) -> Self {
        let stderr_path = dir.join(format!("{name}.stderr"));
        let stderr = File::create(&stderr_path).expect("creating the stderr file");
        let mut cmd = ns.command(ipv8_bin());
        cmd.args(args)
            .current_dir(dir)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: cannot start {cmd:?}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let other = Arc::new(Mutex::new(Vec::new()));
        let (keep, keep_other) = (Arc::clone(&lines), Arc::clone(&other));
        thread::Builder::new()
            .name(format!("{name}-stdout"))
            .spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    let at = Instant::now();
                    let parsed = serde_json::from_str::<Value>(&line).ok();
                    match parsed.as_ref().and_then(Status::parse) {
                        Some(status) => {
                            let raw = parsed.unwrap_or(Value::Null);
                            lock(&keep).push(Stamped { at, status, raw });
                        }
                        None => lock(&keep_other).push(line),
                    }
                }
            })
            .expect("spawning a reader thread");
        Self {
            name: name.to_owned(),
            child,
            lines,
            other,
            stderr_path,
        }
    }

    /// The process id (the program itself: `ip netns exec` execs it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process still runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Every status line so far.
    pub fn history(&self) -> Vec<Stamped> {
        lock(&self.lines).clone()
    }

    /// Status lines read at or after `since`.
    pub fn since(&self, since: Instant) -> Vec<Stamped> {
        lock(&self.lines)
            .iter()
            .filter(|s| s.at >= since)
            .cloned()
            .collect()
    }

    /// The latest status line.
    pub fn latest(&self) -> Option<Stamped> {
        lock(&self.lines).last().cloned()
    }

    /// Waits (up to `timeout`) for a status line read after now that satisfies `pred`.
    pub fn wait_for(
        &self,
        timeout: Duration,
        pred: impl FnMut(&Stamped) -> bool,
    ) -> Option<Stamped> {
        self.wait_since(Instant::now(), timeout, pred)
    }

    /// Waits (up to `timeout`) for a status line read at or after `since` that satisfies `pred`.
    pub fn wait_since(
        &self,
        since: Instant,
        timeout: Duration,
        mut pred: impl FnMut(&Stamped) -> bool,
    ) -> Option<Stamped> {
        let deadline = Instant::now() + timeout;
        loop {
            let hit = lock(&self.lines)
                .iter()
                .filter(|s| s.at >= since)
                .find(|s| pred(s))
                .cloned();
            if hit.is_some() {
                return hit;
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Last stdout lines that were not status lines, and the end of stderr.
    pub fn diagnostics(&mut self) -> String {
        let state = match self.child.try_wait() {
            Ok(Some(status)) => format!("exited: {status}"),
            _ => "running".to_owned(),
        };
        let other = lock(&self.other);
        let tail: Vec<&String> = other.iter().rev().take(10).collect();
        let stderr = std::fs::read_to_string(&self.stderr_path).unwrap_or_default();
        let err_tail: Vec<&str> = stderr.lines().rev().take(30).collect();
        format!(
            "--- {} (pid {}, {state}); other stdout: {tail:?}\n--- stderr tail ({}):\n{}",
            self.name,
            self.pid(),
            self.stderr_path.display(),
            err_tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    }

    /// Stops the process (SIGKILL) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Wall-clock seconds since the Unix epoch (for evidence files).
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
