#!/usr/bin/env bash
# Refreshes supply-chain/advisory-db/: the RustSec advisories for every crate named in
# Cargo.lock, copied from a local checkout of the RustSec advisory database.
#
#   scripts/update-advisory-db.sh PATH-TO-ADVISORY-DB-CHECKOUT
#
# Run it after changing dependencies and from time to time (CI cannot reach the database's git
# host, so scripts/deny.sh checks against this snapshot). Commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:?usage: $0 PATH-TO-ADVISORY-DB-CHECKOUT}
[ -d "$src/crates" ] || { echo "$src has no crates/ directory: not a RustSec advisory-db checkout" >&2; exit 2; }
dest=supply-chain/advisory-db
rm -rf "$dest"
mkdir -p "$dest/crates"
count=0
while read -r name; do
  if [ -d "$src/crates/$name" ]; then
    cp -r "$src/crates/$name" "$dest/crates/"
    count=$((count + $(ls "$src/crates/$name" | wc -l)))
  fi
done < <(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.lock | sort -u)
cp "$src/LICENSE.txt" "$dest/LICENSE.txt"
{
  echo "commit: $(git -C "$src" rev-parse HEAD)"
  echo "date: $(git -C "$src" show -s --format=%cI HEAD)"
  echo "advisories: $count"
} > "$dest/SNAPSHOT"
cat "$dest/SNAPSHOT"
