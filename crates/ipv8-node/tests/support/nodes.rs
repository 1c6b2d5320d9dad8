//! Launchers for the IPv8 nodes the integration tests run on 127.0.0.1, as [`Proc`]s:
//! our `ipv8 run` / `ipv8 tracker` ([`RustNode`], [`RustTracker`]) and real py-ipv8 3.2.1 nodes
//! through `tools/pypeer.py` ([`PyPeer`], schema in `docs/interop/README.md`).
//!
//! Nothing here ever contacts a public tracker: Rust nodes always get `--no-default-bootstrap
//! --no-beacon`, pypeers always an explicit `--bootstrap` or `--no-bootstrap`. Status lines are
//! read with the accessors at the bottom, which are the one place that knows both JSON shapes.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use super::procs::Proc;
use super::{deadline_in, free_udp_port, repo_root};

/// DiscoveryCommunity's community id (docs/spec/PROTOCOL.md §5.9).
pub const DISCOVERY_ID: &str = "7e313685c1912a141279f8248fc8db5899c5df5a";

/// How long a node may take to print its first line.
pub const START_SECS: f64 = 30.0;

/// The `ipv8` binary under test.
pub fn ipv8_bin() -> &'static str {
    env!("CARGO_BIN_EXE_ipv8")
}

/// A fresh random community id (40 hex digits).
pub fn random_community_id() -> String {
    let mut out = String::new();
    for round in 0u8..3 {
        // RandomState is seeded from the OS per process; the inputs make rounds differ.
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u8(round);
        hasher.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", hasher.finish()));
    }
    out.truncate(40);
    out
}

/// The pyipv8 venv's python: `$IPV8_PYTHON`, else the last stdout line of
/// `tools/setup-pyipv8.sh` (which creates the venv when missing). Computed once per process.
///
/// # Errors
/// A message naming what is missing and how to provide it.
pub fn python() -> Result<PathBuf, String> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON.get_or_init(find_python).clone()
}

fn find_python() -> Result<PathBuf, String> {
    if let Some(value) = std::env::var_os("IPV8_PYTHON").filter(|v| !v.is_empty()) {
        let path = PathBuf::from(&value);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "IPV8_PYTHON={} does not exist; unset it or run tools/setup-pyipv8.sh",
                path.display()
            ))
        };
    }
    let script = repo_root().join("tools/setup-pyipv8.sh");
    let output = Command::new("bash").arg(&script).output().map_err(|e| {
        format!(
            "pyipv8 is needed: cannot run {}: {e} (needs bash)",
            script.display()
        )
    })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or("").trim();
    if !output.status.success() || last.is_empty() {
        return Err(format!(
            "pyipv8 3.2.1 is needed and {} failed ({}); it needs python3 with venv and pip \
             access to PyPI (or set IPV8_PYTHON to a python with pyipv8==3.2.1). stderr:\n{}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(PathBuf::from(last))
}

/// What `ipv8 key show/generate --json` says about a key file.
#[derive(Clone, Debug)]
pub struct KeyInfo {
    /// The key file.
    pub path: PathBuf,
    /// SHA-1 of the public key bin, hex.
    pub mid: String,
    /// Public key bin, hex.
    pub public_key: String,
}

fn key_info(path: &Path, args: &[&str]) -> Result<KeyInfo, String> {
    let output = Command::new(ipv8_bin())
        .args(args)
        .output()
        .map_err(|e| format!("running ipv8 {args:?}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "ipv8 {args:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let value: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("ipv8 {args:?}: output is not JSON ({e})"))?;
    Ok(KeyInfo {
        path: path.to_path_buf(),
        mid: str_field(&value, "mid")?,
        public_key: str_field(&value, "public_key")?,
    })
}

/// `ipv8 key generate --out PATH --json` (curve25519).
///
/// # Errors
/// When the command fails.
pub fn generate_key(path: &Path) -> Result<KeyInfo, String> {
    let p = path.to_str().ok_or("non-UTF-8 path")?;
    key_info(path, &["key", "generate", "--out", p, "--json"])
}

/// `ipv8 key show PATH --json`.
///
/// # Errors
/// When the command fails.
pub fn show_key(path: &Path) -> Result<KeyInfo, String> {
    let p = path.to_str().ok_or("non-UTF-8 path")?;
    key_info(path, &["key", "show", p, "--json"])
}

fn str_field(value: &Value, name: &str) -> Result<String, String> {
    value
        .get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("no string `{name}` in {value}"))
}

/// A real py-ipv8 node (`tools/pypeer.py`) that has printed its `started` line.
pub struct PyPeer {
    /// The process.
    pub proc: Proc,
    /// The UDP port it bound (from `started`).
    pub port: u16,
    /// Its mid, hex.
    pub mid: String,
    /// Its `started` line.
    pub started: Value,
}

impl PyPeer {
    /// Starts `pypeer.py --port 0 ARGS` without waiting for it; pass the result to
    /// [`PyPeer::ready`]. Starting several first and then waiting overlaps their start-up.
    ///
    /// # Errors
    /// When python is missing or cannot be started.
    pub fn spawn(name: &str, args: &[&str]) -> Result<Proc, String> {
        let python = python()?;
        let mut command = Command::new(python);
        command
            .arg(repo_root().join("tools/pypeer.py"))
            .args(["--port", "0"])
            .args(args);
        Proc::spawn(name, command)
    }

    /// Waits for the `started` line of a process from [`PyPeer::spawn`].
    ///
    /// # Errors
    /// On an `error` line, an early exit or a timeout (with the process's diagnostics).
    pub fn ready(mut proc: Proc) -> Result<Self, String> {
        let line = proc.wait_for(deadline_in(START_SECS), "the `started` line", |v| {
            matches!(event(v), "started" | "error")
        })?;
        if event(&line) == "error" {
            let diagnostics = proc.diagnostics();
            return Err(format!("{}: {line}\n{diagnostics}", proc.name()));
        }
        let port = line["port"]
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .ok_or_else(|| format!("{}: no port in {line}", proc.name()))?;
        let mid = str_field(&line, "mid")?;
        Ok(Self {
            proc,
            port,
            mid,
            started: line,
        })
    }

    /// [`PyPeer::spawn`] then [`PyPeer::ready`].
    ///
    /// # Errors
    /// As those two.
    pub fn start(name: &str, args: &[&str]) -> Result<Self, String> {
        Self::ready(Self::spawn(name, args)?)
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Takes in new output and returns the latest `status` line.
    pub fn status(&mut self) -> Option<&Value> {
        self.proc.poll();
        self.proc.latest("status")
    }

    /// Waits for the first `status` line (printed right after `started`).
    ///
    /// # Errors
    /// On an early exit or a timeout.
    pub fn wait_status(&mut self) -> Result<(), String> {
        if self.status().is_none() {
            self.proc
                .wait_for(deadline_in(START_SECS), "a status line", |v| {
                    event(v) == "status"
                })?;
        }
        Ok(())
    }
}

/// Options of one `ipv8 run` node; each `Some`/non-empty field becomes a flag.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// `--community HEX` (repeatable).
    pub communities: Vec<String>,
    /// `--bootstrap ip:port` (repeatable).
    pub bootstrap: Vec<String>,
    /// `--key-file`; generated in the node's directory when `None`.
    pub key_file: Option<PathBuf>,
    /// `--rest-port` (otherwise `--no-rest`).
    pub rest_port: Option<u16>,
    /// Any further arguments.
    pub extra: Vec<String>,
}

/// Our `ipv8 run --status-json` node that has printed its first status line.
pub struct RustNode {
    /// The process.
    pub proc: Proc,
    /// The UDP port it was told to bind.
    pub port: u16,
    /// Its key (mid from `ipv8 key show`).
    pub key: KeyInfo,
}

impl RustNode {
    /// Starts `ipv8 run` on 127.0.0.1 with a free port without waiting; pass the result to
    /// [`RustNode::ready`].
    ///
    /// # Errors
    /// When the key cannot be made or the binary cannot be started.
    pub fn spawn(name: &str, dir: &Path, options: &RunOptions) -> Result<PendingRust, String> {
        let key = match &options.key_file {
            Some(path) => show_key(path)?,
            None => generate_key(&dir.join(format!("{name}.key")))?,
        };
        let port = free_udp_port();
        let mut command = Command::new(ipv8_bin());
        command.current_dir(dir).args([
            "run",
            "--bind",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--no-default-bootstrap",
            "--no-beacon",
            "--status-json",
        ]);
        command.arg("--key-file").arg(&key.path);
        for id in &options.communities {
            command.args(["--community", id]);
        }
        for addr in &options.bootstrap {
            command.args(["--bootstrap", addr]);
        }
        match options.rest_port {
            Some(p) => command.args(["--rest-port", &p.to_string()]),
            None => command.arg("--no-rest"),
        };
        command
            .args(["--log-level", "WARNING"])
            .args(&options.extra);
        let proc = Proc::spawn(name, command)?;
        Ok(PendingRust { proc, port, key })
    }

    /// [`RustNode::spawn`] then [`PendingRust::ready`].
    ///
    /// # Errors
    /// As those two.
    pub fn start(name: &str, dir: &Path, options: &RunOptions) -> Result<Self, String> {
        Self::spawn(name, dir, options)?.ready()
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Takes in new output and returns the latest status line.
    pub fn status(&mut self) -> Option<&Value> {
        self.proc.poll();
        latest_rust_status(&self.proc)
    }
}

/// An `ipv8 run` process that has not printed its first status line yet.
pub struct PendingRust {
    proc: Proc,
    port: u16,
    key: KeyInfo,
}

impl PendingRust {
    /// Waits for the first status line; takes the port actually bound from its `bound` list
    /// (`ipv8 run` walks up from a taken port, like py-ipv8).
    ///
    /// # Errors
    /// On an early exit or a timeout (with the process's diagnostics).
    pub fn ready(mut self) -> Result<RustNode, String> {
        let first = self.proc.wait_for(
            deadline_in(START_SECS),
            "the first status line",
            is_rust_status,
        )?;
        let port = bound_port(&first).unwrap_or(self.port);
        Ok(RustNode {
            proc: self.proc,
            port,
            key: self.key,
        })
    }
}

/// The port of the first IPv4 address in a status line's `bound` list.
pub fn bound_port(status: &Value) -> Option<u16> {
    status
        .get("bound")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|a| a.parse::<SocketAddr>().ok())
        .find(SocketAddr::is_ipv4)
        .map(|a| a.port())
}

/// The REST address a status line reports (`rest`), if REST is served.
pub fn rest_addr(status: &Value) -> Option<SocketAddr> {
    status.get("rest")?.as_str()?.parse().ok()
}

/// `ipv8 dht ARGS --rest-port P` against the node whose REST API is at `rest`: exit code,
/// stdout, stderr.
pub fn dht_cli(rest: SocketAddr, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(ipv8_bin())
        .arg("dht")
        .args(args)
        .args(["--rest-port", &rest.port().to_string()])
        .output()
        .expect("run ipv8 dht");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Our `ipv8 tracker` on 127.0.0.1.
pub struct RustTracker {
    /// The process.
    pub proc: Proc,
    /// Its UDP port.
    pub port: u16,
}

impl RustTracker {
    /// Starts `ipv8 tracker --bind 127.0.0.1 --port P --status-json` on a free port and waits
    /// for its first status line. The tracker does not walk up from a taken port, so a port
    /// snatched between picking and binding is retried with another one (3 attempts).
    ///
    /// # Errors
    /// When it exits or prints nothing within [`START_SECS`].
    pub fn start(name: &str, dir: &Path) -> Result<Self, String> {
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_udp_port();
            let mut command = Command::new(ipv8_bin());
            command
                .current_dir(dir)
                .args([
                    "tracker",
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    &port.to_string(),
                ])
                .args(["--status-json", "--log-level", "WARNING"]);
            let mut proc = Proc::spawn(name, command)?;
            match proc.wait_for(deadline_in(START_SECS), "the first status line", |v| {
                v.get("role").is_some() || is_rust_status(v)
            }) {
                Ok(first) => {
                    let port = bound_port(&first).unwrap_or(port);
                    return Ok(Self { proc, port });
                }
                Err(e) if proc.output_ended() => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

// ------------------------------------------------------------------ reading status lines

/// The `event` field of a JSON line (`""` when absent).
pub fn event(line: &Value) -> &str {
    line.get("event").and_then(Value::as_str).unwrap_or("")
}

/// Whether a line of `ipv8 run --status-json` is a status line.
pub fn is_rust_status(line: &Value) -> bool {
    matches!(event(line), "status" | "") && line.get("communities").is_some()
}

/// The latest status line of an `ipv8 run --status-json` process.
pub fn latest_rust_status(proc: &Proc) -> Option<&Value> {
    proc.latest("status")
        .or_else(|| proc.history().iter().rev().find(|v| is_rust_status(v)))
}

/// Mids of the peers listed for `community` in a status line, pypeer's or ours
/// (`communities` keyed by id, or a list of objects with `id`; peers as objects with `mid`).
pub fn community_peers(status: &Value, community: &str) -> Option<BTreeSet<String>> {
    let entry = community_entry(status, community)?;
    let peers = entry.get("peers")?.as_array()?;
    Some(
        peers
            .iter()
            .filter_map(|p| p.get("mid").and_then(Value::as_str).map(str::to_owned))
            .collect(),
    )
}

/// The per-community object of a status line.
pub fn community_entry<'a>(status: &'a Value, community: &str) -> Option<&'a Value> {
    match status.get("communities")? {
        Value::Object(map) => map.get(community),
        Value::Array(list) => list.iter().find(|c| {
            ["id", "community_id"]
                .iter()
                .any(|k| c.get(*k).and_then(Value::as_str) == Some(community))
        }),
        _ => None,
    }
}

/// Drop counters of a status line: pypeer's `drops`, or ours (`drops` at the top or in `health`).
/// Zero entries are left out.
pub fn drops(status: &Value) -> BTreeMap<String, u64> {
    let found = status
        .get("drops")
        .or_else(|| status.get("health").and_then(|h| h.get("drops")));
    let mut out = BTreeMap::new();
    if let Some(Value::Object(map)) = found {
        for (reason, count) in map {
            let n = count.as_u64().unwrap_or(0);
            if n > 0 {
                out.insert(reason.clone(), n);
            }
        }
    }
    out
}

/// Services (community ids, hex) a status line lists for the peer `mid`: pypeer's
/// `similarity` map (or a `services` map of the same shape). `None` when the line has neither.
pub fn services_of(status: &Value, mid: &str) -> Option<BTreeSet<String>> {
    let map = status
        .get("similarity")
        .or_else(|| status.get("services"))?;
    let list = map.as_object()?.get(mid).and_then(Value::as_array);
    Some(
        list.into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
    )
}

/// Ping round-trip samples (seconds) a status line lists for the peer `mid` (`pings` map).
/// `None` when the line has no `pings` map.
pub fn pings_of(status: &Value, mid: &str) -> Option<Vec<f64>> {
    let map = status.get("pings")?.as_object()?;
    let list = map.get(mid).and_then(Value::as_array);
    Some(
        list.into_iter()
            .flatten()
            .filter_map(Value::as_f64)
            .collect(),
    )
}
