//! The command tree of the `ipv8` binary and the mapping of errors to exit codes.
//!
//! Each top-level subcommand lives in its own module of `cli/` with a clap `Subcommand` (or
//! `Args`) type and a `run` function: `key`, `packet`, `run` (the node), `tracker`, `swarm`,
//! `status`, `dht`, and `completions`/`man` (in `install`). Adding one means a new module, a
//! variant of [`Command`] and an arm in [`run()`].
//!
//! Exit codes: 0 success, 1 failure while doing the work (I/O and the like), 2 bad input
//! (clap usage errors, malformed hex or packets, unusable files). Errors are one line on
//! stderr, never a panic.

pub mod dht;
pub mod install;
pub mod key;
pub mod packet;
pub mod run;
pub mod status;
pub mod swarm;
pub mod tracker;

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code for failures while doing the work.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code for bad command-line input (the same code clap uses for usage errors).
pub const EXIT_BAD_INPUT: u8 = 2;

/// `ipv8`: a py-ipv8 compatible overlay node and its tools.
#[derive(Debug, Parser)]
#[command(name = "ipv8", version = install::VERSION, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The top-level subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create and inspect identity key files (py-ipv8 format).
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Inspect IPv8 datagrams.
    #[command(subcommand)]
    Packet(packet::PacketCommand),
    /// Run a node until Ctrl-C (DiscoveryCommunity, py-ipv8's trackers and LAN beacon by default).
    Run(run::RunArgs),
    /// Run a bootstrap tracker for any community (py-ipv8's tracker_service).
    Tracker(tracker::TrackerArgs),
    /// Offline demo and smoke test: N nodes on 127.0.0.1 around a local tracker, in one process.
    Swarm(swarm::SwarmArgs),
    /// Print the status of a running node (its REST API).
    Status(status::StatusArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(install::CompletionsArgs),
    /// Print the man page, or write all pages into a directory (`--out-dir`).
    Man(install::ManArgs),
    /// Store and look up values, find peers: the DHT of a running node (its REST API).
    #[command(subcommand)]
    Dht(dht::DhtCommand),
}

/// An error caused by the user's input rather than by the environment; exits with code 2.
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// Wraps a message as a [`BadInput`] error.
pub fn bad_input(message: impl Into<String>) -> anyhow::Error {
    BadInput(message.into()).into()
}

/// Parses the command line, runs the command and reports errors on stderr.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = run(cli, &mut out).and_then(|()| out.flush().map_err(Into::into));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line: the whole context chain, newlines flattened.
            let message = format!("{err:#}").replace('\n', " ");
            let _ = writeln!(io::stderr(), "ipv8: error: {message}");
            ExitCode::from(exit_code(&err))
        }
    }
}

/// Runs one parsed command, writing its normal output to `out`.
///
/// # Errors
/// Whatever the command fails with; [`BadInput`] in the chain marks input errors.
pub fn run(cli: Cli, out: &mut dyn Write) -> anyhow::Result<()> {
    match cli.command {
        Command::Key(command) => key::run(command, out),
        Command::Packet(command) => packet::run(command, out),
        Command::Run(args) => run::run(&args),
        Command::Tracker(args) => tracker::run(&args),
        Command::Swarm(args) => swarm::run(&args, out),
        Command::Status(args) => status::run(&args, out),
        Command::Completions(args) => install::completions(&args, out),
        Command::Man(args) => install::man(&args, out),
        Command::Dht(command) => dht::run(command, out),
    }
}

/// The exit code for `err`: [`EXIT_BAD_INPUT`] when caused by bad input.
fn exit_code(err: &anyhow::Error) -> u8 {
    if err.chain().any(|cause| cause.is::<BadInput>()) {
        EXIT_BAD_INPUT
    } else {
        EXIT_FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bad_input_is_found_under_context() {
        let err = bad_input("odd hex").context("decoding packet");
        assert_eq!(exit_code(&err), EXIT_BAD_INPUT);
        assert_eq!(exit_code(&anyhow::anyhow!("disk full")), EXIT_FAILURE);
    }
}
