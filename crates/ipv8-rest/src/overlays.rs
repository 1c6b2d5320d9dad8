//! `GET /overlays` and `GET /overlays/statistics` in py-ipv8's shapes
//! (`REST/overlays_endpoint.py`): hex community ids and keys; statistics per message id named
//! `"<id>:<handler name>"`, times as Unix floats (integer `0` for "never", as py-ipv8 prints).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use ipv8::Snapshot;
use ipv8::proto::OverlayInfo;
use ipv8::proto::stats::NetworkStat;
use ipv8::proto::time::Instant;
use serde_json::{Map, Value, json};

use crate::RestState;

/// The routes of this resource.
pub fn routes() -> Router<RestState> {
    Router::new()
        .route("/overlays", get(overlays))
        .route("/overlays/statistics", get(statistics))
}

async fn overlays(State(state): State<RestState>) -> Json<Value> {
    Json(overlays_json(&state.snapshot()))
}

async fn statistics(State(state): State<RestState>) -> Json<Value> {
    Json(statistics_json(&state.snapshot()))
}

/// `{"overlays": [Overlay...]}`, one element per overlay (docs/spec/PROTOCOL.md §8).
pub fn overlays_json(snapshot: &Snapshot) -> Value {
    let overlays: Vec<Value> = snapshot.overlays.iter().map(overlay_json).collect();
    json!({ "overlays": overlays })
}

fn overlay_json(o: &OverlayInfo) -> Value {
    let peers: Vec<Value> = o
        .peers
        .iter()
        .map(|(_, addr, key)| {
            json!({ "ip": addr.ip().to_string(), "port": addr.port(), "public_key": hex::encode(key) })
        })
        .collect();
    let statistics = o.statistics.as_ref().map_or_else(
        || json!({}),
        |a| {
            json!({
                "num_up": a.num_up,
                "num_down": a.num_down,
                "bytes_up": a.bytes_up,
                "bytes_down": a.bytes_down,
                "diff_time": a.diff_time.as_secs_f64(),
            })
        },
    );
    let strategies: Vec<Value> = o
        .strategies
        .iter()
        .map(|s| json!({ "name": s.name, "target_peers": s.target_peers }))
        .collect();
    json!({
        "id": o.id.to_string(),
        "my_peer": hex::encode(&o.my_public_key),
        "global_time": o.global_time,
        "peers": peers,
        "overlay_name": o.name,
        "statistics": statistics,
        "max_peers": o.max_peers,
        "is_isolated": false,
        "my_estimated_wan": { "ip": o.my_estimated_wan.ip().to_string(), "port": o.my_estimated_wan.port() },
        "my_estimated_lan": { "ip": o.my_estimated_lan.ip().to_string(), "port": o.my_estimated_lan.port() },
        "strategies": strategies,
    })
}

/// `{"statistics": [{"<overlay name>": {"<id>:<handler>": NetworkStat}}...]}`: one element per
/// overlay whose statistics are on; `[]` when they are off everywhere. The names come with the
/// snapshot (`Node::message_name`, computed when it was taken).
pub fn statistics_json(snapshot: &Snapshot) -> Value {
    let list: Vec<Value> = snapshot
        .message_statistics
        .iter()
        .map(|o| {
            let per_id: Map<String, Value> = o
                .messages
                .iter()
                .map(|m| (m.name.clone(), stat_json(snapshot, m.id, &m.stat)))
                .collect();
            let mut entry = Map::new();
            entry.insert(o.overlay.clone(), Value::Object(per_id));
            Value::Object(entry)
        })
        .collect();
    json!({ "statistics": list })
}

/// py-ipv8's `NetworkStat.to_dict()`.
fn stat_json(snapshot: &Snapshot, id: u8, s: &NetworkStat) -> Value {
    let time = |t: Option<Instant>| match t {
        Some(t) => Value::from(snapshot.wall_clock.to_unix(t)),
        None => Value::from(0),
    };
    json!({
        "identifier": id,
        "num_up": s.num_up,
        "num_down": s.num_down,
        "bytes_up": s.bytes_up,
        "bytes_down": s.bytes_down,
        "first_measured_up": time(s.first_measured_up),
        "first_measured_down": time(s.first_measured_down),
        "last_measured_up": time(s.last_measured_up),
        "last_measured_down": time(s.last_measured_down),
    })
}
