#!/usr/bin/env bash
# bridge_pending_test against a gateway whose ledger (the faulty-ledger fixture, fault
# "slow_transfers") takes 2 s per transfer, with Prism validating in between.
# Usage: bridge_pending.sh BIN PLUGIN_DIR SRC FIXTURE_DIR TEST_BINARY
set -euo pipefail
BIN=$1 PLUGIN_DIR=$2 SRC=$3 FIXTURES=$4 TEST=$5
source "$SRC/tests/adapter-api/lib.sh"
DIR=$(mktemp -d /tmp/adapter-pending.XXXXXX)
trap 'adapter_cleanup' EXIT
GW_PORT[gw]=$(free_port)
cat >"$DIR/gw.toml" <<TOML
listen = "127.0.0.1:${GW_PORT[gw]}"
database = "gw.db"
answer_within_ms = 100
poll_interval_ms = 50
[decimals]
USD = 2
[[ledger]]
name = "cash"
plugin = "$FIXTURES/libfixture_faulty_ledger.so"
assets = ["USD"]
[ledger.config]
log = "cash.log"
fault = "slow_transfers"
TOML
gateway_start gw
PROXY=$(free_port)
prism_start "$PROXY" "http://127.0.0.1:${GW_PORT[gw]}"
ADAPTER_URL="http://127.0.0.1:$PROXY" WORK_DIR="$DIR" "$TEST"
prism_clean
transfers=$(grep -c "post /assets/transfer" "$DIR/prism.log")
[ "$transfers" = 1 ] || { echo "FAIL: $transfers transfer requests reached the adapter; expected 1 (lookups poll the cid, the execute after it was found answers from the record)"; exit 1; }
echo "ok ($DIR)"
