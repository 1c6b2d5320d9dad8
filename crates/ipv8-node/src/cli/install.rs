//! `ipv8 completions SHELL` and `ipv8 man`: shell completion scripts (clap_complete) and man
//! pages (clap_mangen), both generated from the same command tree as the parser, so they can
//! never disagree with it. [`VERSION`] is what `ipv8 --version` prints.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, CommandFactory as _};
use clap_complete::Shell;

use super::Cli;

/// `ipv8 --version`: the crate version and the git commit it was built from (or `unknown`).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("IPV8_GIT_COMMIT"),
    ")"
);

/// Arguments of `ipv8 completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate the completion script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Arguments of `ipv8 man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `ipv8.1` and one page per subcommand (`ipv8-run.1`, `ipv8-key-show.1`, ...) into
    /// this directory instead of printing the top-level page to stdout.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// Prints the completion script for `args.shell` to `out`.
///
/// # Errors
/// Only when writing to `out` fails.
pub fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut command = Cli::command();
    let mut buffer = Vec::new();
    clap_complete::generate(args.shell, &mut command, "ipv8", &mut buffer);
    out.write_all(&buffer)
        .context("writing the completion script")
}

/// Prints the top-level man page, or writes every page into `--out-dir`.
///
/// # Errors
/// When the directory cannot be created or written, or writing to `out` fails.
pub fn man(args: &ManArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let command = Cli::command();
    match &args.out_dir {
        None => {
            let mut buffer = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut buffer)
                .context("rendering the man page")?;
            out.write_all(&buffer).context("writing the man page")
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating --out-dir {}", dir.display()))?;
            clap_mangen::generate_to(command, dir)
                .with_context(|| format!("writing man pages into {}", dir.display()))?;
            writeln!(out, "man pages written to {}", dir.display())?;
            Ok(())
        }
    }
}
