//! `GET /history`: a server-side ring buffer of the node's vital signs, sampled every 2 s from
//! the driver's snapshots for the last 30 minutes, so the dashboard has a chart on first load
//! (not only from the moment the page was opened).
//!
//! Each sample holds cumulative counters (errors per class, traffic, rebinds); rates are the
//! difference of two samples. `?since=<unix seconds>` returns only newer samples.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use axum::Json;
use axum::extract::{RawQuery, State};
use indexmap::IndexMap;
use ipv8::Snapshot;
use serde::Serialize;
use tokio::sync::watch;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::RestState;
use crate::asyncio::Tasks;
use crate::error::{ApiError, DefaultResponse};

/// The routes of this resource.
pub fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new().routes(routes!(history))
}

/// How often and how long to sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistoryConfig {
    /// Time between samples (2 s).
    pub interval: Duration,
    /// Samples kept (900: 30 minutes at 2 s).
    pub capacity: usize,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(2),
            capacity: 900,
        }
    }
}

/// One sample.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Sample {
    /// When it was taken (Unix seconds).
    pub t: f64,
    /// The endpoint was receiving.
    pub receiving: bool,
    /// Verified peers in the whole network.
    pub peers: usize,
    /// Peers per overlay name.
    #[schema(value_type = std::collections::HashMap<String, usize>)]
    pub communities: IndexMap<String, usize>,
    /// Cumulative I/O errors of the node's sockets per class (receive plus send).
    #[schema(value_type = std::collections::HashMap<String, u64>)]
    pub errors: IndexMap<String, u64>,
    /// Cumulative LAN-beacon send errors (all classes).
    pub beacon_errors: u64,
    /// Cumulative datagrams sent.
    pub datagrams_up: u64,
    /// Cumulative datagrams received.
    pub datagrams_down: u64,
    /// Cumulative bytes sent.
    pub bytes_up: u64,
    /// Cumulative bytes received.
    pub bytes_down: u64,
    /// Cumulative successful rebinds.
    pub rebinds: u64,
}

impl Sample {
    /// The sample of `snapshot`, taken at `t`.
    pub fn of(snapshot: &Snapshot, t: SystemTime) -> Self {
        let c = &snapshot.health.counters;
        let errors = c
            .recv_errors
            .iter()
            .zip(c.send_errors.iter())
            .map(|((class, r), (_, s))| (class.as_str().to_owned(), r.saturating_add(s)))
            .collect();
        Self {
            t: t.duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64()),
            receiving: snapshot.health.is_open,
            peers: snapshot.peer_count(),
            communities: snapshot
                .overlays
                .iter()
                .map(|o| (o.name.clone(), o.peers.len()))
                .collect(),
            errors,
            beacon_errors: c.beacon_send_errors.total(),
            datagrams_up: c.traffic.datagrams_up,
            datagrams_down: c.traffic.datagrams_down,
            bytes_up: c.traffic.bytes_up,
            bytes_down: c.traffic.bytes_down,
            rebinds: snapshot.health.rebinds,
        }
    }
}

/// The ring buffer and its sampler task.
#[derive(Debug)]
pub struct History {
    config: HistoryConfig,
    samples: Arc<Mutex<VecDeque<Sample>>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for History {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl History {
    /// Starts sampling `snapshots` (inside a Tokio runtime); the task ends when the driver's
    /// channel closes or the history is dropped.
    pub fn start(
        mut snapshots: watch::Receiver<Arc<Snapshot>>,
        config: HistoryConfig,
        tasks: &Tasks,
    ) -> Self {
        let samples = Arc::new(Mutex::new(VecDeque::with_capacity(config.capacity)));
        let ring = Arc::clone(&samples);
        let guard = tasks.register("history sampler", "RestManager", Some(config.interval));
        let capacity = config.capacity.max(1);
        let task = tokio::spawn(async move {
            let _guard = guard;
            let mut tick = tokio::time::interval(config.interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let closed = snapshots.has_changed().is_err();
                let sample = Sample::of(&snapshots.borrow_and_update(), SystemTime::now());
                let mut ring = lock(&ring);
                if ring.len() >= capacity {
                    ring.pop_front();
                }
                ring.push_back(sample);
                drop(ring);
                if closed {
                    break;
                }
            }
        });
        Self {
            config,
            samples,
            task: Some(task),
        }
    }

    /// Samples newer than `since` (all with `None`), oldest first.
    pub fn since(&self, since: Option<f64>) -> Vec<Sample> {
        lock(&self.samples)
            .iter()
            .filter(|s| since.is_none_or(|t| s.t > t))
            .cloned()
            .collect()
    }

    /// The configuration.
    pub fn config(&self) -> HistoryConfig {
        self.config
    }
}

/// `GET /history`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HistoryResponse {
    /// Seconds between samples.
    pub interval: f64,
    /// Samples kept at most.
    pub capacity: usize,
    /// Oldest first.
    pub samples: Vec<Sample>,
}

/// The last 30 minutes of peers, errors, traffic and rebinds.
#[utoipa::path(get, path = "/history", tag = "Health",
    params(("since" = Option<f64>, Query, description = "only samples after this Unix time")),
    responses(
        (status = 200, body = HistoryResponse),
        (status = 400, body = DefaultResponse, description = "`since` is not a number"),
    ))]
async fn history(
    State(state): State<RestState>,
    RawQuery(query): RawQuery,
) -> Result<Json<HistoryResponse>, ApiError> {
    let mut since = None;
    for pair in query.as_deref().unwrap_or("").split('&') {
        if let Some(value) = pair.strip_prefix("since=") {
            let t: f64 = value.parse().map_err(|_| {
                ApiError::bad_request(format!(
                    "since: {value:?} is not a number (expected Unix seconds, e.g. 1767600000.5)"
                ))
            })?;
            since = Some(t);
        }
    }
    let history = state.history();
    Ok(Json(HistoryResponse {
        interval: history.config().interval.as_secs_f64(),
        capacity: history.config().capacity,
        samples: history.since(since),
    }))
}
