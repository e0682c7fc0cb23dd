#!/usr/bin/env bash
# The SDK's conformance suite against the EVM plugin on a fresh anvil chain.
# Usage: conformance.sh RUNNER PLUGIN WORKDIR
set -euo pipefail
FINP2P_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$FINP2P_ROOT/tests/evm/anvil.sh"
RUNNER=$1 PLUGIN=$2 WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK"
trap anvil_stop EXIT
anvil_start "$WORK"
cat >"$WORK/conformance.toml" <<TOML
[conformance]
asset = "USD"
decimals = 2
[config]
rpc_url = "$ANVIL_URL"
chain_id = $ANVIL_CHAIN_ID
state_database = "$WORK/evm-state.db"
sending_keys = $(anvil_key_files "$WORK" 4)
deploy = true
assets = [ { id = "USD", decimals = 2, name = "Conformance dollar", symbol = "USD" } ]
TOML
"$RUNNER" --plugin "$PLUGIN" --config "$WORK/conformance.toml"
