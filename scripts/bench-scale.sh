#!/usr/bin/env bash
# Scaling with the work, on a one-host devnet (release build, 10 nodes):
# - folders of 2,000, 4,000, 40,000 and 400,000 files of 1 KiB: upload time, bytes the client wrote to
#   disk (/proc/PID/io write_bytes), chunks paid and peak memory (VmHWM); each downloaded back
#   and compared;
# - one 4 GiB file: the client's bytes written against its receipt's largest size;
# - a 2 GiB stdin upload: the most the data dir held while it ran.
# FERRY_BENCH_COUNTS overrides the file counts (e.g. "2000 4000"), FERRY_BENCH_BIG_MIB the big
# file's size and FERRY_BENCH_STREAM_MIB the stream's.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-setup.sh" 1

counts=${FERRY_BENCH_COUNTS:-"2000 4000 40000 400000"}
big_mib=${FERRY_BENCH_BIG_MIB:-4096}
stream_mib=${FERRY_BENCH_STREAM_MIB:-2048}

# Runs "$@" in the background, sampling /proc/PID/io and VmHWM every 20 ms until it exits, and
# a path's size (the receipts dir, or the whole data dir) as $watch_path says. Prints
# "seconds write_bytes peak_kib max_watched_bytes". The command's stdout (the --json event
# stream, about 230 bytes a file for a folder) goes through a pipe, of which only the last
# line is kept in $work/out: write_bytes counts what ferry itself writes (receipts, spool, plan
# cache, history), not where a caller chose to keep its output.
measure() {
  local start end pid keeper wb=0 hwm=0 watched=0 now size
  rm -f "$work/events" && mkfifo "$work/events"
  tail -n 1 <"$work/events" >"$work/out" &
  keeper=$!
  start=$(date +%s.%N)
  "$@" >"$work/events" 2>"$work/err" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    now=$(awk '/^write_bytes/ {print $2}' "/proc/$pid/io" 2>/dev/null || echo 0)
    [ -n "$now" ] && [ "$now" -gt "$wb" ] && wb=$now
    now=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ -n "$now" ] && [ "$now" -gt "$hwm" ] && hwm=$now
    if [ -n "${watch_path:-}" ]; then
      size=$(du -sb "$watch_path" 2>/dev/null | cut -f1 || echo 0)
      [ -n "$size" ] && [ "$size" -gt "$watched" ] && watched=$size
    fi
    sleep 0.02
  done
  wait "$pid" || { echo "failed: $*" >&2; cat "$work/err" >&2; exit 1; }
  end=$(date +%s.%N)
  wait "$keeper"
  echo "$(echo "$end - $start" | bc) $wb $hwm $watched"
}

field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read().splitlines()[-1])['$1'])"; }

echo "| files of 1 KiB | upload time | client bytes written to disk | chunks paid | peak RSS | downloads identical |"
echo "| --- | --- | --- | --- | --- | --- |"
for count in $counts; do
  tree="$work/tree-$count"
  python3 - "$tree" "$count" <<'EOF'
import os, sys
root, count = sys.argv[1], int(sys.argv[2])
for n in range(count):
    sub = os.path.join(root, f"d{n // 500}")
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, f"f{n}.txt"), "wb") as f:
        f.write(os.urandom(1024))
EOF
  read -r seconds written peak _ < <(watch_path="" measure "$ferry" upload --devnet --json --yes "$tree")
  paid=$(field paid_chunks <"$work/out")
  reference=$(field reference <"$work/out")
  "$ferry" download --devnet "$reference" -o "$work/back-$count" >/dev/null 2>&1
  same=$(diff -r "$tree" "$work/back-$count" >/dev/null && echo yes || echo NO)
  printf "| %s | %.1f s | %.1f MiB | %s | %.1f MiB | %s |\n" "$count" "$seconds" \
    "$(echo "$written / 1048576" | bc -l)" "$paid" "$(echo "$peak / 1024" | bc -l)" "$same"
  rm -rf "$tree" "$work/back-$count"
done

head -c "$((big_mib * 1024 * 1024))" /dev/urandom >"$work/big.bin"
read -r seconds written _ receipt < <(watch_path="$FERRY_DATA_DIR/receipts" measure \
  "$ferry" upload --devnet --json --yes "$work/big.bin")
rm -f "$work/big.bin"
echo
echo "| one file | upload time | client bytes written | receipts' largest size | ratio |"
echo "| --- | --- | --- | --- | --- |"
printf "| %s MiB | %.1f s | %.2f MiB | %.2f MiB | %.2f |\n" "$big_mib" "$seconds" \
  "$(echo "$written / 1048576" | bc -l)" "$(echo "$receipt / 1048576" | bc -l)" \
  "$(echo "$written / ($receipt + 1)" | bc -l)"

read -r seconds _ _ disk < <(watch_path="$FERRY_DATA_DIR/spool" measure \
  bash -c "head -c $((stream_mib * 1024 * 1024)) /dev/urandom | '$ferry' upload --devnet --json --yes -")
echo
echo "| stdin stream | upload time | peak disk under the data dir's spool/ |"
echo "| --- | --- | --- |"
printf "| %s MiB | %.1f s | %.1f MiB |\n" "$stream_mib" "$seconds" "$(echo "$disk / 1048576" | bc -l)"
