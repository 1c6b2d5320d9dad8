//! What the long-running subcommands (`run`, `tracker`, `swarm`) share: loading and locking the
//! identity ([`identity`], [`keylock`]), logging ([`logging`]), status lines and the offline notice ([`observe`]) and
//! waiting for Ctrl-C / SIGTERM ([`Shutdown`]).

pub mod identity;
pub mod keylock;
pub mod logging;
pub mod observe;
pub mod serve;

use std::io;

/// Ctrl-C (SIGINT) and SIGTERM, with the handlers installed at construction, so a signal that
/// arrives before the first `.await` on [`Shutdown::recv`] is not lost (nor kills the process).
#[derive(Debug)]
pub struct Shutdown {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Shutdown {
    /// Installs the handlers (inside a tokio runtime).
    ///
    /// # Errors
    /// The OS refused a signal handler.
    pub fn install() -> io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Completes at the next Ctrl-C or SIGTERM.
    pub async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
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
