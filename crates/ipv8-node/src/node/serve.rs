//! Runs one started driver until Ctrl-C / SIGTERM: serves REST, prints `--status-json` lines,
//! logs the offline notice once, then shuts down cleanly (REST stops accepting, the driver
//! publishes its final snapshot and closes its sockets). Shared by `ipv8 run` and
//! `ipv8 tracker`.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use ipv8::Ipv8;
use tokio::sync::oneshot;

use super::Shutdown;
use super::observe::{NodeFacts, OfflineNotice, status_line};

/// Where and how to serve the REST API.
#[derive(Debug, Clone)]
pub struct RestOptions {
    /// Listen address (checked: anything but loopback has `api_key`).
    pub addr: SocketAddr,
    /// The key requests must carry.
    pub api_key: Option<String>,
}

/// How `serve` presents the node.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The REST API (`None`: none).
    pub rest: Option<RestOptions>,
    /// Print one JSON status line per second on stdout.
    pub status_json: bool,
    /// Role, mid.
    pub facts: NodeFacts,
    /// Configured tracker addresses plus names (for the offline notice).
    pub trackers: usize,
    /// The DHT, whose routes REST serves under `/dht` (`None`: not loaded).
    pub dht: ipv8_rest::dht::DhtHandle,
}

/// Serves `ipv8` until `shutdown` fires (or until the driver task dies).
///
/// # Errors
/// The driver task stopped on its own (a bug: it has no exit but shutdown).
pub async fn serve(
    ipv8: Ipv8,
    mut options: ServeOptions,
    mut shutdown: Shutdown,
) -> anyhow::Result<()> {
    let (rest_stop, rest_task) = match options.rest.clone() {
        Some(rest) => start_rest(&ipv8, &rest, &mut options.facts, options.dht.clone()).await?,
        None => (None, None),
    };

    let first = ipv8.snapshot().await?;
    tracing::info!(
        role = %options.facts.role,
        mid = %options.facts.mid,
        bound = %addr_list(&first.health.bound),
        overlays = %first.overlays.iter().map(|o| o.name.as_str()).collect::<Vec<_>>().join(", "),
        "node started"
    );
    if options.status_json {
        print_line(&status_line(&first, &options.facts));
    }
    let mut notice = OfflineNotice::default();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    let result = loop {
        tokio::select! {
            () = shutdown.recv() => break Ok(()),
            _ = tick.tick() => {
                // A fresh one: without REST nobody watches, so the driver builds snapshots
                // only when asked (ipv8's snapshot.rs).
                let Ok(snapshot) = ipv8.snapshot().await else {
                    break Err(anyhow::anyhow!("the driver task stopped unexpectedly"));
                };
                notice.observe(&snapshot, options.trackers);
                if options.status_json {
                    print_line(&status_line(&snapshot, &options.facts));
                }
            }
        }
    };
    tracing::info!("shutting down");
    if let Some((stop, state)) = rest_stop {
        state.close();
        let _ = stop.send(());
    }
    if let Some(task) = rest_task {
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
    let handle = ipv8.handle().clone();
    let stopped = ipv8.shutdown().await;
    if options.status_json {
        print_line(&status_line(&handle.latest(), &options.facts));
    }
    stopped?;
    tracing::info!("stopped");
    result
}

type RestStop = (oneshot::Sender<()>, ipv8_rest::RestState);

/// Binds and spawns the REST server. A port that is taken is logged and the node runs without
/// REST; an address that would be open to other hosts without a key is refused.
async fn start_rest(
    ipv8: &Ipv8,
    rest: &RestOptions,
    facts: &mut NodeFacts,
    dht: ipv8_rest::dht::DhtHandle,
) -> anyhow::Result<(Option<RestStop>, Option<tokio::task::JoinHandle<()>>)> {
    let key = ipv8_rest::ApiKey(rest.api_key.clone());
    ipv8_rest::check_bind(rest.addr, &key)?;
    let listener = match ipv8_rest::bind(rest.addr).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::warn!(address = %rest.addr, %error, "cannot listen for REST; continuing without it");
            return Ok((None, None));
        }
    };
    let local: Option<SocketAddr> = listener.local_addr().ok();
    facts.rest = local;
    tracing::info!(
        address = local.map(tracing::field::display),
        api_key = rest.api_key.is_some(),
        "REST API and dashboard listening"
    );
    let state = ipv8_rest::RestState::with_config(ipv8.handle().clone(), key, Default::default());
    let router = ipv8_rest::router_with(state.clone(), ipv8_rest::dht::routes(dht));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.await;
        };
        if let Err(error) = ipv8_rest::serve(listener, router, shutdown).await {
            tracing::warn!(%error, "REST server stopped");
        }
    });
    Ok((Some((stop, state)), Some(task)))
}

/// Addresses for a log field: `127.0.0.1:8090, [::]:8090`, not Rust's debug form.
fn addr_list(addrs: &[SocketAddr]) -> String {
    addrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line on stdout; a closed stdout is ignored (the node keeps running).
fn print_line(value: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{value}");
    let _ = out.flush();
}
