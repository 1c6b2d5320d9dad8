//! Interoperability with real py-ipv8 3.2.1 nodes, all on 127.0.0.1: our `ipv8 run` /
//! `ipv8 tracker` and `tools/pypeer.py` (docs/interop/README.md) as subprocesses, read through
//! their JSON lines (pypeer's `status`, our `--status-json`).
//!
//! Scenarios: mixed discovery through our tracker, discovery through py-ipv8's tracker,
//! DiscoveryCommunity (similarity, ping/pong), signatures verified in both directions with no
//! drops, the statistics comparison of docs/interop/statistics-comparison.md, and key files.
//!
//! pyipv8 comes from `$IPV8_PYTHON` or `tools/setup-pyipv8.sh`; without it every test fails with
//! a message saying what is missing. No test contacts a public tracker. Every wait has a
//! deadline and every process is killed when its handle drops. Tests are named `interop_*` so
//! nextest's `pyipv8` group runs them one at a time; under `cargo test` a lock does the same.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

use support::nodes::{
    DISCOVERY_ID, PyPeer, RunOptions, RustNode, RustTracker, community_entry, community_peers,
    drops, event, generate_key, python, random_community_id, show_key,
};
use support::procs::{Proc, stop_all};
use support::{deadline_in, poll_until, scratch_dir};

/// Seconds within which every node must have every other as a peer (from the last start-up).
const MESH_SECS: f64 = 20.0;
const POLL: Duration = Duration::from_millis(200);
const STOP: Duration = Duration::from_secs(6);

/// One scenario at a time, also under `cargo test` (nextest runs each test in its own process).
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

trait OrPanic<T> {
    fn or_panic(self) -> T;
}

impl<T> OrPanic<T> for Result<T, String> {
    fn or_panic(self) -> T {
        self.unwrap_or_else(|e| panic!("{e}"))
    }
}

/// Fails the test (not skips it) when pyipv8 is unavailable.
fn require_pyipv8() {
    if let Err(e) = python() {
        panic!("this interop test needs pyipv8 3.2.1 and cannot run: {e}");
    }
}

// ------------------------------------------------------------------------------- the swarm

/// Rust and Python nodes that share one community and one rendezvous.
struct Swarm {
    community: String,
    rust: Vec<RustNode>,
    py: Vec<PyPeer>,
}

impl Swarm {
    /// Starts `n_rust` `ipv8 run` and `n_py` pypeer nodes (Python first: they start slower),
    /// all in `community` plus what `rust_opts` / `py_args` add, bootstrapping from `bootstrap`.
    fn start(
        dir: &Path,
        bootstrap: &str,
        community: &str,
        (n_rust, rust_opts): (usize, &RunOptions),
        (n_py, py_args): (usize, &[&str]),
    ) -> Self {
        let py_pending: Vec<Proc> = (0..n_py)
            .map(|i| {
                let mut args = vec!["--community", community, "--bootstrap", bootstrap];
                args.extend_from_slice(py_args);
                PyPeer::spawn(&format!("py{}", i + 1), &args)
            })
            .collect::<Result<_, _>>()
            .or_panic();
        let mut opts = rust_opts.clone();
        opts.communities.insert(0, community.to_owned());
        opts.bootstrap.push(bootstrap.to_owned());
        let rust_pending: Vec<_> = (0..n_rust)
            .map(|i| RustNode::spawn(&format!("rust{}", i + 1), dir, &opts))
            .collect::<Result<_, _>>()
            .or_panic();
        let rust = rust_pending
            .into_iter()
            .map(support::nodes::PendingRust::ready)
            .collect::<Result<_, _>>()
            .or_panic();
        let py = py_pending
            .into_iter()
            .map(PyPeer::ready)
            .collect::<Result<_, _>>()
            .or_panic();
        Self {
            community: community.to_owned(),
            rust,
            py,
        }
    }

    /// (name, mid) of every node, Rust first.
    fn members(&self) -> Vec<(String, String)> {
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

    fn name_of(&self, mid: &str) -> String {
        self.members()
            .into_iter()
            .find(|(_, m)| m == mid)
            .map_or_else(|| format!("{}…", &mid[..mid.len().min(8)]), |(n, _)| n)
    }

    /// Every node's latest status line (taking in new output first), Rust first.
    fn statuses(&mut self) -> Vec<(String, String, Option<Value>)> {
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
    fn full_mesh(&mut self, community: &str) -> Result<String, String> {
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

    /// Waits until [`Self::full_mesh`] holds for `community`; panics with the evidence if not.
    fn wait_full_mesh(&mut self, community: &str, secs: f64) -> Duration {
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

    fn procs(&mut self) -> impl Iterator<Item = &mut Proc> {
        let rust = self.rust.iter_mut().map(|n| &mut n.proc);
        rust.chain(self.py.iter_mut().map(|n| &mut n.proc))
    }

    fn diagnostics(&mut self) -> String {
        self.procs()
            .map(|p| p.diagnostics())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn stop(&mut self) {
        stop_all(self.procs(), STOP);
    }
}

// -------------------------------------------------------------------- 1. mixed discovery

#[test]
fn interop_mixed_discovery_through_rust_tracker() {
    let _serial = serial();
    require_pyipv8();
    let dir = scratch_dir("interop-mixed");
    let tracker = RustTracker::start("rust-tracker", &dir).or_panic();
    let community = random_community_id();
    let mut swarm = Swarm::start(
        &dir,
        &tracker.addr(),
        &community,
        (3, &RunOptions::default()),
        (3, &[]),
    );
    swarm.wait_full_mesh(&community, MESH_SECS);
    swarm.stop();
}

// -------------------------------------------------------------------- 2. reverse roles

#[test]
fn interop_python_tracker_is_the_rendezvous() {
    let _serial = serial();
    require_pyipv8();
    let dir = scratch_dir("interop-pytracker");
    let mut tracker = PyPeer::start("py-tracker", &["--tracker"]).or_panic();
    assert_eq!(tracker.started["key_type"], "legacy-ec", "py-ipv8 trackers sign with EC keys");
    let community = random_community_id();
    let mut swarm = Swarm::start(
        &dir,
        &tracker.addr(),
        &community,
        (3, &RunOptions::default()),
        (1, &[]),
    );
    swarm.wait_full_mesh(&community, MESH_SECS);
    // The py-ipv8 tracker registered every node (it verified our signed 246s).
    let members: BTreeSet<String> = swarm.members().into_iter().map(|(_, m)| m).collect();
    let known = poll_until(deadline_in(5.0), POLL, || {
        let known = tracker
            .status()
            .and_then(|s| community_peers(s, &community))
            .unwrap_or_default();
        if members.is_subset(&known) {
            Ok(known)
        } else {
            Err(format!("tracker knows {known:?}, expected {members:?}"))
        }
    });
    known.or_panic();
    swarm.stop();
    stop_all([&mut tracker.proc], STOP);
}
