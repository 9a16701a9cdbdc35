#!/usr/bin/env bash
# Benchmark: upload a file of SIZE_MIB (default 1024) to a fresh 10-node devnet with the release
# build, and copy the same file with rclone (crypt remote over WebDAV on loopback) in the same run.
# Prints wall time, MiB/s, the client's peak RSS, and the ratio of the two times.
# Usage: [SIZE_MIB=N] [FERRY_BENCH_ARGS='--transfers 16'] scripts/bench-upload.sh
# (needs: npm ci; apt-get install rclone time)
set -euo pipefail
size_mib=${SIZE_MIB:-1024}
command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install -y time" >&2; exit 2; }
source "$(dirname "$0")/bench-setup.sh" "$size_mib"
shared=${FERRY_SHARED:-$root/../shared}
start=$(date +%s.%N)
/usr/bin/time -v -o "$work/time.txt" "$ferry" upload "$work/file.bin" --devnet --json ${FERRY_BENCH_ARGS:-} > "$work/events.jsonl"
end=$(date +%s.%N)
rss_kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
ferry_s=$(python3 -c "print($end - $start)")
python3 - "$work/events.jsonl" "$ferry_s" "$size_mib" "$rss_kib" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
done = events[-1]
assert done["event"] == "done", done
seconds, size, rss = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
waves = sum(1 for e in events if e["event"] == "wave_paid")
print(f"ferry upload {size} MiB: {seconds:.2f} s, {size/seconds:.1f} MiB/s, peak RSS {rss/1024:.1f} MiB, "
      f"{done['chunks']} chunks x 4 replicas, {waves} payment transactions")
PY
if [ -x "$shared/bench/rclone-baseline" ] && command -v rclone >/dev/null; then
  line=$("$shared/bench/rclone-baseline" "$work/file.bin" 1 | tail -1)
  echo "$line"
  rclone_s=$(echo "$line" | sed -E 's/.*: ([0-9.]+) s,.*/\1/')
  python3 -c "print(f'ferry time / rclone time = {$ferry_s / $rclone_s:.2f}')"
else
  echo "rclone baseline skipped: apt-get install -y rclone (and shared/bench/rclone-baseline)" >&2
fi
