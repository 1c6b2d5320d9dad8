#!/usr/bin/env bash
# Instruction-count regression guard (issue 10): runs the workloads of
# crates/ipv8-proto/benches/instructions.rs under callgrind and fails when one costs more than
# 10 % above the committed baseline (crates/ipv8-proto/benches/instructions-baseline.txt).
#
# Instructions per operation = (total with N iterations - total with 0) / N, so the setup is
# not counted. Heap allocations per operation are counted the same way with memcheck (N = 100)
# and may not grow at all (a baseline of 2.00 allows 2.00). Callgrind counts instructions, so the figure does not depend on machine load;
# it does depend on the compiler and the CPU features the code picks at run time (curve25519
# chooses its backend by CPUID), so the baseline belongs to this machine class.
#
#   scripts/instruction-guard.sh           check against the baseline
#   scripts/instruction-guard.sh --update  rewrite the baseline with this run's figures
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BASELINE=crates/ipv8-proto/benches/instructions-baseline.txt
WORKLOADS=(ping intro_request_no_crypto intro_request intro_request_burst drop_unknown_prefix
  decode_intro_request)
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

# Heap allocations of one run of `bin WORKLOAD N` under memcheck.
allocations() {
  valgrind --tool=memcheck "$bin" "$1" "$2" 2>&1 |
    sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' | tr -d ,
}

baseline_of() {
  awk -v w="$1" -v col="$2" '$1 == w { print $col }' "$BASELINE" 2>/dev/null || true
}

failed=0
lines=()
printf '%-26s %12s %12s %8s %10s %10s\n' workload "instr/op" baseline change "allocs/op" baseline
for w in "${WORKLOADS[@]}"; do
  empty=$(count "$w" 0)
  full=$(count "$w" "$ITERATIONS")
  per=$(( (full - empty) / ITERATIONS ))
  a0=$(allocations "$w" 0)
  a1=$(allocations "$w" 100)
  allocs=$(awk -v a="$a0" -v b="$a1" 'BEGIN { printf "%.2f", (b - a) / 100 }')
  lines+=("$w $per $allocs")
  base=$(baseline_of "$w" 2)
  base_allocs=$(baseline_of "$w" 3)
  if [ -z "$base" ] || [ -z "$base_allocs" ]; then
    printf '%-26s %12s %12s %8s %10s %10s\n' "$w" "$per" "-" "new" "$allocs" "-"
    [ "$update" -eq 1 ] || failed=1
    continue
  fi
  change=$(awk -v p="$per" -v b="$base" 'BEGIN { printf "%+.1f%%", (p - b) * 100 / b }')
  printf '%-26s %12s %12s %8s %10s %10s\n' "$w" "$per" "$base" "$change" "$allocs" "$base_allocs"
  if [ "$update" -eq 0 ] && [ $(( per * 100 )) -gt $(( base * (100 + LIMIT_PERCENT) )) ]; then
    echo "  -> $w grew by more than $LIMIT_PERCENT % (see docs/PERFORMANCE.md, instruction guard)" >&2
    failed=1
  fi
  if [ "$update" -eq 0 ] && awk -v a="$allocs" -v b="$base_allocs" 'BEGIN { exit !(a > b + 0.005) }'; then
    echo "  -> $w allocates more per operation than the baseline ($allocs > $base_allocs)" >&2
    failed=1
  fi
done

if [ "$update" -eq 1 ]; then
  {
    echo "# Instructions per operation (callgrind), written by scripts/instruction-guard.sh --update."
    echo "# workload instructions_per_op heap_allocations_per_op"
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
