#!/usr/bin/env bash
# The conformance runner against the adapter-api bridge plugin, the whole way: bridge (libcurl)
# -> Prism (validating both directions against the OpenAPI file) -> finp2p-adapter-gateway ->
# sqlite-ledger. Fails on any conformance failure and on any schema violation Prism saw.
# Usage: conformance.sh BIN PLUGIN_DIR SRC
set -euo pipefail
BIN=$1 PLUGIN_DIR=$2 SRC=$3
source "$SRC/tests/adapter-api/lib.sh"
DIR=$(mktemp -d /tmp/adapter-conformance.XXXXXX)
trap 'adapter_cleanup' EXIT

gateway_toml gw cash USD "" 2
gateway_start gw
PROXY=$(free_port)
prism_start "$PROXY" "http://127.0.0.1:${GW_PORT[gw]}"

cat >"$DIR/bridge.toml" <<TOML
[conformance]
asset = "USD"
decimals = 2
[config]
base_url = "http://127.0.0.1:$PROXY"
state = "bridge.db"
poll_interval_ms = 50
headers = { Authorization = "Bearer conformance" }
[[config.assets]]
id = "USD"
resource_id = "bank-x:102:usd"
network = "finp2p-exec"
token_id = "USD"
standard = "sqlite-ledger"
TOML
"$BIN/finp2p-ledger-conformance" --plugin "$PLUGIN_DIR/libadapter-api.so" --config "$DIR/bridge.toml"
prism_clean
echo "ok: conformance through bridge -> Prism -> gateway -> sqlite-ledger ($DIR)"
