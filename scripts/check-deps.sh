#!/usr/bin/env bash
# Fails if the sans-IO core or the simulator pulls in an I/O runtime or socket crate
# through normal (non-dev) dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for crate in ipv8-wire ipv8-crypto ipv8-proto ipv8-sim; do
  [ -d "crates/$crate" ] || continue
  tree=$(cargo tree -p "$crate" -e normal --prefix none --locked)
  for banned in tokio mio socket2 if-addrs if-watch; do
    if grep -qE "^${banned} v" <<<"$tree"; then
      echo "dependency boundary violated: $crate depends on $banned" >&2
      status=1
    fi
  done
done
[ $status -eq 0 ] && echo "dependency boundaries hold"
exit $status
