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

/// `{"overlays": [Overlay...]}`, one element per overlay (PROTOCOL §8).
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
/// overlay whose statistics are on; `[]` when they are off everywhere.
pub fn statistics_json(snapshot: &Snapshot) -> Value {
    let mut list = Vec::new();
    for o in &snapshot.overlays {
        let Some(prefix_stats) = snapshot.statistics.prefix(&o.prefix) else {
            continue;
        };
        let mut per_id = Map::new();
        for (id, stat) in prefix_stats.iter() {
            per_id.insert(
                format!("{id}:{}", handler_name(o, id)),
                stat_json(snapshot, id, stat),
            );
        }
        let mut entry = Map::new();
        entry.insert(o.name.clone(), Value::Object(per_id));
        list.push(Value::Object(entry));
    }
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

/// The py-ipv8 handler name of message `id` in overlay `o` (`unknown` when it has none).
/// Mirrors `ipv8_proto::Node::message_name`, which needs the node itself; the snapshot only
/// carries the overlay's name, which identifies DiscoveryCommunity's extra handlers.
pub fn handler_name(o: &OverlayInfo, id: u8) -> &'static str {
    match id {
        246 => "on_old_introduction_request",
        245 => "on_old_introduction_response",
        250 => "on_old_puncture_request",
        249 => "on_puncture",
        234 => "on_new_introduction_request",
        233 => "on_new_introduction_response",
        232 => "on_new_puncture_request",
        231 => "on_new_puncture",
        235..=244 | 247 | 248 | 251..=255 => "on_deprecated_message",
        1 if is_discovery(o) => "on_similarity_request",
        2 if is_discovery(o) => "on_similarity_response",
        3 if is_discovery(o) => "on_ping",
        4 if is_discovery(o) => "on_pong",
        _ => "unknown",
    }
}

fn is_discovery(o: &OverlayInfo) -> bool {
    o.id == ipv8::proto::CommunityId::DISCOVERY
}
