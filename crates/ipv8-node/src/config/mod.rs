//! Configuration of `ipv8 run`: the embedded default, the TOML file (`--config`, parsed in
//! `file.rs`, checked in `validate.rs`) and the command-line overrides, resolved into one
//! [`Settings`]. Mirrors py-ipv8's configuration dict (`ipv8/configuration.py`,
//! docs/spec/PROTOCOL.md §9); every key is documented in `docs/CONFIG.md`.
//!
//! Every error is a [`ConfigError`] naming the key (dotted path, or the flag) and the expected
//! form; the CLI maps it to exit code 2.

pub mod dht;
pub mod file;
pub mod validate;

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipv8_proto::config::{
    BootstrapConfig, CommunityConfig, DEFAULT_TRACKER_IPS, DEFAULT_TRACKER_NAMES, NodeConfig,
};
use ipv8_udp::{BindConfig, DEFAULT_PORT};
use ipv8_wire::CommunityId;

pub use crate::cli::key::KeyType;

/// py-ipv8's default key alias.
pub const DEFAULT_KEY_ALIAS: &str = "anonymous id";
/// py-ipv8's default key file name (relative to the data directory).
pub const DEFAULT_KEY_FILE: &str = "ec_multichain.pem";
/// py-ipv8's REST port.
pub const DEFAULT_REST_PORT: u16 = 8085;
/// py-ipv8's REST address.
pub const DEFAULT_REST_HOST: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

/// A bad config value or flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Where the value came from: the config file, or `None` for a flag.
    pub file: Option<PathBuf>,
    /// One-based line in the file, when known.
    pub line: Option<usize>,
    /// Dotted path (`overlays[1].walkers[0].peers`) or flag name (`--port`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: None,
            line: None,
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same error at `line`.
    #[must_use]
    pub fn at_line(mut self, line: Option<usize>) -> Self {
        self.line = line;
        self
    }

    /// The same error in `file`.
    #[must_use]
    pub fn in_file(mut self, file: &Path) -> Self {
        self.file = Some(file.to_path_buf());
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "config file {}", file.display())?;
            if let Some(line) = self.line {
                write!(f, " line {line}")?;
            }
            f.write_str(": ")?;
        }
        let path = if self.path.is_empty() {
            "(top level)"
        } else {
            &self.path
        };
        write!(f, "{path}: {}", self.message)?;
        if !self.message.starts_with("unknown field")
            && let Some(form) = expected_form(&self.path)
        {
            write!(f, " (expected {form})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// The expected form of the value at `path` (indices ignored), for error messages.
fn expected_form(path: &str) -> Option<&'static str> {
    let mut generic = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => in_index = true,
            ']' => in_index = false,
            _ if !in_index => generic.push(c),
            _ => {}
        }
    }
    let last = generic.rsplit('.').next().unwrap_or("");
    Some(match (generic.as_str(), last) {
        ("--api-key" | "rest.api_key", _) => "1-256 visible ASCII characters, no spaces",
        ("--rest-host" | "rest.host", _) => {
            "an IP address; anything but 127.0.0.1 or ::1 needs an API key"
        }
        ("--port" | "--rest-port" | "rest.port" | "interfaces.port", _) => {
            "an integer port 0-65535"
        }
        ("--bind" | "interfaces.ip", _) => "an IP address such as 0.0.0.0 or ::",
        ("interfaces.interface", _) => "\"UDPIPv4\" or \"UDPIPv6\"",
        ("--bootstrap", _) | (_, "ip_addresses") => "\"ip:port\", e.g. \"130.161.119.206:6421\"",
        (_, "dns_addresses") => "\"host:port\", e.g. \"dispersy1.tribler.org:6421\"",
        ("--community" | "overlays.id", _) => "40 hex digits, a 20-byte community id",
        ("overlays.class", _) => "\"DiscoveryCommunity\" or \"Community\"",
        ("overlays.walkers.strategy", _) => {
            "\"RandomWalk\", \"EdgeWalk\", \"RandomChurn\" or \"PeriodicSimilarity\""
        }
        ("overlays.bootstrappers.class", _) => {
            "\"DispersyBootstrapper\" or \"UDPBroadcastBootstrapper\""
        }
        ("overlays.walkers.peers", _) => "an integer peer target, -1 = always",
        ("max_peers" | "overlays.initialize.max_peers", _) => "an integer >= 0, or -1 for no limit",
        ("--walk-interval" | "walker_interval", _)
        | (
            _,
            "timeout" | "target_interval" | "edge_timeout" | "ping_interval" | "inactive_time"
            | "drop_time" | "bootstrap_timeout",
        ) => "a number of seconds, e.g. 0.5",
        (_, "window_size" | "edge_length" | "neighborhood_size" | "sample_size") => {
            "a positive integer"
        }
        (_, "reset_chance") => "an integer 0-255",
        ("--log-level" | "logger.level", _) => "DEBUG, INFO, WARNING, ERROR or CRITICAL",
        ("keys.generation", _) => "curve25519, very-low, low, medium or high",
        ("keys.bin", _) => "a base64 private key bin",
        ("statistics" | "rest.enabled", _) => "true or false",
        _ => return None,
    })
}

/// Log verbosity (py-ipv8 `logger.level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Everything (`NOTSET`, `TRACE`).
    Trace,
    /// `DEBUG`.
    Debug,
    /// `INFO` (default).
    Info,
    /// `WARNING`.
    Warn,
    /// `ERROR`, `CRITICAL`.
    Error,
    /// No logging (`OFF`).
    Off,
}

impl LogLevel {
    /// Parses py-ipv8's (`WARNING`, `CRITICAL`, ...) or tracing's level names, any case.
    ///
    /// # Errors
    /// A message naming the accepted names.
    pub fn parse(text: &str) -> Result<Self, String> {
        Ok(match text.trim().to_ascii_uppercase().as_str() {
            "NOTSET" | "TRACE" => Self::Trace,
            "DEBUG" => Self::Debug,
            "INFO" => Self::Info,
            "WARNING" | "WARN" => Self::Warn,
            "ERROR" | "CRITICAL" | "FATAL" => Self::Error,
            "OFF" => Self::Off,
            _ => return Err(format!("unknown log level {text:?}")),
        })
    }

    /// The `tracing` filter directive.
    pub fn directive(self) -> &'static str {
        match self {
            Self::Trace => "trace",
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
            Self::Off => "off",
        }
    }
}

/// Where a key comes from when its file does not exist (or there is no file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A new key of this type.
    Generate(KeyType),
    /// This private key bin (`bin` setting).
    Bin(Vec<u8>),
}

/// One configured identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpec {
    /// Name overlays refer to.
    pub alias: String,
    /// New-key recipe; an existing `file` wins (as in py-ipv8).
    pub source: KeySource,
    /// Key file (relative to the data directory); `None`: in memory only.
    pub file: Option<PathBuf>,
}

impl KeySpec {
    /// py-ipv8's default key: curve25519 in `ec_multichain.pem`.
    pub fn default_key() -> Self {
        Self {
            alias: DEFAULT_KEY_ALIAS.to_owned(),
            source: KeySource::Generate(KeyType::Curve25519),
            file: Some(PathBuf::from(DEFAULT_KEY_FILE)),
        }
    }
}

/// The REST API settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestSettings {
    /// Serve it.
    pub enabled: bool,
    /// Port (0: OS pick).
    pub port: u16,
    /// Address to listen on (127.0.0.1); anything but loopback needs `api_key`.
    pub host: IpAddr,
    /// The API key requests must carry.
    pub api_key: Option<String>,
}

impl RestSettings {
    /// The listen address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }

    /// The rule that a non-loopback listener needs a key.
    ///
    /// # Errors
    /// A [`ConfigError`] naming `rest.host` (or the flag) with how to fix it.
    pub fn check(&self, host_field: &str) -> Result<(), ConfigError> {
        if !self.enabled {
            return Ok(());
        }
        let key = ipv8_rest::ApiKey(self.api_key.clone());
        ipv8_rest::check_bind(self.addr(), &key)
            .map_err(|e| ConfigError::new(host_field, e.to_string()))
    }
}

/// Everything `ipv8 run` needs, resolved from defaults, file and flags.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Alias of the key every overlay uses.
    pub identity: String,
    /// Configured keys.
    pub keys: Vec<KeySpec>,
    /// Sockets to bind (at most one per family).
    pub interfaces: Vec<BindConfig>,
    /// The protocol configuration.
    pub node: NodeConfig,
    /// Open the LAN broadcast beacon socket.
    pub beacon: bool,
    /// REST API.
    pub rest: RestSettings,
    /// Log verbosity.
    pub log_level: LogLevel,
    /// Data directory for relative key files (`None`: the platform default).
    pub data_dir: Option<PathBuf>,
    /// The DHT (`None`: off).
    pub dht: Option<dht::DhtSettings>,
}

impl Settings {
    /// The configuration without a file: DiscoveryCommunity with py-ipv8's trackers and the
    /// LAN beacon, DHTDiscoveryCommunity (RandomWalk, PingChurn), one curve25519 key in the data directory, UDP 0.0.0.0:8090, REST on
    /// 127.0.0.1:8085, statistics on.
    pub fn embedded_default() -> Self {
        let mut discovery = CommunityConfig::discovery();
        discovery.use_beacon = true;
        Self {
            identity: DEFAULT_KEY_ALIAS.to_owned(),
            keys: vec![KeySpec::default_key()],
            interfaces: vec![BindConfig::v4(DEFAULT_PORT)],
            node: NodeConfig {
                communities: vec![discovery],
                bootstrap: BootstrapConfig::default(),
                statistics: true,
                ..NodeConfig::default()
            },
            beacon: true,
            rest: RestSettings {
                enabled: true,
                port: DEFAULT_REST_PORT,
                host: DEFAULT_REST_HOST,
                api_key: None,
            },
            log_level: LogLevel::Info,
            data_dir: None,
            dht: Some(dht::DhtSettings::py_ipv8_default()),
        }
    }

    /// Reads and checks a config file.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the file, line and key.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|err| {
            ConfigError::new("--config", format!("cannot read {}: {err}", path.display()))
        })?;
        Self::from_toml(&text).map_err(|err| err.in_file(path))
    }

    /// Parses and checks config text.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the line and key.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        validate::settings(file::parse(text)?)
    }

    /// Applies command-line overrides (they win over the file).
    ///
    /// # Errors
    /// A [`ConfigError`] naming the flag.
    pub fn apply(&mut self, o: &Overrides) -> Result<(), ConfigError> {
        if o.no_dht {
            self.dht = None;
        }
        if let Some(port) = o.port {
            let bind = self.interface_mut(false);
            bind.port = port;
        }
        if let Some(ip) = o.bind {
            let bind = self.interface_mut(ip.is_ipv6());
            bind.ip = ip;
            if let Some(port) = o.port {
                bind.port = port;
            }
        }
        if let Some(file) = &o.key_file {
            self.keys = vec![KeySpec {
                alias: DEFAULT_KEY_ALIAS.to_owned(),
                source: KeySource::Generate(KeyType::Curve25519),
                file: Some(file.clone()),
            }];
            self.identity = DEFAULT_KEY_ALIAS.to_owned();
        }
        if o.no_default_bootstrap {
            let boot = &mut self.node.bootstrap;
            boot.trackers.retain(|t| {
                !DEFAULT_TRACKER_IPS
                    .iter()
                    .any(|(ip, port)| *t == SocketAddr::from((*ip, *port)))
            });
            boot.dns_names.retain(|(h, p)| {
                !DEFAULT_TRACKER_NAMES
                    .iter()
                    .any(|(dh, dp)| h == dh && p == dp)
            });
        }
        for addr in &o.bootstrap {
            if !self.node.bootstrap.trackers.contains(addr) {
                self.node.bootstrap.trackers.push(*addr);
            }
        }
        if !o.bootstrap.is_empty() {
            for c in &mut self.node.communities {
                c.use_trackers = true;
            }
        }
        for id in &o.communities {
            if self.node.communities.iter().any(|c| c.id == *id) {
                return Err(ConfigError::new(
                    "--community",
                    format!("community {id} is already configured"),
                ));
            }
            let mut plain = CommunityConfig::plain(*id, "Community");
            plain.use_beacon = self.beacon;
            self.node.communities.push(plain);
        }
        if o.no_beacon {
            self.beacon = false;
            for c in &mut self.node.communities {
                c.use_beacon = false;
            }
        }
        if let Some(port) = o.rest_port {
            self.rest.port = port;
            self.rest.enabled = true;
        }
        if let Some(host) = o.rest_host {
            self.rest.host = host;
        }
        if let Some(key) = &o.api_key {
            self.rest.api_key = Some(key.clone());
        }
        if o.no_rest {
            self.rest.enabled = false;
        }
        if let Some(level) = o.log_level {
            self.log_level = level;
        }
        if let Some(interval) = o.walk_interval {
            self.node.walk_interval = interval;
        }
        if let Some(dir) = &o.data_dir {
            self.data_dir = Some(dir.clone());
        }
        Ok(())
    }

    /// The interface of the family, added with the default port if missing.
    fn interface_mut(&mut self, v6: bool) -> &mut BindConfig {
        let index = match self.interfaces.iter().position(|b| b.ip.is_ipv6() == v6) {
            Some(i) => i,
            None => {
                self.interfaces.push(if v6 {
                    BindConfig::v6(DEFAULT_PORT)
                } else {
                    BindConfig::v4(DEFAULT_PORT)
                });
                self.interfaces.len() - 1
            }
        };
        &mut self.interfaces[index]
    }

    /// The data directory: the configured one, else `dirs::data_dir()/ipv8-rs`.
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(|| {
            dirs::data_dir()
                .unwrap_or_else(|| PathBuf::from("."))
                .join("ipv8-rs")
        })
    }

    /// The key used by the overlays.
    pub fn identity_key(&self) -> &KeySpec {
        self.keys
            .iter()
            .find(|k| k.alias == self.identity)
            .unwrap_or(&self.keys[0])
    }
}

/// Command-line values that override the file (`ipv8 run` flags), already parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// `--no-dht`.
    pub no_dht: bool,
    /// `--port`.
    pub port: Option<u16>,
    /// `--bind`.
    pub bind: Option<IpAddr>,
    /// `--key-file`.
    pub key_file: Option<PathBuf>,
    /// `--bootstrap` (repeatable).
    pub bootstrap: Vec<SocketAddr>,
    /// `--community` (repeatable).
    pub communities: Vec<CommunityId>,
    /// `--no-default-bootstrap`.
    pub no_default_bootstrap: bool,
    /// `--no-beacon`.
    pub no_beacon: bool,
    /// `--rest-port`.
    pub rest_port: Option<u16>,
    /// `--no-rest`.
    pub no_rest: bool,
    /// `--rest-host`.
    pub rest_host: Option<IpAddr>,
    /// `--api-key`.
    pub api_key: Option<String>,
    /// `--log-level`.
    pub log_level: Option<LogLevel>,
    /// `--walk-interval`.
    pub walk_interval: Option<Duration>,
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_is_py_ipv8s_discovery_with_beacon() {
        let s = Settings::embedded_default();
        assert_eq!(s.node.communities.len(), 1);
        assert_eq!(s.node.communities[0].name, "DiscoveryCommunity");
        assert!(s.node.communities[0].use_trackers && s.node.communities[0].use_beacon);
        assert_eq!(s.node.bootstrap.trackers.len(), 13);
        assert_eq!(s.node.bootstrap.dns_names.len(), 7);
        assert!(s.node.statistics && s.beacon && s.rest.enabled);
        assert_eq!(s.interfaces[0].port, 8090);
        assert_eq!(
            Settings::from_toml("").unwrap(),
            s,
            "an empty file is the default"
        );
    }

    #[test]
    fn flags_override_the_file() {
        let mut s = Settings::embedded_default();
        let tracker: SocketAddr = "127.0.0.1:7000".parse().unwrap();
        s.apply(&Overrides {
            port: Some(0),
            bootstrap: vec![tracker],
            no_default_bootstrap: true,
            no_beacon: true,
            communities: vec![CommunityId([7; 20])],
            no_rest: true,
            walk_interval: Some(Duration::from_millis(100)),
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(s.interfaces[0].port, 0);
        assert_eq!(s.node.bootstrap.trackers, [tracker]);
        assert!(s.node.bootstrap.dns_names.is_empty());
        assert!(!s.beacon && s.node.communities.iter().all(|c| !c.use_beacon));
        assert_eq!(s.node.communities.len(), 2);
        assert!(!s.rest.enabled);
        let dup = Overrides {
            communities: vec![CommunityId::DISCOVERY],
            ..Overrides::default()
        };
        assert_eq!(s.apply(&dup).unwrap_err().path, "--community");
    }

    #[test]
    fn example_config_parses_and_matches_the_documented_defaults() {
        let text = include_str!("../../../../config.example.toml");
        let s = Settings::from_toml(text).expect("config.example.toml parses");
        let d = Settings::embedded_default();
        assert_eq!(
            s.node.communities[0], d.node.communities[0],
            "the example spells out the default"
        );
        assert_eq!(s.node.bootstrap, d.node.bootstrap);
        assert_eq!(
            (s.node.walk_interval, s.node.statistics),
            (d.node.walk_interval, true)
        );
        assert_eq!(s.keys, d.keys);
        assert_eq!(s.interfaces, d.interfaces);
        assert_eq!(s.rest, d.rest);
        assert_eq!(s.dht, d.dht, "the example spells out the default DHT");
        let plain = &s.node.communities[1];
        assert_eq!(
            plain.id.to_string(),
            "6decb1e10678b4819a774153cc0bc785384923ec"
        );
        assert_eq!(plain.name, "PyPeerCommunity");
        assert_eq!(plain.walkers[0].strategy.name(), "EdgeWalk");
        assert!(plain.use_trackers && !plain.use_beacon);
    }

    #[test]
    fn errors_name_path_and_expected_form() {
        let err = ConfigError::new("overlays[1].walkers[0].peers", "9999999999 is out of range");
        assert_eq!(
            err.to_string(),
            "overlays[1].walkers[0].peers: 9999999999 is out of range (expected an integer peer target, -1 = always)"
        );
        let err = err.in_file(Path::new("a.toml")).at_line(Some(4));
        assert!(
            err.to_string()
                .starts_with("config file a.toml line 4: overlays[1]")
        );
    }
}
