//! `GET /events`: a server-sent-event stream of what changes: peers added and removed, tracker
//! answers and WAN changes (the driver's event broadcast), plus I/O errors per class, rebinds
//! and the receiving flag (differences between consecutive snapshots, at most every 250 ms).
//!
//! One relay task ([`EventLog::start`]) turns both sources into JSON once, numbers them
//! (`seq`, also the SSE `id`), stamps them (`time`, Unix seconds), keeps the last
//! [`RECENT`] and fans them out to every subscriber. Each event's `data` is one JSON object
//! whose `type` is also its SSE `event` name. A new subscriber gets only new events, unless it
//! asks for the recent ones (`?recent=N`) or reconnects with `Last-Event-ID` (then everything
//! kept after that id). A subscriber that reads too slowly loses the oldest events and gets a
//! `lagged` event saying how many; the driver never waits for it. Streams end when the driver
//! stops or the server shuts down ([`crate::RestState::close`]).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use ipv8::counters::ClassCounters;
use ipv8::proto::CommunityId;
use ipv8::{Event, Ipv8Handle, Snapshot};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::RestState;
use crate::asyncio::{TaskGuard, Tasks};
use crate::error::{ApiError, DefaultResponse};

/// The routes of this resource.
pub fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// Events kept for `?recent=N` and `Last-Event-ID`.
pub const RECENT: usize = 100;
/// Events buffered per subscriber before it starts losing them.
const FANOUT: usize = 256;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The relay task's output: the recent events and the live fan-out.
#[derive(Debug)]
pub struct EventLog {
    recent: Arc<Mutex<VecDeque<Arc<Value>>>>,
    live: broadcast::Sender<Arc<Value>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for EventLog {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl EventLog {
    /// Starts relaying `handle`'s events and snapshot changes (inside a Tokio runtime); the
    /// task ends when the driver stops or the log is dropped.
    pub fn start(handle: &Ipv8Handle, tasks: &Tasks) -> Self {
        let recent = Arc::new(Mutex::new(VecDeque::with_capacity(RECENT)));
        let (live, _) = broadcast::channel(FANOUT);
        let mut relay = Relay {
            events: Some(handle.events()),
            snapshots: handle.watch(),
            last: handle.latest(),
            recent: Arc::clone(&recent),
            live: live.clone(),
            seq: 0,
            _guard: tasks.register("event relay", "RestManager", None),
        };
        let task = tokio::spawn(async move { relay.run().await });
        Self {
            recent,
            live,
            task: Some(task),
        }
    }

    /// The kept events with `seq` above `after`, oldest first.
    pub fn recent_after(&self, after: u64) -> Vec<Arc<Value>> {
        lock(&self.recent)
            .iter()
            .filter(|e| e["seq"].as_u64().unwrap_or(0) > after)
            .cloned()
            .collect()
    }

    /// A receiver of new events.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Value>> {
        self.live.subscribe()
    }
}

/// The relay task's state.
struct Relay {
    events: Option<broadcast::Receiver<Event>>,
    snapshots: watch::Receiver<Arc<Snapshot>>,
    last: Arc<Snapshot>,
    recent: Arc<Mutex<VecDeque<Arc<Value>>>>,
    live: broadcast::Sender<Arc<Value>>,
    seq: u64,
    _guard: TaskGuard,
}

impl Relay {
    async fn run(&mut self) {
        let mut pending = VecDeque::new();
        loop {
            tokio::select! {
                received = recv(&mut self.events) => match received {
                    Ok(event) => pending.push_back(node_event(&event, &self.last)),
                    Err(RecvError::Lagged(missed)) => {
                        pending.push_back(json!({ "type": "lagged", "missed": missed }));
                    }
                    Err(RecvError::Closed) => self.events = None,
                },
                changed = self.snapshots.changed() => {
                    let now = Arc::clone(&self.snapshots.borrow_and_update());
                    diff(&self.last, &now, &mut pending);
                    self.last = now;
                    if changed.is_err() {
                        self.publish(&mut pending);
                        return;
                    }
                }
            }
            self.publish(&mut pending);
        }
    }

    fn publish(&mut self, pending: &mut VecDeque<Value>) {
        let time = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        for mut event in pending.drain(..) {
            self.seq += 1;
            event["seq"] = Value::from(self.seq);
            event["time"] = Value::from(time);
            let event = Arc::new(event);
            let mut recent = lock(&self.recent);
            if recent.len() == RECENT {
                recent.pop_front();
            }
            recent.push_back(Arc::clone(&event));
            drop(recent);
            // No subscriber is fine.
            let _ = self.live.send(event);
        }
    }
}

/// Peers added/removed, errors, rebinds, as they happen.
#[utoipa::path(get, path = "/events", tag = "Health",
    params(
        ("recent" = Option<usize>, Query, description = "first replay up to this many recent events (at most 100)"),
        ("Last-Event-ID" = Option<u64>, Header, description = "replay the kept events after this id (SSE reconnect)"),
    ),
    responses(
        (status = 200, content_type = "text/event-stream", body = String,
            description = "`event: peer_added|peer_removed|bootstrapped|wan_changed|error|rebind|receiving|lagged`, `data: {\"type\", \"seq\", \"time\", ...}`"),
        (status = 400, body = DefaultResponse, description = "`recent` is not a number"),
    ))]
async fn events(
    State(state): State<RestState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let mut recent = 0usize;
    for pair in query.as_deref().unwrap_or("").split('&') {
        if let Some(value) = pair.strip_prefix("recent=") {
            recent = value.parse().map_err(|_| {
                ApiError::bad_request(format!(
                    "recent: {value:?} is not a number (expected 0-{RECENT})"
                ))
            })?;
        }
    }
    let log = state.event_log();
    let live = log.subscribe();
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let mut replay: VecDeque<Arc<Value>> = log.recent_after(last_id.unwrap_or(0)).into();
    if last_id.is_none() {
        let skip = replay.len().saturating_sub(recent.min(RECENT));
        replay.drain(..skip);
    }
    let feed = Feed {
        replay,
        live,
        seen: 0,
        closing: state.closing(),
        _guard: state.tasks().register("event stream", "RestManager", None),
    };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        let event = feed.next().await?;
        Some((Ok(event), feed))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// One subscriber.
struct Feed {
    replay: VecDeque<Arc<Value>>,
    live: broadcast::Receiver<Arc<Value>>,
    seen: u64,
    closing: watch::Receiver<bool>,
    _guard: TaskGuard,
}

fn sse(data: &Value) -> SseEvent {
    let name = data["type"].as_str().unwrap_or("message");
    let event = SseEvent::default().event(name).data(data.to_string());
    match data["seq"].as_u64() {
        Some(seq) => event.id(seq.to_string()),
        None => event,
    }
}

impl Feed {
    async fn next(&mut self) -> Option<SseEvent> {
        if let Some(data) = self.replay.pop_front() {
            self.seen = data["seq"].as_u64().unwrap_or(self.seen);
            return Some(sse(&data));
        }
        loop {
            if *self.closing.borrow() {
                return None;
            }
            tokio::select! {
                received = self.live.recv() => match received {
                    Ok(data) => {
                        let seq = data["seq"].as_u64().unwrap_or(u64::MAX);
                        if seq > self.seen {
                            self.seen = seq;
                            return Some(sse(&data));
                        }
                    }
                    Err(RecvError::Lagged(missed)) => {
                        return Some(sse(&json!({ "type": "lagged", "missed": missed })));
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = self.closing.changed() => return None,
            }
        }
    }
}

async fn recv(events: &mut Option<broadcast::Receiver<Event>>) -> Result<Event, RecvError> {
    match events {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

fn community_name(snapshot: &Snapshot, id: CommunityId) -> String {
    snapshot
        .overlays
        .iter()
        .find(|o| o.id == id)
        .map_or_else(|| id.to_string(), |o| o.name.clone())
}

/// The JSON of one node event.
pub fn node_event(event: &Event, snapshot: &Snapshot) -> Value {
    match event {
        Event::PeerAdded {
            community,
            mid,
            addr,
        }
        | Event::PeerRemoved {
            community,
            mid,
            addr,
        } => {
            let kind = if matches!(event, Event::PeerAdded { .. }) {
                "peer_added"
            } else {
                "peer_removed"
            };
            json!({
                "type": kind,
                "community": community_name(snapshot, *community),
                "community_id": community.to_string(),
                "mid": mid.to_hex(),
                "address": addr.to_string(),
            })
        }
        Event::Bootstrapped { community, tracker } => json!({
            "type": "bootstrapped",
            "community": community_name(snapshot, *community),
            "tracker": tracker.to_string(),
        }),
        Event::WanChanged { community, wan } => json!({
            "type": "wan_changed",
            "community": community_name(snapshot, *community),
            "wan": wan.to_string(),
        }),
        other => json!({ "type": "node_event", "detail": format!("{other:?}") }),
    }
}

fn class_diff(op: &str, old: &ClassCounters, new: &ClassCounters, out: &mut VecDeque<Value>) {
    for ((class, before), (_, after)) in old.iter().zip(new.iter()) {
        if after > before {
            out.push_back(json!({
                "type": "error",
                "op": op,
                "class": class.as_str(),
                "count": after - before,
                "total": after,
            }));
        }
    }
}

/// Events for what changed from `old` to `new`: errors per class, rebinds, receiving.
pub fn diff(old: &Snapshot, new: &Snapshot, out: &mut VecDeque<Value>) {
    let (a, b) = (&old.health, &new.health);
    class_diff(
        "receive",
        &a.counters.recv_errors,
        &b.counters.recv_errors,
        out,
    );
    class_diff(
        "send",
        &a.counters.send_errors,
        &b.counters.send_errors,
        out,
    );
    class_diff(
        "beacon_send",
        &a.counters.beacon_send_errors,
        &b.counters.beacon_send_errors,
        out,
    );
    if b.last_rebind != a.last_rebind
        && let Some(r) = b.last_rebind
    {
        out.push_back(json!({
            "type": "rebind",
            "reason": r.reason.as_str(),
            "succeeded": r.succeeded,
            "rebinds": b.rebinds,
            "rebind_failures": b.rebind_failures,
            "bound": b.bound.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }));
    }
    if a.is_open != b.is_open {
        out.push_back(json!({ "type": "receiving", "receiving": b.is_open }));
    }
}
