#!/usr/bin/env bash
# Regenerates contract/PaymentVault.abi.json and contract/PaymentVault.bin from
# contract/PaymentVault.sol with solc-js (npm package `solc`, pinned in package.json).
# Usage: scripts/build-contract.sh [OUT_DIR]     (default: contract/; run `npm ci` first)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/contract}
solcjs="$root/node_modules/.bin/solcjs"
[ -x "$solcjs" ] || { echo "solcjs not found: run 'npm ci' in $root first" >&2; exit 2; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
(cd "$root/contract" && "$solcjs" --optimize --bin --abi -o "$work" PaymentVault.sol >/dev/null)
mkdir -p "$out"
python3 -m json.tool --indent 2 "$work/PaymentVault_sol_PaymentVault.abi" > "$out/PaymentVault.abi.json"
cp "$work/PaymentVault_sol_PaymentVault.bin" "$out/PaymentVault.bin"
echo "wrote $out/PaymentVault.abi.json and $out/PaymentVault.bin"
