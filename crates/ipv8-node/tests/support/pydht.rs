//! [`PyDht`]: one real py-ipv8 3.2.1 `DHTDiscoveryCommunity` on 127.0.0.1 (`tools/pydht.py`,
//! whose docstring has the command schema) as a [`Proc`], driven by JSON-line commands on its
//! stdin: `store`, `find`, `store_peer` and `connect`, each answered by one line with its `id`.

use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};

use super::nodes::{PyPeer, event, python};
use super::procs::Proc;
use super::repo_root;

/// A `tools/pydht.py` process that has printed its `started` line.
pub struct PyDht {
    /// The process.
    pub proc: Proc,
    /// The UDP port it bound.
    pub port: u16,
    /// Its mid, hex.
    pub mid: String,
    /// Its public key bin, hex.
    pub public_key: String,
    next_id: u64,
}

impl PyDht {
    /// Starts `pydht.py --port 0 --bootstrap ADDR --duration SECS` without waiting; pass the
    /// result to [`PyDht::ready`].
    ///
    /// # Errors
    /// When python is missing or cannot be started.
    pub fn spawn(name: &str, bootstrap: &str, duration_secs: u32) -> Result<Proc, String> {
        let mut command = Command::new(python()?);
        command
            .arg(repo_root().join("tools/pydht.py"))
            .args(["--port", "0", "--bootstrap", bootstrap])
            .args(["--duration", &duration_secs.to_string()]);
        Proc::spawn(name, command)
    }

    /// Waits for the `started` line of a process from [`PyDht::spawn`] (same shape as
    /// `pypeer.py`'s, plus `public_key`).
    ///
    /// # Errors
    /// On an `error` line, an early exit or a timeout.
    pub fn ready(proc: Proc) -> Result<Self, String> {
        let peer = PyPeer::ready(proc)?;
        let public_key = peer.started["public_key"]
            .as_str()
            .ok_or_else(|| format!("no public_key in {}", peer.started))?
            .to_owned();
        Ok(Self {
            proc: peer.proc,
            port: peer.port,
            mid: peer.mid,
            public_key,
            next_id: 0,
        })
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Nodes in its routing table, from the latest `status` line (0 before the first).
    pub fn routing(&mut self) -> u64 {
        self.proc.poll();
        self.proc
            .latest("status")
            .and_then(|s| s["routing"].as_u64())
            .unwrap_or(0)
    }

    /// Sends `cmd` (an `id` is added) and waits until `deadline` for its `answer` line.
    ///
    /// # Errors
    /// The command's `error` line, an early exit or a timeout.
    pub fn command(
        &mut self,
        mut cmd: Value,
        answer: &str,
        deadline: Instant,
    ) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        cmd["id"] = json!(id);
        self.proc.send_line(&cmd.to_string())?;
        let what = format!("the answer to {cmd}");
        let line = self.proc.wait_for(deadline, &what, |v| {
            v["id"] == id && (event(v) == "error" || event(v) == answer)
        })?;
        if event(&line) == "error" {
            return Err(format!("{}: {cmd}: {line}", self.proc.name()));
        }
        Ok(line)
    }
}
