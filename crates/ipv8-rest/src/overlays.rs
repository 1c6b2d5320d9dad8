//! `/overlays` and `/overlays/statistics` in py-ipv8's shapes (`REST/overlays_endpoint.py`):
//! hex community ids and keys; statistics per message id named `"<id>:<handler name>"`, times
//! as Unix floats (integer `0` for "never", as py-ipv8 prints). `POST /overlays/statistics`
//! turns message statistics on or off for one overlay (by name) or all.

use axum::Json;
use axum::extract::State;
use indexmap::IndexMap;
use ipv8::Snapshot;
use ipv8::proto::OverlayInfo;
use ipv8::proto::stats::NetworkStat;
use ipv8::proto::time::Instant;
use serde::{Deserialize, Serialize, Serializer};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::RestState;
use crate::error::{ApiError, DefaultResponse, JsonBody};

/// The routes of this resource.
pub fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(overlays))
        .routes(routes!(statistics, enable_statistics))
}

/// `GET /overlays`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OverlaysResponse {
    /// One element per loaded overlay.
    pub overlays: Vec<Overlay>,
}

/// One overlay (py-ipv8 `OverlaySchema`, in py-ipv8's key order).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Overlay {
    /// Community id, hex.
    pub id: String,
    /// Our public key bin, hex.
    pub my_peer: String,
    /// Our Lamport clock.
    pub global_time: u64,
    /// The overlay's verified peers.
    pub peers: Vec<OverlayPeer>,
    /// py-ipv8's class name (`DiscoveryCommunity`, ...).
    pub overlay_name: String,
    /// Traffic totals of the overlay; `{}` while its statistics are off.
    pub statistics: OverlayAggregate,
    /// Peer limit (-1: none).
    pub max_peers: i64,
    /// Whether the overlay has a network of its own (never, here).
    pub is_isolated: bool,
    /// Our WAN address as peers report it.
    pub my_estimated_wan: Address,
    /// Our LAN address.
    pub my_estimated_lan: Address,
    /// Discovery strategies and their peer targets.
    pub strategies: Vec<Strategy>,
}

/// An address (`{"ip", "port"}`).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Address {
    /// IP address.
    pub ip: String,
    /// Port.
    pub port: u16,
}

/// A peer of an overlay.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OverlayPeer {
    /// IP address.
    pub ip: String,
    /// Port.
    pub port: u16,
    /// Public key bin, hex.
    pub public_key: String,
}

/// py-ipv8's `get_aggregate_statistics`: every field absent while statistics are off.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct OverlayAggregate {
    /// Messages sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_up: Option<u64>,
    /// Messages received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_down: Option<u64>,
    /// Bytes sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_up: Option<u64>,
    /// Bytes received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_down: Option<u64>,
    /// Seconds between the first and the last measurement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff_time: Option<f64>,
}

/// A discovery strategy.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Strategy {
    /// py-ipv8's class name.
    pub name: String,
    /// Peer target (-1: always runs).
    pub target_peers: i64,
}

/// `GET /overlays/statistics`: one element per overlay whose statistics are on,
/// `{"<overlay name>": {"<id>:<handler>": MessageStat}}`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StatisticsResponse {
    /// Per overlay, per message.
    #[schema(value_type = Vec<std::collections::HashMap<String, std::collections::HashMap<String, MessageStat>>>)]
    pub statistics: Vec<IndexMap<String, IndexMap<String, MessageStat>>>,
}

/// py-ipv8's `NetworkStat.to_dict()`.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct MessageStat {
    /// The message id.
    pub identifier: u8,
    /// Messages sent.
    pub num_up: u64,
    /// Messages received.
    pub num_down: u64,
    /// Bytes sent.
    pub bytes_up: u64,
    /// Bytes received.
    pub bytes_down: u64,
    /// First send (Unix seconds; `0`: never).
    pub first_measured_up: UnixTime,
    /// First receipt.
    pub first_measured_down: UnixTime,
    /// Last send.
    pub last_measured_up: UnixTime,
    /// Last receipt.
    pub last_measured_down: UnixTime,
}

/// A Unix time as py-ipv8 prints it: a float, or the integer `0` for "never".
#[derive(Clone, Copy, Debug, PartialEq, ToSchema)]
#[schema(value_type = f64)]
pub struct UnixTime(pub Option<f64>);

impl Serialize for UnixTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(t) => s.serialize_f64(t),
            None => s.serialize_u8(0),
        }
    }
}

/// `POST /overlays/statistics` (py-ipv8 `EnableStatisticsRequest`).
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct EnableStatisticsRequest {
    /// On or off (required).
    pub enable: Option<bool>,
    /// Every overlay.
    pub all: Option<bool>,
    /// Only overlays of this name (`overlay_name` of `GET /overlays`).
    pub overlay_name: Option<String>,
}

/// Information about every loaded overlay.
#[utoipa::path(get, path = "/overlays", tag = "Overlays",
    responses((status = 200, body = OverlaysResponse)))]
async fn overlays(State(state): State<RestState>) -> Json<OverlaysResponse> {
    Json(overlays_response(&state.snapshot()))
}

/// Message statistics of every overlay whose statistics are on.
#[utoipa::path(get, path = "/overlays/statistics", tag = "Overlays",
    responses((status = 200, body = StatisticsResponse)))]
async fn statistics(State(state): State<RestState>) -> Json<StatisticsResponse> {
    Json(statistics_response(&state.snapshot()))
}

/// Turns message statistics on or off for one overlay or all.
#[utoipa::path(post, path = "/overlays/statistics", tag = "Overlays",
    request_body = EnableStatisticsRequest,
    responses(
        (status = 200, body = DefaultResponse, example = json!({"success": true})),
        (status = 400, body = DefaultResponse, description = "`enable` missing, or no overlay of that name"),
        (status = 412, body = DefaultResponse, description = "neither `all` nor `overlay_name`"),
    ))]
async fn enable_statistics(
    State(state): State<RestState>,
    JsonBody(request): JsonBody<EnableStatisticsRequest>,
) -> Result<Json<DefaultResponse>, ApiError> {
    let Some(enable) = request.enable else {
        return Err(ApiError::bad_request(r#"Parameter "enable" is required"#));
    };
    let all = request.all.unwrap_or(false);
    if request.all.is_none() && request.overlay_name.is_none() {
        return Err(ApiError::precondition_failed(
            r#"Parameter "all" or "overlay_name" is required"#,
        ));
    }
    let targets = if all {
        None
    } else if let Some(name) = &request.overlay_name {
        let snapshot = state.snapshot();
        let ids: Vec<_> = snapshot
            .overlays
            .iter()
            .filter(|o| &o.name == name)
            .map(|o| o.id)
            .collect();
        if ids.is_empty() {
            let known: Vec<&str> = snapshot.overlays.iter().map(|o| o.name.as_str()).collect();
            return Err(ApiError::bad_request(format!(
                "overlay_name: no overlay named {name:?} (expected one of {known:?})"
            )));
        }
        Some(ids)
    } else {
        // `"all": false` without a name: nothing to change (as py-ipv8).
        Some(Vec::new())
    };
    state
        .handle()
        .with_node(move |node, _| match targets {
            None => node.set_statistics(None, enable),
            Some(ids) => {
                for id in ids {
                    node.set_statistics(Some(id), enable);
                }
            }
        })
        .await?;
    // Publish now, so the next read sees the change.
    state.handle().snapshot().await?;
    Ok(DefaultResponse::ok())
}

/// The `GET /overlays` body.
pub fn overlays_response(snapshot: &Snapshot) -> OverlaysResponse {
    OverlaysResponse {
        overlays: snapshot.overlays.iter().map(overlay).collect(),
    }
}

fn address(addr: std::net::SocketAddrV4) -> Address {
    Address {
        ip: addr.ip().to_string(),
        port: addr.port(),
    }
}

fn overlay(o: &OverlayInfo) -> Overlay {
    let statistics = o
        .statistics
        .as_ref()
        .map_or_else(OverlayAggregate::default, |a| OverlayAggregate {
            num_up: Some(a.num_up),
            num_down: Some(a.num_down),
            bytes_up: Some(a.bytes_up),
            bytes_down: Some(a.bytes_down),
            diff_time: Some(a.diff_time.as_secs_f64()),
        });
    Overlay {
        id: o.id.to_string(),
        my_peer: hex::encode(&o.my_public_key),
        global_time: o.global_time,
        peers: o
            .peers
            .iter()
            .map(|(_, addr, key)| OverlayPeer {
                ip: addr.ip().to_string(),
                port: addr.port(),
                public_key: hex::encode(key),
            })
            .collect(),
        overlay_name: o.name.clone(),
        statistics,
        max_peers: i64::from(o.max_peers),
        is_isolated: false,
        my_estimated_wan: address(o.my_estimated_wan),
        my_estimated_lan: address(o.my_estimated_lan),
        strategies: o
            .strategies
            .iter()
            .map(|s| Strategy {
                name: s.name.to_string(),
                target_peers: i64::from(s.target_peers),
            })
            .collect(),
    }
}

/// The `GET /overlays/statistics` body: `[]` when statistics are off everywhere. The names
/// come with the snapshot (`Node::handler_name`, looked up when it was taken).
pub fn statistics_response(snapshot: &Snapshot) -> StatisticsResponse {
    let statistics = snapshot
        .message_statistics
        .iter()
        .map(|o| {
            let per_id = o
                .messages
                .iter()
                .map(|m| (m.name(), message_stat(snapshot, m.id, &m.stat)))
                .collect();
            IndexMap::from([(o.overlay.clone(), per_id)])
        })
        .collect();
    StatisticsResponse { statistics }
}

/// One message id's counters as py-ipv8 prints them.
pub fn message_stat(snapshot: &Snapshot, id: u8, s: &NetworkStat) -> MessageStat {
    let time = |t: Option<Instant>| UnixTime(t.map(|t| snapshot.wall_clock.to_unix(t)));
    MessageStat {
        identifier: id,
        num_up: s.num_up,
        num_down: s.num_down,
        bytes_up: s.bytes_up,
        bytes_down: s.bytes_down,
        first_measured_up: time(s.first_measured_up),
        first_measured_down: time(s.first_measured_down),
        last_measured_up: time(s.last_measured_up),
        last_measured_down: time(s.last_measured_down),
    }
}
