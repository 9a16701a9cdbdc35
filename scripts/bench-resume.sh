#!/usr/bin/env bash
# Benchmark: interrupt an upload of SIZE_MIB (default 256) once about 90% of its chunks are
# stored, then rerun the same command. The interruption is SIGNAL (default KILL: the laptop
# dies; INT is one Ctrl-C, which lets the chunks in flight finish, so at 90% it often completes). Prints the rerun's wall time, the requests the
# rerun sent to the nodes (from each node's GET /stats), and the new payments (the rerun's
# `done` event and the chain's ChunkPaid logs); new payments must be 0.
# Usage: [SIZE_MIB=N] [STOP_AT=0.9] [SIGNAL=KILL|INT] scripts/bench-resume.sh      (needs: npm ci; python3)
set -euo pipefail
source "$(dirname "$0")/bench-setup.sh" "${SIZE_MIB:-256}"
PYTHONPATH="$root/scripts" python3 - "$ferry" "$work/file.bin" "$FERRY_DATA_DIR/devnet/network.json" "${STOP_AT:-0.9}" "${SIGNAL:-KILL}" <<'PY'
import json, signal, subprocess, sys, time

from bench_devnet import node_requests, vault_logs

ferry, file, network_file, stop_at = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
stop_signal = getattr(signal, "SIG" + sys.argv[5])
network = json.load(open(network_file))
command = [ferry, "upload", "--json", file, "--devnet"]

# First run: interrupted once STOP_AT of the chunks are stored.
first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
chunks = stored = 0
for line in first.stdout:
    event = json.loads(line)
    if event["event"] == "started":
        chunks = event["chunks"]
    if event["event"] == "chunk_stored":
        stored += 1
        if stored >= stop_at * chunks:
            first.send_signal(stop_signal)
            break
rest = [json.loads(l) for l in first.stdout]
first.wait()
stored += sum(1 for e in rest if e["event"] == "chunk_stored")
print(f"first run: SIG{sys.argv[5]} (exit {first.returncode}) with {stored} of {chunks} chunks "
      f"reported stored")

# Rerun: the same command.
requests_before, logs_before = node_requests(network), vault_logs(network)
start = time.monotonic()
rerun = subprocess.run(command, capture_output=True, text=True)
seconds = time.monotonic() - start
events = [json.loads(l) for l in rerun.stdout.splitlines()]
done = events[-1]
assert rerun.returncode == 0 and done["event"] == "done", rerun.stdout[-2000:]
requests_after, logs_after = node_requests(network), vault_logs(network)
sent = {k: requests_after[k] - requests_before.get(k, 0) for k in requests_after}
new_logs = logs_after - logs_before
print(f"rerun: {seconds:.2f} s wall; reused {done['reused_proofs']} proofs, "
      f"{done['already_stored']} chunks already stored, stored {done['stored_chunks']} chunks")
print(f"rerun requests to nodes: {sent['quotes']} quotes, {sent['puts']} PUTs received "
      f"({sent['put_bytes'] / 2**20:.1f} MiB, {sent.get('forwards', 0)} of them forwarded "
      f"between nodes), {sent['gets']} GETs (re-quoting every chunk would be {chunks * 7} quotes)")
print(f"rerun client PUT bodies: {done['bytes_sent'] / 2**20:.1f} MiB")
print(f"rerun new payments: {done['paid_chunks']} chunks paid, {new_logs} new vault logs (ChunkPaid)")
if done["paid_chunks"] != 0 or new_logs != 0:
    sys.exit("FAIL: the rerun paid again")
PY
