#!/usr/bin/env bash
# Benchmark: the gas a payment wave uses, per chunk, for waves of 1, 16 and 64 chunks, on a
# fresh 40-node devnet (so a wave pays many distinct nodes) with the release build. Uploads
# three random files sized to make exactly those waves, reads `gasUsed` from each wave
# transaction's receipt, and compares it with `ferry quote`'s estimate for the same file and
# wave size (the vault's gas model). Prints one line per wave size.
# Usage: scripts/bench-gas.sh        (needs: npm ci; about 330 MiB of scratch space per replica)
set -euo pipefail
export FERRY_BENCH_NODES=${FERRY_BENCH_NODES:-40}
source "$(dirname "$0")/bench-setup.sh" 1
piece=$((4 * 1024 * 1024 - 16))  # one chunk's plaintext: a file of n pieces makes n + 1 chunks
network="$FERRY_DATA_DIR/devnet/network.json"
for spec in "1:1" "16:15" "64:63"; do
  size=${spec%%:*}
  pieces=${spec##*:}
  file="$work/wave-$size.bin"
  head -c $((pieces * piece)) /dev/urandom > "$file"
  "$ferry" quote "$file" --devnet --json --wave-size "$size" > "$work/quote-$size.json"
  "$ferry" upload "$file" --devnet --json --yes --wave-size "$size" > "$work/upload-$size.jsonl"
  rm -f "$file"
done
python3 - "$work" "$network" <<'PY'
import json, sys, urllib.request
work, network = sys.argv[1], json.load(open(sys.argv[2]))

def rpc(method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(network["rpc_url"], body, {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))["result"]

for size in (1, 16, 64):
    quote = json.loads(open(f"{work}/quote-{size}.json").read().splitlines()[-1])
    events = [json.loads(line) for line in open(f"{work}/upload-{size}.jsonl")]
    assert events[-1]["event"] == "done", events[-1]
    waves = [e for e in events if e["event"] == "wave_paid"]
    measured, chunks, nodes = 0, 0, []
    for wave in waves:
        receipt = rpc("eth_getTransactionReceipt", [wave["tx_hash"]])
        measured += int(receipt["gasUsed"], 16)
        chunks += wave["chunks"]
        # ChunkPaid logs carry one data word: the rewards address in its high 20 bytes.
        paid = {log["data"][2:42] for log in receipt["logs"] if len(log["topics"]) == 2 and len(log["data"]) == 66}
        nodes.append(len(paid))
    per_wave = measured / len(waves)
    estimate = quote["estimated_gas"]
    off = (estimate - measured) / measured * 100
    print(f"waves of {size:>2} chunks: {len(waves)} waves, {chunks} chunks, {measured} gas, "
          f"{measured / chunks:,.0f} gas per chunk, {per_wave:,.0f} per wave; "
          f"distinct nodes paid per wave {min(nodes)}-{max(nodes)}; "
          f"ferry quote estimated {estimate} gas ({off:+.1f}%), {quote['gas_per_wave']} a wave")
PY
