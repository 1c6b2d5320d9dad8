//! The dashboard at `/`: one HTML page with its script and stylesheet, embedded in the binary
//! (`include_str!`; no CDN, no network fetch, no build step). It draws, from this API:
//!
//! * health at a glance: a green "receiving" or a red "deaf since …" (`/health`);
//! * a live chart of peers per community over the last 30 minutes (`/history`, the server's
//!   ring buffer, so the chart is full on first load) and of I/O errors per class over time;
//! * the per-message statistics table with rates (`/overlays/statistics`);
//! * the peer list with address, mid and last response (`/peers`);
//! * a log of events (`/events`, server-sent events).
//!
//! It polls every 2 s and reacts to events at once. With an API key the page reads it from its
//! own address (`/?apikey=KEY`) and sends it as `X-Api-Key`.

use axum::Router;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;

const PAGE: &str = include_str!("../assets/dashboard.html");
const SCRIPT: &str = include_str!("../assets/dashboard.js");
const STYLE: &str = include_str!("../assets/dashboard.css");

/// `/`, `/dashboard/app.js`, `/dashboard/app.css` and an empty `/favicon.ico`.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route(
            "/dashboard/app.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    SCRIPT,
                )
                    .into_response()
            }),
        )
        .route(
            "/dashboard/app.css",
            get(|| async {
                ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
            }),
        )
}
