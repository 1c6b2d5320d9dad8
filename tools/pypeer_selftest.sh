#!/usr/bin/env bash
# Python-to-Python self-test of tools/pypeer.py, all on 127.0.0.1 with OS-chosen ports.
#
# Starts one `pypeer.py --tracker` and three `pypeer.py --community X --bootstrap <tracker>` nodes
# and parses their JSON lines:
#
#   tools/pypeer_selftest.sh               pass when, within 20 s, every node lists the other two
#                                          (by mid) as peers of X and none lists the tracker.
#   tools/pypeer_selftest.sh --table 30    the same check, then a markdown table of the peer
#                                          counts per node for 30 s (one row per second).
#   tools/pypeer_selftest.sh --statistics  the three nodes also get --statistics (py-ipv8's
#                                          StatisticsEndpoint as Tribler enables it); prints the
#                                          30 s table and passes when the 3.2.1 defect is
#                                          reproduced: no node ever has a peer.
#
# The python is $IPV8_PYTHON, else the last line printed by tools/setup-pyipv8.sh. Every process
# has a --duration bound and is also stopped by pid on exit. Exit 0 = pass, 1 = fail, 2 = usage.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
statistics=0
table=0
while [ $# -gt 0 ]; do
    case "$1" in
        --statistics) statistics=1; table=30 ;;
        --table) table="${2:?--table needs a number of seconds}"; shift ;;
        *) echo "usage: $0 [--statistics] [--table SECONDS]" >&2; exit 2 ;;
    esac
    shift
done
case "$table" in ''|*[!0-9]*) echo "--table: expected whole seconds, got '$table'" >&2; exit 2 ;; esac

python="${IPV8_PYTHON:-}"
if [ -z "$python" ]; then
    python="$(bash "$repo/tools/setup-pyipv8.sh" | tail -n 1)"
fi
[ -x "$python" ] || { echo "selftest: no usable python ($python); run tools/setup-pyipv8.sh" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/pypeer-selftest.XXXXXX")"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "${KEEP_WORK:-0}" = 1 ]; then echo "selftest: outputs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

community="$("$python" -c 'import hashlib; print(hashlib.sha1(b"pypeer selftest").hexdigest())')"
life=$((table + 30))

# Wait (bounded) for the `started` line of an output file and print its UDP port.
started_port() {
    "$python" - "$1" <<'EOF'
import json, sys, time
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    with open(sys.argv[1]) as f:
        for line in f:
            event = json.loads(line)
            if event["event"] == "started":
                print(event["port"])
                sys.exit(0)
            if event["event"] == "error":
                sys.exit("selftest: " + event["message"])
    time.sleep(0.1)
sys.exit("selftest: no started line in " + sys.argv[1])
EOF
}

"$python" "$repo/tools/pypeer.py" --tracker --port 0 --duration "$((life + 5))" \
    >"$work/tracker.out" 2>"$work/tracker.err" </dev/null &
pids+=($!)
tracker_port="$(started_port "$work/tracker.out")"
echo "selftest: tracker on 127.0.0.1:$tracker_port, community $community" >&2

extra=()
[ "$statistics" = 1 ] && extra+=(--statistics)
for i in 1 2 3; do
    "$python" "$repo/tools/pypeer.py" --port 0 --community "$community" \
        --bootstrap "127.0.0.1:$tracker_port" --duration "$life" "${extra[@]}" \
        >"$work/node$i.out" 2>"$work/node$i.err" </dev/null &
    pids+=($!)
done

"$python" - "$work" "$community" "$statistics" "$table" <<'EOF'
import json, os, sys, time

work, community, statistics, table = sys.argv[1], sys.argv[2], sys.argv[3] == "1", int(sys.argv[4])
names = ["node1", "node2", "node3"]


def read(name):
    """All JSON events of one process so far (a partial last line is skipped)."""
    events = []
    with open(os.path.join(work, name + ".out")) as f:
        for line in f:
            if line.endswith("\n"):
                events.append(json.loads(line))
    return events


def started(events):
    return next((e for e in events if e["event"] == "started"), None)


def peers(status):
    return {p["mid"] for p in status["communities"].get(community, {}).get("peers", [])}


t0 = time.monotonic()
tracker_mid = None
mids = {}
ok = False
while time.monotonic() - t0 < 20 and not statistics:
    tracker_mid = (started(read("tracker")) or {}).get("mid")
    state = {}
    for name in names:
        events = read(name)
        if started(events):
            mids[name] = started(events)["mid"]
        status = [e for e in events if e["event"] == "status"]
        state[name] = peers(status[-1]) if status else set()
    if len(mids) == 3 and all(state[n] == {mids[m] for m in names if m != n} for n in names):
        ok = True
        print(f"selftest: PASS after {time.monotonic() - t0:.1f} s: every node has the other two as peers")
        for n in names:
            print(f"  {n} {mids[n][:8]}… peers {sorted(m[:8] + '…' for m in state[n])}")
        break
    time.sleep(0.25)
if not statistics and not ok:
    print("selftest: FAIL: within 20 s not every node had the other two as peers")
    for n in names:
        print(f"  {n} mid {mids.get(n, '?')[:8]} peers {sorted(m[:8] for m in state.get(n, ()))}")
    sys.exit(1)
if tracker_mid and any(tracker_mid in peers(e) for n in names for e in read(n) if e["event"] == "status"):
    print("selftest: FAIL: the tracker became a peer (bootstrap addresses must be blacklisted)")
    sys.exit(1)

if table:
    # Wait until every node has reported t >= table, then sample one row per second.
    deadline = time.monotonic() + table + 20
    while time.monotonic() < deadline:
        if all(any(e["event"] == "status" and e["t"] >= table for e in read(n)) for n in names):
            break
        time.sleep(0.5)
    series = {n: [e for e in read(n) if e["event"] == "status"] for n in names}
    mode = "with --statistics" if statistics else "without --statistics"
    print(f"\nPeers of community {community[:8]}… per node, {mode} (t = seconds since each node's"
          " `started` line; last status at or before t)\n")
    print("| t (s) | " + " | ".join(names) + " | " + " | ".join(f"{n} up/down" for n in names) + " |")
    print("|---:|" + "---:|" * (2 * len(names)))
    ever = 0
    for t in range(0, table + 1):
        cells, pkts = [], []
        for n in names:
            upto = [e for e in series[n] if e["t"] <= t + 0.05]
            last = upto[-1] if upto else None
            count = len(peers(last)) if last else 0
            ever = max(ever, count)
            cells.append(str(count) if last else "-")
            stats = (last or {}).get("stats", {}).get(community)
            pkts.append(f"{stats['num_up']}/{stats['num_down']}" if stats else
                        (f"{last['bytes_up']}B/{last['bytes_down']}B" if last else "-"))
        print(f"| {t} | " + " | ".join(cells) + " | " + " | ".join(pkts) + " |")
    drops = {n: series[n][-1]["drops"] for n in names if series[n]}
    print(f"\ndrops at the end: {drops}")
    if statistics:
        if ever == 0:
            print("selftest: PASS: py-ipv8 3.2.1 statistics defect reproduced (no node ever had a peer)")
        else:
            print(f"selftest: FAIL: with --statistics a node reached {ever} peers; the 3.2.1 defect was"
                  " expected to keep every community at 0")
            sys.exit(1)
EOF
