#!/usr/bin/env bash
# Benchmark: upload SIZE_MIB (default 60) to a fresh 10-node devnet with the release build, and
# freeze FROZEN (default 2) of its nodes with SIGSTOP once the client has discovered the network
# and planned the file (their sockets keep accepting connections; they never answer). Prints the
# upload's wall time, then the download's (the nodes still frozen), and checks the download is
# byte-identical. Before per-request deadlines and hedging this took ~3 minutes; now seconds.
# Usage: [SIZE_MIB=N] [FROZEN=N] scripts/bench-frozen.sh      (needs: npm ci; python3)
set -euo pipefail
source "$(dirname "$0")/bench-setup.sh" "${SIZE_MIB:-60}"
python3 - "$ferry" "$work" "$FERRY_DATA_DIR/devnet/state.json" "${FROZEN:-2}" "${SIZE_MIB:-60}" <<'PY'
import json, os, signal, subprocess, sys, time

ferry, work, state_file, frozen, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
state = json.load(open(state_file))
nodes = [p["pid"] for p in state["processes"] if p["name"].startswith("node")]
stopped = nodes[3:3 + frozen]
try:
    start = time.monotonic()
    upload = subprocess.Popen([ferry, "upload", "--json", "--devnet", f"{work}/file.bin"],
                              stdout=subprocess.PIPE, text=True)
    events = []
    for line in upload.stdout:
        event = json.loads(line)
        events.append(event)
        if event["event"] == "started":
            for pid in stopped:
                os.kill(pid, signal.SIGSTOP)
    upload.wait()
    upload_s = time.monotonic() - start
    done = events[-1]
    assert upload.returncode == 0 and done["event"] == "done", done
    start = time.monotonic()
    subprocess.run([ferry, "download", "--devnet", done["reference"], "-o", f"{work}/out.bin"],
                   check=True, stderr=subprocess.DEVNULL)
    download_s = time.monotonic() - start
    same = open(f"{work}/out.bin", "rb").read() == open(f"{work}/file.bin", "rb").read()
    print(f"upload {size} MiB with {len(stopped)} of {len(nodes)} nodes frozen: {upload_s:.2f} s; "
          f"download: {download_s:.2f} s, byte-identical: {same}")
    assert same
finally:
    for pid in stopped:
        os.kill(pid, signal.SIGCONT)
PY
