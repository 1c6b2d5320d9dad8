//! `/dht` (py-ipv8 `REST/dht_endpoint.py`): the DHTDiscoveryCommunity's statistics, stored
//! values, lookups, stores, peer lookups by member id and buckets, in py-ipv8's JSON shapes.
//!
//! Mounted with [`routes()`] through [`crate::router_with`]; without a DHT every route answers
//! 404 `{"success": false, "error": "DHT community not found"}` as py-ipv8 does. Keys and member
//! ids are 40 hex digits, values hex; anything else is a 400 naming the field. A PUT signs the
//! value (as py-ipv8), so its data can be at most `170 - overhead` bytes; a longer one is a 400.
//! DHT failures py-ipv8 leaves uncaught (500) are 500 with the DHT's message here too, except
//! that a peer that cannot be found is a 404.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ipv8::CommunityHandle;
use ipv8::prelude::Mid;
use ipv8_dht::routing::{calc_node_id, distance};
use ipv8_dht::{DhtDiscoveryCommunity, DhtError, DhtOverlay, post_process_values};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::RestState;
use crate::error::{ApiError, DefaultResponse, JsonBody};

/// The DHT community the routes use (`None`: not loaded).
pub type DhtHandle = Option<Arc<CommunityHandle<DhtDiscoveryCommunity>>>;

/// The routes of this resource, answering for `dht`.
pub fn routes(dht: DhtHandle) -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(statistics))
        .routes(routes!(stored_values))
        .routes(routes!(get_values, put_value))
        .routes(routes!(peer))
        .routes(routes!(buckets))
        .routes(routes!(refresh))
        .layer(Extension(dht))
}

/// py-ipv8's interface name of the IPv4 endpoint.
const ENDPOINT: &str = "UDPIPv4";

fn loaded(dht: DhtHandle) -> Result<Arc<CommunityHandle<DhtDiscoveryCommunity>>, ApiError> {
    dht.ok_or_else(|| ApiError::not_found("DHT community not found"))
}

fn gone(_: ipv8::CommunityError) -> ApiError {
    ApiError::driver_gone()
}

fn dht_failed(e: &DhtError) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

/// A 20-byte key or member id from 40 hex digits.
fn id20(field: &str, text: &str) -> Result<[u8; 20], ApiError> {
    hex::decode(text)
        .ok()
        .and_then(|b| <[u8; 20]>::try_from(b).ok())
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "{field}: expected 40 hex digits (20 bytes), got {text:?}"
            ))
        })
}

/// DHT statistics.
#[utoipa::path(get, path = "/dht/statistics", tag = "DHT",
    responses((status = 200, body = Object), (status = 404, body = DefaultResponse)))]
async fn statistics(Extension(dht): Extension<DhtHandle>) -> Result<Json<Value>, ApiError> {
    let stats = loaded(dht)?
        .call(|c, cx| {
            let mid = cx.my_mid();
            let d = c.dht();
            let endpoints: Vec<Value> = d
                .routing_table()
                .map(|t| {
                    let node_id = calc_node_id(&std::net::SocketAddr::V4(cx.wan_estimate()), &mid);
                    let keys: std::collections::BTreeSet<_> =
                        d.storage().iter().map(|(k, _)| *k).collect();
                    json!({
                        "endpoint": ENDPOINT,
                        "node_id": hex::encode(node_id),
                        "routing_table_size": t.len(),
                        "routing_table_buckets": t.buckets().count(),
                        "num_keys_in_store": keys.len(),
                    })
                })
                .into_iter()
                .collect();
            let count = |m: &std::collections::BTreeMap<[u8; 20], Vec<ipv8_dht::routing::Node>>| {
                m.iter()
                    .map(|(k, v)| (hex::encode(k), json!(v.len())))
                    .collect::<serde_json::Map<_, _>>()
            };
            json!({
                "peer_id": mid.to_hex(),
                "num_tokens": d.token_count(),
                "endpoints": endpoints,
                "num_peers_in_store": count(c.stored_peers()),
                "num_store_for_me": count(c.storing_us()),
            })
        })
        .await
        .map_err(gone)?;
    Ok(Json(json!({ "statistics": stats })))
}

fn value_json(key: &[u8; 20], data: &[u8], public_key: Option<&[u8]>) -> Value {
    json!({
        "public_key": public_key.map(|k| B64.encode(k)),
        "key": hex::encode(key),
        "value": hex::encode(data),
    })
}

/// The key-value pairs stored on this node.
#[utoipa::path(get, path = "/dht/values", tag = "DHT",
    responses((status = 200, body = Object), (status = 404, body = DefaultResponse)))]
async fn stored_values(Extension(dht): Extension<DhtHandle>) -> Result<Json<Value>, ApiError> {
    let stored = loaded(dht)?
        .call(|c, _| {
            let mut by_key: std::collections::BTreeMap<[u8; 20], Vec<Vec<u8>>> = Default::default();
            for (key, value) in c.dht().storage().iter() {
                by_key.entry(*key).or_default().push(value.data.clone());
            }
            by_key
        })
        .await
        .map_err(gone)?;
    let mut out = serde_json::Map::new();
    for (key, raw) in stored {
        let values = post_process_values(&raw)
            .into_iter()
            .map(|v| {
                let mut j = value_json(&key, &v.data, v.public_key.as_deref());
                j["endpoint"] = json!(ENDPOINT);
                j
            })
            .collect();
        out.insert(hex::encode(key), Value::Array(values));
    }
    Ok(Json(Value::Object(out)))
}

/// Looks up the values of a key in the DHT.
#[utoipa::path(get, path = "/dht/values/{key}", tag = "DHT",
    params(("key" = String, Path, description = "40 hex digits")),
    responses((status = 200, body = Object), (status = 400, body = DefaultResponse),
              (status = 404, body = DefaultResponse)))]
async fn get_values(
    Extension(dht): Extension<DhtHandle>,
    Path(key): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let dht = loaded(dht)?;
    let key = id20("key", &key)?;
    let start = Instant::now();
    let answer = dht
        .call(move |c, cx| c.find_values_report(cx, key))
        .await
        .map_err(gone)?
        .await
        .map_err(|_| dht_failed(&DhtError::Cancelled))?;
    let (values, report) = match answer {
        Ok(found) => found,
        // py-ipv8 answers an empty lookup when it has no routing table at all.
        Err(DhtError::NoNodes) => (Vec::new(), ipv8_dht::CrawlReport::default()),
        Err(e) => return Err(dht_failed(&e)),
    };
    Ok(Json(json!({
        "values": values
            .iter()
            .map(|v| value_json(&key, &v.data, v.public_key.as_deref()))
            .collect::<Vec<_>>(),
        "debug": {
            "requests": report.requests,
            "responses": report.responses,
            "responses_with_nodes": report.responses_with_nodes,
            "responses_with_values": report.responses_with_values,
            "time": start.elapsed().as_secs_f64(),
        }
    })))
}

/// `PUT /dht/values/{key}` body.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct PutValue {
    /// The value, hex.
    pub value: Option<String>,
}

/// Stores a value (signed with the node's key) under a key.
#[utoipa::path(put, path = "/dht/values/{key}", tag = "DHT",
    params(("key" = String, Path, description = "40 hex digits")),
    request_body = PutValue,
    responses((status = 200, body = DefaultResponse, example = json!({"success": true})),
              (status = 400, body = DefaultResponse), (status = 404, body = DefaultResponse)))]
async fn put_value(
    Extension(dht): Extension<DhtHandle>,
    Path(key): Path<String>,
    JsonBody(body): JsonBody<PutValue>,
) -> Result<Json<DefaultResponse>, ApiError> {
    let dht = loaded(dht)?;
    let Some(value) = body.value else {
        return Err(ApiError::bad_request("incorrect parameters"));
    };
    let key = id20("key", &key)?;
    let data = hex::decode(&value)
        .map_err(|_| ApiError::bad_request(format!("value: expected hex digits, got {value:?}")))?;
    let stored = dht
        .call(move |c, cx| c.store_value(cx, key, data, true))
        .await
        .map_err(gone)?
        .await
        .map_err(|_| dht_failed(&DhtError::Cancelled))?;
    match stored {
        Ok(_) => Ok(DefaultResponse::ok()),
        Err(e @ DhtError::TooLarge(_)) => Err(ApiError::bad_request(format!(
            "value: too large once signed: {e}"
        ))),
        Err(e) => Err(dht_failed(&e)),
    }
}

/// Finds a peer's address by member id (py-ipv8 `connect_peer`).
#[utoipa::path(get, path = "/dht/peers/{mid}", tag = "DHT",
    params(("mid" = String, Path, description = "40 hex digits")),
    responses((status = 200, body = Object), (status = 400, body = DefaultResponse),
              (status = 404, body = DefaultResponse)))]
async fn peer(
    Extension(dht): Extension<DhtHandle>,
    Path(mid): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let dht = loaded(dht)?;
    let mid = Mid(id20("mid", &mid)?);
    let found = dht
        .call(move |c, cx| c.connect_peer(cx, mid))
        .await
        .map_err(gone)?
        .await
        .map_err(|_| dht_failed(&DhtError::Cancelled))?;
    let nodes = match found {
        Ok(nodes) => nodes,
        Err(e @ (DhtError::ConnectFailed | DhtError::NoNodes)) => {
            return Err(ApiError::not_found(e.to_string()));
        }
        Err(e) => return Err(dht_failed(&e)),
    };
    Ok(Json(json!({
        "peers": nodes
            .iter()
            .map(|n| json!({
                "public_key": B64.encode(&n.public_key),
                "address": [n.address.ip().to_string(), n.address.port()],
            }))
            .collect::<Vec<_>>()
    })))
}

/// The routing table's buckets.
#[utoipa::path(get, path = "/dht/buckets", tag = "DHT",
    responses((status = 200, body = Object)))]
async fn buckets(
    State(state): State<RestState>,
    Extension(dht): Extension<DhtHandle>,
) -> Result<Json<Value>, ApiError> {
    let Some(dht) = dht else {
        return Ok(Json(json!({ "buckets": [] })));
    };
    let clock = state.snapshot().wall_clock;
    let buckets = dht
        .call(move |c, cx| {
            let my_id = calc_node_id(&std::net::SocketAddr::V4(cx.wan_estimate()), &cx.my_mid());
            let Some(table) = c.dht().routing_table() else {
                return Vec::new();
            };
            table
                .buckets()
                .map(|b| {
                    let peers: Vec<Value> = b
                        .nodes
                        .iter()
                        .map(|n| {
                            let last_contact = n.last_response.max(n.last_query());
                            json!({
                                "ip": n.address.ip().to_string(),
                                "port": n.address.port(),
                                "mid": n.mid.to_hex(),
                                "id": hex::encode(n.id),
                                "failed": n.failed,
                                "last_contact": clock.to_unix_or_zero(last_contact),
                                "distance": big_number(&distance(&n.id, &my_id)),
                            })
                        })
                        .collect();
                    json!({
                        "prefix": b.prefix_id,
                        "last_changed": clock.to_unix_or_zero(b.last_changed),
                        "endpoint": ENDPOINT,
                        "peers": peers,
                    })
                })
                .collect()
        })
        .await
        .map_err(gone)?;
    Ok(Json(json!({ "buckets": buckets })))
}

/// A 160-bit number as a JSON number (py-ipv8 prints the exact integer; here it is the
/// nearest double).
fn big_number(n: &[u8; 20]) -> f64 {
    n.iter().fold(0.0, |acc, b| acc * 256.0 + f64::from(*b))
}

/// Refreshes one bucket: a lookup of a random id inside it.
#[utoipa::path(get, path = "/dht/buckets/{prefix}/refresh", tag = "DHT",
    params(("prefix" = String, Path, description = "the bucket's prefix, 0s and 1s")),
    responses((status = 200, body = DefaultResponse, example = json!({"success": true})),
              (status = 400, body = DefaultResponse)))]
async fn refresh(
    Extension(dht): Extension<DhtHandle>,
    Path(prefix): Path<String>,
) -> Result<Json<DefaultResponse>, ApiError> {
    let Some(dht) = dht else {
        return Err(ApiError::bad_request("DHT community is not loaded"));
    };
    if prefix.len() > 160 || !prefix.bytes().all(|b| b == b'0' || b == b'1') {
        return Err(ApiError::bad_request(format!(
            "prefix: expected at most 160 binary digits (0 or 1), got {prefix:?}"
        )));
    }
    let started = dht
        .call(move |c, cx| c.refresh_bucket(cx, &prefix))
        .await
        .map_err(gone)?;
    if started {
        Ok(DefaultResponse::ok())
    } else {
        Err(ApiError::bad_request("no such bucket"))
    }
}
