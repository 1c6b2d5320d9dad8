//! `GET /health`: the endpoint's truthful state (not in py-ipv8). "Receiving" means the driver's
//! receive loop is armed on at least one bound socket; next to it everything needed to tell a
//! quiet network from a deaf endpoint: time since the last datagram, error counters per class
//! (receive, send, and the LAN beacon's sends apart), rebinds, the watchdog's state, bound
//! addresses, traffic, drops and bootstrap progress.
//!
//! `traffic` counts datagrams on the main sockets (LAN beacons included), `beacon.datagrams_down`
//! those on the beacon socket; `GET /overlays` counts messages routed to each overlay from
//! either socket. They reconcile as `traffic.datagrams_down + beacon.datagrams_down` = Σ
//! overlay `statistics.num_down` + `beacon.lan_beacons_received` + `drops.truncated` +
//! `drops.unknown_prefix` (see `ipv8::counters::Traffic`).

use std::time::{Duration, SystemTime};

use axum::Json;
use axum::extract::State;
use indexmap::IndexMap;
use ipv8::Snapshot;
use ipv8::counters::ClassCounters;
use ipv8::proto::BootstrapStatus;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::RestState;

/// The routes of this resource.
pub fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new().routes(routes!(health))
}

/// Counts per error class, every class listed (zeros included, so the key set is stable).
pub type ClassCounts = IndexMap<String, u64>;

/// The `/health` body.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    /// The receive loop is armed on at least one bound socket.
    pub receiving: bool,
    /// The same (the driver's name for it).
    pub is_open: bool,
    /// Bound unicast sockets (`ip:port`), IPv4 first; empty while a rebind is retried.
    pub bound: Vec<String>,
    /// The LAN-beacon socket, if open.
    pub beacon_bound: Option<String>,
    /// When the last datagram arrived (Unix seconds).
    pub last_receive: Option<f64>,
    /// Seconds since then.
    pub last_receive_age: Option<f64>,
    /// Seconds since the driver started.
    pub uptime: f64,
    /// Successful rebinds.
    pub rebinds: u64,
    /// Failed rebind attempts (each retried).
    pub rebind_failures: u64,
    /// A rebind is scheduled.
    pub rebind_pending: bool,
    /// The most recent rebind attempt.
    pub last_rebind: Option<LastRebind>,
    /// What the liveness watchdog watches for.
    pub watchdog: Watchdog,
    /// Datagrams and bytes through the unicast sockets.
    pub traffic: Traffic,
    /// I/O errors per class.
    pub errors: Errors,
    /// Sends refused before the socket was called, per reason.
    pub rejected_sends: RejectedSends,
    /// Send errors attributed to their destination.
    pub send_failures_attributed: u64,
    /// Sends retried once after a stale ICMP report, successfully.
    pub stale_send_retries: u64,
    /// The LAN beacon.
    pub beacon: Beacon,
    /// Receive batches cut short by the per-wakeup budget.
    pub recv_budget_exhausted: u64,
    /// Short pauses after batches of nothing but errors.
    pub recv_storm_pauses: u64,
    /// Moderation periods: dense traffic left to queue, then read in one batch.
    pub recv_moderated: u64,
    /// Full receive bursts whose signatures the verify helpers checked while the burst before
    /// was handled.
    pub recv_pipelined: u64,
    /// Dropped datagrams per reason.
    #[schema(value_type = std::collections::HashMap<String, u64>)]
    pub drops: IndexMap<String, u64>,
    /// Verified peers.
    pub peers: usize,
    /// Bootstrap state per overlay name.
    #[schema(value_type = std::collections::HashMap<String, Bootstrap>)]
    pub bootstrap: IndexMap<String, Bootstrap>,
    /// Sequence number of the snapshot this was read from.
    pub snapshot_seq: u64,
}

/// A rebind attempt.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LastRebind {
    /// `network_change`, `silence`, `send_failures`, `clock_jump`, `socket_error`, `requested`.
    pub reason: String,
    /// Unix seconds.
    pub at: Option<f64>,
    /// Every socket was bound again.
    pub succeeded: bool,
}

/// The watchdog's state.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Watchdog {
    /// Master switch.
    pub enabled: bool,
    /// Silence would trigger a rebind now (peers exist, or we sent without hearing back).
    pub expecting_traffic: bool,
    /// Seconds of silence that trigger a rebind (doubles after fruitless silence rebinds).
    pub silence_timeout: f64,
    /// Seconds since the last datagram or rebind.
    pub silent_for: f64,
    /// Seconds of failing sends that trigger a rebind.
    pub send_failure_timeout: f64,
    /// Seconds every send has been failing (`null`: they are not).
    pub failing_for: Option<f64>,
    /// An address change waits for its debounce.
    pub network_change_pending: bool,
}

/// Traffic counters.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Traffic {
    /// Datagrams sent.
    pub datagrams_up: u64,
    /// Bytes sent.
    pub bytes_up: u64,
    /// Datagrams received.
    pub datagrams_down: u64,
    /// Bytes received.
    pub bytes_down: u64,
}

/// Error counters per class of the unicast sockets.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Errors {
    /// Receive errors (none stops the receive loop).
    #[schema(value_type = std::collections::HashMap<String, u64>)]
    pub receive: ClassCounts,
    /// Send errors of the node's own sends (LAN-beacon errors are under `beacon`).
    #[schema(value_type = std::collections::HashMap<String, u64>)]
    pub send: ClassCounts,
}

/// Sends refused per reason.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RejectedSends {
    /// Port 0.
    pub port_zero: u64,
    /// `0.0.0.0` / `::`.
    pub unspecified: u64,
    /// The broadcast address on a unicast socket.
    pub broadcast: u64,
    /// A multicast group.
    pub multicast: u64,
    /// A family with no socket.
    pub wrong_family: u64,
    /// No socket bound (rebind in progress).
    pub no_socket: u64,
}

/// The LAN beacon's counters.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Beacon {
    /// Sweeps started.
    pub sweeps: u64,
    /// Beacon datagrams sent.
    pub datagrams_up: u64,
    /// Datagrams received on the beacon socket.
    pub datagrams_down: u64,
    /// LAN beacons received (on either socket); they reach no overlay.
    pub lan_beacons_received: u64,
    /// Beacons asked for while the beacon is off.
    pub suppressed: u64,
    /// Beacon send errors per class (a sweep covers 65 534 ports).
    #[schema(value_type = std::collections::HashMap<String, u64>)]
    pub send_errors: ClassCounts,
}

/// Where one overlay's bootstrapping stands.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Bootstrap {
    /// `disabled`, `idle`, `waiting` (no tracker answered yet) or `reached`.
    pub state: &'static str,
    /// Unanswered rounds (`waiting`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// Seconds until the next round (`waiting`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_in: Option<f64>,
    /// Seconds since a tracker last answered (`reached`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_response_age: Option<f64>,
}

/// Receiving or not, and why.
#[utoipa::path(get, path = "/health", tag = "Health",
    responses((status = 200, body = HealthResponse)))]
async fn health(State(state): State<RestState>) -> Json<HealthResponse> {
    Json(health_response(&state.snapshot()))
}

fn unix(t: SystemTime) -> Option<f64> {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs_f64())
}

/// Every class with its count, in `ErrorClass::ALL` order.
pub fn class_counts(counters: &ClassCounters) -> ClassCounts {
    counters
        .iter()
        .map(|(class, n)| (class.as_str().to_owned(), n))
        .collect()
}

/// One overlay's bootstrap state.
pub fn bootstrap(status: BootstrapStatus, snapshot: &Snapshot) -> Bootstrap {
    let base = |state| Bootstrap {
        state,
        attempts: None,
        next_attempt_in: None,
        last_response_age: None,
    };
    match status {
        BootstrapStatus::Disabled => base("disabled"),
        BootstrapStatus::Idle => base("idle"),
        BootstrapStatus::Waiting {
            attempts,
            next_attempt,
        } => Bootstrap {
            attempts: Some(attempts),
            next_attempt_in: Some(
                next_attempt
                    .saturating_duration_since(snapshot.now)
                    .as_secs_f64(),
            ),
            ..base("waiting")
        },
        BootstrapStatus::Reached { last_response } => Bootstrap {
            last_response_age: Some(
                snapshot
                    .now
                    .saturating_duration_since(last_response)
                    .as_secs_f64(),
            ),
            ..base("reached")
        },
    }
}

/// [`bootstrap`] as JSON (for `--status-json`).
pub fn bootstrap_json(status: BootstrapStatus, snapshot: &Snapshot) -> Value {
    serde_json::to_value(bootstrap(status, snapshot)).unwrap_or(Value::Null)
}

/// The `/health` body as JSON (for `--status-json`).
pub fn health_json(snapshot: &Snapshot) -> Value {
    serde_json::to_value(health_response(snapshot)).unwrap_or(Value::Null)
}

/// The `/health` body.
pub fn health_response(snapshot: &Snapshot) -> HealthResponse {
    let h = &snapshot.health;
    let c = &h.counters;
    let w = &h.watchdog;
    let secs = Duration::as_secs_f64;
    HealthResponse {
        receiving: h.is_open,
        is_open: h.is_open,
        bound: h.bound.iter().map(ToString::to_string).collect(),
        beacon_bound: h.beacon_bound.map(|a| a.to_string()),
        last_receive: h.last_receive.and_then(unix),
        last_receive_age: h.last_receive_age.as_ref().map(secs),
        uptime: h.uptime.as_secs_f64(),
        rebinds: h.rebinds,
        rebind_failures: h.rebind_failures,
        rebind_pending: h.rebind_pending,
        last_rebind: h.last_rebind.map(|r| LastRebind {
            reason: r.reason.as_str().to_owned(),
            at: unix(r.at),
            succeeded: r.succeeded,
        }),
        watchdog: Watchdog {
            enabled: w.enabled,
            expecting_traffic: w.expecting_traffic,
            silence_timeout: w.silence_timeout.as_secs_f64(),
            silent_for: w.silent_for.as_secs_f64(),
            send_failure_timeout: w.send_failure_timeout.as_secs_f64(),
            failing_for: w.failing_for.as_ref().map(secs),
            network_change_pending: w.network_change_pending,
        },
        traffic: Traffic {
            datagrams_up: c.traffic.datagrams_up,
            bytes_up: c.traffic.bytes_up,
            datagrams_down: c.traffic.datagrams_down,
            bytes_down: c.traffic.bytes_down,
        },
        errors: Errors {
            receive: class_counts(&c.recv_errors),
            send: class_counts(&c.send_errors),
        },
        rejected_sends: RejectedSends {
            port_zero: c.rejected.port_zero,
            unspecified: c.rejected.unspecified,
            broadcast: c.rejected.broadcast,
            multicast: c.rejected.multicast,
            wrong_family: c.rejected.wrong_family,
            no_socket: c.rejected.no_socket,
        },
        send_failures_attributed: c.send_failures_attributed,
        stale_send_retries: c.stale_send_retries,
        beacon: Beacon {
            sweeps: c.beacons,
            datagrams_up: c.beacon_datagrams_up,
            datagrams_down: c.beacon_datagrams_down,
            lan_beacons_received: c.lan_beacons_received,
            suppressed: c.beacons_suppressed,
            send_errors: class_counts(&c.beacon_send_errors),
        },
        recv_budget_exhausted: c.recv_budget_exhausted,
        recv_storm_pauses: c.recv_storm_pauses,
        recv_moderated: c.recv_moderated,
        recv_pipelined: c.recv_pipelined,
        drops: snapshot
            .drops
            .iter()
            .map(|(reason, n)| (reason.name().to_owned(), n))
            .collect(),
        peers: snapshot.peer_count(),
        bootstrap: snapshot
            .overlays
            .iter()
            .map(|o| (o.name.clone(), bootstrap(o.bootstrap, snapshot)))
            .collect(),
        snapshot_seq: snapshot.seq,
    }
}
