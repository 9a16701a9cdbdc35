# Sourced by the bench scripts: builds the release binaries, makes a scratch data dir holding
# a random file of $1 MiB ($work/file.bin), and starts a detached devnet of $FERRY_BENCH_NODES
# nodes (default 10) in it that is stopped (and the scratch dir removed) when the script exits.
# Sets root, ferry and work.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bins
ferry="${CARGO_TARGET_DIR:-$root/target}/release/ferry"
export PATH="$root/node_modules/.bin:$PATH"
work=$(mktemp -d)
export FERRY_DATA_DIR="$work/data"
trap '"$ferry" devnet down >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
head -c "$(($1 * 1024 * 1024))" /dev/urandom > "$work/file.bin"
"$ferry" devnet up --detach --nodes "${FERRY_BENCH_NODES:-10}" >/dev/null 2>&1
