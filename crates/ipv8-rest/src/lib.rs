//! ipv8-rest: the HTTP API of an ipv8-rs node, in py-ipv8 3.2.1's JSON shapes
//! (docs/spec/PROTOCOL.md §8).
//!
//! Ports the read side of py-ipv8's `REST/overlays_endpoint.py` and `REST/network_endpoint.py`
//! and adds `/health` (what py-ipv8 could not tell: whether the endpoint is still receiving).
//! Every handler reads the driver's latest [`Snapshot`] from its `watch` channel (an `Arc`
//! clone, no lock held across an await), so a slow or stuck HTTP client can never stall the
//! node.
//!
//! Routes are composed per resource file ([`overlays`], [`network`], [`health`]); a dashboard
//! or a Prometheus `/metrics` resource is one more module merged in [`router`]. The JSON
//! builders (`*_json`) are public so the CLI's `--status-json` and tests reuse them. serde_json's
//! `preserve_order` feature is on, so every object lists its keys in the order the builders
//! write them, which for the py-ipv8 routes is py-ipv8's order (checked against the recorded
//! responses in `tests/fixtures/pyipv8-rest/`).
//!
//! | route | body |
//! |---|---|
//! | `GET /overlays` | `{"overlays": [...]}`, hex ids and keys |
//! | `GET /overlays/statistics` | `{"statistics": [{"<class>": {"<id>:<handler>": NetworkStat}}]}`
//! |
//! | `GET /network` | `{"peers": {"<b64 mid>": {"ip", "port", "public_key", "services"}}}` |
//! | `GET /health` | receiving, last receive age, error counters per class, rebinds, bound
//! addresses |
//!
//! Every `GET` route also answers `HEAD` (axum strips the body).
#![warn(missing_docs)]

pub mod health;
pub mod network;
pub mod overlays;

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use ipv8::Snapshot;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// py-ipv8's REST port.
pub const DEFAULT_PORT: u16 = 8085;

/// What every handler gets: the driver's snapshot channel.
#[derive(Clone, Debug)]
pub struct RestState {
    snapshots: watch::Receiver<Arc<Snapshot>>,
}

impl RestState {
    /// State reading from `snapshots` (`Ipv8Handle::watch()`).
    pub fn new(snapshots: watch::Receiver<Arc<Snapshot>>) -> Self {
        Self { snapshots }
    }

    /// The latest published snapshot (never waits for the driver).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshots.borrow())
    }
}

/// Every resource's routes, merged.
pub fn router(state: RestState) -> Router {
    Router::new()
        .merge(overlays::routes())
        .merge(network::routes())
        .merge(health::routes())
        .with_state(state)
}

/// Binds the REST listener on `127.0.0.1:port` (0: the OS picks).
///
/// # Errors
/// The port is taken or not allowed.
pub async fn bind(port: u16) -> io::Result<TcpListener> {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await
}

/// Serves `router` on `listener` until `shutdown` completes.
///
/// # Errors
/// The accept loop failed fatally.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
