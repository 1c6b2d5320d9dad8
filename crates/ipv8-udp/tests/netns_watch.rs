//! `NetWatcher` against real OS notifications, in a network namespace this test creates
//! (Linux, root, iproute2). The test re-runs itself inside the namespace (`ip netns exec`), adds
//! and removes an address on its loopback interface, and expects the Up and Down events from
//! rtnetlink, long before the (one hour) periodic resync could report them. No traffic is sent.
//! Needs root, so it is `#[ignore]`d for plain `cargo test`; `bash scripts/test-all.sh` runs it.

#![cfg(target_os = "linux")]

use std::process::Command;
use std::time::Duration;

use ipv8_udp::{IfNet, NetEvent, NetWatcher};

const CHILD_ENV: &str = "IPV8_UDP_NETNS_CHILD";
const TEST_NAME: &str = "watcher_reports_address_changes_in_a_namespace";

/// Runs `ip args...`, panicking with its output on failure.
fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().unwrap_or_else(|e| {
        panic!("this test needs iproute2's `ip` (Linux, root); running it failed: {e}")
    });
    assert!(
        out.status.success(),
        "`ip {}` failed (this test needs root for network namespaces): {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Deletes the namespace even when the test fails.
struct Namespace(String);

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

#[test]
#[ignore = "needs root and network namespaces"]
fn watcher_reports_address_changes_in_a_namespace() {
    if std::env::var_os(CHILD_ENV).is_some() {
        child();
        return;
    }
    let name = format!("ipv8udp-watch-{}", std::process::id());
    ip(&["netns", "add", &name]);
    let _guard = Namespace(name.clone());
    let exe = std::env::current_exe().expect("path of this test binary");
    let out = Command::new("ip")
        .args(["netns", "exec", &name])
        .arg(exe)
        .args([
            "--exact",
            TEST_NAME,
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .output()
        .expect("run the test again inside the namespace");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child in namespace {name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Inside the fresh namespace: only `lo` (down) exists.
fn child() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        ip(&["link", "set", "lo", "up"]);
        let mut watcher = NetWatcher::new(Duration::from_secs(3600));
        assert!(
            watcher.os_source_active(),
            "rtnetlink notifications did not start"
        );
        let net = IfNet {
            ip: [198, 51, 100, 7].into(),
            prefix_len: 24,
        };
        assert!(!watcher.known().any(|n| *n == net));

        ip(&["addr", "add", "198.51.100.7/24", "dev", "lo"]);
        assert_eq!(next(&mut watcher).await, NetEvent::Up(net));
        assert!(watcher.known().any(|n| *n == net));

        ip(&["addr", "del", "198.51.100.7/24", "dev", "lo"]);
        assert_eq!(next(&mut watcher).await, NetEvent::Down(net));
        assert!(!watcher.known().any(|n| *n == net));
    });
}

/// The next IPv4 event (bringing `lo` up may also announce `::1`).
async fn next(watcher: &mut NetWatcher) -> NetEvent {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), watcher.next_event())
            .await
            .expect("no address event within 10 s");
        let (NetEvent::Up(net) | NetEvent::Down(net)) = event;
        if !net.ip.is_ipv6() {
            return event;
        }
    }
}
