#!/usr/bin/env bash
# Bounded fuzz run for CI: seeds the corpus from the golden vectors, then runs the decode_any
# target for a limited time (default 60 s). Exits non-zero if the fuzzer finds a crash, a panic,
# a leak or a timeout, or if the toolchain is missing.
#
# Usage: scripts/fuzz-smoke.sh [seconds] [target]
# Needs: a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
target="${2:-decode_any}"

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz-smoke: the nightly toolchain is missing (rustup toolchain install nightly)" >&2
    exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz-smoke: cargo-fuzz is missing (cargo install cargo-fuzz --locked)" >&2
    exit 1
fi

"$root/tools/fuzz-seed.sh" "$target"
cd "$root"
# -j1: one job only (small machines). libFuzzer exits non-zero on any crash; set -e propagates it.
cargo +nightly fuzz run "$target" -j1 -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
echo "fuzz-smoke: $target ran ${seconds}s without a crash"
