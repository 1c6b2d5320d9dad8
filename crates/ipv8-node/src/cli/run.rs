//! `ipv8 run`: a long-running py-ipv8 compatible node. Settings come from the embedded default
//! (DiscoveryCommunity, py-ipv8's trackers and the LAN beacon), a TOML file (`--config`, see
//! `docs/CONFIG.md`) and flags, in that order of precedence (flags win). `--ip-recverr` is a
//! flag only: a Linux diagnostic option, not a setting.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use ipv8::proto::{KeyIdentity, Mid};
use ipv8::udp::BindConfig;
use ipv8::{BEACON_BIND, BeaconConfig, DriverConfig, Ipv8Builder};
use ipv8_dht::{DhtDiscoveryCommunity, PingChurn};
use ipv8_wire::CommunityId;

use super::bad_input;
use crate::config::{LogLevel, Overrides, Settings, validate};
use crate::node::observe::NodeFacts;
use crate::node::serve::{RestOptions, ServeOptions, serve};
use crate::node::{Shutdown, identity, logging, runtime};

/// Flags of `ipv8 run`; each overrides the config file.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// TOML config file (docs/CONFIG.md); without it the embedded default runs.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// UDP port of the IPv4 interface (py-ipv8 walks up from it when taken; 0 = OS pick).
    #[arg(long, value_name = "PORT", allow_negative_numbers = true)]
    pub port: Option<u16>,
    /// Local address to bind (0.0.0.0, ::, or a specific address of that family).
    #[arg(long, value_name = "IP", value_parser = parse_ip)]
    pub bind: Option<IpAddr>,
    /// Key file: the node's identity (created with a new curve25519 key if missing).
    ///
    /// Default: `ec_multichain.pem` in the data dir, py-ipv8's name; it holds py-ipv8's raw key
    /// bin, not PEM. One running node per key file: a second is refused.
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// An extra bootstrap tracker (repeatable).
    #[arg(long, value_name = "IP:PORT", value_parser = parse_bootstrap)]
    pub bootstrap: Vec<SocketAddr>,
    /// Join a plain community by its 20-byte id (repeatable).
    #[arg(long, value_name = "HEX", value_parser = parse_community)]
    pub community: Vec<CommunityId>,
    /// Do not use py-ipv8's default trackers (13 IPs, 7 DNS names).
    #[arg(long)]
    pub no_default_bootstrap: bool,
    /// Do not send LAN broadcast beacons (py-ipv8's: ~65,500 datagrams per sweep).
    ///
    /// The beacon is py-ipv8's: each sweep sends one datagram to every port (0-65534) of
    /// 255.255.255.255; on a host without a broadcast route, or with a full send queue, many
    /// fail. Those failures are counted apart (`beacon` in /health and `ipv8 status`) and say
    /// nothing about the node's own sockets.
    #[arg(long)]
    pub no_beacon: bool,
    /// REST API port (default 8085, py-ipv8's; 0 = OS pick).
    #[arg(
        long,
        value_name = "PORT",
        conflicts_with = "no_rest",
        allow_negative_numbers = true
    )]
    pub rest_port: Option<u16>,
    /// REST API address (default 127.0.0.1). Anything but loopback needs --api-key.
    #[arg(long, value_name = "IP", conflicts_with = "no_rest", value_parser = parse_rest_host)]
    pub rest_host: Option<IpAddr>,
    /// Key every REST request must carry (X-Api-Key header or ?apikey=), as in py-ipv8.
    #[arg(long, value_name = "KEY", conflicts_with = "no_rest", value_parser = parse_api_key)]
    pub api_key: Option<String>,
    /// No REST API.
    #[arg(long)]
    pub no_rest: bool,
    /// Do not load the DHT (DHTDiscoveryCommunity, loaded by default as in py-ipv8).
    #[arg(long)]
    pub no_dht: bool,
    /// DEBUG, INFO, WARNING, ERROR or CRITICAL.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    pub log_level: Option<LogLevel>,
    /// Seconds between strategy rounds (py-ipv8 walker_interval, 0.5).
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true, value_parser = parse_interval)]
    pub walk_interval: Option<Duration>,
    /// Print one JSON status line per second on stdout.
    #[arg(long)]
    pub status_json: bool,
    /// Directory of relative key files (default: the platform data dir + /ipv8-rs).
    ///
    /// On Linux the default is ~/.local/share/ipv8-rs. A second node on one machine needs a
    /// data dir of its own (or --key-file).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Diagnostics, Linux only: turn on IP_RECVERR/IPV6_RECVERR on the node's sockets, so ICMP
    /// errors about earlier datagrams and full send queues show up in the error counters. The
    /// driver empties the error queue after every error.
    #[arg(long)]
    pub ip_recverr: bool,
}

fn detail(err: &crate::config::ConfigError) -> String {
    let text = err.to_string();
    text.strip_prefix(&format!("{}: ", err.path))
        .unwrap_or(&text)
        .to_owned()
}

/// `--bind`.
pub fn parse_ip(text: &str) -> Result<IpAddr, String> {
    validate::ip("--bind", text).map_err(|e| detail(&e))
}

/// `--rest-host`.
pub fn parse_rest_host(text: &str) -> Result<IpAddr, String> {
    validate::ip("--rest-host", text).map_err(|e| detail(&e))
}

/// `--api-key`.
pub fn parse_api_key(text: &str) -> Result<String, String> {
    validate::api_key("--api-key", text).map_err(|e| detail(&e))
}

/// `--bootstrap`.
pub fn parse_bootstrap(text: &str) -> Result<SocketAddr, String> {
    validate::socket_addr("--bootstrap", text).map_err(|e| detail(&e))
}

/// `--community`.
pub fn parse_community(text: &str) -> Result<CommunityId, String> {
    validate::community_id("--community", text).map_err(|e| detail(&e))
}

/// `--log-level`.
pub fn parse_level(text: &str) -> Result<LogLevel, String> {
    LogLevel::parse(text)
        .map_err(|m| format!("{m} (expected DEBUG, INFO, WARNING, ERROR or CRITICAL)"))
}

/// `--walk-interval`.
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    let value: f64 = text.trim().parse().map_err(|_| {
        format!("{text:?} is not a number (expected a number of seconds, e.g. 0.5)")
    })?;
    validate::positive_seconds("--walk-interval", value).map_err(|e| detail(&e))
}

impl RunArgs {
    fn overrides(&self) -> Overrides {
        Overrides {
            no_dht: self.no_dht,
            port: self.port,
            bind: self.bind,
            // Relative to the working directory, not to the data directory.
            key_file: self
                .key_file
                .as_ref()
                .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone())),
            bootstrap: self.bootstrap.clone(),
            communities: self.community.clone(),
            no_default_bootstrap: self.no_default_bootstrap,
            no_beacon: self.no_beacon,
            rest_port: self.rest_port,
            no_rest: self.no_rest,
            rest_host: self.rest_host,
            api_key: self.api_key.clone(),
            log_level: self.log_level,
            walk_interval: self.walk_interval,
            data_dir: self.data_dir.clone(),
        }
    }

    /// The settings: file (or embedded default) plus flags.
    ///
    /// # Errors
    /// Bad input naming the key or flag.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let mut settings = match &self.config {
            Some(path) => Settings::from_file(path).map_err(|e| bad_input(e.to_string()))?,
            None => Settings::embedded_default(),
        };
        settings
            .apply(&self.overrides())
            .map_err(|e| bad_input(e.to_string()))?;
        settings
            .node
            .validate()
            .map_err(|e| bad_input(format!("configuration: {e}")))?;
        let host_field = if self.rest_host.is_some() {
            "--rest-host"
        } else {
            "rest.host"
        };
        settings
            .rest
            .check(host_field)
            .map_err(|e| bad_input(e.to_string()))?;
        Ok(settings)
    }
}

/// How a second node on this machine gets an identity of its own (named when the key is locked).
const OWN_KEY: &str = "--data-dir DIR (a data directory of its own, where a new key is created) \
                       or --key-file FILE (a key file of its own)";

/// Says in plain words which key the node uses, and what a newly created file is.
fn announce_identity(loaded: &identity::LoadedKey, mid: &Mid) {
    let Some(file) = &loaded.file else {
        tracing::info!("identity: a new key in memory only (mid {mid}); it is gone at exit");
        return;
    };
    let kind = super::key::type_name(&loaded.key.public());
    if loaded.created {
        tracing::info!(
            "created this node's identity: a new {kind} key in {} (mid {mid}). Keep the file to \
             keep the identity. It holds py-ipv8's raw key format (not PEM, despite py-ipv8's \
             file name), so py-ipv8 can use it too; `ipv8 key show` reads it",
            file.display()
        );
    } else {
        tracing::info!("identity: {kind} key {} (mid {mid})", file.display());
    }
}

/// Runs the node until Ctrl-C / SIGTERM.
///
/// # Errors
/// Bad input for a bad config, flag or key file; a failure when the sockets cannot be bound.
pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    if args.ip_recverr && !ipv8::udp::IP_RECVERR_SUPPORTED {
        return Err(bad_input(
            "--ip-recverr: IP_RECVERR is a Linux socket option; it is not available on this OS",
        ));
    }
    let mut settings = args.settings()?;
    if args.ip_recverr {
        for interface in &mut settings.interfaces {
            interface.ip_recverr = true;
        }
    }
    logging::init(settings.log_level);
    let data_dir = settings.data_dir();
    let spec = settings.identity_key();
    let field = if args.key_file.is_some() {
        "--key-file".to_owned()
    } else {
        let index = settings
            .keys
            .iter()
            .position(|k| k.alias == spec.alias)
            .unwrap_or(0);
        format!("keys[{index}].file")
    };
    let loaded = identity::load(spec, &data_dir, &field, OWN_KEY)?;
    let mid = Mid::of(loaded.key.public_bin());
    announce_identity(&loaded, &mid);
    // Held until the node has stopped: a second node with this key file is refused until then.
    let _lock = loaded.lock;
    let trackers = settings.node.bootstrap.trackers.len() + settings.node.bootstrap.dns_names.len();
    let driver = DriverConfig {
        beacon: if settings.beacon {
            BeaconConfig::default()
        } else {
            BeaconConfig::disabled()
        },
        ..DriverConfig::default()
    };
    let identity = KeyIdentity::new(loaded.key).into_arc();
    let options = ServeOptions {
        rest: settings.rest.enabled.then(|| RestOptions {
            addr: settings.rest.addr(),
            api_key: settings.rest.api_key.clone(),
        }),
        status_json: args.status_json,
        facts: NodeFacts {
            role: "run",
            mid: mid.to_hex(),
            rest: None,
        },
        trackers,
        dht: None,
    };
    runtime()?.block_on(async move {
        // Before anything can be printed: a SIGTERM from then on shuts down cleanly.
        let shutdown = Shutdown::install()?;
        let mut builder = Ipv8Builder::new(settings.node.clone(), identity)
            .driver_config(driver)
            .beacon_bind(BindConfig {
                ip_recverr: args.ip_recverr,
                ..BEACON_BIND
            });
        let mut interfaces = settings.interfaces.iter().cloned();
        if let Some(first) = interfaces.next() {
            builder = builder.bind_v4(first);
        }
        builder = builder.bind_v6(interfaces.next());
        let dht = settings.dht.as_ref().map(|dht| {
            let handle = builder.community(dht.community.clone(), DhtDiscoveryCommunity::new());
            (handle, dht.ping_churn)
        });
        let ipv8 = builder.spawn().map_err(|e| {
            anyhow::anyhow!("binding the UDP socket ({:?}): {e}", settings.interfaces)
        })?;
        let mut options = options;
        if let Some((handle, ping_churn)) = dht {
            if let Some((target, interval)) = ping_churn {
                handle
                    .add_strategy(PingChurn::new(interval), target)
                    .await?;
            }
            options.dht = Some(std::sync::Arc::new(handle));
        }
        serve(ipv8, options, shutdown).await
    })
}
