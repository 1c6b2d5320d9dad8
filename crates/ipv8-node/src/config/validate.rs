//! Turns a parsed [`FileConfig`] into checked [`Settings`]: every value is range-checked and
//! every error names its dotted path (`overlays[1].walkers[0].peers`) and the expected form.
//!
//! Ports the checks of py-ipv8's `ConfigBuilder.finalize()` (required keys, key aliases, walker
//! and bootstrapper names) and adds the value checks py-ipv8 leaves to a crash at start-up.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use ipv8_proto::config::{
    BootstrapConfig, ChurnConfig, CommunityConfig, CommunityKind, DEFAULT_MAX_PEERS,
    EdgeWalkConfig, NodeConfig, RandomWalkConfig, StrategyConfig, WalkerConfig,
};
use ipv8_udp::{BindConfig, DEFAULT_PORT};
use ipv8_wire::CommunityId;

use super::dht::{DhtSettings, overlay as dht_overlay};
use super::file::{
    self, BootstrapperEntry, BroadcastInit, DispersyInit, EdgeWalkInit, FileConfig, KeyEntry,
    NoInit, OverlayEntry, RandomChurnInit, RandomWalkInit, WalkerEntry,
};
use super::{
    ConfigError, DEFAULT_KEY_FILE, DEFAULT_REST_HOST, DEFAULT_REST_PORT, KeySource, KeySpec,
    KeyType, LogLevel, RestSettings, Settings,
};

/// Checks `file` and builds the settings it describes (py-ipv8 defaults for what is missing).
///
/// # Errors
/// The first bad value, with its dotted path.
pub fn settings(file: FileConfig) -> Result<Settings, ConfigError> {
    let keys = match file.keys {
        Some(entries) => keys(&entries)?,
        None => vec![KeySpec::default_key()],
    };
    let interfaces = match file.interfaces {
        Some(entries) => interfaces(&entries)?,
        None => vec![BindConfig::v4(DEFAULT_PORT)],
    };
    let walk_interval = match file.walker_interval {
        Some(value) => positive_seconds("walker_interval", value)?,
        None => Duration::from_millis(500),
    };
    let default_max_peers = match file.max_peers {
        Some(value) => max_peers("max_peers", value)?,
        None => DEFAULT_MAX_PEERS,
    };
    let mut node = NodeConfig {
        walk_interval,
        statistics: file.statistics.unwrap_or(true),
        bootstrap: BootstrapConfig::none(),
        communities: Vec::new(),
        ..NodeConfig::default()
    };
    let mut bootstrap_timeout: Option<(String, Duration)> = None;
    let mut key_alias: Option<(String, String)> = None;
    let mut dht: Option<DhtSettings> = None;
    let Some(overlays) = file.overlays else {
        return default_settings(
            keys,
            interfaces,
            node,
            &file.logger,
            file.rest,
            file.working_directory,
        );
    };
    for (i, entry) in overlays.iter().enumerate() {
        let base = format!("overlays[{i}]");
        let (community, ping_churn) = if entry.class == "DHTDiscoveryCommunity" {
            let d = dht_overlay(
                entry,
                &base,
                default_max_peers,
                &mut node.bootstrap,
                &mut bootstrap_timeout,
            )?;
            (d.community, Some(d.ping_churn))
        } else {
            let c = overlay(
                entry,
                &base,
                default_max_peers,
                &mut node.bootstrap,
                &mut bootstrap_timeout,
            )?;
            (c, None)
        };
        let configured = node
            .communities
            .iter()
            .chain(dht.as_ref().map(|d| &d.community));
        if let Some(j) = configured.clone().position(|c| c.id == community.id) {
            return Err(ConfigError::new(
                format!("{base}.id"),
                format!(
                    "community {} is already configured by overlays[{j}]",
                    community.id
                ),
            ));
        }
        let alias = entry.key.clone().unwrap_or_else(|| keys[0].alias.clone());
        if !keys.iter().any(|k| k.alias == alias) {
            return Err(ConfigError::new(
                format!("{base}.key"),
                format!("no key with alias {alias:?} in `keys`"),
            ));
        }
        match &key_alias {
            Some((first, first_path)) if *first != alias => {
                return Err(ConfigError::new(
                    format!("{base}.key"),
                    format!(
                        "ipv8-rs runs every overlay with one identity, but {first_path} uses {first:?} and this overlay {alias:?}"
                    ),
                ));
            }
            Some(_) => {}
            None => key_alias = Some((alias, format!("{base}.key"))),
        }
        match ping_churn {
            Some(ping_churn) => {
                dht = Some(DhtSettings {
                    community,
                    ping_churn,
                })
            }
            None => node.communities.push(community),
        }
    }
    if let Some((_, timeout)) = bootstrap_timeout {
        node.bootstrap.timeout = timeout;
    }
    let identity = key_alias.map_or_else(|| keys[0].alias.clone(), |(alias, _)| alias);
    Ok(Settings {
        identity,
        keys,
        interfaces,
        beacon: node.communities.iter().any(|c| c.use_beacon),
        node,
        dht,
        rest: rest(file.rest)?,
        log_level: log_level(file.logger.as_ref().and_then(|l| l.level.as_deref()))?,
        data_dir: file.working_directory.map(PathBuf::from),
    })
}

/// The settings when the file has no `overlays`: the embedded default overlay set.
fn default_settings(
    keys: Vec<KeySpec>,
    interfaces: Vec<BindConfig>,
    mut node: NodeConfig,
    logger: &Option<file::LoggerEntry>,
    rest_entry: Option<file::RestEntry>,
    working_directory: Option<String>,
) -> Result<Settings, ConfigError> {
    let defaults = Settings::embedded_default();
    node.communities = defaults.node.communities;
    node.bootstrap = defaults.node.bootstrap;
    Ok(Settings {
        identity: keys[0].alias.clone(),
        keys,
        interfaces,
        beacon: defaults.beacon,
        node,
        dht: defaults.dht,
        rest: rest(rest_entry)?,
        log_level: log_level(logger.as_ref().and_then(|l| l.level.as_deref()))?,
        data_dir: working_directory.map(PathBuf::from),
    })
}

fn keys(entries: &[KeyEntry]) -> Result<Vec<KeySpec>, ConfigError> {
    if entries.is_empty() {
        return Err(ConfigError::new("keys", "at least one key is needed"));
    }
    let mut specs: Vec<KeySpec> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let base = format!("keys[{i}]");
        if entry.alias.is_empty() {
            return Err(ConfigError::new(
                format!("{base}.alias"),
                "must not be empty",
            ));
        }
        if specs.iter().any(|s| s.alias == entry.alias) {
            return Err(ConfigError::new(
                format!("{base}.alias"),
                format!("alias {:?} is used twice", entry.alias),
            ));
        }
        let source = match (&entry.generation, &entry.bin) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::new(
                    base,
                    "give either `generation` or `bin`, not both",
                ));
            }
            (Some(generation), None) => {
                KeySource::Generate(key_type(&format!("{base}.generation"), generation)?)
            }
            (None, Some(bin)) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(bin.trim())
                    .map_err(|err| {
                        ConfigError::new(format!("{base}.bin"), format!("not base64: {err}"))
                    })?;
                ipv8_crypto::PrivateKey::from_bin(&bytes).map_err(|err| {
                    ConfigError::new(
                        format!("{base}.bin"),
                        format!("not a private key bin: {err}"),
                    )
                })?;
                KeySource::Bin(bytes)
            }
            (None, None) => KeySource::Generate(KeyType::Curve25519),
        };
        let file = match entry.file.as_deref() {
            None => Some(PathBuf::from(DEFAULT_KEY_FILE)),
            Some("") => None,
            Some(path) => Some(PathBuf::from(path)),
        };
        specs.push(KeySpec {
            alias: entry.alias.clone(),
            source,
            file,
        });
    }
    Ok(specs)
}

/// A py-ipv8 `generation` name.
pub fn key_type(path: &str, name: &str) -> Result<KeyType, ConfigError> {
    match name {
        "curve25519" => Ok(KeyType::Curve25519),
        "very-low" => Ok(KeyType::VeryLow),
        "low" => Ok(KeyType::Low),
        "medium" => Ok(KeyType::Medium),
        "high" => Ok(KeyType::High),
        other => Err(ConfigError::new(
            path,
            format!("unknown key generation {other:?}"),
        )),
    }
}

fn interfaces(entries: &[file::InterfaceEntry]) -> Result<Vec<BindConfig>, ConfigError> {
    if entries.is_empty() {
        return Err(ConfigError::new(
            "interfaces",
            "at least one interface is needed",
        ));
    }
    let mut binds: Vec<BindConfig> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let base = format!("interfaces[{i}]");
        let v6 = match entry.interface.as_str() {
            "UDPIPv4" => false,
            "UDPIPv6" => true,
            other => {
                return Err(ConfigError::new(
                    format!("{base}.interface"),
                    format!("unknown interface {other:?}"),
                ));
            }
        };
        let port = match entry.port {
            Some(port) => self::port(&format!("{base}.port"), port)?,
            None => DEFAULT_PORT,
        };
        let ip = match &entry.ip {
            Some(text) => ip(&format!("{base}.ip"), text)?,
            None if v6 => IpAddr::from([0u16; 8]),
            None => IpAddr::from([0u8; 4]),
        };
        if ip.is_ipv6() != v6 {
            return Err(ConfigError::new(
                format!("{base}.ip"),
                format!("{ip} is not an address of {}", entry.interface),
            ));
        }
        if binds.iter().any(|b| b.ip.is_ipv6() == v6) {
            return Err(ConfigError::new(
                format!("{base}.interface"),
                format!("only one {} interface is supported", entry.interface),
            ));
        }
        binds.push(BindConfig {
            ip,
            port,
            ..BindConfig::v4(port)
        });
    }
    Ok(binds)
}

pub(crate) fn overlay(
    entry: &OverlayEntry,
    base: &str,
    default_max_peers: i32,
    bootstrap: &mut BootstrapConfig,
    bootstrap_timeout: &mut Option<(String, Duration)>,
) -> Result<CommunityConfig, ConfigError> {
    let mut community = match entry.class.as_str() {
        "DiscoveryCommunity" => {
            for (key, given) in [("id", entry.id.is_some()), ("name", entry.name.is_some())] {
                if given {
                    return Err(ConfigError::new(
                        format!("{base}.{key}"),
                        "DiscoveryCommunity has a fixed id and name; `id` and `name` are for class = \"Community\"",
                    ));
                }
            }
            CommunityConfig::discovery()
        }
        "Community" => {
            let Some(hex_id) = &entry.id else {
                return Err(ConfigError::new(
                    format!("{base}.id"),
                    "missing: a plain Community is joined by its id",
                ));
            };
            let id = community_id(&format!("{base}.id"), hex_id)?;
            CommunityConfig::plain(id, entry.name.as_deref().unwrap_or("Community"))
        }
        "HiddenTunnelCommunity"
        | "TunnelCommunity"
        | "DHTCommunity"
        | "AttestationCommunity"
        | "IdentityCommunity" => {
            return Err(ConfigError::new(
                format!("{base}.class"),
                format!("{} is not implemented by ipv8-rs", entry.class),
            ));
        }
        other => {
            return Err(ConfigError::new(
                format!("{base}.class"),
                format!("unknown overlay class {other:?}"),
            ));
        }
    };
    let discovery = community.kind == CommunityKind::Discovery;
    community.max_peers = default_max_peers;
    if let Some(value) = entry.initialize.as_ref().and_then(|init| init.max_peers) {
        community.max_peers = max_peers(&format!("{base}.initialize.max_peers"), value)?;
    }
    if let Some(walkers) = &entry.walkers {
        community.walkers = walkers
            .iter()
            .enumerate()
            .map(|(j, w)| walker(w, &format!("{base}.walkers[{j}]"), discovery))
            .collect::<Result<_, _>>()?;
    }
    // py-ipv8's default block is one DispersyBootstrapper with the default trackers.
    let default_boot = [BootstrapperEntry {
        class: "DispersyBootstrapper".to_owned(),
        init: None,
    }];
    let boots = entry.bootstrappers.as_deref().unwrap_or(&default_boot);
    community.use_trackers = false;
    community.use_beacon = false;
    for (j, boot) in boots.iter().enumerate() {
        let path = format!("{base}.bootstrappers[{j}]");
        match boot.class.as_str() {
            "DispersyBootstrapper" => {
                let init: DispersyInit =
                    file::parse_init(boot.init.as_ref(), &format!("{path}.init"))?;
                dispersy(&init, &format!("{path}.init"), bootstrap, bootstrap_timeout)?;
                community.use_trackers = true;
            }
            "UDPBroadcastBootstrapper" => {
                let init: BroadcastInit =
                    file::parse_init(boot.init.as_ref(), &format!("{path}.init"))?;
                if let Some(t) = init.bootstrap_timeout {
                    positive_seconds(&format!("{path}.init.bootstrap_timeout"), t)?;
                }
                community.use_beacon = true;
            }
            other => {
                return Err(ConfigError::new(
                    format!("{path}.class"),
                    format!("unknown bootstrapper {other:?}"),
                ));
            }
        }
    }
    Ok(community)
}

fn walker(entry: &WalkerEntry, base: &str, discovery: bool) -> Result<WalkerConfig, ConfigError> {
    let init_path = format!("{base}.init");
    let init = entry.init.as_ref();
    let strategy = match entry.strategy.as_str() {
        "RandomWalk" => {
            let i: RandomWalkInit = file::parse_init(init, &init_path)?;
            let d = RandomWalkConfig::default();
            StrategyConfig::RandomWalk(RandomWalkConfig {
                timeout: opt_seconds(&format!("{init_path}.timeout"), i.timeout, d.timeout)?,
                window_size: opt_count(
                    &format!("{init_path}.window_size"),
                    i.window_size,
                    d.window_size,
                    0,
                )?,
                reset_chance: match i.reset_chance {
                    Some(v) => u8::try_from(v).map_err(|_| {
                        ConfigError::new(
                            format!("{init_path}.reset_chance"),
                            format!("{v} is out of range"),
                        )
                    })?,
                    None => d.reset_chance,
                },
                target_interval: opt_seconds(
                    &format!("{init_path}.target_interval"),
                    i.target_interval,
                    d.target_interval,
                )?,
            })
        }
        "EdgeWalk" => {
            let i: EdgeWalkInit = file::parse_init(init, &init_path)?;
            let d = EdgeWalkConfig::default();
            StrategyConfig::EdgeWalk(EdgeWalkConfig {
                edge_length: opt_count(
                    &format!("{init_path}.edge_length"),
                    i.edge_length,
                    d.edge_length,
                    1,
                )?,
                neighborhood_size: opt_count(
                    &format!("{init_path}.neighborhood_size"),
                    i.neighborhood_size,
                    d.neighborhood_size,
                    1,
                )?,
                edge_timeout: opt_seconds(
                    &format!("{init_path}.edge_timeout"),
                    i.edge_timeout,
                    d.edge_timeout,
                )?,
            })
        }
        "RandomChurn" | "PeriodicSimilarity" if !discovery => {
            return Err(ConfigError::new(
                format!("{base}.strategy"),
                format!("{} works only in a DiscoveryCommunity", entry.strategy),
            ));
        }
        "RandomChurn" => {
            let i: RandomChurnInit = file::parse_init(init, &init_path)?;
            let d = ChurnConfig::default();
            StrategyConfig::RandomChurn(ChurnConfig {
                sample_size: opt_count(
                    &format!("{init_path}.sample_size"),
                    i.sample_size,
                    d.sample_size,
                    1,
                )?,
                ping_interval: opt_seconds(
                    &format!("{init_path}.ping_interval"),
                    i.ping_interval,
                    d.ping_interval,
                )?,
                inactive_time: opt_seconds(
                    &format!("{init_path}.inactive_time"),
                    i.inactive_time,
                    d.inactive_time,
                )?,
                drop_time: opt_seconds(
                    &format!("{init_path}.drop_time"),
                    i.drop_time,
                    d.drop_time,
                )?,
            })
        }
        "PeriodicSimilarity" => {
            let _: NoInit = file::parse_init(init, &init_path)?;
            StrategyConfig::PeriodicSimilarity
        }
        "PingChurn" => {
            return Err(ConfigError::new(
                format!("{base}.strategy"),
                "PingChurn is DHTDiscoveryCommunity's strategy; it cannot walk this overlay",
            ));
        }
        "DriftMeasurementStrategy" => {
            return Err(ConfigError::new(
                format!("{base}.strategy"),
                format!("{} is not implemented by ipv8-rs", entry.strategy),
            ));
        }
        other => {
            return Err(ConfigError::new(
                format!("{base}.strategy"),
                format!("unknown strategy {other:?}"),
            ));
        }
    };
    let target_peers = match entry.peers {
        Some(v) if v >= -1 && v <= i64::from(i32::MAX) => i32::try_from(v).unwrap_or(-1),
        Some(v) => {
            return Err(ConfigError::new(
                format!("{base}.peers"),
                format!("{v} is out of range"),
            ));
        }
        None => -1,
    };
    Ok(WalkerConfig {
        strategy,
        target_peers,
    })
}

fn dispersy(
    init: &DispersyInit,
    base: &str,
    bootstrap: &mut BootstrapConfig,
    bootstrap_timeout: &mut Option<(String, Duration)>,
) -> Result<(), ConfigError> {
    let defaults = BootstrapConfig::default();
    let ips = match &init.ip_addresses {
        Some(list) => list
            .iter()
            .enumerate()
            .map(|(k, text)| socket_addr(&format!("{base}.ip_addresses[{k}]"), text))
            .collect::<Result<Vec<_>, _>>()?,
        None => defaults.trackers,
    };
    let names = match &init.dns_addresses {
        Some(list) => list
            .iter()
            .enumerate()
            .map(|(k, text)| host_port(&format!("{base}.dns_addresses[{k}]"), text))
            .collect::<Result<Vec<_>, _>>()?,
        None => defaults.dns_names,
    };
    for ip in ips {
        if !bootstrap.trackers.contains(&ip) {
            bootstrap.trackers.push(ip);
        }
    }
    for name in names {
        if !bootstrap.dns_names.contains(&name) {
            bootstrap.dns_names.push(name);
        }
    }
    let path = format!("{base}.bootstrap_timeout");
    let timeout = match init.bootstrap_timeout {
        Some(t) => positive_seconds(&path, t)?,
        None => defaults.timeout,
    };
    match bootstrap_timeout {
        Some((first, value)) if *value != timeout => Err(ConfigError::new(
            path,
            format!(
                "trackers are shared by all overlays in ipv8-rs; this bootstrap_timeout ({}) differs from {first} ({})",
                timeout.as_secs_f64(),
                value.as_secs_f64()
            ),
        )),
        Some(_) => Ok(()),
        None => {
            *bootstrap_timeout = Some((path, timeout));
            Ok(())
        }
    }
}

fn rest(entry: Option<file::RestEntry>) -> Result<RestSettings, ConfigError> {
    let entry = entry.unwrap_or(file::RestEntry {
        enabled: None,
        port: None,
        host: None,
        api_key: None,
    });
    Ok(RestSettings {
        enabled: entry.enabled.unwrap_or(true),
        port: match entry.port {
            Some(p) => port("rest.port", p)?,
            None => DEFAULT_REST_PORT,
        },
        host: match &entry.host {
            Some(text) => ip("rest.host", text)?,
            None => DEFAULT_REST_HOST,
        },
        api_key: entry
            .api_key
            .as_deref()
            .map(|k| api_key("rest.api_key", k))
            .transpose()?,
    })
}

/// An API key: 1-256 visible ASCII characters (it travels in an HTTP header).
///
/// # Errors
/// A [`ConfigError`] at `path`.
pub fn api_key(path: &str, text: &str) -> Result<String, ConfigError> {
    if text.is_empty() || text.len() > 256 || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ConfigError::new(
            path,
            format!(
                "{} characters, or spaces or non-ASCII characters",
                text.len()
            ),
        ));
    }
    Ok(text.to_owned())
}

fn log_level(text: Option<&str>) -> Result<LogLevel, ConfigError> {
    text.map_or(Ok(LogLevel::Info), |t| {
        LogLevel::parse(t).map_err(|m| ConfigError::new("logger.level", m))
    })
}

/// A port number 0–65535.
pub fn port(path: &str, value: i64) -> Result<u16, ConfigError> {
    u16::try_from(value)
        .map_err(|_| ConfigError::new(path, format!("{value} is not a port number")))
}

/// An IP address.
pub fn ip(path: &str, text: &str) -> Result<IpAddr, ConfigError> {
    text.trim()
        .parse()
        .map_err(|_| ConfigError::new(path, format!("{text:?} is not an IP address")))
}

/// `ip:port` (IPv6 as `[ip]:port`), port not 0.
pub fn socket_addr(path: &str, text: &str) -> Result<SocketAddr, ConfigError> {
    let addr: SocketAddr = text
        .trim()
        .parse()
        .map_err(|_| ConfigError::new(path, format!("{text:?} is not an ip:port address")))?;
    if addr.port() == 0 {
        return Err(ConfigError::new(path, format!("{text:?} has port 0")));
    }
    if addr.ip().is_unspecified() {
        return Err(ConfigError::new(
            path,
            format!("{text:?} is the unspecified address"),
        ));
    }
    Ok(addr)
}

/// `host:port` with a DNS name.
pub fn host_port(path: &str, text: &str) -> Result<(String, u16), ConfigError> {
    let bad = || ConfigError::new(path, format!("{text:?} is not a host:port address"));
    let (host, port) = text.trim().rsplit_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().map_err(|_| bad())?;
    let valid_host = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if port == 0 || !valid_host {
        return Err(bad());
    }
    Ok((host.to_owned(), port))
}

/// A 20-byte community id in 40 hex digits.
pub fn community_id(path: &str, text: &str) -> Result<CommunityId, ConfigError> {
    let text = text.trim();
    if let Some((position, bad)) = text
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_hexdigit())
    {
        return Err(ConfigError::new(
            path,
            format!("{text:?} has {bad:?} at position {position}, which is not a hex digit"),
        ));
    }
    let mut array = [0u8; 20];
    hex::decode_to_slice(text, &mut array)
        .map_err(|_| ConfigError::new(path, format!("{text:?} has {} hex digits", text.len())))?;
    Ok(CommunityId(array))
}

/// A `max_peers` value: -1 or 0..=i32::MAX.
fn max_peers(path: &str, value: i64) -> Result<i32, ConfigError> {
    match i32::try_from(value) {
        Ok(v) if v >= -1 => Ok(v),
        _ => Err(ConfigError::new(path, format!("{value} is out of range"))),
    }
}

/// Seconds > 0, finite.
pub fn positive_seconds(path: &str, value: f64) -> Result<Duration, ConfigError> {
    if !value.is_finite() || value <= 0.0 {
        return Err(ConfigError::new(
            path,
            format!("{value} is not a positive number of seconds"),
        ));
    }
    Duration::try_from_secs_f64(value)
        .map_err(|_| ConfigError::new(path, format!("{value} seconds is too long")))
}

fn opt_seconds(path: &str, value: Option<f64>, default: Duration) -> Result<Duration, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) if v.is_finite() && v >= 0.0 => Duration::try_from_secs_f64(v)
            .map_err(|_| ConfigError::new(path, format!("{v} seconds is too long"))),
        Some(v) => Err(ConfigError::new(
            path,
            format!("{v} is not a number of seconds >= 0"),
        )),
    }
}

fn opt_count(
    path: &str,
    value: Option<i64>,
    default: usize,
    min: usize,
) -> Result<usize, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) => match usize::try_from(v) {
            Ok(n) if n >= min && n <= 1_000_000 => Ok(n),
            _ => Err(ConfigError::new(
                path,
                format!("{v} is out of range (at least {min})"),
            )),
        },
    }
}
