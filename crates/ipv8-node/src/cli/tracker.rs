//! `ipv8 tracker`: a bootstrap/rendezvous server for any community, compatible with py-ipv8
//! clients (the node's tracker mode, porting py-ipv8's `scripts/tracker_service.py`: answers
//! introduction requests on any prefix by introducing another peer of the same community).

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Args;
use ipv8::proto::{KeyIdentity, Mid, NodeConfig};
use ipv8::{BeaconConfig, DriverConfig, Ipv8Builder};
use ipv8_crypto::{LegacyCurve, PrivateKey};
use ipv8_udp::BindConfig;

use super::run::{parse_ip, parse_level};
use crate::config::{KeySource, KeySpec, KeyType, LogLevel};
use crate::node::observe::NodeFacts;
use crate::node::serve::{RestOptions, ServeOptions, serve};
use crate::node::{Shutdown, identity, logging, runtime};

/// Flags of `ipv8 tracker`.
#[derive(Debug, Args)]
pub struct TrackerArgs {
    /// UDP port to serve on (no fallback to another port: clients are told this one).
    #[arg(
        long,
        value_name = "PORT",
        default_value_t = 8090,
        allow_negative_numbers = true
    )]
    pub port: u16,
    /// Local address to bind (0.0.0.0 or ::).
    #[arg(long, value_name = "IP", value_parser = parse_ip)]
    pub bind: Option<IpAddr>,
    /// Key file (default: a fresh sect163k1 key in memory, as py-ipv8's tracker uses).
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// Serve the REST API on this port of 127.0.0.1 (default: no REST).
    #[arg(long, value_name = "PORT", allow_negative_numbers = true)]
    pub rest_port: Option<u16>,
    /// DEBUG, INFO, WARNING, ERROR or CRITICAL.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level, default_value = "INFO")]
    pub log_level: LogLevel,
    /// Print one JSON status line per second on stdout.
    #[arg(long)]
    pub status_json: bool,
}

/// Runs the tracker until Ctrl-C / SIGTERM.
///
/// # Errors
/// Bad input for an unusable key file; a failure when the port cannot be bound.
pub fn run(args: &TrackerArgs) -> anyhow::Result<()> {
    logging::init(args.log_level);
    let key = match &args.key_file {
        Some(file) => {
            let spec = KeySpec {
                alias: "tracker".into(),
                source: KeySource::Generate(KeyType::VeryLow),
                file: Some(file.clone()),
            };
            let loaded = identity::load(
                &spec,
                &std::env::current_dir()?,
                "--key-file",
                "--key-file FILE (a key file of its own)",
            )?;
            // Held until the process exits: a second tracker with this key file is refused.
            if let Some(lock) = loaded.lock {
                std::mem::forget(lock);
            }
            loaded.key
        }
        None => PrivateKey::generate_legacy(LegacyCurve::Sect163k1)
            .or_else(|_| Ok::<_, anyhow::Error>(PrivateKey::generate()))?,
    };
    let mid = Mid::of(key.public_bin());
    let ip = args.bind.unwrap_or(IpAddr::from([0u8; 4]));
    let bind = BindConfig {
        ip,
        port: args.port,
        port_fallback_attempts: 0,
        ..BindConfig::v4(args.port)
    };
    let driver = DriverConfig {
        beacon: BeaconConfig::disabled(),
        ..DriverConfig::default()
    };
    let options = ServeOptions {
        rest: args.rest_port.map(|port| RestOptions {
            addr: std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, port)),
            api_key: None,
        }),
        status_json: args.status_json,
        facts: NodeFacts {
            role: "tracker",
            mid: mid.to_hex(),
            rest: None,
        },
        trackers: 0,
        dht: None,
    };
    runtime()?.block_on(async move {
        // Before anything can be printed: a SIGTERM from then on shuts down cleanly.
        let shutdown = Shutdown::install()?;
        let ipv8 = Ipv8Builder::new(NodeConfig::tracker(), KeyIdentity::new(key).into_arc())
            .bind_v4(bind)
            .driver_config(driver)
            .spawn()
            .map_err(|e| anyhow::anyhow!("binding UDP {ip} port {}: {e}", args.port))?;
        serve(ipv8, options, shutdown).await
    })
}
