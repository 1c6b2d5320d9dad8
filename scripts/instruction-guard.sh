#!/usr/bin/env bash
# Instruction-count regression guard (issue 10): runs the workloads of
# crates/ipv8-proto/benches/instructions.rs under callgrind and fails when one costs more than
# 10 % above the committed baseline (crates/ipv8-proto/benches/instructions-baseline.txt).
#
# Instructions per operation = (total with N iterations - total with 0) / N, so the setup is
# not counted. Callgrind counts instructions, so the figure does not depend on machine load;
# it does depend on the compiler and the CPU features the code picks at run time (curve25519
# chooses its backend by CPUID), so the baseline belongs to this machine class.
#
#   scripts/instruction-guard.sh           check against the baseline
#   scripts/instruction-guard.sh --update  rewrite the baseline with this run's figures
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BASELINE=crates/ipv8-proto/benches/instructions-baseline.txt
WORKLOADS=(ping intro_request_no_crypto intro_request drop_unknown_prefix decode_intro_request)
ITERATIONS=500
LIMIT_PERCENT=10

update=0
[ "${1:-}" = "--update" ] && update=1
command -v valgrind >/dev/null || { echo "instruction guard: valgrind is not installed" >&2; exit 1; }

bin=$(cargo bench -p ipv8-proto --bench instructions --locked --no-run 2>&1 |
  sed -n 's/.*Executable benches\/instructions.rs (\(.*\))$/\1/p' | tail -n 1)
[ -x "$bin" ] || { echo "instruction guard: bench binary not found" >&2; exit 1; }

# Total instructions of one run of `bin WORKLOAD N` under callgrind.
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
    sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p'
}

baseline_of() {
  awk -v w="$1" '$1 == w { print $2 }' "$BASELINE" 2>/dev/null || true
}

failed=0
lines=()
printf '%-26s %14s %14s %8s\n' workload "instr/op" baseline change
for w in "${WORKLOADS[@]}"; do
  empty=$(count "$w" 0)
  full=$(count "$w" "$ITERATIONS")
  per=$(( (full - empty) / ITERATIONS ))
  lines+=("$w $per")
  base=$(baseline_of "$w")
  if [ -z "$base" ]; then
    printf '%-26s %14s %14s %8s\n' "$w" "$per" "-" "new"
    [ "$update" -eq 1 ] || failed=1
    continue
  fi
  change=$(awk -v p="$per" -v b="$base" 'BEGIN { printf "%+.1f%%", (p - b) * 100 / b }')
  printf '%-26s %14s %14s %8s\n' "$w" "$per" "$base" "$change"
  if [ "$update" -eq 0 ] && [ $(( per * 100 )) -gt $(( base * (100 + LIMIT_PERCENT) )) ]; then
    echo "  -> $w grew by more than $LIMIT_PERCENT % (see docs/PERFORMANCE.md, instruction guard)" >&2
    failed=1
  fi
done

if [ "$update" -eq 1 ]; then
  {
    echo "# Instructions per operation (callgrind), written by scripts/instruction-guard.sh --update."
    echo "# workload instructions_per_op"
    printf '%s\n' "${lines[@]}"
  } > "$BASELINE"
  echo "baseline written to $BASELINE"
  exit 0
fi
if [ "$failed" -ne 0 ]; then
  echo "instruction guard: FAILED (a workload without a baseline, or more than $LIMIT_PERCENT % growth)" >&2
  exit 1
fi
echo "instruction guard: every workload within $LIMIT_PERCENT % of the baseline"
