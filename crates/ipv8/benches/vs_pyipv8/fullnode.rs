//! Idle RSS of the two *complete* nodes as a user starts them, next to the bare receivers: the
//! `ipv8` binary (`ipv8 run`, REST on) and py-ipv8 3.2.1 through `tools/pypeer.py` (REST on),
//! both with the DiscoveryCommunity only (`--no-dht`: pypeer loads no DHT), no bootstrap
//! servers, on 127.0.0.1. Measured [`SETTLE`] after start, then both are killed.
//!
//! The `ipv8` binary is `$IPV8_BIN`, else `ipv8` next to the bench's own directory
//! (`target/release/ipv8`, built by `cargo build --release -p ipv8-node`); without it that row
//! is skipped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Time between start and the RSS reading.
const SETTLE: Duration = Duration::from_secs(4);

fn rss_kib(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

fn ipv8_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("IPV8_BIN") {
        return Some(p.into());
    }
    let me = std::env::current_exe().ok()?;
    let candidate = me.parent()?.parent()?.join("ipv8");
    candidate.is_file().then_some(candidate)
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `(name, RSS KiB)` of each full node that could be started.
pub fn idle_full_nodes(python: Option<&Path>, repo: &Path) -> Vec<(String, u64)> {
    let dir = std::env::temp_dir().join(format!("ipv8-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let mut started: Vec<(String, Killed)> = Vec::new();
    match ipv8_binary() {
        Some(bin) => {
            let spawned = Command::new(&bin)
                .args([
                    "run",
                    "--port",
                    "0",
                    "--bind",
                    "127.0.0.1",
                    "--rest-port",
                    "0",
                ])
                .args(["--no-default-bootstrap", "--no-beacon", "--no-dht"])
                .arg("--data-dir")
                .arg(&dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            match spawned {
                Ok(c) => started.push(("ipv8-rs `ipv8 run` (REST on)".into(), Killed(c))),
                Err(e) => println!("{}: cannot start: {e}", bin.display()),
            }
        }
        None => println!(
            "full-node RSS: no ipv8 binary (cargo build --release -p ipv8-node, or IPV8_BIN)"
        ),
    }
    if let Some(python) = python {
        let spawned = Command::new(python)
            .arg(repo.join("tools/pypeer.py"))
            .args([
                "--port",
                "0",
                "--discovery",
                "--no-bootstrap",
                "--rest-port",
                "0",
            ])
            .args(["--duration", "60"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        match spawned {
            Ok(c) => started.push(("py-ipv8 3.2.1 `pypeer.py` (REST on)".into(), Killed(c))),
            Err(e) => println!("pypeer.py: cannot start: {e}"),
        }
    }
    std::thread::sleep(SETTLE);
    let out = started
        .iter()
        .filter_map(|(name, c)| Some((name.clone(), rss_kib(c.0.id())?)))
        .collect();
    drop(started);
    let _ = std::fs::remove_dir_all(&dir);
    out
}
