//! What the long-running subcommands (`run`, `tracker`, `swarm`) share: loading the identity
//! ([`identity`]), logging ([`logging`]), status lines and the offline notice ([`observe`]) and
//! waiting for Ctrl-C / SIGTERM ([`shutdown_signal`]).

pub mod identity;
pub mod logging;
pub mod observe;
pub mod serve;

use std::io;

/// Completes on Ctrl-C (SIGINT) or SIGTERM (unix).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No signal handler could be installed: never complete from here.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = async {
            match signal(SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = ctrl_c => {}
            () = term => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}

/// A multi-threaded tokio runtime for the node (two workers: the driver never blocks, REST and
/// status printing get the other).
///
/// # Errors
/// The OS refused threads or an I/O driver.
pub fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}
