#!/usr/bin/env bash
# CPU of an idle swarm (issue 10: 40 nodes in one process at ≤ 1.5 % of a core once settled).
#
# Runs `ipv8 swarm --nodes N --seconds T` (N nodes + 1 tracker on 127.0.0.1, one process, one
# current-thread tokio runtime, DiscoveryCommunity walkers, no beacon) and reads utime + stime
# of /proc/<pid>/stat at t = FROM s and t = TO s after start; prints the process's CPU over that
# window as a percentage of one core, the mean datagrams/s over the window, and the swarm's own
# last progress line (peers per node, datagrams/s).
#
# Usage: tools/swarm-cpu.sh [nodes=40] [from=20] [to=60]
# Needs the release binary: `cargo build --release -p ipv8-node` (or IPV8_BIN=path).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
nodes="${1:-40}"
from="${2:-20}"
to="${3:-60}"
bin="${IPV8_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/ipv8}"
[ -x "$bin" ] || { echo "swarm-cpu: no $bin (cargo build --release -p ipv8-node)" >&2; exit 2; }
[ "$to" -gt "$from" ] || { echo "swarm-cpu: to ($to) must be after from ($from)" >&2; exit 2; }

log="$(mktemp)"
"$bin" swarm --nodes "$nodes" --seconds "$((to + 5))" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
hz="$(getconf CLK_TCK)"
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

start="$(date +%s.%N)"
sleep "$from"
t0="$(date +%s.%N)"; c0="$(ticks)"
sleep "$((to - from))"
t1="$(date +%s.%N)"; c1="$(ticks)"
line="$(grep '^t=' "$log" | tail -1)"
# Mean datagrams/s over the window (the walkers stop at their peer target, so the traffic of
# an idle swarm differs from run to run: compare CPU per datagram too).
rate="$(sed -n 's/^t= *\([0-9]*\)s.*out *\([0-9]*\) in *\([0-9]*\).*/\1 \2 \3/p' "$log" |
  awk -v a="$from" -v b="$to" '$1 > a && $1 <= b { o += $2; i += $3; n++ }
    END { if (n) printf "%.1f %.1f", o / n, i / n; else print "0 0" }')"
threads="$(ls "/proc/$pid/task" | wc -l)"
awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v s="$start" -v hz="$hz" \
    -v n="$nodes" -v th="$threads" -v line="$line" -v rate="$rate" 'BEGIN {
  cpu = (c1 - c0) / hz; wall = t1 - t0;
  printf "swarm-cpu: %d nodes + tracker, one process (%d threads); window t=%.0f..%.0f s\n", n, th, t0 - s, t1 - s;
  printf "swarm-cpu: CPU %.2f s over %.2f s wall = %.2f %% of one core (ticks of 1/%d s)\n", cpu, wall, 100 * cpu / wall, hz;
  split(rate, r, " ");
  per = (r[2] > 0) ? 1e6 * cpu / wall / r[2] : 0;
  printf "swarm-cpu: datagrams/s over the window: out %.1f, in %.1f; CPU per datagram in %.1f us\n", r[1], r[2], per;
  printf "swarm-cpu: last swarm line: %s\n", line;
}'
