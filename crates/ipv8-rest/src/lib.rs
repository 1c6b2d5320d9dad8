//! ipv8-rest: the HTTP API of an ipv8-rs node: py-ipv8 3.2.1's routes in its JSON shapes
//! (docs/spec/PROTOCOL.md §8), what py-ipv8 could not tell (`/health`, `/metrics`, `/events`) and a live
//! dashboard at `/`.
//!
//! Every handler reads the driver's latest [`Snapshot`] from its `watch` channel (an `Arc`
//! clone, no lock held across an await) or sends it one short command, so a slow or stuck HTTP
//! client can never stall the node: the driver runs on its own task and never waits for the
//! REST layer (the `stalled_client` test measures it).
//!
//! | route | body |
//! |---|---|
//! | `GET /overlays` | `{"overlays": [...]}`, hex ids and keys (py-ipv8) |
//! | `GET /overlays/statistics` | `{"statistics": [{"<class>": {"<id>:<handler>": NetworkStat}}]}` (py-ipv8) |
//! | `POST /overlays/statistics` | `{"enable", "all" \| "overlay_name"}` → `{"success": true}` (py-ipv8) |
//! | `GET /network` | `{"peers": {"<b64 mid>": {"ip", "port", "public_key", "services"}}}` (py-ipv8) |
//! | `POST /isolation` | `{"ip", "port", "bootstrapnode" \| "exitnode"}` (py-ipv8) |
//! | `GET /asyncio/tasks`, `GET`/`PUT /asyncio/drift` | the runtime's tasks; driver latency (py-ipv8's asyncio routes) |
//! | `GET /dht/statistics`, `/dht/values`, `GET`/`PUT /dht/values/{key}`, `/dht/peers/{mid}`, `/dht/buckets`, `/dht/buckets/{prefix}/refresh` | the DHT (py-ipv8), mounted with [`dht::routes`] through [`router_with`] |
//! | `GET /health` | receiving, last receive age, errors per class, rebinds, watchdog, bound addresses |
//! | `GET /metrics` | Prometheus / OpenMetrics text |
//! | `GET /events` | server-sent events: peers added/removed, errors, rebinds |
//! | `GET /history`, `GET /peers` | the dashboard's data: a server-side ring buffer, the peer list |
//! | `GET /docs`, `GET /docs/openapi.json` | the API description, generated from the handlers |
//! | `GET /` | the dashboard (embedded HTML, JS and CSS; no network fetches) |
//!
//! Routes are composed per resource file with `utoipa_axum`'s [`OpenApiRouter`], so a route and
//! its OpenAPI description are declared once, on the handler. Overlays added later (DHT,
//! tunnels) plug their own resource in with [`router_with`]. Errors are py-ipv8's
//! `{"success": false, "error": "..."}` ([`error`]); the optional API key is checked as
//! py-ipv8 checks it ([`auth`]). Every `GET` route also answers `HEAD`.
#![warn(missing_docs)]

pub mod asyncio;
pub mod auth;
pub mod dashboard;
pub mod dht;
pub mod docs;
pub mod error;
pub mod events;
pub mod health;
pub mod history;
pub mod isolation;
pub mod listener;
pub mod metrics;
pub mod network;
pub mod overlays;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use ipv8::{Ipv8Handle, Snapshot};
use tokio::net::TcpListener;
use utoipa_axum::router::OpenApiRouter;

pub use auth::{ApiKey, NeedsApiKey, check_bind};

/// py-ipv8's REST port.
pub const DEFAULT_PORT: u16 = 8085;

/// What every handler gets: the node's handle, the API key and the REST layer's own state
/// (history ring buffer, drift probe, task list). Cheap to clone.
#[derive(Clone, Debug)]
pub struct RestState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    handle: Ipv8Handle,
    api_key: ApiKey,
    history: history::History,
    drift: asyncio::Drift,
    tasks: asyncio::Tasks,
    events: events::EventLog,
    closing: tokio::sync::watch::Sender<bool>,
}

impl RestState {
    /// State for the node behind `handle`, without an API key. Starts the history sampler
    /// (so it must be called inside a Tokio runtime); it stops with the driver.
    pub fn new(handle: Ipv8Handle) -> Self {
        Self::with_config(handle, ApiKey(None), history::HistoryConfig::default())
    }

    /// As [`RestState::new`], with an API key and a history configuration.
    pub fn with_config(
        handle: Ipv8Handle,
        api_key: ApiKey,
        history: history::HistoryConfig,
    ) -> Self {
        let tasks = asyncio::Tasks::default();
        let history = history::History::start(handle.watch(), history, &tasks);
        let events = events::EventLog::start(&handle, &tasks);
        Self {
            inner: Arc::new(Inner {
                handle,
                api_key,
                history,
                drift: asyncio::Drift::default(),
                tasks,
                events,
                closing: tokio::sync::watch::Sender::new(false),
            }),
        }
    }

    /// The latest published snapshot (never waits for the driver).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.inner.handle.latest()
    }

    /// The node's handle (commands go to the driver's bounded channel).
    pub fn handle(&self) -> &Ipv8Handle {
        &self.inner.handle
    }

    /// The configured API key.
    pub fn api_key(&self) -> &ApiKey {
        &self.inner.api_key
    }

    /// The server-side history.
    pub fn history(&self) -> &history::History {
        &self.inner.history
    }

    pub(crate) fn drift(&self) -> &asyncio::Drift {
        &self.inner.drift
    }

    /// Ends every open `/events` stream (call before a graceful shutdown, which waits for
    /// open connections).
    pub fn close(&self) {
        self.inner.closing.send_replace(true);
    }

    /// The relayed events.
    pub fn event_log(&self) -> &events::EventLog {
        &self.inner.events
    }

    pub(crate) fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.inner.closing.subscribe()
    }

    /// The REST layer's background tasks, as `/asyncio/tasks` lists them.
    pub fn tasks(&self) -> &asyncio::Tasks {
        &self.inner.tasks
    }
}

/// Every built-in resource's routes with their OpenAPI descriptions.
pub fn api() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .merge(overlays::routes())
        .merge(network::routes())
        .merge(isolation::routes())
        .merge(asyncio::routes())
        .merge(health::routes())
        .merge(metrics::routes())
        .merge(events::routes())
        .merge(history::routes())
}

/// The whole HTTP service: [`api`], `/docs`, the dashboard, the JSON 404 and the API key check.
pub fn router(state: RestState) -> Router {
    router_with(state, OpenApiRouter::new())
}

/// As [`router`], plus `extra` resources (e.g. a DHT or tunnel overlay's routes); their
/// OpenAPI descriptions join `/docs/openapi.json`.
pub fn router_with(state: RestState, extra: OpenApiRouter<RestState>) -> Router {
    let (routes, openapi) = api().merge(extra).split_for_parts();
    let openapi = docs::finish(openapi, state.api_key().0.is_some());
    routes
        .merge(docs::routes(openapi))
        .merge(dashboard::routes())
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.api_key().clone(),
            auth::require_key,
        ))
        .with_state(state)
}

/// Binds the REST listener on `addr` (port 0: the OS picks). Check [`check_bind`] first.
///
/// # Errors
/// The port is taken or not allowed.
pub async fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

/// Serves `router` on `listener` until `shutdown` completes, at most
/// [`listener::MAX_CONNECTIONS`] connections at once.
///
/// # Errors
/// The accept loop failed fatally.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    serve_capped(listener, router, shutdown, listener::MAX_CONNECTIONS).await
}

/// As [`serve`], with at most `max_connections` open connections (more wait to be accepted).
///
/// # Errors
/// The accept loop failed fatally.
pub async fn serve_capped(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    max_connections: usize,
) -> io::Result<()> {
    let listener = listener::CappedListener::new(listener, max_connections);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
