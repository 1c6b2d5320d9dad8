#!/usr/bin/env bash
# Bounded fuzz run for CI: seeds the corpus from the golden vectors, then runs a cargo-fuzz
# target (default decode_any) for a limited time (default 60 s). Exits non-zero if the fuzzer
# finds a crash/panic/timeout/OOM, or if the tools cannot be set up.
#
# Usage: scripts/fuzz-smoke.sh [seconds] [target]
#
# Toolchain: nightly with AddressSanitizer when a nightly toolchain is installed; otherwise the
# stable toolchain with RUSTC_BOOTSTRAP=1 and no sanitizer (the crate forbids unsafe code, so
# coverage-guided fuzzing with panics/assertions is what matters). cargo-fuzz is installed from
# crates.io if missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
target="${2:-decode_any}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-smoke: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

if cargo +nightly --version >/dev/null 2>&1; then
    fuzz=(cargo +nightly fuzz run)
else
    echo "fuzz-smoke: no nightly toolchain; using stable with RUSTC_BOOTSTRAP=1, no sanitizer"
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz run --sanitizer none)
fi

"$root/tools/fuzz-seed.sh" "$target"
cd "$root"
# -j1: one job (2-core machines). libFuzzer exits non-zero on any crash; set -e propagates it.
"${fuzz[@]}" "$target" -j1 -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
echo "fuzz-smoke: $target ran ${seconds}s without a crash"
