//! What an installed `ipv8` offers besides running nodes: `--version` with the git commit,
//! shell completions for every supported shell, and man pages, all generated from the same
//! command tree as the parser.

use std::path::PathBuf;
use std::process::{Command, Output};

fn ipv8(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ipv8"))
        .args(args)
        .output()
        .expect("running ipv8")
}

fn stdout_ok(args: &[&str]) -> String {
    let output = ipv8(args);
    assert!(
        output.status.success(),
        "ipv8 {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// The commit this checkout is at, as the build script records it.
fn head_commit() -> Option<String> {
    let output = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[test]
fn version_names_crate_version_and_commit() {
    let text = stdout_ok(&["--version"]);
    let line = text.trim();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        line.starts_with(&format!("ipv8 {version} (commit ")),
        "{line}"
    );
    assert!(line.ends_with(')'), "{line}");
    let commit = &line[line.find("(commit ").expect("commit") + 8..line.len() - 1];
    match std::env::var("IPV8_GIT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
    {
        Some(forced) => assert_eq!(commit, forced),
        // Built from this git checkout: the build script saw the same HEAD.
        None => match head_commit() {
            Some(head) => assert_eq!(commit, head, "rebuild after committing"),
            // git is missing here or refuses this checkout (another user's): the build script
            // may still have seen it, so only the form is checked.
            None => assert!(
                commit == "unknown"
                    || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())),
                "{commit}"
            ),
        },
    }
    // Subcommands report the same version.
    assert_eq!(
        stdout_ok(&["key", "--version"]).trim(),
        format!("ipv8-key {version} (commit {commit})")
    );
}

#[test]
fn completions_cover_every_subcommand_for_each_shell() {
    let subcommands = [
        "key",
        "packet",
        "run",
        "tracker",
        "swarm",
        "status",
        "completions",
        "man",
    ];
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_ok(&["completions", shell]);
        for sub in subcommands {
            assert!(script.contains(sub), "{shell} completions lack `{sub}`");
        }
        // A flag of a nested command makes it into every script.
        assert!(
            script.contains("no-default-bootstrap"),
            "{shell}: `run` flags missing"
        );
    }
    let bash = stdout_ok(&["completions", "bash"]);
    assert!(
        bash.contains("complete -F _ipv8"),
        "bash registers the function"
    );
}

#[test]
fn completions_reject_unknown_shell_naming_the_choices() {
    let output = ipv8(&["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("tcsh") && stderr.contains("bash"),
        "{stderr}"
    );
}

#[test]
fn man_page_on_stdout_and_one_page_per_subcommand_in_a_directory() {
    let page = stdout_ok(&["man"]);
    assert!(
        page.starts_with(".ie"),
        "roff source: {}",
        &page[..page.len().min(80)]
    );
    assert!(page.contains(".TH ipv8 1"), "title header");
    assert!(page.contains("run"), "lists subcommands");

    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("man-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let dir_arg = dir.to_str().expect("UTF-8 path");
    stdout_ok(&["man", "--out-dir", dir_arg]);
    for name in [
        "ipv8.1",
        "ipv8-run.1",
        "ipv8-key.1",
        "ipv8-key-show.1",
        "ipv8-packet-decode.1",
    ] {
        let text = std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|e| panic!("{name} was not written: {e}"));
        assert!(text.contains(".TH"), "{name} is a man page");
    }
    let run = std::fs::read_to_string(dir.join("ipv8-run.1")).expect("ipv8-run.1");
    assert!(
        run.contains("no\\-default\\-bootstrap"),
        "run's flags are documented"
    );
    std::fs::remove_dir_all(&dir).ok();
}
