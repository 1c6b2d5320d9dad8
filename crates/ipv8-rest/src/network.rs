//! `GET /network`: every verified peer of the node, in py-ipv8's shape
//! (`REST/network_endpoint.py`): an object keyed by the base64 mid, with base64 keys and
//! community ids (unlike `/overlays`, which uses hex). `GET /peers` (not in py-ipv8) lists
//! the same peers for people: hex mid, address, time since the last response, communities.

use axum::Json;
use axum::extract::State;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use indexmap::IndexMap;
use ipv8::Snapshot;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::RestState;

/// The routes of this resource.
pub fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(network))
        .routes(routes!(peers))
}

/// `GET /network`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NetworkResponse {
    /// Verified peers by base64 mid.
    #[schema(value_type = std::collections::HashMap<String, NetworkPeer>)]
    pub peers: IndexMap<String, NetworkPeer>,
}

/// One peer of `/network`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NetworkPeer {
    /// IP address.
    pub ip: String,
    /// Port.
    pub port: u16,
    /// Public key bin, base64.
    pub public_key: String,
    /// Community ids the peer runs, base64.
    pub services: Vec<String>,
}

/// `GET /peers`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PeersResponse {
    /// Verified peers, most recently heard first.
    pub peers: Vec<PeerRow>,
}

/// One peer of `/peers`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PeerRow {
    /// Mid, hex.
    pub mid: String,
    /// Preferred address (`ip:port`).
    pub address: String,
    /// Seconds since it last answered (`null`: never).
    pub last_response_age: Option<f64>,
    /// Median round-trip time of its pings, seconds (`null`: none measured).
    pub median_ping: Option<f64>,
    /// Names of our overlays it belongs to.
    pub communities: Vec<String>,
}

/// Every verified peer (py-ipv8 shape).
#[utoipa::path(get, path = "/network", tag = "Network",
    responses((status = 200, body = NetworkResponse)))]
async fn network(State(state): State<RestState>) -> Json<NetworkResponse> {
    Json(network_response(&state.snapshot()))
}

/// Every verified peer with the time of its last response.
#[utoipa::path(get, path = "/peers", tag = "Network",
    responses((status = 200, body = PeersResponse)))]
async fn peers(State(state): State<RestState>) -> Json<PeersResponse> {
    Json(peers_response(&state.snapshot()))
}

/// The `GET /network` body.
pub fn network_response(snapshot: &Snapshot) -> NetworkResponse {
    let network = &snapshot.network;
    let peers = network
        .verified_peers()
        .map(|peer| {
            let mid = peer.mid();
            let address = peer.address();
            let services = network
                .services_of(&mid)
                .iter()
                .map(|id| B64.encode(id.0))
                .collect();
            let row = NetworkPeer {
                ip: address.ip().to_string(),
                port: address.port(),
                public_key: B64.encode(peer.public_key_bin()),
                services,
            };
            (mid.to_base64(), row)
        })
        .collect();
    NetworkResponse { peers }
}

/// The `GET /peers` body.
pub fn peers_response(snapshot: &Snapshot) -> PeersResponse {
    let mut peers: Vec<PeerRow> = snapshot
        .network
        .verified_peers()
        .map(|peer| {
            let mid = peer.mid();
            let communities = snapshot
                .overlays
                .iter()
                .filter(|o| o.peers.iter().any(|(m, _, _)| *m == mid))
                .map(|o| o.name.clone())
                .collect();
            PeerRow {
                mid: mid.to_hex(),
                address: peer.address().to_string(),
                last_response_age: peer
                    .last_response()
                    .map(|t| snapshot.now.saturating_duration_since(t).as_secs_f64()),
                median_ping: peer.median_ping().map(|d| d.as_secs_f64()),
                communities,
            }
        })
        .collect();
    peers.sort_by(|a, b| {
        let age = |r: &PeerRow| r.last_response_age.unwrap_or(f64::INFINITY);
        age(a).total_cmp(&age(b)).then_with(|| a.mid.cmp(&b.mid))
    });
    PeersResponse { peers }
}
