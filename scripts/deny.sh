#!/usr/bin/env bash
# Supply-chain check: `cargo deny check` (advisories, bans incl. duplicate versions, licenses,
# sources) against the policy in deny.toml.
#
# Advisories come from supply-chain/advisory-db/, a committed snapshot of the RustSec database
# restricted to the crates in Cargo.lock (scripts/update-advisory-db.sh refreshes it): CI reaches
# package registries only, not the database's git host. The snapshot is turned into the git
# repository cargo-deny expects (dated as the snapshot, so its staleness is reported honestly)
# under target/, and cargo-deny runs offline. On a machine that can reach the live database,
# `scripts/deny.sh --live` checks against it instead.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--live" ]; then
  exec cargo deny --locked check
fi

snapshot=supply-chain/advisory-db
date=$(sed -n 's/^date: //p' "$snapshot/SNAPSHOT")
[ -n "$date" ] || { echo "$snapshot/SNAPSHOT names no date" >&2; exit 1; }
root=$PWD/target/advisory-dbs
# The directory name cargo-deny derives from the default RustSec database URL.
db=$root/advisory-db-3157b0e258782691
rm -rf "$db"
mkdir -p "$db"
cp -r "$snapshot/crates" "$db/"
git -C "$db" init -q
git -C "$db" add -A
GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date \
  git -C "$db" -c user.name=snapshot -c user.email=snapshot@localhost \
  commit -q -m "RustSec advisories snapshot ($(sed -n 's/^commit: //p' "$snapshot/SNAPSHOT"))"
echo "advisories: snapshot of $date ($(sed -n 's/^advisories: //p' "$snapshot/SNAPSHOT") advisories for crates in Cargo.lock)"
# Offline below, so first fetch every crate of the graph for every platform deny.toml names
# (builds fetch only the host's and the Windows target's).
cargo fetch --locked
IPV8_ADVISORY_DB_PATH=$root cargo deny --offline --locked check
