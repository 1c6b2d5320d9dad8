#!/usr/bin/env bash
# Fails if the sans-IO core or the simulator pulls in an I/O runtime or socket crate through
# normal (non-dev) dependencies, or if an overlay crate reaches past the public community API
# of `ipv8`.
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
# Overlays outside the core use the public community API only: of the ipv8-rs crates they
# depend on `ipv8` alone (which re-exports the SDK), never on ipv8-proto, -wire, -crypto or -udp.
for crate in ipv8-dht; do
  [ -d "crates/$crate" ] || continue
  direct=$(cargo tree -p "$crate" -e normal --depth 1 --prefix none --locked | tail -n +2)
  for internal in ipv8-proto ipv8-wire ipv8-crypto ipv8-udp ipv8-derive; do
    if grep -qE "^${internal} v" <<<"$direct"; then
      echo "dependency boundary violated: $crate depends on $internal directly (use ipv8)" >&2
      status=1
    fi
  done
  grep -qE "^ipv8 v" <<<"$direct" || { echo "$crate does not depend on ipv8" >&2; status=1; }
done
[ $status -eq 0 ] && echo "dependency boundaries hold"
exit $status
