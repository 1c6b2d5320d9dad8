//! Build script: records the git commit the binary is built from, for `ipv8 --version`.
//!
//! `IPV8_GIT_COMMIT` in the build environment wins (packagers building from a tarball set it);
//! otherwise `git rev-parse` is asked, and `unknown` is used outside a git checkout.
//!
//! On Linux with glibc it also links the `ipv8` executable with packed relative relocations
//! (`DT_RELR`): ld.so then reads a few kB instead of ≈ 0.9 MB of `.rela.dyn` at start, which
//! stays resident (docs/PERFORMANCE.md, "Where the complete node's memory goes"). Built against
//! glibc ≥ 2.36 the binary then needs glibc ≥ 2.36 to run (`GLIBC_ABI_DT_RELR`; without it, 2.34):
//! `IPV8_LINK_RELR=0` builds without, for older targets.

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
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    println!("cargo:rerun-if-env-changed=IPV8_LINK_RELR");
    let relr = std::env::var("IPV8_LINK_RELR")
        .ok()
        .is_none_or(|v| v.trim() != "0");
    if relr && target_os == "linux" && target_env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
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
