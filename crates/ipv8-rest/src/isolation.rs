//! `POST /isolation` (py-ipv8 `REST/isolation_endpoint.py`): point the node at an address
//! on demand, for isolated test networks.
//!
//! `{"ip", "port", "bootstrapnode": true}` adds the address to the bootstrap servers (later
//! bootstrap rounds ask it again; it is blacklisted as a peer, as py-ipv8 does) and sends an
//! introduction request to it in every overlay now, so a node started without trackers joins
//! the network behind it (`Node::add_bootstrap_server`).
//! `{"exitnode": true}` is for tunnel overlays, which ipv8-rs does not have: 412.

use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::RestState;
use crate::error::{ApiError, DefaultResponse, JsonBody};

/// The routes of this resource.
pub fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new().routes(routes!(isolation))
}

/// `POST /isolation` (py-ipv8 `IsolationRequest`).
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct IsolationRequest {
    /// IP address (required).
    pub ip: Option<String>,
    /// UDP port (required).
    pub port: Option<u16>,
    /// Walk to it as a bootstrap node.
    pub bootstrapnode: Option<bool>,
    /// Use it as a tunnel exit node (needs a tunnel overlay).
    pub exitnode: Option<bool>,
}

/// Introduces the node to an address.
#[utoipa::path(post, path = "/isolation", tag = "Isolation",
    request_body = IsolationRequest,
    responses(
        (status = 200, body = DefaultResponse, example = json!({"success": true})),
        (status = 400, body = DefaultResponse, description = "`ip`/`port` missing or malformed, or neither `bootstrapnode` nor `exitnode`"),
        (status = 412, body = DefaultResponse, description = "`exitnode` without a tunnel overlay"),
    ))]
async fn isolation(
    State(state): State<RestState>,
    JsonBody(request): JsonBody<IsolationRequest>,
) -> Result<Json<DefaultResponse>, ApiError> {
    let (Some(ip), Some(port)) = (&request.ip, request.port) else {
        return Err(ApiError::bad_request(
            r#"Parameters "ip" and "port" are required"#,
        ));
    };
    if request.exitnode.is_none() && request.bootstrapnode.is_none() {
        return Err(ApiError::bad_request(
            r#"Parameter "exitnode" or "bootstrapnode" is required"#,
        ));
    }
    let ip: IpAddr = ip.trim().parse().map_err(|_| {
        ApiError::bad_request(format!(
            "ip: {ip:?} is not an IP address (expected e.g. 130.161.119.206)"
        ))
    })?;
    if port == 0 {
        return Err(ApiError::bad_request(
            "port: 0 cannot be sent to (expected 1-65535)",
        ));
    }
    if request.exitnode.is_some() {
        return Err(ApiError::precondition_failed(
            "exitnode: no tunnel overlay is loaded (ipv8-rs has no TunnelCommunity)",
        ));
    }
    let addr = SocketAddr::new(ip, port);
    state
        .handle()
        .with_node(move |node, now| node.add_bootstrap_server(now, addr))
        .await?;
    Ok(DefaultResponse::ok())
}
