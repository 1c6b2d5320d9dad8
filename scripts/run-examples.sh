#!/usr/bin/env bash
# Builds and runs every example of the `ipv8` crate (crates/ipv8/examples: the ports of
# py-ipv8's tutorials) and checks each one: it must exit 0 within its time limit and print
# every expected line (extended regular expressions below, one per line the Python prints).
# Everything runs on 127.0.0.1: the examples start their own tracker; `overlay_tutorial` runs
# twice next to an `ipv8 tracker`. An example without an entry here fails the script.
#
# Usage: scripts/run-examples.sh [--release]
set -euo pipefail
cd "$(dirname "$0")/.."

profile_args=()
profile_dir=debug
if [ "${1:-}" = "--release" ]; then
  profile_args=(--release)
  profile_dir=release
fi
target_dir=${CARGO_TARGET_DIR:-target}
bin="$target_dir/$profile_dir/examples"
ipv8_bin="$target_dir/$profile_dir/ipv8"

cargo build --locked -p ipv8 --examples "${profile_args[@]}"
cargo build --locked -p ipv8-node --bin ipv8 "${profile_args[@]}"

work=$(mktemp -d)
tracker_pid=
cleanup() {
  [ -n "$tracker_pid" ] && kill "$tracker_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

failures=()
checked=()

# check NAME OUTPUT_FILE PATTERN...: every pattern matches some line of the output.
check() {
  local name=$1 out=$2
  shift 2
  local pattern
  for pattern in "$@"; do
    if ! grep -Eq -- "$pattern" "$out"; then
      echo "FAIL $name: no line matches /$pattern/; its output:" >&2
      head -n 40 "$out" | sed 's/^/    /' >&2
      failures+=("$name")
      return
    fi
  done
}

# run NAME SECONDS PATTERN...: runs the example with a time limit, then checks its output.
run() {
  local name=$1 limit=$2
  shift 2
  checked+=("$name")
  local out="$work/$name.out" start status=0
  start=$(date +%s%N)
  timeout --kill-after=5 "$limit" "$bin/$name" >"$out" 2>"$work/$name.err" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "FAIL $name: exit status $status (124: over its $limit s limit); stderr:" >&2
    tail -n 20 "$work/$name.err" | sed 's/^/    /' >&2
    failures+=("$name")
    return
  fi
  local before=${#failures[@]}
  check "$name" "$out" "$@"
  [ "${#failures[@]}" -eq "$before" ] && report "$name" "$start" "$(head -n 1 "$out")"
  return 0
}

# report NAME START_NS FIRST_LINE
report() {
  local ms=$((($(date +%s%N) - $2) / 1000000))
  printf 'ok   %-28s %3d.%03d s  %s\n' "$1" $((ms / 1000)) $((ms % 1000)) "$3"
}

peer='Peer<[0-9.]+:[0-9]+, [A-Za-z0-9+/]{27}=>'

run chat 30 "^$peer says: Hello, IPv8!\$"
run overlay_tutorial_1 30 '^IPv8 is running on 127\.0\.0\.1:[0-9]+$' '^DiscoveryCommunity has [0-9]+ peers$'
run overlay_tutorial_2 30 '^IPv8 1 claimed 127\.0\.0\.1:[0-9]+$' '^IPv8 2 claimed 127\.0\.0\.1:[0-9]+$'
run overlay_tutorial_3 30 '^IPv8 1 loaded MyCommunity' '^Both instances of MyCommunity found a peer$'
run overlay_tutorial_4 30 "^I am: $peer I found: $peer\$"
run overlay_tutorial_5 40 "^$peer current clock: 1\$" "^$peer current clock: [1-9][0-9]{2,}\$"
run requestcache_tutorial_1 20 '^I found a cache with the state: 42$'
run requestcache_tutorial_2 20 '^Oh no! I never received a response!$'
run requestcache_tutorial_3 40 "^$peer responded to: 0 with: 1\$" "^$peer responded to: 9 with: 10\$"
run tasks_tutorial_1 20 '^\[2, 3, 5, 4\]$'
run tasks_tutorial_2 20 '^\[2, 3, 5, 4\]$'
run tasks_tutorial_3 20 '^\[2\]$'
run tasks_tutorial_4 20 '^\[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19\]$'
# Both the fifth "1" and the "2" are due at 0.5 s: either may come first.
run tasks_tutorial_5 20 '^\[(1, 1, 1, 1, 2(, 1){15}|1, 1, 1, 1, 1, 2(, 1){14})\]$'
run tasks_tutorial_6 20 '^test_something \(tasks_tutorial_6\.TestMyCommunity\.test_something\) \.\.\. ok$' '^OK$'
run tasks_tutorial_7 20 '^future0\.result\(\)=True$' '^future1\.result\(\)=False$' \
  '^future2\.cancelled\(\)=True$'
run testbase_tutorial_1 20 '^test_call \(testbase_tutorial_1\.MyTests\.test_call\) \.\.\. ok$' \
  '^test_intro_called2 \(testbase_tutorial_1\.MyTests\.test_intro_called2\) \.\.\. ok$' \
  '^test_passthrough \(testbase_tutorial_1\.MyTests\.test_passthrough\) \.\.\. ok$' '^Ran 5 tests$' '^OK$'
run testbase_tutorial_2 20 '^test_received_no_order \(testbase_tutorial_2\.TestMyCommunity\.test_received_no_order\) \.\.\. ok$' \
  '^test_received_result \(testbase_tutorial_2\.TestMyCommunity\.test_received_result\) \.\.\. ok$' '^Ran 4 tests$' '^OK$'
run discoverystrategy_tutorial_1 40 "^$peer received an introduction request from $peer\$"
run discoverystrategy_tutorial_2 20 '^MyCommunity runs MyDiscoveryStrategy \(target peers -1\)$'
run serialization_1 20 '^As string:$' '^MyPayload$' '^\| field1: 1$' '^\| field2: 2$' \
  '^As bytes: 000000010002 and 000000010002$'
run serialization_2 30 "^Got a message from: $peer\$" '^ MyMessagePayload1$' '^ MyMessagePayload2$'
run serialization_3 30 "^Got a message from: $peer\$" \
  '^ MyMessage1 \{ unsigned_integer_field: 42 \}$' '^ MyMessage2 \{ unsigned_integer_field: 7 \}$'
run serialization_4 20 '^serialized: \{"1":1,"key":"value"\}$'
run serialization_5 30 "^$peer\$" 'd4: Number\(1337\)'
run serialization_6 30 '^Received message \{"key":"value","key2":"value2"\} from 127\.0\.0\.1:[0-9]+, the signature is true!$'
run serialization_7 20 '^  = 00060000000100020003$'

# The acceptance interface: two `overlay_tutorial` processes around an `ipv8 tracker`.
checked+=(overlay_tutorial)
for attempt in 1 2 3; do
  port=$((20000 + RANDOM % 40000))
  "$ipv8_bin" tracker --bind 127.0.0.1 --port "$port" --log-level WARNING >"$work/tracker.out" 2>&1 &
  tracker_pid=$!
  sleep 0.5
  kill -0 "$tracker_pid" 2>/dev/null && break
  tracker_pid=
done
if [ -z "$tracker_pid" ]; then
  echo "FAIL overlay_tutorial: no ipv8 tracker could be started" >&2
  failures+=(overlay_tutorial)
else
  start=$(date +%s%N)
  before=${#failures[@]}
  pids=()
  for i in 1 2; do
    timeout --kill-after=5 30 "$bin/overlay_tutorial" --bind 127.0.0.1 --port 0 \
      --bootstrap "127.0.0.1:$port" --seconds 6 --key-file "$work/overlay_tutorial_$i.key" \
      >"$work/overlay_tutorial_$i.out" 2>"$work/overlay_tutorial_$i.err" &
    pids+=($!)
  done
  for i in 1 2; do
    status=0
    wait "${pids[$((i - 1))]}" || status=$?
    if [ "$status" -ne 0 ]; then
      echo "FAIL overlay_tutorial ($i): exit status $status" >&2
      tail -n 20 "$work/overlay_tutorial_$i.err" | sed 's/^/    /' >&2
      failures+=("overlay_tutorial ($i)")
    else
      check "overlay_tutorial ($i)" "$work/overlay_tutorial_$i.out" "^$peer current clock: [0-9]+\$"
    fi
  done
  if [ "${#failures[@]}" -eq "$before" ]; then
    report "overlay_tutorial (2 processes)" "$start" "$(tail -n 1 "$work/overlay_tutorial_1.out")"
  fi
  kill "$tracker_pid" 2>/dev/null || true
  wait "$tracker_pid" 2>/dev/null || true
  tracker_pid=
fi

# Every example has an entry above.
for file in crates/ipv8/examples/*.rs; do
  name=$(basename "$file" .rs)
  if [[ " ${checked[*]} " != *" $name "* ]]; then
    echo "FAIL $name: scripts/run-examples.sh has no entry for it" >&2
    failures+=("$name")
  fi
done

if [ ${#failures[@]} -gt 0 ]; then
  echo "run-examples: ${#failures[@]} failed: ${failures[*]}" >&2
  exit 1
fi
echo "run-examples: all ${#checked[@]} examples passed"
