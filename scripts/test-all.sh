#!/usr/bin/env bash
# The full test run (the README's test command; `.ci/run` calls it): installs what the tests
# need on a fresh Debian machine (as root, as CI does), then runs every tier and exits non-zero
# on the first failure:
#
#   1. format, repository self-containment, dependency boundaries
#   2. clippy -D warnings: host (all targets) and x86_64-pc-windows-gnu (default features)
#   3. rustdoc: `cargo doc --no-deps` with warnings denied, and the doctests
#   4. feature powerset (cargo hack) and supply chain (cargo deny: advisories, bans, licenses,
#      sources; policy in deny.toml)
#   5. Windows: cross-build ipv8.exe (OpenSSL built from source, cached in target/) and run it
#      under Wine against real py-ipv8 peers
#   6. every test through nextest with `--run-ignored all`: the suites `cargo test` leaves out
#      (`#[ignore = "needs …"]`: root and network namespaces, pyipv8, Chromium) run here, none
#      is skipped; then every example in crates/ipv8/examples
#   7. a bounded fuzz run
#
# Plain `cargo test` on a fresh clone (no root, no venv, no Wine) runs the rest and lists what
# it ignored. Timings per step are printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# One build from nothing: incremental caches would only cost disk (they were 17 GB of a run).
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
WINDOWS_TARGET=x86_64-pc-windows-gnu

TIMINGS=()
STEP_NAME=""
STEP_START=0
RUN_START=$(date +%s)
finish_step() {
  if [ -n "$STEP_NAME" ]; then
    TIMINGS+=("$(printf '%5ss  %s' "$(($(date +%s) - STEP_START))" "$STEP_NAME")")
  fi
}
step() {
  finish_step
  STEP_NAME="$*"
  STEP_START=$(date +%s)
  printf '\n==> %s (%s)\n' "$*" "$(date +%T)"
}
report_timings() {
  finish_step
  STEP_NAME=""
  printf '\n==> timings\n'
  printf '%s\n' "${TIMINGS[@]}"
  printf '%5ss  total\n' "$(($(date +%s) - RUN_START))"
}
trap report_timings EXIT

# ---------------------------------------------------------------------------- setup

step "disk space"
# A run from nothing fills about 6 GiB of target/; warn up front, since running out half-way
# shows up as a compiler error ("No space left on device").
df -h "$ROOT" | tail -n 1
avail_kb=$(df -Pk "$ROOT" | awk 'NR == 2 { print $4 }')
if [ "$avail_kb" -lt $((8 * 1024 * 1024)) ]; then
  echo "warning: only $((avail_kb / 1024)) MiB free under $ROOT; a run from nothing needs about 6 GiB" >&2
fi

step "system packages"
# libssl-dev/pkg-config: legacy EC keys on Linux; perl/make: OpenSSL built from source for
# Windows; gcc-mingw-w64-x86-64: the Windows linker and the Wine test's stand-in DLL; wine64:
# runs ipv8.exe; nftables/iproute2: the netns fault matrix; python3-venv: the pyipv8 venv;
# valgrind: the instruction-count guard.
need=()
for pkg in libssl-dev pkg-config perl make nftables iproute2 python3-venv \
           gcc-mingw-w64-x86-64 wine64 valgrind; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages ${need[*]}: run as root or install them" >&2; exit 1
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

step "rust components, Windows target and cargo tools"
rustup component add rustfmt clippy >/dev/null 2>&1 || true
rustup target list --installed | grep -qx "$WINDOWS_TARGET" || rustup target add "$WINDOWS_TARGET"
# Cargo subcommands from crates.io, built once (skipped when present).
for tool in cargo-nextest cargo-hack cargo-deny; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    cargo install --locked "$tool"
  fi
done

step "pyipv8 venv"
IPV8_PYTHON=$("$ROOT/tools/setup-pyipv8.sh" | tail -n 1)
export IPV8_PYTHON
echo "using $IPV8_PYTHON"

step "dashboard browser test: Debian chromium and playwright-core (crates/ipv8-rest/tests/browser)"
browser_need=()
command -v chromium >/dev/null 2>&1 || browser_need+=(chromium)
command -v npm >/dev/null 2>&1 || browser_need+=(npm)
if [ ${#browser_need[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${browser_need[@]}"
fi
npm ci --prefix crates/ipv8-rest/tests/browser --no-audit --no-fund

# OpenSSL for the Windows target is built from source (openssl-sys's `vendored` feature), which
# takes minutes. The first run keeps the built library outside target/, keyed by the
# openssl-src version in Cargo.lock, and later runs link that copy instead of rebuilding it.
OPENSSL_SRC_VERSION=$(awk '/^name = "openssl-src"$/ { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)
# (Without HOME, the copy goes under target/ and lasts as long as it.)
CACHE_ROOT=${XDG_CACHE_HOME:-${HOME:-$ROOT/target}/.cache}
OPENSSL_CACHE="$CACHE_ROOT/ipv8-rs/openssl-$WINDOWS_TARGET-$OPENSSL_SRC_VERSION"
WINDOWS_ENV_PREFIX=$(echo "$WINDOWS_TARGET" | tr 'a-z-' 'A-Z_')
if [ -f "$OPENSSL_CACHE/lib/libcrypto.a" ] && [ -f "$OPENSSL_CACHE/lib/libssl.a" ]; then
  echo "Windows OpenSSL $OPENSSL_SRC_VERSION: kept build in $OPENSSL_CACHE"
  export "${WINDOWS_ENV_PREFIX}_OPENSSL_NO_VENDOR=1"
  export "${WINDOWS_ENV_PREFIX}_OPENSSL_DIR=$OPENSSL_CACHE"
  export "${WINDOWS_ENV_PREFIX}_OPENSSL_STATIC=1"
  OPENSSL_KEEP=false
else
  echo "Windows OpenSSL $OPENSSL_SRC_VERSION: built from source in this run, then kept in $OPENSSL_CACHE"
  OPENSSL_KEEP=true
fi

# ---------------------------------------------------------------------------- 1. static checks

step "cargo fmt"
cargo fmt --all -- --check

step "references stay inside the repository"
"$ROOT/scripts/check-repo-refs.sh"

step "dependency boundaries (sans-IO core, simulator, overlays on the public API)"
"$ROOT/scripts/check-deps.sh"

# ---------------------------------------------------------------------------- 2. lints

step "cargo clippy (host, all targets)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo clippy ($WINDOWS_TARGET, default features)"
# Release profile, like the cross-build below, so both share one OpenSSL build in target/.
cargo clippy -p ipv8-udp -p ipv8-crypto -p ipv8 -p ipv8-rest -p ipv8-node \
  --target "$WINDOWS_TARGET" --release --locked -- -D warnings
if $OPENSSL_KEEP; then
  built=$(ls -d "target/$WINDOWS_TARGET"/release/build/openssl-sys-*/out/openssl-build/install 2>/dev/null | head -n 1 || true)
  if [ -n "$built" ] && [ -f "$built/lib/libcrypto.a" ]; then
    # Keeping it is an optimisation: a failure here only means the next run builds it again.
    { mkdir -p "$(dirname "$OPENSSL_CACHE")" &&
      rm -rf "$OPENSSL_CACHE.tmp" "$OPENSSL_CACHE" &&
      cp -r "$built" "$OPENSSL_CACHE.tmp" &&
      mv "$OPENSSL_CACHE.tmp" "$OPENSSL_CACHE"; } ||
      echo "warning: could not keep the Windows OpenSSL build in $OPENSSL_CACHE" >&2
  fi
fi

# ---------------------------------------------------------------------------- 3. rustdoc

step "cargo doc --no-deps (warnings denied)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

step "doctests"
cargo test --workspace --doc --locked

# ---------------------------------------------------------------------------- 4. features, supply chain

step "feature powerset (cargo hack)"
cargo hack check --workspace --feature-powerset --locked

step "supply chain (cargo deny: advisories, bans, licenses, sources)"
"$ROOT/scripts/deny.sh"

# ---------------------------------------------------------------------------- 5. Windows

step "Windows: cross-build ipv8.exe ($WINDOWS_TARGET, release, default features)"
cargo build --release --target "$WINDOWS_TARGET" --bin ipv8 --locked
ls -l "target/$WINDOWS_TARGET/release/ipv8.exe"

step "Windows: ipv8.exe under Wine (decode, keys, run against py-ipv8)"
cargo nextest run -p ipv8-node --test windows_wine --locked --run-ignored all --no-fail-fast

# ---------------------------------------------------------------------------- 6. tests

step "tests (nextest, ignored ones included)"
cargo nextest run --workspace --locked --no-fail-fast --run-ignored all \
  -E 'not binary(windows_wine)'

step "instruction-count guard (callgrind; ≤ 10 % growth against the committed baseline)"
"$ROOT/scripts/instruction-guard.sh"

step "examples (crates/ipv8/examples, each run to its end)"
"$ROOT/scripts/run-examples.sh"

# ---------------------------------------------------------------------------- 7. fuzz

step "fuzz smoke"
"$ROOT/scripts/fuzz-smoke.sh" "${FUZZ_SECONDS:-60}"

step "all green"
