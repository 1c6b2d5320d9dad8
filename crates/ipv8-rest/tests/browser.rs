//! The dashboard in a real browser: a tracker and three nodes on 127.0.0.1 (the third joins
//! later, so the chart rises in steps), node A's REST API on a real socket, and headless
//! Chromium (Debian's `chromium`, driven by Node's `playwright-core` through
//! `tests/browser/dashboard.mjs`) opening `/`. It must see "receiving", the peer chart, the
//! message and peer tables and the event log filled; then node A's driver is stopped and the
//! page must turn to a red "deaf since …". The console must stay clean (any console error or
//! warning, uncaught exception or failed request fails the test). The screenshots are the
//! test's artifacts: `target/tmp/dashboard.png` and `target/tmp/dashboard-deaf.png`.
//!
//! Needs `/usr/bin/chromium` and `npm ci --prefix crates/ipv8-rest/tests/browser`
//! (`scripts/test-all.sh` does both), hence `#[ignore]`:
//! `cargo test -p ipv8-rest --test browser -- --ignored`.

mod support;

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use ipv8_rest::history::HistoryConfig;
use ipv8_rest::{ApiKey, RestState, router};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and the npm packages of tests/browser (scripts/test-all.sh installs both)"]
async fn dashboard_fills_in_headless_chromium() {
    let browser_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        browser_dir.join("node_modules/playwright-core").is_dir(),
        "run `npm ci --prefix {}` first",
        browser_dir.display()
    );
    let (tracker, tracker_addr) = tracker(600).await;
    let a = node(tracker_addr, 601, true);
    let b = node(tracker_addr, 602, true);
    let history = HistoryConfig {
        interval: Duration::from_secs(1),
        capacity: 1800,
    };
    let state = RestState::with_config(a.handle().clone(), ApiKey(None), history);
    let listener = ipv8_rest::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let rest = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(ipv8_rest::serve(listener, router(state.clone()), async {
        let _ = stopped.await;
    }));
    connected(&[&a, &b]).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let c = node(tracker_addr, 603, true);
    tokio::time::sleep(Duration::from_secs(5)).await;

    let screenshot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard.png");
    let deaf_shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard-deaf.png");
    let _ = std::fs::remove_file(&screenshot);
    let mut child = Command::new("node")
        .arg(browser_dir.join("dashboard.mjs"))
        .arg(format!("http://{rest}/"))
        .arg(&screenshot)
        .arg(&deaf_shot)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::task::spawn_blocking(move || {
        let line = lines.next().and_then(Result::ok);
        (line, lines)
    });
    let (first, mut lines) = first.await.unwrap();
    let Some(first) = first else {
        let output = child.wait_with_output().unwrap();
        panic!(
            "dashboard check failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let seen: serde_json::Value = serde_json::from_str(&first).expect("one JSON line");
    println!("dashboard: {seen}; screenshot {}", screenshot.display());
    assert_eq!(seen["health"], "receiving");
    assert!(
        seen["series"].as_u64().unwrap() >= 2,
        "one line per community: {seen}"
    );
    assert!(
        seen["max"].as_f64().unwrap() >= 2.0,
        "B and C in the chart: {seen}"
    );
    assert!(
        seen["stats"].as_u64().unwrap() >= 2 && seen["peers"].as_u64().unwrap() >= 2,
        "{seen}"
    );
    assert!(
        seen["events"].as_u64().unwrap() >= 2,
        "peer_added events replayed: {seen}"
    );

    // Stop A's driver: its last snapshot says it no longer receives.
    a.shutdown().await.expect("clean stop");
    writeln!(stdin, "deaf").unwrap();
    drop(stdin);
    let second = tokio::task::spawn_blocking(move || lines.next().and_then(Result::ok))
        .await
        .unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "dashboard check failed:\n{stderr}");
    let deaf: serde_json::Value =
        serde_json::from_str(second.as_deref().unwrap_or("")).expect("second JSON line");
    println!("after the driver stopped: {deaf}");
    assert!(deaf["health"].as_str().unwrap().starts_with("deaf since"));
    let png = std::fs::read(&screenshot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a real screenshot"
    );

    state.close();
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    for n in [b, c, tracker] {
        n.shutdown().await.expect("clean stop");
    }
}
