#!/usr/bin/env bash
# The committed ABI and bytecode (plugins/evm/contracts/build) are what the pinned solc makes
# of the committed Solidity: a C++-only build embeds them, so they must not drift.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
node "$ROOT/plugins/evm/tools/compile.js" "$OUT" >/dev/null
if ! diff -r "$ROOT/plugins/evm/contracts/build" "$OUT" >/dev/null; then
  echo "plugins/evm/contracts/build is stale: run node plugins/evm/tools/compile.js and commit"
  diff -r "$ROOT/plugins/evm/contracts/build" "$OUT" | head -20
  exit 1
fi
echo "contracts/build matches a fresh compile"
