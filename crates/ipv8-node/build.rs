//! Build script: records the git commit the binary is built from, for `ipv8 --version`.
//!
//! `IPV8_GIT_COMMIT` in the build environment wins (packagers building from a tarball set it);
//! otherwise `git rev-parse` is asked, and `unknown` is used outside a git checkout.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=IPV8_GIT_COMMIT");
    let commit = std::env::var("IPV8_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=IPV8_GIT_COMMIT={}", commit.trim());
    // Rebuild when HEAD moves: HEAD itself (branch switches) and the ref it points to (commits).
    for path in ["HEAD", "packed-refs"] {
        rerun_if_git_path_changed(path);
    }
    if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
        rerun_if_git_path_changed(head_ref.trim());
    }
}

fn git_commit() -> Option<String> {
    git(&["rev-parse", "--short=12", "HEAD"])
}

fn rerun_if_git_path_changed(name: &str) {
    if let Some(path) = git(&["rev-parse", "--git-path", name]) {
        let path = path.trim();
        if Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}

/// Runs git in this crate's directory; `None` when git is missing or fails.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}
