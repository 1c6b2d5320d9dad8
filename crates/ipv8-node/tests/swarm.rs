//! `ipv8 swarm` (all on 127.0.0.1, one process): the acceptance scenario of the issue, 50 nodes
//! for 30 s reaching a median of at least 20 peers per node, and a short run of a plain
//! community checking the per-second lines and the summary.

use std::process::Command;

use serde_json::Value;

fn swarm(args: &[&str]) -> Vec<Value> {
    let output = Command::new(env!("CARGO_BIN_EXE_ipv8"))
        .arg("swarm")
        .args(args)
        .arg("--json")
        .output()
        .expect("run ipv8 swarm");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}: {stderr}",
        output.status.code()
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn summary(lines: &[Value]) -> &Value {
    let last = lines.last().expect("output");
    assert_eq!(last["event"], "summary", "{last}");
    last
}

#[test]
fn fifty_nodes_reach_twenty_peers_each_in_thirty_seconds() {
    let lines = swarm(&["--nodes", "50", "--seconds", "30"]);
    let s = summary(&lines);
    assert_eq!(s["receiving"], 50, "{s}");
    assert!(
        s["peers"]["median"].as_u64().unwrap() >= 20,
        "median peers per node below 20: {s}"
    );
    assert!(
        s["peers"]["min"].as_u64().unwrap() >= 1,
        "a node found nobody: {s}"
    );
    assert_eq!(
        s["errors"],
        serde_json::json!({}),
        "socket errors on loopback: {s}"
    );
}

#[test]
fn plain_community_swarm_prints_a_line_per_second() {
    let id = "6decb1e10678b4819a774153cc0bc785384923ec";
    let lines = swarm(&["--nodes", "8", "--seconds", "8", "--community", id]);
    assert_eq!(lines[0]["event"], "started");
    assert_eq!(lines[0]["community"], id);
    let ticks: Vec<&Value> = lines.iter().filter(|l| l["event"] == "tick").collect();
    assert_eq!(ticks.len(), 8);
    for (i, t) in ticks.iter().enumerate() {
        assert_eq!(t["t"], i as u64 + 1);
        let p = &t["peers"];
        assert!(
            p["min"].as_u64() <= p["median"].as_u64() && p["median"].as_u64() <= p["max"].as_u64(),
            "{t}"
        );
        assert!(
            t["datagrams_per_s"]["up"].is_u64() && t["errors"].is_object(),
            "{t}"
        );
    }
    let s = summary(&lines);
    assert!(
        s["peers"]["median"].as_u64().unwrap() >= 4,
        "8 nodes should find at least 4 peers each: {s}"
    );
    assert!(s["tracker_peers"].as_u64().is_some());
}
