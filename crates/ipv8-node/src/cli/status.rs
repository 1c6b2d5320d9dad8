//! `ipv8 status`: reads a running node's REST API (`/health`, `/overlays`, `/network`,
//! `/overlays/statistics`) and prints a compact human summary, or the raw JSON with `--json`.
//!
//! The HTTP client is a few lines over `std::net::TcpStream`: an HTTP/1.0 `GET` makes the server
//! answer with a plain body and close the connection, so no client crate is needed.

use std::io::{Read as _, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use serde_json::{Value, json};

/// Flags of `ipv8 status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The node's REST port.
    #[arg(long, value_name = "PORT", default_value_t = crate::config::DEFAULT_REST_PORT)]
    pub rest_port: u16,
    /// The node's REST address.
    #[arg(long, value_name = "IP", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST), value_parser = super::run::parse_rest_host)]
    pub rest_host: IpAddr,
    /// The node's API key (sent as X-Api-Key).
    #[arg(long, value_name = "KEY", value_parser = super::run::parse_api_key)]
    pub api_key: Option<String>,
    /// Print `{"health", "overlays", "network", "statistics"}` (the raw REST bodies) on one line.
    #[arg(long)]
    pub json: bool,
}

/// Where the node's REST API is.
#[derive(Debug, Clone)]
pub struct Target {
    /// Its address.
    pub addr: SocketAddr,
    /// Its API key.
    pub api_key: Option<String>,
}

/// Largest response accepted.
const MAX_RESPONSE: u64 = 16 << 20;

/// `GET path` on the node, parsed as JSON.
///
/// # Errors
/// No server, a non-200 status or a body that is not JSON.
pub fn get_json(target: &Target, path: &str) -> anyhow::Result<Value> {
    let (status, line, body) = request(target, "GET", path, None)?;
    match status {
        200 => {}
        401 => anyhow::bail!(
            "GET {path}: {line}: the node wants an API key (--api-key KEY), or this one is wrong"
        ),
        _ => anyhow::bail!("GET {path}: {line}"),
    }
    serde_json::from_slice(&body).with_context(|| format!("GET {path}: body is not JSON"))
}

/// `method path` with an optional JSON body on the node: the status code, the status line and
/// the body. HTTP/1.0, so the server answers with a plain body and closes the connection.
///
/// # Errors
/// No server or a malformed response.
pub fn request(
    target: &Target,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> anyhow::Result<(u16, String, Vec<u8>)> {
    let addr = target.addr;
    let timeout = Duration::from_secs(30);
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).with_context(|| {
            format!(
                "no REST API at {addr} (is `ipv8 run` running with REST on port {}?)",
                addr.port()
            )
        })?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let key = target
        .api_key
        .as_ref()
        .map(|k| format!("X-Api-Key: {k}\r\n"))
        .unwrap_or_default();
    let body = body.map(Value::to_string).unwrap_or_default();
    let content = if body.is_empty() {
        String::new()
    } else {
        format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        )
    };
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nAccept: application/json\r\n{key}{content}\r\n{body}"
    )?;
    let mut raw = Vec::new();
    stream
        .take(MAX_RESPONSE)
        .read_to_end(&mut raw)
        .with_context(|| format!("reading {method} {path} from {addr}"))?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .with_context(|| format!("{method} {path}: malformed HTTP response"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let line = head.lines().next().unwrap_or_default().to_owned();
    let code = line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .with_context(|| format!("{method} {path}: malformed status line {line:?}"))?;
    Ok((code, line, raw[split + 4..].to_vec()))
}

/// Runs `ipv8 status`.
///
/// # Errors
/// The node cannot be reached.
pub fn run(args: &StatusArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let target = Target {
        addr: SocketAddr::new(args.rest_host, args.rest_port),
        api_key: args.api_key.clone(),
    };
    let health = get_json(&target, "/health")?;
    let overlays = get_json(&target, "/overlays")?;
    let network = get_json(&target, "/network")?;
    let statistics = get_json(&target, "/overlays/statistics")?;
    if args.json {
        writeln!(
            out,
            "{}",
            json!({ "health": health, "overlays": overlays, "network": network, "statistics": statistics })
        )?;
    } else {
        summary(out, &health, &overlays, &network)?;
        messages(out, &statistics)?;
    }
    Ok(())
}

/// One line per overlay with statistics: message totals and the busiest messages.
fn messages(out: &mut dyn Write, statistics: &Value) -> anyhow::Result<()> {
    for entry in statistics["statistics"].as_array().into_iter().flatten() {
        for (overlay, per_message) in entry.as_object().into_iter().flatten() {
            let mut rows: Vec<(&String, f64, f64)> = per_message
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, s)| (name, num(&s["num_up"]), num(&s["num_down"])))
                .collect();
            if rows.is_empty() {
                continue;
            }
            rows.sort_by(|a, b| (b.1 + b.2).total_cmp(&(a.1 + a.2)));
            let (up, down) = rows.iter().fold((0.0, 0.0), |(u, d), r| (u + r.1, d + r.2));
            let top: Vec<String> = rows
                .iter()
                .take(3)
                .map(|(name, u, d)| format!("{name} {u}/{d}"))
                .collect();
            writeln!(
                out,
                "messages {overlay}: {up} up, {down} down; busiest (up/down): {}",
                top.join(", ")
            )?;
        }
    }
    Ok(())
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

fn counts(v: &Value) -> String {
    let parts: Vec<String> = v
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, n)| num(n) > 0.0)
                .map(|(k, n)| format!("{k} {n}"))
                .collect()
        })
        .unwrap_or_default();
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

/// Messages the overlays counted (`GET /overlays` statistics), and why that is not the
/// datagram count of the traffic line.
fn overlay_messages(out: &mut dyn Write, overlays: &Value) -> anyhow::Result<()> {
    let (mut up, mut down) = (0.0, 0.0);
    for o in overlays["overlays"].as_array().into_iter().flatten() {
        up += num(&o["statistics"]["num_up"]);
        down += num(&o["statistics"]["num_down"]);
    }
    writeln!(
        out,
        "overlay messages: {up} up, {down} down (from both sockets; LAN beacons and datagrams \
         dropped before reaching an overlay are not messages)"
    )?;
    Ok(())
}

/// The LAN beacon on a line of its own: its send errors are not the node's.
fn beacon(out: &mut dyn Write, beacon: &Value) -> anyhow::Result<()> {
    let sweeps = num(&beacon["sweeps"]);
    if sweeps == 0.0 {
        writeln!(
            out,
            "beacon: no sweep sent (off with --no-beacon, or not due yet)"
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "beacon: {sweeps} sweep(s), {} datagrams sent, {} received on its socket, {} LAN beacons \
         heard; send errors {}",
        beacon["datagrams_up"],
        beacon["datagrams_down"],
        beacon["lan_beacons_received"],
        counts(&beacon["send_errors"]),
    )?;
    writeln!(
        out,
        "  (py-ipv8's LAN beacon: one datagram to every port of 255.255.255.255 per sweep; \
         errors there, often pressure, say nothing about the node's own sockets; \
         --no-beacon turns it off)"
    )?;
    Ok(())
}

/// The human summary.
fn summary(
    out: &mut dyn Write,
    health: &Value,
    overlays: &Value,
    network: &Value,
) -> anyhow::Result<()> {
    let bound: Vec<&str> = health["bound"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let state = if health["receiving"].as_bool() == Some(true) {
        "receiving"
    } else {
        "NOT receiving"
    };
    let last = match health["last_receive_age"].as_f64() {
        Some(age) => format!("last datagram {age:.1} s ago"),
        None => "nothing received yet".to_owned(),
    };
    writeln!(
        out,
        "node: {state} on {} (uptime {:.0} s, {last})",
        bound.join(", "),
        num(&health["uptime"])
    )?;
    let peers = network["peers"].as_object().map_or(0, serde_json::Map::len);
    writeln!(out, "peers: {peers} verified")?;
    for o in overlays["overlays"].as_array().into_iter().flatten() {
        let target = o["strategies"]
            .as_array()
            .and_then(|s| s.first())
            .map_or(-1.0, |s| num(&s["target_peers"]));
        let boot = &health["bootstrap"][o["overlay_name"].as_str().unwrap_or_default()];
        let boot = match boot["state"].as_str() {
            Some("waiting") => format!(
                "bootstrap waiting ({} unanswered rounds)",
                num(&boot["attempts"])
            ),
            Some(state) => format!("bootstrap {state}"),
            None => String::new(),
        };
        writeln!(
            out,
            "  {} {}: {} peers (target {target}, max {}), {boot}",
            o["overlay_name"].as_str().unwrap_or("?"),
            o["id"].as_str().unwrap_or("?"),
            o["peers"].as_array().map_or(0, Vec::len),
            o["max_peers"],
        )?;
    }
    let t = &health["traffic"];
    writeln!(
        out,
        "traffic: {} datagrams up ({} bytes), {} down ({} bytes) on the main sockets",
        t["datagrams_up"], t["bytes_up"], t["datagrams_down"], t["bytes_down"]
    )?;
    overlay_messages(out, overlays)?;
    writeln!(
        out,
        "errors: receive {}; send {}",
        counts(&health["errors"]["receive"]),
        counts(&health["errors"]["send"]),
    )?;
    beacon(out, &health["beacon"])?;
    writeln!(out, "drops: {}", counts(&health["drops"]))?;
    let last = match health["last_rebind"]["reason"].as_str() {
        Some(reason) => format!(
            ", last: {reason}{}",
            if health["last_rebind"]["succeeded"] == false {
                " (failed)"
            } else {
                ""
            }
        ),
        None => String::new(),
    };
    writeln!(
        out,
        "rebinds: {} ({} failed{last})",
        health["rebinds"], health["rebind_failures"]
    )?;
    let w = &health["watchdog"];
    let watchdog = if w["enabled"] == false {
        "off".to_owned()
    } else if w["expecting_traffic"] == true {
        format!(
            "watching: silent {:.0} s of {:.0} s allowed",
            num(&w["silent_for"]),
            num(&w["silence_timeout"])
        )
    } else {
        "idle (no peers, nothing sent)".to_owned()
    };
    writeln!(out, "watchdog: {watchdog}")?;
    Ok(())
}
