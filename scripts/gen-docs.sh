#!/usr/bin/env bash
# Regenerates completions/ and man/ (ferry.1, ferry-node.1 and a page per command) from the clap
# definitions.
# Usage: scripts/gen-docs.sh [OUT_DIR]   (default: the repository root)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root}
cargo build --quiet --manifest-path "$root/Cargo.toml" --bin ferry --bin ferry-node
ferry="${CARGO_TARGET_DIR:-$root/target}/debug/ferry"
ferry_node="${CARGO_TARGET_DIR:-$root/target}/debug/ferry-node"
mkdir -p "$out/completions" "$out/man"
"$ferry" completions bash > "$out/completions/ferry.bash"
"$ferry" completions zsh > "$out/completions/_ferry"
"$ferry" completions fish > "$out/completions/ferry.fish"
"$ferry" completions elvish > "$out/completions/ferry.elv"
"$ferry" completions powershell > "$out/completions/_ferry.ps1"
rm -f "$out"/man/*.1
"$ferry" man "$out/man"
"$ferry_node" man "$out/man"
echo "wrote $out/completions/ and $out/man/ (ferry.1, ferry-node.1 and a page per command)"
