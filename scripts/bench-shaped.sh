#!/usr/bin/env bash
# Benchmark over a shaped uplink: upload a random file of SIZE_MIB (default 512) with the release
# build to an isolated devnet (NODES=10 nodes in network namespaces, 4 replicas) whose uplink from
# this host is shaped to UPLINK_MBIT (default 200) Mbit/s, and copy the same file with rclone
# (crypt remote) to `rclone serve webdav` running in one of the devnet's namespaces, behind the
# same shaped link, in the same run. Prints both throughputs, their ratio, each one's egress per
# file byte measured at the link (tx bytes of the host's shaped bridge before and after), and
# what the nodes store per file byte (about 4: the replicas).
# Usage: sudo [SIZE_MIB=N] [UPLINK_MBIT=M] [NODES=N] [FERRY_BENCH_ARGS='--transfers 16'] scripts/bench-shaped.sh
# (root; needs: npm ci, python3, curl; installs rclone with apt when missing)
set -euo pipefail
size_mib=${SIZE_MIB:-512}; mbit=${UPLINK_MBIT:-200}; nodes=${NODES:-10}
[ "$(id -u)" = 0 ] || { echo "needs root: network namespaces and tc" >&2; exit 2; }
command -v rclone >/dev/null || apt-get install -y -qq rclone >/dev/null
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bins
ferry="${CARGO_TARGET_DIR:-$root/target}/release/ferry"
export PATH="$root/node_modules/.bin:$PATH"
work=$(mktemp -d)
export FERRY_DATA_DIR="$work/data"
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  "$ferry" devnet down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$work/file.bin"
"$ferry" --json devnet up --isolated --detach --nodes "$nodes" --uplink-mbit "$mbit" > "$work/up.json"
read -r bridge namespace address < <(python3 -c '
import ipaddress, json, sys
isolated = json.loads(open(sys.argv[1]).readline())["isolated"]
print(isolated["bridge"], isolated["prefix"] + "a", ipaddress.ip_address(isolated["subnet"]) + 2)' "$work/up.json")
tx() { cat "/sys/class/net/$bridge/statistics/tx_bytes"; }
now() { date +%s.%N; }

# ferry: the client on the host, the nodes behind the shaped bridge.
tx0=$(tx); start=$(now)
"$ferry" upload "$work/file.bin" --devnet --json ${FERRY_BENCH_ARGS:-} > "$work/events.jsonl"
end=$(now); tx1=$(tx)
ferry_s=$(python3 -c "print($end - $start)")
stored=$(du -sb "$FERRY_DATA_DIR/devnet/nodes" | cut -f1)

# rclone: WebDAV in anvil's namespace, behind the same bridge.
mkdir -p "$work/dav"
ip netns exec "$namespace" rclone serve webdav "$work/dav" --addr "$address:18080" >/dev/null 2>&1 &
server=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://$address:18080/" && break; sleep 0.1; done
export RCLONE_CONFIG_DAV_TYPE=webdav RCLONE_CONFIG_DAV_URL="http://$address:18080" RCLONE_CONFIG_DAV_VENDOR=other
export RCLONE_CONFIG_CRY_TYPE=crypt RCLONE_CONFIG_CRY_REMOTE=dav:c RCLONE_CONFIG_CRY_PASSWORD=$(rclone obscure baseline)
tx2=$(tx); start=$(now)
rclone copyto "$work/file.bin" cry:bench >/dev/null 2>&1
end=$(now); tx3=$(tx)
rclone_s=$(python3 -c "print($end - $start)")

python3 - "$work/events.jsonl" "$size_mib" "$mbit" "$nodes" "$ferry_s" "$rclone_s" "$tx0" "$tx1" "$tx2" "$tx3" "$stored" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
done = events[-1]
assert done["event"] == "done", done
size, mbit, nodes = (int(a) for a in sys.argv[2:5])
ferry_s, rclone_s = float(sys.argv[5]), float(sys.argv[6])
tx0, tx1, tx2, tx3, stored = (int(a) for a in sys.argv[7:12])
file_bytes = size * 1024 * 1024
ferry_mib_s, rclone_mib_s = size / ferry_s, size / rclone_s
print(f"uplink {mbit} Mbit/s ({mbit * 1e6 / 8 / 1048576:.1f} MiB/s), {nodes} nodes, {size} MiB random file")
print(f"ferry upload: {ferry_s:.2f} s, {ferry_mib_s:.1f} MiB/s, egress {(tx1 - tx0) / file_bytes:.2f} bytes per file byte, {done['chunks']} chunks, "
      f"{stored / file_bytes:.2f} bytes stored on the nodes per file byte")
print(f"rclone crypt: {rclone_s:.2f} s, {rclone_mib_s:.1f} MiB/s, egress {(tx3 - tx2) / file_bytes:.2f} bytes per file byte")
print(f"ferry / rclone throughput = {ferry_mib_s / rclone_mib_s:.2f}")
PY
