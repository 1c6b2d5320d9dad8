//! `GET /events`: a server-sent-event stream of what changes: peers added and removed, tracker
//! answers and WAN changes (the driver's event broadcast), plus I/O errors per class, rebinds
//! and the receiving flag (differences between consecutive snapshots, at most every 250 ms).
//!
//! Every event's `data` is one JSON object; its SSE `event` name is the `type`. A client that
//! reads too slowly loses the oldest node events (the broadcast channel is bounded) and gets a
//! `lagged` event saying how many; the driver never waits for it. Streams end when the driver
//! stops or the server shuts down ([`crate::RestState::close`]).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use ipv8::counters::ClassCounters;
use ipv8::proto::CommunityId;
use ipv8::{Event, Snapshot};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::RestState;
use crate::asyncio::TaskGuard;

/// The routes of this resource.
pub fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// Peers added/removed, errors, rebinds, as they happen.
#[utoipa::path(get, path = "/events", tag = "Health",
    responses((status = 200, content_type = "text/event-stream", body = String,
        description = "`event: peer_added|peer_removed|bootstrapped|wan_changed|error|rebind|receiving|lagged`, `data: {\"type\", ...}`")))]
async fn events(
    State(state): State<RestState>,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let guard = state.tasks().register("event stream", "RestManager", None);
    let feed = Feed {
        events: Some(state.handle().events()),
        snapshots: state.handle().watch(),
        last: state.snapshot(),
        closing: state.closing(),
        pending: VecDeque::new(),
        _guard: guard,
    };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        let event = feed.next().await?;
        Some((Ok(event), feed))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// One subscriber's sources.
struct Feed {
    events: Option<broadcast::Receiver<Event>>,
    snapshots: watch::Receiver<Arc<Snapshot>>,
    last: Arc<Snapshot>,
    closing: watch::Receiver<bool>,
    pending: VecDeque<Value>,
    _guard: TaskGuard,
}

impl Feed {
    async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(data) = self.pending.pop_front() {
                let name = data["type"].as_str().unwrap_or("message").to_owned();
                return Some(SseEvent::default().event(name).data(data.to_string()));
            }
            if *self.closing.borrow() {
                return None;
            }
            tokio::select! {
                received = recv(&mut self.events) => match received {
                    Ok(event) => {
                        let data = node_event(&event, &self.last);
                        self.pending.push_back(data);
                    }
                    Err(RecvError::Lagged(missed)) => {
                        self.pending.push_back(json!({ "type": "lagged", "missed": missed }));
                    }
                    Err(RecvError::Closed) => self.events = None,
                },
                changed = self.snapshots.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                    let now = Arc::clone(&self.snapshots.borrow_and_update());
                    diff(&self.last, &now, &mut self.pending);
                    self.last = now;
                }
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
