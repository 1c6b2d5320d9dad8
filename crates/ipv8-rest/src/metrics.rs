//! `GET /metrics`: the node in Prometheus' exposition format (OpenMetrics text, which Prometheus
//! scrapes natively), encoded by `prometheus-client` from the latest snapshot on every scrape.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `ipv8_receiving` | gauge 0/1 | |
//! | `ipv8_peers` | gauge | `community`, `community_id` |
//! | `ipv8_verified_peers` | gauge | |
//! | `ipv8_datagrams_total`, `ipv8_bytes_total` | counter | `direction` (`up`/`down`) |
//! | `ipv8_messages_total`, `ipv8_message_bytes_total` | counter | `community`, `message_id`, `message`, `direction` |
//! | `ipv8_io_errors_total` | counter | `op` (`receive`/`send`/`beacon_send`), `class` |
//! | `ipv8_rejected_sends_total` | counter | `reason` |
//! | `ipv8_drops_total` | counter | `reason` |
//! | `ipv8_rebinds_total`, `ipv8_rebind_failures_total` | counter | |
//! | `ipv8_last_receive_age_seconds`, `ipv8_uptime_seconds` | gauge | |
//! | `ipv8_runtime_alive_tasks` | gauge | |

use std::sync::atomic::AtomicU64;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use ipv8::Snapshot;
use ipv8::counters::ClassCounters;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::RestState;

/// The routes of this resource.
pub fn routes() -> OpenApiRouter<RestState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// The response's content type.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

type Labels = Vec<(&'static str, String)>;

/// The node's counters and gauges for Prometheus.
#[utoipa::path(get, path = "/metrics", tag = "Health",
    responses((status = 200, description = "OpenMetrics text", content_type = "application/openmetrics-text", body = String)))]
async fn metrics(State(state): State<RestState>) -> impl IntoResponse {
    let text = render(&state.snapshot());
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], text)
}

fn counter(registry: &mut Registry, name: &str, help: &str, value: u64) {
    let c: Counter = Counter::default();
    c.inc_by(value);
    registry.register(name, help, c);
}

fn gauge(registry: &mut Registry, name: &str, help: &str, value: f64) {
    let g: Gauge<f64, AtomicU64> = Gauge::default();
    g.set(value);
    registry.register(name, help, g);
}

fn add_classes(family: &Family<Labels, Counter>, op: &'static str, counters: &ClassCounters) {
    for (class, n) in counters.iter() {
        family
            .get_or_create(&vec![
                ("op", op.to_owned()),
                ("class", class.as_str().to_owned()),
            ])
            .inc_by(n);
    }
}

/// The exposition text of `snapshot`.
pub fn render(snapshot: &Snapshot) -> String {
    let h = &snapshot.health;
    let c = &h.counters;
    let mut r = Registry::default();
    gauge(
        &mut r,
        "ipv8_receiving",
        "1 while the receive loop is armed on a bound socket",
        f64::from(u8::from(h.is_open)),
    );
    let peers = Family::<Labels, Gauge>::default();
    for o in &snapshot.overlays {
        let labels = vec![
            ("community", o.name.clone()),
            ("community_id", o.id.to_string()),
        ];
        peers
            .get_or_create(&labels)
            .set(i64::try_from(o.peers.len()).unwrap_or(i64::MAX));
    }
    r.register("ipv8_peers", "Verified peers per community", peers);
    gauge(
        &mut r,
        "ipv8_verified_peers",
        "Verified peers in the whole network",
        snapshot.peer_count() as f64,
    );

    let datagrams = Family::<Labels, Counter>::default();
    let bytes = Family::<Labels, Counter>::default();
    for (dir, d, b) in [
        ("up", c.traffic.datagrams_up, c.traffic.bytes_up),
        ("down", c.traffic.datagrams_down, c.traffic.bytes_down),
    ] {
        datagrams
            .get_or_create(&vec![("direction", dir.to_owned())])
            .inc_by(d);
        bytes
            .get_or_create(&vec![("direction", dir.to_owned())])
            .inc_by(b);
    }
    r.register(
        "ipv8_datagrams",
        "UDP datagrams through the unicast sockets",
        datagrams,
    );
    r.register(
        "ipv8_bytes",
        "UDP payload bytes through the unicast sockets",
        bytes,
    );

    let messages = Family::<Labels, Counter>::default();
    let message_bytes = Family::<Labels, Counter>::default();
    for o in &snapshot.message_statistics {
        for m in &o.messages {
            for (dir, n, b) in [
                ("up", m.stat.num_up, m.stat.bytes_up),
                ("down", m.stat.num_down, m.stat.bytes_down),
            ] {
                let labels = vec![
                    ("community", o.overlay.clone()),
                    ("message_id", m.id.to_string()),
                    ("message", m.handler.to_owned()),
                    ("direction", dir.to_owned()),
                ];
                messages.get_or_create(&labels).inc_by(n);
                message_bytes.get_or_create(&labels).inc_by(b);
            }
        }
    }
    r.register(
        "ipv8_messages",
        "Messages per community and message id (while statistics are on)",
        messages,
    );
    r.register(
        "ipv8_message_bytes",
        "Message bytes per community and message id (while statistics are on)",
        message_bytes,
    );

    let errors = Family::<Labels, Counter>::default();
    add_classes(&errors, "receive", &c.recv_errors);
    add_classes(&errors, "send", &c.send_errors);
    add_classes(&errors, "beacon_send", &c.beacon_send_errors);
    r.register(
        "ipv8_io_errors",
        "Socket errors per operation and class",
        errors,
    );

    let rejected = Family::<Labels, Counter>::default();
    let rj = &c.rejected;
    for (reason, n) in [
        ("port_zero", rj.port_zero),
        ("unspecified", rj.unspecified),
        ("broadcast", rj.broadcast),
        ("multicast", rj.multicast),
        ("wrong_family", rj.wrong_family),
        ("no_socket", rj.no_socket),
    ] {
        rejected
            .get_or_create(&vec![("reason", reason.to_owned())])
            .inc_by(n);
    }
    r.register(
        "ipv8_rejected_sends",
        "Sends refused before the socket was called",
        rejected,
    );

    let drops = Family::<Labels, Counter>::default();
    for (reason, n) in snapshot.drops.iter() {
        drops
            .get_or_create(&vec![("reason", reason.name().to_owned())])
            .inc_by(n);
    }
    r.register("ipv8_drops", "Dropped datagrams per reason", drops);

    counter(
        &mut r,
        "ipv8_rebinds",
        "Successful socket rebinds",
        h.rebinds,
    );
    counter(
        &mut r,
        "ipv8_rebind_failures",
        "Failed rebind attempts (each retried)",
        h.rebind_failures,
    );
    if let Some(age) = h.last_receive_age {
        gauge(
            &mut r,
            "ipv8_last_receive_age_seconds",
            "Seconds since the last datagram arrived",
            age.as_secs_f64(),
        );
    }
    gauge(
        &mut r,
        "ipv8_uptime_seconds",
        "Seconds since the driver started",
        h.uptime.as_secs_f64(),
    );
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        gauge(
            &mut r,
            "ipv8_runtime_alive_tasks",
            "Tasks alive in the Tokio runtime serving the API",
            runtime.metrics().num_alive_tasks() as f64,
        );
    }
    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = encode(&mut text, &r);
    text
}
