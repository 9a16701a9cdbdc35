#!/usr/bin/env bash
# Benchmark: upload a file of SIZE_MIB (default 1024) to a fresh 10-node devnet with the release
# build, and copy the same file with rclone (crypt remote over WebDAV on loopback) in the same run.
# Prints wall time, MiB/s, the client's peak RSS, and the ratio of the two times; then each
# client's CPU (user + system) and peak RSS, ferry against rclone copying the same file (crypt
# remote, WebDAV on loopback) under GNU time.
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

# Client CPU and peak memory: rclone's copy under GNU time too (its own WebDAV server is a
# separate process, as ferry's nodes are).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir "$work/dav"
rclone serve webdav "$work/dav" --addr "127.0.0.1:$port" >/dev/null 2>&1 &
dav=$!
sleep 1
RCLONE_CONFIG_DAV_TYPE=webdav RCLONE_CONFIG_DAV_URL="http://127.0.0.1:$port" RCLONE_CONFIG_DAV_VENDOR=other \
  RCLONE_CONFIG_CRY_TYPE=crypt RCLONE_CONFIG_CRY_REMOTE=dav:c RCLONE_CONFIG_CRY_PASSWORD="$(rclone obscure bench)" \
  /usr/bin/time -v -o "$work/rclone-time.txt" rclone copyto "$work/file.bin" cry:file.bin >/dev/null 2>&1
kill "$dav"
python3 - "$work/time.txt" "$work/rclone-time.txt" <<'PY'
import sys
def figures(path):
    fields = dict(line.strip().split(": ", 1) for line in open(path) if ": " in line)
    cpu = float(fields["User time (seconds)"]) + float(fields["System time (seconds)"])
    return cpu, int(fields["Maximum resident set size (kbytes)"]) / 1024
(f_cpu, f_rss), (r_cpu, r_rss) = figures(sys.argv[1]), figures(sys.argv[2])
print(f"client CPU: ferry {f_cpu:.2f} s, rclone {r_cpu:.2f} s ({f_cpu / r_cpu:.2f}x); "
      f"peak RSS: ferry {f_rss:.1f} MiB, rclone {r_rss:.1f} MiB ({f_rss / r_rss:.2f}x)")
PY
