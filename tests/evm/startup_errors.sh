#!/usr/bin/env bash
# A router whose EVM ledger cannot start says why, naming the ledger, the plugin and the cause:
# node unreachable, a config value of the wrong type, the wrong chain.
source "$(dirname "$0")/../e2e/harness.sh"
source "$SRC/tests/evm/network_evm.sh"
trap 'cleanup; anvil_stop' EXIT
evm_network_init "$WORK"
refused() {  # refused CONFIG EXPECTED_TEXT
  local out
  out=$(cd "$WORK" && timeout 30 "$BIN/finp2p-execd" --config "$1" 2>&1) && fail "$1 started"
  [[ $out == *'ledger "securities"'*"$2"* ]] || fail "unclear error for $1: $out"
}
sed "s#^rpc_url = .*#rpc_url = \"http://127.0.0.1:1\"#" "$WORK/bank-a.toml" >"$WORK/unreachable.toml"
refused unreachable.toml "cannot reach http://127.0.0.1:1"
sed 's/^chain_id = .*/chain_id = "mainnet"/' "$WORK/bank-a.toml" >"$WORK/badtype.toml"
refused badtype.toml 'config key "chain_id" must be a non-negative integer'
sed 's/^chain_id = .*/chain_id = 1/' "$WORK/bank-a.toml" >"$WORK/wrongchain.toml"
refused wrongchain.toml "serves chain 31337"
echo "ok"
