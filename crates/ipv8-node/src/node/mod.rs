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

/// The tokio runtime of `run` and `tracker`: one thread ([`runtime_with`]`(1)`).
///
/// The driver is one task whatever the runtime, and REST handlers and the status line are
/// short; a second worker only let them run beside it, and cost wake-ups (idle workers park
/// and unpark each other: a third of an idle 40-node swarm's CPU) and a thread's memory.
/// DNS look-ups still go to tokio's blocking pool.
///
/// # Errors
/// The OS refused an I/O driver.
pub fn runtime() -> io::Result<tokio::runtime::Runtime> {
    runtime_with(1)
}

/// A runtime with `workers` threads: 1 (or 0) is tokio's current-thread runtime, more a
/// multi-thread runtime with that many workers.
///
/// # Errors
/// The OS refused threads or an I/O driver.
pub fn runtime_with(workers: usize) -> io::Result<tokio::runtime::Runtime> {
    if workers <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
    }
}
