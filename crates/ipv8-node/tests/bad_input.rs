//! Bad config files and flags: each case makes `ipv8` exit with code 2 and one stderr line that
//! names the offending key (dotted path) or flag. No case may start a node: every run uses
//! `--no-default-bootstrap --no-beacon --no-rest` and a throw-away data dir, and is killed (and
//! failed) if it is still running after 20 s.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Outcome {
    code: Option<i32>,
    stderr: String,
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ipv8-bad-input-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ipv8(args: &[&str]) -> Outcome {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ipv8"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running ipv8");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ipv8 {args:?} kept running: the bad input was accepted");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("output");
    Outcome {
        code: output.status.code(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `ipv8 run` with safe flags plus `extra`.
fn run(name: &str, extra: &[&str]) -> Outcome {
    let dir = temp_dir(name);
    let dir = dir.to_str().unwrap().to_owned();
    let mut args = vec![
        "run",
        "--no-default-bootstrap",
        "--no-beacon",
        "--no-rest",
        "--data-dir",
        &dir,
    ];
    args.extend_from_slice(extra);
    ipv8(&args)
}

/// `ipv8 run --config FILE` with `toml` as the file.
fn run_config(name: &str, toml: &str) -> Outcome {
    let dir = temp_dir(&format!("{name}-cfg"));
    let file = dir.join("node.toml");
    std::fs::write(&file, toml).unwrap();
    run(name, &["--config", file.to_str().unwrap()])
}

#[track_caller]
fn assert_bad(outcome: &Outcome, needles: &[&str]) {
    assert_eq!(
        outcome.code,
        Some(2),
        "exit code 2 expected; stderr: {}",
        outcome.stderr
    );
    for needle in needles {
        assert!(
            outcome.stderr.contains(needle),
            "stderr should mention {needle:?}: {}",
            outcome.stderr
        );
    }
    assert!(!outcome.stderr.contains("panicked"), "{}", outcome.stderr);
}

const PLAIN: &str =
    "[[overlays]]\nclass = \"Community\"\nid = \"6decb1e10678b4819a774153cc0bc785384923ec\"\n";

#[test]
fn config_unknown_keys() {
    assert_bad(
        &run_config("unknown-top", "walker_intervall = 0.5\n"),
        &["walker_intervall", "unknown field", "line 1"],
    );
    let nested = format!("{PLAIN}[[overlays.walkers]]\nstrategy = \"RandomWalk\"\nbogus = 1\n");
    assert_bad(
        &run_config("unknown-nested", &nested),
        &["overlays[0].walkers[0].bogus", "line 6"],
    );
    let init = format!(
        "{PLAIN}[[overlays.walkers]]\nstrategy = \"RandomWalk\"\ninit = {{ timeout = 3.0, windowsize = 2 }}\n"
    );
    assert_bad(
        &run_config("unknown-init", &init),
        &["overlays[0].walkers[0].init.windowsize", "unknown field"],
    );
    assert_bad(
        &run_config(
            "anonymize",
            "[[overlays]]\nclass = \"DiscoveryCommunity\"\ninitialize = { anonymize = true }\n",
        ),
        &["overlays[0].initialize.anonymize"],
    );
}

#[test]
fn config_wrong_types() {
    assert_bad(
        &run_config("type-interval", "walker_interval = \"fast\"\n"),
        &["walker_interval", "invalid type", "seconds"],
    );
    let two = format!(
        "[[overlays]]\nclass = \"DiscoveryCommunity\"\n{PLAIN}[[overlays.walkers]]\nstrategy = \"RandomWalk\"\npeers = \"many\"\n"
    );
    assert_bad(
        &run_config("type-peers", &two),
        &[
            "overlays[1].walkers[0].peers",
            "invalid type",
            "peer target",
        ],
    );
    assert_bad(
        &run_config("type-stats", "statistics = 1\n"),
        &["statistics", "invalid type"],
    );
    assert_bad(
        &run_config("toml-syntax", "walker_interval = \n"),
        &["config file", "line 1"],
    );
}

#[test]
fn config_bad_values() {
    let port = "[[interfaces]]\ninterface = \"UDPIPv4\"\nport = 70000\n";
    assert_bad(
        &run_config("port", port),
        &["interfaces[0].port", "70000", "0-65535"],
    );
    assert_bad(
        &run_config("rest-port", "[rest]\nport = -1\n"),
        &["rest.port", "-1"],
    );
    assert_bad(
        &run_config("iface", "[[interfaces]]\ninterface = \"UDPIPv5\"\n"),
        &["interfaces[0].interface", "UDPIPv4"],
    );
    assert_bad(
        &run_config(
            "iface-ip",
            "[[interfaces]]\ninterface = \"UDPIPv4\"\nip = \"::\"\n",
        ),
        &["interfaces[0].ip"],
    );
    assert_bad(
        &run_config("interval", "walker_interval = -1.0\n"),
        &["walker_interval", "positive"],
    );
    assert_bad(
        &run_config("interval0", "walker_interval = 0\n"),
        &["walker_interval"],
    );
    assert_bad(
        &run_config("hex", "[[overlays]]\nclass = \"Community\"\nid = \"zz\"\n"),
        &["overlays[0].id", "not a hex digit", "40 hex digits"],
    );
    assert_bad(
        &run_config(
            "hex-len",
            "[[overlays]]\nclass = \"Community\"\nid = \"abcd\"\n",
        ),
        &["overlays[0].id", "4 hex digits"],
    );
    assert_bad(
        &run_config("no-id", "[[overlays]]\nclass = \"Community\"\n"),
        &["overlays[0].id", "missing"],
    );
    assert_bad(
        &run_config("class", "[[overlays]]\nclass = \"HiddenTunnelCommunity\"\n"),
        &["overlays[0].class", "not implemented"],
    );
    assert_bad(
        &run_config(
            "dup",
            "[[overlays]]\nclass = \"DiscoveryCommunity\"\n[[overlays]]\nclass = \"DiscoveryCommunity\"\n",
        ),
        &["overlays[1].id", "already configured"],
    );
    let strategy = format!("{PLAIN}[[overlays.walkers]]\nstrategy = \"RandomChurn\"\n");
    assert_bad(
        &run_config("churn-plain", &strategy),
        &["overlays[0].walkers[0].strategy", "DiscoveryCommunity"],
    );
    let unknown = format!("{PLAIN}[[overlays.walkers]]\nstrategy = \"Teleport\"\n");
    assert_bad(
        &run_config("strategy", &unknown),
        &["overlays[0].walkers[0].strategy", "Teleport", "RandomWalk"],
    );
    let timeout = format!(
        "{PLAIN}[[overlays.walkers]]\nstrategy = \"RandomWalk\"\ninit = {{ timeout = -3 }}\n"
    );
    assert_bad(
        &run_config("timeout", &timeout),
        &["overlays[0].walkers[0].init.timeout"],
    );
    let boot = format!(
        "{PLAIN}[[overlays.bootstrappers]]\nclass = \"DispersyBootstrapper\"\ninit = {{ ip_addresses = [\"1.2.3.4\"] }}\n"
    );
    assert_bad(
        &run_config("boot-ip", &boot),
        &[
            "overlays[0].bootstrappers[0].init.ip_addresses[0]",
            "ip:port",
        ],
    );
    let dns = format!(
        "{PLAIN}[[overlays.bootstrappers]]\nclass = \"DispersyBootstrapper\"\ninit = {{ dns_addresses = [\"tracker.example:0\"] }}\n"
    );
    assert_bad(
        &run_config("boot-dns", &dns),
        &["overlays[0].bootstrappers[0].init.dns_addresses[0]"],
    );
    let boot_class = format!("{PLAIN}[[overlays.bootstrappers]]\nclass = \"Carrier\"\n");
    assert_bad(
        &run_config("boot-class", &boot_class),
        &["overlays[0].bootstrappers[0].class"],
    );
    let alias = format!("{PLAIN}key = \"nobody\"\n");
    assert_bad(&run_config("alias", &alias), &["overlays[0].key", "nobody"]);
    assert_bad(
        &run_config("gen", "[[keys]]\nalias = \"a\"\ngeneration = \"ultra\"\n"),
        &["keys[0].generation", "curve25519"],
    );
    assert_bad(
        &run_config("bin", "[[keys]]\nalias = \"a\"\nbin = \"!!\"\n"),
        &["keys[0].bin", "base64"],
    );
    assert_bad(
        &run_config("level", "[logger]\nlevel = \"LOUD\"\n"),
        &["logger.level", "WARNING"],
    );
    assert_bad(&run_config("max-peers", "max_peers = -2\n"), &["max_peers"]);
    let missing = temp_dir("missing").join("none.toml");
    assert_bad(
        &run("missing", &["--config", missing.to_str().unwrap()]),
        &["--config", "cannot read"],
    );
}

#[test]
fn bad_flags() {
    assert_bad(&run("f-port", &["--port", "70000"]), &["--port"]);
    assert_bad(&run("f-rest", &["--rest-port", "x"]), &["--rest-port"]);
    assert_bad(
        &run("f-bind", &["--bind", "localhost"]),
        &["--bind", "IP address"],
    );
    assert_bad(
        &run("f-boot", &["--bootstrap", "1.2.3.4"]),
        &["--bootstrap", "ip:port"],
    );
    assert_bad(
        &run("f-boot0", &["--bootstrap", "1.2.3.4:0"]),
        &["--bootstrap", "port 0"],
    );
    assert_bad(
        &run("f-comm", &["--community", "abcd"]),
        &["--community", "4 hex digits", "expected 40 hex digits"],
    );
    assert_bad(
        &run("f-comm-hex", &["--community", "x".repeat(40).as_str()]),
        &["--community", "not a hex digit"],
    );
    // One explanation, in our words: no hex-crate text, no nested parentheses.
    let odd = run("f-comm-odd", &["--community", "xyz"]);
    assert_bad(
        &odd,
        &["--community", "'x' at position 0, which is not a hex digit"],
    );
    assert!(
        !odd.stderr.contains("Odd number") && !odd.stderr.contains("(a 20-byte"),
        "{}",
        odd.stderr
    );
    assert_bad(
        &run(
            "f-comm-dup",
            &["--community", "7e313685c1912a141279f8248fc8db5899c5df5a"],
        ),
        &["--community", "already configured"],
    );
    assert_bad(
        &run("f-walk", &["--walk-interval", "-1"]),
        &["--walk-interval", "positive"],
    );
    assert_bad(
        &run("f-walk0", &["--walk-interval", "0"]),
        &["--walk-interval"],
    );
    assert_bad(
        &run("f-walk-nan", &["--walk-interval", "soon"]),
        &["--walk-interval", "not a number"],
    );
    assert_bad(
        &run("f-level", &["--log-level", "LOUD"]),
        &["--log-level", "WARNING"],
    );
    assert_bad(
        &run("f-conflict", &["--rest-port", "1", "--no-rest"]),
        &["--no-rest"],
    );
    assert_bad(&ipv8(&["swarm", "--nodes", "0"]), &["--nodes"]);
    assert_bad(&ipv8(&["tracker", "--port", "-5"]), &["--port"]);
    assert_bad(&run("f-port-neg", &["--port", "-1"]), &["--port"]);
}

#[test]
fn unusable_key_files() {
    let dir = temp_dir("keys");
    let garbage = dir.join("garbage.pem");
    std::fs::write(&garbage, b"not a key").unwrap();
    assert_bad(
        &run("k-garbage", &["--key-file", garbage.to_str().unwrap()]),
        &["--key-file", "garbage.pem", "private key"],
    );
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, b"").unwrap();
    assert_bad(
        &run("k-empty", &["--key-file", empty.to_str().unwrap()]),
        &["--key-file"],
    );
    // A directory cannot be read as a key file.
    assert_bad(
        &run("k-dir", &["--key-file", dir.to_str().unwrap()]),
        &["--key-file"],
    );
    let in_config = format!(
        "[[keys]]\nalias = \"a\"\nfile = \"{}\"\n",
        garbage.display()
    );
    assert_bad(
        &run_config("k-config", &in_config),
        &["keys[0].file", "garbage.pem"],
    );
    assert_bad(
        &ipv8(&[
            "tracker",
            "--port",
            "0",
            "--key-file",
            garbage.to_str().unwrap(),
        ]),
        &["--key-file"],
    );
}

#[test]
fn status_without_a_node_is_a_failure_not_bad_input() {
    // Bind and drop a listener to get a port with (almost certainly) nobody behind it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let outcome = ipv8(&["status", "--rest-port", &port.to_string()]);
    assert_eq!(outcome.code, Some(1), "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("no REST API at 127.0.0.1"),
        "{}",
        outcome.stderr
    );
}

/// `ipv8 run` with REST on (an OS-picked port) plus `extra`.
fn run_rest(name: &str, extra: &[&str]) -> Outcome {
    let dir = temp_dir(name);
    let dir = dir.to_str().unwrap().to_owned();
    let mut args = vec![
        "run",
        "--no-default-bootstrap",
        "--no-beacon",
        "--rest-port",
        "0",
        "--port",
        "0",
        "--data-dir",
        &dir,
    ];
    args.extend_from_slice(extra);
    ipv8(&args)
}

#[test]
fn rest_open_to_other_hosts_needs_an_api_key() {
    assert_bad(
        &run_rest("rest-any", &["--rest-host", "0.0.0.0"]),
        &["--rest-host", "without an API key", "--api-key"],
    );
    assert_bad(
        &run_rest("rest-any6", &["--rest-host", "::"]),
        &["--rest-host", "without an API key"],
    );
    let dir = temp_dir("rest-cfg-files");
    let file = dir.join("node.toml");
    std::fs::write(&file, "[rest]\nhost = \"0.0.0.0\"\n").unwrap();
    assert_bad(
        &run_rest("rest-any-cfg", &["--config", file.to_str().unwrap()]),
        &["rest.host", "without an API key"],
    );
    assert_bad(
        &run_rest("rest-key-space", &["--api-key", "a b"]),
        &["--api-key", "visible ASCII"],
    );
    std::fs::write(&file, "[rest]\napi_key = \"\"\n").unwrap();
    assert_bad(
        &run_rest("rest-key-empty", &["--config", file.to_str().unwrap()]),
        &["rest.api_key", "visible ASCII"],
    );
    assert_bad(
        &run_rest("rest-host-bad", &["--rest-host", "localhost:1"]),
        &["--rest-host"],
    );
}
