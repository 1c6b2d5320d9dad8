//! The `ipv8` binary: parses the command line and runs one subcommand (see [`cli`]).

mod cli;
mod config;
mod node;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
