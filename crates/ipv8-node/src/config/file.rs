//! The TOML config file as written by the user: serde types that mirror py-ipv8's configuration
//! dict (`ipv8/configuration.py`), parsed strictly (`deny_unknown_fields`) with the dotted path
//! of every error (`overlays[1].walkers[0].peers`).
//!
//! These types only describe the *syntax*; `validate.rs` turns them into [`super::Settings`]
//! and checks the values (ports, hex ids, addresses, intervals, key aliases). Every key is
//! documented in `docs/CONFIG.md`.

use serde::Deserialize;

use super::ConfigError;

/// The whole file. Every key is optional; a missing key takes py-ipv8's default (except
/// `statistics`, which is on).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Identities (`keys` list of py-ipv8).
    pub keys: Option<Vec<KeyEntry>>,
    /// Sockets (`interfaces` list of py-ipv8).
    pub interfaces: Option<Vec<InterfaceEntry>>,
    /// `logger` kwargs; only `level` is understood.
    pub logger: Option<LoggerEntry>,
    /// Base directory for relative key files (py-ipv8 `working_directory`).
    pub working_directory: Option<String>,
    /// Seconds between strategy rounds (0.5).
    pub walker_interval: Option<f64>,
    /// Overlays (`overlays` list of py-ipv8).
    pub overlays: Option<Vec<OverlayEntry>>,
    /// Message statistics (py-ipv8: off; ipv8-rs: on).
    pub statistics: Option<bool>,
    /// Default `max_peers` of overlays that do not set `initialize.max_peers` (30).
    pub max_peers: Option<i64>,
    /// The REST API.
    pub rest: Option<RestEntry>,
}

/// One `[[keys]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    /// The name overlays refer to with `key`.
    pub alias: String,
    /// Key type for a new key: `curve25519`, `very-low`, `low`, `medium`, `high`.
    pub generation: Option<String>,
    /// Base64 private key bin (instead of `generation`).
    pub bin: Option<String>,
    /// Key file; `""` keeps the key in memory only.
    pub file: Option<String>,
}

/// One `[[interfaces]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterfaceEntry {
    /// `UDPIPv4` or `UDPIPv6`.
    pub interface: String,
    /// Local address to bind (`0.0.0.0` / `::`).
    pub ip: Option<String>,
    /// First port to try (8090); 0 lets the OS choose.
    pub port: Option<i64>,
}

/// The `[logger]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggerEntry {
    /// `DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL` (or tracing's names).
    pub level: Option<String>,
}

/// The `[rest]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestEntry {
    /// Serve the REST API (true).
    pub enabled: Option<bool>,
    /// TCP port (8085); 0 lets the OS choose.
    pub port: Option<i64>,
    /// Address to listen on (`127.0.0.1`); anything but loopback needs `api_key`.
    pub host: Option<String>,
    /// API key every request must carry (`X-Api-Key` header or `apikey` query parameter).
    pub api_key: Option<String>,
}

/// One `[[overlays]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverlayEntry {
    /// `DiscoveryCommunity` or `Community` (a plain community joined by `id`).
    pub class: String,
    /// 40 hex digits: the community id (`Community` only).
    pub id: Option<String>,
    /// `overlay_name` shown by REST (`Community` only; default `Community`).
    pub name: Option<String>,
    /// Alias of the key this overlay uses (the first key).
    pub key: Option<String>,
    /// Discovery strategies (the class's defaults when missing).
    pub walkers: Option<Vec<WalkerEntry>>,
    /// Bootstrappers (DispersyBootstrapper with py-ipv8's trackers when missing).
    pub bootstrappers: Option<Vec<BootstrapperEntry>>,
    /// Settings (`max_peers`).
    pub initialize: Option<InitializeEntry>,
}

/// One `[[overlays.walkers]]` entry; `init` is checked per strategy in `validate.rs`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalkerEntry {
    /// `RandomWalk`, `EdgeWalk`, `RandomChurn` or `PeriodicSimilarity`.
    pub strategy: String,
    /// Peer target; `-1` = always run.
    pub peers: Option<i64>,
    /// Constructor keyword arguments.
    pub init: Option<toml::Table>,
}

/// One `[[overlays.bootstrappers]]` entry; `init` is checked per class in `validate.rs`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BootstrapperEntry {
    /// `DispersyBootstrapper` or `UDPBroadcastBootstrapper`.
    pub class: String,
    /// Constructor keyword arguments.
    pub init: Option<toml::Table>,
}

/// An overlay's `initialize` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitializeEntry {
    /// py-ipv8 `max_peers` (30; `-1` = unlimited).
    pub max_peers: Option<i64>,
}

/// `RandomWalk` init kwargs (seconds as numbers).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomWalkInit {
    /// 3.0
    pub timeout: Option<f64>,
    /// 5
    pub window_size: Option<i64>,
    /// 50
    pub reset_chance: Option<i64>,
    /// 0
    pub target_interval: Option<f64>,
}

/// `EdgeWalk` init kwargs.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdgeWalkInit {
    /// 4
    pub edge_length: Option<i64>,
    /// 6
    pub neighborhood_size: Option<i64>,
    /// 3.0
    pub edge_timeout: Option<f64>,
}

/// `RandomChurn` init kwargs.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomChurnInit {
    /// 8
    pub sample_size: Option<i64>,
    /// 10.0
    pub ping_interval: Option<f64>,
    /// 27.5
    pub inactive_time: Option<f64>,
    /// 57.5
    pub drop_time: Option<f64>,
}

/// `PeriodicSimilarity` takes no init kwargs.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoInit {}

/// `DispersyBootstrapper` init kwargs.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DispersyInit {
    /// `"ip:port"` strings (py-ipv8's 13 defaults when missing).
    pub ip_addresses: Option<Vec<String>>,
    /// `"host:port"` strings (py-ipv8's 7 defaults when missing).
    pub dns_addresses: Option<Vec<String>>,
    /// Seconds between bootstrap rounds (30).
    pub bootstrap_timeout: Option<f64>,
}

/// `UDPBroadcastBootstrapper` init kwargs.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BroadcastInit {
    /// Seconds between beacons (30; accepted for py-ipv8 compatibility, the node's is fixed).
    pub bootstrap_timeout: Option<f64>,
}

/// Parses `text` (the contents of a config file) into a [`FileConfig`].
///
/// # Errors
/// A [`ConfigError`] naming the dotted path of the bad key and its line.
pub fn parse(text: &str) -> Result<FileConfig, ConfigError> {
    let deserializer = toml::Deserializer::new(text);
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = path_string(err.path());
        let inner = err.into_inner();
        // No key path: the text is not valid TOML at all.
        let path = if path.is_empty() {
            "TOML syntax".to_owned()
        } else {
            path
        };
        let line = inner.span().map(|span| line_of(text, span.start));
        ConfigError::new(path, clean_message(inner.message())).at_line(line)
    })
}

/// Deserializes an `init` table into `T`, naming errors below `base` (`overlays[0].walkers[1].init`).
///
/// # Errors
/// A [`ConfigError`] with the full dotted path.
pub fn parse_init<T: for<'de> Deserialize<'de> + Default>(
    table: Option<&toml::Table>,
    base: &str,
) -> Result<T, ConfigError> {
    let Some(table) = table else {
        return Ok(T::default());
    };
    let value = toml::Value::Table(table.clone());
    serde_path_to_error::deserialize(value).map_err(|err| {
        let inner_path = path_string(err.path());
        let path = if inner_path.is_empty() {
            base.to_owned()
        } else {
            format!("{base}.{inner_path}")
        };
        ConfigError::new(path, clean_message(&err.into_inner().to_string()))
    })
}

/// serde_path_to_error's path as `a.b[0].c` (empty at the top level).
fn path_string(path: &serde_path_to_error::Path) -> String {
    let text = path.to_string();
    if text == "." { String::new() } else { text }
}

/// One-based line of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text.get(..at)
        .map_or(0, |head| head.bytes().filter(|b| *b == b'\n').count())
        + 1
}

/// toml's messages without trailing newlines, on one line.
fn clean_message(message: &str) -> String {
    message.trim().replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named_with_their_path() {
        let err = parse("[[overlays]]\nclass = \"DiscoveryCommunity\"\nfoo = 1\n").unwrap_err();
        assert_eq!(err.path, "overlays[0].foo");
        assert!(err.message.contains("unknown field `foo`"), "{err}");
        assert_eq!(err.line, Some(3));
    }

    #[test]
    fn wrong_types_name_the_key() {
        let text = "[[overlays]]\nclass = \"Community\"\n[[overlays.walkers]]\nstrategy = \"RandomWalk\"\npeers = \"x\"\n";
        let err = parse(text).unwrap_err();
        assert_eq!(err.path, "overlays[0].walkers[0].peers");
        assert!(err.message.contains("invalid type"), "{err}");
    }

    #[test]
    fn init_tables_are_checked_with_the_full_path() {
        let table: toml::Table = toml::from_str("timeout = \"slow\"").unwrap();
        let err =
            parse_init::<RandomWalkInit>(Some(&table), "overlays[0].walkers[0].init").unwrap_err();
        assert_eq!(err.path, "overlays[0].walkers[0].init.timeout");
        let table: toml::Table = toml::from_str("timeout = 3").unwrap();
        let init = parse_init::<RandomWalkInit>(Some(&table), "x").unwrap();
        assert_eq!(init.timeout, Some(3.0), "integers are accepted as seconds");
    }
}
