#!/usr/bin/env bash
# Per-node cost of liveness on real local devnets: for each size (default 50 100 200; or the
# sizes given as arguments), starts `ferry devnet up --nodes N --detach`, waits 40 s, then
# over 20 s sums the CPU time of the devnet's ferry-node processes (/proc/PID/stat), the bytes
# they read and wrote (/proc/PID/io: sockets included) and the requests their /stats count,
# and prints one row per size; then `ferry devnet down`. Nothing but the devnet's own nodes
# on 127.0.N.1 is contacted.
#
#   scripts/bench-membership-real.sh            # 50, 100 and 200 nodes
#   scripts/bench-membership-real.sh 50 100     # chosen sizes
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bins
ferry="${CARGO_TARGET_DIR:-$root/target}/release/ferry"
export PATH="$root/node_modules/.bin:$PATH"
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(50 100 200)
settle=${FERRY_BENCH_SETTLE:-40}
window=${FERRY_BENCH_WINDOW:-20}
hz=$(getconf CLK_TCK)

work=$(mktemp -d)
export FERRY_DATA_DIR="$work/data"
trap '"$ferry" devnet down >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# The devnet's node processes: ferry-node whose command line names this run's data dir.
node_pids() { pgrep -f "ferry-node.*$work" || true; }
cpu_ticks() { local total=0; for pid in $(node_pids); do
    [ -r "/proc/$pid/stat" ] && total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done; echo "$total"; }
io_bytes() { local total=0; for pid in $(node_pids); do
    [ -r "/proc/$pid/io" ] && total=$((total + $(awk '/^(rchar|wchar):/ {s += $2} END {print s}' "/proc/$pid/io")))
  done; echo "$total"; }
requests() { PYTHONPATH="$root/scripts" python3 -c '
import json, sys, bench_devnet
network = json.load(open(sys.argv[1]))
print(sum(bench_devnet.node_requests(network).values()))' "$1"; }

printf '| nodes | CPU of all nodes | per node | requests/s per node (/stats) | bytes/s per node (read+written) |\n'
printf '| --- | --- | --- | --- | --- |\n'
for nodes in "${sizes[@]}"; do
  "$ferry" devnet up --detach --nodes "$nodes" >/dev/null 2>&1
  network=$(find "$FERRY_DATA_DIR" -name network.json | head -n 1)
  sleep "$settle"
  cpu0=$(cpu_ticks); io0=$(io_bytes); req0=$(requests "$network")
  sleep "$window"
  cpu1=$(cpu_ticks); io1=$(io_bytes); req1=$(requests "$network")
  python3 - "$nodes" "$cpu0" "$cpu1" "$io0" "$io1" "$req0" "$req1" "$window" "$hz" <<'PY'
import sys
nodes, cpu0, cpu1, io0, io1, req0, req1, window, hz = map(float, sys.argv[1:])
cores = (cpu1 - cpu0) / hz / window
print(f"| {nodes:.0f} | {cores:.2f} cores | {cores / nodes * 1000:.1f} milli-cores "
      f"| {(req1 - req0) / window / nodes:.2f} | {(io1 - io0) / window / nodes:,.0f} |")
PY
  "$ferry" devnet down >/dev/null 2>&1
done
