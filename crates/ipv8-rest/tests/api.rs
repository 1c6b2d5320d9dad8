//! The routes beyond py-ipv8's shapes: the API key (missing, wrong, right; header and query),
//! `/metrics` through a Prometheus text-format parser, `/events` as a server-sent event stream,
//! `/history`, `/peers`, the OpenAPI document and the dashboard's files.

mod support;

use std::collections::VecDeque;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use ipv8_rest::history::HistoryConfig;
use ipv8_rest::{ApiKey, RestState, router};
use prometheus_parse::{LineInfo, Scrape, Value as PromValue};
use serde_json::Value;
use support::*;
use tower::ServiceExt as _;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_missing_wrong_and_right() {
    let (tracker, tracker_addr) = tracker(400).await;
    let a = node(tracker_addr, 401, true);
    let state = RestState::with_config(
        a.handle().clone(),
        ApiKey(Some("k3y".into())),
        HistoryConfig::default(),
    );
    let app = router(state);
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], StatusCode);
    let cases: [Case<'_>; 8] = [
        ("/overlays", &[], StatusCode::UNAUTHORIZED),
        (
            "/overlays",
            &[("X-Api-Key", "wrong")],
            StatusCode::UNAUTHORIZED,
        ),
        ("/overlays?apikey=wrong", &[], StatusCode::UNAUTHORIZED),
        ("/metrics", &[], StatusCode::UNAUTHORIZED),
        ("/overlays", &[("X-Api-Key", "k3y")], StatusCode::OK),
        ("/overlays?apikey=k3y", &[], StatusCode::OK),
        ("/docs/openapi.json", &[], StatusCode::OK),
        ("/", &[], StatusCode::OK),
    ];
    for (path, headers, expected) in cases {
        let (status, _, body) = request(&app, Method::GET, path, headers, None).await;
        assert_eq!(status, expected, "GET {path} {headers:?}");
        if status == StatusCode::UNAUTHORIZED {
            let body: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body, serde_json::json!({"error": "Unauthorized access"}));
        }
    }
    // Without a key, only requests naming a loopback host are served (DNS rebinding).
    let open = router(RestState::new(a.handle().clone()));
    for (host, expected) in [
        ("127.0.0.1:8085", StatusCode::OK),
        ("localhost:8085", StatusCode::OK),
        ("rebound.example:8085", StatusCode::FORBIDDEN),
    ] {
        let (status, _, body) =
            request(&open, Method::GET, "/health", &[("Host", host)], None).await;
        assert_eq!(status, expected, "Host: {host}");
        if status == StatusCode::FORBIDDEN {
            let body: Value = serde_json::from_slice(&body).unwrap();
            assert!(
                body["error"].as_str().unwrap().starts_with("Host:"),
                "{body}"
            );
        }
    }
    // POSTs too, before their body is looked at.
    let (status, _, _) = request(
        &app,
        Method::POST,
        "/overlays/statistics",
        &[],
        Some(r#"{"enable": true, "all": true}"#),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The document declares the scheme.
    let (_, _, doc) = request(&app, Method::GET, "/docs/openapi.json", &[], None).await;
    let doc: Value = serde_json::from_slice(&doc).unwrap();
    assert_eq!(
        doc["components"]["securitySchemes"]["apiKey"]["name"],
        "X-Api-Key"
    );
    for n in [a, tracker] {
        n.shutdown().await.expect("clean stop");
    }
}

/// Every line is a sample, a `# HELP`/`# TYPE`/`# UNIT` line or the final `# EOF`, and the
/// parser reads every sample.
fn parse_metrics(text: &str) -> Scrape {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.last(), Some(&"# EOF"), "OpenMetrics ends with # EOF");
    let mut samples = 0;
    for line in &lines[..lines.len() - 1] {
        match LineInfo::parse(line) {
            LineInfo::Sample { .. } => samples += 1,
            LineInfo::Doc { .. } | LineInfo::Type { .. } => {}
            _ if line.starts_with("# UNIT ") => {}
            _ => panic!("not a Prometheus text-format line: {line:?}"),
        }
    }
    let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("parses");
    assert_eq!(scrape.samples.len(), samples, "every sample read");
    scrape
}

fn sample_value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            PromValue::Counter(v) | PromValue::Gauge(v) | PromValue::Untyped(v) => v,
            _ => f64::NAN,
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_as_prometheus_text() {
    let (tracker, tracker_addr) = tracker(410).await;
    let a = node(tracker_addr, 411, true);
    let b = node(tracker_addr, 412, true);
    connected(&[&a, &b]).await;
    let app = router(RestState::new(a.handle().clone()));
    let (status, headers, body) = request(&app, Method::GET, "/metrics", &[], None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = String::from_utf8(body).unwrap();
    let scrape = parse_metrics(&text);
    assert_eq!(sample_value(&scrape, "ipv8_receiving", &[]), Some(1.0));
    let peers = sample_value(
        &scrape,
        "ipv8_peers",
        &[("community", "DiscoveryCommunity")],
    )
    .expect("peers of DiscoveryCommunity");
    assert!(peers >= 1.0, "{text}");
    assert!(sample_value(&scrape, "ipv8_peers", &[("community_id", PYPEER)]).unwrap() >= 1.0);
    for dir in ["up", "down"] {
        assert!(
            sample_value(&scrape, "ipv8_datagrams_total", &[("direction", dir)]).unwrap() > 0.0
        );
        assert!(sample_value(&scrape, "ipv8_bytes_total", &[("direction", dir)]).unwrap() > 0.0);
    }
    let intro = [
        ("community", "DiscoveryCommunity"),
        ("message_id", "246"),
        ("message", "on_old_introduction_request"),
    ];
    let up: Vec<(&str, &str)> = intro.iter().copied().chain([("direction", "up")]).collect();
    assert!(
        sample_value(&scrape, "ipv8_messages_total", &up).unwrap() >= 1.0,
        "{text}"
    );
    assert!(sample_value(&scrape, "ipv8_message_bytes_total", &up).unwrap() > 0.0);
    for op in ["receive", "send", "beacon_send"] {
        assert_eq!(
            sample_value(
                &scrape,
                "ipv8_io_errors_total",
                &[("op", op), ("class", "per_destination")]
            ),
            Some(0.0),
            "{op}"
        );
    }
    assert_eq!(sample_value(&scrape, "ipv8_rebinds_total", &[]), Some(0.0));
    assert!(sample_value(&scrape, "ipv8_uptime_seconds", &[]).unwrap() > 0.0);
    assert!(sample_value(&scrape, "ipv8_last_receive_age_seconds", &[]).is_some());
    for n in [a, b, tracker] {
        n.shutdown().await.expect("clean stop");
    }
}

/// Reads SSE events from `body` until `want` has been seen (or 20 s passed).
async fn read_events(body: &mut Body, want: impl Fn(&Value) -> bool) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while tokio::time::Instant::now() < deadline {
        let frame = tokio::time::timeout_at(deadline, body.frame()).await;
        let Ok(Some(Ok(frame))) = frame else { break };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        buffer.push_str(&String::from_utf8_lossy(&data));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let mut name = None;
            let mut json = None;
            for line in block.lines() {
                if let Some(n) = line.strip_prefix("event: ") {
                    name = Some(n.to_owned());
                } else if let Some(d) = line.strip_prefix("data: ") {
                    json = Some(serde_json::from_str::<Value>(d).expect("data is JSON"));
                }
            }
            if let Some(json) = json {
                assert_eq!(Some(json["type"].as_str().unwrap().to_owned()), name);
                let done = want(&json);
                seen.push(json);
                if done {
                    return seen;
                }
            }
        }
    }
    panic!("the wanted event did not arrive within 20 s; saw {seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_stream_peers_and_rebinds() {
    let (tracker, tracker_addr) = tracker(420).await;
    let a = node(tracker_addr, 421, true);
    let state = RestState::new(a.handle().clone());
    let app = router(state.clone());
    let response = app
        .clone()
        .oneshot(Request::get("/events").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    let mut body = response.into_body();
    let b = node(tracker_addr, 422, true);
    let seen = read_events(&mut body, |e| e["type"] == "peer_added").await;
    let added = seen.last().unwrap();
    assert!(added["mid"].as_str().unwrap().len() == 40, "{added}");
    assert!(added["address"].as_str().unwrap().starts_with("127.0.0.1:"));
    let added_seq = added["seq"].as_u64().expect("numbered");
    assert!(added["time"].as_f64().unwrap() > 1.6e9);
    // A late subscriber can ask for the recent events, or resume after an id.
    for (path, last_id) in [
        ("/events?recent=100", None),
        ("/events", Some(added_seq - 1)),
    ] {
        let mut request = Request::get(path);
        if let Some(id) = last_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        let response = app
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let mut late = response.into_body();
        let replayed = read_events(&mut late, |e| e["seq"] == added_seq).await;
        assert_eq!(replayed.last().unwrap(), added, "{path}");
    }
    let (status, value) = send_json(&app, Method::GET, "/events?recent=all", "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{value}");
    // A rebind shows up as one event.
    a.rebind().await.expect("driver runs");
    let seen = read_events(&mut body, |e| e["type"] == "rebind").await;
    assert_eq!(seen.last().unwrap()["reason"], "requested");
    // Closing the state ends the stream (what a graceful shutdown does first).
    state.close();
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(_)) = body.frame().await {}
    })
    .await;
    assert!(end.is_ok(), "the stream ended");
    for n in [a, b, tracker] {
        n.shutdown().await.expect("clean stop");
    }
}

#[test]
fn snapshot_differences_become_error_events() {
    use ipv8::Snapshot;
    use ipv8::udp::ErrorClass;
    let old = Snapshot::placeholder();
    let mut new = Snapshot::placeholder();
    new.health
        .counters
        .send_errors
        .add(ErrorClass::PerDestination);
    new.health
        .counters
        .send_errors
        .add(ErrorClass::PerDestination);
    new.health
        .counters
        .beacon_send_errors
        .add(ErrorClass::Environment);
    new.health.is_open = true;
    let mut out = VecDeque::new();
    ipv8_rest::events::diff(&old, &new, &mut out);
    let out: Vec<Value> = out.into();
    assert_eq!(
        out,
        [
            serde_json::json!({"type": "error", "op": "send", "class": "per_destination", "count": 2, "total": 2}),
            serde_json::json!({"type": "error", "op": "beacon_send", "class": "environment", "count": 1, "total": 1}),
            serde_json::json!({"type": "receiving", "receiving": true}),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_peers_docs_and_dashboard() {
    let (tracker, tracker_addr) = tracker(430).await;
    let a = node(tracker_addr, 431, true);
    let b = node(tracker_addr, 432, true);
    let history = HistoryConfig {
        interval: Duration::from_millis(100),
        capacity: 5,
    };
    let app = router(RestState::with_config(
        a.handle().clone(),
        ApiKey(None),
        history,
    ));
    connected(&[&a, &b]).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let h = get_json(&app, "/history").await;
    let samples = h["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 5, "the ring keeps `capacity` samples");
    let last = samples.last().unwrap();
    assert!(
        last["communities"]["DiscoveryCommunity"].as_u64().unwrap() >= 1,
        "{last}"
    );
    assert!(last["errors"]["per_destination"].is_u64());
    let since = samples[2]["t"].as_f64().unwrap();
    let newer = get_json(&app, &format!("/history?since={since}")).await;
    assert!(newer["samples"].as_array().unwrap().len() <= 2 + 1);
    let (status, value) = send_json(&app, Method::GET, "/history?since=soon", "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(value["error"].as_str().unwrap().starts_with("since:"));

    let peers = get_json(&app, "/peers").await;
    let row = &peers["peers"][0];
    assert_eq!(row["mid"].as_str().unwrap().len(), 40);
    assert!(row["last_response_age"].as_f64().unwrap() < 30.0, "{row}");
    assert!(row["communities"].as_array().unwrap().len() == 2, "{row}");

    let doc = get_json(&app, "/docs/openapi.json").await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/overlays", "get"),
        ("/overlays/statistics", "get"),
        ("/overlays/statistics", "post"),
        ("/network", "get"),
        ("/isolation", "post"),
        ("/asyncio/tasks", "get"),
        ("/asyncio/drift", "get"),
        ("/asyncio/drift", "put"),
        ("/health", "get"),
        ("/metrics", "get"),
        ("/events", "get"),
        ("/history", "get"),
        ("/peers", "get"),
    ] {
        assert!(
            paths[path].get(method).is_some(),
            "{method} {path} documented"
        );
    }
    let overlay = &doc["components"]["schemas"]["Overlay"]["properties"];
    assert!(
        overlay["my_estimated_wan"].is_object(),
        "schemas come from the types"
    );

    for (path, kind) in [
        ("/", "text/html"),
        ("/docs", "text/html"),
        ("/dashboard/app.js", "text/javascript"),
        ("/dashboard/app.css", "text/css"),
    ] {
        let (status, headers, body) = request(&app, Method::GET, path, &[], None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with(kind),
            "{path}"
        );
        let text = String::from_utf8(body).unwrap();
        assert!(
            !text.contains("http://") && !text.contains("https://"),
            "{path}: no network fetches"
        );
    }
    for path in [
        "/health",
        "/metrics",
        "/history",
        "/peers",
        "/asyncio/tasks",
    ] {
        let (status, _, body) = request(&app, Method::HEAD, path, &[], None).await;
        assert_eq!(status, StatusCode::OK, "HEAD {path}");
        assert!(body.is_empty());
    }
    for n in [a, b, tracker] {
        n.shutdown().await.expect("clean stop");
    }
}

/// A resource of a later overlay (say, a DHT's).
#[utoipa::path(get, path = "/dht/statistics", tag = "DHT",
    responses((status = 200, body = String)))]
async fn dht_statistics() -> &'static str {
    "{}"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_overlays_plug_routes_into_the_same_router() {
    let (tracker, tracker_addr) = tracker(440).await;
    let a = node(tracker_addr, 441, true);
    let extra =
        utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(dht_statistics));
    let app = ipv8_rest::router_with(RestState::new(a.handle().clone()), extra);
    let (status, _, body) = request(&app, Method::GET, "/dht/statistics", &[], None).await;
    assert_eq!(
        (status, body.as_slice()),
        (StatusCode::OK, b"{}".as_slice())
    );
    let doc = get_json(&app, "/docs/openapi.json").await;
    assert!(doc["paths"]["/dht/statistics"]["get"].is_object());
    assert!(doc["paths"]["/overlays"]["get"].is_object());
    for n in [a, tracker] {
        n.shutdown().await.expect("clean stop");
    }
}
