//! Logging to stderr through `tracing-subscriber` (stdout is reserved for command output such
//! as `--status-json` lines). `RUST_LOG` refines the configured level when set.

use tracing_subscriber::EnvFilter;

use crate::config::LogLevel;

/// Installs the global subscriber at `level` (a second call is a no-op).
pub fn init(level: LogLevel) {
    init_with(level, "");
}

/// As [`init`], with extra `tracing` directives (`"ipv8_udp::socket=error"`).
pub fn init_with(level: LogLevel, extra: &str) {
    use std::io::IsTerminal as _;
    let base = if extra.is_empty() {
        level.directive().to_owned()
    } else {
        format!("{},{extra}", level.directive())
    };
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => {
            EnvFilter::try_new(format!("{base},{spec}")).unwrap_or_else(|_| EnvFilter::new(&base))
        }
        _ => EnvFilter::new(&base),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
