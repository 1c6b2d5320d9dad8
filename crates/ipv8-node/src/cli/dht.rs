//! `ipv8 dht put KEYHEX VALUEHEX`, `ipv8 dht get KEYHEX`, `ipv8 dht peer MIDHEX`: the DHT of a
//! running node, through its REST API (`PUT /dht/values/{key}`, `GET /dht/values/{key}`,
//! `GET /dht/peers/{mid}`). Prints the REST answer as one JSON line; a refusal exits with the
//! node's error message (code 2 for bad input the node refused, 1 otherwise).

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::bad_input;
use super::status::{Target, request};

/// Where the node's REST API is.
#[derive(Debug, Args)]
pub struct RestTarget {
    /// The node's REST port.
    #[arg(long, value_name = "PORT", default_value_t = crate::config::DEFAULT_REST_PORT)]
    pub rest_port: u16,
    /// The node's REST address.
    #[arg(long, value_name = "IP", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST), value_parser = super::run::parse_rest_host)]
    pub rest_host: IpAddr,
    /// The node's API key (sent as X-Api-Key).
    #[arg(long, value_name = "KEY", value_parser = super::run::parse_api_key)]
    pub api_key: Option<String>,
}

/// `ipv8 dht ...`.
#[derive(Debug, Subcommand)]
pub enum DhtCommand {
    /// Store a value (signed with the node's key) under a key.
    Put {
        /// The key: 40 hex digits.
        #[arg(value_parser = parse_id)]
        key: String,
        /// The value, hex.
        #[arg(value_parser = parse_hex)]
        value: String,
        #[command(flatten)]
        target: RestTarget,
    },
    /// Look up the values of a key.
    Get {
        /// The key: 40 hex digits.
        #[arg(value_parser = parse_id)]
        key: String,
        #[command(flatten)]
        target: RestTarget,
    },
    /// Find a peer's address by member id.
    Peer {
        /// The member id: 40 hex digits.
        #[arg(value_parser = parse_id)]
        mid: String,
        #[command(flatten)]
        target: RestTarget,
    },
}

/// 40 hex digits.
fn parse_id(text: &str) -> Result<String, String> {
    match hex::decode(text) {
        Ok(bytes) if bytes.len() == 20 => Ok(text.to_ascii_lowercase()),
        _ => Err(format!("expected 40 hex digits (20 bytes), got {text:?}")),
    }
}

/// Any number of hex digit pairs.
fn parse_hex(text: &str) -> Result<String, String> {
    hex::decode(text)
        .map(|_| text.to_ascii_lowercase())
        .map_err(|_| format!("expected hex digits, got {text:?}"))
}

/// Runs an `ipv8 dht` command.
///
/// # Errors
/// The node cannot be reached, or it refused the request.
pub fn run(command: DhtCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    let (method, path, body, t) = match command {
        DhtCommand::Put { key, value, target } => (
            "PUT",
            format!("/dht/values/{key}"),
            Some(json!({ "value": value })),
            target,
        ),
        DhtCommand::Get { key, target } => ("GET", format!("/dht/values/{key}"), None, target),
        DhtCommand::Peer { mid, target } => ("GET", format!("/dht/peers/{mid}"), None, target),
    };
    let target = Target {
        addr: SocketAddr::new(t.rest_host, t.rest_port),
        api_key: t.api_key,
    };
    let (status, line, raw) = request(&target, method, &path, body.as_ref())?;
    let answer: Value = serde_json::from_slice(&raw)
        .with_context(|| format!("{method} {path}: {line}: body is not JSON"))?;
    if status == 200 {
        writeln!(out, "{answer}")?;
        return Ok(());
    }
    let message = answer["error"].as_str().unwrap_or(line.as_str()).to_owned();
    let message = format!("{method} {path}: {message}");
    if status == 400 {
        Err(bad_input(message))
    } else {
        Err(anyhow::anyhow!(message))
    }
}
