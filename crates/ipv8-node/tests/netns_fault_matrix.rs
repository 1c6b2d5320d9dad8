//! The network fault matrix (Linux, root; `#[ignore]`d for plain `cargo test`, run by the full
//! test command `bash scripts/test-all.sh`): two `ipv8 run` nodes A and B in their
//! own network namespaces behind a router R, introduced to each other by an `ipv8 tracker` in
//! a fourth namespace, go through every fault of docs/design/UDP-FAILURES.md §5 that this kernel
//! can make (ICMP rejects, local unreachable/prohibit/blackhole routes, firewall drop, full qdisc,
//! loss, duplication, link down/up, interface re-creation, network switch) while they exchange
//! walker traffic.
//!
//! Once A and B know each other the tracker is cut off, so every datagram a node receives comes
//! from the other node. For each fault the test checks, from the nodes' `--status-json` lines:
//! the fault really stopped (or impaired) the traffic it should; after clearing it both nodes
//! receive again within 2 s (30 s and verified peers again for the network switch); `is_open`
//! is true in every status line and both processes are alive. It records the error counters
//! that moved per class and the recovery time, prints the table and writes it to
//! `target/fault-matrix.md` (a run's table is in docs/FAULT-MATRIX.md). A node that does not
//! recover fails the test, with its status lines saved under `target/fault-matrix-evidence/`.
//!
//! The two nodes run the two socket configurations side by side: A with `--ip-recverr` (ICMP
//! errors and full qdiscs are reported, and the driver drains the error queue), B plain (the
//! default: unconnected sockets without `IP_RECVERR` never see ICMP errors). So each reject row
//! must show stale reports at A and no error at B; the recovery limits are the same for both.

#![cfg(target_os = "linux")]

mod netlab;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use netlab::faults::{self, Effect, Fault, Kind};
use netlab::node::{Node, Stamped, unix_now};
use netlab::report::{self, Row, drop_delta, error_delta, rebind_delta, secs};
use netlab::{ADDR_A, ADDR_A2, ADDR_B, ADDR_T, Lab};

const TRACKER_PORT: u16 = 7100;
const NODE_PORT: u16 = 7101;
/// A and B must find each other through the tracker within this.
const DISCOVERY: Duration = Duration::from_secs(30);
/// Traffic must flow again this soon after a fault is cleared.
const RECOVERY_LIMIT: Duration = Duration::from_secs(2);
/// After the network switch: traffic and verified peers again within this.
const SWITCH_LIMIT: Duration = Duration::from_secs(30);
/// How long to keep watching a node that did not recover (evidence, and the real time).
const RECOVERY_WATCH: Duration = Duration::from_secs(12);
/// Datagrams already in flight when a fault starts may still arrive this long after it.
const IN_FLIGHT: Duration = Duration::from_millis(500);

#[test]
#[ignore = "needs root, network namespaces and nftables"]
fn netns_fault_matrix() {
    if faults::blast_requested() {
        // Re-run of this binary inside A's namespace: only the burst for the tbf fault.
        faults::blast();
        return;
    }
    netlab::require_root_and_tools();
    let started = Instant::now();
    let lab = Lab::build();
    let dir = scratch_dir();
    // `ipv8 run` creates a missing key file with a new key.
    let (key_a, key_b) = (dir.join("a.key"), dir.join("b.key"));

    // The tracker must be bound before A and B send their first bootstrap request: a request
    // that finds no socket is lost and the next bootstrap round is far away.
    let tracker_args = [
        "tracker",
        "--port",
        &TRACKER_PORT.to_string(),
        "--status-json",
    ]
    .map(str::to_owned);
    let spawned = Instant::now();
    let mut tracker = Node::spawn("tracker", &lab.t, &dir, &tracker_args);
    let up = tracker.wait_since(spawned, Duration::from_secs(20), |s| s.status.is_open);
    assert!(
        up.is_some(),
        "the tracker did not start:\n{}",
        tracker.diagnostics()
    );
    let mut a = Node::spawn("A", &lab.a, &dir, &run_args(&key_a, true));
    let mut b = Node::spawn("B", &lab.b, &dir, &run_args(&key_b, false));

    let peer_b = format!("{ADDR_B}:{NODE_PORT}");
    let peer_a = format!("{ADDR_A}:{NODE_PORT}");
    let met = wait_until(DISCOVERY, || knows(&a, &peer_b) && knows(&b, &peer_a));
    assert!(
        met,
        "A and B did not become verified peers through the tracker within {DISCOVERY:?}\n\
         A latest: {:?}\nB latest: {:?}\n{}\n{}",
        a.latest().map(|s| s.raw),
        b.latest().map(|s| s.raw),
        a.diagnostics(),
        b.diagnostics()
    );
    println!(
        "A and B are verified peers after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    lab.isolate_tracker();

    let mut rows = Vec::new();
    for (i, fault) in faults::matrix().iter().enumerate() {
        let row = run_fault(&lab, &mut a, &mut b, fault, i);
        println!(
            "{:>2}. {:<40} recovery {:>8}  {}",
            i + 1,
            row.fault,
            row.recovery.map_or_else(|| "never".to_owned(), secs),
            if row.ok { "ok" } else { "FAIL" }
        );
        rows.push(row);
    }

    let runtime = started.elapsed();
    let mut table = report::table(&rows, runtime);
    let _ = writeln!(table, "\nRecipes:\n");
    for f in faults::matrix() {
        let _ = writeln!(table, "* {}: {}", f.name, f.recipe());
    }
    let path = report::output_path();
    fs::write(&path, &table).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    let history = report::output_path().with_file_name("fault-matrix-status.jsonl");
    let mut header = String::from("# fault windows (Unix seconds: applied, cleared):\n");
    for r in &rows {
        let _ = writeln!(
            header,
            "#   {:.3} {:.3} {}",
            r.window.0, r.window.1, r.fault
        );
    }
    write_lines(&history, &header, &[&a, &b], started);
    println!(
        "\n{table}\n(written to {}; status lines in {})",
        path.display(),
        history.display()
    );

    let mut failed: Vec<String> = rows
        .iter()
        .filter(|r| !r.ok)
        .map(|r| format!("{}: {}", r.fault, r.problems.join("; ")))
        .collect();
    // The receive loop never stopped: every status line since start-up says so.
    for node in [&mut a, &mut b] {
        let lines = node.history();
        let closed = lines.iter().filter(|s| !s.status.is_open).count();
        let alive = node.alive();
        if closed > 0 || !alive {
            failed.push(format!(
                "{}: is_open=false in {closed} of {} status lines; alive: {}",
                node.name,
                lines.len(),
                alive
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "{} fault(s) failed:\n{}\n{}\n{}",
        failed.len(),
        failed.join("\n"),
        a.diagnostics(),
        b.diagnostics()
    );
}

/// The `ipv8 run` command line of A (`ip_recverr`) and B.
fn run_args(key: &Path, ip_recverr: bool) -> Vec<String> {
    let mut args: Vec<String> = [
        "run",
        "--port",
        &NODE_PORT.to_string(),
        "--bootstrap",
        &format!("{ADDR_T}:{TRACKER_PORT}"),
        "--no-default-bootstrap",
        "--no-beacon",
        "--no-rest",
        "--walk-interval",
        "0.2",
        "--status-json",
        "--key-file",
    ]
    .map(str::to_owned)
    .to_vec();
    args.push(key.to_str().expect("UTF-8 key path").to_owned());
    if ip_recverr {
        args.push("--ip-recverr".to_owned());
    }
    args
}

/// A fresh directory for keys and stderr files under cargo's scratch directory.
fn scratch_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("fault-matrix-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    dir
}

/// Whether the node's latest status line lists a verified peer at `addr`.
fn knows(node: &Node, addr: &str) -> bool {
    node.latest().is_some_and(|s| s.status.has_peer_at(addr))
}

/// Polls `cond` every 100 ms until it holds or `timeout` passes.
fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// How long after `t` (Unix seconds) the node first received a datagram, per the
/// `last_receive` of its status lines read since `since`, watching at most `watch`.
fn first_rx_after(node: &Node, since: Instant, t: f64, watch: Duration) -> Option<Duration> {
    let mut found = None;
    wait_until(watch, || {
        found = node
            .since(since)
            .iter()
            .filter_map(|s| s.status.last_receive)
            .find(|rx| *rx > t)
            .map(|rx| Duration::from_secs_f64(rx - t));
        found.is_some()
    });
    found
}

/// Applies one fault, clears it, and checks what the module docs promise.
fn run_fault(lab: &Lab, a: &mut Node, b: &mut Node, fault: &Fault, index: usize) -> Row {
    let mut problems = Vec::new();
    let watch_start = Instant::now();
    // Traffic flows both ways before the fault (a datagram less than 1 s old at both).
    for node in [&*a, &*b] {
        let fresh = node.wait_for(Duration::from_secs(10), |s| {
            s.status.last_receive_age.is_some_and(|age| age < 1.0)
        });
        if fresh.is_none() {
            problems.push(format!(
                "{} received nothing for 10 s before the fault",
                node.name
            ));
        }
    }
    let before = (a.latest(), b.latest());
    let (t_apply, t_apply_unix) = (Instant::now(), unix_now());
    let active = fault.apply(lab);
    thread::sleep(fault.hold);
    let t_clear = Instant::now();
    let counted = fault.clear(lab, active);
    let (t_cleared, t_cleared_unix) = (Instant::now(), unix_now());

    let during = check_during(a, b, fault, (t_apply, t_apply_unix), t_clear, &mut problems);

    let limit = if fault.kind == Kind::NetworkSwitch {
        SWITCH_LIMIT
    } else {
        RECOVERY_LIMIT
    };
    let watch = limit.max(RECOVERY_WATCH);
    let rx_a = first_rx_after(a, t_cleared, t_cleared_unix, watch);
    let rx_b = first_rx_after(b, t_cleared, t_cleared_unix, watch);
    for (name, rx) in [("A", rx_a), ("B", rx_b)] {
        match rx {
            None => problems.push(format!(
                "{name} received nothing within {watch:?} of clearing"
            )),
            Some(d) if d > limit => {
                problems.push(format!("{name} received again only after {}", secs(d)));
            }
            Some(_) => {}
        }
    }
    let recovery = rx_a.zip(rx_b).map(|(x, y)| x.max(y));

    if !counted.bit {
        problems.push(format!(
            "recipe broken: the kernel counted no effect ({})",
            counted.text
        ));
    }
    let mut notes = vec![counted.text];
    if fault.kind == Kind::NetworkSwitch {
        notes.push(verify_switch(a, b, t_cleared, &mut problems));
    }
    // One more status line each, so the counters include the recovery.
    for node in [&*a, &*b] {
        node.wait_for(Duration::from_millis(1500), |_| true);
    }
    let (after_a, after_b) = (a.latest(), b.latest());

    let mut errors = Vec::new();
    for (name, before, after) in [("A", &before.0, &after_a), ("B", &before.1, &after_b)] {
        if let (Some(before), Some(after)) = (before, after) {
            let moved = error_delta(name, &before.status, &after.status);
            check_reports(name, fault, &moved, &mut problems);
            errors.extend(moved);
            notes.extend(rebind_delta(name, &before.status, &after.status));
            notes.extend(drop_delta(name, &before.status, &after.status));
        }
    }
    notes.retain(|n| !n.is_empty());

    for node in [&mut *a, &mut *b] {
        let closed = node
            .since(watch_start)
            .iter()
            .filter(|s| !s.status.is_open)
            .count();
        if closed > 0 {
            problems.push(format!(
                "{} reported is_open=false in {closed} status lines",
                node.name
            ));
        }
        if !node.alive() {
            problems.push(format!("{} exited", node.name));
        }
    }
    if !problems.is_empty() {
        let path = save_evidence(a, b, fault, index, watch_start);
        problems.push(format!("evidence: {}", path.display()));
    }
    Row {
        fault: fault.name.to_owned(),
        during,
        errors: errors.join(", "),
        recovery,
        note: notes.join("; "),
        ok: problems.is_empty(),
        problems,
        window: (t_apply_unix, t_cleared_unix),
    }
}

/// The two configurations, for the ICMP reject faults: A (`--ip-recverr`) must report the ICMP
/// errors as stale reports, B (plain) must report nothing at all (docs/design/UDP-FAILURES.md
/// §2.1).
fn check_reports(name: &str, fault: &Fault, moved: &[String], problems: &mut Vec<String>) {
    if !matches!(fault.kind, Kind::Reject(_)) {
        return;
    }
    if name == "A" && !moved.iter().any(|m| m.contains("stale_report")) {
        problems.push(format!(
            "A runs with --ip-recverr but reported no stale_report ({moved:?})"
        ));
    }
    if name == "B" && !moved.is_empty() {
        problems.push(format!(
            "B runs without IP_RECVERR but reported errors: {moved:?}"
        ));
    }
}

/// Checks that the fault did to traffic what it should; returns the "during fault" cell.
fn check_during(
    a: &Node,
    b: &Node,
    fault: &Fault,
    (t_apply, t_apply_unix): (Instant, f64),
    t_clear: Instant,
    problems: &mut Vec<String>,
) -> String {
    let window = |n: &Node| -> Vec<Stamped> {
        n.since(t_apply)
            .into_iter()
            .filter(|s| s.at <= t_clear)
            .collect()
    };
    let (wa, wb) = (window(a), window(b));
    let received = |w: &[Stamped]| {
        let first = w.first().map_or(0, |s| s.status.datagrams_down);
        w.last().map_or(0, |s| s.status.datagrams_down) - first
    };
    // Whether a node received anything after the in-flight grace (per its last-receive time).
    let heard = |w: &[Stamped]| {
        w.iter()
            .filter_map(|s| s.status.last_receive)
            .any(|rx| rx > t_apply_unix + IN_FLIGHT.as_secs_f64())
    };
    match fault.effect {
        Effect::Blocks { a_to_b, b_to_a } => {
            let mut cells = Vec::new();
            for (blocked, name, w, dir) in [(a_to_b, "B", &wb, "A→B"), (b_to_a, "A", &wa, "B→A")]
            {
                if !blocked {
                    continue;
                }
                if w.is_empty() {
                    problems.push(format!("{name} printed no status line during the fault"));
                } else if heard(w) {
                    problems.push(format!(
                        "fault not effective: {name} still received ({dir})"
                    ));
                }
                cells.push(format!("{dir} stopped"));
            }
            cells.join(", ")
        }
        Effect::Degrades => {
            for (name, w) in [("A", &wa), ("B", &wb)] {
                if !heard(w) {
                    problems.push(format!("{name} received nothing during a loss/dup fault"));
                }
            }
            format!("flowing: A rx +{}, B rx +{}", received(&wa), received(&wb))
        }
        Effect::Squeezes => {
            // A's send attempts: accepted, plus refused with ENOBUFS (pressure; only reported
            // with IP_RECVERR, otherwise the qdisc drops them silently after "success").
            let attempts = |s: &Stamped| {
                s.status.datagrams_up + s.status.send_errors.get("pressure").copied().unwrap_or(0)
            };
            let sent = wa
                .first()
                .zip(wa.last())
                .map_or(0, |(f, l)| attempts(l) - attempts(f));
            let got = received(&wb);
            if got * 2 > sent {
                problems.push(format!(
                    "fault not effective: B received {got} of A's {sent}"
                ));
            }
            format!("A send attempts +{sent}, B rx +{got}")
        }
    }
}

/// After the network switch: A lists B and B lists A at its new address, within the limit.
fn verify_switch(a: &Node, b: &Node, t_cleared: Instant, problems: &mut Vec<String>) -> String {
    let peer_b = format!("{ADDR_B}:{NODE_PORT}");
    let peer_a2 = format!("{ADDR_A2}:{NODE_PORT}");
    let left = SWITCH_LIMIT.saturating_sub(t_cleared.elapsed());
    if wait_until(left, || knows(a, &peer_b) && knows(b, &peer_a2)) {
        format!("verified peers again after {}", secs(t_cleared.elapsed()))
    } else {
        problems.push(format!(
            "not verified peers again within {SWITCH_LIMIT:?} (A knows B: {}, B knows A at {peer_a2}: {})",
            knows(a, &peer_b),
            knows(b, &peer_a2)
        ));
        "not verified again".to_owned()
    }
}

/// Writes A's and B's status lines since `since` to `target/fault-matrix-evidence/`.
fn save_evidence(a: &Node, b: &Node, fault: &Fault, index: usize, since: Instant) -> PathBuf {
    let dir = report::output_path().with_file_name("fault-matrix-evidence");
    let _ = fs::create_dir_all(&dir);
    let slug: String = fault
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let path = dir.join(format!("{:02}-{slug}.jsonl", index + 1));
    let header = format!(
        "# {}: status lines of A and B from just before the fault\n",
        fault.name
    );
    write_lines(&path, &header, &[a, b], since);
    path
}

/// Writes `header` and then the status lines of `nodes` read since `since`, one JSON object
/// per line: `{"node", "t" (seconds since `since`), "line"}`.
fn write_lines(path: &Path, header: &str, nodes: &[&Node], since: Instant) {
    let mut out = format!("# written at Unix {:.3}\n{header}", unix_now());
    for node in nodes {
        for s in node.since(since) {
            let t = s.at.duration_since(since).as_secs_f64();
            let _ = writeln!(
                out,
                "{{\"node\":\"{}\",\"t\":{t:.3},\"line\":{}}}",
                node.name, s.raw
            );
        }
    }
    if let Err(e) = fs::write(path, out) {
        eprintln!("cannot write {}: {e}", path.display());
    }
}
