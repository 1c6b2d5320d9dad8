//! `GET /network`: every verified peer of the node, in py-ipv8's shape
//! (`REST/network_endpoint.py`): an object keyed by the base64 mid, with base64 keys and
//! community ids (unlike `/overlays`, which uses hex).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ipv8::Snapshot;
use serde_json::{Map, Value, json};

use crate::RestState;

/// The routes of this resource.
pub fn routes() -> Router<RestState> {
    Router::new().route("/network", get(network))
}

async fn network(State(state): State<RestState>) -> Json<Value> {
    Json(network_json(&state.snapshot()))
}

/// `{"peers": {"<b64 mid>": {"ip", "port", "public_key": b64, "services": [b64 id]}}}`.
pub fn network_json(snapshot: &Snapshot) -> Value {
    let network = &snapshot.network;
    let mut peers = Map::new();
    for peer in network.verified_peers() {
        let mid = peer.mid();
        let address = peer.address();
        let services: Vec<Value> = network
            .services_of(&mid)
            .iter()
            .map(|id| Value::String(B64.encode(id.0)))
            .collect();
        peers.insert(
            mid.to_base64(),
            json!({
                "ip": address.ip().to_string(),
                "port": address.port(),
                "public_key": B64.encode(peer.public_key_bin()),
                "services": services,
            }),
        );
    }
    json!({ "peers": peers })
}
