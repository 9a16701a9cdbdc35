#!/usr/bin/env bash
# Benchmark: `ferry verify` of a file of SIZE_MIB (default 1024) uploaded to a fresh 10-node
# devnet, with the release build. Prints verify's wall time, its peak RSS, the chunks and the
# replicas proven, and what it asked of the nodes (from each node's GET /stats: challenges
# answered and chunks served) and of the chain (vault logs before and after: it must pay
# nothing).
# Usage: [SIZE_MIB=N] scripts/bench-verify.sh      (needs: npm ci; python3; GNU time)
set -euo pipefail
size_mib=${SIZE_MIB:-1024}
command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install -y time" >&2; exit 2; }
source "$(dirname "$0")/bench-setup.sh" "$size_mib"
reference=$("$ferry" upload "$work/file.bin" --devnet --json | python3 -c \
  'import json, sys; print([json.loads(l) for l in sys.stdin][-1]["reference"])')
rm -f "$work/file.bin"
PYTHONPATH="$root/scripts" python3 - "$ferry" "$reference" "$FERRY_DATA_DIR/devnet/network.json" "$work" "$size_mib" <<'PY'
import json, subprocess, sys, time

from bench_devnet import node_requests, vault_logs

ferry, reference, network_file, work, size_mib = sys.argv[1:6]
network = json.load(open(network_file))

before, logs_before = node_requests(network), vault_logs(network)
started = time.monotonic()
run = subprocess.run(["/usr/bin/time", "-v", "-o", f"{work}/time.txt", ferry, "verify",
                      "--json", reference, "--devnet"], capture_output=True, text=True)
seconds = time.monotonic() - started
after, logs_after = node_requests(network), vault_logs(network)
events = [json.loads(line) for line in run.stdout.splitlines()]
verified = events[-1]
assert verified["event"] == "verified", run.stdout + run.stderr
rss = next(int(l.split(": ")[1]) for l in open(f"{work}/time.txt") if "Maximum resident" in l)
delta = {key: after[key] - before.get(key, 0) for key in after}
print(f"ferry verify {size_mib} MiB: {seconds:.2f} s (exit {run.returncode}, {verified['status']}), "
      f"{verified['chunks']} chunks, proven replicas lowest {verified['lowest']} median {verified['median']}, "
      f"peak RSS {rss / 1024:.1f} MiB")
print(f"asked of the nodes: {delta.get('challenges', 0)} challenges, {delta.get('gets', 0)} chunk GETs, "
      f"{delta.get('puts', 0)} PUTs, {delta.get('quotes', 0)} quotes; new vault logs: {logs_after - logs_before}")
PY
