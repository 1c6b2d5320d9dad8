//! The `DHTDiscoveryCommunity` overlay block (py-ipv8's default config loads it with RandomWalk
//! (20 peers, timeout 3 s) and PingChurn). It is loaded by the binary as an `ipv8-dht`
//! community, not by the node's built-in kinds, so it is kept apart from
//! `NodeConfig::communities`: [`DhtSettings`].
//!
//! Leaving the block out of `overlays` (or `--no-dht`) turns the DHT off.

use std::time::Duration;

use ipv8::StrategyConfig;
use ipv8::proto::config::{BootstrapConfig, CommunityConfig, RandomWalkConfig, WalkerConfig};

use super::ConfigError;
use super::file::{self, OverlayEntry, WalkerEntry};

/// The DHT as configured.
#[derive(Debug, Clone, PartialEq)]
pub struct DhtSettings {
    /// Community settings: id `8d0be184…`, walkers other than PingChurn, max_peers,
    /// trackers.
    pub community: CommunityConfig,
    /// PingChurn's target peers (`-1`: always) and ping interval; `None` without PingChurn.
    pub ping_churn: Option<(i32, Duration)>,
}

impl DhtSettings {
    /// py-ipv8's default block: RandomWalk (20 peers, timeout 3 s), PingChurn (-1, 25 s), the
    /// node's trackers.
    #[must_use]
    pub fn py_ipv8_default() -> Self {
        let mut community = CommunityConfig::plain(ipv8_dht::COMMUNITY_ID, "DHTDiscoveryCommunity");
        community.walkers = vec![WalkerConfig {
            strategy: StrategyConfig::RandomWalk(RandomWalkConfig::default()),
            target_peers: 20,
        }];
        Self {
            community,
            ping_churn: Some((-1, ipv8_dht::PING_INTERVAL)),
        }
    }
}

/// PingChurn's `init`: `ping_interval` (seconds, default 25).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PingChurnInit {
    ping_interval: Option<f64>,
}

/// Checks a `DHTDiscoveryCommunity` block: what `overlay` checks for any community (walkers,
/// bootstrappers, max_peers), plus PingChurn, which only the DHT has.
///
/// # Errors
/// The first bad value, with its dotted path.
pub fn overlay(
    entry: &OverlayEntry,
    base: &str,
    default_max_peers: i32,
    bootstrap: &mut BootstrapConfig,
    bootstrap_timeout: &mut Option<(String, Duration)>,
) -> Result<DhtSettings, ConfigError> {
    for (key, given) in [("id", entry.id.is_some()), ("name", entry.name.is_some())] {
        if given {
            return Err(ConfigError::new(
                format!("{base}.{key}"),
                "DHTDiscoveryCommunity has a fixed id and name; `id` and `name` are for class = \"Community\"",
            ));
        }
    }
    let mut ping_churn = None;
    let mut others: Vec<WalkerEntry> = Vec::new();
    for (j, walker) in entry.walkers.iter().flatten().enumerate() {
        if walker.strategy != "PingChurn" {
            others.push(walker.clone());
            continue;
        }
        let path = format!("{base}.walkers[{j}]");
        let peers = match walker.peers {
            None => -1,
            Some(v) if (-1..=i64::from(i32::MAX)).contains(&v) => i32::try_from(v).unwrap_or(-1),
            Some(v) => {
                return Err(ConfigError::new(
                    format!("{path}.peers"),
                    format!("{v} is out of range"),
                ));
            }
        };
        let init: PingChurnInit = file::parse_init(walker.init.as_ref(), &format!("{path}.init"))?;
        let interval = match init.ping_interval {
            Some(s) => super::validate::positive_seconds(&format!("{path}.init.ping_interval"), s)?,
            None => ipv8_dht::PING_INTERVAL,
        };
        ping_churn = Some((peers, interval));
    }
    let as_community = OverlayEntry {
        class: "Community".to_owned(),
        id: Some(ipv8_dht::COMMUNITY_ID.to_string()),
        name: Some("DHTDiscoveryCommunity".to_owned()),
        walkers: entry.walkers.as_ref().map(|_| others),
        ..entry.clone()
    };
    let community = super::validate::overlay(
        &as_community,
        base,
        default_max_peers,
        bootstrap,
        bootstrap_timeout,
    )?;
    Ok(DhtSettings {
        community,
        ping_churn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Overrides, Settings};

    const DHT_ONLY: &str = r#"
[[overlays]]
class = "DHTDiscoveryCommunity"
initialize = { max_peers = 40 }
  [[overlays.walkers]]
  strategy = "RandomWalk"
  peers = 30
  [[overlays.walkers]]
  strategy = "PingChurn"
  init = { ping_interval = 5.0 }
"#;

    #[test]
    fn on_by_default_off_by_flag_or_by_leaving_it_out() {
        let mut s = Settings::embedded_default();
        assert_eq!(s.dht, Some(DhtSettings::py_ipv8_default()));
        assert_eq!(Settings::from_toml("").unwrap().dht, s.dht);
        s.apply(&Overrides {
            no_dht: true,
            ..Overrides::default()
        })
        .unwrap();
        assert_eq!(s.dht, None);
        let without = "[[overlays]]\nclass = \"DiscoveryCommunity\"\n";
        assert_eq!(Settings::from_toml(without).unwrap().dht, None);
    }

    #[test]
    fn a_dht_block_is_read_and_kept_out_of_the_node_communities() {
        let s = Settings::from_toml(DHT_ONLY).unwrap();
        let dht = s.dht.expect("configured");
        assert!(s.node.communities.is_empty());
        assert_eq!(dht.community.id, ipv8_dht::COMMUNITY_ID);
        assert_eq!(dht.community.name, "DHTDiscoveryCommunity");
        assert_eq!(dht.community.max_peers, 40);
        assert_eq!(dht.community.walkers.len(), 1);
        assert_eq!(dht.community.walkers[0].target_peers, 30);
        assert_eq!(dht.ping_churn, Some((-1, Duration::from_secs(5))));
    }

    #[test]
    fn bad_dht_blocks_name_the_key() {
        let cases = [
            (
                "[[overlays]]\nclass = \"DHTDiscoveryCommunity\"\nid = \"00\"\n",
                "overlays[0].id",
            ),
            (
                "[[overlays]]\nclass = \"DHTDiscoveryCommunity\"\n[[overlays.walkers]]\nstrategy = \"PingChurn\"\ninit = { ping_interval = -1.0 }\n",
                "overlays[0].walkers[0].init.ping_interval",
            ),
            (
                "[[overlays]]\nclass = \"DHTDiscoveryCommunity\"\n[[overlays.walkers]]\nstrategy = \"PingChurn\"\ninit = { interval = 1.0 }\n",
                "overlays[0].walkers[0].init",
            ),
            (
                "[[overlays]]\nclass = \"DiscoveryCommunity\"\n[[overlays.walkers]]\nstrategy = \"PingChurn\"\n",
                "overlays[0].walkers[0].strategy",
            ),
            (
                "[[overlays]]\nclass = \"DHTDiscoveryCommunity\"\n[[overlays]]\nclass = \"DHTDiscoveryCommunity\"\n",
                "overlays[1].id",
            ),
        ];
        for (text, path) in cases {
            let err = Settings::from_toml(text).unwrap_err();
            assert!(err.path.starts_with(path), "{text}: {err}");
        }
    }
}
