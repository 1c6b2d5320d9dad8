//! The runtime equivalents of py-ipv8's `/asyncio` routes (`REST/asyncio_endpoint.py`), in its
//! shapes:
//!
//! * `GET /asyncio/tasks`: the long-running tasks of the node (the driver, the REST layer's
//!   history sampler, event relay, drift probe, open event streams), the pending tasks of every
//!   community (`Node::pending_tasks`, named `"<overlay>:<task>"` as py-ipv8 names TaskManager
//!   tasks) plus the request's own task, which is the one `"running": true` (py-ipv8 marks the
//!   current task). Tokio has no task introspection on stable, so `stack` is empty.
//! * `GET /asyncio/drift` / `PUT /asyncio/drift {"enable"}`: py-ipv8 measures how late its
//!   strategy tick runs. The equivalent here is how long a command waits for the driver task:
//!   while enabled, a probe sends a no-op to the driver every 0.5 s and records
//!   `{"timestamp", "drift"}` (seconds), the last 100 kept. 404 while disabled, as py-ipv8.
//!
//! py-ipv8's `/asyncio/debug` (asyncio's debug mode) has no equivalent and is not served.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::RestState;
use crate::error::{ApiError, DefaultResponse, JsonBody};

/// The routes of this resource.
pub fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new()
        .routes(routes!(tasks))
        .routes(routes!(drift, enable_drift))
}

/// Probe period (py-ipv8's default walk interval, the tick its drift is measured against).
pub const DRIFT_INTERVAL: Duration = Duration::from_millis(500);
/// Measurements kept (py-ipv8: 100).
pub const DRIFT_HISTORY: usize = 100;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The tasks the REST layer knows of (registered by whoever spawns them).
#[derive(Clone, Debug, Default)]
pub struct Tasks {
    entries: Arc<Mutex<Vec<TaskEntry>>>,
}

#[derive(Debug)]
struct TaskEntry {
    id: u64,
    name: String,
    manager: &'static str,
    start_time: f64,
    interval: Option<f64>,
}

/// Removes its task from [`Tasks`] when dropped (keep it inside the task).
#[derive(Debug)]
pub struct TaskGuard {
    tasks: Tasks,
    id: u64,
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        lock(&self.tasks.entries).retain(|e| e.id != self.id);
    }
}

impl Tasks {
    /// Registers a task named `name`, owned by `manager`, periodic every `interval`.
    pub fn register(
        &self,
        name: impl Into<String>,
        manager: &'static str,
        interval: Option<Duration>,
    ) -> TaskGuard {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        lock(&self.entries).push(TaskEntry {
            id,
            name: name.into(),
            manager,
            start_time: unix_now(),
            interval: interval.map(|d| d.as_secs_f64()),
        });
        TaskGuard {
            tasks: self.clone(),
            id,
        }
    }

    /// How many are registered.
    pub fn len(&self) -> usize {
        lock(&self.entries).len()
    }

    /// Whether none are.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `GET /asyncio/tasks`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TasksResponse {
    /// Every known task.
    pub tasks: Vec<TaskInfo>,
}

/// One task (py-ipv8 `AsyncioTask`).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TaskInfo {
    /// What it does.
    pub name: String,
    /// Whether it is the task answering this request.
    pub running: bool,
    /// Always empty: Tokio tasks have no inspectable stack.
    pub stack: Vec<String>,
    /// Its owner (py-ipv8: the TaskManager's class).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taskmanager: Option<String>,
    /// When it started (Unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<f64>,
    /// Its period in seconds, for periodic tasks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<f64>,
}

/// The node's long-running tasks and this request's.
#[utoipa::path(get, path = "/asyncio/tasks", tag = "Asyncio",
    responses((status = 200, body = TasksResponse)))]
async fn tasks(State(state): State<RestState>) -> Json<TasksResponse> {
    let mut tasks = vec![TaskInfo {
        name: "GET /asyncio/tasks".to_owned(),
        running: true,
        stack: Vec::new(),
        taskmanager: None,
        start_time: None,
        interval: None,
    }];
    if !state.handle().is_closed() {
        tasks.push(TaskInfo {
            name: "driver".to_owned(),
            running: false,
            stack: Vec::new(),
            taskmanager: Some("Ipv8".to_owned()),
            start_time: Some(unix_now() - state.snapshot().health.uptime.as_secs_f64()),
            interval: None,
        });
    }
    let overlays: Vec<_> = state
        .snapshot()
        .overlays
        .iter()
        .map(|o| (o.id, o.name.clone()))
        .collect();
    let community_tasks = state
        .handle()
        .with_node(move |node, _| {
            overlays
                .into_iter()
                .flat_map(|(id, name)| {
                    node.pending_tasks(id)
                        .into_iter()
                        .map(move |task| format!("{name}:{task}"))
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
    tasks.extend(community_tasks.into_iter().map(|name| TaskInfo {
        name,
        running: false,
        stack: Vec::new(),
        taskmanager: None,
        start_time: None,
        interval: None,
    }));
    tasks.extend(lock(&state.tasks().entries).iter().map(|e| TaskInfo {
        name: e.name.clone(),
        running: false,
        stack: Vec::new(),
        taskmanager: Some(e.manager.to_owned()),
        start_time: Some(e.start_time),
        interval: e.interval,
    }));
    Json(TasksResponse { tasks })
}

/// The drift probe: its task while enabled, and its measurements.
#[derive(Debug, Default)]
pub struct Drift {
    probe: Mutex<Option<JoinHandle<()>>>,
    history: Arc<Mutex<VecDeque<Measurement>>>,
}

impl Drop for Drift {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.probe).take() {
            task.abort();
        }
    }
}

/// One drift measurement.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct Measurement {
    /// When the probe was sent (Unix seconds).
    pub timestamp: f64,
    /// Seconds until the driver ran it.
    pub drift: f64,
}

/// `GET /asyncio/drift`.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DriftResponse {
    /// Oldest first, at most 100.
    pub measurements: Vec<Measurement>,
}

/// `PUT /asyncio/drift`.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct EnableDriftRequest {
    /// Start or stop measuring (required).
    pub enable: Option<bool>,
}

/// How long driver commands waited, while measuring is on.
#[utoipa::path(get, path = "/asyncio/drift", tag = "Asyncio",
    responses(
        (status = 200, body = DriftResponse),
        (status = 404, body = DefaultResponse, example = json!({"success": false, "error": "Core drift disabled."})),
    ))]
async fn drift(State(state): State<RestState>) -> Result<Json<DriftResponse>, ApiError> {
    let drift = state.drift();
    if lock(&drift.probe).is_none() {
        return Err(ApiError::not_found("Core drift disabled."));
    }
    let measurements = lock(&drift.history).iter().copied().collect();
    Ok(Json(DriftResponse { measurements }))
}

/// Starts or stops the drift probe.
#[utoipa::path(put, path = "/asyncio/drift", tag = "Asyncio",
    request_body = EnableDriftRequest,
    responses(
        (status = 200, body = DefaultResponse, example = json!({"success": true})),
        (status = 400, description = "`enable` missing", example = json!({"error": "incorrect parameters"})),
    ))]
async fn enable_drift(
    State(state): State<RestState>,
    JsonBody(request): JsonBody<EnableDriftRequest>,
) -> Result<Json<DefaultResponse>, ApiError> {
    let Some(enable) = request.enable else {
        return Err(ApiError::bad_request("incorrect parameters").bare());
    };
    let drift = state.drift();
    let mut probe = lock(&drift.probe);
    if enable && probe.is_none() {
        let handle = state.handle().clone();
        let history = Arc::clone(&drift.history);
        let guard = state
            .tasks()
            .register("drift probe", "RestManager", Some(DRIFT_INTERVAL));
        *probe = Some(tokio::spawn(async move {
            let _guard = guard;
            let mut tick = tokio::time::interval(DRIFT_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let timestamp = unix_now();
                let sent = Instant::now();
                let Ok(ran) = handle.with_node(|_, _| Instant::now()).await else {
                    break;
                };
                let drift = ran.saturating_duration_since(sent).as_secs_f64();
                let mut history = lock(&history);
                if history.len() == DRIFT_HISTORY {
                    history.pop_front();
                }
                history.push_back(Measurement { timestamp, drift });
            }
        }));
    } else if !enable && let Some(task) = probe.take() {
        task.abort();
        lock(&drift.history).clear();
    }
    Ok(DefaultResponse::ok())
}
