//! `GET /health`: the endpoint's truthful state (not in py-ipv8). "Receiving" means the driver's
//! receive loop is armed on at least one bound socket; next to it everything needed to tell a
//! quiet network from a deaf endpoint: time since the last datagram, error counters per class
//! (receive, send, and the LAN beacon's sends apart), rebinds, bound addresses, traffic, drops
//! and bootstrap progress.
//!
//! `traffic` counts datagrams on the main sockets (LAN beacons included), `beacon.datagrams_down`
//! those on the beacon socket; `GET /overlays` counts messages routed to each overlay from
//! either socket. They reconcile as `traffic.datagrams_down + beacon.datagrams_down` = Σ
//! overlay `statistics.num_down` + `beacon.lan_beacons_received` + `drops.truncated` +
//! `drops.unknown_prefix` (see `ipv8::counters::Traffic`).

use std::time::{Duration, SystemTime};

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use ipv8::Snapshot;
use ipv8::counters::ClassCounters;
use ipv8::proto::BootstrapStatus;
use serde_json::{Map, Value, json};

use crate::RestState;

/// The routes of this resource.
pub fn routes() -> Router<RestState> {
    Router::new().route("/health", get(health))
}

async fn health(State(state): State<RestState>) -> Json<Value> {
    Json(health_json(&state.snapshot()))
}

fn secs(d: Duration) -> Value {
    Value::from(d.as_secs_f64())
}

fn unix(t: SystemTime) -> Value {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(Value::Null, secs)
}

/// Every class with its count (zeros included, so the key set is stable).
pub fn classes_json(counters: &ClassCounters) -> Value {
    let map: Map<String, Value> = counters
        .iter()
        .map(|(class, n)| (class.as_str().to_owned(), Value::from(n)))
        .collect();
    Value::Object(map)
}

/// Where one overlay's bootstrapping stands: `state` is `disabled`, `idle`, `waiting` (no
/// tracker answered yet; `attempts`, `next_attempt_in` seconds) or `reached`
/// (`last_response_age` seconds).
pub fn bootstrap_json(status: BootstrapStatus, snapshot: &Snapshot) -> Value {
    match status {
        BootstrapStatus::Disabled => json!({ "state": "disabled" }),
        BootstrapStatus::Idle => json!({ "state": "idle" }),
        BootstrapStatus::Waiting {
            attempts,
            next_attempt,
        } => json!({
            "state": "waiting",
            "attempts": attempts,
            "next_attempt_in": secs(next_attempt.saturating_duration_since(snapshot.now)),
        }),
        BootstrapStatus::Reached { last_response } => json!({
            "state": "reached",
            "last_response_age": secs(snapshot.now.saturating_duration_since(last_response)),
        }),
    }
}

/// The `/health` body.
pub fn health_json(snapshot: &Snapshot) -> Value {
    let h = &snapshot.health;
    let c = &h.counters;
    let drops: Map<String, Value> = snapshot
        .drops
        .iter()
        .map(|(reason, n)| (reason.name().to_owned(), Value::from(n)))
        .collect();
    let bootstrap: Map<String, Value> = snapshot
        .overlays
        .iter()
        .map(|o| (o.name.clone(), bootstrap_json(o.bootstrap, snapshot)))
        .collect();
    let last_rebind = h.last_rebind.map_or(
        Value::Null,
        |r| json!({ "reason": r.reason.as_str(), "at": unix(r.at), "succeeded": r.succeeded }),
    );
    json!({
        "receiving": h.is_open,
        "is_open": h.is_open,
        "bound": h.bound.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "beacon_bound": h.beacon_bound.map(|a| a.to_string()),
        "last_receive": h.last_receive.map_or(Value::Null, unix),
        "last_receive_age": h.last_receive_age.map_or(Value::Null, secs),
        "uptime": secs(h.uptime),
        "rebinds": h.rebinds,
        "rebind_failures": h.rebind_failures,
        "rebind_pending": h.rebind_pending,
        "last_rebind": last_rebind,
        "traffic": {
            "datagrams_up": c.traffic.datagrams_up,
            "bytes_up": c.traffic.bytes_up,
            "datagrams_down": c.traffic.datagrams_down,
            "bytes_down": c.traffic.bytes_down,
        },
        "errors": {
            "receive": classes_json(&c.recv_errors),
            "send": classes_json(&c.send_errors),
        },
        "rejected_sends": {
            "port_zero": c.rejected.port_zero,
            "unspecified": c.rejected.unspecified,
            "broadcast": c.rejected.broadcast,
            "multicast": c.rejected.multicast,
            "wrong_family": c.rejected.wrong_family,
            "no_socket": c.rejected.no_socket,
        },
        "send_failures_attributed": c.send_failures_attributed,
        "stale_send_retries": c.stale_send_retries,
        "beacon": {
            "sweeps": c.beacons,
            "datagrams_up": c.beacon_datagrams_up,
            "datagrams_down": c.beacon_datagrams_down,
            "lan_beacons_received": c.lan_beacons_received,
            "suppressed": c.beacons_suppressed,
            "send_errors": classes_json(&c.beacon_send_errors),
        },
        "recv_budget_exhausted": c.recv_budget_exhausted,
        "recv_storm_pauses": c.recv_storm_pauses,
        "drops": drops,
        "peers": snapshot.peer_count(),
        "bootstrap": bootstrap,
        "snapshot_seq": snapshot.seq,
    })
}
