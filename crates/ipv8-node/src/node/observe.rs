//! Observing a running driver from its snapshots: the `--status-json` line (one JSON object per
//! second on stdout, read by integration tests, also inside network namespaces) and the
//! one-time "offline" notice when no tracker answers.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use ipv8::Snapshot;
use ipv8::proto::BootstrapStatus;
use serde_json::{Value, json};

/// How long the first bootstrap round may go unanswered before the node says it is offline.
pub const OFFLINE_GRACE: Duration = Duration::from_secs(10);

/// Facts about the node that the snapshot does not hold.
#[derive(Debug, Clone)]
pub struct NodeFacts {
    /// `run` or `tracker`.
    pub role: &'static str,
    /// Our mid (hex).
    pub mid: String,
    /// Where the REST API listens, if it does.
    pub rest: Option<SocketAddr>,
}

/// One `--status-json` line: peers per community (mids and addresses), bootstrap state and the
/// `/health` object.
pub fn status_line(snapshot: &Snapshot, facts: &NodeFacts) -> Value {
    let communities: Vec<Value> = snapshot
        .overlays
        .iter()
        .map(|o| {
            let peers: Vec<Value> = o
                .peers
                .iter()
                .map(|(mid, addr, _)| json!({ "mid": mid.to_hex(), "address": addr.to_string() }))
                .collect();
            json!({
                "id": o.id.to_string(),
                "name": o.name,
                "peer_count": peers.len(),
                "peers": peers,
                "walkable_addresses": o.walkable_addresses,
                "bootstrap": ipv8_rest::health::bootstrap_json(o.bootstrap, snapshot),
            })
        })
        .collect();
    let time = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    json!({
        "time": time,
        "role": facts.role,
        "mid": facts.mid,
        "rest": facts.rest.map(|a| a.to_string()),
        "receiving": snapshot.health.is_open,
        "bound": snapshot.health.bound.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "peers": snapshot.peer_count(),
        "offline": is_offline(snapshot),
        "communities": communities,
        "health": ipv8_rest::health::health_json(snapshot),
    })
}

/// No overlay reached a tracker and at least one has been waiting past [`OFFLINE_GRACE`] (or
/// for more than one round), with no peers either.
pub fn is_offline(snapshot: &Snapshot) -> bool {
    let statuses = || snapshot.overlays.iter().map(|o| o.bootstrap);
    let reached = statuses().any(|s| matches!(s, BootstrapStatus::Reached { .. }));
    let waiting = statuses().any(|s| match s {
        BootstrapStatus::Waiting { attempts, .. } => {
            attempts >= 2 || snapshot.health.uptime >= OFFLINE_GRACE
        }
        _ => false,
    });
    !reached && waiting && snapshot.peer_count() == 0
}

/// Logs "offline" once, and "a tracker answered" once after that.
#[derive(Debug, Default)]
pub struct OfflineNotice {
    warned: bool,
    recovered: bool,
}

impl OfflineNotice {
    /// Looks at a new snapshot and logs at most one line.
    pub fn observe(&mut self, snapshot: &Snapshot, trackers: usize) {
        if !self.warned && is_offline(snapshot) {
            self.warned = true;
            tracing::warn!(
                trackers,
                "no bootstrap tracker has answered; the node keeps running and retries with backoff (reported once; see --status-json or GET /health)"
            );
        } else if self.warned && !self.recovered && snapshot.peer_count() > 0 {
            self.recovered = true;
            tracing::info!(peers = snapshot.peer_count(), "connected: peers found");
        }
    }
}
