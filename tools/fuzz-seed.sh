#!/usr/bin/env bash
# Seeds the cargo-fuzz corpus of a target (default: decode_any) with every datagram of the
# golden vectors (tests/vectors/vectors.json): messages, flow steps and other packets.
# The corpus directory is gitignored, so this script (re)creates it; existing entries are kept.
#
# Usage: tools/fuzz-seed.sh [target]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${1:-decode_any}"
corpus="$root/fuzz/corpus/$target"
vectors="$root/tests/vectors/vectors.json"

[ -f "$vectors" ] || { echo "fuzz-seed: missing $vectors" >&2; exit 1; }
command -v python3 >/dev/null || { echo "fuzz-seed: python3 is required" >&2; exit 1; }
mkdir -p "$corpus"

python3 - "$vectors" "$corpus" <<'PY'
import hashlib, json, os, sys

vectors, corpus = sys.argv[1], sys.argv[2]
with open(vectors) as f:
    v = json.load(f)

packets = [m["packet_hex"] for m in v["messages"]]
packets += [s["packet_hex"] for flow in v["flows"] for s in flow["steps"]]
packets += [p["packet_hex"] for p in v["other_packets"]]

for h in packets:
    data = bytes.fromhex(h)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(corpus, name), "wb") as out:
        out.write(data)
print(f"fuzz-seed: {len(set(packets))} seeds in {corpus}")
PY
