#!/usr/bin/env bash
# Runs the whole ipv8-rs test suite on a fresh Debian machine (as root, as CI does):
# installs what the tests need, then format, lints (host + Windows target), dependency
# boundaries, every test (unit, vectors, simulator, real sockets, netns fault matrix,
# py-ipv8 interop) and a bounded fuzz run. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step() { printf '\n==> %s (%s)\n' "$*" "$(date +%T)"; }

step "system packages"
need=()
for pkg in libssl-dev pkg-config nftables iproute2 python3-venv; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages ${need[*]}: run as root or install them" >&2; exit 1
  fi
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

step "rust targets and tools"
rustup component add rustfmt clippy >/dev/null 2>&1 || true
rustup target list --installed | grep -q x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu

step "pyipv8 venv"
IPV8_PYTHON=$("$ROOT/tools/setup-pyipv8.sh")
export IPV8_PYTHON
echo "using $IPV8_PYTHON"

step "cargo fmt"
cargo fmt --all -- --check

step "cargo clippy (host)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo clippy (x86_64-pc-windows-gnu: platform crate and driver)"
win_pkgs=()
for p in ipv8-udp ipv8; do [ -d "crates/$p" ] && win_pkgs+=(-p "$p"); done
# OpenSSL (legacy EC tracker keys) cannot be cross-built here: check without `legacy-ec`.
cargo clippy "${win_pkgs[@]}" --target x86_64-pc-windows-gnu --no-default-features --locked -- -D warnings

step "dependency boundaries (sans-IO core, simulator, overlays on the public API)"
"$ROOT/scripts/check-deps.sh"

step "dashboard browser test: Debian chromium and playwright-core (crates/ipv8-rest/tests/browser)"
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
fi
npm ci --prefix crates/ipv8-rest/tests/browser --no-audit --no-fund

step "tests"
cargo nextest run --workspace --locked --no-fail-fast --run-ignored all

step "fuzz smoke"
"$ROOT/scripts/fuzz-smoke.sh" "${FUZZ_SECONDS:-60}"

step "all green"
