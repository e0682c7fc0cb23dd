#!/usr/bin/env bash
# finp2p-evm-bench runs (a few operations per side, zero failures); the numbers belong in
# docs/benchmarks.md via scripts/bench, not here. Usage: bench_smoke.sh BENCH PLUGIN WORKDIR
set -euo pipefail
FINP2P_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$FINP2P_ROOT/tests/evm/anvil.sh"
BENCH=$1 PLUGIN=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK"
trap anvil_stop EXIT
anvil_start "$WORK"
anvil_key_files "$WORK" 2 >/dev/null
"$BENCH" --plugin "$PLUGIN" --rpc "$ANVIL_URL" --keys "$WORK/operator-0.key,$WORK/operator-1.key" \
  --work "$WORK/bench" --ops 40
