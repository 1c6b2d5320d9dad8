//! [`Swarm`]: `ipv8 run` and pypeer nodes in one community around one rendezvous (our tracker or
//! py-ipv8's), with the checks the interop tests share: every node's latest status, and whether
//! every node lists every other one as a peer.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::nodes::{PendingRust, PyPeer, RunOptions, RustNode, community_peers};
use super::procs::{Proc, stop_all};
use super::{deadline_in, poll_until};

/// How often status lines are looked at while waiting.
pub const POLL: Duration = Duration::from_millis(200);
/// How long nodes get to stop before they are killed.
pub const STOP: Duration = Duration::from_secs(6);

/// Rust and Python nodes that share one community and one rendezvous.
pub struct Swarm {
    /// The `ipv8 run` nodes, named `rust1`, `rust2`, ...
    pub rust: Vec<RustNode>,
    /// The pypeer nodes, named `py1`, `py2`, ...
    pub py: Vec<PyPeer>,
}

impl Swarm {
    /// Starts `n_rust` `ipv8 run` and `n_py` pypeer nodes (Python first: they start slower),
    /// all in `community` plus what `rust_opts` / `py_args` add, bootstrapping from `bootstrap`.
    /// Returns once every node has printed a status line.
    ///
    /// # Errors
    /// A node failed to start (with its diagnostics); the others are killed.
    pub fn start(
        dir: &Path,
        bootstrap: &str,
        community: &str,
        (n_rust, rust_opts): (usize, &RunOptions),
        (n_py, py_args): (usize, &[&str]),
    ) -> Result<Self, String> {
        let py_pending: Vec<Proc> = (0..n_py)
            .map(|i| {
                let mut args = vec!["--community", community, "--bootstrap", bootstrap];
                args.extend_from_slice(py_args);
                PyPeer::spawn(&format!("py{}", i + 1), &args)
            })
            .collect::<Result<_, _>>()?;
        let mut opts = rust_opts.clone();
        opts.communities.insert(0, community.to_owned());
        opts.bootstrap.push(bootstrap.to_owned());
        let rust_pending: Vec<_> = (0..n_rust)
            .map(|i| RustNode::spawn(&format!("rust{}", i + 1), dir, &opts))
            .collect::<Result<_, _>>()?;
        let rust = rust_pending
            .into_iter()
            .map(PendingRust::ready)
            .collect::<Result<_, _>>()?;
        let py: Vec<PyPeer> = py_pending
            .into_iter()
            .map(|p| {
                let mut peer = PyPeer::ready(p)?;
                peer.wait_status()?;
                Ok(peer)
            })
            .collect::<Result<_, String>>()?;
        Ok(Self { rust, py })
    }

    /// (name, mid) of every node, Rust first.
    pub fn members(&self) -> Vec<(String, String)> {
        let rust = self
            .rust
            .iter()
            .map(|n| (n.proc.name().to_owned(), n.key.mid.clone()));
        let py = self
            .py
            .iter()
            .map(|n| (n.proc.name().to_owned(), n.mid.clone()));
        rust.chain(py).collect()
    }

    /// The name of the node with `mid` (its abbreviated mid if it is not a member).
    pub fn name_of(&self, mid: &str) -> String {
        self.members()
            .into_iter()
            .find(|(_, m)| m == mid)
            .map_or_else(|| format!("{}…", &mid[..mid.len().min(8)]), |(n, _)| n)
    }

    /// Every node's latest status line (taking in new output first), Rust first.
    pub fn statuses(&mut self) -> Vec<(String, String, Option<Value>)> {
        let rust = self.rust.iter_mut().map(|n| {
            let status = n.status().cloned();
            (n.proc.name().to_owned(), n.key.mid.clone(), status)
        });
        let rust: Vec<_> = rust.collect();
        let py = self.py.iter_mut().map(|n| {
            let status = n.status().cloned();
            (n.proc.name().to_owned(), n.mid.clone(), status)
        });
        rust.into_iter().chain(py).collect()
    }

    /// `Ok(summary)` when every node lists every other node as a peer of `community`.
    pub fn full_mesh(&mut self, community: &str) -> Result<String, String> {
        let members = self.members();
        let mut missing = String::new();
        let mut summary = String::new();
        for (name, mid, status) in self.statuses() {
            let seen = status
                .as_ref()
                .and_then(|s| community_peers(s, community))
                .unwrap_or_default();
            let absent: Vec<&str> = members
                .iter()
                .filter(|(_, m)| *m != mid && !seen.contains(m))
                .map(|(n, _)| n.as_str())
                .collect();
            let names: Vec<String> = seen.iter().map(|m| self.name_of(m)).collect();
            let _ = writeln!(summary, "  {name}: {}", names.join(" "));
            if status.is_none() {
                let _ = writeln!(missing, "  {name}: no status line yet");
            } else if !absent.is_empty() {
                let _ = writeln!(missing, "  {name} lacks {}", absent.join(" "));
            }
        }
        if missing.is_empty() {
            Ok(summary)
        } else {
            Err(format!("{missing}current peers:\n{summary}"))
        }
    }

    /// Waits until [`Self::full_mesh`] holds for `community`, returning how long it took.
    ///
    /// # Panics
    /// With every node's peers and diagnostics when it does not hold within `secs`.
    pub fn wait_full_mesh(&mut self, community: &str, secs: f64) -> Duration {
        let t0 = Instant::now();
        let result = poll_until(deadline_in(secs), POLL, || self.full_mesh(community));
        match result {
            Ok(summary) => {
                let took = t0.elapsed();
                println!("full mesh in {community} after {took:.1?}:\n{summary}");
                took
            }
            Err(e) => panic!(
                "not every node has every other as a peer of {community} within {secs} s:\n{e}\n{}",
                self.diagnostics()
            ),
        }
    }

    /// Every node's process, Rust first.
    pub fn procs(&mut self) -> impl Iterator<Item = &mut Proc> {
        let rust = self.rust.iter_mut().map(|n| &mut n.proc);
        rust.chain(self.py.iter_mut().map(|n| &mut n.proc))
    }

    /// Every node's diagnostics (exit status, stderr tail).
    pub fn diagnostics(&mut self) -> String {
        self.procs()
            .map(|p| p.diagnostics())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Stops every node (stdin closed, SIGTERM, then SIGKILL after [`STOP`]).
    pub fn stop(&mut self) {
        stop_all(self.procs(), STOP);
    }
}
